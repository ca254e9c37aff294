"""Synthetic studies with known shares, for tests and demos: planted differences and drifts are exact."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wildvalues.compare.incremental import NODE_INSERT
from wildvalues.compare.load import StudyView
from wildvalues.compare.scale import Scale
from wildvalues.records import RESPONSE_TYPES

VALUES = [f"value {i:02d}" for i in range(30)]
VALUE_SHARES = np.linspace(0.30, 0.02, len(VALUES))  # P(conversation holds value i)
RESPONSE_SHARES = np.array([0.30, 0.20, 0.10, 0.10, 0.08, 0.07, 0.15])
CATEGORIES = pd.DataFrame(
    {
        "label": VALUES,
        "cluster_id": [f"cat:{i % 5}" for i in range(len(VALUES))],
        "cluster_name": [f"Category {i % 5}" for i in range(len(VALUES))],
    }
)


def make_view(
    name: str,
    n: int,
    rng: np.random.Generator,
    *,
    value_shares: np.ndarray | None = None,
    response_shares: np.ndarray | None = None,
    n_users: int | None = 2000,
    start: str = "2025-01-06",
    periods: int = 1,
    by: str = "W",
    drift: dict | None = None,
) -> StudyView:
    """A study of ``n`` conversations; each value held independently with its share.

    ``periods`` spreads conversations evenly over that many weeks (``by="W"``) or months; ``drift`` =
    {"value": label, "from_period": t, "share": p} plants a new share for one value from period t on.
    """
    value_shares = VALUE_SHARES if value_shares is None else value_shares
    response_shares = RESPONSE_SHARES if response_shares is None else response_shares
    ids = np.array([f"{name}-{i:07d}" for i in range(n)], dtype=object)
    period_index = np.arange(n) * periods // n
    starts = pd.date_range(start, periods=periods, freq="7D" if by == "W" else "MS")
    shares = np.tile(value_shares, (n, 1))
    if drift:
        column = VALUES.index(drift["value"])
        shares[period_index >= drift["from_period"], column] = drift["share"]
    holds = rng.random((n, len(VALUES))) < shares
    rows, cols = np.nonzero(holds)
    labels = pd.DataFrame({"conversation_id": ids[rows], "label": np.array(VALUES, dtype=object)[cols]})
    conversations = pd.DataFrame(
        {
            "conversation_id": ids,
            "model": name,
            "source": "synthetic",
            "response_type": np.array(RESPONSE_TYPES, dtype=object)[
                rng.choice(len(RESPONSE_TYPES), size=n, p=response_shares / response_shares.sum())
            ],
            "user": rng.integers(0, n_users, size=n) if n_users else np.full(n, -1),
            "timestamp": starts[period_index] + pd.to_timedelta(rng.integers(0, 86400 * 5, size=n), unit="s"),
        }
    )
    return StudyView(
        name,
        conversations,
        labels,
        CATEGORIES.copy(),
        "synthetic-tree",
        "synthetic",
        [("v1", "heads-only")],
        n,
        "subjective",
    )


def synthetic_scale() -> Scale:
    return Scale(CATEGORIES.assign(how="a_path", similarity=1.0), "synthetic tree shared by both studies")


def write_view(
    ws,
    view: StudyView,
    *,
    subjective: bool = True,
    prompt_version: str = "v1",
    extractor_model: str = "heads-only",
) -> None:
    """Store a synthetic study in a workspace: ``features``, ``raw.conversations``, a two-level value tree."""
    from wildvalues.extract.store import FEATURES_DDL
    from wildvalues.taxonomy.store import LABEL_PATHS_DDL, TREE_NODES_DDL

    conv = view.conversations
    lists = view.labels.groupby("conversation_id")["label"].agg(list)
    features = pd.DataFrame(
        {
            "conversation_id": conv["conversation_id"],
            "subjectivity_level": 3,
            "subjective": subjective,
            "ai_values": [lists.get(c, []) for c in conv["conversation_id"]],
            "human_values": [[] for _ in range(len(conv))],
            "response_type": conv["response_type"],
            "task": None,
            "stated_ai_values": [[] for _ in range(len(conv))],
            "raw_outputs": "{}",
            "failures": "{}",
            "prompt_version": prompt_version,
            "extractor_model": extractor_model,
            "run_id": "synthetic",
        }
    )
    meta = pd.DataFrame(
        {
            "conversation_id": conv["conversation_id"],
            "source": conv["source"],
            "source_file": "synthetic",
            "source_ref": "row",
            "model": conv["model"],
            "user_id": [None if u < 0 else f"user-{u}" for u in conv["user"]],
            "timestamp": conv["timestamp"],
            "language": "en",
            "n_messages": 2,
            "meta": "{}",
            "run_id": "synthetic",
        }
    )
    ws.con.execute(FEATURES_DDL)
    ws.con.register("syn_features", features)
    ws.con.execute("INSERT INTO features SELECT * FROM syn_features")
    ws.con.unregister("syn_features")
    ws.con.register("syn_meta", meta)
    ws.con.execute("INSERT INTO raw.conversations SELECT * FROM syn_meta")
    ws.con.unregister("syn_meta")
    ws.con.execute(TREE_NODES_DDL)
    ws.con.execute(LABEL_PATHS_DDL)
    cats = view.paths.drop_duplicates("cluster_id")
    ws.con.executemany(
        NODE_INSERT + "(?, ?, ?, '', 1, NULL, NULL, NULL, 'synthetic')",
        [("ai_values", r.cluster_id, r.cluster_name) for r in cats.itertuples()],
    )
    ws.con.executemany(
        NODE_INSERT + "(?, ?, ?, '', 0, ?, NULL, NULL, 'synthetic')",
        [("ai_values", r.label, r.label, r.cluster_id) for r in view.paths.itertuples()],
    )
    rows = []
    for r in view.paths.itertuples():
        rows += [
            ("ai_values", r.label, 0, r.label, r.label),
            ("ai_values", r.label, 1, r.cluster_id, r.cluster_name),
        ]
    ws.con.executemany("INSERT INTO label_paths VALUES (?, ?, ?, ?, ?)", rows)
