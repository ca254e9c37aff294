"""Extraction benchmark: which signals move the numbers (ablation on dev, heads fitted on train only).

    OMP_NUM_THREADS=2 nice -n 10 .venv/bin/python bench/extract.py [--train T.jsonl] [--dev D.jsonl]

Compares, in one run: the majority class (the straightforward alternative), surface cues only, sentence
embeddings only, embeddings + cues (the shipped heads), and for AI values: the most frequent training
labels, retrieval from the released vocabulary by text similarity, nearest training conversations' labels
(kNN), and the per-label logistic head. No LLM is called (LLM figures come from `wildvalues eval`).
"""

from __future__ import annotations

import argparse
import collections
import csv
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from wildvalues.extract.config import ExtractConfig
from wildvalues.extract.evaluate import MATCH_MODEL, MATCH_THRESHOLD
from wildvalues.extract.gold import load_gold
from wildvalues.extract.metrics import label_set_match, proportion
from wildvalues.extract.signals import encode_texts, signal_matrix
from wildvalues.extract.transcript import truncated_turns

EMB = 384
VOCAB = Path("/work/shared/data/values-in-the-wild/values_frequencies.csv")


def fit_predict(xt, yt, xd, cols, c):
    xs, xds = xt[:, cols], xd[:, cols]
    mean, scale = xs.mean(0), xs.std(0) + 1e-3
    model = LogisticRegression(C=c, max_iter=4000, random_state=0).fit((xs - mean) / scale, yt)
    return model.predict((xds - mean) / scale)


def fmt(p):
    return f"{p['value']:.3f} [{p['ci95'][0]:.2f}, {p['ci95'][1]:.2f}]"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default="/work/shared/eval/train.jsonl")
    ap.add_argument("--dev", default="/work/shared/eval/dev.jsonl")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    cfg = ExtractConfig()
    train, dev = load_gold(args.train), load_gold(args.dev)
    t0 = time.perf_counter()
    xt = signal_matrix([truncated_turns(c, cfg) for c in train])
    xd = signal_matrix([truncated_turns(c, cfg) for c in dev])
    per_conv = (time.perf_counter() - t0) / (len(train) + len(dev))
    print(f"signals: {xt.shape[1]} columns, {per_conv * 1000:.0f} ms per conversation (embeddings + cues)")
    cue, emb, both = slice(3 * EMB, None), slice(0, 3 * EMB), slice(0, None)
    rt_t = np.array([c.labels.response_type for c in train])
    rt_d = [c.labels.response_type for c in dev]
    alts = [{c.labels.response_type, *c.labels.response_type_alternatives} for c in dev]
    sj_t = np.array([bool(c.labels.subjective) for c in train])
    sj_d = [bool(c.labels.subjective) for c in dev]
    n = len(dev)
    print("\n| signals | response type strict | response type lenient | subjective |\n|---|---|---|---|")
    major_rt = collections.Counter(rt_t).most_common(1)[0][0]
    major_sj = collections.Counter(sj_t).most_common(1)[0][0]
    rows = {"majority class (train)": ([major_rt] * n, [major_sj] * n)}
    for name, cols in (
        ("surface cues only", cue),
        ("embeddings only", emb),
        ("embeddings + cues (shipped)", both),
    ):
        rows[name] = (fit_predict(xt, rt_t, xd, cols, 0.03), fit_predict(xt, sj_t, xd, cols, 0.01))
    for name, (prt, psj) in rows.items():
        strict = proportion(sum(p == g for p, g in zip(prt, rt_d, strict=True)), n)
        lenient = proportion(sum(p in a for p, a in zip(prt, alts, strict=True)), n)
        subj = proportion(sum(bool(p) == g for p, g in zip(psj, sj_d, strict=True)), n)
        print(f"| {name} | {fmt(strict)} | {fmt(lenient)} | {fmt(subj)} |")

    def encode(texts):
        return encode_texts(texts, MATCH_MODEL)

    gold = [c.labels.ai_values for c in dev]
    sets = [c.labels.ai_values for c in train]
    counts = collections.Counter(v for s in sets for v in s)
    k = ExtractConfig().max_ai_values
    candidates = {"most frequent training labels": [[v for v, _ in counts.most_common(k)]] * n}
    if VOCAB.exists():
        rows_v = list(csv.DictReader(VOCAB.open(encoding="utf-8")))
        vocab = [r["value"] for r in rows_v]
        sims = xd[:, EMB : 2 * EMB] @ encode(vocab).T
        candidates["released vocabulary, nearest to AI turn"] = [
            [vocab[j] for j in np.argsort(-sims[i])[:k]] for i in range(n)
        ]
    sim = (xd[:, : 2 * EMB] @ xt[:, : 2 * EMB].T) / 2
    knn = []
    for i in range(n):
        score = collections.Counter()
        for j in np.argsort(-sim[i])[:10]:
            for v in sets[j]:
                score[v] += sim[i, j]
        knn.append([v for v, _ in score.most_common(k)])
    candidates["kNN: labels of 10 nearest training conversations"] = knn
    from wildvalues.extract.heads import load_heads

    head = load_heads().heads["ai_values"]
    probs = head.predict_proba(xd)
    candidates["per-label logistic head (shipped)"] = [
        [head.classes[j] for j in np.argsort(-probs[i])[:k]] for i in range(n)
    ]
    print(f"\n| AI values (top {k}; match cosine >= {MATCH_THRESHOLD}, {MATCH_MODEL}) | recall | precision |")
    print("|---|---|---|")
    for name, pred in candidates.items():
        r = label_set_match(gold, pred, encode, MATCH_THRESHOLD)
        print(
            f"| {name} | {r['recall']['value']:.3f} {r['recall']['ci95']} "
            f"| {r['precision']['value']:.3f} {r['precision']['ci95']} |"
        )


if __name__ == "__main__":
    main()
