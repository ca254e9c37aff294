"""The client layer around a scripted backend: cache, order, dedup, budget, estimate, accounting."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from wildvalues.llm import BudgetExceeded, ChatMessage, LLMConfig, LLMError, LLMRequest, get_client
from wildvalues.llm.testing import ScriptedBackend


def ask(text: str, **kw) -> LLMRequest:
    return LLMRequest(messages=(ChatMessage("user", text),), **kw)


def test_cache_persists_across_clients_and_counts(workspace):
    backend = ScriptedBackend(lambda req: req.messages[-1].content.upper())
    client = get_client(LLMConfig(), workspace=workspace, run_id="r1", backend=backend)
    first = client.complete(ask("hello"))
    again = client.complete(ask("hello"))
    assert first.text == again.text == "HELLO" and not first.cached and again.cached
    client.close()
    backend2 = ScriptedBackend(lambda req: "WRONG")
    client2 = get_client(LLMConfig(), workspace=workspace, run_id="r2", backend=backend2)
    assert client2.complete(ask("hello")).text == "HELLO"  # from the workspace cache, not the backend
    assert backend2.calls == []
    acc = client2.accounting()
    assert (acc["calls"], acc["cached"], acc["new"], acc["failed"]) == (1, 1, 0, 0)
    client2.close()
    rows = workspace.con.execute(
        "SELECT run_id, calls, cached, new, failed FROM llm_calls_summary ORDER BY run_id").fetchall()
    assert rows == [("r1", 2, 1, 1, 0), ("r2", 1, 1, 0, 0)]


def test_cache_key_covers_parameters_but_not_tag(workspace):
    backend = ScriptedBackend(lambda req: f"t={req.temperature}")
    client = get_client(LLMConfig(), workspace=workspace, backend=backend)
    client.complete(ask("x", tag="a"))
    client.complete(ask("x", tag="b"))
    client.complete(ask("x", temperature=0.7))
    assert len(backend.calls) == 2


def test_complete_many_keeps_order_runs_concurrently_and_dedups(workspace):
    active, peak = [0], [0]
    lock = threading.Lock()

    def slow(req: LLMRequest) -> str:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        if req.messages[-1].content == "bad":
            raise LLMError("scripted failure")
        return req.messages[-1].content[::-1]

    backend = ScriptedBackend(slow)
    client = get_client(LLMConfig(concurrency=4), workspace=workspace, backend=backend)
    texts = [f"q{i}" for i in range(12)] + ["q3", "bad"]
    out = client.complete_many([ask(t) for t in texts])
    assert [o.text for o in out[:13]] == [t[::-1] for t in texts[:13]]
    assert isinstance(out[13], LLMError)
    assert 2 <= peak[0] <= 4
    assert len(backend.calls) == 13  # the repeated "q3" was not sent twice
    acc = client.accounting()
    assert acc["calls"] == acc["cached"] + acc["new"] + acc["failed"] == 14
    assert (acc["new"], acc["failed"], acc["cached"]) == (12, 1, 1)
    failures = sqlite3.connect(workspace.root / "llm_cache.sqlite").execute(
        "SELECT count(*) FROM llm_failures").fetchone()[0]
    assert failures == 1


def test_choices_through_scripted_backend():
    client = get_client(LLMConfig(), backend=ScriptedBackend(lambda req: "no"))
    resp = client.complete(ask("Is fire cold?", choices=("yes", "no")))
    assert resp.text == "no" and resp.choice_logprobs["no"] > resp.choice_logprobs["yes"]
    with pytest.raises(LLMError):
        get_client(LLMConfig(), backend=ScriptedBackend(lambda req: "maybe")).complete(
            ask("?", choices=("yes", "no")))


def test_budget_stops_before_paying(workspace):
    backend = ScriptedBackend(lambda req: "ok")
    client = get_client(LLMConfig(budget_calls=3), workspace=workspace, backend=backend)
    with pytest.raises(BudgetExceeded, match="call budget of 3"):
        client.complete_many([ask(f"q{i}") for i in range(5)])
    assert len(backend.calls) == 3
    # cached answers cost nothing: a new run with the same budget resumes and finishes
    client2 = get_client(LLMConfig(budget_calls=3), workspace=workspace, backend=backend)
    assert len(client2.complete_many([ask(f"q{i}") for i in range(5)])) == 5
    assert len(backend.calls) == 5
    priced = LLMConfig(budget_dollars=0.01, prices={"scripted": (3.0, 15.0, 0.3)})
    paid = get_client(priced, backend=ScriptedBackend(lambda req: "ok"))
    with pytest.raises(BudgetExceeded, match="dollar budget"):
        paid.complete(ask("x" * 40000, max_tokens=100))
    tokens = get_client(LLMConfig(budget_tokens=50), backend=ScriptedBackend(lambda req: "ok"))
    with pytest.raises(BudgetExceeded, match="token budget"):
        tokens.complete(ask("short", max_tokens=200))


def test_estimate_counts_cached_as_free_and_prices_the_rest(workspace):
    cfg = LLMConfig(prices={"scripted": (3.0, 15.0, 0.3)}, chars_per_token=4.0)
    client = get_client(cfg, workspace=workspace, backend=ScriptedBackend(lambda req: "ok"))
    client.complete(ask("a" * 400))
    est = client.estimate([ask("a" * 400), ask("b" * 400, max_tokens=100), ask("b" * 400, max_tokens=100)])
    assert (est["requests"], est["distinct"], est["cached"], est["new_calls"]) == (3, 2, 1, 1)
    assert est["prompt_tokens"] == 100 + 4 + 3 and est["completion_tokens_max"] == 100
    assert est["dollars_max"] == pytest.approx((107 * 3.0 + 100 * 15.0) / 1e6, abs=1e-4)
    assert len(client.backend.calls) == 1  # estimating sent nothing
