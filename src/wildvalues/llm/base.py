"""The one small interface every stage uses to ask an LLM.

A request is a list of chat messages plus decoding parameters. With ``choices`` set, the backend
scores each given label as the answer (log-probability of the label as the assistant's reply, or the
best approximation the backend offers) and returns them in ``LLMResponse.choice_logprobs``; ``text``
is then the best-scoring label. ``grammar`` (GBNF) constrains free generation where the backend
supports it (llama.cpp); ``json_schema`` does the same for backends with structured outputs.

Backends implement :class:`LLMBackend`; the layer around them (cache, budget, retries, accounting,
concurrency) is :class:`wildvalues.llm.client.CachedLLMClient`; stages see it through the
:class:`LLMClient` protocol.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True)
class LLMRequest:
    messages: tuple[ChatMessage, ...]
    temperature: float = 0.0
    max_tokens: int = 256
    stop: tuple[str, ...] = ()
    choices: tuple[str, ...] | None = None
    grammar: str | None = None
    json_schema: dict[str, Any] | None = None
    seed: int | None = 0
    tag: str = ""  # what the call is for ("extract.response_type", "taxonomy.name" ...); not in the cache key

    def cache_key(self, backend: str, model: str) -> str:
        """Stable key over everything that changes the answer."""
        # the same payload as dataclasses.asdict() minus "tag", built directly (asdict deep-copies, slow)
        payload = {
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
            "temperature": self.temperature, "max_tokens": self.max_tokens, "stop": self.stop,
            "choices": self.choices, "grammar": self.grammar, "json_schema": self.json_schema,
            "seed": self.seed, "backend": backend, "model": model,
        }
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class LLMResponse:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    model: str = ""
    choice_logprobs: dict[str, float] | None = None
    cached: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


class LLMError(RuntimeError):
    """A call that failed after its retries; counted as failed, never turned into an empty answer."""


class RetryableLLMError(LLMError):
    """A failure worth retrying (rate limit, timeout, 5xx, garbled reply) that the backend's own SDK did
    not already retry; the client retries it with backoff."""


class BudgetExceeded(RuntimeError):
    """The run's budget (calls, tokens or dollars) would be exceeded by the next call; nothing was sent."""


class LLMBackend(ABC):
    """One way of reaching a model. Subclasses: local (embedded llama.cpp), openai, anthropic."""

    name: str = "abstract"
    model: str = ""
    shared: bool = False  # True for process-wide backends that a client's close() must not close

    @abstractmethod
    def complete(self, request: LLMRequest) -> LLMResponse:
        """Answer one request (blocking). Raise :class:`LLMError` on failure after retries."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release processes, servers or connections."""


@runtime_checkable
class LLMClient(Protocol):
    """What a stage may ask of a judge: built by :func:`wildvalues.llm.client_for` (cache, budget,
    retries, accounting around one backend)."""

    backend: LLMBackend
    cfg: Any

    @property
    def model(self) -> str: ...

    def complete(self, req: LLMRequest) -> LLMResponse: ...

    def complete_many(self, requests: Sequence[LLMRequest]) -> list[LLMResponse | LLMError]: ...

    def estimate(self, requests: Sequence[LLMRequest]) -> dict[str, Any]: ...

    def accounting(self) -> dict[str, Any]: ...

    def close(self) -> None: ...
