"""The report's exports: released schema, privacy thresholds, no raw text, manifest, empty sections, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from .conftest import RAW_CANARY, SCRUBBED_CANARY
from .fake_results import SECRET_TASK, SECRET_VALUE

RELEASED_TREE_HEADER = "cluster_id,description,name,level,parent_cluster_id,pct_total_occurrences"


def _all_output_text(out: Path) -> str:
    """Every file the report wrote, as text (Parquet decoded to CSV so its strings are searchable)."""
    chunks = []
    for path in sorted(out.rglob("*")):
        if path.suffix == ".parquet":
            chunks.append(pd.read_parquet(path).to_csv(index=False))
        elif path.suffix in {".html", ".csv", ".json", ".svg"}:
            chunks.append(path.read_text(encoding="utf-8"))
    return "\n".join(chunks)


def test_csv_exports_have_the_released_columns(built, shared_data):
    _, _, out = built
    released = shared_data / "values-in-the-wild"
    for name in ("values_frequencies.csv", "values_tree.csv"):
        ours = (out / name).read_text(encoding="utf-8").splitlines()[0]
        theirs = (released / name).read_text(encoding="utf-8").splitlines()[0]
        assert ours == theirs
    assert (out / "values_tree.csv").read_text().splitlines()[0] == RELEASED_TREE_HEADER
    freqs = pd.read_csv(out / "values_frequencies.csv")
    assert list(freqs["pct_convos"]) == sorted(freqs["pct_convos"], reverse=True)
    assert (freqs["pct_convos"].round(3) == freqs["pct_convos"]).all()
    # 500 of 2000 conversations -> 25.0 percent, written the way the release writes numbers
    assert (out / "values_frequencies.csv").read_text().splitlines()[1] == "helpfulness,25.0"


def test_values_tree_round_trips_the_released_tree(tmp_path, shared_data):
    """With thresholds off, the synthetic tree (= the released tree) is exported line for line."""
    from wildvalues.analyze.synthetic import make_workspace
    from wildvalues.config import Config
    from wildvalues.report import build_report
    from wildvalues.workspace import Workspace

    cfg = Config()
    cfg.privacy.min_conversations, cfg.privacy.min_users = 0, 0
    cfg.report.static_figures = False
    with Workspace(tmp_path / "ws") as ws:
        make_workspace(ws, 500, seed=1)
        summary = build_report(ws, cfg)
    ours = (Path(summary["out_dir"]) / "values_tree.csv").read_text(encoding="utf-8").splitlines()
    theirs = (shared_data / "values-in-the-wild" / "values_tree.csv").read_text(encoding="utf-8").splitlines()
    assert ours[0] == theirs[0]
    assert sorted(ours[1:]) == sorted(theirs[1:])


def test_small_cells_never_reach_html_or_exports(built):
    _, summary, out = built
    text = _all_output_text(out)
    assert SECRET_VALUE not in text
    assert SECRET_TASK not in text
    # but the values right above the thresholds are there, so the check is not vacuous
    assert "rule-breaking" in text and "dominance" in text
    assert summary["rows_suppressed"] > 0
    manifest = json.loads((out / "manifest.json").read_text())
    tables = manifest["suppression"]["tables"]
    assert tables["an_value_frequencies"]["suppressed"] == 3  # the secret value on each of the 3 sides
    assert tables["an_review_queue"]["kept"] == 0 if "an_review_queue" in tables else True


def test_no_conversation_text_without_include_examples(built):
    _, summary, out = built
    text = _all_output_text(out)
    assert RAW_CANARY not in text
    assert SCRUBBED_CANARY not in text
    assert summary["examples"] == 0
    assert "No conversation text is included" in (out / "index.html").read_text()


@pytest.mark.slow
def test_include_examples_shows_only_scrubbed_snippets(study, tmp_path):
    from wildvalues.config import Config
    from wildvalues.report import build_report

    cfg = Config()
    cfg.report.static_figures = False
    summary = build_report(study, cfg, include_examples=True, out_dir=tmp_path / "with-examples")
    text = _all_output_text(tmp_path / "with-examples")
    assert summary["examples"] > 0
    assert SCRUBBED_CANARY in text
    assert RAW_CANARY not in text
    assert "someone@example.org" not in text


def test_manifest_describes_the_run(built):
    _, summary, out = built
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["thresholds"] == {"min_conversations": 10, "min_users": 5, "min_audit_rating": 4}
    assert manifest["extractor_models"] == {"synthetic": 3000}
    assert manifest["assistant_models"]["claude-3-5-sonnet"] > 2000
    assert manifest["counts"]["conversations_with_features"] == 3000
    assert "duckdb" in manifest["versions"]
    assert 0 < manifest["suppression"]["share_suppressed"] < 1
    files = {f["path"]: f for f in manifest["files"]}
    assert "index.html" in files and "values_tree.csv" in files and "parquet/an_associations.parquet" in files
    assert all(len(f["sha256"]) == 64 for f in files.values())
    assert manifest["include_examples"] is False


def test_parquet_of_every_shown_result_table(built):
    study, _, out = built
    tables = [r[0] for r in study.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'an_%'").fetchall()]
    written = {p.stem for p in (out / "parquet").glob("*.parquet")}
    assert set(tables) <= written
    assoc = pd.read_parquet(out / "parquet" / "an_associations.parquet")
    assert assoc["n_conversations"].min() >= 10


def test_static_figures_written(built):
    _, summary, out = built
    pngs = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert "table1_top_values.png" in pngs and "figure3a_residuals_by_task.png" in pngs
    assert "figure12_ai_values_heatmap.png" in pngs and "figure4_response_panels.png" in pngs
    assert len(list((out / "figures").glob("*.svg"))) == len(pngs) == summary["figures_static"] // 2
    assert all(p.stat().st_size > 5000 for p in (out / "figures").glob("*.png"))


def test_empty_workspace_says_so_plainly(tmp_path):
    from wildvalues.config import Config
    from wildvalues.report import build_report
    from wildvalues.workspace import Workspace

    with Workspace(tmp_path / "empty") as ws:
        summary = build_report(ws, Config())
    html = Path(summary["report"]).read_text()
    assert summary["figures_interactive"] == 0
    for section_id in ("top-values", "taxonomy", "by-task", "response-types", "heatmaps", "mirroring",
                       "models", "stated", "alerts"):
        assert f'id="{section_id}"' in html
    assert html.count("The analysis wrote no") >= 5
    assert "No taxonomy (tree_nodes) in the workspace" in html
    assert pd.read_csv(Path(summary["out_dir"]) / "values_frequencies.csv").columns.tolist() == [
        "value", "pct_convos"]


def test_small_local_extractor_gets_a_caveat(study, tmp_path):
    from wildvalues.report.data import load_summary, looks_like_small_local_model

    assert looks_like_small_local_model("qwen2.5-coder-1.5b-instruct-q4_k_m")
    assert looks_like_small_local_model("local:qwen2.5-0.5b")
    assert not looks_like_small_local_model("claude-3-5-sonnet-20241022")
    assert not looks_like_small_local_model("gpt-4o")
    study.con.execute("UPDATE features SET extractor_model = 'qwen2.5-coder-1.5b-instruct-q4_k_m' "
                      "WHERE conversation_id IN (SELECT conversation_id FROM features LIMIT 10)")
    try:
        caveats = load_summary(study).caveats
    finally:
        study.con.execute("UPDATE features SET extractor_model = 'synthetic'")
    assert any("small local model (qwen2.5-coder-1.5b-instruct-q4_k_m)" in c for c in caveats)


def test_fixed_count_heads_get_a_caveat_on_values_per_conversation(study):
    from wildvalues.report.data import load_summary

    assert not any("fixed number" in c for c in load_summary(study).caveats)
    before = study.con.execute("SELECT any_value(prompt_version) FROM features").fetchone()[0]
    study.con.execute("UPDATE features SET prompt_version = 'v1-0000+heads-v2-emb3-cues1'")
    try:
        caveats = load_summary(study).caveats
    finally:
        study.con.execute("UPDATE features SET prompt_version = ?", [before])
    assert any("fixed number of the highest-scoring labels" in c for c in caveats)


def test_cli_prints_the_report_path(built, tmp_path):
    from typer.testing import CliRunner

    from wildvalues.cli import app

    study, _, _ = built
    root = study.root
    study.con.execute("CHECKPOINT")
    out = tmp_path / "cli-out"
    config = tmp_path / "wildvalues.toml"
    config.write_text("[report]\nstatic_figures = false\n")
    result = CliRunner().invoke(app, ["report", "-w", str(root), "--out", str(out), "--config", str(config),
                                      "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["report"] == str(out / "index.html")
    assert (out / "index.html").exists() and not (out / "figures").exists()
    missing = CliRunner().invoke(app, ["report", "-w", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1


def test_run_settings_keep_what_shapes_results_and_no_secrets():
    from wildvalues.report.data import run_settings

    config = {"llm": {"backend": "openai", "model": "gpt-4o", "api_key": "sk-secret", "base_url": "http://intra"},
              "extract": {"mode": "fast", "prompts_dir": "/home/me/prompts"}, "analyze": {"alpha": 0.05}}
    settings = run_settings(config)
    assert settings == {"llm": {"backend": "openai", "model": "gpt-4o"}, "extract": {"mode": "fast"},
                        "analyze": {"alpha": 0.05}}
    assert "sk-secret" not in json.dumps(settings)


def test_run_counts_keep_numbers_only():
    from wildvalues.report.data import numbers_only

    counts = {"read": 10, "files": ["/home/alice/chats.jsonl"], "by_type": {"PERSON": 3, "note": "x"},
              "ok": True, "error": "boom at /home/alice"}
    assert numbers_only(counts) == {"read": 10, "by_type": {"PERSON": 3}, "ok": True}


def test_stale_analysis_is_flagged():
    from wildvalues.report.data import stale_analysis

    def run(command, started, status="ok"):
        return {"command": command, "started_at": started, "status": status}

    fresh = [run("extract", "2026-01-01 10:00"), run("taxonomy build", "2026-01-01 11:00"),
             run("analyze", "2026-01-01 12:00")]
    assert stale_analysis(fresh) is None
    assert "out of date" in stale_analysis([*fresh, run("extract", "2026-01-01 13:00")])
    assert stale_analysis([*fresh, run("extract", "2026-01-01 13:00", status="failed")]) is None


def test_labels_are_literal_text_in_figures():
    from wildvalues.report.charts import esc, hover_wrap

    assert esc(['<a href="http://x">v</a>', "a & b"]) == ['&lt;a href="http://x"&gt;v&lt;/a&gt;', "a &amp; b"]
    assert "<script" not in hover_wrap("<script>alert(1)</script> " * 3)
