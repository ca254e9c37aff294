"""Agreement figures with 95% confidence intervals (pure functions over predictions and gold labels)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

Z95 = 1.959963984540054


def wilson(successes: int, n: int) -> tuple[float, float]:
    """Wilson score 95% interval for a proportion."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = successes / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def proportion(successes: int, n: int) -> dict[str, float | int]:
    low, high = wilson(successes, n)
    return {"value": successes / n if n else float("nan"), "ci95": [round(low, 3), round(high, 3)], "n": n}


def confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, dict[str, int]]:
    """rows = gold label, columns = predicted label."""
    table = {g: dict.fromkeys(labels, 0) for g in labels}
    for g, p in zip(gold, pred, strict=True):
        if g in table and p in table[g]:
            table[g][p] += 1
    return table


def per_class_recall(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, dict]:
    out = {}
    for label in labels:
        idx = [i for i, g in enumerate(gold) if g == label]
        if idx:
            out[label] = proportion(sum(pred[i] == label for i in idx), len(idx))
    return out


def per_class_precision(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, dict]:
    out = {}
    for label in labels:
        idx = [i for i, p in enumerate(pred) if p == label]
        if idx:
            out[label] = proportion(sum(gold[i] == label for i in idx), len(idx))
    return out


def bootstrap_ci(per_item: Sequence[tuple[float, float]], seed: int = 0, rounds: int = 2000) -> list[float]:
    """Ratio-of-sums 95% bootstrap interval over conversations; items are (numerator, denominator)."""
    arr = np.asarray(per_item, dtype=float)
    if len(arr) == 0 or arr[:, 1].sum() == 0:
        return [float("nan"), float("nan")]
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(arr), size=(rounds, len(arr)))
    num, den = arr[picks, 0].sum(1), arr[picks, 1].sum(1)
    ratios = num[den > 0] / den[den > 0]
    return [round(float(np.quantile(ratios, 0.025)), 3), round(float(np.quantile(ratios, 0.975)), 3)]


def label_set_match(
    gold: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
    encode: Callable[[list[str]], np.ndarray],
    threshold: float,
) -> dict[str, dict]:
    """Recall (gold labels matched by some predicted label) and precision (predicted matched by some gold),
    a match being cosine >= threshold between label embeddings; pooled over labels, CI by bootstrap over
    conversations."""
    vocab = sorted({label for labels in (*gold, *pred) for label in labels})
    if not vocab:
        return {}
    vectors = dict(zip(vocab, encode(vocab), strict=True))
    recall_items, precision_items = [], []
    for g, p in zip(gold, pred, strict=True):
        if g and p:
            sims = np.stack([vectors[x] for x in g]) @ np.stack([vectors[x] for x in p]).T
            recall_items.append((float((sims.max(1) >= threshold).sum()), float(len(g))))
            precision_items.append((float((sims.max(0) >= threshold).sum()), float(len(p))))
        else:
            recall_items.append((0.0, float(len(g))))
            precision_items.append((0.0, float(len(p))))

    def pooled(items: list[tuple[float, float]]) -> dict:
        num, den = sum(i[0] for i in items), sum(i[1] for i in items)
        return {
            "value": round(num / den, 3) if den else float("nan"),
            "ci95": bootstrap_ci(items),
            "n_labels": int(den),
        }

    both_empty = sum(1 for g, p in zip(gold, pred, strict=True) if not g and not p)
    return {
        "recall": pooled(recall_items),
        "precision": pooled(precision_items),
        "empty_agreement": {
            "both_empty": both_empty,
            "gold_empty": sum(1 for g in gold if not g),
            "pred_empty": sum(1 for p in pred if not p),
        },
    }
