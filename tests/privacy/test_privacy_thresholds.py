"""Aggregation thresholds: rows, trees and examples below k conversations / u users are suppressed."""

from __future__ import annotations

import pandas as pd
import pytest

from wildvalues.privacy.config import PrivacyConfig
from wildvalues.privacy.thresholds import (
    Suppression,
    apply_thresholds,
    apply_tree_thresholds,
    filter_examples,
    suppression_summary,
)


def test_documented_defaults() -> None:
    cfg = PrivacyConfig()
    assert (cfg.min_conversations, cfg.min_users, cfg.min_audit_rating) == (10, 5, 4)


def test_rows_below_k_or_u_are_suppressed() -> None:
    df = pd.DataFrame({"value": ["a", "b", "c", "d", "e"], "n_conversations": [10, 9, 50, 50, 12],
                       "n_users": [5, 20, 4, None, 5]})
    kept, n_suppressed = apply_thresholds(df, k=10, u=5)
    assert list(kept["value"]) == ["a", "d", "e"]  # b: 9 conversations; c: 4 users; d: users unknown
    assert n_suppressed == 2


def test_without_user_column_only_k_applies() -> None:
    df = pd.DataFrame({"cell": ["x", "y"], "support": [3, 30]})
    kept, n_suppressed = apply_thresholds(df, k=10, u=5, conv_col="support")
    assert list(kept["cell"]) == ["y"] and n_suppressed == 1


def test_missing_support_column_is_an_error_not_a_pass() -> None:
    with pytest.raises(KeyError, match="n_conversations"):
        apply_thresholds(pd.DataFrame({"value": ["a"]}), k=10, u=5)


def test_tree_children_of_withheld_clusters_are_withheld() -> None:
    nodes = pd.DataFrame({
        "tree": ["ai_values"] * 5,
        "cluster_id": ["root", "big", "small", "leaf_of_small", "leaf_of_big"],
        "parent_cluster_id": [None, "root", "root", "small", "big"],
        "level": [2, 1, 1, 0, 0],
        # leaf_of_small is big enough but hangs under a withheld node
        "n_conversations": [100, 80, 6, 40, 30],
    })
    kept, suppression = apply_tree_thresholds(nodes, k=10, u=5)
    assert set(kept["cluster_id"]) == {"root", "big", "leaf_of_big"}
    assert suppression == Suppression(kept=3, suppressed=2)
    assert suppression.share_suppressed == pytest.approx(0.4)


def test_examples_only_from_allowed_clusters() -> None:
    examples = pd.DataFrame({"cluster_id": ["a", "b", "a"], "snippet": ["s1", "s2", "s3"]})
    kept, dropped = filter_examples(examples, {"a"})
    assert list(kept["snippet"]) == ["s1", "s3"] and dropped == 1


def test_suppression_summary_reports_shares() -> None:
    summary = suppression_summary(values=Suppression(8, 2), clusters=Suppression(1, 1))
    assert summary["values"]["share_suppressed"] == 0.2
    assert summary["total"] == {"kept": 9, "suppressed": 3, "share_suppressed": 0.25}


def test_privacy_settings_from_the_environment() -> None:
    from wildvalues.config import load_config

    cfg = load_config(None, environ={"WILDVALUES_PRIVACY__ENTITIES": "EMAIL_ADDRESS, PERSON",
                                     "WILDVALUES_PRIVACY__MIN_CONVERSATIONS": "20"})
    assert cfg.privacy.entities == ["EMAIL_ADDRESS", "PERSON"] and cfg.privacy.min_conversations == 20
