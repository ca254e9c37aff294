"""How the AI responds (§3.4, Tables 9-11) and stated versus demonstrated values (Figure 13b)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from wildvalues.analyze.associations import breakdown_level
from wildvalues.analyze.data import Coded
from wildvalues.analyze.frequencies import Context


def yates_2x2(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised 2 x 2 chi-square with Yates' continuity correction (= scipy's chi2_contingency default)."""
    a, b, c, d = (np.asarray(x, float) for x in (a, b, c, d))
    n = a + b + c + d
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    diff = np.maximum(np.abs(a * d - b * c) - n / 2, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        chi2 = np.where(margins > 0, n * diff**2 / np.where(margins > 0, margins, 1), np.nan)
    return chi2, stats.chi2.sf(chi2, 1)


def _distribution(ctx: Context, group: Coded | None, mask: np.ndarray, scope: str, **fixed) -> pd.DataFrame:
    """Response-type shares within each group of ``group`` (or one group) among conversations in ``mask``."""
    resp = ctx.data.response
    n_types = len(resp.names)
    g_codes = group.codes if group is not None else np.zeros(ctx.data.n, np.int64)
    g_names = group.names if group is not None else np.array([None], dtype=object)
    g_codes, r_codes = g_codes[mask], resp.codes[mask]
    counts = np.bincount(g_codes * n_types + r_codes, minlength=len(g_names) * n_types)
    denom = np.bincount(g_codes, minlength=len(g_names))
    cell = np.arange(len(g_names) * n_types)
    low, high = ctx.ci(counts, denom[cell // n_types])
    combined = np.full(ctx.data.n, -1, np.int64)
    combined[mask] = g_codes * n_types + r_codes
    users = ctx.support.per_group(np.maximum(combined, 0), len(cell), combined >= 0)
    frame = pd.DataFrame(
        {
            "scope": scope,
            "model": fixed.get("model"),
            "task_level": fixed.get("task_level"),
            "task": None,
            "response_type": resp.names[cell % n_types],
            "n_conversations": counts,
            "n_denominator": denom[cell // n_types],
            "pct_convos_in_group": ctx.pct(counts, denom[cell // n_types]),
            "ci_low": low,
            "ci_high": high,
            "n_users": users,
        }
    )
    key = fixed.get("group_column")
    if key:
        frame[key] = g_names[cell // n_types]
    return frame[frame["n_denominator"] > 0]


def response_types(ctx: Context) -> pd.DataFrame:
    d = ctx.data
    everyone = np.ones(d.n, bool)
    has_human = d.sides["human"].per_conversation > 0
    level = breakdown_level(ctx)
    frames = [
        _distribution(ctx, None, everyone, "overall"),
        _distribution(ctx, None, has_human, "human_values_present"),
        _distribution(ctx, d.tasks[level], everyone, "task", task_level=level, group_column="task"),
    ]
    if d.model is not None:
        frames.append(_distribution(ctx, d.model, everyone, "model", group_column="model"))
        for m, name in enumerate(d.model.names):
            frame = _distribution(
                ctx, d.tasks[level], d.model.codes == m, "model_task", task_level=level, group_column="task"
            )
            frames.append(frame.assign(model=name))
    out = pd.concat(frames, ignore_index=True)
    out["task_level"] = out["task_level"].astype("Int64")
    return out


def stated_vs_demonstrated(ctx: Context) -> pd.DataFrame:
    d = ctx.data
    resp = d.response
    has_values = d.sides["ai"].per_conversation > 0
    has_stated = d.sides["stated"].per_conversation > 0
    groups = [("all", np.ones(d.n, bool))] + [(name, resp.codes == i) for i, name in enumerate(resp.names)]
    total_stated = int(has_stated.sum())
    rows = []
    for name, mask in groups:
        n_group = int(mask.sum())
        n_vals, n_stated = int(has_values[mask].sum()), int(has_stated[mask].sum())
        if name == "all":
            statistic = p_value = np.nan
        else:
            chi2, p = yates_2x2(
                [n_stated],
                [n_group - n_stated],
                [total_stated - n_stated],
                [d.n - n_group - (total_stated - n_stated)],
            )
            statistic, p_value = float(chi2[0]), float(p[0])
        rows.append(
            {
                "response_type": name,
                "n_denominator": n_group,
                "n_with_values": n_vals,
                "n_conversations": n_stated,
                "statistic": statistic,
                "p_value": p_value,
                "n_users": ctx.support.users(mask & has_stated),
            }
        )
    out = pd.DataFrame(rows)
    out["pct_with_values"] = ctx.pct(out["n_with_values"], out["n_denominator"])
    out["values_ci_low"], out["values_ci_high"] = ctx.ci(out["n_with_values"], out["n_denominator"])
    out["pct_with_stated"] = ctx.pct(out["n_conversations"], out["n_denominator"])
    out["ci_low"], out["ci_high"] = ctx.ci(out["n_conversations"], out["n_denominator"])
    return out[
        [
            "response_type",
            "n_denominator",
            "n_with_values",
            "pct_with_values",
            "values_ci_low",
            "values_ci_high",
            "n_conversations",
            "pct_with_stated",
            "ci_low",
            "ci_high",
            "statistic",
            "p_value",
            "n_users",
        ]
    ]
