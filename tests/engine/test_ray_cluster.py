"""Extraction on a real Ray cluster (head + a second node, 127.0.0.1 only) through the CLI, against an
OpenAI-compatible server (the fake one of tests/llm: real HTTP, scripted answers).

Default run: the Ray engine writes the same features as the local engine, row by row, and its account
adds up the same; the workers' call-cache entries land in the workspace so a rerun asks nothing new.
Slow: ``kill -9`` of an actor mid-job loses and duplicates nothing, and a rerun of the finished Ray job
(every row re-extracted on the cluster) makes zero new LLM calls.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llm.fakeservers import serve
from wildvalues.llm.callcache import CACHE_FILENAME, CallCache
from wildvalues.workspace import Workspace

from .corpus import features_rows, fill_scrubbed
from .raycluster import ray_cluster

pytest.importorskip("ray")
pytest.importorskip("sentence_transformers")
SRC = Path(__file__).resolve().parents[2] / "src"
COUNTED = ("calls", "cached", "new", "failed", "prompt_tokens", "completion_tokens")


@pytest.fixture(scope="module")
def cluster():
    with ray_cluster(SRC) as running:
        yield running


def _config(tmp: Path, base_url: str) -> Path:
    path = tmp / "wildvalues.toml"
    path.write_text(f'[llm]\nbackend = "openai"\nmodel = "fake-judge"\nbase_url = "{base_url}"\n'
                    f'api_key = "test-key"\nconcurrency = 2\n\n[engine]\nworkers = 2\n\n'
                    '[extract]\nprofile = "thorough"\nextract_all = true\n', encoding="utf-8")
    return path


def _extract_cmd(ws: Path, config: Path, *flags: str) -> list[str]:
    return [sys.executable, "-c", "from wildvalues.cli import main; main()", "extract", "-w", str(ws),
            "--config", str(config), "--json", *flags]


def _extract(ws: Path, config: Path, env: dict[str, str], *flags: str) -> dict:
    out = subprocess.run(_extract_cmd(ws, config, *flags), env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _workspace(root: Path, n: int) -> list[str]:
    with Workspace(root) as ws:
        return fill_scrubbed(ws, n)


def test_ray_writes_the_same_features_and_account_as_local(cluster, tmp_path):
    assert cluster.listening_addresses() <= {"127.0.0.1", "::ffff:127.0.0.1"}
    n = 24
    with serve("openai") as (base_url, recorder):
        config = _config(tmp_path, base_url)
        _workspace(tmp_path / "local", n)
        _workspace(tmp_path / "ray", n)
        local = _extract(tmp_path / "local", config, cluster.env, "--engine", "local")
        on_ray = _extract(tmp_path / "ray", config, cluster.env, "--engine", "ray",
                          "--ray-address", cluster.address, "--workers", "2")
        assert on_ray["engine"] == "ray" and local["engine"] == "local"
        for summary in (local, on_ray):
            assert summary["conversations"] == n == (
                summary["already_extracted"] + summary["extracted"] + summary["failed"])
            llm = summary["llm"]
            assert llm["calls"] == llm["cached"] + llm["new"] + llm["failed"] > 0
        assert {k: on_ray["llm"][k] for k in COUNTED} == {k: local["llm"][k] for k in COUNTED}
        with Workspace(tmp_path / "local") as ws_local, Workspace(tmp_path / "ray") as ws_ray:
            rows_local, rows_ray = features_rows(ws_local), features_rows(ws_ray)
            assert len(rows_ray) == n
            for row_local, row_ray in zip(rows_local, rows_ray, strict=True):
                assert row_ray == row_local
            ray_summary = ws_ray.con.execute(
                "SELECT calls, cached, new, failed FROM llm_calls_summary").fetchall()
            assert ray_summary == [tuple(on_ray["llm"][k] for k in ("calls", "cached", "new", "failed"))]
            ws_ray.con.execute("DELETE FROM features")
        # every answer the workers got is in the workspace cache: redoing every row asks nothing new
        assert CallCache(tmp_path / "ray" / CACHE_FILENAME).count() == on_ray["llm"]["new"]
        asked = recorder.answered
        rerun = _extract(tmp_path / "ray", config, cluster.env, "--engine", "local")
        assert rerun["extracted"] == n and rerun["llm"]["new"] == 0 and recorder.answered == asked
        assert not (tmp_path / "ray" / "engine" / "ray").exists() or not any(
            (tmp_path / "ray" / "engine" / "ray").iterdir())  # job folders are removed after the merge


def _actors(ws: Path) -> list[tuple[int, str]]:
    """(pid, Ray node id) of every actor the running job has started so far."""
    found = []
    for path in ws.glob("engine/ray/*/actors/*"):
        parts = path.read_text().split()
        if len(parts) == 2:
            found.append((int(parts[0]), parts[1]))
    return found


@pytest.mark.slow
def test_kill_9_of_an_actor_loses_nothing_and_a_rerun_on_ray_asks_nothing_new(cluster, tmp_path):
    n = 40
    ws_root = tmp_path / "ws"
    ids = _workspace(ws_root, n)
    with serve("openai", delay=0.2) as (base_url, recorder):
        config = _config(tmp_path, base_url)
        flags = ("--engine", "ray", "--ray-address", cluster.address, "--workers", "2")
        job = subprocess.Popen(_extract_cmd(ws_root, config, *flags), env=cluster.env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        killed = None
        deadline = time.monotonic() + 400
        while killed is None and job.poll() is None and time.monotonic() < deadline:
            actors = _actors(ws_root)
            if actors and recorder.answered >= 15:  # mid-job: answers are flowing
                killed = actors[0][0]
                os.kill(killed, signal.SIGKILL)
            time.sleep(0.2)
        stdout, stderr = job.communicate(timeout=600)
        assert killed is not None, "the job ended before an actor could be killed"
        if job.returncode != 0:  # the job may fail; then a rerun must complete only what is missing
            summary = _extract(ws_root, config, cluster.env, *flags)
        else:
            summary = json.loads(stdout.strip().splitlines()[-1])
        with Workspace(ws_root) as ws:
            got = [r[0] for r in ws.con.execute("SELECT conversation_id FROM features ORDER BY 1").fetchall()]
            failed = ws.con.execute("SELECT count(*) FROM extract_failures").fetchone()[0]
            assert got == ids and failed == 0  # every conversation once: none lost, none twice
            ws.con.execute("DELETE FROM features")
        asked = recorder.answered
        rerun = _extract(ws_root, config, cluster.env, *flags)
        assert rerun["extracted"] == n and rerun["llm"]["new"] == 0 and rerun["llm"]["cached"] > 0
        assert recorder.answered == asked  # the server saw no request at all
        assert summary["extracted"] >= 1
