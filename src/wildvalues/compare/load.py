"""Read one study for comparison: per-conversation metadata and (conversation, item) incidence.

The only module of ``wildvalues.compare`` that touches DuckDB besides ``run`` and ``incremental``. It reads
``features`` (labels), ``raw.conversations`` (model, source, user id, timestamp: never text) and the value
tree's ``label_paths``; what it returns is plain pandas frames that the pure functions downstream use.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wildvalues.records import RESPONSE_TYPES

UNMAPPED = "unmapped"
TREE = "ai_values"


@dataclass
class StudyView:
    """One study, ready to be counted.

    ``conversations``: one row per analysed conversation (conversation_id, model, source, user, timestamp,
    response_type). ``labels``: (conversation_id, label) pairs of AI values, lower-cased and trimmed as the
    taxonomy stage keys them. ``paths``: label -> top-level cluster (cluster_id, cluster_name) of the
    study's own tree (empty without a tree). ``extractors``: distinct (prompt_version, extractor_model).
    """

    name: str
    conversations: pd.DataFrame
    labels: pd.DataFrame
    paths: pd.DataFrame
    tree_fingerprint: str | None
    tree_source: str
    extractors: list[tuple[str, str]]
    n_features: int
    population: str
    notes: list[str] = field(default_factory=list)
    corrected: pd.DataFrame | None = None


def tree_fingerprint(con, tree: str = TREE) -> str | None:
    """A short hash of a tree's upper levels (cluster ids, names, parents): equal hashes = the same scale.

    Leaves (level 0) are left out: in frozen mode they are the study's own labels, and two studies mapped
    onto the same reference tree share every upper node.
    """
    rows = con.execute(
        "SELECT cluster_id, name, level, coalesce(parent_cluster_id, '') FROM tree_nodes "
        "WHERE tree = ? AND level > 0 ORDER BY level, cluster_id, name",
        [tree],
    ).fetchall()
    if not rows:
        return None
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:12]


def _has(ws, name: str, schema: str = "main") -> bool:
    return ws.has_table(name, schema)


def _tree_source(con) -> str:
    rows = con.execute(
        "SELECT command, args FROM runs WHERE command LIKE 'taxonomy%' AND status = 'ok' "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchall()
    if not rows:
        return "none"
    command, args = rows[0]
    reference = json.loads(args or "{}").get("reference")
    return f"{command} ({reference})" if reference else command


def load_view(ws, name: str, *, all_conversations: bool = False) -> StudyView:
    """Read a study's analysed population (subjective conversations unless ``all_conversations``)."""
    if not _has(ws, "features"):
        raise LookupError(f"{ws.db_path}: no table 'features' (run `wildvalues extract` first)")
    con = ws.con.cursor()
    try:
        n_features = con.execute("SELECT count(*) FROM features").fetchall()[0][0]
        where = "" if all_conversations else "WHERE f.subjective"
        if _has(ws, "conversations", "raw"):
            meta = 'c.model, c.source, c.user_id, c."timestamp"'
            join = "LEFT JOIN raw.conversations c USING (conversation_id)"
        else:
            meta, join = 'NULL AS model, NULL AS source, NULL AS user_id, NULL::TIMESTAMP AS "timestamp"', ""
        conversations = con.execute(
            f"SELECT f.conversation_id, {meta}, f.response_type FROM features f {join} {where} "
            "ORDER BY f.conversation_id"
        ).fetchdf()
        labels = con.execute(
            f"SELECT DISTINCT conversation_id, label FROM (SELECT f.conversation_id, "
            f"lower(trim(unnest(f.ai_values))) AS label FROM features f {where}) "
            "WHERE label IS NOT NULL AND label <> '' ORDER BY conversation_id, label"
        ).fetchdf()
        extractors = [
            tuple(map(str, r))
            for r in con.execute(
                "SELECT DISTINCT coalesce(prompt_version, ''), coalesce(extractor_model, '') FROM features "
                "ORDER BY 1, 2"
            ).fetchall()
        ]
        paths = pd.DataFrame(columns=["label", "cluster_id", "cluster_name"])
        fingerprint, source = None, "none"
        if _has(ws, "label_paths") and _has(ws, "tree_nodes"):
            top = con.execute("SELECT max(level) FROM label_paths WHERE tree = ?", [TREE]).fetchall()[0][0]
            if top is not None and top > 0:
                paths = con.execute(
                    "SELECT label, cluster_id, coalesce(cluster_name, cluster_id) AS cluster_name "
                    "FROM label_paths WHERE tree = ? AND level = ?",
                    [TREE, top],
                ).fetchdf()
                fingerprint = tree_fingerprint(con)
                source = _tree_source(con)
        corrected = con.execute("SELECT * FROM an_corrected").fetchdf() if _has(ws, "an_corrected") else None
    finally:
        con.close()
    known = set(RESPONSE_TYPES)
    conversations["response_type"] = [
        r if r in known else "unknown" for r in conversations["response_type"].tolist()
    ]
    for column in ("model", "source"):
        conversations[column] = conversations[column].fillna("unknown").astype(str)
    user = conversations["user_id"]
    conversations["user"] = np.where(user.isna(), -1, pd.factorize(user.fillna(""))[0])
    conversations["timestamp"] = pd.to_datetime(conversations["timestamp"], errors="coerce")
    conversations = conversations.drop(columns=["user_id"])
    notes = []
    if not all_conversations and len(conversations) < n_features:
        notes.append(
            f"{n_features - len(conversations)} of {n_features} conversations are not subjective "
            "(or unknown) and were left out (--all-conversations includes them)"
        )
    return StudyView(
        name,
        conversations,
        labels,
        paths,
        fingerprint,
        source,
        extractors,
        int(n_features),
        "all" if all_conversations else "subjective",
        notes,
        corrected,
    )
