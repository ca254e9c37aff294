"""Parquet shards in and out of a Ray job: the scrubbed conversations going out, the rows coming back.

Input row: one *batch* (``batch_key``, ``conversation_ids``, ``roles``, ``contents``): the same
``batch_size`` conversations, in conversation-id order, that the local engine hands to one
``extract_batch`` call, so both engines embed and score exactly the same batches however Ray cuts its
blocks. Output row: one conversation, its :class:`Features` as JSON (the record round-trips exactly), or
the reason its extraction raised; the first row of each batch also carries that batch's LLM account and
the call-cache entries it created (``batch_key`` de-duplicates a retried batch).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from wildvalues.records import Features, Message

INPUT_SCHEMA = pa.schema([("batch_key", pa.string()), ("conversation_ids", pa.list_(pa.string())),
                          ("roles", pa.list_(pa.list_(pa.string()))),
                          ("contents", pa.list_(pa.list_(pa.string())))])
OUTPUT_SCHEMA = pa.schema([("conversation_id", pa.string()), ("features_json", pa.string()),
                           ("failure", pa.string()), ("batch_key", pa.string()),
                           ("llm_account", pa.string()), ("llm_entries", pa.string())])


@dataclass
class ShardConversation:
    conversation_id: str
    messages: list[Message]


def batch_key(conversation_ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(conversation_ids).encode()).hexdigest()[:24]


def batches_per_shard(n_batches: int, workers: int, max_rows: int, batch_size: int) -> int:
    """About four shards per worker (the pool stays busy, a lost task is small), at most ``max_rows``
    conversations each."""
    wanted = -(-n_batches // max(1, 4 * workers)) if n_batches else 1
    return max(1, min(wanted, max_rows // batch_size))


def batches_table(conversations: Sequence[Any], batch_size: int) -> pa.Table:
    """One row per batch of ``batch_size`` consecutive conversations."""
    groups = [conversations[i : i + batch_size] for i in range(0, len(conversations), batch_size)]
    return pa.Table.from_pydict({
        "batch_key": [batch_key([c.conversation_id for c in g]) for g in groups],
        "conversation_ids": [[c.conversation_id for c in g] for g in groups],
        "roles": [[[m.role for m in c.messages] for c in g] for g in groups],
        "contents": [[[m.content for m in c.messages] for c in g] for g in groups],
    }, schema=INPUT_SCHEMA)


def batches_from_table(table: pa.Table) -> list[list[ShardConversation]]:
    """The batches of an input table, each a list of conversations."""
    data = table.to_pydict()
    out = []
    for ids, roles, contents in zip(data["conversation_ids"], data["roles"], data["contents"], strict=True):
        out.append([ShardConversation(cid, [Message(role=r, content=t or "")
                                            for r, t in zip(rs, ts, strict=True)])
                    for cid, rs, ts in zip(ids, roles, contents, strict=True)])
    return out


def export_shards(conversations: Sequence[Any], in_dir: Path, *, batch_size: int, workers: int,
                  max_rows: int) -> list[Path]:
    """Write ``conversations`` (in the given order) as ``part-NNNNN.parquet`` files of whole batches."""
    in_dir.mkdir(parents=True, exist_ok=True)
    table = batches_table(conversations, batch_size)
    per_shard = batches_per_shard(table.num_rows, workers, max_rows, batch_size)
    paths = []
    for number, start in enumerate(range(0, table.num_rows, per_shard)):
        path = in_dir / f"part-{number:05d}.parquet"
        pq.write_table(table.slice(start, per_shard), path)
        paths.append(path)
    return paths


def output_table(features: Sequence[Features], failures: Sequence[tuple[str, str]], key: str,
                 account_json: str, entries_json: str) -> pa.Table:
    """One output row per conversation of the batch; the batch's account rides on its first row."""
    ids = [f.conversation_id for f in features] + [cid for cid, _ in failures]
    rows = len(ids)
    return pa.Table.from_pydict({
        "conversation_id": ids,
        "features_json": [f.model_dump_json() for f in features] + [None] * len(failures),
        "failure": [None] * len(features) + [reason for _, reason in failures],
        "batch_key": [key] * rows,
        "llm_account": [account_json] + [None] * (rows - 1) if rows else [],
        "llm_entries": [entries_json] + [None] * (rows - 1) if rows else [],
    }, schema=OUTPUT_SCHEMA)
