"""`validate judge`: the cost estimate, and a scripted judge labelling the sample through the LLM layer."""

from __future__ import annotations

import pytest

from wildvalues.config import Config
from wildvalues.llm import LLMConfig, get_client
from wildvalues.llm.base import ChatMessage, LLMRequest
from wildvalues.llm.estimate import estimate_requests
from wildvalues.llm.testing import ScriptedBackend
from wildvalues.validate.annotations import load_annotations
from wildvalues.validate.run import judge_workspace, sample_workspace, score_workspace

from .conftest import build_study


def test_estimate_cost_counts_tokens_and_dollars():
    cfg = LLMConfig(backend="anthropic", chars_per_token=4.0, prices={"big-judge": (3.0, 15.0, 0.3)})
    req = LLMRequest(
        messages=(ChatMessage("system", "x" * 400), ChatMessage("user", "y" * 3600)), max_tokens=200
    )
    est = estimate_requests([req, req], cfg, "big-judge-2025")
    # duplicates are one call; prompt = 4000 / 4 + 4 per message + 3 = 1011 tokens; completion <= 200
    assert est["new_calls"] == 1 and est["prompt_tokens"] == 1011 and est["completion_tokens_max"] == 200
    assert est["dollars_max"] == pytest.approx((1011 * 3.0 + 200 * 15.0) / 1e6, abs=1e-4)
    assert est["completion_tokens"] == 100 and est["prices_as_of"]  # expected: half the cap
    paid = type("PaidCache", (), {"get": lambda self, key: "answer"})()  # every answer already cached
    cached = estimate_requests([req], cfg, "big-judge-2025", cache=paid)
    assert cached["new_calls"] == 0 and cached["dollars_max"] == 0
    local = LLMConfig(chars_per_token=4.0)
    tiny = estimate_requests([req], local, "tiny", backend=ScriptedBackend(lambda r: "ok", model="tiny"))
    assert tiny["dollars"] == 0 and tiny["token_method"] == "chars/4.0"  # no price, no tokenizer: free


ANSWERS = {
    "subjectivity": "<answer>3</answer>",
    "response_type": "<answer>strong_resistance</answer>",
    "task": "<answer>Asks for advice.</answer>",
}


def _answer(req: LLMRequest) -> str:
    feature = req.tag.rsplit(".", 1)[-1]  # extract.paper.<feature>
    return ANSWERS.get(feature, "<answer>honesty, harm prevention</answer>")


def test_scripted_judge_labels_the_sample(workspace):
    build_study(workspace, n=30)
    sample_workspace(workspace, n=6, seed=0, annotators=1)
    cfg = Config()
    dry = judge_workspace(workspace, cfg, dry_run=True)
    assert dry["dry_run"] and dry["estimate"]["new_calls"] == 6 * 6  # six paper prompts per conversation
    backend = ScriptedBackend(_answer, model="scripted-judge")
    client = get_client(cfg.llm, workspace=workspace, backend=backend)
    summary = judge_workspace(workspace, cfg, client=client)
    assert summary["labelled"] == 6 and summary["annotator"] == "judge:scripted:scripted-judge"
    stored = load_annotations(workspace)
    assert set(stored["kind"]) == {"judge"} and set(stored["response_type"]) == {"strong_resistance"}
    assert set(stored["subjectivity_level"]) == {3}
    # a rerun is free: every answer comes from the workspace call cache
    again = judge_workspace(workspace, cfg, dry_run=True, client=client)
    assert again["estimate"]["new_calls"] == 0 and again["estimate"]["cached"] == 36
    result = score_workspace(workspace)
    assert "judge:scripted:scripted-judge" in result["features"]["response_type"]["extractor_vs"]
    assert result["features"]["response_type"]["krippendorff_alpha_humans"] is None  # no humans


def test_cli_dry_run_prices_a_paid_judge_without_a_key(tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from wildvalues.cli import app
    from wildvalues.workspace import Workspace

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    root = tmp_path / "s"
    with Workspace(root) as ws:
        build_study(ws, n=20)
        sample_workspace(ws, n=4, seed=0, annotators=1)
    result = CliRunner().invoke(
        app,
        [
            "validate",
            "judge",
            "-w",
            str(root),
            "--backend",
            "anthropic",
            "--model",
            "claude-3-5-sonnet-20241022",
            "--dry-run",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    est = summary["estimate"]
    assert summary["dry_run"] and est["new_calls"] == 24 and est["prices_as_of"] and est["dollars_max"] > 0
    with Workspace(root) as ws:  # nothing was labelled or sent
        assert not ws.has_table("validation_annotations")
    missing_model = CliRunner().invoke(app, ["validate", "judge", "-w", str(root), "--backend", "openai"])
    assert missing_model.exit_code == 1 and "--model" in missing_model.output
