"""``compare_views``: the whole two-study comparison as a pure function of two loaded studies and a scale."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from wildvalues.compare.drift import METHOD, drift_flags, period_of, period_shares, review_queue
from wildvalues.compare.load import StudyView
from wildvalues.compare.scale import Scale
from wildvalues.compare.stats import (
    CORRECTION_NAMES,
    Correction,
    apply_cell_thresholds,
    compare_items,
    item_counts,
    movers,
    response_mix,
)

By = Literal["model", "source", "week", "month"]


@dataclass
class CompareSettings:
    alpha: float = 0.05
    correction: Correction = "bh"
    k: int = 10  # privacy: conversations behind every shown cell, in both studies
    u: int = 5  # privacy: distinct users, where known
    top_movers: int = 10
    drift_top_values: int = 20
    drift_min_baseline: int = 2
    review_max_per_flag: int = 50


@dataclass
class Comparison:
    """Every result frame (all rows; ``visible`` marks what passes the thresholds) and notes."""

    items: pd.DataFrame
    movers: pd.DataFrame
    mix_tests: pd.DataFrame
    mix_cells: pd.DataFrame
    period_shares: pd.DataFrame = field(default_factory=pd.DataFrame)
    drift: pd.DataFrame = field(default_factory=pd.DataFrame)
    review: pd.DataFrame = field(default_factory=pd.DataFrame)
    corrected: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)

    def suppression(self) -> dict[str, Any]:
        """Compared cells withheld by the privacy thresholds, per kind and in all."""
        out: dict[str, Any] = {}
        frames = {"items": self.items, "period_shares": self.period_shares}
        for name, frame in frames.items():
            if frame.empty or "visible" not in frame:
                continue
            for kind, group in frame.groupby("kind"):
                out[f"{name}:{kind}"] = {"rows": len(group), "suppressed": int((~group["visible"]).sum())}
        rows = sum(v["rows"] for v in out.values())
        suppressed = sum(v["suppressed"] for v in out.values())
        out["total"] = {
            "rows": rows,
            "suppressed": suppressed,
            "share_suppressed": round(suppressed / rows, 4) if rows else 0.0,
        }
        return out


def _strata(a: StudyView, b: StudyView, by: str) -> tuple[pd.Series, pd.Series]:
    if by in ("week", "month"):
        return tuple(  # undated conversations -> "unknown", never a stratum
            period_of(v.conversations["timestamp"], by).dt.strftime("%Y-%m-%d").fillna("unknown")
            for v in (a, b)
        )
    return a.conversations[by].astype(str), b.conversations[by].astype(str)


def _compare_group(
    a: StudyView,
    b: StudyView,
    categories: pd.DataFrame,
    mask_a,
    mask_b,
    settings: CompareSettings,
    stratum: str,
) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    counts_a, n_a, _ = item_counts(a.conversations, a.labels, categories, mask_a)
    counts_b, n_b, _ = item_counts(b.conversations, b.labels, categories, mask_b)
    items = compare_items(counts_a, n_a, counts_b, n_b, alpha=settings.alpha, correction=settings.correction)
    items = apply_cell_thresholds(items, settings.k, settings.u)
    items.insert(0, "stratum", stratum)
    resp = items[items["kind"] == "response_type"]
    summary, cells = response_mix(
        dict(zip(resp["item"], resp["x_a"], strict=True)),
        dict(zip(resp["item"], resp["x_b"], strict=True)),
        alpha=settings.alpha,
    )
    summary = {"stratum": stratum, "n_a": n_a, "n_b": n_b, **summary}
    if not cells.empty:
        visible = dict(zip(resp["item"], resp["visible"], strict=True))
        cells["visible"] = [visible.get(t, False) for t in cells["response_type"]]
        cells.insert(0, "stratum", stratum)
    return items, summary, cells


def compare_views(
    a: StudyView, b: StudyView, scale: Scale, settings: CompareSettings | None = None, by: By | None = None
) -> Comparison:
    """Pooled A vs B, then (with ``by``) every stratum present in both; a drift series for week/month."""
    settings = settings or CompareSettings()
    categories = scale.categories
    notes = [
        f"scale: {scale.description}",
        f"tests: two-proportion z (Fisher's exact when an expected cell "
        f"< 5), {CORRECTION_NAMES[settings.correction]} within each kind at alpha = {settings.alpha}; "
        "difference = B - A in percentage points, 95% Newcombe interval",
    ]
    notes += [f"{a.name}: {n}" for n in a.notes] + [f"{b.name}: {n}" for n in b.notes]
    notes += [f"MISMATCH (forced): {p}" for p in scale.problems]
    items, summary, cells = _compare_group(a, b, categories, None, None, settings, "all")
    all_items, tests, all_cells = [items], [summary], [cells]
    if by is not None:
        strata_a, strata_b = _strata(a, b, by)
        shared = sorted((set(strata_a) & set(strata_b)) - {"unknown"})
        for stratum in shared:
            mask_a, mask_b = (strata_a == stratum).to_numpy(), (strata_b == stratum).to_numpy()
            if min(mask_a.sum(), mask_b.sum()) < settings.k:
                notes.append(
                    f"{by} {stratum}: fewer than k = {settings.k} conversations in a study; not compared"
                )
                continue
            items, summary, cells = _compare_group(a, b, categories, mask_a, mask_b, settings, stratum)
            all_items.append(items)
            tests.append(summary)
            all_cells.append(cells)
        only = sorted((set(strata_a) ^ set(strata_b)) - {"unknown"})
        if only:
            notes.append(
                f"{len(only)} {by} value(s) present in one study only are not compared stratum by "
                f"stratum: {', '.join(only[:10])}{' ...' if len(only) > 10 else ''}"
            )
    items = pd.concat(all_items, ignore_index=True)
    result = Comparison(
        items,
        movers(items[items["stratum"] == "all"], settings.top_movers),
        pd.DataFrame(tests),
        pd.concat([c for c in all_cells if not c.empty] or [pd.DataFrame()], ignore_index=True),
        notes=notes,
    )
    if by in ("week", "month"):
        _drift_across(a, b, categories, by, settings, result)
    result.corrected = compare_corrected(a, b, notes)
    return result


def _drift_across(
    a: StudyView,
    b: StudyView,
    categories: pd.DataFrame,
    by: str,
    settings: CompareSettings,
    result: Comparison,
) -> None:
    """One timeline of both studies (A's conversations then B's), shares per period and the drift check."""
    conv = pd.concat(
        [
            a.conversations.assign(conversation_id="A:" + a.conversations["conversation_id"]),
            b.conversations.assign(conversation_id="B:" + b.conversations["conversation_id"]),
        ],
        ignore_index=True,
    )
    user_offset = int(a.conversations["user"].max()) + 1 if len(a.conversations) else 0
    conv["user"] = np.where(
        conv["conversation_id"].str.startswith("B:") & (conv["user"] >= 0),
        conv["user"] + max(user_offset, 0),
        conv["user"],
    )
    labels = pd.concat(
        [
            a.labels.assign(conversation_id="A:" + a.labels["conversation_id"]),
            b.labels.assign(conversation_id="B:" + b.labels["conversation_id"]),
        ],
        ignore_index=True,
    )
    if conv["timestamp"].notna().sum() == 0:
        result.notes.append(f"no timestamps in either study: no {by} series")
        return
    result.period_shares = period_shares(
        conv, labels, categories, by, k=settings.k, u=settings.u, top_values=settings.drift_top_values
    )
    result.drift = drift_flags(
        result.period_shares, alpha=settings.alpha, min_baseline=settings.drift_min_baseline
    )
    result.review = review_queue(result.drift, conv, labels, categories, by, settings.review_max_per_flag)
    result.notes.append(f"drift check: {METHOD}, alpha = {settings.alpha}")


CORRECTED_KEYS = ("estimate", "scope", "label")  # one headline share of ``an_corrected`` (validate stage)


def _cited(frame: pd.DataFrame) -> pd.DataFrame:
    """Each headline share as the validation stage says to cite it: the prediction-powered estimate and CI
    where one exists, else the naive one."""
    ppi = frame["ppi_pct"].notna()
    return frame.assign(
        pct=np.where(ppi, frame["ppi_pct"], frame["naive_pct"]),
        ci_low=np.where(ppi, frame["ppi_ci_low"], frame["naive_ci_low"]),
        ci_high=np.where(ppi, frame["ppi_ci_high"], frame["naive_ci_high"]),
        corrected=ppi,
    )[[*CORRECTED_KEYS, "pct", "ci_low", "ci_high", "corrected"]]


def compare_corrected(a: StudyView, b: StudyView, notes: list[str]) -> pd.DataFrame:
    """Validated (bias-corrected) estimates side by side when both studies carry ``an_corrected``
    (``wildvalues.validate.corrected``): per headline share, both cited estimates, their difference B - A and
    a 95% interval for it from the two intervals' half-widths (independent samples)."""
    if a.corrected is None or b.corrected is None:
        notes.append("validated samples: not in both studies (no an_corrected table): naive shares compared")
        return pd.DataFrame()
    needed = {*CORRECTED_KEYS, "ppi_pct", "ppi_ci_low", "ppi_ci_high", "naive_pct", "naive_ci_low",
              "naive_ci_high"}
    if not (needed <= set(a.corrected) and needed <= set(b.corrected)):
        notes.append("an_corrected lacks the validation stage's columns in one study: naive shares compared")
        return pd.DataFrame()
    merged = _cited(a.corrected).merge(_cited(b.corrected), on=list(CORRECTED_KEYS), suffixes=("_a", "_b"))
    merged["diff"] = merged["pct_b"] - merged["pct_a"]
    half = np.sqrt(((merged["ci_high_a"] - merged["ci_low_a"]) / 2) ** 2
                   + ((merged["ci_high_b"] - merged["ci_low_b"]) / 2) ** 2)
    merged["diff_ci_low"], merged["diff_ci_high"] = merged["diff"] - half, merged["diff"] + half
    both = int((merged["corrected_a"] & merged["corrected_b"]).sum())
    notes.append(f"validated samples: {len(merged)} headline shares compared, {both} corrected in both")
    return merged
