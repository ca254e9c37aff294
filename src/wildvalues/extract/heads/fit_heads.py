"""Refit the extraction heads from the labelled training set (reproducible: fixed seeds, fixed folds).

    .venv/bin/python src/wildvalues/extract/heads/fit_heads.py [../shared/eval/train.jsonl]

Writes ``heads_v2.json`` and ``knn_train_v2.npy`` (the training conversations' [user | assistant] embeddings,
float16, for the kNN AI-value labels) next to this script and prints 5-fold cross-validated figures on the
training set. Settings (C of each head, kNN weight) were chosen by 5-fold CV on train.jsonl: see
``bench/extract.py --cv`` and the extract README.
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from wildvalues.extract.config import ExtractConfig
from wildvalues.extract.gold import load_gold
from wildvalues.extract.heads import HEADS_FILE, LinearHead
from wildvalues.extract.signals import FEATURE_SPEC, signal_matrix
from wildvalues.extract.transcript import truncated_turns
from wildvalues.paths import shared_dir

EMB = 384
ALL = slice(0, None)
USER_ASSISTANT = slice(0, 2 * EMB)
MIN_VALUE_COUNT = 5
HEADS_VERSION = "v2"
KNN_WEIGHT = 0.3  # share of the kNN labels in the fused AI-value score (CV on train: 0.3 best of 0..1)


def fit_head(x: np.ndarray, y: np.ndarray, cols: slice, c: float, report: str) -> LinearHead:
    xs = x[:, cols]
    mean, scale = xs.mean(0), xs.std(0) + 1e-3
    z = (xs - mean) / scale
    model = LogisticRegression(C=c, max_iter=4000, random_state=0)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    cv = cross_val_predict(model, z, y, cv=folds)
    print(
        f"{report}: 5-fold CV accuracy {np.mean(cv == y):.3f} "
        f"(majority {collections.Counter(y).most_common(1)[0][1] / len(y):.3f})"
    )
    model.fit(z, y)
    return LinearHead(
        tuple(str(k) for k in model.classes_),
        model.coef_.astype(np.float32),
        model.intercept_.astype(np.float32),
        mean,
        scale,
        cols,
    )


def fit_value_head(x: np.ndarray, label_sets: list[list[str]]) -> LinearHead:
    counts = collections.Counter(v for labels in label_sets for v in labels)
    labels = sorted(v for v, n in counts.items() if n >= MIN_VALUE_COUNT)
    xs = x[:, USER_ASSISTANT]
    mean, scale = xs.mean(0), xs.std(0) + 1e-3
    z = (xs - mean) / scale
    coefs, intercepts = [], []
    for label in labels:
        y = np.array([label in s for s in label_sets])
        model = LogisticRegression(C=0.05, max_iter=4000, random_state=0).fit(z, y)
        coefs.append(model.coef_[0])
        intercepts.append(model.intercept_[0])
    print(f"ai_values: {len(labels)} labels with >= {MIN_VALUE_COUNT} training occurrences")
    return LinearHead(
        tuple(labels),
        np.asarray(coefs, np.float32),
        np.asarray(intercepts, np.float32),
        mean,
        scale,
        USER_ASSISTANT,
        multilabel=True,
    )


def main(train_path: str | None = None, out: Path = HEADS_FILE) -> None:
    train_path = train_path or str(shared_dir() / "eval" / "train.jsonl")
    import torch

    torch.set_num_threads(2)
    gold = load_gold(train_path)
    cfg = ExtractConfig()
    x = signal_matrix([truncated_turns(c, cfg) for c in gold], cfg.embed_model)
    heads = {
        "response_type": fit_head(
            x, np.array([c.labels.response_type for c in gold]), ALL, 0.01, "response_type"
        ),
        "subjectivity_level": fit_head(
            x, np.array([str(c.labels.subjectivity_level) for c in gold]), ALL, 0.01, "subjectivity_level"
        ),
        "subjective": fit_head(
            x, np.array([str(bool(c.labels.subjective)) for c in gold]), ALL, 0.01, "subjective"
        ),
        "human_values_present": fit_head(
            x, np.array([str(bool(c.labels.human_values)) for c in gold]), ALL, 0.01, "human_values_present"
        ),
        "ai_values": fit_value_head(x, [c.labels.ai_values for c in gold]),
    }
    knn_file = out.parent / f"knn_train_{HEADS_VERSION}.npy"
    np.save(knn_file, x[:, USER_ASSISTANT].astype(np.float16))
    payload = {
        "version": HEADS_VERSION,
        "feature_spec": FEATURE_SPEC,
        "embed_model": cfg.embed_model,
        "info": {"train_file": Path(train_path).name, "n_train": len(gold), "seed": 0},
        "heads": {name: head.to_json() for name, head in heads.items()},
        "knn": {
            "embeddings_file": knn_file.name,
            "label_sets": [list(c.labels.ai_values) for c in gold],
            "weight": KNN_WEIGHT,
        },
    }
    out.write_text(json.dumps(payload), encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size // 1024} KB), {knn_file} ({knn_file.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main(*sys.argv[1:2])
