"""Pure fitting helpers shared by ``heads/fit_heads.py`` (the shipped fit) and ``bench/extract_cv.py`` (the
cross-validation that chose its settings): logistic heads over signal columns, out-of-fold probabilities,
kNN label shares and the label-set match used to score value lists.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from wildvalues.extract.heads import LinearHead


def fit_linear(
    x: np.ndarray,
    y: np.ndarray,
    cols: slice,
    c: float,
    class_weight: str | None = None,
    standardise: bool = True,
) -> LinearHead:
    """A logistic regression on ``x[:, cols]``, standardised columns or raw (unit embeddings, 0-1 cues)."""
    xs = x[:, cols]
    if standardise:
        mean, scale = xs.mean(0), xs.std(0) + 1e-3
    else:
        mean, scale = np.zeros(xs.shape[1], np.float32), np.ones(xs.shape[1], np.float32)
    model = LogisticRegression(C=c, max_iter=4000, random_state=0, class_weight=class_weight)
    model.fit((xs - mean) / scale, y)
    return LinearHead(
        tuple(str(k) for k in model.classes_),
        model.coef_.astype(np.float32),
        model.intercept_.astype(np.float32),
        mean.astype(np.float32),
        scale.astype(np.float32),
        cols,
    )


def oof_proba(
    x: np.ndarray,
    y: np.ndarray,
    cols: slice,
    c: float,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    class_weight: str | None = None,
    standardise: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(classes, out-of-fold class probabilities) of :func:`fit_linear` over ``folds``."""
    classes = np.array(sorted({str(v) for v in y}))
    proba = np.zeros((len(y), len(classes)), dtype=np.float32)
    for train_idx, held in folds:
        head = fit_linear(x[train_idx], y[train_idx], cols, c, class_weight, standardise)
        cols_of = [int(np.where(classes == k)[0][0]) for k in head.classes]
        proba[np.ix_(held, cols_of)] = head.predict_proba(x[held])
    return classes, proba


def fit_value_heads(
    x: np.ndarray, label_sets: Sequence[Sequence[str]], cols: slice, c: float, min_count: int
) -> LinearHead:
    """One logistic head per label seen at least ``min_count`` times (multilabel sigmoid)."""
    counts = collections.Counter(v for labels in label_sets for v in labels)
    labels = sorted(v for v, n in counts.items() if n >= min_count)
    xs = x[:, cols]
    mean, scale = xs.mean(0), xs.std(0) + 1e-3
    z = (xs - mean) / scale
    coefs, intercepts = [], []
    for label in labels:
        y = np.array([label in s for s in label_sets])
        model = LogisticRegression(C=c, max_iter=2000, random_state=0).fit(z, y)
        coefs.append(model.coef_[0])
        intercepts.append(model.intercept_[0])
    dim = xs.shape[1]
    return LinearHead(
        tuple(labels),
        np.asarray(coefs, np.float32).reshape(len(labels), dim),
        np.asarray(intercepts, np.float32),
        mean.astype(np.float32),
        scale.astype(np.float32),
        cols,
        multilabel=True,
    )


def knn_shares(
    train_rows: np.ndarray, train_sets: Sequence[Sequence[str]], query_rows: np.ndarray, neighbours: int
) -> list[dict[str, float]]:
    """Per query: label -> similarity-weighted share of its ``neighbours`` nearest training rows carrying it
    (rows are concatenations of unit vectors, so the dot product is a sum of cosines)."""
    sim = query_rows @ train_rows.T
    out = []
    for row in sim:
        nearest = np.argsort(-row, kind="stable")[:neighbours]
        weights = np.clip(row[nearest], 1e-6, None)
        total = float(weights.sum())
        score: dict[str, float] = {}
        for j, w in zip(nearest, weights, strict=True):
            for label in train_sets[j]:
                score[label] = score.get(label, 0.0) + float(w) / total
        out.append(score)
    return out


def top_labels(scores: dict[str, float], k: int, floor: float = 0.0) -> list[str]:
    """The ``k`` highest-scoring labels at or above ``floor`` (ties by name)."""
    ranked = sorted(scores, key=lambda v: (-scores[v], v))[:k]
    return [v for v in ranked if scores[v] >= floor]


def set_match_counts(
    gold: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
    vectors: dict[str, np.ndarray],
    threshold: float,
) -> tuple[float, float, int, int]:
    """(recall, precision, gold labels, predicted labels) pooled over conversations, a match being cosine
    >= ``threshold`` between label vectors (as :func:`wildvalues.extract.metrics.label_set_match`)."""
    hits = matched = gold_n = pred_n = 0
    for g, p in zip(gold, pred, strict=True):
        gold_n, pred_n = gold_n + len(g), pred_n + len(p)
        if g and p:
            sims = np.stack([vectors[v] for v in g]) @ np.stack([vectors[v] for v in p]).T
            hits += int((sims.max(1) >= threshold).sum())
            matched += int((sims.max(0) >= threshold).sum())
    return (
        hits / gold_n if gold_n else float("nan"),
        matched / pred_n if pred_n else float("nan"),
        gold_n,
        pred_n,
    )


# The shipped settings, each chosen by 5-fold CV on the 1,285 training conversations
# (bench/extract_cv.py; tables in extract/README.md). fit_heads.py fits with these.
CHOSEN: dict = {
    # response type: raw columns, C, class weights, argmax of p / prior^alpha
    "rt_standardise": False,
    "rt_c": 0.1,
    "rt_weights": None,
    "rt_alpha": 0.5,
    # subjective: raw columns, C, threshold on P(subjective); the level head picks within the half
    "sj_standardise": False,
    "sj_c": 1.0,
    "sj_t": 0.5,
    "level_c": 0.01,
    # AI values: per-label heads (labels seen >= 5 times) fused with kNN shares; top k at or above floor
    "ai_c": 0.05,
    "ai_min_count": 5,
    "knn_weight": 0.3,
    "ai_k": 8,
    "ai_floor": 0.1,
    "ai_neighbours": 10,
    # explicit values (explicit_values.py): presence C and threshold, label vocabulary, score weights;
    # the best F1 of recall and precision under CV (neither reaches the 0.40 / 0.40)
    "human_values": {
        "query": slice(0, 384),
        "c": 0.003,
        "neighbours": 15,
        "vocab": "train+released",
        "span_weight": 1.0,
        "knn_weight": 0.5,
        "max_labels": 3,
        "threshold": 0.4,
    },
    "stated_ai_values": {
        "query": slice(384, 768),
        "c": 0.01,
        "neighbours": 15,
        "vocab": "train",
        "span_weight": 1.0,
        "knn_weight": 1.0,
        "max_labels": 3,
        "threshold": 0.6,
    },
}


def shift_intercept_for_prior(head: LinearHead, priors: np.ndarray, alpha: float) -> LinearHead:
    """Fold ``argmax p / prior^alpha`` into the softmax intercepts (same argmax, no runtime change)."""
    return LinearHead(
        head.classes,
        head.coef,
        (head.intercept - alpha * np.log(priors)).astype(np.float32),
        head.mean,
        head.scale,
        head.cols,
        head.multilabel,
    )


def shift_intercept_for_threshold(head: LinearHead, threshold: float) -> LinearHead:
    """Make P >= 0.5 of a binary sigmoid head equal the fitted P >= ``threshold``."""
    shift = np.log(threshold / (1 - threshold))
    return LinearHead(
        head.classes,
        head.coef,
        (head.intercept - shift).astype(np.float32),
        head.mean,
        head.scale,
        head.cols,
        head.multilabel,
    )
