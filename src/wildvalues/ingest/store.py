"""Batched writes of conversations, messages and quarantine rows into the raw store (pyarrow -> DuckDB).

Conversations already in the workspace (same content hash) are not written again and are counted as
duplicates, so ingesting the same file twice is idempotent. The writes run on one background thread
(DuckDB releases the GIL), so parsing the next batch overlaps with storing the last one; the queue holds
at most two batches, which keeps memory flat. Only that thread touches the connection until ``close()``.
"""

from __future__ import annotations

import json
import queue
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

from wildvalues.records import Conversation, Rejection
from wildvalues.workspace import Workspace

_CONV_COLUMNS = ("conversation_id", "source", "source_file", "source_ref", "model", "user_id", '"timestamp"',
                 "language", "n_messages", "meta", "run_id")


@contextmanager
def bulk_load(ws: Workspace, memory_limit_mb: int | None) -> Iterator[None]:
    """DuckDB settings for one big load, restored afterwards: no automatic checkpoint after every batch
    (that rewrites the growing database on each commit) and a memory cap; one checkpoint at the end."""
    con = ws.con
    saved = {name: con.execute(f"SELECT current_setting('{name}')").fetchone()[0]  # type: ignore[index]
             for name in ("checkpoint_threshold", "memory_limit")}
    con.execute("SET checkpoint_threshold = '4GB'")
    if memory_limit_mb:
        con.execute(f"SET memory_limit = '{int(memory_limit_mb)}MB'")
    try:
        yield
        con.execute("CHECKPOINT raw")
    finally:
        for name, value in saved.items():
            con.execute(f"SET {name} = '{value}'")


class RawWriter:
    """Buffers records and writes them one pyarrow table per batch; counts what it wrote or skipped."""

    def __init__(self, ws: Workspace, run_id: str, batch_size: int = 1000, checkpoint_mb: int = 64) -> None:
        self.ws, self.run_id, self.batch_size = ws, run_id, batch_size
        self.checkpoint_bytes, self._unsaved_bytes = checkpoint_mb * 1_000_000, 0
        self._conversations: list[tuple[Conversation, str]] = []
        self._rejections: list[Rejection] = []
        self.inserted: Counter[str] = Counter()  # per label
        self.existing: Counter[str] = Counter()  # per label: already in the workspace
        self.roles: Counter[str] = Counter()
        self.quarantined = 0
        self._queue: queue.Queue[tuple[str, list[Any]] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="wildvalues-ingest-writer", daemon=True)
        self._thread.start()

    def add(self, conversation: Conversation, label: str) -> None:
        self._conversations.append((conversation, label))
        if len(self._conversations) >= self.batch_size:
            self._submit("conversations", self._conversations)
            self._conversations = []

    def reject(self, rejection: Rejection) -> None:
        self._rejections.append(rejection)
        if len(self._rejections) >= self.batch_size:
            self._submit("rejections", self._rejections)
            self._rejections = []

    def close(self) -> None:
        """Write what is buffered, wait for the writer and re-raise anything it failed with."""
        if self._conversations:
            self._submit("conversations", self._conversations)
        if self._rejections:
            self._submit("rejections", self._rejections)
        self._conversations, self._rejections = [], []
        self._stop()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """Stop the writer after the batches already queued, dropping the unqueued buffer (the run failed)."""
        self._conversations, self._rejections = [], []
        self._stop()

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _submit(self, kind: str, batch: list[Any]) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((kind, batch))

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain after a failure; close() re-raises it
            kind, batch = job
            try:
                if kind == "conversations":
                    self._write_conversations(batch)
                else:
                    self._write_rejections(batch)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller in close()
                self._error = exc

    def _write_conversations(self, batch: list[tuple[Conversation, str]]) -> None:
        con = self.ws.con
        ids = pa.table({"conversation_id": [conv.conversation_id for conv, _ in batch]})
        con.register("wv_ingest_ids", ids)
        present = {row[0] for row in con.execute(
            "SELECT conversation_id FROM wv_ingest_ids JOIN raw.conversations USING (conversation_id)"
        ).fetchall()}
        con.unregister("wv_ingest_ids")
        fresh = []
        for conv, label in batch:
            if conv.conversation_id in present:
                self.existing[label] += 1
            else:
                fresh.append(conv)
                self.inserted[label] += 1
        if not fresh:
            return
        conversations, messages = _tables(fresh, self.run_id)
        self.roles.update(messages.column("role").to_pylist())
        con.register("wv_ingest_conversations", conversations)
        con.register("wv_ingest_messages", messages)
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"INSERT INTO raw.conversations ({', '.join(_CONV_COLUMNS)}) "
                        f"SELECT {', '.join(_CONV_COLUMNS)} FROM wv_ingest_conversations")
            con.execute("INSERT INTO raw.messages (conversation_id, idx, role, content) "
                        "SELECT conversation_id, idx, role, content FROM wv_ingest_messages")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("wv_ingest_conversations")
            con.unregister("wv_ingest_messages")
        # Checkpoint every so often: DuckDB keeps un-checkpointed rows in memory, so this bounds the peak.
        self._unsaved_bytes += messages.column("content").nbytes
        if self._unsaved_bytes >= self.checkpoint_bytes:
            con.execute("CHECKPOINT raw")
            self._unsaved_bytes = 0

    def _write_rejections(self, batch: list[Rejection]) -> None:
        table = pa.table({
            "run_id": [self.run_id] * len(batch),
            "source_file": [r.source_file for r in batch],
            "location": [r.location for r in batch],
            "reason": [_safe(r.reason) for r in batch],
            "excerpt": [_safe(r.excerpt)[:200] for r in batch],
        })
        self.ws.con.register("wv_ingest_quarantine", table)
        self.ws.con.execute("INSERT INTO raw.quarantine (run_id, source_file, location, reason, excerpt) "
                            "SELECT run_id, source_file, location, reason, excerpt FROM wv_ingest_quarantine")
        self.ws.con.unregister("wv_ingest_quarantine")
        self.quarantined += len(batch)


def _safe(text: str) -> str:
    """Text that encodes as UTF-8 (excerpts may hold undecodable bytes as surrogates) and has no NULs."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _tables(batch: list[Conversation], run_id: str) -> tuple[pa.Table, pa.Table]:
    flat = [(conv.conversation_id, idx, message)
            for conv in batch for idx, message in enumerate(conv.messages)]
    conversations = pa.table({
        "conversation_id": pa.array([c.conversation_id for c in batch], pa.string()),
        "source": pa.array([c.source for c in batch], pa.string()),
        "source_file": pa.array([c.source_file for c in batch], pa.string()),
        "source_ref": pa.array([c.source_ref for c in batch], pa.string()),
        "model": pa.array([c.model for c in batch], pa.string()),
        "user_id": pa.array([c.user_id for c in batch], pa.string()),
        "timestamp": pa.array([c.timestamp for c in batch], pa.timestamp("us")),
        "language": pa.array([c.language for c in batch], pa.string()),
        "n_messages": pa.array([len(c.messages) for c in batch], pa.int32()),
        "meta": pa.array([_meta_json(c.meta) for c in batch], pa.string()),
        "run_id": pa.array([run_id] * len(batch), pa.string()),
    })
    messages = pa.table({
        "conversation_id": pa.array([cid for cid, _, _ in flat], pa.string()),
        "idx": pa.array([idx for _, idx, _ in flat], pa.int32()),
        "role": pa.array([m.role for _, _, m in flat], pa.string()),
        "content": pa.array([m.content for _, _, m in flat], pa.string()),
    })
    return conversations, messages


def _meta_json(meta: dict[str, Any]) -> str:
    return json.dumps(meta, ensure_ascii=False, default=str, allow_nan=False) if meta else "{}"
