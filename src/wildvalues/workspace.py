"""The study workspace: one directory holding DuckDB databases, Parquet exports and run records.

Layout of a workspace directory::

    raw.duckdb          the raw store: conversations, messages (raw text), quarantine. Nothing else reads
                        raw text; it is attached to every connection as schema ``raw``.
    wildvalues.duckdb   everything derived (scrubbed text, features, trees, result tables, runs, ...)
    parquet/            Parquet exports of derived tables
    report/             HTML report and exports

Raw text never leaves ``raw.duckdb``: derived tables, Parquet files and reports hold only scrubbed
text and labels, which is what the privacy tests check.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb

from wildvalues.stage import MissingInput

DEFAULT_WORKSPACE = Path("wv-workspace")

_RAW_SCHEMA = """
CREATE TABLE IF NOT EXISTS raw.conversations (
    conversation_id VARCHAR PRIMARY KEY,
    source VARCHAR,
    source_file VARCHAR,
    source_ref VARCHAR,
    model VARCHAR,
    user_id VARCHAR,
    "timestamp" TIMESTAMP,
    language VARCHAR,
    n_messages INTEGER,
    meta JSON,
    run_id VARCHAR
);
CREATE TABLE IF NOT EXISTS raw.messages (
    conversation_id VARCHAR,
    idx INTEGER,
    role VARCHAR,
    content VARCHAR,
    PRIMARY KEY (conversation_id, idx)
);
CREATE TABLE IF NOT EXISTS raw.quarantine (
    run_id VARCHAR,
    source_file VARCHAR,
    location VARCHAR,
    reason VARCHAR,
    excerpt VARCHAR
);
"""

_MAIN_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    command VARCHAR,
    args JSON,
    config JSON,
    versions JSON,
    counts JSON,
    started_at TIMESTAMP,
    ended_at TIMESTAMP,
    seconds DOUBLE,
    status VARCHAR,
    error VARCHAR
);
"""

_VERSIONED_PACKAGES = (
    "wildvalues", "duckdb", "openai", "anthropic", "xllamacpp", "sentence-transformers", "torch",
    "presidio-analyzer", "scikit-learn", "scipy",
)


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape results, recorded with every run."""
    versions = {"python": platform.python_version()}
    for name in _VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


class Workspace:
    """A study directory with its DuckDB connection (raw store attached as schema ``raw``)."""

    def __init__(self, root: Path | str = DEFAULT_WORKSPACE, *, read_only: bool = False) -> None:
        self.root = Path(root)
        if not read_only:
            self.root.mkdir(parents=True, exist_ok=True)
        elif not (self.root / "wildvalues.duckdb").exists():
            raise MissingInput(self.root, "workspace", "wildvalues ingest")
        self.db_path = self.root / "wildvalues.duckdb"
        self.raw_path = self.root / "raw.duckdb"
        self.con = duckdb.connect(str(self.db_path), read_only=read_only)
        mode = " (READ_ONLY)" if read_only else ""
        self.con.execute(f"ATTACH IF NOT EXISTS '{self.raw_path}' AS raw{mode}")
        if not read_only:
            self.con.execute(_RAW_SCHEMA)
            self.con.execute(_MAIN_SCHEMA)

    # -- paths ---------------------------------------------------------------------------------------
    @property
    def parquet_dir(self) -> Path:
        path = self.root / "parquet"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def report_dir(self) -> Path:
        path = self.root / "report"
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- tables --------------------------------------------------------------------------------------
    def has_table(self, name: str, schema: str = "main") -> bool:
        """Whether table ``name`` exists in the derived database (``schema="main"``) or the raw store."""
        database = "raw" if schema == "raw" else self.db_path.stem
        # fetchall (not fetchone): a half-read result would keep the connection busy for con.sql()/register()
        rows = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND database_name = ?",
            [name, database],
        ).fetchall()
        return bool(rows and rows[0][0])

    def export_parquet(self, table: str) -> Path:
        """Write a derived table to ``parquet/<table>.parquet`` (never the raw store)."""
        if table.startswith("raw."):
            raise ValueError("raw tables are never exported")
        path = self.parquet_dir / f"{table}.parquet"
        self.con.execute(f"COPY (SELECT * FROM {table}) TO '{path}' (FORMAT PARQUET)")
        return path

    # -- run records ---------------------------------------------------------------------------------
    def taxonomy_versions(self) -> dict[str, dict[str, str]]:
        """Issue 17: a fingerprint of each tree's upper levels (ids, names, parents), kept with every run."""
        if not self.has_table("tree_nodes"):
            return {}
        rows = self.con.execute(
            "SELECT tree, cluster_id, name, level, coalesce(parent_cluster_id, '') FROM tree_nodes "
            "WHERE level > 0 ORDER BY tree, level, cluster_id, name").fetchall()
        trees: dict[str, list] = {}
        for tree, *rest in rows:
            trees.setdefault(tree, []).append(rest)
        return {"taxonomy": {tree: hashlib.sha256(json.dumps(nodes).encode()).hexdigest()[:12]
                             for tree, nodes in trees.items()}}

    def start_run(self, command: str, args: dict[str, Any], config: dict[str, Any] | None = None) -> str:
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.con.execute(
            "INSERT INTO runs (run_id, command, args, config, versions, started_at, status) "
            "VALUES (?, ?, ?, ?, ?, ?, 'running')",
            [run_id, command, json.dumps(args, default=str), json.dumps(config or {}, default=str),
             json.dumps(package_versions() | self.taxonomy_versions()),
             datetime.now(UTC).replace(tzinfo=None)],
        )
        return run_id

    def finish_run(self, run_id: str, *, status: str, counts: dict[str, Any], error: str | None = None,
                   seconds: float | None = None) -> None:
        self.con.execute(
            "UPDATE runs SET counts = ?, ended_at = ?, seconds = ?, status = ?, error = ? WHERE run_id = ?",
            [json.dumps(counts, default=str), datetime.now(UTC).replace(tzinfo=None), seconds, status,
             error, run_id],
        )

    @contextmanager
    def run(self, command: str, args: dict[str, Any], config: dict[str, Any] | None = None
            ) -> Iterator[RunRecord]:
        """Record a run: ``with ws.run("ingest", args) as run: ...; run.counts.update(...)``."""
        record = RunRecord(self.start_run(command, args, config))
        started = time.perf_counter()
        try:
            yield record
        except BaseException as exc:
            self.finish_run(record.run_id, status="failed", counts=record.counts,
                            error=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - started)
            raise
        self.finish_run(record.run_id, status=record.status, counts=record.counts,
                        seconds=time.perf_counter() - started)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RunRecord:
    """Mutable counters of one run, stored in ``runs`` when the run ends."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.counts: dict[str, Any] = {}
        self.status = "ok"
