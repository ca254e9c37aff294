"""`wildvalues scrub` on a workspace: placeholders written, raw store untouched, resumable, accounted."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from wildvalues.cli import app
from wildvalues.workspace import Workspace

MESSAGES = [
    ("c1", 0, "user", "Hi, I'm Gerald Whitfield, email gerald.whitfield@outlook.com, SSN 536-22-8412."),
    ("c1", 1, "assistant", "Thanks Gerald, I will not store 536-22-8412 anywhere."),
    ("c2", 0, "user", "How do I reverse a list in Python?"),
    ("c2", 1, "assistant", "Use reversed(xs) or xs[::-1]."),
]
SECRETS = ("Gerald", "Whitfield", "gerald.whitfield@outlook.com", "536-22-8412")


def _seed(root: Path) -> None:
    with Workspace(root) as ws:
        ws.con.executemany("INSERT INTO raw.messages VALUES (?, ?, ?, ?)", MESSAGES)


def test_scrub_command_writes_placeholders_and_resumes(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _seed(root)
    runner = CliRunner()
    first = runner.invoke(app, ["scrub", "-w", str(root), "--limit", "1", "--json"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout.strip().splitlines()[-1])
    assert summary["scrubbed_now"] == 1 and summary["messages"] == 2 and summary["already_scrubbed"] == 0
    assert summary["entities_by_type"]["US_SSN"] == 2  # the reply's repeat is caught by propagation
    rest_out = runner.invoke(app, ["scrub", "-w", str(root), "--json"]).stdout
    rest = json.loads(rest_out.strip().splitlines()[-1])
    assert rest["scrubbed_now"] == 1 and rest["already_scrubbed"] == 1  # resumed where the first run stopped

    with Workspace(root) as ws:
        rows = ws.con.execute("SELECT conversation_id, idx, role, content FROM scrubbed_messages "
                              "ORDER BY 1, 2").fetchall()
        raw = ws.con.execute("SELECT content FROM raw.messages ORDER BY conversation_id, idx").fetchall()
        runs = ws.con.execute("SELECT command, status FROM runs").fetchall()
    text = "\n".join(r[3] for r in rows)
    assert not any(secret in text for secret in SECRETS)
    assert rows[0][3] == "Hi, I'm [PERSON], email [EMAIL], SSN [SSN]."
    assert rows[2][3] == "How do I reverse a list in Python?"
    assert [r[0] for r in raw] == [m[3] for m in MESSAGES]  # the raw store is left as it was
    assert ("scrub", "ok") in runs

    second = runner.invoke(app, ["scrub", "-w", str(root), "--json"])
    again = json.loads(second.stdout.strip().splitlines()[-1])
    assert again["scrubbed_now"] == 0 and again["already_scrubbed"] == 2


def test_scrub_without_workspace_fails_clearly(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["scrub", "-w", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert "wildvalues ingest" in result.output
