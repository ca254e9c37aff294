"""Refit the extraction heads from the labelled training sets (reproducible: fixed seeds, no sampling).

    .venv/bin/python src/wildvalues/extract/heads/fit_heads.py [TRAIN.jsonl ...] [--cache DIR]

Default training files: ``<root>/../shared/eval/train.jsonl`` and ``train2.jsonl`` (1,285 conversations).
Writes ``heads_v3.json`` and ``knn_train_v3.npy`` (the training conversations' [user | assistant]
embeddings, float16, for the kNN value labels) next to this script. Every setting comes from
``wildvalues.extract.fitting.CHOSEN``, chosen by 5-fold CV on the same 1,285 (``bench/extract_cv.py``).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from wildvalues.extract.config import ExtractConfig
from wildvalues.extract.explicit_values import EXPLICIT_FEATURES, ExplicitValues
from wildvalues.extract.fitting import (
    CHOSEN,
    fit_linear,
    fit_value_heads,
    shift_intercept_for_prior,
    shift_intercept_for_threshold,
)
from wildvalues.extract.gold import load_gold
from wildvalues.extract.heads import HEADS_FILE
from wildvalues.extract.signals import FEATURE_SPEC, encode_texts, signal_matrix
from wildvalues.extract.transcript import truncated_turns
from wildvalues.paths import shared_dir

DEFAULT_TRAIN = [shared_dir() / "eval" / name for name in ("train.jsonl", "train2.jsonl")]
RELEASED = shared_dir() / "data" / "values-in-the-wild" / "values_frequencies.csv"
ALL, USER_ASSISTANT = slice(0, None), slice(0, 768)
HEADS_VERSION = "v3"


def explicit_vocabulary(gold: list, chosen: dict) -> list[str]:
    """The labels explicit values are chosen from: both features' training labels (+ the released values)."""
    labels = {v for c in gold for f in EXPLICIT_FEATURES for v in getattr(c.labels, f)}
    if any(chosen[f]["vocab"] == "train+released" for f in EXPLICIT_FEATURES):
        with RELEASED.open(encoding="utf-8") as fh:
            labels |= {row["value"] for row in csv.DictReader(fh)}
    return sorted(labels)


def fit_all(
    gold: list, x: np.ndarray, chosen: dict, vocab: list[str], vocab_vectors: np.ndarray
) -> tuple[dict, dict]:
    """(heads by name, explicit-value specs by feature) fitted on all of ``gold``."""
    rt = np.array([c.labels.response_type for c in gold])
    rt_head = fit_linear(x, rt, ALL, chosen["rt_c"], chosen["rt_weights"], chosen["rt_standardise"])
    priors = np.array([np.mean(rt == k) for k in rt_head.classes])
    subjective = np.array([str(bool(c.labels.subjective)) for c in gold])
    heads = {
        "response_type": shift_intercept_for_prior(rt_head, priors, chosen["rt_alpha"]),
        "subjectivity_level": fit_linear(
            x, np.array([str(c.labels.subjectivity_level) for c in gold]), ALL, chosen["level_c"]
        ),
        "subjective": shift_intercept_for_threshold(
            fit_linear(x, subjective, ALL, chosen["sj_c"], None, chosen["sj_standardise"]), chosen["sj_t"]
        ),
        "ai_values": fit_value_heads(
            x, [c.labels.ai_values for c in gold], USER_ASSISTANT, chosen["ai_c"], chosen["ai_min_count"]
        ),
    }
    explicit = {}
    for feature in EXPLICIT_FEATURES:
        spec = chosen[feature]
        sets = [getattr(c.labels, feature) for c in gold]
        present = np.array([str(bool(s)) for s in sets])
        rows = [i for i, s in enumerate(sets) if s]
        own = {v for s in sets for v in s}
        wide = spec["vocab"] == "train+released"
        vocab_rows = [j for j, v in enumerate(vocab) if wide or v in own]
        predictor = ExplicitValues(
            feature,
            fit_linear(x, present, ALL, spec["c"]),
            spec["threshold"],
            spec["query"],
            x[rows][:, spec["query"]],
            tuple(tuple(sets[i]) for i in rows),
            spec["neighbours"],
            spec["max_labels"],
            tuple(vocab[j] for j in vocab_rows),
            vocab_vectors[vocab_rows],
            spec["span_weight"],
            spec["knn_weight"],
        )
        explicit[feature] = predictor.to_json(rows, vocab_rows)
    return heads, explicit


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("train", nargs="*", type=Path, default=DEFAULT_TRAIN)
    ap.add_argument("--cache", type=Path, default=None, help="folder with cached signal rows sig_<stem>.npy")
    ap.add_argument("--out", type=Path, default=HEADS_FILE)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    cfg, gold, blocks = ExtractConfig(), [], []
    for path in args.train:
        convs = load_gold(path)
        cached = args.cache / f"sig_{path.stem}.npy" if args.cache else None
        x = (
            np.load(cached)
            if cached and cached.exists()
            else signal_matrix([truncated_turns(c, cfg) for c in convs], cfg.embed_model)
        )
        if len(x) != len(convs):
            raise ValueError(f"{cached}: {len(x)} rows for {len(convs)} conversations in {path}")
        gold, blocks = gold + convs, [*blocks, x]
    x = np.vstack(blocks).astype(np.float32)
    vocab = explicit_vocabulary(gold, CHOSEN)
    vocab_vectors = encode_texts(vocab, cfg.embed_model)
    heads, explicit = fit_all(gold, x, CHOSEN, vocab, vocab_vectors)
    out: Path = args.out
    vocab_file = out.parent / f"explicit_vocab_{HEADS_VERSION}.npy"
    np.save(vocab_file, vocab_vectors.astype(np.float16))
    knn_file = out.parent / f"knn_train_{HEADS_VERSION}.npy"
    np.save(knn_file, x[:, USER_ASSISTANT].astype(np.float16))
    settings = {k: v for k, v in CHOSEN.items() if k not in EXPLICIT_FEATURES} | {
        f: {k: v for k, v in CHOSEN[f].items() if k != "query"} for f in EXPLICIT_FEATURES
    }
    payload = {
        "version": HEADS_VERSION,
        "feature_spec": FEATURE_SPEC,
        "embed_model": cfg.embed_model,
        "info": {
            "train_files": [p.name for p in args.train],
            "n_train": len(gold),
            "seed": 0,
            "settings": settings,
            "chosen_by": "5-fold CV on the training files (bench/extract_cv.py)",
        },
        "heads": {name: head.to_json() for name, head in heads.items()},
        "knn": {
            "embeddings_file": knn_file.name,
            "label_sets": [list(c.labels.ai_values) for c in gold],
            "weight": CHOSEN["knn_weight"],
            "neighbours": CHOSEN["ai_neighbours"],
        },
        "explicit": explicit,
        "explicit_vocab": {"labels": vocab, "vectors_file": vocab_file.name},
    }
    out.write_text(json.dumps(payload), encoding="utf-8")
    for file in (out, knn_file, vocab_file):
        print(f"wrote {file} ({file.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
