"""The stage over a workspace: features in, tree_nodes + label_paths out; frozen mode; export/import; CLI."""

from __future__ import annotations

import json
import random

import pytest

from wildvalues.config import load_config
from wildvalues.stage import MissingInput
from wildvalues.taxonomy import stage

FEATURES_DDL = """
CREATE TABLE features (conversation_id VARCHAR PRIMARY KEY, subjectivity_level INT, subjective BOOLEAN,
    ai_values VARCHAR[], human_values VARCHAR[], response_type VARCHAR, task VARCHAR,
    stated_ai_values VARCHAR[], raw_outputs JSON, failures JSON, prompt_version VARCHAR,
    extractor_model VARCHAR, run_id VARCHAR)
"""
VALUES = ["honesty", "truthfulness", "transparency", "harm prevention", "child safety", "user safety",
          "empathy", "emotional support", "compassion", "code quality", "efficiency", "clarity",
          "creativity", "artistic expression", "Honesty "]
HUMAN = ["self reliance", "family care", "privacy", "career growth"]
TASKS = ["write a python function", "debug python code", "write a poem about love", "draft a short story",
         "plan a healthy diet", "suggest a workout plan"]


def _fill(ws, n: int = 60) -> None:
    rng = random.Random(3)
    ws.con.execute(FEATURES_DDL)
    for i in range(n):
        ws.con.execute("INSERT INTO features (conversation_id, ai_values, human_values, task) "
                       "VALUES (?, ?, ?, ?)",
                       [f"c{i:03d}", rng.sample(VALUES, 3), rng.sample(HUMAN, rng.randint(0, 2)),
                        rng.choice(TASKS) + f" variant {i % 4}"])


@pytest.fixture
def fake_embeddings(monkeypatch, bow):
    monkeypatch.setattr(stage, "_embed_fn", lambda model, batch_size=64: bow)


def test_build_writes_tables_with_counts(workspace, scripted, fake_embeddings):
    _fill(workspace)
    cfg = load_config(overrides={"taxonomy.levels": 3, "taxonomy.top_clusters": 3,
                                 "taxonomy.value_trees": "build", "extract.profile": "thorough",
                                 "taxonomy.conversations_per_base_task": 10, "taxonomy.task_top_clusters": 2})
    client = scripted()
    summary = stage.build_taxonomy(workspace, cfg, client=client)
    con = workspace.con
    trees = dict(con.execute("SELECT tree, count(*) FROM tree_nodes GROUP BY tree").fetchall())
    assert set(trees) == {"ai_values", "human_values", "tasks"}
    ai = summary["trees"]["ai_values"]
    assert ai["distinct_labels"] == 14  # 'Honesty ' folded into 'honesty'
    assert ai["sizes"][0] == 14 and ai["sizes"][-1] <= 3
    # every leaf label has exactly one path row per level, level 0 being the label itself
    rows = con.execute("SELECT label, count(*), count(DISTINCT level), "
                       "bool_and(level > 0 OR cluster_id = label) FROM label_paths "
                       "WHERE tree = 'ai_values' GROUP BY label").fetchall()
    assert len(rows) == 14 and all(r[1] == r[2] == 3 and r[3] for r in rows)
    # a root's n_conversations counts distinct conversations under it; leaves' pct sum to 100
    n_convs = con.execute("SELECT max(n_conversations) FROM tree_nodes WHERE tree='ai_values'").fetchone()[0]
    assert 0 < n_convs <= 60
    pct = con.execute("SELECT sum(pct_total_occurrences) FROM tree_nodes WHERE tree='ai_values' AND level=0"
                      ).fetchone()[0]
    assert pct == pytest.approx(100.0)
    tasks = con.execute("SELECT count(DISTINCT label), min(level), max(level) FROM label_paths "
                        "WHERE tree='tasks'").fetchone()
    assert tasks == (60, 0, 2)
    assert summary["llm"]["calls_new"] <= (60 * 3) / 10  # budget: one call per ten leaves per tree
    run = con.execute("SELECT status, counts FROM runs WHERE command = 'taxonomy build'").fetchone()
    assert run[0] == "ok" and json.loads(run[1])["trees"]["tasks"]["conversations"] == 60
    before = client.new_calls
    stage.build_taxonomy(workspace, cfg, client=client)
    assert client.new_calls == before  # rerun answered from the cache


def test_build_without_features_says_what_to_run(workspace):
    with pytest.raises(MissingInput, match="run `wildvalues extract` first"):
        stage.build_taxonomy(workspace, load_config(overrides={"taxonomy.naming": "extractive"}))


def test_frozen_mode_maps_onto_reference(workspace, tmp_path, fake_embeddings):
    _fill(workspace)
    tree = tmp_path / "tree.csv"
    tree.write_text("cluster_id,description,name,level,parent_cluster_id,pct_total_occurrences\n"
                    "honesty,,honesty,0,r:l1:a,50\nuser safety,,user safety,0,r:l1:b,50\n"
                    "r:l1:a,,Epistemic,1,,50\nr:l1:b,,Protective,1,,50\n")
    cfg = load_config(overrides={"taxonomy.frozen_min_similarity": 0.5})
    summary = stage.frozen_taxonomy(workspace, cfg, trees=["ai_values"], reference=str(tree))
    info = summary["trees"]["ai_values"]
    assert info["exact"] == 2 and info["exact"] + info["nearest"] + info["unmapped"] == 14
    assert info["unmapped"] > 0
    got = dict(workspace.con.execute("SELECT label, cluster_id FROM label_paths WHERE level = 1").fetchall())
    assert got["honesty"] == "r:l1:a" and got["child safety"] == "r:l1:b"
    assert got["empathy"] == "unmapped"


def test_cli_build_export_import(tmp_path, monkeypatch, bow):
    from typer.testing import CliRunner

    from wildvalues.cli import app
    from wildvalues.workspace import Workspace

    monkeypatch.setattr(stage, "_embed_fn", lambda model, batch_size=64: bow)
    with Workspace(tmp_path / "ws") as ws:
        _fill(ws)
    runner = CliRunner()
    result = runner.invoke(app, ["taxonomy", "build", "-w", str(tmp_path / "ws"), "--no-llm", "--levels", "3",
                                 "--top", "2", "--tree", "ai_values", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["trees"]["ai_values"]["sizes"][-1] <= 2
    edit = tmp_path / "edit.csv"
    result = runner.invoke(app, ["taxonomy", "export", str(edit), "-w", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    lines = edit.read_text().splitlines()
    top = next(line for line in lines[1:] if line.split(",")[1] == "2")
    edit.write_text("\n".join(lines).replace(top, top.replace(top.split(",")[2], "Renamed top", 1)) + "\n")
    result = runner.invoke(app, ["taxonomy", "import", str(edit), "-w", str(tmp_path / "ws"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["renamed"] == 1
    edit.write_text("\n".join(line for line in lines if not line.startswith("honesty,")) + "\n")
    result = runner.invoke(app, ["taxonomy", "import", str(edit), "-w", str(tmp_path / "ws")])
    assert result.exit_code == 1
    output = " ".join(result.output.split())  # Rich wraps long lines
    assert "leaf 'honesty' is missing" in output and "nothing was changed" in output
