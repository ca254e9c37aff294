"""Cross-model comparison (Appendix B.5, Tables 8-11) with significance tests.

Unlike the paper (separate samples per model, one attribute at a time), models here share one study, so
task-matched comparisons use the same task clusters for every model. Tests: a Pearson chi-square of the
models x response-type table, and 2 x 2 chi-squares with Yates' correction (two-proportion tests) per item
and model pair, Bonferroni-adjusted within each family (all pairs x items of one comparison).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from wildvalues.analyze.associations import breakdown_level
from wildvalues.analyze.frequencies import Context
from wildvalues.analyze.responses import yates_2x2


def _top_values(ctx: Context, side: str, mask: np.ndarray, top_n: int) -> pd.DataFrame:
    labels = ctx.data.sides[side]
    rows = np.flatnonzero(mask)
    sub = labels.matrix[rows]
    counts = np.asarray(sub.sum(0)).ravel().astype(np.int64)
    order = np.lexsort((labels.names.astype(str), -counts))[:top_n]
    order = order[counts[order] > 0]
    users = ctx.support.per_item(sub, conversations=rows, columns=order)
    return pd.DataFrame(
        {
            "side": side,
            "rank": np.arange(1, len(order) + 1),
            "value": labels.names[order],
            "n_conversations": counts[order],
            "n_denominator": int(mask.sum()),
            "n_users": users,
        }
    )


def _response_mix_test(ctx: Context, masks: dict[str, np.ndarray], task_level, task) -> dict:
    resp = ctx.data.response
    table = np.array([np.bincount(resp.codes[m], minlength=len(resp.names)) for m in masks.values()])
    table = table[:, table.sum(0) > 0]
    union = np.logical_or.reduce(list(masks.values()))
    if table.shape[0] < 2 or table.shape[1] < 2:
        return {}
    result = stats.chi2_contingency(table, correction=False)
    return {
        "test": "response_mix_chi2",
        "task_level": task_level,
        "task": task,
        "model_a": None,
        "model_b": None,
        "item": None,
        "pct_a": np.nan,
        "pct_b": np.nan,
        "statistic": result.statistic,
        "dof": float(result.dof),
        "p_value": result.pvalue,
        "n_tests": 1,
        "n_conversations": int(union.sum()),
        "n_users": ctx.support.users(union),
    }


def _pair_tests(
    ctx: Context, test: str, masks: dict[str, np.ndarray], items: dict[str, np.ndarray], task_level, task
) -> list[dict]:
    """Two-proportion (Yates 2 x 2) tests of each item between each pair of models."""
    names = list(masks)
    owner = np.full(ctx.data.n, -1, np.int64)
    for i, mask in enumerate(masks.values()):
        owner[mask] = i
    sizes = np.array([int(m.sum()) for m in masks.values()])
    user = ctx.support.user if ctx.support.known else None
    rows = []
    for item, has in items.items():
        idx = np.flatnonzero(has & (owner >= 0))
        who = owner[idx]
        counts = np.bincount(who, minlength=len(names))
        for a, b in combinations(range(len(names)), 2):
            chi2, p = yates_2x2([counts[a]], [sizes[a] - counts[a]], [counts[b]], [sizes[b] - counts[b]])
            n_users = None
            if user is not None:
                u = user[idx[(who == a) | (who == b)]]
                n_users = int(np.count_nonzero(np.bincount(u[u >= 0], minlength=1)))
            rows.append(
                {
                    "test": test,
                    "task_level": task_level,
                    "task": task,
                    "model_a": names[a],
                    "model_b": names[b],
                    "item": item,
                    "pct_a": 100 * counts[a] / sizes[a],
                    "pct_b": 100 * counts[b] / sizes[b],
                    "statistic": float(chi2[0]),
                    "dof": 1.0,
                    "p_value": float(p[0]),
                    "n_conversations": int(sizes[a] + sizes[b]),
                    "n_users": n_users,
                }
            )
    for row in rows:
        row["n_tests"] = len(rows)
    return rows


def compare_models(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    d, cfg = ctx.data, ctx.cfg
    if d.model is None:
        return pd.DataFrame(), pd.DataFrame()
    min_n = cfg.model_min_conversations
    masks = {name: d.model.codes == m for m, name in enumerate(d.model.names)}
    small = [name for name, m in masks.items() if m.sum() < min_n]
    if small:
        ctx.notes.append(("models", f"models with < {min_n} conversations left out of comparisons: {small}"))
    masks = {name: m for name, m in masks.items() if m.sum() >= min_n}
    values, tests = [], []
    resp = d.response
    level = breakdown_level(ctx)
    task = d.tasks[level]
    scopes: list[tuple[int | None, str | None, dict[str, np.ndarray]]] = [(None, None, masks)]
    for t, task_name in enumerate(task.names):
        in_task = task.codes == t
        matched = {name: m & in_task for name, m in masks.items() if (m & in_task).sum() >= min_n}
        if len(matched) >= 2:
            scopes.append((level, str(task_name), matched))
    ai_csc = d.sides["ai"].matrix.tocsc()
    for task_level, task_name, scope_masks in scopes:
        top_value_names: set[str] = set()
        for model, mask in scope_masks.items():
            sides = ("ai", "human") if task_name is None else ("ai",)
            for side in sides:
                frame = _top_values(ctx, side, mask, cfg.model_top_n if task_name is None else 5)
                frame.insert(0, "model", model)
                frame.insert(2, "task_level", task_level)
                frame.insert(3, "task", task_name)
                values.append(frame)
                if side == "ai":
                    top_value_names |= set(frame["value"])
        if len(scope_masks) < 2:
            continue
        tests.append(_response_mix_test(ctx, scope_masks, task_level, task_name))
        resp_items = {name: resp.codes == i for i, name in enumerate(resp.names)}
        tests += _pair_tests(ctx, "response_rate_2prop", scope_masks, resp_items, task_level, task_name)
        index = pd.Index(d.sides["ai"].names)
        columns = ai_csc[:, [index.get_loc(v) for v in sorted(top_value_names)]].toarray() > 0
        value_items = {v: columns[:, i] for i, v in enumerate(sorted(top_value_names))}
        tests += _pair_tests(ctx, "value_rate_2prop", scope_masks, value_items, task_level, task_name)
    value_frame = pd.concat(values, ignore_index=True) if values else pd.DataFrame()
    if not value_frame.empty:
        value_frame["pct_convos_in_group"] = ctx.pct(
            value_frame["n_conversations"], value_frame["n_denominator"]
        )
        value_frame["ci_low"], value_frame["ci_high"] = ctx.ci(
            value_frame["n_conversations"], value_frame["n_denominator"]
        )
        value_frame["task_level"] = value_frame["task_level"].astype("Int64")
    test_frame = pd.DataFrame([t for t in tests if t])
    if not test_frame.empty:
        test_frame["p_adjusted"] = np.minimum(1.0, test_frame["p_value"] * test_frame["n_tests"])
        test_frame["significant"] = test_frame["p_adjusted"] < cfg.alpha
        test_frame["task_level"] = test_frame["task_level"].astype("Int64")
    return value_frame, test_frame
