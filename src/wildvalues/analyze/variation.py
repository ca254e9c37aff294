"""Context invariance (§3.1): coefficient of variation of each value's rate across contexts.

For value v and contexts c (tasks at one level, or human values), rate_vc = n(v and c) / n(c) over the
contexts holding at least ``cv_min_context_conversations`` conversations, zeros included. CV = std / mean
with the population standard deviation (ddof = 0). Computed from sparse sums: mean = sum(rate) / K and
std = sqrt(sum(rate^2) / K - mean^2), so the value x context table is never made dense.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from wildvalues.analyze.frequencies import Context


def _cv(values: sp.csr_matrix, contexts: sp.csr_matrix, min_context: int) -> tuple[np.ndarray, ...]:
    context_size = np.asarray(contexts.sum(0)).ravel()
    keep = np.flatnonzero(context_size >= max(1, min_context))
    joint = (
        sp.csr_matrix(values, dtype=np.float64).T @ sp.csr_matrix(contexts, dtype=np.float64)[:, keep]
    ).tocsr()
    joint = joint.multiply(1.0 / context_size[keep][None, :]).tocsr()  # rates
    k = len(keep)
    mean = np.asarray(joint.sum(1)).ravel() / max(k, 1)
    square = np.asarray(joint.multiply(joint).sum(1)).ravel() / max(k, 1)
    std = np.sqrt(np.maximum(square - mean**2, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(mean > 0, std / np.where(mean > 0, mean, 1), np.nan)
    return cv, mean, std, k


def context_variation(ctx: Context) -> pd.DataFrame:
    d, cfg = ctx.data, ctx.cfg
    level = cfg.cv_task_level if cfg.cv_task_level in d.tasks else 0
    if level != cfg.cv_task_level:
        ctx.notes.append(("variation", f"task level {cfg.cv_task_level} absent; CV across level-0 tasks"))
    tasks = d.tasks[level].onehot()
    specs = [
        ("ai", "task", level, d.sides["ai"], tasks),
        ("ai", "human_value", 0, d.sides["ai"], d.sides["human"].matrix),
        ("human", "task", level, d.sides["human"], tasks),
    ]
    frames = []
    for side, context, context_level, labels, contexts in specs:
        if labels.matrix.shape[1] == 0 or contexts.shape[1] == 0:
            continue
        cv, mean, std, k = _cv(labels.matrix, contexts, cfg.cv_min_context_conversations)
        n_conv = np.asarray(labels.matrix.sum(0)).ravel().astype(np.int64)
        frame = pd.DataFrame(
            {
                "side": side,
                "context": context,
                "context_level": context_level,
                "value": labels.names,
                "cv": cv,
                "mean_rate": mean,
                "std_rate": std,
                "n_contexts": k,
                "n_conversations": n_conv,
                "n_users": ctx.support.per_item(labels.matrix),
            }
        )
        eligible = (frame["n_conversations"] >= cfg.cv_min_value_conversations) & frame["cv"].notna()
        ranks = frame.loc[eligible, "cv"].rank(method="first")
        frame["rank"] = pd.array([pd.NA] * len(frame), dtype="Int64")
        frame.loc[eligible, "rank"] = ranks.astype("int64")
        frames.append(frame.sort_values(["rank", "value"], na_position="last"))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
