"""Workspace side of both engines: rows and failures keyed by conversation id, Ray output shards merged
idempotently, LLM call-cache entries from the workers merged into the workspace's ``llm_cache.sqlite``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wildvalues.engine import EngineResult, add_counts
from wildvalues.records import Features

FAILURES_DDL = """
CREATE TABLE IF NOT EXISTS extract_failures (
    conversation_id VARCHAR PRIMARY KEY, prompt_version VARCHAR, run_id VARCHAR, reason VARCHAR,
    failed_at TIMESTAMP
)"""


def write_rows(ws: Any, features: Sequence[Features], failures: Sequence[tuple[str, str]], *,
               version: str, run_id: str) -> None:
    """Upsert features and failures by conversation id (a success clears an earlier failure)."""
    from wildvalues.extract.store import write_features

    ws.con.execute(FAILURES_DDL)
    if features:
        write_features(ws, list(features))
        ids = [f.conversation_id for f in features]
        ws.con.execute("DELETE FROM extract_failures WHERE list_contains(?, conversation_id)", [ids])
    now = datetime.now(UTC).replace(tzinfo=None)
    for cid, reason in failures:
        ws.con.execute("DELETE FROM extract_failures WHERE conversation_id = ?", [cid])
        ws.con.execute("INSERT INTO extract_failures VALUES (?, ?, ?, ?, ?)",
                       [cid, version, run_id, reason, now])


def output_files(out_dir: Path) -> list[Path]:
    return sorted(out_dir.rglob("*.parquet")) if out_dir.is_dir() else []


def merge_outputs(ws: Any, out_dir: Path, *, version: str, run_id: str, cache_path: Path | None
                  ) -> EngineResult:
    """Merge every output shard under ``out_dir`` into the workspace, idempotently.

    A conversation appearing twice (a retried task that had already written its shard) is written once;
    the LLM account of a batch is counted once per batch key; cache entries go in with INSERT OR IGNORE.
    Rows of another prompt version (a leftover of an older job) are not merged.
    """
    import duckdb

    result = EngineResult()
    files = output_files(out_dir)
    if not files:
        return result
    con = duckdb.connect()
    try:
        glob = [str(p) for p in files]
        rows = con.execute(
            "SELECT conversation_id, features_json, failure FROM read_parquet(?, union_by_name=true) "
            "QUALIFY row_number() OVER (PARTITION BY conversation_id ORDER BY failure NULLS FIRST) = 1 "
            "ORDER BY conversation_id", [glob]).fetchall()
        batches = con.execute(
            "SELECT batch_key, any_value(llm_account), any_value(llm_entries) "
            "FROM read_parquet(?, union_by_name=true) WHERE llm_account IS NOT NULL GROUP BY batch_key",
            [glob]).fetchall()
    finally:
        con.close()
    features, failures = [], []
    for cid, features_json, failure in rows:
        if failure is not None:
            failures.append((cid, failure))
            continue
        feature = Features.model_validate_json(features_json)
        if feature.prompt_version != version:
            continue
        feature.run_id = run_id
        features.append(feature)
    chunk = 512
    for start in range(0, max(len(features), len(failures)), chunk):
        write_rows(ws, features[start : start + chunk], failures[start : start + chunk], version=version,
                   run_id=run_id)
    entries: dict[str, list[list[Any]]] = {"calls": [], "failures": []}
    for _, account, shipped in batches:
        result.llm = add_counts(result.llm, json.loads(account))
        if shipped:
            batch_entries = json.loads(shipped)
            entries["calls"] += batch_entries.get("calls", [])
            entries["failures"] += batch_entries.get("failures", [])
    result.details["ids"] = {f.conversation_id for f in features} | {cid for cid, _ in failures}
    result.extracted = len(features)
    result.with_failures = sum(1 for f in features if f.failures)
    result.failed = len(failures)
    result.details["cache_entries_merged"] = merge_cache_entries(cache_path, entries) if cache_path else 0
    result.details["output_shards"] = len(files)
    return result


def merge_cache_entries(cache_path: Path, entries: dict[str, list[list[Any]]]) -> int:
    """Insert the workers' new call-cache rows into the workspace cache; returns how many were new."""
    from wildvalues.llm.callcache import CallCache

    CallCache(cache_path).close()  # creates the file and schema if absent
    con = sqlite3.connect(str(cache_path), timeout=60, isolation_level=None)
    try:
        con.execute("BEGIN")
        before = con.execute("SELECT count(*) FROM llm_calls").fetchone()[0]
        con.executemany("INSERT OR IGNORE INTO llm_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [tuple(row) for row in entries["calls"]])
        con.executemany("INSERT INTO llm_failures VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [tuple(row) for row in entries["failures"]])
        after = con.execute("SELECT count(*) FROM llm_calls").fetchone()[0]
        con.execute("COMMIT")
    finally:
        con.close()
    return after - before


def save_llm_summary(ws: Any, run_id: str, backend: str, model: str, llm: dict[str, Any],
                     seconds: float) -> None:
    """The run's row of ``llm_calls_summary`` from the summed worker accounts (as a local client writes)."""
    from wildvalues.llm.client import _SUMMARY_SCHEMA

    ws.con.execute(_SUMMARY_SCHEMA)
    ws.con.execute(
        "INSERT OR REPLACE INTO llm_calls_summary VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, backend, model, llm.get("calls", 0), llm.get("cached", 0), llm.get("new", 0),
         llm.get("failed", 0), llm.get("retries", 0), llm.get("prompt_tokens", 0),
         llm.get("completion_tokens", 0), seconds, llm.get("dollars", 0.0),
         datetime.now(UTC).replace(tzinfo=None)],
    )
