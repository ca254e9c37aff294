"""The post-LLM screen of the features table."""

from __future__ import annotations

import json

import pytest

from wildvalues.privacy.screen import screen_features
from wildvalues.stage import MissingInput

FEATURES_DDL = (
    "CREATE TABLE features (conversation_id VARCHAR PRIMARY KEY, subjectivity_level INT, subjective BOOLEAN, "
    "ai_values VARCHAR[], human_values VARCHAR[], response_type VARCHAR, task VARCHAR, "
    "stated_ai_values VARCHAR[], raw_outputs JSON, failures JSON, prompt_version VARCHAR, "
    "extractor_model VARCHAR, run_id VARCHAR)")


def _row(cid, ai, human, task, raw, failures=None):
    return [cid, 3, True, ai, human, "mild_support", task, [], json.dumps(raw), json.dumps(failures or {}),
            "v1", "scripted", "r"]


def test_labels_tasks_and_raw_outputs_are_screened(workspace) -> None:
    workspace.con.execute(FEATURES_DDL)
    rows = [
        _row("a", ["honesty", "contact gerald@example.org"], ["priya raman's wellbeing", "fairness"],
             "Write a letter for Priya Raman about a deposit.",
             {"human_values": "fairness, Priya Raman's wellbeing",
              "task": "Write a letter for Priya Raman."}),
        _row("b", ["clarity"], ["autonomy"], "Explain how vaccines work.",
             {"task": "Explain how vaccines work."}),
    ]
    workspace.con.executemany("INSERT INTO features VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    summary = screen_features(workspace)
    assert summary["ai_values_dropped"] == 1 and summary["human_values_dropped"] == 1
    assert summary["tasks_dropped"] == 1 and summary["conversations_changed"] == 1
    a, b = workspace.con.execute("SELECT ai_values, human_values, task, raw_outputs FROM features "
                                 "ORDER BY conversation_id").fetchall()
    # the lower-cased name in a label is caught through the cased name in the same row's raw output
    assert a[0] == ["honesty"] and a[1] == ["fairness"] and a[2] is None
    assert "Priya" not in a[3] and "[PERSON]" in a[3]
    assert b[:3] == (["clarity"], ["autonomy"], "Explain how vaccines work.")
    assert ("screen", "ok") in workspace.con.execute("SELECT command, status FROM runs").fetchall()


def test_screen_needs_features(workspace) -> None:
    with pytest.raises(MissingInput, match="wildvalues extract"):
        screen_features(workspace)
