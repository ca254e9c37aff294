"""Value mirroring (Tables 6, 7) and the top human-AI value pairs (Tables 4, 5).

A conversation is mirrored when one of its human values also appears among its AI values (exact label).
We hold per-conversation records, so the three-way tables (human value x AI value x response type) come
straight from the data rather than from a response-conditioned resample as in the paper (Appendix A.1.1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from wildvalues.analyze.frequencies import Context
from wildvalues.analyze.support import mask_rows

NONE = "none"
SUPPORT = ("strong_support", "mild_support")


def mirror_matrix(ctx: Context) -> sp.csr_matrix:
    """Conversation x human label: 1 when the conversation's AI values hold the same label."""
    ai, human = ctx.data.sides["ai"], ctx.data.sides["human"]
    position = pd.Index(ai.names).get_indexer(human.names)
    present = np.flatnonzero(position >= 0)
    aligned = sp.csr_matrix((ctx.data.n, len(human.names)), dtype=np.int32)
    if len(present):
        pick = sp.csr_matrix(
            (np.ones(len(present), np.int32), (position[present], present)),
            shape=(len(ai.names), len(human.names)),
        )
        aligned = (ai.matrix @ pick).tocsr()
    return human.matrix.multiply(aligned).tocsr()


def _groups(ctx: Context) -> list[tuple[str, np.ndarray]]:
    resp = ctx.data.response
    out = [("all", np.ones(ctx.data.n, bool)), ("support", np.isin(resp.names[resp.codes], SUPPORT))]
    return out + [(name, resp.codes == i) for i, name in enumerate(resp.names)]


def mirroring(ctx: Context, mirrored: sp.csr_matrix) -> pd.DataFrame:
    d = ctx.data
    has_human = d.sides["human"].per_conversation > 0
    is_mirrored = np.diff(mirrored.indptr) > 0
    models = [(None, np.ones(d.n, bool))]
    if d.model is not None:
        models += [(name, d.model.codes == m) for m, name in enumerate(d.model.names)]
    rows = []
    for model, in_model in models:
        for name, in_group in _groups(ctx):
            base = in_model & in_group & has_human
            rows.append(
                {
                    "model": model,
                    "response_type": name,
                    "n_denominator": int(base.sum()),
                    "n_conversations": int((base & is_mirrored).sum()),
                    "n_users": ctx.support.users(base & is_mirrored),
                }
            )
    out = pd.DataFrame(rows)
    out["pct_mirrored"] = ctx.pct(out["n_conversations"], out["n_denominator"])
    out["ci_low"], out["ci_high"] = ctx.ci(out["n_conversations"], out["n_denominator"])
    return out[out["n_denominator"] > 0]


def mirrored_values(ctx: Context, mirrored: sp.csr_matrix) -> pd.DataFrame:
    d, cfg = ctx.data, ctx.cfg
    human = d.sides["human"]
    models = [(None, None)]
    if d.model is not None:
        models += [(name, d.model.codes == m) for m, name in enumerate(d.model.names)]
    frames = []
    for model, mask in models:
        rows_h, rows_m = human.matrix, mirrored
        if mask is not None:
            rows_h, rows_m = mask_rows(human.matrix, mask), mask_rows(mirrored, mask)
        denom = np.asarray(rows_h.sum(0)).ravel().astype(np.int64)
        num = np.asarray(rows_m.sum(0)).ravel().astype(np.int64)
        sel = denom > 0 if model is None else denom >= cfg.mirror_min_conversations
        frame = pd.DataFrame(
            {
                "model": model,
                "value": human.names[sel],
                "n_denominator": denom[sel],
                "n_conversations": num[sel],
            }
        )
        frame["pct_mirrored"] = ctx.pct(frame["n_conversations"], frame["n_denominator"])
        frame["ci_low"], frame["ci_high"] = ctx.ci(frame["n_conversations"], frame["n_denominator"])
        users = ctx.support.per_item(rows_m)
        frame["n_users"] = users[sel] if users is not None else None
        eligible = frame["n_denominator"] >= cfg.mirror_min_conversations
        frame["rank"] = pd.array([pd.NA] * len(frame), dtype="Int64")
        ranks = frame.loc[eligible, "pct_mirrored"].rank(method="first", ascending=False)
        frame.loc[eligible, "rank"] = ranks.astype("int64")
        frames.append(frame.sort_values(["rank", "value"], na_position="last"))
    return pd.concat(frames, ignore_index=True)


def value_pairs(ctx: Context) -> pd.DataFrame:
    d, cfg = ctx.data, ctx.cfg
    human, ai = d.sides["human"], d.sides["ai"]
    no_human = (human.per_conversation == 0).astype(np.int32)
    with_none = sp.hstack([human.matrix, sp.csr_matrix(no_human[:, None])]).tocsr()
    human_names = np.append(human.names, NONE)
    frames = []
    for name, mask in [g for g in _groups(ctx) if g[0] != "support"]:
        in_group = mask_rows(with_none, mask)
        pairs = (in_group.T @ ai.matrix).tocoo()
        n_group = int(mask.sum())
        if pairs.nnz == 0:
            continue
        frame = pd.DataFrame({"h": pairs.row, "a": pairs.col, "n_conversations": pairs.data.astype(np.int64)})
        frame["non_null"] = frame["h"] != len(human.names)
        frame = (
            frame.sort_values(["non_null", "n_conversations"], ascending=[True, False])
            .groupby("non_null", group_keys=False)
            .head(cfg.pairs_top_n)
        )
        frame["rank"] = frame.groupby("non_null").cumcount() + 1
        users = ctx.support.per_pair(in_group, ai.matrix, frame["h"].to_numpy(), frame["a"].to_numpy())
        frames.append(
            pd.DataFrame(
                {
                    "response_type": name,
                    "non_null": frame["non_null"].to_numpy(),
                    "rank": frame["rank"].to_numpy(),
                    "human_value": human_names[frame["h"]],
                    "ai_value": ai.names[frame["a"]],
                    "n_conversations": frame["n_conversations"].to_numpy(),
                    "n_denominator": d.n,
                    "n_group": n_group,
                    "n_users": users,
                }
            )
        )
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    out["pct_convos"] = ctx.pct(out["n_conversations"], out["n_denominator"])
    out["ci_low"], out["ci_high"] = ctx.ci(out["n_conversations"], out["n_denominator"])
    out["pct_convos_in_group"] = ctx.pct(out["n_conversations"], out["n_group"])
    out["mirrored"] = out["human_value"] == out["ai_value"]
    return out
