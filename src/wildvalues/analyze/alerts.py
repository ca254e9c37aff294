"""Rare and undesirable values (§3.1): values under a frequency floor that sit close to a watchlist.

Closeness is cosine similarity of sentence embeddings (``wildvalues.embed.encode``, imported lazily). When
the embedding stage is unavailable the run falls back to a lexical match (the watch term inside the value
label or the reverse) and records why in ``an_notes``; ``alert_method = "lexical"`` asks for that directly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wildvalues.analyze.frequencies import Context


def _embedding_matches(
    ctx: Context, values: list[str], watch: list[str]
) -> tuple[np.ndarray, np.ndarray, str]:
    from wildvalues.embed import encode  # heavy (torch); only when alerts run with embeddings

    model = ctx.cfg.alert_embedding_model
    vectors = encode(values + watch, model=model)
    sims = vectors[: len(values)] @ vectors[len(values) :].T
    return sims.argmax(1), sims.max(1), f"embedding:{model}"


def _lexical_matches(values: list[str], watch: list[str]) -> tuple[np.ndarray, np.ndarray, str]:
    best = np.zeros(len(values), np.int64)
    score = np.zeros(len(values))
    for i, value in enumerate(values):
        low = value.lower()
        for j, term in enumerate(watch):
            if term.lower() in low or low in term.lower():
                best[i], score[i] = j, 1.0
                break
    return best, score, "lexical"


def alerts(ctx: Context, frequencies: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    cfg, d = ctx.cfg, ctx.data
    watch = [w.strip() for w in cfg.alert_watchlist if w.strip()]
    rare = frequencies[
        frequencies["side"].isin(cfg.alert_sides)
        & (frequencies["pct_convos"] < cfg.alert_floor_pct)
        & (frequencies["n_conversations"] > 0)
    ]
    if rare.empty or not watch:
        return pd.DataFrame(), pd.DataFrame()
    names = sorted(set(rare["value"]))
    if cfg.alert_method == "embedding":
        try:
            best, score, method = _embedding_matches(ctx, names, watch)
        except Exception as exc:  # the embedding stage is optional: fall back, and say so
            ctx.notes.append(
                ("alerts", f"embedding unavailable ({type(exc).__name__}: {exc}); lexical match used")
            )
            best, score, method = _lexical_matches(names, watch)
    else:
        best, score, method = _lexical_matches(names, watch)
    threshold = cfg.alert_min_similarity if method.startswith("embedding") else 1.0
    match = pd.DataFrame(
        {"value": names, "watch_term": np.asarray(watch, dtype=object)[best], "similarity": score}
    )
    flagged = rare.merge(match[match["similarity"] >= threshold], on="value")
    if flagged.empty:
        return pd.DataFrame(), pd.DataFrame()
    alert_frame = (
        flagged[["side", "value", "pct_convos", "watch_term", "similarity", "n_conversations", "n_users"]]
        .assign(method=method)
        .sort_values(["similarity", "value"], ascending=[False, True])
    )

    queue = []
    task0 = d.tasks[0]
    for row in alert_frame.itertuples(index=False):
        labels = d.sides[row.side]
        col = int(pd.Index(labels.names).get_loc(row.value))
        convs = labels.matrix[:, col].tocoo().row[: cfg.review_queue_max_per_value]
        queue.append(
            pd.DataFrame(
                {
                    "conversation_id": d.conversation_ids[convs],
                    "side": row.side,
                    "value": row.value,
                    "watch_term": row.watch_term,
                    "similarity": row.similarity,
                    "task": task0.names[task0.codes[convs]],
                    "response_type": d.response.names[d.response.codes[convs]],
                    "model": d.model.names[d.model.codes[convs]] if d.model is not None else None,
                    "n_conversations": row.n_conversations,
                    "n_users": row.n_users,
                }
            )
        )
    if len(queue) and any(len(q) < n for q, n in zip(queue, alert_frame["n_conversations"], strict=True)):
        ctx.notes.append(
            (
                "alerts",
                f"review queue capped at {cfg.review_queue_max_per_value} conversations "
                "per value (analyze.review_queue_max_per_value)",
            )
        )
    return alert_frame.reset_index(drop=True), pd.concat(queue, ignore_index=True)
