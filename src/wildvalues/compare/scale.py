"""One scale for two studies: the same value tree and the same extractor, or a clear account of what differs.

The scale is study A's value tree. Study B's labels take, in order:

1. A's path for a label A already placed (the same string: same leaf, same category);
2. B's own path when both trees are the same (equal fingerprints of the upper levels: e.g. both mapped
   onto the paper's frozen tree);
3. otherwise the category of A's most similar leaf label (cosine of sentence embeddings >= the floor),
   else ``unmapped`` — B's values are assigned to A's tree, never rebuilt.

The extractor must match (the set of ``features.prompt_version`` x ``extractor_model`` pairs): labels
from different extractors are not on one scale, and the comparison refuses unless forced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wildvalues.compare.load import UNMAPPED, StudyView

EmbedFn = Callable[[list[str]], np.ndarray]


class ScaleMismatch(ValueError):
    """The studies are not on one scale; ``problems`` says what differs."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Scale:
    """The shared scale: label -> category for every label of either study, and how it was reached."""

    categories: pd.DataFrame  # label, cluster_id, cluster_name, how (a_path | b_path | nearest | unmapped)
    description: str
    problems: list[str] = field(default_factory=list)  # mismatches recorded under --force

    def counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.categories["how"].value_counts().items()}


def check_extractors(a: StudyView, b: StudyView) -> list[str]:
    problems = []
    if set(a.extractors) != set(b.extractors):
        only_a = sorted(set(a.extractors) - set(b.extractors))
        only_b = sorted(set(b.extractors) - set(a.extractors))
        problems.append(
            f"extractor differs: only in {a.name}: {_fmt(only_a)}; only in {b.name}: {_fmt(only_b)} "
            "(prompt_version x extractor_model of features)"
        )
    if len(a.extractors) > 1:
        problems.append(f"{a.name} mixes {len(a.extractors)} extractor versions: {_fmt(a.extractors)}")
    if a.population != b.population:
        problems.append(f"populations differ: {a.population} vs {b.population}")
    return problems


def _fmt(pairs) -> str:
    return ", ".join(f"{v} / {m}" for v, m in pairs) or "-"


def nearest_categories(
    labels: list[str], reference: pd.DataFrame, embed_fn: EmbedFn, min_similarity: float
) -> pd.DataFrame:
    """Each label -> the category of its most similar reference label (cosine >= floor) or ``unmapped``."""
    if not labels:
        return pd.DataFrame(columns=["label", "cluster_id", "cluster_name", "how", "similarity"])
    if reference.empty:
        sims = np.zeros((len(labels), 1))
        best = np.zeros(len(labels), int)
    else:
        ref_vectors = np.asarray(embed_fn(reference["label"].tolist()), float)
        vectors = np.asarray(embed_fn(labels), float)
        ref_vectors /= np.linalg.norm(ref_vectors, axis=1, keepdims=True) + 1e-12
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
        sims = vectors @ ref_vectors.T
        best = np.argmax(sims, axis=1)
    score = sims[np.arange(len(labels)), best]
    ok = (score >= min_similarity) & (not reference.empty)
    ref = reference.reset_index(drop=True)
    return pd.DataFrame(
        {
            "label": labels,
            "cluster_id": np.where(
                ok, ref["cluster_id"].to_numpy()[best] if len(ref) else UNMAPPED, UNMAPPED
            ),
            "cluster_name": np.where(
                ok, ref["cluster_name"].to_numpy()[best] if len(ref) else UNMAPPED, UNMAPPED
            ),
            "how": np.where(ok, "nearest", UNMAPPED),
            "similarity": score,
        }
    )


def build_scale(
    a: StudyView,
    b: StudyView,
    *,
    embed_fn: EmbedFn | None = None,
    min_similarity: float = 0.6,
    force: bool = False,
) -> Scale:
    """The shared scale, or :class:`ScaleMismatch` naming every difference (recorded with ``force``)."""
    problems = check_extractors(a, b)
    if a.tree_fingerprint is None:
        problems.append(
            f"{a.name} has no value tree (run `wildvalues taxonomy frozen` or `taxonomy build`): "
            "values and response types can be compared, categories cannot"
        )
    if problems and not force:
        raise ScaleMismatch(problems)
    a_paths = a.paths[["label", "cluster_id", "cluster_name"]].drop_duplicates("label")
    a_paths = a_paths.assign(how="a_path", similarity=1.0)
    labels = sorted(set(a.labels["label"]) | set(b.labels["label"]))
    known = set(a_paths["label"])
    rest = [label for label in labels if label not in known]
    same_tree = a.tree_fingerprint is not None and a.tree_fingerprint == b.tree_fingerprint
    frames = [a_paths[a_paths["label"].isin(labels)]]
    if same_tree:
        b_paths = b.paths[b.paths["label"].isin(rest)].drop_duplicates("label")
        frames.append(b_paths[["label", "cluster_id", "cluster_name"]].assign(how="b_path", similarity=1.0))
        rest = [label for label in rest if label not in set(b_paths["label"])]
        description = (
            f"the same value tree in both studies ({a.tree_source}, fingerprint {a.tree_fingerprint})"
        )
    elif a.tree_fingerprint is None:
        description = "no value tree: categories not compared"
    else:
        description = (
            f"{a.name}'s value tree ({a.tree_source}, fingerprint {a.tree_fingerprint}); "
            f"{b.name}'s values assigned to it by nearest leaf (cosine >= {min_similarity}), "
            "not rebuilt"
        )
    if rest and a.tree_fingerprint is not None and not same_tree:
        if embed_fn is None:
            raise ValueError("the trees differ and no embedding function was given to assign B's values")
        frames.append(nearest_categories(rest, a_paths, embed_fn, min_similarity))
    elif rest:
        frames.append(
            pd.DataFrame(
                {
                    "label": rest,
                    "cluster_id": UNMAPPED,
                    "cluster_name": UNMAPPED,
                    "how": UNMAPPED,
                    "similarity": np.nan,
                }
            )
        )
    categories = (
        pd.concat([f for f in frames if not f.empty], ignore_index=True)
        if any(not f.empty for f in frames)
        else pd.DataFrame(columns=["label", "cluster_id", "cluster_name", "how"])
    )
    return Scale(categories, description, problems if force else [])
