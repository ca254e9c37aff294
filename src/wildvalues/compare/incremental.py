"""Incremental studies: newly extracted value labels go into the existing tree, never rebuilt.

After ``ingest`` (de-duplicates by content hash) and ``extract`` (skips conversations already extracted
with the same version) of new conversations, ``wildvalues taxonomy assign`` gives every label that
``label_paths`` does not hold yet a path in the tree as it stands:

* a tree from ``taxonomy frozen``: the same mapping frozen mode applies (exact leaf name, else nearest
  reference leaf with cosine >= the floor, else ``unmapped``), against the reference file that run used —
  so the result equals a full re-run for these labels;
* a built tree: the path of the most similar label already in the tree (cosine >= the floor), else
  ``unmapped`` at every level.

Existing rows are untouched: the tree's upper levels, and so its fingerprint (recorded in every run's
``versions``), stay the same; the run's counts say how many labels went where.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from wildvalues.compare.load import tree_fingerprint
from wildvalues.taxonomy.frozen import is_unmapped, unmapped_id

# the released columns of tree_nodes (the grounding columns stay NULL)
NODE_INSERT = ("INSERT INTO tree_nodes (tree, cluster_id, name, description, level, parent_cluster_id, "
               "pct_total_occurrences, n_conversations, run_id) VALUES ")

EmbedFn = Callable[[list[str]], np.ndarray]
VALUE_COLUMNS = {"ai_values": "ai_values", "human_values": "human_values"}


def new_labels(ws, tree: str) -> list[str]:
    """Labels of ``features`` (lower-cased, trimmed) with no row in ``label_paths`` for ``tree``."""
    column = VALUE_COLUMNS[tree]
    rows = ws.con.execute(
        f"""
        SELECT DISTINCT label FROM (SELECT lower(trim(unnest({column}))) AS label FROM features)
        WHERE label IS NOT NULL AND label <> ''
          AND label NOT IN (SELECT label FROM label_paths WHERE tree = ?) ORDER BY label""",
        [tree],
    ).fetchall()
    return [r[0] for r in rows]


def nearest_paths(
    labels: list[str], existing: dict[str, list[tuple[str, str]]], embed_fn: EmbedFn, min_similarity: float
) -> dict[str, tuple[str, float, list[tuple[str, str]]]]:
    """label -> (how, similarity, [(cluster_id, cluster_name) per level 1..top]) of the nearest old label."""
    if not labels:
        return {}
    depth = max((len(p) for p in existing.values()), default=0)
    unmapped = [(unmapped_id(level, depth), "Unmapped") for level in range(1, depth + 1)]
    if not existing:
        return {label: ("unmapped", 0.0, unmapped) for label in labels}
    names = sorted(existing)
    old = np.asarray(embed_fn(names), float)
    new = np.asarray(embed_fn(labels), float)
    old /= np.linalg.norm(old, axis=1, keepdims=True) + 1e-12
    new /= np.linalg.norm(new, axis=1, keepdims=True) + 1e-12
    sims = new @ old.T
    best = sims.argmax(1)
    out = {}
    for i, label in enumerate(labels):
        score = float(sims[i, best[i]])
        if score >= min_similarity:
            out[label] = ("nearest", score, existing[names[best[i]]])
        else:
            out[label] = ("unmapped", score, unmapped)
    return out


def _existing_paths(ws, tree: str) -> dict[str, list[tuple[str, str]]]:
    rows = ws.con.execute(
        "SELECT label, level, cluster_id, coalesce(cluster_name, cluster_id) FROM label_paths "
        "WHERE tree = ? AND level > 0 ORDER BY label, level",
        [tree],
    ).fetchall()
    paths: dict[str, list[tuple[str, str]]] = {}
    for label, _level, cid, name in rows:
        paths.setdefault(label, []).append((cid, name))
    return paths


def _frozen_reference(ws) -> str | None:
    rows = ws.con.execute(
        "SELECT command, args FROM runs WHERE command IN ('taxonomy frozen', 'taxonomy build') "
        "AND status = 'ok' "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchall()
    if rows and rows[0][0] == "taxonomy frozen":
        return json.loads(rows[0][1] or "{}").get("reference")
    return None


def assign_new_labels(
    ws, cfg, *, trees: list[str] | None = None, embed_fn: EmbedFn | None = None
) -> dict[str, Any]:
    """Add ``label_paths`` (and leaf ``tree_nodes``) rows for labels the tree has not seen; record a run."""
    from wildvalues.taxonomy.store import _fill_conversation_counts

    if not ws.has_table("label_paths") or not ws.has_table("tree_nodes"):
        raise LookupError(
            f"{ws.db_path}: no tree yet; run `wildvalues taxonomy frozen` or `taxonomy build` "
            "once before assigning new values to it"
        )
    if embed_fn is None:
        from wildvalues.embed import encode

        def embed_fn(texts):
            return encode(list(texts), cfg.embed.model)

    floor = cfg.taxonomy.frozen_min_similarity
    trees = trees or list(VALUE_COLUMNS)
    reference = _frozen_reference(ws)
    summary: dict[str, Any] = {
        "mode": f"frozen ({reference})" if reference else "nearest existing label",
        "min_similarity": floor,
        "trees": {},
    }
    with ws.run("taxonomy assign", {"trees": trees, "reference": reference}, cfg.model_dump()) as run:
        for tree in trees:
            before = tree_fingerprint(ws.con, tree)
            labels = new_labels(ws, tree)
            existing = _existing_paths(ws, tree)
            if not existing:
                summary["trees"][tree] = {"skipped": "no tree built for it", "new_labels": len(labels)}
                continue
            if reference:
                from wildvalues.taxonomy.frozen import load_tree_csv, map_labels

                ref = load_tree_csv(__import__("pathlib").Path(reference))
                names = {cid: node.name for cid, node in ref.nodes.items()}
                placed = (
                    {
                        m.label: (
                            m.how,
                            m.similarity,
                            [(c, "Unmapped" if is_unmapped(c) else names[c]) for c in m.path],
                        )
                        for m in map_labels(labels, ref, embed_fn, floor)
                    }
                    if labels
                    else {}
                )
            else:
                placed = nearest_paths(labels, existing, embed_fn, floor)
            path_rows, node_rows = [], []
            for label, (_how, _score, path) in placed.items():
                path_rows.append((tree, label, 0, label, label))
                path_rows += [(tree, label, level, cid, name) for level, (cid, name) in enumerate(path, 1)]
                parent = path[0][0] if path else None
                node_rows.append((tree, label, label, "", 0, parent, None, None, run.run_id))
            if path_rows:
                ws.con.executemany("INSERT INTO label_paths VALUES (?, ?, ?, ?, ?)", path_rows)
                ws.con.executemany(NODE_INSERT + "(?, ?, ?, ?, ?, ?, ?, ?, ?)", node_rows)
                _fill_conversation_counts(ws, tree)
            how = [v[0] for v in placed.values()]
            summary["trees"][tree] = {
                "new_labels": len(labels),
                **{k: how.count(k) for k in ("exact", "nearest", "unmapped")},
                "taxonomy_version_before": before,
                "taxonomy_version_after": tree_fingerprint(ws.con, tree),
            }
        run.counts.update(summary)
        summary["run_id"] = run.run_id
    return summary
