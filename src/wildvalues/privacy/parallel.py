"""Scrub batches of conversations in worker processes, results in input order.

spaCy and Presidio run in one Python thread, so a second core only helps through a second process. Each
worker loads the analyzer once (about 2 s of CPU), so small jobs stay in the calling process. Workers come
from a fork server (spawned where there is none), never forked from the caller: it holds a DuckDB connection
and threads that a fork would copy mid-state.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from wildvalues.privacy.config import PrivacyConfig
from wildvalues.privacy.scrub import ScrubResult, scrub_conversations

Tag = TypeVar("Tag")

_worker_cfg: PrivacyConfig | None = None


def worker_count(cfg: PrivacyConfig, n_batches: int) -> int:
    """Processes to use: ``cfg.processes`` (0 = one per CPU), at most one per batch, 1 below two batches."""
    wanted = cfg.processes if cfg.processes > 0 else (os.cpu_count() or 1)
    return max(1, min(wanted, n_batches)) if n_batches >= 2 else 1


def _init_worker(cfg_json: str) -> None:
    global _worker_cfg
    _worker_cfg = PrivacyConfig.model_validate_json(cfg_json)
    scrub_conversations([["warm-up: Jane Doe, jane@example.com"]], _worker_cfg)  # load spaCy + Presidio


def _scrub_in_worker(conversations: list[list[str]]) -> list[list[ScrubResult]]:
    assert _worker_cfg is not None, "worker not initialised"
    return scrub_conversations(conversations, _worker_cfg)


def scrub_batches(batches: Iterable[tuple[Tag, Sequence[Sequence[str]]]], cfg: PrivacyConfig,
                  processes: int = 1) -> Iterator[tuple[Tag, list[list[ScrubResult]]]]:
    """Scrub each batch of conversations (tag, texts per conversation); yields (tag, results) in order.

    With ``processes > 1`` the batches run in that many spawned workers, at most two batches per worker
    in flight (the next batches are read while earlier ones are scrubbed); tags stay in this process.
    """
    if processes <= 1:
        for tag, conversations in batches:
            yield tag, scrub_conversations(conversations, cfg)
        return
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # the fork server imports this module, not the caller's __main__ (a script without a
        # ``if __name__ == "__main__"`` guard would otherwise run again in every worker)
        context.set_forkserver_preload(["wildvalues.privacy.parallel"])
    else:
        context = multiprocessing.get_context("spawn")
    pending: deque[tuple[Tag, Future[Any]]] = deque()
    with ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_init_worker,
                             initargs=(cfg.model_dump_json(),)) as pool:
        for tag, conversations in batches:
            pending.append((tag, pool.submit(_scrub_in_worker, [list(c) for c in conversations])))
            if len(pending) >= 2 * processes:
                done_tag, future = pending.popleft()
                yield done_tag, future.result()
        while pending:
            done_tag, future = pending.popleft()
            yield done_tag, future.result()
