"""The layer every stage calls: cache, budget, retries, concurrency and accounting around a backend.

``called = cached + new + failed`` holds for every run: a request answered from the call cache (or by
an identical request earlier in the same batch) is *cached*, one the backend answered is *new*, one
that still failed after its retries is *failed* (and returned as :class:`LLMError`, never as an empty
answer). Requests refused by the budget are not sent and not counted as called.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from wildvalues.llm.base import (
    BudgetExceeded,
    LLMBackend,
    LLMError,
    LLMRequest,
    LLMResponse,
    RetryableLLMError,
)
from wildvalues.llm.callcache import CallCache
from wildvalues.llm.config import LLMConfig

_SUMMARY_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_calls_summary (
    run_id VARCHAR, backend VARCHAR, model VARCHAR,
    calls INTEGER, cached INTEGER, new INTEGER, failed INTEGER, retries INTEGER,
    prompt_tokens BIGINT, completion_tokens BIGINT, seconds DOUBLE, dollars DOUBLE,
    updated_at TIMESTAMP,
    PRIMARY KEY (run_id, backend, model)
)
"""


def request_dollars(cfg: LLMConfig, model: str, prompt_tokens: int, completion_tokens: int,
                    cache_read: int = 0, cache_write: int = 0) -> float:
    """Dollars for one call from the price table (cache writes at 1.25x input, reads at the cached rate)."""
    price = cfg.price_for(model)
    if price is None:
        return 0.0
    p_in, p_out, p_cached = price
    plain = max(prompt_tokens - cache_read - cache_write, 0)
    total = plain * p_in + cache_write * p_in * 1.25 + cache_read * p_cached + completion_tokens * p_out
    return total / 1e6


class CachedLLMClient:
    """Cached, retried, budgeted and accounted access to one backend (build it with ``get_client``)."""

    def __init__(self, backend: LLMBackend, cfg: LLMConfig, cache: CallCache, workspace: Any = None,
                 run_id: str | None = None) -> None:
        self.backend = backend
        self.cfg = cfg
        self.cache = cache
        self.workspace = workspace
        self.run_id = run_id or datetime.now(UTC).strftime("adhoc-%Y%m%dT%H%M%S")
        self._lock = threading.Lock()
        self._started = time.perf_counter()
        self._counts = {"calls": 0, "cached": 0, "new": 0, "failed": 0, "retries": 0,
                        "prompt_tokens": 0, "completion_tokens": 0, "dollars": 0.0}
        self._reserved = {"calls": 0, "tokens": 0, "dollars": 0.0}  # in-flight budget reservations

    @property
    def model(self) -> str:
        return self.backend.model

    # -- estimates and budget ------------------------------------------------------------------------
    def _estimate_one(self, req: LLMRequest) -> tuple[int, int]:
        """A quick bound for the budget check: characters / ratio, and the completion's ``max_tokens``."""
        chars = sum(len(m.content) for m in req.messages)
        prompt = int(chars / self.cfg.chars_per_token) + 4 * len(req.messages) + 3
        completion = sum(max(1, int(len(c) / self.cfg.chars_per_token)) for c in req.choices) \
            if req.choices else req.max_tokens
        return prompt, completion

    def estimate(self, requests: Sequence[LLMRequest]) -> dict[str, Any]:
        """What running ``requests`` would cost (see :func:`wildvalues.llm.estimate.estimate_requests`):
        answers already in the call cache are free; tokens by the backend's tokenizer where it has one."""
        from wildvalues.llm.estimate import estimate_requests

        cache = self.cache if self.cfg.call_cache else None
        return estimate_requests(requests, self.cfg, self.model, cache=cache, backend=self.backend)

    def _reserve(self, req: LLMRequest) -> tuple[int, float]:
        prompt, completion = self._estimate_one(req)
        tokens = prompt + completion
        dollars = request_dollars(self.cfg, self.model, prompt, completion)
        cfg = self.cfg
        with self._lock:
            c, r = self._counts, self._reserved
            if cfg.budget_calls is not None and c["new"] + c["failed"] + r["calls"] + 1 > cfg.budget_calls:
                raise BudgetExceeded(f"call budget of {cfg.budget_calls} reached "
                                     f"({c['new']} new + {c['failed']} failed so far)")
            spent_tokens = c["prompt_tokens"] + c["completion_tokens"] + r["tokens"]
            if cfg.budget_tokens is not None and spent_tokens + tokens > cfg.budget_tokens:
                raise BudgetExceeded(f"token budget of {cfg.budget_tokens:,} would be exceeded "
                                     f"({spent_tokens:,} used, next call up to {tokens:,})")
            if cfg.budget_dollars is not None and c["dollars"] + r["dollars"] + dollars > cfg.budget_dollars:
                raise BudgetExceeded(f"dollar budget of ${cfg.budget_dollars:.2f} would be exceeded "
                                     f"(${c['dollars']:.4f} spent, next call up to ${dollars:.4f})")
            r["calls"] += 1
            r["tokens"] += tokens
            r["dollars"] += dollars
        return tokens, dollars

    def _release(self, tokens: int, dollars: float) -> None:
        with self._lock:
            self._reserved["calls"] -= 1
            self._reserved["tokens"] -= tokens
            self._reserved["dollars"] -= dollars

    # -- calls ---------------------------------------------------------------------------------------
    def _count(self, **deltas: float) -> None:
        with self._lock:
            for key, value in deltas.items():
                self._counts[key] += value

    def complete(self, req: LLMRequest) -> LLMResponse:
        """One request: from the cache if answered before, else the backend (retried, budgeted)."""
        return self._complete(req, req.cache_key(self.backend.name, self.model))

    def _complete(self, req: LLMRequest, key: str) -> LLMResponse:
        if self.cfg.call_cache:
            hit = self.cache.get(key)
            if hit is not None:
                self._count(calls=1, cached=1)
                return hit
        reserved = self._reserve(req)
        try:
            resp = self._call_with_retries(req)
        except LLMError as exc:
            self._count(calls=1, failed=1)
            self.cache.record_failure(key, str(exc), backend=self.backend.name, model=self.model,
                                      tag=req.tag, run_id=self.run_id)
            raise
        finally:
            self._release(*reserved)
        dollars = request_dollars(self.cfg, self.model, resp.prompt_tokens, resp.completion_tokens,
                                  int(resp.raw.get("cache_read_tokens", 0)),
                                  int(resp.raw.get("cache_write_tokens", 0)))
        stored = self.cache.put(key, resp, backend=self.backend.name, model=self.model, tag=req.tag,
                                run_id=self.run_id, dollars=dollars)
        self._count(calls=1, new=1, prompt_tokens=resp.prompt_tokens,
                    completion_tokens=resp.completion_tokens, dollars=dollars)
        if not stored and self.cfg.call_cache:  # a parallel caller stored this key first: one answer wins
            return self.cache.get(key) or resp
        return resp

    def _call_with_retries(self, req: LLMRequest) -> LLMResponse:
        attempt = 0
        while True:
            try:
                return self.backend.complete(req)
            except RetryableLLMError:
                if attempt >= self.cfg.max_retries:
                    raise
            attempt += 1
            self._count(retries=1)
            time.sleep(min(8.0, 0.25 * 2 ** attempt) * (0.5 + random.random()))

    def complete_many(self, requests: Sequence[LLMRequest]) -> list[LLMResponse | LLMError]:
        """Answer ``requests`` with up to ``llm.concurrency`` in flight; results in input order.

        A failed request yields its :class:`LLMError` in place. :class:`BudgetExceeded` stops the
        batch (answers obtained so far are already in the call cache, so a rerun resumes).
        """
        first_of: dict[str, int] = {}
        keys = [req.cache_key(self.backend.name, self.model) for req in requests]
        for i, key in enumerate(keys):
            first_of.setdefault(key, i)
        unique = sorted(set(first_of.values()))
        results: dict[int, LLMResponse | LLMError] = {}

        def run(i: int) -> None:
            try:
                results[i] = self._complete(requests[i], keys[i])
            except LLMError as exc:
                results[i] = exc

        workers = max(1, self.cfg.concurrency)
        if workers == 1 or len(unique) <= 1:
            for i in unique:
                run(i)
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(run, i) for i in unique]
                try:
                    for fut in futures:
                        fut.result()
                except BudgetExceeded:
                    for fut in futures:
                        fut.cancel()
                    raise
        out: list[LLMResponse | LLMError] = []
        for i, key in enumerate(keys):
            first = results[first_of[key]]
            if i != first_of[key]:
                self._count(calls=1, cached=1)
                first = LLMResponse(**{**first.__dict__, "cached": True}) \
                    if isinstance(first, LLMResponse) else first
            out.append(first)
        self.save_accounting()
        return out

    # -- accounting ----------------------------------------------------------------------------------
    def accounting(self) -> dict[str, Any]:
        """This run's counts: calls = cached + new + failed, tokens, retries, seconds, dollars."""
        with self._lock:
            counts = dict(self._counts)
        counts["dollars"] = round(counts["dollars"], 6)
        counts.update(run_id=self.run_id, backend=self.backend.name, model=self.model,
                      seconds=round(time.perf_counter() - self._started, 3))
        return counts

    def save_accounting(self) -> None:
        """Upsert this run's row of ``llm_calls_summary`` in the workspace (no-op without one)."""
        if self.workspace is None:
            return
        acc = self.accounting()
        con = self.workspace.con
        con.execute(_SUMMARY_SCHEMA)
        con.execute(
            "INSERT OR REPLACE INTO llm_calls_summary VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [acc["run_id"], acc["backend"], acc["model"], acc["calls"], acc["cached"], acc["new"],
             acc["failed"], acc["retries"], acc["prompt_tokens"], acc["completion_tokens"], acc["seconds"],
             acc["dollars"], datetime.now(UTC).replace(tzinfo=None)],
        )

    def close(self) -> None:
        self.save_accounting()
        if not getattr(self.backend, "shared", False):  # shared local models outlive one client
            self.backend.close()
        self.cache.close()

    def __enter__(self) -> CachedLLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LLMClient({self.backend.name}:{self.model}, {json.dumps(self.accounting())})"
