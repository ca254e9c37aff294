"""Which values go with which tasks, human values and response types (Figures 3, 4, 8, 9, 11, 12)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from wildvalues.analyze.contingency import analyse_table, cooccurrence
from wildvalues.analyze.frequencies import Context

TEST_COLUMNS = [
    "analysis",
    "row_kind",
    "col_kind",
    "row_level",
    "col_level",
    "n_rows",
    "n_cols",
    "n_total",
    "chi2",
    "dof",
    "p_value",
    "comparisons_rule",
    "n_comparisons",
    "alpha",
    "critical_value",
    "n_significant_pos",
    "n_significant_neg",
    "n_conversations",
    "n_users",
]


def _tables(
    ctx: Context,
) -> list[
    tuple[str, str, str, int | None, int | None, sp.csr_matrix, np.ndarray, sp.csr_matrix, np.ndarray, str]
]:
    """Each table: analysis, kinds, levels, row matrix + names, column matrix + names, comparisons rule."""
    d, cfg = ctx.data, ctx.cfg
    ai, human, stated = d.sides["ai"], d.sides["human"], d.sides["stated"]
    response = d.response.onehot()
    levels = sorted(d.tasks) if cfg.task_levels is None else [lv for lv in cfg.task_levels if lv in d.tasks]
    missing = sorted(set(cfg.task_levels or []) - set(d.tasks))
    if missing:
        ctx.notes.append(("associations", f"task levels {missing} not in the task tree; skipped"))
    values_rule, resp_rule = cfg.comparisons_rule_values, cfg.comparisons_rule_responses
    out = []
    for level in levels:
        task = d.tasks[level]
        out.append(
            (
                "ai_value_x_task",
                "ai_value",
                "task",
                0,
                level,
                ai.matrix,
                ai.names,
                task.onehot(),
                task.names,
                values_rule,
            )
        )
    out.append(
        (
            "ai_value_x_human_value",
            "ai_value",
            "human_value",
            0,
            0,
            ai.matrix,
            ai.names,
            human.matrix,
            human.names,
            values_rule,
        )
    )
    for side, labels in (("human_value", human), ("ai_value", ai), ("stated_value", stated)):
        out.append(
            (
                f"{side}_x_response_type",
                side,
                "response_type",
                0,
                None,
                labels.matrix,
                labels.names,
                response,
                d.response.names,
                resp_rule,
            )
        )
    for level in sorted({0, breakdown_level(ctx)}):
        task = d.tasks[level]
        out.append(
            (
                "task_x_response_type",
                "task",
                "response_type",
                level,
                None,
                task.onehot(),
                task.names,
                response,
                d.response.names,
                resp_rule,
            )
        )
    return out


def breakdown_level(ctx: Context) -> int:
    level = ctx.cfg.breakdown_task_level
    return max(ctx.data.tasks) if level is None or level not in ctx.data.tasks else level


def associations(
    ctx: Context, progress: Callable[[str], None] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    tests, cells = [], []
    for analysis, row_kind, col_kind, row_level, col_level, rows, row_names, cols, col_names, rule in _tables(
        ctx
    ):
        if progress:
            progress(f"{analysis} (level {col_level if col_kind == 'task' else row_level})")
        result = analyse_table(
            cooccurrence(rows, cols),
            row_names,
            col_names,
            alpha=ctx.cfg.alpha,
            rule=rule,
            top_k=ctx.cfg.top_k,
            max_full_cells=ctx.cfg.max_full_cells,
        )
        contributing = (np.diff(sp.csr_matrix(rows).indptr) > 0) & (np.diff(sp.csr_matrix(cols).indptr) > 0)
        tests.append(
            {
                "analysis": analysis,
                "row_kind": row_kind,
                "col_kind": col_kind,
                "row_level": row_level,
                "col_level": col_level,
                "n_rows": result.n_rows,
                "n_cols": result.n_cols,
                "n_total": result.n_total,
                "chi2": result.chi2,
                "dof": result.dof,
                "p_value": result.p_value,
                "comparisons_rule": result.rule,
                "n_comparisons": result.n_comparisons,
                "alpha": result.alpha,
                "critical_value": result.critical_value,
                "n_significant_pos": result.n_significant_pos,
                "n_significant_neg": result.n_significant_neg,
                "n_conversations": int(contributing.sum()),
                "n_users": ctx.support.users(contributing),
            }
        )
        frame = result.cells
        if frame.empty:
            continue
        row_pos = pd.Index(row_names).get_indexer(frame["row_label"])
        col_pos = pd.Index(col_names).get_indexer(frame["col_label"])
        frame = frame.drop(columns=["row_index", "col_index"])
        frame.insert(0, "analysis", analysis)
        frame.insert(1, "row_level", pd.array([row_level] * len(frame), dtype="Int64"))
        frame.insert(2, "col_level", pd.array([col_level] * len(frame), dtype="Int64"))
        frame["n_conversations"] = frame["observed"]
        users = ctx.support.per_pair(sp.csr_matrix(rows), sp.csr_matrix(cols), row_pos, col_pos)
        frame["n_users"] = users
        cells.append(frame)
    test_frame = pd.DataFrame(tests, columns=TEST_COLUMNS)
    for column in ("row_level", "col_level"):
        test_frame[column] = test_frame[column].astype("Int64")
    cell_frame = pd.concat(cells, ignore_index=True) if cells else pd.DataFrame()
    return test_frame, cell_frame
