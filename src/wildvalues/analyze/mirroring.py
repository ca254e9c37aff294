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
from wildvalues.analyze.support import conversation_pairs, mask_rows

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


def _top_keys(
    pairs: sp.coo_matrix, none_row: int, n_ai: int, top_n: int
) -> list[tuple[bool, np.ndarray, np.ndarray]]:
    """Per part (human value 'none' / a human value): top ``top_n`` keys with their counts, ranked."""
    out = []
    for non_null in (False, True):
        part = (pairs.row != none_row) if non_null else (pairs.row == none_row)
        keys = pairs.row[part].astype(np.int64) * n_ai + pairs.col[part]
        counts = pairs.data[part].astype(np.int64)
        take = min(top_n, len(keys))
        if take == 0:
            continue
        best = np.argpartition(-counts, take - 1)[:take]
        best = best[np.lexsort((keys[best], -counts[best]))]
        out.append((non_null, keys[best], counts[best]))
    return out


def value_pairs(ctx: Context) -> pd.DataFrame:
    """Top (human value, AI value) pairs overall and per response type; one pass over all pairs."""
    d, cfg = ctx.data, ctx.cfg
    human, ai = d.sides["human"], d.sides["ai"]
    no_human = (human.per_conversation == 0).astype(np.int32)
    with_none = sp.hstack([human.matrix, sp.csr_matrix(no_human[:, None])]).tocsr()
    human_names = np.append(human.names, NONE)
    n_ai = len(ai.names)
    n_keys = len(human_names) * n_ai
    conv, key = conversation_pairs(with_none, ai.matrix) if ctx.support.known else (None, None)
    response = d.response.codes[conv] if conv is not None else None
    groups = [("all", None)] + [(name, i) for i, name in enumerate(d.response.names)]
    frames = []
    for name, code in groups:
        mask = np.ones(d.n, bool) if code is None else d.response.codes == code
        pairs = (mask_rows(with_none, mask).T @ ai.matrix).tocoo()
        sel = slice(None) if code is None or conv is None else response == code
        g_conv, g_key = (conv[sel], key[sel]) if conv is not None else (None, None)
        n_group = int(mask.sum())
        for non_null, top, counts in _top_keys(pairs, len(human_names) - 1, n_ai, cfg.pairs_top_n):
            frames.append(
                pd.DataFrame(
                    {
                        "response_type": name,
                        "non_null": non_null,
                        "rank": np.arange(1, len(top) + 1),
                        "human_value": human_names[top // n_ai],
                        "ai_value": ai.names[top % n_ai],
                        "n_conversations": counts,
                        "n_denominator": d.n,
                        "n_group": n_group,
                        "n_users": ctx.support.per_key(g_conv, g_key, top, n_keys),
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
