"""The LLM layer: ``client_for(cfg, ws, run_id)`` -> an :class:`LLMClient` over one backend.

Usage (stages never build or close a client themselves)::

    from wildvalues.llm import client_for, LLMRequest, ChatMessage
    with client_for(cfg.llm, ws, run.run_id, given=client) as judge:
        resp = judge.complete(LLMRequest(messages=(ChatMessage("user", "..."),), choices=("yes", "no")))
        resp.text, resp.choice_logprobs
        judge.accounting()   # calls = cached + new + failed, tokens, seconds, dollars

Heavy parts (llama.cpp, SDKs) are imported only when the backend that needs them is built.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from wildvalues.llm.base import (
    BudgetExceeded,
    ChatMessage,
    LLMBackend,
    LLMClient,
    LLMError,
    LLMRequest,
    LLMResponse,
    RetryableLLMError,
)
from wildvalues.llm.config import LLMConfig

if TYPE_CHECKING:
    from wildvalues.llm.client import CachedLLMClient

__all__ = ["BudgetExceeded", "ChatMessage", "LLMBackend", "LLMClient", "LLMConfig", "LLMError", "LLMRequest",
           "LLMResponse", "RetryableLLMError", "client_for", "get_client", "make_backend",
           "release_local_backends"]


_LOCAL_BACKENDS: dict[tuple[Any, ...], LLMBackend] = {}


def make_backend(cfg: LLMConfig) -> LLMBackend:
    """The bare backend named by ``cfg.backend`` (no cache, no budget): for benchmarks and tests.

    Local backends are shared per process (same model file, context and threads): the model is loaded
    once and every client reuses its KV cache; ``release_local_backends()`` frees them.
    """
    if cfg.backend == "local":
        from wildvalues.llm.local import LocalBackend

        key = (cfg.model, cfg.model_path, cfg.n_ctx, cfg.threads, cfg.choice_top_k, cfg.timeout_s)
        if key not in _LOCAL_BACKENDS:
            backend = LocalBackend(cfg)
            backend.shared = True
            _LOCAL_BACKENDS[key] = backend
        return _LOCAL_BACKENDS[key]
    if cfg.backend == "openai":
        from wildvalues.llm.openai_backend import OpenAIBackend

        return OpenAIBackend(cfg)
    if cfg.backend == "anthropic":
        from wildvalues.llm.anthropic_backend import AnthropicBackend

        return AnthropicBackend(cfg)
    raise ValueError(f"unknown llm.backend {cfg.backend!r} (expected local, openai or anthropic)")


def release_local_backends() -> None:
    """Stop the shared in-process llama.cpp servers (they also stop at interpreter exit)."""
    while _LOCAL_BACKENDS:
        _LOCAL_BACKENDS.popitem()[1].close()


def get_client(cfg: LLMConfig, workspace: Any = None, run_id: str | None = None,
               backend: LLMBackend | None = None) -> CachedLLMClient:
    """A cached, retried, budgeted, accounted client.

    ``workspace`` (a :class:`wildvalues.workspace.Workspace`) holds the persistent call cache
    (``llm_cache.sqlite``) and the ``llm_calls_summary`` table; without it the cache lives in memory.
    ``backend`` overrides ``cfg.backend`` (e.g. ``wildvalues.llm.testing.ScriptedBackend``).
    """
    from wildvalues.llm.callcache import CACHE_FILENAME, CallCache
    from wildvalues.llm.client import CachedLLMClient

    cache = CallCache(workspace.root / CACHE_FILENAME if workspace is not None else None)
    return CachedLLMClient(backend or make_backend(cfg), cfg, cache, workspace=workspace, run_id=run_id)


class _LazyClient:
    """A client built on first use: a stage that may not need its judge (a taxonomy mapped onto the paper's
    tree, tasks named by keywords) never loads the local model."""

    def __init__(self, build: Any) -> None:
        self._build, self._client = build, None

    def _get(self) -> Any:
        if self._client is None:
            self._client = self._build()
        return self._client

    def accounting(self) -> dict[str, Any]:
        if self._client is None:
            return {"calls": 0, "cached": 0, "new": 0, "failed": 0, "built": False}
        return self._client.accounting()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)


@contextmanager
def client_for(cfg: LLMConfig, ws: Any = None, run_id: str | None = None, *,
               given: LLMClient | None = None, needed: bool = True,
               lazy: bool = False) -> Iterator[LLMClient | None]:
    """The one owner of a stage's LLM client: yields ``given`` untouched (the caller owns it), else builds
    a cached, budgeted client for ``cfg`` over ``ws``'s call cache and closes it on the way out.
    ``needed=False`` (the settings ask for no LLM) yields ``given``, possibly None, and builds nothing;
    ``lazy=True`` builds the client only when the stage first uses it.
    """
    if given is not None or not needed:
        yield given
        return
    client: Any = (_LazyClient(lambda: get_client(cfg, workspace=ws, run_id=run_id)) if lazy
                   else get_client(cfg, workspace=ws, run_id=run_id))
    try:
        yield client
    finally:
        client.close()
