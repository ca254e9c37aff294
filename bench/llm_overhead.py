"""Benchmark of the LLM layer (issue 3): what the client adds over calling the backend directly.

1. Local model, same run: the same kind of requests sent straight to ``LocalBackend.complete`` and
   through ``LLMClient.complete`` (persistent call cache in a temporary workspace, budget checks,
   accounting). Every prompt is distinct (no cache hit, no unfair KV reuse) and the two arms are
   interleaved so that load changes on the shared CPU hit both alike. Target: overhead <= 5%.
2. The layer's own cost per call, measured with an instant backend (no model): microseconds per call.
3. Cache hits per second from the persistent SQLite cache, and from the in-memory cache for
   comparison. Target: >= 5,000 hits/s.

Run:  nice -n 10 .venv/bin/python bench/llm_overhead.py [--model NAME] [--pairs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from wildvalues.llm import ChatMessage, LLMConfig, LLMRequest, get_client
from wildvalues.llm.models import TEST_MODEL
from wildvalues.llm.testing import ScriptedBackend
from wildvalues.workspace import Workspace

SYSTEM = ChatMessage("system", "You label short requests. Answer with one label only.")
TOPICS = ["tax forms", "a poem", "python bugs", "a recipe", "job interview", "travel plans", "chess",
          "gardening", "a cover letter", "physics homework", "a birthday", "car repair"]


def request(i: int, arm: str) -> LLMRequest:
    text = f"Request {arm}{i}: the user needs help with {TOPICS[i % len(TOPICS)]} (case {i * 7919 % 1000})."
    return LLMRequest(messages=(SYSTEM, ChatMessage("user", text + " Is it about work? yes or no")),
                      choices=("yes", "no"), tag="bench")


def bench_local(model: str, pairs: int, ws_dir: Path) -> dict[str, float]:
    from wildvalues.llm.local import LocalBackend

    cfg = LLMConfig(model=model, n_ctx=2048)
    backend = LocalBackend(cfg)
    ws = Workspace(ws_dir / "local")
    client = get_client(cfg, workspace=ws, run_id="bench-local", backend=backend)
    backend.complete(request(0, "warm"))  # load pages, fill the shared system prefix once
    direct: list[float] = []
    layer: list[float] = []
    for i in range(pairs):
        arms = [("direct", backend.complete, direct), ("layer", client.complete, layer)]
        if i % 2:
            arms.reverse()
        for arm, call, times in arms:
            started = time.perf_counter()
            call(request(i, arm))
            times.append(time.perf_counter() - started)
    acc = client.accounting()
    client.close()
    ws.close()
    assert acc["new"] == pairs and acc["cached"] == 0
    pair_ratio = statistics.median(b / a for a, b in zip(direct, layer, strict=True))
    return {"direct_s": sum(direct), "layer_s": sum(layer), "direct_median_s": statistics.median(direct),
            "layer_median_s": statistics.median(layer), "pair_ratio": pair_ratio}


def bench_layer_cost(n: int, ws_dir: Path) -> dict[str, float]:
    backend = ScriptedBackend(lambda req: "yes")
    reqs = [request(i, "cost") for i in range(n)]
    started = time.perf_counter()
    for req in reqs:
        backend.complete(req)
    bare = time.perf_counter() - started
    ws = Workspace(ws_dir / "cost")
    instant = ScriptedBackend(lambda r: "yes")
    client = get_client(LLMConfig(), workspace=ws, run_id="bench-cost", backend=instant)
    started = time.perf_counter()
    for req in reqs:
        client.complete(req)
    through = time.perf_counter() - started
    client.close()
    ws.close()
    return {"bare_us": bare / n * 1e6, "layer_us": through / n * 1e6}


def bench_cache_hits(n: int, ws_dir: Path) -> dict[str, float]:
    reqs = [request(i, "hit") for i in range(n)]
    ws = Workspace(ws_dir / "hits")
    filler = get_client(LLMConfig(), workspace=ws, backend=ScriptedBackend(lambda r: "yes"))
    filler.complete_many(reqs)
    filler.close()
    results = {}
    for label, workspace in (("sqlite", ws), ("memory", None)):
        backend = ScriptedBackend(lambda r: "yes")
        client = get_client(LLMConfig(), workspace=workspace, backend=backend)
        if workspace is None:
            client.complete_many(reqs)  # fill the in-memory cache first
        started = time.perf_counter()
        for req in reqs:
            assert client.complete(req).cached
        results[f"{label}_hits_per_s"] = n / (time.perf_counter() - started)
        started = time.perf_counter()
        client.complete_many(reqs)
        results[f"{label}_many_hits_per_s"] = n / (time.perf_counter() - started)
        client.close()
    ws.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=TEST_MODEL, help="registry model for the local arm")
    parser.add_argument("--pairs", type=int, default=12, help="requests per arm with the local model")
    parser.add_argument("--hits", type=int, default=20000, help="cached requests for the hit-rate test")
    parser.add_argument("--skip-local", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        cost = bench_layer_cost(2000, tmp_dir)
        print(f"layer cost per call (instant backend, 2000 calls): bare {cost['bare_us']:.1f} us, "
              f"through the layer {cost['layer_us']:.1f} us (+{cost['layer_us'] - cost['bare_us']:.1f} us: "
              f"cache lookup + SQLite write + accounting)")
        hits = bench_cache_hits(args.hits, tmp_dir)
        print(f"cache hits ({args.hits} requests): SQLite {hits['sqlite_hits_per_s']:,.0f}/s "
              f"(complete_many {hits['sqlite_many_hits_per_s']:,.0f}/s); in-memory "
              f"{hits['memory_hits_per_s']:,.0f}/s (complete_many {hits['memory_many_hits_per_s']:,.0f}/s); "
              f"target >= 5,000/s")
        if not args.skip_local:
            local = bench_local(args.model, args.pairs, tmp_dir)
            overhead = local["layer_s"] / local["direct_s"] - 1
            print(f"local model {args.model}, {args.pairs} distinct choice requests per arm, interleaved:")
            print(f"  direct {local['direct_s']:.2f} s (median {local['direct_median_s']:.3f} s/call); "
                  f"through the layer {local['layer_s']:.2f} s (median {local['layer_median_s']:.3f} s/call)")
            print(f"  overhead: totals {overhead:+.1%}, median of per-pair ratios "
                  f"{local['pair_ratio'] - 1:+.1%} (target <= 5%; shared CPU makes single calls noisy)")
            layer_s = (cost["layer_us"] - cost["bare_us"]) / 1e6
            print(f"  layer's own cost / median local call = {layer_s / local['direct_median_s']:.3%}")

if __name__ == "__main__":
    main()
