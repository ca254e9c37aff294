"""Workspace I/O of the taxonomy stage: read ``features``, write ``tree_nodes`` and ``label_paths``.

``tree_nodes`` follows the released ``values_tree.csv`` schema (plus ``tree``, ``n_conversations`` and
``run_id``); ``label_paths`` gives, for every leaf label (for 'tasks': every conversation_id), its
cluster at each level. For 'tasks' level 0 is the base-level task cluster of the conversation (as in
the paper's 6,745 base-level tasks), not the free-text task sentence, which stays out of the tree.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from wildvalues.stage import MissingInput
from wildvalues.taxonomy.config import TaxonomyConfig
from wildvalues.taxonomy.frozen import FrozenMapping, is_unmapped
from wildvalues.taxonomy.hierarchy import BaseItem, Hierarchy, HierarchySettings, build_hierarchy
from wildvalues.taxonomy.naming import ExtractiveNamer, LLMNamer, Proposal

if TYPE_CHECKING:
    from wildvalues.llm.base import LLMClient

VALUE_TREES = {"ai_values": "ai_values", "human_values": "human_values"}

TREE_NODES_DDL = """
CREATE TABLE IF NOT EXISTS tree_nodes (
    tree VARCHAR, cluster_id VARCHAR, name VARCHAR, description VARCHAR, level INT,
    parent_cluster_id VARCHAR, pct_total_occurrences DOUBLE, n_conversations INT, run_id VARCHAR,
    name_source VARCHAR, name_similarity DOUBLE, name_check VARCHAR)
"""
# added after the first release of the table: workspaces made before get them on the next write
NAME_COLUMNS = (("name_source", "VARCHAR"), ("name_similarity", "DOUBLE"), ("name_check", "VARCHAR"))
NODE_COLUMNS = ("tree, cluster_id, name, description, level, parent_cluster_id, pct_total_occurrences, "
                "n_conversations, run_id, name_source, name_similarity, name_check")
LABEL_PATHS_DDL = """
CREATE TABLE IF NOT EXISTS label_paths (
    tree VARCHAR, label VARCHAR, level INT, cluster_id VARCHAR, cluster_name VARCHAR)
"""


def require_features(ws) -> None:
    if not ws.has_table("features"):
        raise MissingInput(ws.db_path, "table 'features'", "wildvalues extract")


def label_weights(ws, column: str) -> tuple[dict[str, float], dict[str, int]]:
    """Distinct labels of a VARCHAR[] column (lower-cased, trimmed) -> number of conversations holding it."""
    rows = ws.con.execute(f"""
        SELECT label, count(DISTINCT conversation_id) FROM (
            SELECT conversation_id, lower(trim(unnest({column}))) AS label FROM features)
        WHERE label IS NOT NULL AND label <> '' GROUP BY label""").fetchall()
    raw = ws.con.execute(f"SELECT count(*) FROM (SELECT unnest({column}) FROM features)").fetchone()[0]
    weights = {label: float(n) for label, n in rows}
    return weights, {"label_mentions": int(raw), "distinct_labels": len(weights)}


def settings_from(cfg: TaxonomyConfig, levels: int | None = None, top: int | None = None
                  ) -> HierarchySettings:
    return HierarchySettings(levels=levels or cfg.levels, top=top or cfg.top_clusters, seed=cfg.seed,
                             neighbourhood_size=cfg.neighbourhood_size, assign_margin=cfg.assign_margin,
                             calls_per_leaf=cfg.calls_per_leaf)


def build_value_tree(labels: dict[str, float], tree: str, embed_fn, namer, settings: HierarchySettings,
                     progress=None) -> Hierarchy:
    keys = sorted(labels)
    items = [BaseItem(k, k, labels[k]) for k in keys]
    return build_hierarchy(items, embed_fn(keys), embed_fn, namer, settings, tree, progress)


def build_task_tree(tasks: dict[str, str], embed_fn, namer, cfg: TaxonomyConfig, progress=None,
                    rule=None) -> tuple[Hierarchy, dict[str, str]]:
    """Base task clusters by k-means over task sentences, named from their members, then the hierarchy.

    Returns the tree and conversation_id -> base cluster id.
    """
    from sklearn.cluster import KMeans

    conv_ids = sorted(tasks)
    vectors = embed_fn([tasks[c] for c in conv_ids])
    n_base = max(min(2, len(conv_ids)), round(len(conv_ids) / cfg.conversations_per_base_task))
    if n_base > 1:
        assignment = KMeans(n_clusters=n_base, n_init=3, random_state=cfg.seed).fit_predict(vectors)
    else:
        assignment = np.zeros(len(conv_ids), dtype=int)
    members = {j: [i for i in range(len(conv_ids)) if assignment[i] == j] for j in range(n_base)}
    members = {j: m for j, m in members.items() if m}
    if progress:
        progress(f"tasks: naming {len(members)} base task clusters")
    member_texts = []
    for m in members.values():  # the sentences closest to the cluster centre describe it best
        centre = vectors[m].mean(axis=0)
        closest = sorted(m, key=lambda i: (-float(vectors[i] @ centre), conv_ids[i]))[:10]
        member_texts.append([tasks[conv_ids[i]] for i in closest])
    budget_total = math.ceil(cfg.calls_per_leaf * len(conv_ids))
    per_call = 8
    calls = math.ceil(len(member_texts) / per_call)
    affordable = max(0, min(calls, budget_total // 2)) if isinstance(namer, LLMNamer) else calls
    batches = [member_texts[k:k + per_call] for k in range(0, len(member_texts), per_call)]
    if isinstance(namer, ExtractiveNamer):  # it would quote member sentences: use shared keywords instead
        affordable = 0
    names = [r for batch in namer.rename(batches[:affordable]) for r in batch]
    names += [None] * (len(member_texts) - len(names))
    from wildvalues.taxonomy.hierarchy import names_pii_free

    flags = iter(names_pii_free([n for n in names if n is not None]))
    names = [n if n is not None and next(flags) else None for n in names]
    replaced = 0
    if rule is not None:  # issue 13: an LLM name must be grounded in the task sentences it groups
        from wildvalues.taxonomy.grounding import ground_names

        names, replaced = ground_names(names, member_texts, embed_fn, rule, keyword_name)
    items, item_vectors, base_of = [], [], {}
    for (j, m), named, texts in zip(members.items(), names, member_texts, strict=True):
        named = named or keyword_name(texts)  # never a member's own sentence: those are per-conversation
        cid = f"tasks:l0:{j:05d}"
        items.append(BaseItem(cid, named.name, float(len(m)), named.description))
        item_vectors.append(vectors[m].mean(axis=0))
        for i in m:
            base_of[conv_ids[i]] = cid
    used = affordable if isinstance(namer, LLMNamer) else 0
    settings = settings_from(cfg, cfg.task_levels, cfg.task_top_clusters)
    settings.calls_per_leaf = max(0.0, (budget_total - used) / max(1, len(items)))
    hierarchy = build_hierarchy(items, np.stack(item_vectors), embed_fn, namer, settings, "tasks", progress)
    hierarchy.stats["base_naming_calls"] = used
    hierarchy.stats["base_names_ungrounded"] = replaced
    return hierarchy, base_of


_STOP = frozenset((
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "from", "by", "about", "into", "as",
    "is", "are", "be", "this", "that", "my", "your", "their", "his", "her", "its", "it", "user", "users",
    "asks", "asked", "ask", "wants", "want", "help", "assistant", "ai"))


def keyword_name(texts: list[str]) -> Proposal:
    """A name from the words most shared by a cluster's task sentences (no single sentence is shown)."""
    import re
    from collections import Counter

    words_of = (set(re.findall(r"[a-z][a-z-]{2,}", t.lower())) - _STOP for t in texts)
    counts = Counter(w for words in words_of for w in words)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))  # deterministic on ties
    shared = [w for w, n in ranked[:4] if n >= 2] or [w for w, _ in ranked[:2]]
    words = shared[:3] or ["other"]
    return Proposal(" ".join(words), f"Tasks mentioning {', '.join(shared[:4] or words)}.", "keywords")


def node_rows(h: Hierarchy, run_id: str) -> list[tuple]:
    total = sum(n.weight for n in h.nodes.values() if n.level == 0) or 1.0
    rows = []
    for node in sorted(h.nodes.values(), key=lambda n: (n.level, n.cluster_id)):
        rows.append((h.tree, node.cluster_id, node.name, node.description, node.level, node.parent,
                     round(100.0 * node.weight / total, 6), None, run_id, node.name_source or None,
                     node.name_similarity, node.name_check or None))
    return rows


def path_rows(h: Hierarchy, base_of: dict[str, str] | None = None) -> list[tuple]:
    """(tree, label, level, cluster_id, cluster_name) for every leaf label at every level."""
    paths = h.paths()
    rows = []
    if base_of is None:
        for leaf, chain in paths.items():
            rows.extend((h.tree, leaf, lv, cid, h.nodes[cid].name) for lv, cid in enumerate(chain))
    else:
        for conv, base in sorted(base_of.items()):
            rows.extend((h.tree, conv, lv, cid, h.nodes[cid].name) for lv, cid in enumerate(paths[base]))
    return rows


def frozen_path_rows(tree: str, mappings: list[FrozenMapping], names: dict[str, str]) -> list[tuple]:
    rows = []
    for m in mappings:
        rows.append((tree, m.label, 0, m.label, m.label))
        for level, cid in enumerate(m.path, start=1):
            rows.append((tree, m.label, level, cid, "Unmapped" if is_unmapped(cid) else names[cid]))
    return rows


def write_tree(ws, tree: str, nodes: list[tuple], paths: list[tuple]) -> None:
    """Replace one tree's rows in ``tree_nodes``/``label_paths`` and fill ``n_conversations``."""
    con = ws.con
    con.execute(TREE_NODES_DDL)
    con.execute(LABEL_PATHS_DDL)
    for column, kind in NAME_COLUMNS:
        con.execute(f"ALTER TABLE tree_nodes ADD COLUMN IF NOT EXISTS {column} {kind}")
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM tree_nodes WHERE tree = ?", [tree])
        con.execute("DELETE FROM label_paths WHERE tree = ?", [tree])
        if nodes:
            con.executemany(f"INSERT INTO tree_nodes ({NODE_COLUMNS}) VALUES ({', '.join('?' * 12)})",
                            nodes)
        if paths:
            con.executemany("INSERT INTO label_paths VALUES (?, ?, ?, ?, ?)", paths)
        _fill_conversation_counts(ws, tree)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _fill_conversation_counts(ws, tree: str) -> None:
    if not ws.has_table("features"):
        return
    if tree == "tasks":
        holders = "SELECT conversation_id, conversation_id AS label FROM features"
    else:
        holders = (f"SELECT conversation_id, lower(trim(unnest({VALUE_TREES.get(tree, tree)}))) AS label "
                   "FROM features")
    ws.con.execute(f"""
        UPDATE tree_nodes SET n_conversations = counts.n FROM (
            SELECT p.level, p.cluster_id, count(DISTINCT h.conversation_id) AS n
            FROM ({holders}) h JOIN label_paths p ON p.tree = ? AND p.label = h.label
            GROUP BY p.level, p.cluster_id) counts
        WHERE tree_nodes.tree = ? AND tree_nodes.level = counts.level
          AND tree_nodes.cluster_id = counts.cluster_id""", [tree, tree])


def make_namer(cfg: TaxonomyConfig, tree: str, client: LLMClient):
    if cfg.naming == "extractive" or client is None:
        return ExtractiveNamer(tree)
    return LLMNamer(client, tree)


def tree_summary(h: Hierarchy) -> dict[str, Any]:
    return {"sizes": h.sizes, "targets": h.targets,
            **{k: v for k, v in h.stats.items() if k != "levels"}}


ProgressFn = Callable[[str], None]
