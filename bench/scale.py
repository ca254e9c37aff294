"""Scale-out benchmark: conversations per second, local engine vs Ray Data, on the same conversations.

    OMP_NUM_THREADS=1 nice -n 10 PYTHONPATH=src .venv/bin/python bench/scale.py [--n 1000] [--llm-n 16]

Row 1, the fast profile (heads only, no LLM): the same ``--n`` ShareGPT conversations (the demo corpus,
sampled with seed 0) extracted by ``--engine local`` (one process) and by ``--engine ray`` (a private
local Ray instance, one node, 2 actors). Both timings are end to end and cold: the local engine loads the
embedding model in-process, the Ray engine starts Ray, exports the shards, starts the actors (each loads
its model) and merges the rows back. Ray's overhead is (ray seconds / local seconds) - 1; the features of
the two runs are compared row by row. Each run starts with an empty embedding cache (models shared).

Row 2, an OpenAI-compatible server: a real llama.cpp server (xllamacpp, the pinned 0.5B GGUF, 4 slots,
127.0.0.1) behind the ``openai`` backend, ``--llm-n`` conversations extracted on Ray with 1, 2 and 4 actors,
each actor its own client with one request in flight, so 1, 2 and 4 concurrent requests reach the server.

The conversations are copied from the raw store into ``scrubbed_messages`` unchanged (this measures the
engines, not the scrubber). Scratch workspaces go under ``--scratch`` (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from cold_cache import cold_embedding_cache

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
TEST_MODEL = "qwen2.5-coder-0.5b-instruct-q4_k_m"


def build_source(root: Path, n: int) -> None:
    from wildvalues.ingest import demo_source, ingest
    from wildvalues.workspace import Workspace

    with Workspace(root) as ws:
        ingest([demo_source()], ws, sample=n, seed=0)
        ws.con.execute("""CREATE TABLE scrubbed_messages AS
                          SELECT conversation_id, idx, role, content, 'bench' AS run_id FROM raw.messages""")


def workspace_copy(source: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    return target


def todo_and_extractor(ws, cfg):  # noqa: ANN001, ANN201 - bench glue
    from wildvalues.extract.extractor import build_extractor
    from wildvalues.extract.store import load_conversations

    conversations, _ = load_conversations(ws)
    return conversations, build_extractor(cfg.extract)  # no client: the fast profile


def run_local_heads(root: Path, cfg) -> float:  # noqa: ANN001
    from wildvalues.engine.local import extract_local
    from wildvalues.extract.core import extract_batch
    from wildvalues.workspace import Workspace

    with Workspace(root) as ws:
        started = time.perf_counter()
        todo, extractor = todo_and_extractor(ws, cfg)
        result = extract_local(ws, todo, lambda convs: extract_batch(convs, extractor), run_id="bench-local",
                               version=extractor.version, batch_size=cfg.engine.batch_size)
        seconds = time.perf_counter() - started
    assert result.extracted == len(todo), result
    return seconds


def run_ray(root: Path, cfg, *, use_llm: bool) -> tuple[float, dict]:  # noqa: ANN001
    from wildvalues.engine.ray_engine import extract_ray
    from wildvalues.extract.stage import judge_model, plan_extraction
    from wildvalues.workspace import Workspace

    with Workspace(root) as ws:
        started = time.perf_counter()
        plan = plan_extraction(ws, cfg, judge_model(cfg) if use_llm else None)
        todo = plan.todo
        result = extract_ray(ws, todo, cfg, run_id=f"bench-ray-{cfg.engine.workers}", version=plan.version,
                             use_llm=use_llm)
        seconds = time.perf_counter() - started
    assert result.extracted + result.failed == len(todo), result
    return seconds, {"extracted": result.extracted, "failed": result.failed, "llm": result.llm,
                     **result.details}


def same_rows(a: Path, b: Path) -> tuple[int, int]:
    from wildvalues.workspace import Workspace

    query = "SELECT * EXCLUDE (run_id) FROM features ORDER BY conversation_id"
    with Workspace(a) as wa, Workspace(b) as wb:
        rows_a, rows_b = wa.con.execute(query).fetchall(), wb.con.execute(query).fetchall()
    return sum(1 for x, y in zip(rows_a, rows_b, strict=False) if x == y), max(len(rows_a), len(rows_b))


def heads_row(scratch: Path, source: Path, n: int) -> dict:
    from wildvalues.config import Config

    cfg = Config.model_validate({"engine": {"name": "ray", "workers": 2}})
    cold_embedding_cache(scratch, "local")
    local_s = run_local_heads(workspace_copy(source, scratch / "local"), cfg)
    cold_embedding_cache(scratch, "ray")
    ray_s, detail = run_ray(workspace_copy(source, scratch / "ray"), cfg, use_llm=False)
    equal, total = same_rows(scratch / "local", scratch / "ray")
    return {"profile": "fast (heads only)", "conversations": n, "local_s": round(local_s, 1),
            "local_conv_per_s": round(n / local_s, 2), "ray_2_workers_s": round(ray_s, 1),
            "ray_conv_per_s": round(n / ray_s, 2), "ray_overhead_pct": round(100 * (ray_s / local_s - 1), 1),
            "ray_job_s": detail.get("job_seconds"), "identical_rows": f"{equal}/{total}"}


def llm_rows(scratch: Path, source: Path, n: int, concurrencies: list[int]) -> list[dict]:
    import xllamacpp

    from wildvalues.config import Config
    from wildvalues.llm.models import resolve_model_path

    params = xllamacpp.CommonParams()
    params.model.path = str(resolve_model_path(TEST_MODEL, None))
    params.n_parallel = max(concurrencies)
    params.n_ctx = 4096 * params.n_parallel
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = 2
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    params.verbosity = 0
    server = xllamacpp.Server(params)
    rows = []
    try:
        for workers in concurrencies:
            base_url = server.listening_address + "/v1"
            cfg = Config.model_validate({
                "llm": {"backend": "openai", "model": TEST_MODEL, "base_url": base_url, "api_key": "local",
                        "timeout_s": 600},
                "extract": {"profile": "thorough", "extract_all": True},
                # batches of one conversation: every actor has work even with a handful of conversations
                "engine": {"name": "ray", "workers": workers, "cpus_per_worker": 0.5, "batch_size": 1}})
            seconds, detail = run_ray(workspace_copy(source, scratch / f"llm-{workers}"), cfg, use_llm=True)
            llm = detail["llm"]
            rows.append({"profile": "openai backend -> llama.cpp server (0.5B)", "conversations": n,
                         "concurrency": workers, "ray_s": round(seconds, 1),
                         "conv_per_s": round(n / seconds, 3),
                         "ray_job_s": detail.get("job_seconds"), "llm_calls": llm.get("calls"),
                         "llm_new": llm.get("new"), "llm_failed": llm.get("failed"),
                         "prompt_tokens": llm.get("prompt_tokens"),
                         "completion_tokens": llm.get("completion_tokens")})
            print(json.dumps(rows[-1]), flush=True)
    finally:
        del server
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="conversations for the heads-only row (0: skip)")
    parser.add_argument("--llm-n", type=int, default=16, help="conversations for the LLM rows (0: skip)")
    parser.add_argument("--concurrency", default="1,2,4")
    parser.add_argument("--scratch", type=Path, default=None)
    args = parser.parse_args()
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="wildvalues-scale-"))
    scratch.mkdir(parents=True, exist_ok=True)
    if args.n:
        build_source(scratch / "source", args.n)
        print(json.dumps(heads_row(scratch, scratch / "source", args.n)), flush=True)
    if args.llm_n:
        small = scratch / "source-llm"
        build_source(small, args.llm_n)
        llm_rows(scratch, small, args.llm_n, [int(c) for c in args.concurrency.split(",")])


if __name__ == "__main__":
    main()
