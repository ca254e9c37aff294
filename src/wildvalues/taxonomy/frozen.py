"""Frozen mode: place new labels into an existing tree instead of building one.

By default the tree is the paper's released AI-values taxonomy (``values_tree.csv`` of the Hugging Face
dataset ``Anthropic/values-in-the-wild``, CC BY 4.0, Huang, Durmus et al. 2025). It is not shipped with
wildvalues; point ``taxonomy.reference_tree`` (or ``$WILDVALUES_REFERENCE_TREE``) at a copy.

A label found verbatim (case-insensitive) among the tree's leaves takes that leaf's ancestors. Any
other label is embedded and takes the ancestors of its most similar leaf when the cosine similarity is
at least ``min_similarity``; below the floor it goes to the explicit ``unmapped`` bucket at every level.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wildvalues.taxonomy.hierarchy import EmbedFn, Hierarchy, Node

UNMAPPED = "unmapped"


def unmapped_id(level: int, depth: int) -> str:
    """The unmapped bucket's id at ``level`` of a ``depth``-level chain: ``unmapped`` at the top,
    ``unmapped@L`` below (ids stay unique across levels)."""
    return UNMAPPED if level == depth else f"{UNMAPPED}@{level}"


def is_unmapped(cluster_id: str) -> bool:
    return cluster_id == UNMAPPED or cluster_id.startswith(f"{UNMAPPED}@")
DEFAULT_REFERENCE = "../shared/data/values-in-the-wild/values_tree.csv"


class TreeFileError(ValueError):
    """A tree file that cannot be read; the message names the file, line and problem."""


def resolve_reference_tree(configured: str | None = None) -> Path:
    """``configured`` path, else ``$WILDVALUES_REFERENCE_TREE``, else the released file (``reference.py``)."""
    from wildvalues.taxonomy.reference import find_released_file

    lookup = find_released_file("values_tree.csv", configured or None)
    if lookup.path is None:
        raise TreeFileError(
            "no reference tree found: download values_tree.csv from the Hugging Face dataset "
            "Anthropic/values-in-the-wild (CC BY 4.0) and set taxonomy.reference_tree or "
            f"WILDVALUES_REFERENCE_TREE to its path (looked for {DEFAULT_REFERENCE}; "
            + "; ".join(lookup.notes) + ")")
    return lookup.path


def load_tree_csv(path: Path, tree: str = "ai_values") -> Hierarchy:
    """Read a tree in the released schema (cluster_id, description, name, level, parent_cluster_id, ...)."""
    nodes: dict[str, Node] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"cluster_id", "name", "level", "parent_cluster_id"} - set(reader.fieldnames or [])
        if missing:
            raise TreeFileError(f"{path}: line 1: missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            line = reader.line_num
            try:
                level = int(row["level"])
                weight = float(row.get("pct_total_occurrences") or 0.0)
            except ValueError as exc:
                raise TreeFileError(f"{path}: line {line}: {exc}") from None
            cid = row["cluster_id"]
            if cid in nodes:
                raise TreeFileError(f"{path}: line {line}: duplicate cluster_id {cid!r}")
            nodes[cid] = Node(cid, row["name"], row.get("description") or "", level, weight,
                              parent=row["parent_cluster_id"] or None)
    for node in nodes.values():
        if node.parent is not None:
            if node.parent not in nodes:
                raise TreeFileError(f"{path}: node {node.cluster_id!r} has unknown parent {node.parent!r}")
            nodes[node.parent].children.append(node.cluster_id)
    top = max(n.level for n in nodes.values())
    targets = [sum(1 for n in nodes.values() if n.level == lv) for lv in range(top + 1)]
    return Hierarchy(tree, nodes, targets, {"source": str(path)})


@dataclass
class FrozenMapping:
    label: str
    leaf: str | None  # the reference leaf it was matched to (None = unmapped)
    similarity: float
    how: str  # exact | nearest | unmapped
    path: list[str]  # ancestor cluster_ids at levels 1..top ('unmapped' when unmatched)


def map_labels(labels: list[str], reference: Hierarchy, embed_fn: EmbedFn,
               min_similarity: float = 0.6) -> list[FrozenMapping]:
    leaves = reference.level(0)
    by_name = {leaf.name.strip().lower(): leaf for leaf in leaves}
    paths = reference.paths()
    depth = max(len(p) for p in paths.values()) - 1
    labels = sorted(set(labels))
    out: dict[str, FrozenMapping] = {}
    pending = []
    for label in labels:
        leaf = by_name.get(label.strip().lower())
        if leaf is not None:
            out[label] = FrozenMapping(label, leaf.cluster_id, 1.0, "exact", paths[leaf.cluster_id][1:])
        else:
            pending.append(label)
    if pending:
        leaf_vectors = embed_fn([leaf.name for leaf in leaves])
        sims = embed_fn(pending) @ leaf_vectors.T
        best = np.argmax(sims, axis=1)
        for row, label in enumerate(pending):
            score = float(sims[row, best[row]])
            if score >= min_similarity:
                leaf = leaves[best[row]]
                path = paths[leaf.cluster_id][1:]
                out[label] = FrozenMapping(label, leaf.cluster_id, score, "nearest", path)
            else:
                out[label] = FrozenMapping(label, None, score, "unmapped",
                                           [unmapped_id(level, depth) for level in range(1, depth + 1)])
    return [out[label] for label in labels]


def frozen_hierarchy(mappings: list[FrozenMapping], weights: dict[str, float], reference: Hierarchy,
                     tree: str) -> Hierarchy:
    """The reference tree's upper levels with the new labels as leaves (plus an ``unmapped`` chain)."""
    nodes = {cid: Node(n.cluster_id, n.name, n.description, n.level, 0.0, n.parent, name_source="reference")
             for cid, n in reference.nodes.items() if n.level > 0}
    depth = max((len(m.path) for m in mappings), default=0)
    if any(m.how == "unmapped" for m in mappings):
        for level in range(1, depth + 1):
            cid = unmapped_id(level, depth)
            nodes.setdefault(cid, Node(cid, "Unmapped", "Labels with no close match in the reference tree",
                                       level, 0.0, None if level == depth else unmapped_id(level + 1, depth)))
    for m in mappings:
        parent = m.path[0] if m.path else None
        nodes[m.label] = Node(m.label, m.label, "", 0, weights.get(m.label, 0.0), parent)
        for cid in m.path:
            nodes[cid].weight += weights.get(m.label, 0.0)
    # reference categories no label reached are left out: they would only count as withheld in a report
    nodes = {key: node for key, node in nodes.items() if node.level == 0 or node.weight > 0}
    return Hierarchy(tree, nodes, [], {"frozen_from": reference.stats.get("source", "")})
