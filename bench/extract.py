"""Extraction benchmark: which signals move the numbers (ablation on dev, heads fitted on train only).

    OMP_NUM_THREADS=2 nice -n 10 .venv/bin/python bench/extract.py [--train T.jsonl] [--dev D.jsonl]
    OMP_NUM_THREADS=2 nice -n 10 .venv/bin/python bench/extract.py --cv     # settings chosen on train only

Compares, in one run: the majority class (the straightforward alternative), surface cues only, sentence
embeddings only, embeddings + cues (the shipped heads), and for AI values: the most frequent training
labels, retrieval from the released vocabulary by text similarity, nearest training conversations' labels
(kNN), the per-label logistic head and the two fused (shipped). No LLM is called (LLM figures come from
`wildvalues eval`). ``--cv`` prints the 5-fold cross-validation on the training set alone by which the
shipped settings were chosen (number of AI values, kNN weight, score floor, response-type C, subjectivity
threshold); dev is not read then.
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
ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
VOCAB = SHARED / "data" / "values-in-the-wild" / "values_frequencies.csv"


def fit_predict(xt, yt, xd, cols, c):
    xs, xds = xt[:, cols], xd[:, cols]
    mean, scale = xs.mean(0), xs.std(0) + 1e-3
    model = LogisticRegression(C=c, max_iter=4000, random_state=0).fit((xs - mean) / scale, yt)
    return model.predict((xds - mean) / scale)


def fmt(p):
    return f"{p['value']:.3f} [{p['ci95'][0]:.2f}, {p['ci95'][1]:.2f}]"


def cv_value_scores(xt, sets, folds):
    """Per held-out conversation: (per-label head probabilities, kNN label shares), fitted in-fold."""
    from wildvalues.extract.heads import KnnLabels

    out = {}
    for train_idx, held in folds:
        fold_sets = [sets[i] for i in train_idx]
        counts = collections.Counter(v for s in fold_sets for v in s)
        labels = sorted(v for v, c in counts.items() if c >= 5)
        xs = xt[train_idx][:, : 2 * EMB]
        mean, scale = xs.mean(0), xs.std(0) + 1e-3
        zh = (xt[held][:, : 2 * EMB] - mean) / scale
        probs = np.zeros((len(held), len(labels)))
        for j, label in enumerate(labels):
            y = np.array([label in s for s in fold_sets])
            model = LogisticRegression(C=0.05, max_iter=4000, random_state=0).fit((xs - mean) / scale, y)
            probs[:, j] = model.predict_proba(zh)[:, 1]
        knn = KnnLabels(xs, tuple(tuple(s) for s in fold_sets), 1.0).scores(xt[held])
        for r, i in enumerate(held):
            out[i] = (dict(zip(labels, probs[r], strict=True)), knn[r])
    return out


def run_cv(train_path: str) -> None:
    """5-fold CV on the training set only: the evidence for the shipped settings."""
    from sklearn.model_selection import KFold, StratifiedKFold

    cfg = ExtractConfig()
    train = load_gold(train_path)
    xt = signal_matrix([truncated_turns(c, cfg) for c in train])
    sets = [c.labels.ai_values for c in train]
    labels = sorted({v for s in sets for v in s})
    vectors = dict(zip(labels, encode_texts(labels, MATCH_MODEL), strict=True))
    scores = cv_value_scores(xt, sets, list(KFold(5, shuffle=True, random_state=0).split(xt)))
    print(
        f"AI values, 5-fold CV on {Path(train_path).name} (n={len(train)}; match cosine >= {MATCH_THRESHOLD})"
    )
    print("| kNN weight | k | floor | recall | precision | labels/conv |\n|---|---|---|---|---|---|")
    for weight in (0.0, 0.3, 0.5, 0.7, 1.0):
        for k in (5, 8, 10):
            for floor in (0.0, 0.05, 0.1):
                hits = gold_n = matched = pred_n = 0
                for i, (head, knn) in scores.items():
                    fused = {v: (1 - weight) * p for v, p in head.items()}
                    for v, p in knn.items():
                        fused[v] = fused.get(v, 0.0) + weight * p
                    ranked = sorted(fused, key=lambda v: (-fused[v], v))[:k]
                    pred = [v for v in ranked if fused[v] >= floor] or ranked[:1]
                    sim = np.stack([vectors[v] for v in sets[i]]) @ np.stack([vectors[v] for v in pred]).T
                    hits += (sim.max(1) >= MATCH_THRESHOLD).sum()
                    matched += (sim.max(0) >= MATCH_THRESHOLD).sum()
                    gold_n, pred_n = gold_n + len(sets[i]), pred_n + len(pred)
                print(
                    f"| {weight} | {k} | {floor} | {hits / gold_n:.3f} | {matched / pred_n:.3f} "
                    f"| {pred_n / len(train):.1f} |"
                )
    rt = np.array([c.labels.response_type for c in train])
    alts = [{c.labels.response_type, *c.labels.response_type_alternatives} for c in train]
    sj = np.array([bool(c.labels.subjective) for c in train])
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(xt, rt))

    def cv_proba(y, cols, c, weights=None):
        proba = np.zeros((len(y), len(set(y))))
        for tr, held in folds:
            xs = xt[tr][:, cols]
            mean, scale = xs.mean(0), xs.std(0) + 1e-3
            model = LogisticRegression(C=c, max_iter=4000, random_state=0, class_weight=weights)
            proba[held] = model.fit((xs - mean) / scale, y[tr]).predict_proba(
                (xt[held][:, cols] - mean) / scale
            )
        return model.classes_, proba

    print(
        "\n| response type: C | class weights | prior correction | strict | lenient |\n|---|---|---|---|---|"
    )
    for c in (0.01, 0.03, 0.1):
        for weights in (None, "balanced"):
            classes, proba = cv_proba(rt, slice(0, None), c, weights)
            prior = np.array([np.mean(rt == k) for k in classes])
            for alpha in (0.0, 0.25, 0.5):
                pred = classes[np.argmax(proba / prior**alpha, 1)]
                lenient = np.mean([p in a for p, a in zip(pred, alts, strict=True)])
                print(f"| {c} | {weights} | p / prior^{alpha} | {np.mean(pred == rt):.3f} | {lenient:.3f} |")
    print("\n| subjective: signals | C | t=0.4 | 0.45 | 0.5 | 0.55 | 0.6 |\n|---|---|---|---|---|---|---|")
    for name, cols in (
        ("all", slice(0, None)),
        ("user+assistant emb", slice(0, 2 * EMB)),
        ("user emb", slice(0, EMB)),
    ):
        for c in (0.003, 0.01, 0.03):
            classes, proba = cv_proba(sj, cols, c)
            p = proba[:, list(classes).index(True)]
            accs = " | ".join(f"{np.mean((p >= t) == sj):.3f}" for t in (0.4, 0.45, 0.5, 0.55, 0.6))
            print(f"| {name} | {c} | {accs} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default=str(SHARED / "eval" / "train.jsonl"))
    ap.add_argument("--dev", default=str(SHARED / "eval" / "dev.jsonl"))
    ap.add_argument("--cv", action="store_true", help="5-fold CV on --train only (how settings were chosen)")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    if args.cv:
        return run_cv(args.train)
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
        rows[name] = (fit_predict(xt, rt_t, xd, cols, 0.01), fit_predict(xt, sj_t, xd, cols, 0.01))
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

    heads = load_heads()
    head = heads.heads["ai_values"]
    probs = head.predict_proba(xd)
    candidates["per-label logistic head alone"] = [
        [head.classes[j] for j in np.argsort(-probs[i])[:k]] for i in range(n)
    ]
    fused = heads.ai_value_scores(xd)
    candidates["head + kNN fused (shipped)"] = [sorted(f, key=lambda v: (-f[v], v))[:k] for f in fused]
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
