"""`extract --dry-run`: the estimate is built from the exact requests a run sends, and matches a real run."""

from __future__ import annotations

from pathlib import Path

import pytest

from wildvalues.config import Config
from wildvalues.extract import stage
from wildvalues.extract.gold import load_gold
from wildvalues.llm import get_client
from wildvalues.llm.testing import ScriptedBackend

SMALL_MODEL = "qwen2.5-coder-0.5b-instruct-q4_k_m"


def _scrubbed(workspace, conversations) -> None:
    workspace.con.execute("CREATE TABLE scrubbed_messages (conversation_id VARCHAR, idx INT, role VARCHAR, "
                          "content VARCHAR, run_id VARCHAR)")
    for c in conversations:
        for i, m in enumerate(c.messages):
            workspace.con.execute("INSERT INTO scrubbed_messages VALUES (?, ?, ?, ?, 'r')",
                                  [c.conversation_id, i, m.role, m.content])


def _picked(shared_dir: Path, n: int):
    gold = load_gold(shared_dir / "eval" / "dev.jsonl")
    return [g for g in gold if g.source in ("hh-rlhf-harmless-base", "alpaca_eval")][:n]


def test_dry_run_sends_nothing_and_counts_what_a_run_sends(workspace, shared_dir: Path) -> None:
    convs = _picked(shared_dir, 6)
    _scrubbed(workspace, convs)
    backend = ScriptedBackend(lambda req: "none" if "task" not in req.tag else "The user asks for advice.")
    cfg = Config()
    cfg.extract.profile, cfg.extract.extract_all = "thorough", True
    client = get_client(cfg.llm, workspace=workspace, backend=backend)
    estimate = stage.estimate(workspace, cfg, client=client, measure_speed=False)
    assert backend.calls == [] and estimate["to_extract"] == len(convs) and estimate["dry_run"]
    done = stage.run(workspace, cfg, client=client).summary
    assert estimate["llm"]["distinct"] == done["llm"]["calls"] == len(backend.calls)
    again = stage.estimate(workspace, cfg, client=client, measure_speed=False)
    assert again["to_extract"] == 0 and again["llm"]["distinct"] == 0


@pytest.mark.realmodel
def test_token_estimate_within_25_percent_of_a_real_run(workspace, shared_dir: Path) -> None:
    from wildvalues.llm.models import status

    if not status(SMALL_MODEL)["verified"]:
        pytest.skip("0.5B model not pulled; run `wildvalues models pull --test`")
    convs = _picked(shared_dir, 4)
    _scrubbed(workspace, convs)
    cfg = Config()
    cfg.extract.profile, cfg.extract.extract_all = "thorough", True
    cfg.llm.model = SMALL_MODEL
    client = get_client(cfg.llm, workspace=workspace)
    try:
        estimate = stage.estimate(workspace, cfg, client=client)
        assert estimate["llm"]["token_method"] == "the backend's own tokenizer"
        real = stage.run(workspace, cfg, client=client).summary["llm"]
    finally:
        client.close()
    estimated = estimate["llm"]["prompt_tokens"] + estimate["llm"]["completion_tokens"]
    measured = real["prompt_tokens"] + real["completion_tokens"]
    assert real["new"] > 0 and abs(estimated - measured) <= 0.25 * measured, (estimate["llm"], real)
