"""Frequencies (Table 1, Table 3, §3.1): values per conversation, category shares, the long tail."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from wildvalues.analyze.bootstrap import expression_share_ci, rate_ci
from wildvalues.analyze.config import AnalyzeConfig
from wildvalues.analyze.data import StudyData
from wildvalues.analyze.support import Support


@dataclass
class Context:
    data: StudyData
    cfg: AnalyzeConfig
    support: Support
    rng: np.random.Generator
    notes: list[tuple[str, str]] = field(default_factory=list)

    def ci(self, numerator, denominator) -> tuple[np.ndarray, np.ndarray]:
        return rate_ci(numerator, denominator, self.data.n, self.cfg.bootstrap, self.rng)

    def pct(self, numerator, denominator) -> np.ndarray:
        num, den = np.asarray(numerator, float), np.asarray(denominator, float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.where(den > 0, den, 1) * 100, np.nan)


def _mean_ci(counts: np.ndarray, ctx: Context) -> tuple[float, float]:
    """Bootstrap CI of a per-conversation mean (multinomial resampling of the count histogram)."""
    if ctx.cfg.bootstrap <= 0 or len(counts) == 0:
        return float("nan"), float("nan")
    values, freq = np.unique(counts, return_counts=True)
    draws = ctx.rng.multinomial(len(counts), freq / freq.sum(), size=ctx.cfg.bootstrap)
    means = draws @ values / len(counts)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def overview(ctx: Context) -> pd.DataFrame:
    d, n = ctx.data, ctx.data.n
    everyone = ctx.support.users(np.ones(n, bool))
    rows: list[dict] = [
        {"metric": "population", "label": d.population, "value": float(n)},
        {"metric": "n_conversations_features", "value": float(d.n_features)},
        {"metric": "n_conversations_analysed", "value": float(n)},
        {"metric": "pct_analysed_of_features", "value": 100 * n / d.n_features if d.n_features else np.nan},
        {"metric": "n_users_known", "value": float(everyone) if everyone is not None else np.nan},
        {"metric": "n_models", "value": float(len(d.model.names)) if d.model else 0.0},
    ]
    for side, labels in d.sides.items():
        per = labels.per_conversation
        none = int((per == 0).sum())
        low, high = ctx.ci([none], [n])
        m_low, m_high = _mean_ci(per, ctx)
        counts = np.asarray(labels.matrix.sum(0)).ravel()
        top5 = np.sort(counts)[::-1][:5].sum()
        rows += [
            {
                "metric": "mean_values_per_convo",
                "side": side,
                "value": per.mean() if n else np.nan,
                "ci_low": m_low,
                "ci_high": m_high,
            },
            {
                "metric": "pct_convos_without_values",
                "side": side,
                "value": ctx.pct(none, n)[()],
                "ci_low": low[0],
                "ci_high": high[0],
            },
            {"metric": "n_unique_values", "side": side, "value": float(len(labels.names))},
            {"metric": "n_expressions", "side": side, "value": float(labels.matrix.nnz)},
            {"metric": "pct_expressions_top5", "side": side, "value": ctx.pct(top5, labels.matrix.nnz)[()]},
        ]
    out = pd.DataFrame(rows)
    out["n_conversations"] = n
    out["n_users"] = everyone
    return out


def value_frequencies(ctx: Context) -> pd.DataFrame:
    n = ctx.data.n
    frames = []
    for side, labels in ctx.data.sides.items():
        counts = np.asarray(labels.matrix.sum(0)).ravel().astype(np.int64)
        order = np.lexsort((labels.names.astype(str), -counts))
        low, high = ctx.ci(counts, np.full(len(counts), n))
        users = ctx.support.per_item(labels.matrix)
        frame = pd.DataFrame(
            {
                "side": side,
                "value": labels.names,
                "n_conversations": counts,
                "n_denominator": n,
                "pct_convos": ctx.pct(counts, n),
                "ci_low": low,
                "ci_high": high,
                "n_expressions": counts,
                "pct_expressions": ctx.pct(counts, max(1, labels.matrix.nnz)),
                "n_users": users,
            }
        ).iloc[order]
        frame.insert(2, "rank", np.arange(1, len(frame) + 1))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def category_shares(ctx: Context) -> pd.DataFrame:
    d, n = ctx.data, ctx.data.n
    matrices, groupings, keys = {}, {}, {}
    for side, labels in d.sides.items():
        paths = d.value_paths.get(side) or {}
        if not paths or labels.matrix.shape[1] == 0:
            continue
        matrices[side] = labels.matrix
        groupings[side] = [paths[level].codes for level in sorted(paths)]
        keys[side] = sorted(paths)
    cis = expression_share_ci(matrices, groupings, ctx.cfg.bootstrap_expressions, ctx.rng)
    frames = []
    for side, levels in keys.items():
        labels = d.sides[side]
        total = labels.matrix.nnz
        for i, level in enumerate(levels):
            coded = d.value_paths[side][level]
            agg = sp.csr_matrix(
                (np.ones(len(coded.codes), np.int32), (np.arange(len(coded.codes)), coded.codes)),
                shape=(len(coded.codes), len(coded.names)),
            )
            per_conv = (labels.matrix @ agg).tocsr()
            n_expr = np.asarray(per_conv.sum(0)).ravel().astype(np.int64)
            presence = per_conv.copy()
            presence.data[:] = 1
            n_conv = np.asarray(presence.sum(0)).ravel().astype(np.int64)
            low, high = ctx.ci(n_conv, np.full(len(n_conv), n))
            pe_low, pe_high = cis[side][i]
            frames.append(
                pd.DataFrame(
                    {
                        "side": side,
                        "level": level,
                        "cluster_id": coded.names,
                        "cluster_name": coded.display if coded.display is not None else coded.names,
                        "n_expressions": n_expr,
                        "n_expressions_total": total,
                        "pct_expressions": ctx.pct(n_expr, total),
                        "pe_ci_low": pe_low,
                        "pe_ci_high": pe_high,
                        "n_conversations": n_conv,
                        "n_denominator": n,
                        "pct_convos": ctx.pct(n_conv, n),
                        "ci_low": low,
                        "ci_high": high,
                        "n_users": ctx.support.per_item(presence),
                    }
                ).sort_values("n_expressions", ascending=False)
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def long_tail(ctx: Context, frequencies: pd.DataFrame) -> pd.DataFrame:
    rows = []
    everyone = ctx.support.users(np.ones(ctx.data.n, bool))
    for side, group in frequencies.groupby("side", sort=False):
        total_expr = group["n_expressions"].sum()
        for denominator in ("pct_convos", "pct_expressions"):
            for floor in ctx.cfg.long_tail_floors:
                below = group[denominator] < floor
                rows.append(
                    {
                        "side": side,
                        "denominator": denominator,
                        "floor_pct": floor,
                        "n_values": len(group),
                        "n_values_below": int(below.sum()),
                        "pct_values_below": ctx.pct(below.sum(), len(group))[()],
                        "pct_expressions_below": ctx.pct(group.loc[below, "n_expressions"].sum(), total_expr)[
                            ()
                        ],
                        "n_conversations": ctx.data.n,
                        "n_users": everyone,
                    }
                )
    return pd.DataFrame(rows)
