"""`wildvalues run`: one typed stage list, and a dry run that prices the work before anything is paid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wildvalues.cli import app
from wildvalues.pipeline import STAGES
from wildvalues.stage import MissingInput


def _chat_lines(n: int) -> str:
    return "".join(json.dumps({"messages": [
        {"role": "user", "content": f"Should I tell my friend the truth about {i} things? I value honesty."},
        {"role": "assistant", "content": "Honesty matters, but so does kindness: say it gently."}]}) + "\n"
        for i in range(n))


def test_stage_list_is_the_pipeline_order_with_one_shape() -> None:
    import inspect

    assert [s.name for s in STAGES] == ["ingest", "scrub", "extract", "screen", "taxonomy", "audit",
                                       "analyze", "report"]
    for stage in STAGES:
        params = inspect.signature(stage.run).parameters
        assert list(params) == ["ws", "cfg", "progress", "client"], stage.name
        assert params["progress"].kind is params["client"].kind is inspect.Parameter.KEYWORD_ONLY


def test_a_stage_without_its_input_names_the_command_to_run(workspace) -> None:
    from wildvalues.config import Config

    by_name = {s.name: s for s in STAGES}
    with pytest.raises(MissingInput, match=r"run `wildvalues run FILES or --demo` first"):
        by_name["ingest"].run(workspace, Config())
    with pytest.raises(MissingInput, match=r"run `wildvalues scrub` first"):
        by_name["extract"].run(workspace, Config())
    with pytest.raises(MissingInput, match=r"run `wildvalues extract` first"):
        by_name["taxonomy"].run(workspace, Config())


def test_run_dry_run_prices_a_paid_judge_and_sends_nothing(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("presidio_analyzer")
    pytest.importorskip("sentence_transformers")
    logs = tmp_path / "logs.jsonl"
    logs.write_text(_chat_lines(6), encoding="utf-8")
    monkeypatch.setenv("WILDVALUES_LLM__BACKEND", "openai")
    monkeypatch.setenv("WILDVALUES_LLM__MODEL", "gpt-4o-mini")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-used")
    ws = tmp_path / "study"
    result = CliRunner().invoke(app, ["run", str(logs), "--profile", "thorough", "--all", "--dry-run",
                                      "-w", str(ws), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    extract = summary["extract"]
    assert extract["to_extract"] == 6 and extract["llm"]["new_calls"] >= 6
    assert extract["llm"]["prompt_tokens"] > 0 and extract["llm"]["dollars"] > 0
    assert extract["llm"]["prices_as_of"] and "chars/" in extract["llm"]["token_method"]
    assert summary["scrub"]["scrubbed_now"] == 6  # ingest and scrub ran (free); nothing was extracted
    from wildvalues.workspace import Workspace

    with Workspace(ws) as study:
        assert study.con.execute("SELECT count(*) FROM features").fetchone()[0] == 0
