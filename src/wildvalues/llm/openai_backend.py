"""The ``openai`` backend: the official SDK against any OpenAI-compatible endpoint.

Works with OpenAI itself, vLLM, Ollama and llama.cpp's server. Base URL, model and key come from
``llm.base_url``, ``llm.model`` and ``llm.api_key`` (or env ``OPENAI_API_KEY``). Retries on 429, 5xx,
timeouts and connection errors are the SDK's own (``max_retries``, with backoff); a reply that cannot
be read is raised as :class:`RetryableLLMError` for the client to retry.

Choices: when the labels start with pairwise different characters (so their first tokens differ in
any tokenizer) one call with ``max_tokens=1, logprobs, top_logprobs`` scores them by first-token
log-prob. Otherwise, or when the server gives no log-probs, the answer is generated under a JSON schema
with an ``enum`` of the labels and parsed strictly (``choice_logprobs`` is then 0 for the chosen label
and ``NOT_CHOSEN`` for the others). ``grammar`` is passed as llama.cpp's ``grammar`` extension field.
"""

from __future__ import annotations

import os
import time
from typing import Any

from wildvalues.llm.base import LLMBackend, LLMError, LLMRequest, LLMResponse, RetryableLLMError
from wildvalues.llm.choices import (
    NOT_CHOSEN,
    choice_instruction,
    choice_schema,
    first_char_separable,
    parse_choice,
    score_first_token,
)
from wildvalues.llm.config import LLMConfig


class OpenAIBackend(LLMBackend):
    name = "openai"

    def __init__(self, cfg: LLMConfig) -> None:
        import openai

        self._openai = openai
        key = cfg.api_key_value() or os.environ.get("OPENAI_API_KEY")
        if not key and cfg.base_url:
            key = "not-needed"  # local servers (llama.cpp, vLLM) usually take any key
        if not key:
            raise LLMError("openai backend: no API key (set llm.api_key, WILDVALUES_LLM__API_KEY or "
                           "OPENAI_API_KEY), or point llm.base_url at a local server")
        self.model = cfg.model
        self.top_k = min(cfg.choice_top_k, 20)  # the API's maximum
        self.logprobs_ok = True  # switched off after a server refuses logprobs
        self.client = openai.OpenAI(api_key=key, base_url=cfg.base_url, max_retries=cfg.max_retries,
                                    timeout=cfg.timeout_s)

    def _create(self, **kwargs: Any) -> Any:
        errors = self._openai
        try:
            return self.client.chat.completions.create(model=self.model, **kwargs)
        except (errors.APIResponseValidationError, ValueError) as exc:
            raise RetryableLLMError(f"openai backend: unreadable reply: {exc}") from exc
        except errors.APIStatusError as exc:
            raise LLMError(f"openai backend: HTTP {exc.status_code} after retries: {exc.message}") from exc
        except errors.APIError as exc:  # connection errors and timeouts, after the SDK's retries
            raise LLMError(f"openai backend: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _messages(request: LLMRequest, extra_system: str | None = None) -> list[dict[str, str]]:
        msgs = [{"role": m.role, "content": m.content} for m in request.messages]
        if extra_system:
            msgs.append({"role": "system", "content": extra_system})
        return msgs

    def complete(self, request: LLMRequest) -> LLMResponse:
        started = time.perf_counter()
        resp = self._choose(request) if request.choices else self._generate(request)
        resp.latency_s = time.perf_counter() - started
        resp.model = self.model
        return resp

    def _common(self, request: LLMRequest) -> dict[str, Any]:
        args: dict[str, Any] = {"temperature": request.temperature}
        if request.seed is not None:
            args["seed"] = request.seed
        if request.stop:
            args["stop"] = list(request.stop)
        return args

    def _generate(self, request: LLMRequest) -> LLMResponse:
        args = self._common(request)
        if request.json_schema is not None:
            # OpenAI's strict mode demands closed objects; ask for it only when the schema is one
            strict = request.json_schema.get("additionalProperties") is False
            args["response_format"] = {"type": "json_schema", "json_schema": {
                "name": "answer", "schema": request.json_schema, "strict": strict}}
        if request.grammar:
            args["extra_body"] = {"grammar": request.grammar}
        out = self._create(messages=self._messages(request), max_tokens=request.max_tokens, **args)
        return self._response(out, out.choices[0].message.content or "")

    @staticmethod
    def _response(out: Any, text: str, **extra: Any) -> LLMResponse:
        if not getattr(out, "choices", None):
            raise RetryableLLMError(f"openai backend: reply without choices: {str(out)[:300]}")
        usage = out.usage
        details = getattr(usage, "prompt_tokens_details", None)  # OpenAI caches long prefixes itself
        cached = getattr(details, "cached_tokens", 0) or 0
        return LLMResponse(
            text=text, prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
            raw={"finish_reason": out.choices[0].finish_reason, "cache_read_tokens": cached, **extra},
        )

    def _choose(self, request: LLMRequest) -> LLMResponse:
        labels = list(dict.fromkeys(request.choices or ()))
        if self.logprobs_ok and first_char_separable(labels):
            try:
                out = self._create(messages=self._messages(request), max_tokens=1, logprobs=True,
                                   top_logprobs=self.top_k, **self._common(request))
            except LLMError as exc:
                if "logprob" not in str(exc).lower():
                    raise
                self.logprobs_ok = False
            else:
                content = out.choices[0].logprobs.content if out.choices and out.choices[0].logprobs \
                    else None
                if content:
                    top = [(t.token, t.logprob) for t in content[0].top_logprobs]
                    scores, bounded = score_first_token(labels, top)
                    best = max(labels, key=lambda lab: scores[lab])
                    resp = self._response(out, best, mode="first-token-logprobs", bounded=bounded)
                    resp.choice_logprobs = scores
                    return resp
                self.logprobs_ok = False  # the server ignored logprobs: use constrained generation
        return self._choose_constrained(request, labels)

    def _choose_constrained(self, request: LLMRequest, labels: list[str]) -> LLMResponse:
        args = self._common(request)
        args["response_format"] = {"type": "json_schema", "json_schema": {
            "name": "choice", "schema": choice_schema(labels), "strict": True}}
        longest = max(len(label) for label in labels)
        out = self._create(messages=self._messages(request, choice_instruction(labels)),
                           max_tokens=longest + 24, **args)
        text = (out.choices[0].message.content or "") if out.choices else ""
        chosen = parse_choice(text, labels)
        if chosen is None:
            raise LLMError(f"openai backend: answer {text[:200]!r} is none of the labels {labels}")
        resp = self._response(out, chosen, mode="constrained")
        resp.choice_logprobs = {label: (0.0 if label == chosen else NOT_CHOSEN) for label in labels}
        return resp
