"""Clio's hierarchizer (paper Appendix A.6), built to be cheap on a small local model.

For each level above the leaves, with a target size from :func:`level_sizes`:

1. **neighbourhoods** - k-means over the children's embeddings (about ``neighbourhood_size`` children
   each);
2. **propose** - per neighbourhood, the LLM suggests parent categories from its members, shown
   together with the nearest children of *other* neighbourhoods as contrast (one call per
   neighbourhood); missing proposals are filled with k-means centroids named extractively;
3. **de-duplicate** - proposals from all neighbourhoods are merged by embedding (average-linkage
   cosine clustering) down to the target size, keeping the most central proposal of each group;
4. **assign** - every child goes to its most similar proposal; children whose best and second-best
   proposals are within ``assign_margin`` cosine are ambiguous and are decided by the LLM in batches,
   the candidate letters shuffled with a seeded RNG (order bias), most ambiguous first, within the
   call budget;
5. **rename** - each parent that received children is renamed from those children (several parents
   per call); parents left empty are dropped.

The call budget is ``ceil(calls_per_leaf * n_leaves)`` for the whole tree (default one call per ten
leaves); proposing and renaming are planned first and assignment uses what is left. Inputs are sorted
canonically and every random choice is seeded, so a seed gives one tree whatever the input order.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from wildvalues.taxonomy.levels import level_sizes
from wildvalues.taxonomy.naming import ExtractiveNamer, Proposal, extractive_name

EmbedFn = Callable[[list[str]], np.ndarray]
ProgressFn = Callable[[str], None]


@dataclass
class Node:
    cluster_id: str
    name: str
    description: str
    level: int
    weight: float
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    name_source: str = ""  # llm | extractive | member | keywords | reference ('' = a leaf's own label)
    name_similarity: float | None = None  # cosine of the name with its members' centroid (grounding)
    name_check: str = ""  # what the grounding check decided, and why


@dataclass
class BaseItem:
    key: str  # cluster_id of the leaf (the label itself for values)
    name: str
    weight: float
    description: str = ""


@dataclass
class HierarchySettings:
    levels: int = 4
    top: int = 5
    sizes: list[int] | None = None  # explicit targets above the leaves (overrides levels/top)
    seed: int = 0
    neighbourhood_size: int = 60
    contrast_size: int = 8
    max_prompt_items: int = 60
    assign_margin: float = 0.04
    assign_batch: int = 20
    max_candidates: int = 8
    rename_batch: int = 8
    rename_children: int = 20
    calls_per_leaf: float = 0.1
    name_weight: float = 0.5  # parent vector = blend of its name embedding and its children's centroid


@dataclass
class Hierarchy:
    tree: str
    nodes: dict[str, Node]
    targets: list[int]
    stats: dict

    def level(self, level: int) -> list[Node]:
        return sorted((n for n in self.nodes.values() if n.level == level), key=lambda n: n.cluster_id)

    @property
    def sizes(self) -> list[int]:
        top = max(n.level for n in self.nodes.values())
        return [len(self.level(lv)) for lv in range(top + 1)]

    def paths(self) -> dict[str, list[str]]:
        """Leaf id -> [leaf id, parent id, grandparent id, ...] up to the top level."""
        out = {}
        for leaf in self.level(0):
            chain, node = [leaf.cluster_id], leaf
            while node.parent is not None:
                node = self.nodes[node.parent]
                chain.append(node.cluster_id)
            out[leaf.cluster_id] = chain
        return out


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def _cluster_id(tree: str, level: int, leaves: Sequence[str]) -> str:
    digest = hashlib.sha1("\x1f".join(sorted(leaves)).encode("utf-8")).hexdigest()[:12]
    return f"{tree}:l{level}:{digest}"


def _kmeans(vectors: np.ndarray, k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    k = max(1, min(k, len(vectors)))
    if k == 1:
        return np.zeros(len(vectors), dtype=int)
    return KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(vectors)


def pii_free(texts: list[str]) -> list[bool]:
    """Whether each LLM-written name/description is free of PII (the privacy stage's post-LLM check)."""
    if not texts:
        return []
    try:
        from wildvalues.privacy.leaks import find_pii_many
    except ImportError:  # the privacy extra is optional; labels were already checked at extraction
        return [True] * len(texts)
    return [not kinds for kinds in find_pii_many(texts)]


def names_pii_free(named: Sequence[Proposal]) -> list[bool]:
    """``pii_free`` of each LLM-written name and its description, checked as separate texts.

    Joined into one text, a Title Case name at the start of a sentence ("Artistic Expression. The
    process of ...") reads to the name recogniser as a person's name: on the 3,307-value bench that
    rejected 84 of 315 proposals, shrank level 1 from 266 to 206 parents and left extractive names.
    """
    flags = pii_free([p.name for p in named] + [p.description for p in named])
    return [flags[i] and flags[len(named) + i] for i in range(len(named))]


class _Budget:
    def __init__(self, total: int) -> None:
        self.total, self.used = total, 0

    def left(self) -> int:
        return max(0, self.total - self.used)


def build_hierarchy(items: Sequence[BaseItem], vectors: np.ndarray, embed_fn: EmbedFn, namer=None,
                    settings: HierarchySettings | None = None, tree: str = "ai_values",
                    progress: ProgressFn | None = None) -> Hierarchy:
    """Build the tree above ``items`` (leaves; ``vectors`` their unit embeddings, same order)."""
    settings = settings or HierarchySettings()
    namer = namer or ExtractiveNamer(tree)
    order = sorted(range(len(items)), key=lambda i: items[i].key)  # canonical order
    items = [items[i] for i in order]
    vectors = _unit(np.asarray(vectors, dtype=np.float32)[order])
    if len({it.key for it in items}) != len(items):
        raise ValueError("leaf keys must be distinct")
    n_leaves = len(items)
    targets = ([n_leaves, *settings.sizes] if settings.sizes
               else level_sizes(n_leaves, settings.top, settings.levels))
    nodes = {it.key: Node(it.key, it.name, it.description, 0, it.weight) for it in items}
    budget = _Budget(math.ceil(settings.calls_per_leaf * n_leaves))
    settings = _fit_to_budget(settings, targets, budget.total)
    stats: dict = {"levels": [], "call_budget": budget.total}
    current = [nodes[it.key] for it in items]
    leaves_of = {it.key: [it.key] for it in items}
    for level in range(1, len(targets)):
        if len(current) == 1:  # one cluster left: carry it up so every leaf has an ancestor at every level
            child = current[0]
            parent = Node(_cluster_id(tree, level, leaves_of[child.cluster_id]), child.name,
                          child.description, level, child.weight, children=[child.cluster_id],
                          name_source=child.name_source or "member")
            leaves_of[parent.cluster_id] = leaves_of[child.cluster_id]
            child.parent = parent.cluster_id
            nodes[parent.cluster_id] = parent
            current = [parent]
            stats["levels"].append({"level": level, "target": targets[level], "children": 1, "parents": 1})
            continue
        future = sum(_planned_calls(targets[lv - 1], targets[lv], settings) for lv in range(level + 1,
                                                                                             len(targets)))
        parents, level_stats = _build_level(current, vectors, targets[level], level, tree, embed_fn, namer,
                                            settings, budget, future, leaves_of, progress)
        for parent, members in parents:
            nodes[parent.cluster_id] = parent
            for child in members:
                nodes[child].parent = parent.cluster_id
        current = [p for p, _ in parents]
        vectors = level_stats.pop("_vectors")
        stats["levels"].append(level_stats)
    stats["llm_calls_planned"] = budget.used
    stats.update({f"namer_{k}": v for k, v in vars(namer.stats).items()})
    return Hierarchy(tree, nodes, targets, stats)


def _planned_calls(n_children: int, n_parents: int, s: HierarchySettings) -> int:
    return math.ceil(n_children / s.neighbourhood_size) + math.ceil(n_parents / s.rename_batch)


def _fit_to_budget(s: HierarchySettings, targets: list[int], budget: int) -> HierarchySettings:
    """Grow neighbourhoods and rename batches until proposing + renaming fit 60% of the budget."""
    from dataclasses import replace

    for _ in range(8):
        planned = sum(_planned_calls(targets[lv - 1], targets[lv], s) for lv in range(1, len(targets)))
        if planned <= 0.6 * budget or (s.neighbourhood_size >= 150 and s.rename_batch >= 15):
            break
        s = replace(s, neighbourhood_size=min(150, math.ceil(s.neighbourhood_size * 1.5)),
                    rename_batch=min(15, math.ceil(s.rename_batch * 1.5)))
    return s


def _build_level(children: list[Node], vectors: np.ndarray, target: int, level: int, tree: str,
                 embed_fn: EmbedFn, namer, s: HierarchySettings, budget: _Budget, future_calls: int,
                 leaves_of: dict[str, list[str]], progress: ProgressFn | None):
    rng = np.random.default_rng([s.seed, level])
    uses_llm = not isinstance(namer, ExtractiveNamer)
    n = len(children)
    neighbourhood = _kmeans(vectors, math.ceil(n / s.neighbourhood_size), s.seed + level)
    groups = [np.flatnonzero(neighbourhood == j) for j in range(neighbourhood.max() + 1)]
    groups = [g for g in groups if len(g)]

    # 2. propose
    if progress:
        progress(f"level {level}: proposing parents over {len(groups)} neighbourhoods")
    by_weight = lambda idx: sorted(idx, key=lambda i: (-children[i].weight, children[i].name))  # noqa: E731
    asks = []
    for g in groups:
        centroid = _unit(vectors[g].mean(axis=0))
        outside = np.setdiff1d(np.arange(n), g)
        contrast = outside[np.argsort(-(vectors[outside] @ centroid), kind="stable")[: s.contrast_size]]
        wanted = max(1, math.ceil(target * len(g) / n))
        asks.append(([children[i].name for i in by_weight(g)[: s.max_prompt_items]],
                     [children[i].name for i in contrast], wanted))
    rename_calls = math.ceil(target / s.rename_batch) if uses_llm else 0
    if uses_llm and budget.left() >= len(asks) + rename_calls + future_calls:
        proposed = namer.propose(asks)
        budget.used += len(asks)
    else:  # no budget left for proposals at this level: k-means centroids stand in
        proposed = [[] for _ in asks]
    cand_names: list[Proposal] = []
    cand_vectors: list[np.ndarray] = []
    flags = iter(names_pii_free([p for props in proposed for p in props]))
    proposed = [[p for p in props if next(flags)] for props in proposed]  # a rejected one is refilled below
    llm_props = [p for props in proposed for p in props]
    if llm_props:
        cand_names.extend(llm_props)
        cand_vectors.extend(embed_fn([f"{p.name}: {p.description}" for p in llm_props]))
    for g, props, (_, _, wanted) in zip(groups, proposed, asks, strict=True):
        missing = wanted - len(props)
        if missing <= 0:
            continue
        sub = _kmeans(vectors[g], missing, s.seed + level)
        for j in range(sub.max() + 1):
            members = g[sub == j]
            cand_names.append(extractive_name([children[i].name for i in by_weight(members)]))
            cand_vectors.append(_unit(vectors[members].mean(axis=0)))
    cand_matrix = _unit(np.stack(cand_vectors))

    # 3. de-duplicate proposals down to the target size
    keep = _deduplicate(cand_matrix, target)
    proposals = [cand_names[i] for i in keep]
    prop_matrix = cand_matrix[keep]

    # 4. assign: embeddings decide the clear cases, the LLM the ambiguous ones within the budget
    sims = vectors @ prop_matrix.T
    ranked = np.argsort(-sims, axis=1, kind="stable")
    choice = ranked[:, 0].copy()
    margin = sims[np.arange(n), ranked[:, 0]] - (sims[np.arange(n), ranked[:, 1]] if sims.shape[1] > 1
                                                   else -np.inf)
    assign_calls = max(0, budget.left() - future_calls - rename_calls) if uses_llm else 0
    ambiguous = [i for i in np.argsort(margin, kind="stable") if margin[i] < s.assign_margin]
    ambiguous = ambiguous[: assign_calls * s.assign_batch]
    llm_decided = 0
    if ambiguous and prop_matrix.shape[0] > 1:
        ambiguous.sort(key=lambda i: (neighbourhood[i], children[i].cluster_id))
        if progress:
            progress(f"level {level}: asking about {len(ambiguous)} ambiguous children")
        batches, candidate_lists = [], []
        for start in range(0, len(ambiguous), s.assign_batch):
            batch = ambiguous[start:start + s.assign_batch]
            pool: dict[int, float] = {}
            for i in batch:
                for p in ranked[i, :3]:
                    pool[int(p)] = max(pool.get(int(p), -1.0), float(sims[i, p]))
            cands = sorted(pool, key=lambda p: -pool[p])[: s.max_candidates]
            cands = [cands[j] for j in rng.permutation(len(cands))]
            candidate_lists.append(cands)
            batches.append(([children[i].name for i in batch],
                            [f"{proposals[p].name}: {proposals[p].description}" for p in cands]))
        answers = namer.assign(batches)
        budget.used += len(batches)
        for start, cands, picked in zip(range(0, len(ambiguous), s.assign_batch), candidate_lists, answers,
                                        strict=True):
            for i, letter in zip(ambiguous[start:start + s.assign_batch], picked, strict=True):
                if letter is not None:
                    choice[i] = cands[letter]
                    llm_decided += 1

    _keep_target_parents(choice, sims, min(target, n))

    # 5. drop empty parents, rename the rest from what they received
    members_of: dict[int, list[int]] = {}
    for i, p in enumerate(choice):
        members_of.setdefault(int(p), []).append(i)
    used = sorted(members_of, key=lambda p: min(children[i].cluster_id for i in members_of[p]))
    if progress:
        progress(f"level {level}: renaming {len(used)} parents")
    child_names = [[children[i].name for i in by_weight(members_of[p])][: s.rename_children] for p in used]
    batches = [child_names[k:k + s.rename_batch] for k in range(0, len(child_names), s.rename_batch)]
    affordable = max(0, budget.left() - future_calls) if uses_llm else len(batches)
    renamed = [r for batch in namer.rename(batches[:affordable]) for r in batch]
    renamed += [None] * (len(used) - len(renamed))  # beyond the budget: keep the proposal's name
    budget.used += min(affordable, len(batches)) if uses_llm else 0
    parents, names, pii_rejected = [], [], 0
    clean = iter(names_pii_free([r for r in renamed if r is not None]))
    for p, new in zip(used, renamed, strict=True):
        member_idx = members_of[p]
        named = new or proposals[p]
        if new is not None and not next(clean):
            pii_rejected += 1
            named = extractive_name([children[i].name for i in by_weight(member_idx)])
        leaves = [leaf for i in member_idx for leaf in leaves_of[children[i].cluster_id]]
        cid = _cluster_id(tree, level, leaves)
        leaves_of[cid] = leaves
        parent = Node(cid, named.name, named.description, level,
                      float(sum(children[i].weight for i in member_idx)),
                      children=[children[i].cluster_id for i in member_idx], name_source=named.source)
        parents.append((parent, parent.children))
        names.append(f"{named.name}: {named.description}")
    centroids = np.stack([_unit(vectors[members_of[p]].mean(axis=0)) for p in used])
    if uses_llm and s.name_weight > 0:
        parent_vectors = _unit(s.name_weight * embed_fn(names) + (1 - s.name_weight) * centroids)
    else:
        parent_vectors = centroids
    level_stats = {"level": level, "target": target, "children": n, "neighbourhoods": len(groups),
                   "proposals": len(cand_names), "after_dedup": len(proposals), "parents": len(used),
                   "ambiguous_to_llm": len(ambiguous), "llm_decided": llm_decided,
                   "pii_rejected_names": pii_rejected, "_vectors": parent_vectors}
    return parents, level_stats


def _keep_target_parents(choice: np.ndarray, sims: np.ndarray, wanted: int) -> None:
    """Stop a level collapsing: while fewer than ``wanted`` proposals have children, give the unused
    proposal with the closest movable child (one whose parent keeps another child) that child."""
    while len(set(choice.tolist())) < min(wanted, sims.shape[1]):
        sizes = np.bincount(choice, minlength=sims.shape[1])
        unused = np.flatnonzero(sizes == 0)
        movable = np.flatnonzero(sizes[choice] >= 2)
        if not len(unused) or not len(movable):
            return
        block = sims[np.ix_(movable, unused)]
        row, col = np.unravel_index(int(np.argmax(block)), block.shape)
        choice[movable[row]] = unused[col]


def _deduplicate(matrix: np.ndarray, target: int) -> list[int]:
    """Indices of one representative proposal per group, grouping proposals down to ``target``."""
    if len(matrix) <= target:
        return list(range(len(matrix)))
    from sklearn.cluster import AgglomerativeClustering

    clustering = AgglomerativeClustering(n_clusters=target, metric="cosine", linkage="average")
    groups = clustering.fit_predict(matrix)
    keep = []
    for g in range(target):
        members = np.flatnonzero(groups == g)
        centre = _unit(matrix[members].mean(axis=0))
        keep.append(int(members[np.argmax(matrix[members] @ centre)]))
    return sorted(keep)
