"""Fixtures for the report tests: a synthetic workspace with result tables, built once per module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .fake_results import write_fake_results

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("WILDVALUES_ARTIFACTS", REPO / "artifacts")) / "report"
RAW_CANARY = "RAWCANARY-7f3a-unscrubbed-text"
SCRUBBED_CANARY = "SCRUBBEDCANARY-snippet"


def add_messages(ws, n: int = 300) -> None:
    """Raw messages holding a canary, and scrubbed copies holding another, for the first ``n`` features."""
    ids = [r[0] for r in ws.con.execute(
        "SELECT conversation_id FROM features ORDER BY conversation_id LIMIT ?", [n]).fetchall()]
    ws.con.execute("DELETE FROM raw.messages")
    ws.con.executemany("INSERT INTO raw.messages VALUES (?, 0, 'user', ?)",
                       [[cid, f"{RAW_CANARY} my email is someone@example.org, conversation {cid}"]
                        for cid in ids])
    ws.con.execute("CREATE TABLE IF NOT EXISTS scrubbed_messages (conversation_id VARCHAR, idx INTEGER, "
                   "role VARCHAR, content VARCHAR, run_id VARCHAR)")
    ws.con.executemany("INSERT INTO scrubbed_messages VALUES (?, 0, 'user', ?, 'test')",
                       [[cid, f"{SCRUBBED_CANARY} please help me plan a short story about a lighthouse"]
                        for cid in ids])


def make_study(root: Path, n: int = 3000, seed: int = 3):
    from wildvalues.analyze.synthetic import make_workspace
    from wildvalues.workspace import Workspace

    ws = Workspace(root)
    make_workspace(ws, n, seed=seed)
    write_fake_results(ws)
    add_messages(ws)
    return ws


@pytest.fixture(scope="session")
def study(tmp_path_factory):
    ws = make_study(tmp_path_factory.mktemp("report") / "ws")
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def built(study):
    from wildvalues.config import Config
    from wildvalues.report import build_report

    summary = build_report(study, Config())
    return study, summary, Path(summary["out_dir"])
