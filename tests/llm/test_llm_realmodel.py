"""Real llama.cpp with the 0.5B sibling model: the local backend in-process, and the openai backend
(official SDK) against the same real OpenAI-compatible llama.cpp server. Few and short on purpose."""

from __future__ import annotations

import json

import pytest

from wildvalues.llm import ChatMessage, LLMConfig, LLMRequest, get_client
from wildvalues.llm.models import TEST_MODEL

pytestmark = pytest.mark.realmodel

SYSTEM = ChatMessage("system", "You answer with a single word.")
SNOW = "What colour is fresh snow? Answer white or black."


@pytest.fixture(scope="module")
def local_backend():
    from wildvalues.llm import make_backend, release_local_backends

    cfg = LLMConfig(model=TEST_MODEL, n_ctx=2048)
    backend = make_backend(cfg)
    assert make_backend(cfg) is backend  # one model load per process, shared by every client
    yield backend
    release_local_backends()


def q(text: str, **kw) -> LLMRequest:
    return LLMRequest(messages=(SYSTEM, ChatMessage("user", text)), **kw)


def test_local_choices_rank_obvious_cases_and_reuse_the_kv_cache(local_backend):
    client = get_client(LLMConfig(model=TEST_MODEL), backend=local_backend)
    colour = client.complete(q(SNOW, choices=("white", "black")))
    assert colour.text == "white" and colour.raw["mode"] == "first-token"
    assert colour.choice_logprobs["white"] > colour.choice_logprobs["black"] + 1.0
    # labels sharing their first token: full continuation scoring
    story = ("Transcript: The user asked for help writing a cover letter and the assistant happily "
             "wrote a polished one.\n")
    labels = ("cover letter writing", "cover crop farming")
    task = client.complete(q(story + "What was the task? Answer with one of: " + ", ".join(labels),
                             choices=labels))
    assert task.raw["mode"] == "continuation" and task.raw["scoring_calls"] >= 2
    assert task.text == "cover letter writing"
    # a second question about the same transcript re-evaluates only the differing tail
    again = client.complete(q(story + "Was the assistant helpful? Answer yes or no.", choices=("yes", "no")))
    assert again.text == "yes"
    assert again.raw["kv_cache_tokens"] >= 20
    assert again.raw["evaluated_tokens"] < again.prompt_tokens


def test_local_grammar_and_json_schema(local_backend):
    client = get_client(LLMConfig(model=TEST_MODEL), backend=local_backend)
    resp = client.complete(q("Name a primary colour.", max_tokens=8, grammar='root ::= "red" | "blue"'))
    assert resp.text in ("red", "blue")
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    resp = client.complete(q("Give the number two as JSON with key n.", max_tokens=24, json_schema=schema))
    assert isinstance(json.loads(resp.text)["n"], int)


def test_openai_backend_against_real_llamacpp_server(local_backend):
    cfg = LLMConfig(backend="openai", base_url=local_backend.base_url + "/v1", model=TEST_MODEL)
    client = get_client(cfg)
    resp = client.complete(q("What colour is the clear daytime sky?", max_tokens=6))
    assert resp.text and resp.prompt_tokens > 10 and 0 < resp.completion_tokens <= 6
    colour = client.complete(q(SNOW, choices=("white", "black")))
    assert colour.raw["mode"] == "first-token-logprobs"  # llama.cpp returns top_logprobs
    assert colour.text == "white" and colour.choice_logprobs["white"] > colour.choice_logprobs["black"]
    # labels sharing a first character: generation under response_format json_schema (enum) + strict parse
    shared = client.complete(q("Is fire hot? Answer yes or no.", choices=("yes please", "yes no")))
    assert shared.raw["mode"] == "constrained" and shared.text in ("yes please", "yes no")
    assert client.accounting()["new"] == 3
