"""Aggregation thresholds: nothing reaches a report or export unless enough conversations and users back it.

Defaults (``PrivacyConfig``): k = 10 conversations and, where user ids are known, u = 5 distinct users
— in the spirit of Clio's minimum cluster sizes. A value, a cluster at any level, a table cell or an example
below either threshold is suppressed, and the number (and share) suppressed is reported with the result.

Rows whose user count is missing (NULL: user ids unknown for that data) are judged on conversations only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

DEFAULT_K = 10
DEFAULT_U = 5


@dataclass(frozen=True)
class Suppression:
    """What a threshold removed: counts only, never the removed content."""

    kept: int
    suppressed: int

    @property
    def share_suppressed(self) -> float:
        total = self.kept + self.suppressed
        return self.suppressed / total if total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"kept": self.kept, "suppressed": self.suppressed,
                "share_suppressed": round(self.share_suppressed, 4)}


def passes(df: pd.DataFrame, k: int, u: int, conv_col: str = "n_conversations",
           user_col: str = "n_users") -> pd.Series:
    """Boolean mask of rows backed by >= k conversations and (when known) >= u users."""
    if conv_col not in df.columns:
        raise KeyError(f"threshold column {conv_col!r} missing; columns are {list(df.columns)}")
    ok = pd.to_numeric(df[conv_col], errors="coerce").fillna(0) >= k
    if user_col in df.columns:
        users = pd.to_numeric(df[user_col], errors="coerce")
        ok &= users.isna() | (users >= u)
    return ok


def apply_thresholds(df: pd.DataFrame, k: int = DEFAULT_K, u: int = DEFAULT_U,
                     conv_col: str = "n_conversations", user_col: str = "n_users"
                     ) -> tuple[pd.DataFrame, int]:
    """Rows that pass both thresholds, and how many rows were suppressed."""
    mask = passes(df, k, u, conv_col, user_col)
    return df[mask].reset_index(drop=True), int((~mask).sum())


def apply_tree_thresholds(nodes: pd.DataFrame, k: int = DEFAULT_K, u: int = DEFAULT_U,
                          conv_col: str = "n_conversations", user_col: str = "n_users"
                          ) -> tuple[pd.DataFrame, Suppression]:
    """Withhold every tree node below the thresholds, and every node under a withheld ancestor.

    ``nodes`` has the ``tree_nodes`` schema (tree, cluster_id, parent_cluster_id, level, n_conversations,
    optionally n_users). A child of a withheld parent is withheld too, so the shown tree stays connected.
    """
    ok = passes(nodes, k, u, conv_col, user_col)
    tree_col = nodes["tree"] if "tree" in nodes.columns else pd.Series([""] * len(nodes), index=nodes.index)
    keys = list(zip(tree_col, nodes["cluster_id"], strict=True))
    parents = dict(zip(keys, zip(tree_col, nodes["parent_cluster_id"], strict=True), strict=True))
    own = dict(zip(keys, ok, strict=True))

    def visible(key: tuple[str, str], depth: int = 0) -> bool:
        if not own.get(key, False) or depth > 64:
            return False
        parent = parents.get(key)
        if parent is None or parent[1] is None or pd.isna(parent[1]) or parent not in own:
            return True
        return visible(parent, depth + 1)

    mask = pd.Series([visible(key) for key in keys], index=nodes.index)
    kept = nodes[mask].reset_index(drop=True)
    return kept, Suppression(kept=int(mask.sum()), suppressed=int((~mask).sum()))


def filter_examples(examples: pd.DataFrame, allowed_clusters: set[str], cluster_col: str = "cluster_id"
                    ) -> tuple[pd.DataFrame, int]:
    """Examples (scrubbed snippets) only from clusters that passed every threshold and the auditor."""
    mask = examples[cluster_col].isin(allowed_clusters)
    return examples[mask].reset_index(drop=True), int((~mask).sum())


def suppression_summary(**parts: Suppression) -> dict[str, Any]:
    """``suppression_summary(values=s1, clusters=s2)`` -> per-part and total counts for the report/runs."""
    total_kept = sum(p.kept for p in parts.values())
    total_suppressed = sum(p.suppressed for p in parts.values())
    summary: dict[str, Any] = {name: p.as_dict() for name, p in parts.items()}
    summary["total"] = Suppression(total_kept, total_suppressed).as_dict()
    return summary
