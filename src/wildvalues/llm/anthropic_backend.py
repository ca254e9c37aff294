"""The ``anthropic`` backend: the official SDK's Messages API (the paper used claude-3-5-sonnet/haiku).

Prompt caching: everything before the request's LAST message is the shared prefix (system prompt +
transcript). With ``llm.prompt_cache`` the last content block of that prefix carries
``cache_control: {"type": "ephemeral"}``, so several questions asked about one transcript — same
leading messages, different final question — pay the transcript once and then read it at the cached
rate. (Consecutive messages of one role are merged into one message with several text blocks, so a
transcript message followed by a question message works as intended.)

Choices: Claude gives no log-probs, so the answer is generated with an instruction naming the labels
and parsed strictly (:func:`wildvalues.llm.choices.parse_choice`); an answer naming no label is an
error, never a guess. ``json_schema`` is enforced through a forced tool call whose ``input_schema`` is
the schema; the tool input is returned as JSON text (tools are part of Anthropic's cached prefix, so
requests with one schema share their cache entry, plain requests another). ``grammar`` is not supported
(LLMError).
Retries on 429/5xx/timeouts/overload are the SDK's own (``max_retries``). Temperature is sent (as an
extra body field, the installed SDK has no argument for it) only to ``claude-3*`` models.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from wildvalues.llm.base import LLMBackend, LLMError, LLMRequest, LLMResponse, RetryableLLMError
from wildvalues.llm.choices import NOT_CHOSEN, choice_instruction, parse_choice
from wildvalues.llm.config import LLMConfig

EPHEMERAL = {"type": "ephemeral"}


def build_messages(request: LLMRequest, cache_prefix: bool,
                   suffix: str | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(system blocks, messages) in the Messages API shape, with the cache breakpoint placed.

    ``suffix`` (the label instruction of a choices request) goes at the very end, after the final
    message, so it never changes the cached prefix.
    """
    system = [{"type": "text", "text": m.content} for m in request.messages if m.role == "system"]
    turns = [m for m in request.messages if m.role != "system"]
    if not turns:
        raise LLMError("anthropic backend: a request needs at least one user message")
    messages: list[dict[str, Any]] = []
    last_prefix_block: dict[str, Any] | None = None
    for i, msg in enumerate(turns):
        block: dict[str, Any] = {"type": "text", "text": msg.content}
        if messages and messages[-1]["role"] == msg.role:
            messages[-1]["content"].append(block)
        else:
            messages.append({"role": msg.role, "content": [block]})
        if i < len(turns) - 1:
            last_prefix_block = block
    if suffix:
        if messages[-1]["role"] == "user":
            messages[-1]["content"].append({"type": "text", "text": suffix})
        else:
            messages.append({"role": "user", "content": [{"type": "text", "text": suffix}]})
    target = last_prefix_block or (system[-1] if system else None)
    if cache_prefix and target is not None:
        target["cache_control"] = EPHEMERAL
    return system, messages


class AnthropicBackend(LLMBackend):
    name = "anthropic"

    def __init__(self, cfg: LLMConfig) -> None:
        import anthropic

        self._anthropic = anthropic
        key = cfg.api_key_value() or os.environ.get("ANTHROPIC_API_KEY")
        if not key:
            raise LLMError("anthropic backend: no API key (set llm.api_key, WILDVALUES_LLM__API_KEY or "
                           "ANTHROPIC_API_KEY)")
        self.model = cfg.model
        self.prompt_cache = cfg.prompt_cache
        self.client = anthropic.Anthropic(api_key=key, base_url=cfg.base_url, max_retries=cfg.max_retries,
                                          timeout=cfg.timeout_s)

    def _create(self, **kwargs: Any) -> Any:
        errors = self._anthropic
        try:
            return self.client.messages.create(model=self.model, **kwargs)
        except (errors.APIResponseValidationError, ValueError) as exc:
            raise RetryableLLMError(f"anthropic backend: unreadable reply: {exc}") from exc
        except errors.APIStatusError as exc:
            raise LLMError(f"anthropic backend: HTTP {exc.status_code} after retries: {exc.message}") from exc
        except errors.APIError as exc:
            raise LLMError(f"anthropic backend: {type(exc).__name__}: {exc}") from exc

    def complete(self, request: LLMRequest) -> LLMResponse:
        if request.grammar:
            raise LLMError("anthropic backend: GBNF grammars are not supported; use json_schema or choices")
        started = time.perf_counter()
        labels = list(dict.fromkeys(request.choices or ()))
        system, messages = build_messages(request, self.prompt_cache,
                                          choice_instruction(labels) if labels else None)
        args: dict[str, Any] = {"messages": messages, "max_tokens": request.max_tokens}
        if self.model.startswith("claude-3"):
            # this SDK no longer has a temperature argument; claude-3.x models still take the field
            args["extra_body"] = {"temperature": request.temperature}
        if labels:
            args["max_tokens"] = max(len(label) for label in labels) + 24
        if system:
            args["system"] = system
        if request.stop:
            args["stop_sequences"] = list(request.stop)
        if request.json_schema is not None and not labels:
            args["tools"] = [{"name": "answer", "description": "Give the answer in this structure.",
                              "input_schema": request.json_schema}]
            args["tool_choice"] = {"type": "tool", "name": "answer"}
        out = self._create(**args)
        text = self._text(out, structured="tools" in args)
        resp = self._response(out, text)
        if labels:
            chosen = parse_choice(text, labels)
            if chosen is None:
                raise LLMError(f"anthropic backend: answer {text[:200]!r} is none of the labels {labels}")
            resp.text = chosen
            resp.choice_logprobs = {label: (0.0 if label == chosen else NOT_CHOSEN) for label in labels}
            resp.raw["mode"] = "constrained"
        resp.latency_s = time.perf_counter() - started
        return resp

    @staticmethod
    def _text(out: Any, structured: bool) -> str:
        blocks = getattr(out, "content", None)
        if not isinstance(blocks, list):
            raise RetryableLLMError(f"anthropic backend: reply without content: {str(out)[:300]}")
        if structured:
            for block in blocks:
                if getattr(block, "type", "") == "tool_use":
                    return json.dumps(block.input, ensure_ascii=False)
            raise RetryableLLMError("anthropic backend: the forced tool call is missing from the reply")
        return "".join(getattr(b, "text", "") for b in blocks if getattr(b, "type", "") == "text")

    def _response(self, out: Any, text: str) -> LLMResponse:
        usage = out.usage
        read = getattr(usage, "cache_read_input_tokens", 0) or 0
        write = getattr(usage, "cache_creation_input_tokens", 0) or 0
        plain = getattr(usage, "input_tokens", 0) or 0
        return LLMResponse(
            text=text, prompt_tokens=plain + read + write,
            completion_tokens=getattr(usage, "output_tokens", 0) or 0, model=self.model,
            raw={"stop_reason": getattr(out, "stop_reason", None), "cache_read_tokens": read,
                 "cache_write_tokens": write},
        )
