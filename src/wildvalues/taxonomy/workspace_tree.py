"""Read a tree back from ``tree_nodes`` and write human edits to it (``taxonomy export`` / ``import``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wildvalues.stage import MissingInput
from wildvalues.taxonomy import store
from wildvalues.taxonomy.edits import apply_edits, read_edit_file
from wildvalues.taxonomy.hierarchy import Hierarchy, Node


def load_workspace_tree(ws, tree: str) -> Hierarchy:
    if not ws.has_table("tree_nodes"):
        raise MissingInput(ws.db_path, "table 'tree_nodes'", "wildvalues taxonomy build")
    rows = ws.con.execute(
        "SELECT cluster_id, name, description, level, parent_cluster_id, pct_total_occurrences "
        "FROM tree_nodes WHERE tree = ? ORDER BY level, cluster_id", [tree]).fetchall()
    if not rows:
        raise MissingInput(ws.db_path, f"nodes of tree {tree!r}", "wildvalues taxonomy build")
    nodes = {cid: Node(cid, name, desc or "", level, float(pct or 0.0), parent)
             for cid, name, desc, level, parent, pct in rows}
    if len(nodes) != len(rows):
        raise LookupError(f"tree {tree!r} has duplicate cluster ids (frozen trees cannot be edited)")
    for node in nodes.values():
        if node.parent is not None and node.parent in nodes:
            nodes[node.parent].children.append(node.cluster_id)
    return Hierarchy(tree, nodes, [], {"source": "tree_nodes"})


def import_edits(ws, tree: str, path: Path) -> dict[str, Any]:
    """Validate and apply an edit file to ``tree``; rewrite its ``tree_nodes`` and ``label_paths``."""
    current = load_workspace_tree(ws, tree)
    edited, counts = apply_edits(current, read_edit_file(path), path)
    base_of = None
    if tree == "tasks":
        base_of = dict(ws.con.execute(
            "SELECT label, cluster_id FROM label_paths WHERE tree = 'tasks' AND level = 0").fetchall())
    with ws.run("taxonomy import", {"tree": tree, "file": str(path)}) as run:
        store.write_tree(ws, tree, store.node_rows(edited, run.run_id), store.path_rows(edited, base_of))
        run.counts.update(counts)
    return {"tree": tree, "file": str(path), **counts, "sizes": edited.sizes, "run_id": run.run_id}
