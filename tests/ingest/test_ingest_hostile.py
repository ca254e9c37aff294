"""Hostile inputs: the command never crashes, and every item read is ingested, a duplicate or quarantined
with its location and reason (read = ingested + duplicates + rejected)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wildvalues.ingest import ingest
from wildvalues.ingest.config import IngestConfig
from wildvalues.workspace import Workspace

from .hostile_corpus import Case, cases

CASES = cases()


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


def _quarantine(ws: Workspace, run_id: str) -> list[tuple[str, str, str, str]]:
    return ws.con.execute(
        "SELECT source_file, location, reason, excerpt FROM raw.quarantine WHERE run_id = ?", [run_id]
    ).fetchall()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_is_accounted_for(case: Case, tmp_path: Path, workspace: Workspace) -> None:
    path = tmp_path / case.filename
    path.write_bytes(case.content())
    summary = ingest([path], workspace, fmt=case.fmt, cfg=IngestConfig(**case.cfg))

    assert (summary.read, summary.ingested, summary.duplicates, summary.rejected) == (
        case.read,
        case.ingested,
        case.duplicates,
        case.rejected,
    )
    assert summary.read == summary.ingested + summary.duplicates + summary.rejected
    assert (summary.truncated_files == [str(path)]) is case.truncated

    rows = _quarantine(workspace, summary.run_id)
    assert len(rows) == case.rejected
    assert all(row[0] == str(path) for row in rows)
    assert all(len(row[3]) <= 200 for row in rows)
    if case.reasons is None:
        assert all(re.search(case.reason_pattern, row[2]) for row in rows), rows[:3]
    else:
        remaining = [(row[1], row[2]) for row in rows]
        for location, fragment in case.reasons:
            match = next((r for r in remaining if r[0] == location and fragment in r[1]), None)
            assert match is not None, f"no quarantine row at {location!r} with {fragment!r}; got {remaining}"
            remaining.remove(match)

    stored = workspace.con.execute(
        "SELECT count(*) FROM raw.conversations WHERE run_id = ?", [summary.run_id]
    ).fetchone()[0]
    assert stored == case.ingested
    if case.roles is not None:
        assert summary.messages_by_role == case.roles


def test_control_characters_are_removed_and_counted(tmp_path: Path, workspace: Workspace) -> None:
    case = next(c for c in CASES if c.name == "control_characters")
    path = tmp_path / case.filename
    path.write_bytes(case.content())
    ingest([path], workspace)
    contents = [
        r[0] for r in workspace.con.execute("SELECT content FROM raw.messages ORDER BY idx").fetchall()
    ]
    assert contents == ["hello there", "fine\tthanks"]
    meta = workspace.con.execute("SELECT meta->>'control_chars_removed' FROM raw.conversations").fetchone()[0]
    assert meta == "3"


def test_tool_calls_and_parts_become_text(tmp_path: Path, workspace: Workspace) -> None:
    for name in ("system_and_tool_messages", "content_parts"):
        case = next(c for c in CASES if c.name == name)
        (tmp_path / case.filename).write_bytes(case.content())
    ingest([tmp_path / "tools.jsonl", tmp_path / "parts.jsonl"], workspace)
    texts = {r[0] for r in workspace.con.execute("SELECT content FROM raw.messages").fetchall()}
    assert '[tool call get_weather({"city": "Oslo"})]' in texts
    assert "what is this?\n[image_url]" in texts
    roles = workspace.con.execute(
        "SELECT role FROM raw.messages m JOIN raw.conversations c USING "
        "(conversation_id) WHERE c.source_file LIKE '%tools.jsonl' ORDER BY idx"
    ).fetchall()
    assert [r[0] for r in roles] == ["system", "user", "assistant", "tool", "assistant"]


def test_nan_metadata_becomes_missing(tmp_path: Path, workspace: Workspace) -> None:
    case = next(c for c in CASES if c.name == "nan_content")
    path = tmp_path / case.filename
    path.write_bytes(case.content())
    ingest([path], workspace)
    assert workspace.con.execute("SELECT model, language FROM raw.conversations").fetchall() == [(None, None)]
