"""Agreement of a built tree with the paper's released tree, next to two clustering baselines.

For each level ``l`` above the leaves, every leaf value has an ancestor in the paper's tree and one in
ours; the agreement of these two partitions of the 3,307 values is measured with normalised mutual
information (NMI) and the adjusted Rand index (ARI). Baselines on the same embeddings and at the same
level sizes: Ward agglomerative clustering (one tree, cut at each size) and flat k-means per size.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from wildvalues.taxonomy.frozen import load_tree_csv
from wildvalues.taxonomy.hierarchy import BaseItem, Hierarchy, HierarchySettings, build_hierarchy


def paper_values(folder: Path) -> dict[str, float]:
    """value -> pct_convos from ``values_frequencies.csv`` (the weights the paper's tree was built on)."""
    with open(folder / "values_frequencies.csv", newline="", encoding="utf-8") as fh:
        return {row["value"]: float(row["pct_convos"]) for row in csv.DictReader(fh)}


def ancestor_labels(h: Hierarchy, leaves: list[str]) -> dict[int, list[str]]:
    """level -> ancestor cluster id of each leaf (in ``leaves`` order)."""
    paths = h.paths()
    depth = min(len(p) for p in paths.values())
    return {level: [paths[leaf][level] for leaf in leaves] for level in range(1, depth)}


def agreement(reference: list[str], ours: list) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {"nmi": float(normalized_mutual_info_score(reference, ours)),
            "ari": float(adjusted_rand_score(reference, ours))}


def baselines(vectors: np.ndarray, sizes: list[int], seed: int = 0) -> dict[str, dict[int, np.ndarray]]:
    """Ward tree cut at each size, and flat k-means at each size, keyed by size."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.cluster import KMeans

    ward = linkage(vectors.astype(np.float64), method="ward")
    out: dict[str, dict[int, np.ndarray]] = {"ward": {}, "kmeans": {}}
    for size in sizes:
        out["ward"][size] = fcluster(ward, t=size, criterion="maxclust")
        out["kmeans"][size] = KMeans(n_clusters=size, n_init=3, random_state=seed).fit_predict(vectors)
    return out


def validate_against_paper(folder: Path, embed_fn, namer, settings: HierarchySettings,
                           progress=None, limit: int | None = None, paper_sizes: bool = False) -> dict:
    """Build our tree over the paper's values and compare every level with the paper's and baselines'.

    ``limit`` keeps the ``limit`` most frequent values (a cheaper run); ``paper_sizes`` sets our level
    targets to the paper's realised sizes over the values kept (else the A.6 formula from
    ``settings.levels`` / ``settings.top``, or ``settings.sizes``).
    """
    weights = paper_values(folder)
    if limit:
        weights = dict(sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:limit])
    reference = load_tree_csv(folder / "values_tree.csv")
    leaves = sorted(weights)
    missing = [v for v in leaves if v not in reference.nodes]
    if missing:
        raise ValueError(f"{len(missing)} values of values_frequencies.csv are not leaves of values_tree.csv")
    if paper_sizes:
        from dataclasses import replace

        ref = ancestor_labels(reference, leaves)
        settings = replace(settings, sizes=[len(set(ref[level])) for level in sorted(ref)])
    vectors = embed_fn(leaves)
    ours = build_hierarchy([BaseItem(v, v, weights[v]) for v in leaves], vectors, embed_fn, namer, settings,
                           "ai_values", progress)
    ref_levels = ancestor_labels(reference, leaves)
    our_levels = ancestor_labels(ours, leaves)
    our_sizes = {level: len(set(ids)) for level, ids in our_levels.items()}
    base = baselines(vectors, sorted(set(our_sizes.values())), settings.seed)
    rows = []
    for level, ref_ids in ref_levels.items():
        if level not in our_levels:
            continue
        size = our_sizes[level]
        rows.append({"level": level, "paper_clusters": len(set(ref_ids)), "our_clusters": size,
                     "ours": agreement(ref_ids, our_levels[level]),
                     "ward": agreement(ref_ids, base["ward"][size]),
                     "kmeans": agreement(ref_ids, base["kmeans"][size])})
    return {"rows": rows, "values": len(leaves), "targets": ours.targets, "sizes": ours.sizes,
            "stats": ours.stats, "tree": ours}


def markdown_table(rows: list[dict]) -> str:
    lines = ["| level | paper clusters | our clusters | ours NMI | ours ARI | Ward NMI | Ward ARI "
             "| k-means NMI | k-means ARI |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['level']} | {r['paper_clusters']} | {r['our_clusters']} | "
                     f"{r['ours']['nmi']:.3f} | {r['ours']['ari']:.3f} | {r['ward']['nmi']:.3f} | "
                     f"{r['ward']['ari']:.3f} | {r['kmeans']['nmi']:.3f} | {r['kmeans']['ari']:.3f} |")
    return "\n".join(lines)
