"""The persistent call cache: one SQLite file in WAL mode beside the workspace databases.

Each answer is written in its own committed transaction the moment it arrives, keyed by
:meth:`LLMRequest.cache_key`. A process killed with ``kill -9`` at any moment loses at most the call in
flight (never a stored answer: a committed WAL transaction is in the OS's hands), and a rerun finds every
stored answer, so nothing is paid twice and nothing is recorded twice (the key is the primary key;
``INSERT OR IGNORE``). ``synchronous=NORMAL``: a power cut (not a process kill) may drop the last few
commits, which are then simply asked again; the file is never corrupted.

SQLite rather than DuckDB: the workspace's DuckDB file is held by the stage's own connection, while
this cache is written from worker threads and must survive abrupt kills without a checkpoint.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import asdict
from pathlib import Path

from wildvalues.llm.base import LLMResponse

_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_calls (
    key TEXT PRIMARY KEY,
    backend TEXT NOT NULL,
    model TEXT NOT NULL,
    tag TEXT,
    run_id TEXT,
    response TEXT NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    dollars REAL,
    created_at REAL
);
CREATE TABLE IF NOT EXISTS llm_failures (
    key TEXT, backend TEXT, model TEXT, tag TEXT, run_id TEXT, error TEXT, created_at REAL
);
"""

CACHE_FILENAME = "llm_cache.sqlite"


def response_to_json(resp: LLMResponse) -> str:
    data = asdict(resp)
    data.pop("cached")
    return json.dumps(data, ensure_ascii=False, default=str)


def response_from_json(blob: str) -> LLMResponse:
    return LLMResponse(**json.loads(blob), cached=True)


class CallCache:
    """Thread-safe get/put of responses by cache key; ``path=None`` keeps them in memory only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._con = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False,
                                    isolation_level=None, timeout=60)
        if path:
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=NORMAL")
        self._con.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def get(self, key: str) -> LLMResponse | None:
        with self._lock:
            row = self._con.execute("SELECT response FROM llm_calls WHERE key = ?", (key,)).fetchone()
        return response_from_json(row[0]) if row else None

    def put(self, key: str, resp: LLMResponse, *, backend: str, model: str, tag: str, run_id: str | None,
            dollars: float) -> bool:
        """Store one answer atomically; False if the key was already there (nothing duplicated)."""
        with self._lock:
            cur = self._con.execute(
                "INSERT OR IGNORE INTO llm_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, backend, model, tag, run_id, response_to_json(resp), resp.prompt_tokens,
                 resp.completion_tokens, dollars, time.time()),
            )
            return cur.rowcount == 1

    def record_failure(self, key: str, error: str, *, backend: str, model: str, tag: str,
                       run_id: str | None) -> None:
        with self._lock:
            self._con.execute("INSERT INTO llm_failures VALUES (?, ?, ?, ?, ?, ?, ?)",
                              (key, backend, model, tag, run_id, error[:2000], time.time()))

    def count(self) -> int:
        with self._lock:
            return self._con.execute("SELECT count(*) FROM llm_calls").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._con.close()
