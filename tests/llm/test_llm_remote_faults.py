"""openai and anthropic backends (official SDKs) against local HTTP servers: faults, retries, caching.

The servers are real sockets on 127.0.0.1 speaking the API shapes; the SDKs run their own retry and
timeout logic against them. Fault plan per prompt: 429, 500, a timeout or a garbage reply on the first
attempt (then a good answer), or 500 forever (a call that must end as failed).
"""

from __future__ import annotations

import json

import pytest

from wildvalues.llm import ChatMessage, LLMConfig, LLMError, LLMRequest, get_client
from wildvalues.llm.anthropic_backend import build_messages

from .fakeservers import answer_for, serve

FIRST_FAULT = {0: "ok", 1: "429", 2: "500", 3: "timeout", 4: "garbage", 5: "always500"}


def plan(prompt: str, attempt: int) -> str:
    kind = FIRST_FAULT[int(prompt.split("#")[1]) % len(FIRST_FAULT)]
    if kind == "always500":
        return "500"
    return kind if attempt == 1 else "ok"


def ask(i: int) -> LLMRequest:
    return LLMRequest(messages=(ChatMessage("system", "be brief"), ChatMessage("user", f"question #{i}")))


def test_openai_backend_retries_faults_and_accounts_failures(workspace):
    n = 12
    with serve("openai", plan, hang=2.0) as (base_url, rec):
        cfg = LLMConfig(backend="openai", base_url=base_url, model="test-model", concurrency=4,
                        max_retries=2, timeout_s=0.5)
        client = get_client(cfg, workspace=workspace, run_id="faults")
        out = client.complete_many([ask(i) for i in range(n)])
        failed = [i for i in range(n) if FIRST_FAULT[i % 6] == "always500"]
        for i, resp in enumerate(out):
            if i in failed:
                assert isinstance(resp, LLMError) and "500" in str(resp)
            else:
                assert not isinstance(resp, LLMError), resp
                assert resp.text == answer_for(f"question #{i}")
        acc = client.accounting()
        assert acc["calls"] == acc["cached"] + acc["new"] + acc["failed"] == n
        assert (acc["new"], acc["failed"]) == (n - len(failed), len(failed))
        assert acc["prompt_tokens"] == 11 * acc["new"]
        # every faulty prompt was retried: 2 attempts, always-500 ones 1 + max_retries
        for i in range(n):
            expected = {"ok": 1, "always500": 3}.get(FIRST_FAULT[i % 6], 2)
            assert rec.attempts[f"question #{i}"] == expected, i
        assert acc["retries"] == 2  # garbage replies are retried by the layer, the rest by the SDK
        client.close()
        # a rerun pays only for the failed ones
        before = sum(rec.attempts.values())
        client2 = get_client(cfg, workspace=workspace, run_id="faults-rerun")
        client2.complete_many([ask(i) for i in range(n)])
        acc2 = client2.accounting()
        assert (acc2["cached"], acc2["new"], acc2["failed"]) == (n - len(failed), 0, len(failed))
        assert sum(rec.attempts.values()) - before == 3 * len(failed)
        client2.close()
    rows = workspace.con.execute(
        "SELECT run_id, calls, new, failed FROM llm_calls_summary ORDER BY 1").fetchall()
    assert rows == [("faults", n, n - 2, 2), ("faults-rerun", n, 0, 2)]


def test_openai_backend_needs_a_key_or_a_url(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMError, match="no API key"):
        get_client(LLMConfig(backend="openai", model="gpt-4o-mini"))


def transcript_questions() -> list[LLMRequest]:
    system = ChatMessage("system", "You study conversations.")
    transcript = ChatMessage("user", "TRANSCRIPT: user asks about tax forms; assistant explains. " * 50)
    return [LLMRequest(messages=(system, transcript, ChatMessage("user", q)), max_tokens=50)
            for q in ("What task?", "Which values?", "Any refusal?")]


def test_anthropic_backend_marks_transcript_for_prompt_caching(workspace):
    with serve("anthropic") as (base_url, rec):
        cfg = LLMConfig(backend="anthropic", base_url=base_url, api_key="test-key",
                        model="claude-3-5-haiku-20241022")
        client = get_client(cfg, workspace=workspace)
        out = [client.complete(r) for r in transcript_questions()]
        questions = ("What task?", "Which values?", "Any refusal?")
        assert [o.text for o in out] == [answer_for(q) for q in questions]
        for body in rec.bodies:
            content = body["messages"][0]["content"]
            assert body["messages"][0]["role"] == "user" and len(content) == 2  # merged user turns
            assert content[0]["cache_control"] == {"type": "ephemeral"}  # the transcript block
            assert content[0]["text"].startswith("TRANSCRIPT")
            assert "cache_control" not in content[1]  # the question is not cached
            assert body["system"][0]["text"] == "You study conversations."
        assert [o.raw["cache_write_tokens"] for o in out] == [1200, 0, 0]
        assert [o.raw["cache_read_tokens"] for o in out] == [0, 1200, 1200]
        acc = client.accounting()
        # dollars: first call writes the cache (1.25x input), later ones read it at the cached rate
        p_in, p_out, p_read = cfg.price_for(cfg.model)
        expected = ((7 * p_in + 1200 * p_in * 1.25 + 3 * p_out)
                    + 2 * (7 * p_in + 1200 * p_read + 3 * p_out)) / 1e6
        assert acc["dollars"] == pytest.approx(expected, abs=1e-6)
        client.close()


def test_anthropic_choices_and_json_schema_through_the_sdk():
    labels = ("echo:a", "echo:b")
    with serve("anthropic") as (base_url, rec):
        cfg = LLMConfig(backend="anthropic", base_url=base_url, api_key="k", model="claude-3-5-sonnet-x")
        client = get_client(cfg)
        # the fake model answers a label instruction with the last label offered
        resp = client.complete(LLMRequest(messages=(ChatMessage("user", "pick"),), choices=labels))
        assert resp.text == "echo:b" and resp.choice_logprobs["echo:b"] > resp.choice_logprobs["echo:a"]
        assert resp.raw["mode"] == "constrained"
        schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
        resp = client.complete(LLMRequest(messages=(ChatMessage("user", "json please"),), json_schema=schema))
        assert json.loads(resp.text) == {"answer": answer_for("json please")}
        assert rec.bodies[-1]["tool_choice"] == {"type": "tool", "name": "answer"}
        assert rec.bodies[-1]["tools"][0]["input_schema"] == schema
        instruction = rec.bodies[0]["messages"][-1]["content"][-1]["text"]
        assert instruction.startswith("Reply with exactly one")
        assert "echo:a" in instruction and "echo:b" in instruction


def test_build_messages_places_one_breakpoint():
    system, messages = build_messages(transcript_questions()[0], cache_prefix=True, suffix="labels...")
    marks = [b for m in messages for b in m["content"] if "cache_control" in b]
    marks += [b for b in system if "cache_control" in b]
    assert len(marks) == 1 and marks[0]["text"].startswith("TRANSCRIPT")
    assert messages[-1]["content"][-1]["text"] == "labels..."
    single = LLMRequest(messages=(ChatMessage("system", "long instructions"), ChatMessage("user", "q")))
    system, _ = build_messages(single, cache_prefix=True)
    assert system[0]["cache_control"] == {"type": "ephemeral"}
    _, messages = build_messages(transcript_questions()[0], cache_prefix=False)
    assert not any("cache_control" in b for m in messages for b in m["content"])


def test_anthropic_backend_retries_through_the_sdk(workspace):
    with serve("anthropic", plan, hang=2.0) as (base_url, rec):
        cfg = LLMConfig(backend="anthropic", base_url=base_url, api_key="k", model="claude-3-5-haiku-x",
                        max_retries=2, timeout_s=0.5, concurrency=3)
        client = get_client(cfg, workspace=workspace)
        out = client.complete_many([ask(i) for i in range(6)])
        assert [isinstance(o, LLMError) for o in out] == [False] * 5 + [True]
        assert [rec.attempts[f"question #{i}"] for i in range(6)] == [1, 2, 2, 2, 2, 3]
        acc = client.accounting()
        assert (acc["calls"], acc["new"], acc["failed"], acc["retries"]) == (6, 5, 1, 1)


def test_parse_choice_is_strict():
    from wildvalues.llm.choices import parse_choice

    labels = ["strong support", "mild support"]
    assert parse_choice(" Strong support.", labels) == "strong support"
    assert parse_choice('{"answer": "mild support"}', labels) == "mild support"
    assert parse_choice("I think strong support", labels) is None
    assert parse_choice("support", labels) is None
    assert parse_choice("Yes", ["yes", "YES"]) is None  # case folding must leave one match
