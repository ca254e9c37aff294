"""kill -9 in the middle of a run, then a rerun: no duplicate, no lost result, nothing paid twice
except (at most) the calls that were in flight at the moment of the kill."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .fakeservers import answer_for, serve

WORKER = Path(__file__).with_name("resume_worker.py")


def run_worker(ws_dir: Path, base_url: str, n: int, concurrency: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    return subprocess.Popen([sys.executable, str(WORKER), str(ws_dir), base_url, str(n), str(concurrency)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_kill9_mid_run_then_resume(tmp_path, concurrency):
    n = 40
    ws_dir = tmp_path / "ws"
    with serve("openai", delay=0.05) as (base_url, rec):
        proc = run_worker(ws_dir, base_url, n, concurrency)
        deadline = time.time() + 60
        while rec.answered < n // 2 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.01)
        assert proc.poll() is None, f"worker ended early: {proc.communicate()}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        db = ws_dir / "llm_cache.sqlite"
        stored_after_kill = sqlite3.connect(db).execute("SELECT count(*) FROM llm_calls").fetchone()[0]
        hits_first = len(rec.bodies)
        assert 0 < stored_after_kill < n
        assert hits_first - stored_after_kill <= concurrency  # only in-flight calls are lost

        proc = run_worker(ws_dir, base_url, n, concurrency)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        assert out.split()[:3] == ["DONE", str(n), str(n - stored_after_kill)]
        hits_total = len(rec.bodies)

    con = sqlite3.connect(ws_dir / "llm_cache.sqlite")
    rows = con.execute("SELECT key, response FROM llm_calls").fetchall()
    assert len(rows) == len({key for key, _ in rows}) == n  # every result once
    texts = sorted(json.loads(resp)["text"] for _, resp in rows)
    assert texts == sorted(answer_for(f"item #{i}") for i in range(n))
    # the backend was paid once per item, plus at most the calls cut off by the kill
    assert n <= hits_total <= n + concurrency
    assert hits_total - n == hits_first - stored_after_kill
