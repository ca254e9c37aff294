"""Pure statistics of a two-study comparison: shares, differences, tests, corrections, movers, mixes.

Per item (an AI value, a top-level category, a response type) the share is the percentage of the study's
conversations holding it. The difference B - A gets Newcombe's hybrid-score 95% interval (from the two
Wilson intervals); the test is the pooled two-proportion z-test, or Fisher's exact test when an expected
cell count is below 5. p-values are corrected within each family (one family per item kind) by
Benjamini-Hochberg (default) or Bonferroni. The response-type mix of the two studies is compared with a
Pearson chi-square of the 2 x types table and adjusted residuals (paper Figure 4), judged against a
Bonferroni critical value over the table's cells.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

Correction = Literal["bh", "bonferroni"]
CORRECTION_NAMES = {
    "bh": "Benjamini-Hochberg (false discovery rate)",
    "bonferroni": "Bonferroni (family-wise)",
}
Z95 = 1.959963984540054


def item_counts(
    conversations: pd.DataFrame,
    labels: pd.DataFrame,
    categories: pd.DataFrame,
    mask: np.ndarray | None = None,
) -> tuple[pd.DataFrame, int, int | None]:
    """Conversations and distinct users per item in the (masked) study; also the group's n and users.

    ``conversations`` has conversation_id, user (-1 unknown), response_type; ``labels`` (conversation_id,
    label); ``categories`` (label, cluster_id, cluster_name). Returns (kind, item, item_name,
    n_conversations, n_users) rows, n, and n_users of the group (None when no user is known).
    """
    conv = conversations if mask is None else conversations[mask]
    n = len(conv)
    users_known = bool((conv["user"] >= 0).any())
    user_of = dict(zip(conv["conversation_id"], conv["user"], strict=True))
    pairs = [
        pd.DataFrame(
            {
                "conversation_id": conv["conversation_id"],
                "kind": "response_type",
                "item": conv["response_type"],
                "item_name": conv["response_type"],
            }
        )
    ]
    lab = labels[labels["conversation_id"].isin(user_of)]
    pairs.append(
        pd.DataFrame(
            {
                "conversation_id": lab["conversation_id"],
                "kind": "value",
                "item": lab["label"],
                "item_name": lab["label"],
            }
        )
    )
    if not categories.empty:
        cat = lab.merge(categories[["label", "cluster_id", "cluster_name"]], on="label", how="inner")
        cat = cat.drop_duplicates(["conversation_id", "cluster_id"])
        pairs.append(
            pd.DataFrame(
                {
                    "conversation_id": cat["conversation_id"],
                    "kind": "category",
                    "item": cat["cluster_id"],
                    "item_name": cat["cluster_name"],
                }
            )
        )
    long = pd.concat(pairs, ignore_index=True).drop_duplicates(["conversation_id", "kind", "item"])
    long["user"] = long["conversation_id"].map(user_of)
    grouped = long.groupby(["kind", "item"], sort=True)
    out = grouped.agg(item_name=("item_name", "first"), n_conversations=("conversation_id", "size"))
    if users_known:
        known = long[long["user"] >= 0]
        out["n_users"] = known.groupby(["kind", "item"])["user"].nunique().reindex(out.index).fillna(0)
        group_users = int(conv.loc[conv["user"] >= 0, "user"].nunique())
    else:
        out["n_users"] = np.nan
        group_users = None
    return out.reset_index(), n, group_users


def wilson(x: np.ndarray, n: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score 95% interval of x / n (proportions)."""
    x, n = np.asarray(x, float), np.asarray(n, float) * np.ones_like(np.asarray(x, float))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        z2 = Z95**2
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = Z95 * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


def newcombe_diff(x_a, n_a, x_b, n_b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p_b - p_a and Newcombe's hybrid-score 95% interval (method 10), as proportions."""
    x_a, x_b = np.asarray(x_a, float), np.asarray(x_b, float)
    p_a, p_b = x_a / n_a, x_b / n_b
    l_a, u_a = wilson(x_a, n_a)
    l_b, u_b = wilson(x_b, n_b)
    diff = p_b - p_a
    low = diff - np.sqrt((p_b - l_b) ** 2 + (u_a - p_a) ** 2)
    high = diff + np.sqrt((u_b - p_b) ** 2 + (p_a - l_a) ** 2)
    return diff, low, high


def two_proportion_tests(
    x_a, n_a: int, x_b, n_b: int, min_expected: float = 5.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(test name, statistic, p) per item: pooled z-test, Fisher's exact when an expected count < min."""
    x_a, x_b = np.asarray(x_a, np.int64), np.asarray(x_b, np.int64)
    pooled = (x_a + x_b) / (n_a + n_b)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
        z = np.where(se > 0, (x_b / n_b - x_a / n_a) / np.where(se > 0, se, 1), 0.0)
    p = 2 * stats.norm.sf(np.abs(z))
    total = x_a + x_b
    expected = np.minimum.reduce(
        [total * n_a, total * n_b, (n_a + n_b - total) * n_a, (n_a + n_b - total) * n_b]
    ) / (n_a + n_b)
    small = expected < min_expected
    test = np.where(small, "fisher_exact", "two_proportion_z")
    statistic = z.astype(float)
    for i in np.flatnonzero(small):
        odds, p_i = stats.fisher_exact([[x_b[i], n_b - x_b[i]], [x_a[i], n_a - x_a[i]]])
        statistic[i], p[i] = odds, p_i
    return test, statistic, p


def adjust(p_values: np.ndarray, method: Correction) -> np.ndarray:
    p = np.asarray(p_values, float)
    if len(p) == 0:
        return p
    if method == "bonferroni":
        return np.minimum(1.0, p * len(p))
    if method != "bh":
        raise ValueError(f"unknown correction {method!r} (bh or bonferroni)")
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(p)
    out[order] = np.minimum(1.0, adjusted)
    return out


def compare_items(
    counts_a: pd.DataFrame,
    n_a: int,
    counts_b: pd.DataFrame,
    n_b: int,
    *,
    alpha: float = 0.05,
    correction: Correction = "bh",
) -> pd.DataFrame:
    """One row per item of either study: both shares with Wilson CIs, B - A with its CI, test, correction.

    Shares and differences are in percentage points. The family for the correction is every item of one
    kind (all values, all categories, all response types), before any privacy suppression.
    """
    keys = ["kind", "item"]
    merged = counts_a.merge(counts_b, on=keys, how="outer", suffixes=("_a", "_b"))
    merged["item_name"] = merged["item_name_a"].fillna(merged["item_name_b"])
    for side in ("a", "b"):
        merged[f"x_{side}"] = merged[f"n_conversations_{side}"].fillna(0).astype(np.int64)
        merged[f"users_{side}"] = merged[f"n_users_{side}"]
    merged["n_a"], merged["n_b"] = n_a, n_b
    merged = merged[["kind", "item", "item_name", "n_a", "x_a", "users_a", "n_b", "x_b", "users_b"]]
    if merged.empty or n_a == 0 or n_b == 0:
        return merged.assign(pct_a=[], pct_b=[], diff_pp=[], p_value=[], p_adjusted=[], significant=[])
    merged["pct_a"] = 100 * merged["x_a"] / n_a
    merged["pct_b"] = 100 * merged["x_b"] / n_b
    for side, n in (("a", n_a), ("b", n_b)):
        low, high = wilson(merged[f"x_{side}"].to_numpy(), n)
        merged[f"ci_low_{side}"], merged[f"ci_high_{side}"] = 100 * low, 100 * high
    diff, low, high = newcombe_diff(merged["x_a"].to_numpy(), n_a, merged["x_b"].to_numpy(), n_b)
    merged["diff_pp"], merged["diff_ci_low"], merged["diff_ci_high"] = 100 * diff, 100 * low, 100 * high
    test, statistic, p = two_proportion_tests(merged["x_a"].to_numpy(), n_a, merged["x_b"].to_numpy(), n_b)
    merged["test"], merged["statistic"], merged["p_value"] = test, statistic, p
    merged["p_adjusted"] = np.nan
    for _kind, index in merged.groupby("kind").groups.items():
        merged.loc[index, "p_adjusted"] = adjust(merged.loc[index, "p_value"].to_numpy(), correction)
    merged["n_tests"] = merged.groupby("kind")["item"].transform("size")
    merged["correction"] = correction
    merged["significant"] = merged["p_adjusted"] < alpha
    return merged.sort_values(["kind", "diff_pp"], ascending=[True, False]).reset_index(drop=True)


def apply_cell_thresholds(frame: pd.DataFrame, k: int, u: int) -> pd.DataFrame:
    """Mark rows whose cells pass the privacy thresholds in both studies (``visible``).

    A cell passes with >= k conversations and, where users are known, >= u distinct users; each study's
    whole group must pass too. Nothing is dropped here: the writer shows only visible rows and reports the
    suppressed share.
    """
    ok = np.ones(len(frame), bool)
    for side in ("a", "b"):
        ok &= frame[f"x_{side}"].to_numpy() >= k
        ok &= frame[f"n_{side}"].to_numpy() >= k
        users = pd.to_numeric(frame[f"users_{side}"], errors="coerce")
        ok &= (users.isna() | (users >= u)).to_numpy()
    return frame.assign(visible=ok)


def movers(frame: pd.DataFrame, top_n: int = 10) -> pd.DataFrame:
    """The largest significant visible rises and falls (B - A) of each kind, ``direction`` up/down."""
    shown = frame[frame["visible"] & frame["significant"]]
    parts = []
    for _kind, group in shown.groupby("kind"):
        up = group[group["diff_pp"] > 0].nlargest(top_n, "diff_pp").assign(direction="up")
        down = group[group["diff_pp"] < 0].nsmallest(top_n, "diff_pp").assign(direction="down")
        parts += [up, down]
    return pd.concat(parts, ignore_index=True) if parts else frame.head(0).assign(direction=[])


def response_mix(
    counts_a: dict[str, int], counts_b: dict[str, int], *, alpha: float = 0.05
) -> tuple[dict, pd.DataFrame]:
    """Chi-square of the 2 x response-type table and per-cell adjusted residuals (Figure 4 style).

    Residual r = (O - E) / sqrt(E (1 - row share) (1 - column share)); a cell is notable when |r| exceeds
    the Bonferroni critical value z(1 - alpha / (2 x cells)).
    """
    types = [t for t in sorted(set(counts_a) | set(counts_b)) if counts_a.get(t, 0) + counts_b.get(t, 0) > 0]
    table = np.array([[counts_a.get(t, 0) for t in types], [counts_b.get(t, 0) for t in types]], float)
    if table.shape[1] < 2 or (table.sum(1) == 0).any():
        return {
            "test": "chi2",
            "statistic": np.nan,
            "dof": 0,
            "p_value": np.nan,
            "note": "fewer than two response types or an empty study",
        }, pd.DataFrame()
    chi2, p, dof, expected = stats.chi2_contingency(table, correction=False)
    total = table.sum()
    row = table.sum(1, keepdims=True) / total
    col = table.sum(0, keepdims=True) / total
    residual = (table - expected) / np.sqrt(expected * (1 - row) * (1 - col))
    critical = float(stats.norm.ppf(1 - alpha / (2 * table.size)))
    cells = pd.DataFrame(
        {
            "study": np.repeat(["A", "B"], len(types)),
            "response_type": types * 2,
            "n_conversations": table.ravel().astype(np.int64),
            "pct": (100 * table / table.sum(1, keepdims=True)).ravel(),
            "expected": expected.ravel(),
            "adjusted_residual": residual.ravel(),
        }
    )
    cells["critical_value"] = critical
    cells["notable"] = cells["adjusted_residual"].abs() > critical
    summary = {
        "test": "chi2",
        "statistic": float(chi2),
        "dof": int(dof),
        "p_value": float(p),
        "critical_value": critical,
        "cells": int(table.size),
    }
    return summary, cells
