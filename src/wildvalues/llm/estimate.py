"""What a run will cost before anything is paid: calls, tokens, dollars and (local model) wall time.

A stage's ``--dry-run`` gathers the exact requests it would send (for extraction: by running the pure
extractor over a sample of the pending conversations against a :class:`RecordingClient` that answers
nothing real), then :func:`estimate_requests` counts their tokens with the backend's own tokenizer where
one is at hand (the local llama.cpp model), prices them from the user-editable table in
:mod:`wildvalues.llm.config`, and times them from the local model's measured speed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from wildvalues.llm.base import LLMBackend, LLMError, LLMRequest, LLMResponse
from wildvalues.llm.config import PRICES_AS_OF, LLMConfig

# Expected completion length as a share of max_tokens (free generations: short lists and one sentence stop
# well before their cap); choices score their label only.
COMPLETION_SHARE = 0.5


class _NamedBackend(LLMBackend):
    """Stands for the real backend in a recording client: it has a name and a model, and never answers."""

    def __init__(self, name: str, model: str) -> None:
        self.name, self.model = name, model

    def complete(self, request: LLMRequest) -> LLMResponse:  # pragma: no cover - never called
        raise LLMError("a recording client sends nothing")


@dataclass
class RecordingClient:
    """An :class:`~wildvalues.llm.base.LLMClient` that records each request and answers with ``answer``
    (a neutral reply that parses: no values, a generic sentence, the first choice)."""

    backend: LLMBackend
    cfg: Any = None
    answer: Callable[[LLMRequest], str] | None = None
    requests: list[LLMRequest] = field(default_factory=list)

    @property
    def model(self) -> str:
        return self.backend.model

    def complete(self, req: LLMRequest) -> LLMResponse:
        self.requests.append(req)
        if req.choices:
            return LLMResponse(text=req.choices[0], choice_logprobs={c: -0.69 for c in req.choices})
        return LLMResponse(text=self.answer(req) if self.answer else "none")

    def complete_many(self, requests: Sequence[LLMRequest]) -> list[LLMResponse | LLMError]:
        return [self.complete(r) for r in requests]

    def estimate(self, requests: Sequence[LLMRequest]) -> dict[str, Any]:
        return {"requests": len(requests)}

    def accounting(self) -> dict[str, Any]:
        return {"calls": 0, "cached": 0, "new": 0, "failed": 0}

    def close(self) -> None:
        pass


def recording_client(cfg: LLMConfig, model: str,
                     answer: Callable[[LLMRequest], str] | None = None) -> RecordingClient:
    return RecordingClient(_NamedBackend(cfg.backend, model), cfg, answer)


@dataclass
class TokenCounter:
    """Prompt tokens of a request: the backend's own template and tokenizer where it has them (the local
    llama.cpp model), else characters / ``llm.chars_per_token``."""

    cfg: LLMConfig
    backend: Any = None
    method: str = ""
    _backend: Any = None

    def __post_init__(self) -> None:
        self.method = f"chars/{self.cfg.chars_per_token}"
        if self.backend is not None:
            if hasattr(self.backend, "tokenize") and hasattr(self.backend, "render"):
                self._backend, self.method = self.backend, "the backend's own tokenizer"
        elif self.cfg.backend == "local":
            try:
                from wildvalues.llm import make_backend

                self._backend = make_backend(self.cfg)
                self.method = "llama.cpp tokenizer of the model"
            except Exception as exc:  # noqa: BLE001 - no runtime or model: fall back and say so
                self.method = f"chars/{self.cfg.chars_per_token} (local tokenizer unavailable: {exc})"

    def prompt_tokens(self, req: LLMRequest) -> int:
        if self._backend is not None:
            return len(self._backend.tokenize(self._backend.render(req), special=True))
        chars = sum(len(m.content) for m in req.messages)
        return int(chars / self.cfg.chars_per_token) + 4 * len(req.messages) + 3


def expected_completion_tokens(req: LLMRequest) -> int:
    if req.choices:
        return 1
    return max(1, int(req.max_tokens * COMPLETION_SHARE))


@dataclass
class LocalSpeed:
    """Tokens per second of the local model on this machine: prompt processing and generation."""

    prompt_per_s: float
    generate_per_s: float
    source: str


def measure_local_speed(cfg: LLMConfig, probe: LLMRequest) -> LocalSpeed | None:
    """Time one real generation of ``probe`` on the local model (llama.cpp's own timings)."""
    try:
        from wildvalues.llm import make_backend

        backend = make_backend(cfg)
        response = backend.complete(LLMRequest(messages=probe.messages, max_tokens=16, seed=1))
    except Exception:  # noqa: BLE001 - no local model: no wall-time estimate
        return None
    timings = response.raw.get("timings", {})
    prompt_rate, gen_rate = timings.get("prompt_per_second"), timings.get("predicted_per_second")
    if not prompt_rate or not gen_rate:
        return None
    stamp = time.strftime("%Y-%m-%d %H:%M")
    return LocalSpeed(float(prompt_rate), float(gen_rate), f"measured now ({stamp}) on one request")


def workspace_cache(ws: Any, cfg: LLMConfig) -> Any:
    """The workspace's call cache, for an estimate to find answers already paid for (None: cache off)."""
    if not cfg.call_cache:
        return None
    from wildvalues.llm.callcache import CACHE_FILENAME, CallCache

    return CallCache(ws.root / CACHE_FILENAME)


def estimate_requests(requests: Sequence[LLMRequest], cfg: LLMConfig, model: str, *, scale: float = 1.0,
                      cache: Any = None, backend: Any = None,
                      speed: LocalSpeed | None = None) -> dict[str, Any]:
    """Calls, tokens, dollars and wall time of ``requests`` (times ``scale`` when they are a sample).

    A request whose answer ``cache`` (a call cache: ``get(key)``) already holds is free and instant;
    ``backend`` is the real backend when one is built (its tokenizer is used where it has one).
    """
    counter = TokenCounter(cfg, backend)
    backend_name = getattr(backend, "name", None) or cfg.backend
    distinct: dict[str, LLMRequest] = {}
    for req in requests:
        distinct.setdefault(req.cache_key(backend_name, model), req)
    new = [r for key, r in distinct.items() if cache is None or cache.get(key) is None]
    prompt = sum(counter.prompt_tokens(r) for r in new)
    completion = sum(expected_completion_tokens(r) for r in new)
    completion_max = sum(1 if r.choices else r.max_tokens for r in new)
    price = cfg.price_for(model)
    out: dict[str, Any] = {
        "backend": backend_name, "model": model, "requests": round(len(requests) * scale),
        "distinct": round(len(distinct) * scale), "cached": round((len(distinct) - len(new)) * scale),
        "new_calls": round(len(new) * scale),
        "prompt_tokens": round(prompt * scale), "completion_tokens": round(completion * scale),
        "completion_tokens_max": round(completion_max * scale), "token_method": counter.method,
    }
    if price is not None:
        from wildvalues.llm.client import request_dollars

        out["dollars"] = round(request_dollars(cfg, model, prompt, completion) * scale, 4)
        out["dollars_max"] = round(request_dollars(cfg, model, prompt, completion_max) * scale, 4)
        out["prices_as_of"] = PRICES_AS_OF
    elif backend_name in ("openai", "anthropic"):
        out["dollars"] = f"unknown: no price for {model!r} in llm.prices (add it to wildvalues.toml)"
    else:
        out["dollars"] = 0.0
    if speed is not None:
        out["wall_seconds"] = round((prompt / speed.prompt_per_s + completion / speed.generate_per_s) * scale)
        out["speed"] = (f"{speed.prompt_per_s:.0f} prompt + {speed.generate_per_s:.1f} generated tokens/s, "
                        f"{speed.source}; an upper bound (a conversation's questions share a cached prefix)")
    return out
