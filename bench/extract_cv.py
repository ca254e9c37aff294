"""Cross-validation on the 1,285 training conversations (train.jsonl + train2.jsonl): the evidence for every
setting of the shipped heads (``heads/fit_heads.py``) and the learning curve of the extract README.

    OMP_NUM_THREADS=2 .venv/bin/python bench/extract_cv.py settings   # response type, subjectivity, AI values
    OMP_NUM_THREADS=2 .venv/bin/python bench/extract_cv.py explicit   # human values, stated AI values
    OMP_NUM_THREADS=2 .venv/bin/python bench/extract_cv.py curve      # 300 / 600 / 900 / 1,285 conversations

Folds: 5-fold stratified by response type, seed 0. dev.jsonl is never read here. Signals (embeddings + cues)
are computed once and cached with ``--cache DIR`` (an .npy per file). No LLM is called.
"""

from __future__ import annotations

import argparse
import collections
import csv
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import StratifiedKFold

from wildvalues.extract.config import ExtractConfig
from wildvalues.extract.evaluate import MATCH_MODEL, MATCH_THRESHOLD
from wildvalues.extract.explicit_values import SPAN_CANDIDATES, span_vectors
from wildvalues.extract.fitting import (
    CHOSEN,
    fit_linear,
    fit_value_heads,
    knn_shares,
    oof_proba,
    set_match_counts,
    top_labels,
)
from wildvalues.extract.gold import GoldConversation, load_gold
from wildvalues.extract.signals import encode_texts, signal_matrix
from wildvalues.extract.transcript import truncated_turns

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
EMB = 384
ALL, USER, ASSISTANT, USER_ASSISTANT = slice(0, None), slice(0, EMB), slice(EMB, 2 * EMB), slice(0, 2 * EMB)


def load_training(files: list[str], cache: Path | None) -> tuple[list[GoldConversation], np.ndarray]:
    """The labelled conversations of ``files`` and their signal rows (cached per file when asked)."""
    cfg, gold, blocks = ExtractConfig(), [], []
    for name in files:
        convs = load_gold(EVAL / name if not Path(name).exists() else name)
        cached = cache / f"sig_{Path(name).stem}.npy" if cache else None
        if cached is not None and cached.exists():
            x = np.load(cached)
        else:
            x = signal_matrix([truncated_turns(c, cfg) for c in convs])
            if cached is not None:
                np.save(cached, x)
        if len(x) != len(convs):
            raise ValueError(f"{cached}: {len(x)} cached rows for {len(convs)} conversations of {name}")
        gold, blocks = gold + convs, [*blocks, x]
    return gold, np.vstack(blocks)


def folds_for(labels: np.ndarray, n_splits: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    return list(StratifiedKFold(n_splits, shuffle=True, random_state=0).split(labels, labels))


def label_vectors(sets: list[list[str]]) -> dict[str, np.ndarray]:
    vocab = sorted({v for s in sets for v in s})
    return dict(zip(vocab, encode_texts(vocab, MATCH_MODEL), strict=True))


def response_type_oof(x, rt, folds, c, weights, alpha, standardise=True):
    classes, proba = oof_proba(x, rt, ALL, c, folds, weights, standardise)
    prior = np.array([np.mean(rt == k) for k in classes])
    return classes[np.argmax(proba / prior**alpha, 1)]


def settings(gold, x, folds) -> None:
    rt = np.array([c.labels.response_type for c in gold])
    alts = [{c.labels.response_type, *c.labels.response_type_alternatives} for c in gold]
    sj = np.array([str(bool(c.labels.subjective)) for c in gold])
    print(f"## Response type, 5-fold CV on n={len(gold)}\n")
    print(
        "| columns | C | class weights | prior correction | strict | lenient | kappa |\n" + "|---" * 7 + "|"
    )
    grid = [(True, c, w) for c in (0.003, 0.01, 0.03) for w in (None, "balanced")]
    grid += [(False, c, w) for c in (0.1, 0.3, 1.0) for w in (None, "balanced")]
    for std, c, weights in grid:
        classes, proba = oof_proba(x, rt, ALL, c, folds, weights, std)
        prior = np.array([np.mean(rt == k) for k in classes])
        for alpha in (0.0, 0.25, 0.5):
            pred = classes[np.argmax(proba / prior**alpha, 1)]
            lenient = np.mean([p in a for p, a in zip(pred, alts, strict=True)])
            print(
                f"| {'standardised' if std else 'raw'} | {c} | {weights} | p / prior^{alpha} "
                f"| {np.mean(pred == rt):.3f} | {lenient:.3f} "
                f"| {cohen_kappa_score(rt, pred):.3f} |",
                flush=True,
            )
    print(
        "\n## Subjective, 5-fold CV\n\n| signals | C | t=0.4 | 0.45 | 0.5 | 0.55 | 0.6 |\n" + "|---" * 7 + "|"
    )
    for name, cols, std, c in (
        [("all", ALL, True, c) for c in (0.003, 0.01)]
        + [("all, raw", ALL, False, c) for c in (0.1, 0.3, 1.0)]
        + [("user+assistant emb", USER_ASSISTANT, True, 0.003)]
    ):
        classes, proba = oof_proba(x, sj, cols, c, folds, None, std)
        p = proba[:, list(classes).index("True")]
        accs = " | ".join(f"{np.mean((p >= t) == (sj == 'True')):.3f}" for t in (0.4, 0.45, 0.5, 0.55, 0.6))
        print(f"| {name} | {c} | {accs} |", flush=True)
    ai_value_settings(gold, x, folds)


def ai_value_oof(x, sets, folds, c=0.05, min_count=5, neighbours=10):
    """Per conversation: (head probabilities by label, kNN shares), fitted out of fold."""
    out: list = [None] * len(sets)
    for train_idx, held in folds:
        fold_sets = [sets[i] for i in train_idx]
        head = fit_value_heads(x[train_idx], fold_sets, USER_ASSISTANT, c, min_count)
        probs = head.predict_proba(x[held])
        knn = knn_shares(x[train_idx][:, USER_ASSISTANT], fold_sets, x[held][:, USER_ASSISTANT], neighbours)
        for r, i in enumerate(held):
            out[i] = (dict(zip(head.classes, probs[r], strict=True)), knn[r])
    return out


def ai_value_settings(gold, x, folds) -> None:
    sets = [c.labels.ai_values for c in gold]
    vectors = label_vectors(sets)
    t0 = time.perf_counter()
    scores = ai_value_oof(x, sets, folds, CHOSEN["ai_c"], CHOSEN["ai_min_count"], CHOSEN["ai_neighbours"])
    print(
        f"\n## AI values, 5-fold CV (match cosine >= {MATCH_THRESHOLD}, {MATCH_MODEL}; "
        f"{time.perf_counter() - t0:.0f} s)\n"
    )
    print("| kNN weight | k | floor | recall | precision | labels/conv |\n|---|---|---|---|---|---|")
    for weight in (0.0, 0.3, 0.5, 0.7, 1.0):
        for k in (4, 6, 8):
            for floor in (0.0, 0.1, 0.2):
                pred = []
                for head, knn in scores:
                    fused = {v: (1 - weight) * p for v, p in head.items()}
                    for v, s in knn.items():
                        fused[v] = fused.get(v, 0.0) + weight * s
                    pred.append(top_labels(fused, k, floor) or top_labels(fused, 1))
                r, p, _, n_pred = set_match_counts(sets, pred, vectors, MATCH_THRESHOLD)
                print(
                    f"| {weight} | {k} | {floor} | {r:.3f} | {p:.3f} | {n_pred / len(sets):.1f} |", flush=True
                )


def released_values() -> list[str]:
    path = ROOT.parent / "shared" / "data" / "values-in-the-wild" / "values_frequencies.csv"
    return [row["value"] for row in csv.DictReader(path.open(encoding="utf-8"))]


def explicit_parts(gold, x, folds, feature, query, c, neighbours, vocab_mode, turns, vectors):
    """Out of fold, per conversation: (P(present), kNN shares, best span cosine per candidate label)."""
    sets = [getattr(g.labels, feature) for g in gold]
    present = np.array([str(bool(s)) for s in sets])
    spans = span_vectors(turns, feature, [True] * len(gold))
    released = released_values() if vocab_mode == "train+released" else []
    p_out, knn_out, span_out = np.zeros(len(sets)), [None] * len(sets), [None] * len(sets)
    for train_idx, held in folds:
        head = fit_linear(x[train_idx], present[train_idx], ALL, c)
        p_out[held] = head.predict_proba(x[held])[:, list(head.classes).index("True")]
        labelled = [i for i in train_idx if sets[i]]
        shares = knn_shares(x[labelled][:, query], [sets[i] for i in labelled], x[held][:, query], neighbours)
        vocab = sorted({v for i in labelled for v in sets[i]} | set(released))
        matrix = np.stack([vectors[v] for v in vocab])
        for r, i in enumerate(held):
            knn_out[i] = shares[r]
            best = (spans[i] @ matrix.T).max(0) if len(spans[i]) else np.zeros(0)
            span_out[i] = {vocab[j]: float(best[j]) for j in np.argsort(-best)[:SPAN_CANDIDATES]}
    return p_out, knn_out, span_out


def fuse_explicit(p, knn, span, span_weight, knn_weight, max_labels, threshold):
    out = []
    for p_i, share, best in zip(p, knn, span, strict=True):
        score = {v: knn_weight * s for v, s in share.items()}
        for v, s in best.items():
            score[v] = score.get(v, 0.0) + span_weight * s
        out.append(top_labels(score, max_labels) if p_i >= threshold else [])
    return out


def explicit(gold, x, folds) -> None:
    cfg = ExtractConfig()
    turns = [truncated_turns(c, cfg) for c in gold]
    for feature, query in (("human_values", USER), ("stated_ai_values", ASSISTANT)):
        sets = [getattr(c.labels, feature) for c in gold]
        vectors = label_vectors([*sets, released_values()])
        print(
            f"\n## {feature}, 5-fold CV (present in {sum(map(bool, sets))} of {len(sets)}; match cosine >= "
            f"{MATCH_THRESHOLD})\n"
        )
        print(
            "| vocabulary | presence C | span weight | kNN weight | max labels | threshold | recall "
            "| precision "
            "| labels/conv |\n|---|---|---|---|---|---|---|---|---|"
        )
        for vocab_mode in ("train", "train+released"):
            for c in (0.003, 0.01):
                parts = explicit_parts(gold, x, folds, feature, query, c, 15, vocab_mode, turns, vectors)
                for span_w, knn_w in ((1.0, 0.0), (0.0, 1.0), (1.0, 0.5), (1.0, 1.0)):
                    for m in (1, 2, 3):
                        for t in (0.3, 0.4, 0.5, 0.6):
                            pred = fuse_explicit(*parts, span_w, knn_w, m, t)
                            r, pr, _, n = set_match_counts(sets, pred, vectors, MATCH_THRESHOLD)
                            print(
                                f"| {vocab_mode} | {c} | {span_w} | {knn_w} | {m} | {t} | {r:.3f} | {pr:.3f} "
                                f"| {n / len(sets):.2f} |",
                                flush=True,
                            )


def curve(gold, x, folds, chosen: dict) -> None:
    """CV figures with each training fold cut to n conversations (seeded subsample), same held-out folds."""
    rt = np.array([c.labels.response_type for c in gold])
    sj = np.array([str(bool(c.labels.subjective)) for c in gold])
    turns = [truncated_turns(c, ExtractConfig()) for c in gold]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(gold))
    rank = np.empty(len(gold), int)
    rank[order] = np.arange(len(gold))
    print(
        "| training conversations | response type strict | kappa | subjective | AI values recall / precision "
        "| human values R / P | stated AI values R / P |\n|---|---|---|---|---|---|---|"
    )
    for n in (300, 600, 900, len(gold)):
        share = n / len(gold)
        cut = [
            (tr[rank[tr] < int(np.ceil(share * len(gold)))], held) if n < len(gold) else (tr, held)
            for tr, held in folds
        ]
        pred_rt = response_type_oof(
            x, rt, cut, chosen["rt_c"], chosen["rt_weights"], chosen["rt_alpha"], chosen["rt_standardise"]
        )
        classes, proba = oof_proba(x, sj, ALL, chosen["sj_c"], cut, None, chosen["sj_standardise"])
        pred_sj = proba[:, list(classes).index("True")] >= chosen["sj_t"]
        sets = [c.labels.ai_values for c in gold]
        scores = ai_value_oof(x, sets, cut, chosen["ai_c"], chosen["ai_min_count"], chosen["ai_neighbours"])
        w = chosen["knn_weight"]
        pred_ai = []
        for head, knn in scores:
            fused = {v: (1 - w) * p for v, p in head.items()}
            for v, s in knn.items():
                fused[v] = fused.get(v, 0.0) + w * s
            pred_ai.append(top_labels(fused, chosen["ai_k"], chosen["ai_floor"]) or top_labels(fused, 1))
        ai = set_match_counts(sets, pred_ai, label_vectors(sets), MATCH_THRESHOLD)
        cells = []
        for feature in ("human_values", "stated_ai_values"):
            spec = chosen[feature]
            fsets = [getattr(c.labels, feature) for c in gold]
            vectors = label_vectors([*fsets, released_values()])
            parts = explicit_parts(
                gold,
                x,
                cut,
                feature,
                spec["query"],
                spec["c"],
                spec["neighbours"],
                spec["vocab"],
                turns,
                vectors,
            )
            pred = fuse_explicit(
                *parts, spec["span_weight"], spec["knn_weight"], spec["max_labels"], spec["threshold"]
            )
            r, pr, _, _ = set_match_counts(fsets, pred, vectors, MATCH_THRESHOLD)
            cells.append(f"{r:.3f} / {pr:.3f}")
        print(
            f"| {n} | {np.mean(pred_rt == rt):.3f} | {cohen_kappa_score(rt, pred_rt):.3f} "
            f"| {np.mean(pred_sj == (sj == 'True')):.3f} | {ai[0]:.3f} / {ai[1]:.3f} "
            f"| {cells[0]} | {cells[1]} |",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("settings", "explicit", "curve"))
    ap.add_argument("--train", nargs="+", default=["train.jsonl", "train2.jsonl"])
    ap.add_argument("--cache", type=Path, default=None, help="folder caching the signal rows per file")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    gold, x = load_training(args.train, args.cache)
    folds = folds_for(np.array([c.labels.response_type for c in gold]))
    print(
        f"{len(gold)} conversations from {', '.join(args.train)}; class counts "
        f"{dict(collections.Counter(c.labels.response_type for c in gold).most_common())}\n"
    )
    if args.what == "settings":
        settings(gold, x, folds)
    elif args.what == "explicit":
        explicit(gold, x, folds)
    else:
        curve(gold, x, folds, CHOSEN)


if __name__ == "__main__":
    main()
