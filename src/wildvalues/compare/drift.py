"""Per-period shares and a drift check over conversation timestamps (``analyze --by week|month``).

Method (stated in every output): for each item (response type, top-level category, frequent AI value) and
each period t after the first ``min_baseline`` periods, the baseline is the pooled share p0 of all earlier
periods. The period is flagged when its share leaves the control band

    p0 +/- z * sqrt(p0 (1 - p0) (1 / n_t + 1 / N_before))

— a p-chart whose limits are widened for the baseline's own uncertainty (equivalently a two-proportion
z-test of period t against everything before it). z is Bonferroni-adjusted over every (item, period) check
of the series, z = Phi^-1(1 - alpha / (2 m)), so a stable series raises a false flag with probability
at most alpha. Shares, limits and flags are computed for every cell; cells below the privacy thresholds
are marked not visible and their conversations are never listed for review.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from wildvalues.compare.stats import item_counts, wilson

PERIODS = {"week": "W-SUN", "month": "M"}
METHOD = (
    "p-chart against the pooled earlier periods, limits p0 +/- z*sqrt(p0(1-p0)(1/n_t+1/N_before)), "
    "z Bonferroni-adjusted over all (item, period) checks"
)


def period_of(timestamps: pd.Series, by: str) -> pd.Series:
    """The start date of each timestamp's week (Monday) or month; NaT stays NaT."""
    if by not in PERIODS:
        raise ValueError(f"unknown period {by!r}: expected week or month")
    ts = pd.to_datetime(timestamps, errors="coerce")
    out = pd.Series(pd.NaT, index=ts.index, dtype="datetime64[ns]")
    has = ts.notna()
    out[has] = ts[has].dt.to_period(PERIODS[by]).dt.start_time
    return out


def period_shares(
    conversations: pd.DataFrame,
    labels: pd.DataFrame,
    categories: pd.DataFrame,
    by: str,
    *,
    k: int = 10,
    u: int = 5,
    top_values: int = 20,
) -> pd.DataFrame:
    """Share of conversations holding each item, per period, with Wilson 95% CIs and a ``visible`` flag.

    Items: every response type, every top-level category, and the ``top_values`` most frequent AI values.
    """
    periods = period_of(conversations["timestamp"], by)
    frames = []
    overall, _, _ = item_counts(conversations[periods.notna()], labels, categories)
    keep_values = set(overall[overall["kind"] == "value"].nlargest(top_values, "n_conversations")["item"])
    for period in sorted(periods.dropna().unique()):
        mask = (periods == period).to_numpy()
        counts, n, users = item_counts(conversations, labels, categories, mask)
        counts = counts[(counts["kind"] != "value") | counts["item"].isin(keep_values)]
        frames.append(counts.assign(period=pd.Timestamp(period), n_period=n, users_period=users))
    if not frames:
        return pd.DataFrame(columns=["period", "kind", "item", "item_name", "n_period", "x", "pct"])
    long = pd.concat(frames, ignore_index=True).rename(columns={"n_conversations": "x", "n_users": "users"})
    # items absent in a period are zero there, not missing
    grid = (
        long[["kind", "item", "item_name"]]
        .drop_duplicates()
        .merge(long[["period", "n_period", "users_period"]].drop_duplicates(), how="cross")
    )
    long = grid.merge(
        long.drop(columns=["item_name", "n_period", "users_period"]),
        on=["kind", "item", "period"],
        how="left",
    )
    long["x"] = long["x"].fillna(0).astype(np.int64)
    long["pct"] = 100 * long["x"] / long["n_period"]
    low, high = wilson(long["x"].to_numpy(), long["n_period"].to_numpy())
    long["ci_low"], long["ci_high"] = 100 * low, 100 * high
    users = pd.to_numeric(long["users"], errors="coerce")
    long["visible"] = (long["x"] >= k) & (long["n_period"] >= k) & (users.isna() | (users >= u))
    return long.sort_values(["kind", "item", "period"]).reset_index(drop=True)


def drift_flags(shares: pd.DataFrame, *, alpha: float = 0.05, min_baseline: int = 2) -> pd.DataFrame:
    """Control limits and flags per (item, period) after ``min_baseline`` periods (see module doc)."""
    rows = []
    for (kind, item), group in shares.groupby(["kind", "item"], sort=True):
        group = group.sort_values("period")
        x, n = group["x"].to_numpy(float), group["n_period"].to_numpy(float)
        cum_x, cum_n = np.cumsum(x) - x, np.cumsum(n) - n
        for t in range(min_baseline, len(group)):
            p0 = cum_x[t] / cum_n[t]
            se = np.sqrt(p0 * (1 - p0) * (1 / n[t] + 1 / cum_n[t]))
            rows.append(
                {
                    "kind": kind,
                    "item": item,
                    "item_name": group["item_name"].iloc[t],
                    "period": group["period"].iloc[t],
                    "n_period": int(n[t]),
                    "x": int(x[t]),
                    "pct": 100 * x[t] / n[t],
                    "baseline_pct": 100 * p0,
                    "se_pp": 100 * se,
                    "n_baseline": int(cum_n[t]),
                    "visible": bool(group["visible"].iloc[t]),
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=["kind", "item", "period", "pct", "lcl_pct", "ucl_pct", "flagged"])
    m = len(out)
    z = float(stats.norm.ppf(1 - alpha / (2 * m)))
    out["z_limit"], out["n_checks"] = z, m
    out["lcl_pct"] = np.maximum(0.0, out["baseline_pct"] - z * out["se_pp"])
    out["ucl_pct"] = np.minimum(100.0, out["baseline_pct"] + z * out["se_pp"])
    with np.errstate(invalid="ignore", divide="ignore"):
        out["z"] = np.where(out["se_pp"] > 0, (out["pct"] - out["baseline_pct"]) / out["se_pp"], 0.0)
    out["flagged"] = out["z"].abs() > z
    out["direction"] = np.where(out["z"] > 0, "up", "down")
    out["method"] = METHOD
    return out


def review_queue(
    flags: pd.DataFrame,
    conversations: pd.DataFrame,
    labels: pd.DataFrame,
    categories: pd.DataFrame,
    by: str,
    max_per_flag: int = 50,
) -> pd.DataFrame:
    """Conversation ids to review behind each visible flagged rise (a fall has no conversations to show)."""
    chosen = (
        flags[flags["flagged"] & flags["visible"] & (flags["direction"] == "up")] if len(flags) else flags
    )
    if chosen.empty:
        return pd.DataFrame(columns=["kind", "item", "period", "conversation_id"])
    periods = period_of(conversations["timestamp"], by)
    in_period = pd.DataFrame({"conversation_id": conversations["conversation_id"], "period": periods})
    cat = (
        labels.merge(categories[["label", "cluster_id"]], on="label", how="inner")
        if len(categories)
        else None
    )
    rows = []
    for flag in chosen.itertuples():
        ids = set(in_period.loc[in_period["period"] == flag.period, "conversation_id"])
        if flag.kind == "response_type":
            hold = conversations.loc[conversations["response_type"] == flag.item, "conversation_id"]
        elif flag.kind == "value":
            hold = labels.loc[labels["label"] == flag.item, "conversation_id"]
        else:
            hold = cat.loc[cat["cluster_id"] == flag.item, "conversation_id"] if cat is not None else []
        for cid in sorted(ids & set(hold))[:max_per_flag]:
            rows.append({"kind": flag.kind, "item": flag.item, "period": flag.period, "conversation_id": cid})
    return pd.DataFrame(rows)
