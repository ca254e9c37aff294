"""The engine's pieces without a cluster: failure isolation, the actor's batch function, idempotent merges,
the seeded call cache, shards and flags."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pyarrow.parquet as pq
import pytest

from wildvalues.engine.local import extract_guarded
from wildvalues.engine.merge import merge_cache_entries, merge_outputs
from wildvalues.engine.shards import batches_from_table, batches_table, export_shards
from wildvalues.engine.worker import ActorExtractor, ExtractActor, SeededCache
from wildvalues.llm import ChatMessage, LLMConfig, LLMRequest, get_client
from wildvalues.llm.callcache import CACHE_FILENAME, CallCache
from wildvalues.llm.testing import ScriptedBackend
from wildvalues.records import Features, Message

VERSION = "v-test"


class Conv:
    def __init__(self, cid: str) -> None:
        self.conversation_id = cid
        self.messages = [Message(role="user", content=f"text of {cid}")]


def fake_extract(conversations):
    if any(c.conversation_id == "bad" for c in conversations):
        raise ValueError("cannot parse this one")
    return [Features(conversation_id=c.conversation_id, ai_values=["helpfulness"], prompt_version=VERSION)
            for c in conversations]


def test_a_raising_conversation_is_recorded_and_never_drops_its_batch():
    convs = [Conv("a"), Conv("bad"), Conv("c")]
    features, failures = extract_guarded(convs, fake_extract)
    assert [f.conversation_id for f in features] == ["a", "c"]
    assert failures == [("bad", "ValueError: cannot parse this one")]


def test_a_budget_stop_is_not_a_conversation_failure():
    from wildvalues.llm.base import BudgetExceeded

    def over_budget(conversations):
        raise BudgetExceeded("call budget of 1 reached")

    with pytest.raises(BudgetExceeded):
        extract_guarded([Conv("a"), Conv("b")], over_budget)


def test_shards_hold_whole_batches_in_order(tmp_path):
    convs = [Conv(f"c{i:02d}") for i in range(21)]
    paths = export_shards(convs, tmp_path, batch_size=4, workers=2, max_rows=8)
    batches = [b for p in paths for b in batches_from_table(pq.read_table(p))]
    assert [[c.conversation_id for c in b] for b in batches] == [
        [c.conversation_id for c in convs[i : i + 4]] for i in range(0, 21, 4)]
    assert all(pq.read_table(p).num_rows <= 2 for p in paths)  # at most 8 conversations per shard


def _actor(monkeypatch, client=None) -> ExtractActor:
    monkeypatch.setattr("wildvalues.engine.worker.build_extractor",
                        lambda *a, **k: _FakeExtractor(SimpleNamespace(client=client)))
    return ExtractActor({}, use_llm=client is not None, run_id="r1", version=VERSION)


class _FakeExtractor(ActorExtractor):
    def __call__(self, conversations):
        if self.client is not None:  # one LLM call per conversation, through the real client
            for c in conversations:
                self.client.complete(LLMRequest(messages=(ChatMessage("user", c.conversation_id),)))
        return fake_extract(conversations)


def test_actor_output_merges_idempotently_with_failures_and_one_account_per_batch(
        monkeypatch, tmp_path, workspace):
    client = get_client(LLMConfig(), backend=ScriptedBackend(lambda req: "ok"))
    client.cache.close()
    client.cache = SeededCache(None)
    actor = _actor(monkeypatch, client)
    table = batches_table([Conv("a"), Conv("bad"), Conv("c"), Conv("d")], batch_size=2)
    out = actor(table)
    assert out.num_rows == 4
    assert out.column("failure").to_pylist().count("ValueError: cannot parse this one") == 1
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    pq.write_table(out, out_dir / "task-1.parquet")
    pq.write_table(out, out_dir / "task-1-retried.parquet")  # a retried task wrote the same rows again
    cache_path = workspace.root / CACHE_FILENAME
    first = merge_outputs(workspace, out_dir, version=VERSION, run_id="r1", cache_path=cache_path)
    again = merge_outputs(workspace, out_dir, version=VERSION, run_id="r1", cache_path=cache_path)
    assert (first.extracted, first.failed) == (3, 1) == (again.extracted, again.failed)
    assert workspace.con.execute("SELECT count(*) FROM features").fetchone()[0] == 3
    assert workspace.con.execute("SELECT conversation_id, reason FROM extract_failures").fetchall() == [
        ("bad", "ValueError: cannot parse this one")]
    # batch [a, bad] raised and was redone one by one (2 new + 2 cached calls), [c, d] made 2 new calls;
    # each batch's account is counted once although its rows were written twice
    assert (first.llm["calls"], first.llm["new"], first.llm["cached"]) == (6, 4, 2) == (
        again.llm["calls"], again.llm["new"], again.llm["cached"])
    assert CallCache(cache_path).count() == 4  # a, bad, c, d: every new answer merged into the workspace


def test_seeded_cache_answers_from_the_workspace_cache_and_ships_only_new_entries(tmp_path):
    seed_path = tmp_path / "seed.sqlite"
    seed_client = get_client(LLMConfig(), backend=ScriptedBackend(lambda req: "first"))
    seed_client.cache.close()
    seed_client.cache = CallCache(seed_path)
    seed_client.complete(LLMRequest(messages=(ChatMessage("user", "old"),)))
    seed_client.cache.close()
    client = get_client(LLMConfig(), backend=ScriptedBackend(lambda req: "second"))
    client.cache.close()
    client.cache = SeededCache(seed_path)
    assert client.complete(LLMRequest(messages=(ChatMessage("user", "old"),))).text == "first"
    client.complete(LLMRequest(messages=(ChatMessage("user", "new"),)))
    shipped = client.cache.drain()
    assert len(shipped["calls"]) == 1 and client.cache.drain()["calls"] == []
    assert client.accounting()["cached"] == 1 and client.accounting()["new"] == 1
    target = tmp_path / "ws-cache.sqlite"
    assert merge_cache_entries(target, json.loads(json.dumps(shipped))) == 1
    assert merge_cache_entries(target, shipped) == 0  # merging twice adds nothing


def test_engine_flags_reach_the_config_and_bad_names_are_refused():
    from typer.testing import CliRunner

    from wildvalues.cli import app
    from wildvalues.config import load_config
    from wildvalues.engine.options import engine_overrides

    cfg = load_config(None, engine_overrides("ray", "auto", 3), environ={})
    assert (cfg.engine.name, cfg.engine.ray_address, cfg.engine.workers) == ("ray", "auto", 3)
    result = CliRunner().invoke(app, ["extract", "--engine", "spark", "-w", "/nonexistent/ws"])
    assert result.exit_code != 0 and "engine" in result.output


def test_local_stage_records_a_raising_conversation_and_a_rerun_retries_it(monkeypatch, workspace):
    from wildvalues.config import Config
    from wildvalues.extract import stage

    from .corpus import fill_scrubbed

    ids = fill_scrubbed(workspace, 5)
    broken = {ids[2]}

    def extract(conversations, extractor):
        if broken & {c.conversation_id for c in conversations}:
            raise RuntimeError("tokenizer exploded")
        return [Features(conversation_id=c.conversation_id, prompt_version=extractor.version)
                for c in conversations]

    monkeypatch.setattr(stage, "extract_batch", extract)
    client = get_client(LLMConfig(), backend=ScriptedBackend(lambda req: "ok"))
    cfg = Config()
    cfg.extract.profile, cfg.extract.extract_all = "thorough", True
    first = stage.run(workspace, cfg, client=client).summary
    assert (first["conversations"], first["extracted"], first["failed"]) == (5, 4, 1)
    assert workspace.con.execute("SELECT conversation_id, reason FROM extract_failures").fetchall() == [
        (ids[2], "RuntimeError: tokenizer exploded")]
    broken.clear()
    second = stage.run(workspace, cfg, client=client).summary
    assert (second["already_extracted"], second["extracted"], second["failed"]) == (4, 1, 0)
    assert workspace.con.execute("SELECT count(*) FROM extract_failures").fetchone()[0] == 0
