"""Grounded names: an LLM-written cluster name reaches the tree only if it describes what it groups.

A name is *grounded* when its embedding is

* close to the centroid of its members' names: cosine >= ``floor``, and
* not clearly closer to another cluster of the same level: cosine to its own centroid >= cosine to the
  best other centroid - ``margin``.

A name that fails either test is replaced by the label of its most central member (the member closest
to the members' centroid) and its LLM description by a plain list of members; the node records what
it was called, the cosine and why it was replaced (``Node.name_check``).

The rule was chosen on the paper's released tree (``values_tree.csv``, 297 named parents at levels
1-3), where every true parent name is known, against *planted* names (for each parent, the name of a
parent of the same level from another top-level branch; at the top, another top-level name; seeded).
``bench/grounding.py floor`` prints the grid (docs/grounded-names.md); at floor 0.35, margin 0.15:

=================== ======================== ==========================
model               true names that pass     planted names that fail
=================== ======================== ==========================
all-MiniLM-L6-v2    295 / 297 (99.3%)        293 / 297 (98.7%)
all-mpnet-base-v2   295 / 297 (99.3%)        295 / 297 (99.3%)
=================== ======================== ==========================

The floor alone (no margin) rejects only 80-83% of planted names at 0.35; the margin does most of the
work on the paper's abstract names, the floor catches names unrelated to every category.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from wildvalues.taxonomy.hierarchy import Hierarchy, Node

EmbedFn = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class GroundingRule:
    floor: float  # least cosine between a name and its members' centroid
    margin: float  # how much closer another cluster's centroid may be


# Chosen on the paper's tree (docs/grounding.md); any other model gets DEFAULT_RULE.
GROUNDING_RULES: dict[str, GroundingRule] = {
    "all-MiniLM-L6-v2": GroundingRule(0.35, 0.15),
    "all-mpnet-base-v2": GroundingRule(0.35, 0.15),
}
DEFAULT_RULE = GroundingRule(0.35, 0.15)


def rule_for(model: str, floor: float | None = None, margin: float | None = None) -> GroundingRule:
    """The measured rule of ``model`` (short or ``org/name``), with explicit overrides."""
    base = GROUNDING_RULES.get(model.rsplit("/", 1)[-1], DEFAULT_RULE)
    return GroundingRule(base.floor if floor is None else floor, base.margin if margin is None else margin)


@dataclass
class NameCheck:
    name: str
    similarity: float  # cosine of the name with its members' centroid
    best_other: float  # cosine of the name with the closest other centroid (-1 when none)
    passed: bool
    central_member: str  # the fallback: the member closest to the centroid
    reason: str


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def check_names(names: Sequence[str], members: Sequence[Sequence[str]], embed_fn: EmbedFn,
                rule: GroundingRule) -> list[NameCheck]:
    """Check each ``names[i]`` against ``members[i]`` (the labels it groups), siblings as contrast.

    All groups are taken to be one level of a tree: a name is also compared with the other groups'
    centroids.
    """
    if len(names) != len(members):
        raise ValueError(f"{len(names)} names for {len(members)} member lists")
    if not names:
        return []
    if any(not m for m in members):
        raise ValueError("every name needs at least one member")
    distinct = sorted({*names, *(label for group in members for label in group)})
    vectors = dict(zip(distinct, _unit(np.asarray(embed_fn(distinct), dtype=np.float64)), strict=True))
    centroids = _unit(np.stack([np.mean([vectors[m] for m in group], axis=0) for group in members]))
    name_vectors = np.stack([vectors[n] for n in names])
    sims = name_vectors @ centroids.T
    checks = []
    for i, (name, group) in enumerate(zip(names, members, strict=True)):
        own = float(sims[i, i])
        others = np.delete(sims[i], i)
        best_other = float(others.max()) if len(others) else -1.0
        member_sims = np.stack([vectors[m] for m in group]) @ centroids[i]
        central = group[int(np.argmax(member_sims))]
        if own < rule.floor:
            reason = f"cosine {own:.2f} to its members' centroid is below the floor {rule.floor:.2f}"
        elif own < best_other - rule.margin:
            reason = (f"cosine {own:.2f} to its members' centroid but {best_other:.2f} to another "
                      f"category's (margin {rule.margin:.2f})")
        else:
            reason = ""
        checks.append(NameCheck(name, own, best_other, not reason, central, reason))
    return checks


def ground_hierarchy(h: Hierarchy, embed_fn: EmbedFn, rule: GroundingRule,
                     sources: frozenset[str] = frozenset({"llm"})) -> dict:
    """Check, level by level from the bottom, every name whose ``name_source`` is in ``sources``.

    A failing name is replaced in place (name, description) by its most central child's; every checked
    node gets ``name_similarity`` and ``name_check``. Returns counts and the replacements made.
    """
    top = max(n.level for n in h.nodes.values())
    replaced: list[dict] = []
    checked = 0
    for level in range(1, top + 1):
        parents = [p for p in h.level(level) if p.children]
        if not parents:
            continue
        child_names = [[h.nodes[c].name for c in sorted(p.children)] for p in parents]
        checks = check_names([p.name for p in parents], child_names, embed_fn, rule)
        for parent, check, kids in zip(parents, checks, child_names, strict=True):
            if parent.name_source not in sources or parent.name in kids:
                continue
            checked += 1
            parent.name_similarity = round(check.similarity, 4)
            if check.passed:
                parent.name_check = (f"kept: cosine {check.similarity:.2f} to its members' centroid "
                                     f"(floor {rule.floor:.2f})")
                continue
            parent.name_check = (f"replaced {check.name!r}: {check.reason}; named after its most central "
                                 f"member")
            replaced.append({"cluster_id": parent.cluster_id, "level": level, "name": check.name,
                             "replaced_by": check.central_member, "similarity": round(check.similarity, 4),
                             "best_other": round(check.best_other, 4)})
            _rename_to_member(parent, check.central_member, kids)
    return {"floor": rule.floor, "margin": rule.margin, "checked": checked, "replaced": replaced}


def _rename_to_member(node: Node, member: str, kids: list[str]) -> None:
    node.name = member
    node.name_source = "member"
    shown = "; ".join(kids[:6]) + (" and more" if len(kids) > 6 else "")
    node.description = f"Includes {shown}."


def ground_names(names: list, members: list[list[str]], embed_fn: EmbedFn, rule: GroundingRule,
                 fallback: Callable[[list[str]], object]) -> tuple[list, int]:
    """Check the non-None ``names`` (Proposals) against ``members``; a failing one becomes
    ``fallback(members)``. Returns the names and how many were replaced."""
    judged = [(i, n) for i, n in enumerate(names) if n is not None]
    if not judged:
        return list(names), 0
    checks = check_names([n.name for _, n in judged], [members[i] for i, _ in judged], embed_fn, rule)
    out, replaced = list(names), 0
    for (i, _), check in zip(judged, checks, strict=True):
        if not check.passed:
            out[i] = fallback(members[i])
            replaced += 1
    return out, replaced
