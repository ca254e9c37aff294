"""Benchmark of the main job: `wildvalues run --demo` stage by stage, and the fast profile next to thorough.

1. The pipeline on N ShareGPT conversations (default 1,000, the demo's sample) from an empty workspace, in
   this process: seconds per stage (ingest, scrub, extract, screen, taxonomy, audit, analyze, report) and
   the report's headline counts (AI values shown in Table 1, top-level tasks, share withheld).
2. Conversations per second of extraction on the same K conversations (default 20) with the fast profile
   (heads, no LLM) and the thorough profile (heads + the embedded 1.5B judge, fresh call cache), every
   feature extracted (no screen), so both do the same work per conversation.

Both start from an empty embedding cache (the pinned models are reused), as a fresh machine would;
``--warm`` keeps ``~/.cache/wildvalues``'s cached embeddings instead (much faster, not a fresh figure).

Usage: ``.venv/bin/python bench/demo.py [--sample 1000] [--compare 20] [--profile fast] [--workdir DIR]
[--warm]``.
Models must be pulled (`bash scripts/setup.sh --models default`). Prints tables; never asserts timings.
Wall time depends on the machine's load: run it on an idle machine and say so next to any figure.
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
from wildvalues.config import Config
from wildvalues.ingest import demo_source
from wildvalues.pipeline import run_pipeline
from wildvalues.workspace import Workspace


def pipeline_stages(workdir: Path, sample: int, profile: str) -> dict:
    cfg = Config()
    cfg.ingest.paths, cfg.ingest.sample = [str(demo_source())], sample
    cfg.extract.profile = profile
    ws_dir = workdir / f"demo-{profile}-{sample}"
    shutil.rmtree(ws_dir, ignore_errors=True)
    started = time.perf_counter()
    with Workspace(ws_dir) as ws:
        results = run_pipeline(ws, cfg, quiet=True)
    wall = time.perf_counter() - started
    summaries = {r.stage: r.summary for r in results}
    manifest = json.loads(Path(summaries["report"]["manifest"]).read_text(encoding="utf-8"))
    return {"workspace": ws_dir, "wall": wall, "stages": [(r.stage, r.seconds) for r in results],
            "extract": summaries["extract"], "report": summaries["report"], "manifest": manifest}


def profile_speeds(workspace: Path, k: int, cold: Path | None = None) -> list[tuple[str, int, float]]:
    """Extraction seconds for K conversations of ``workspace`` with each profile (all features); with
    ``cold`` (a scratch folder), each profile starts from an empty embedding cache."""
    from wildvalues.extract.core import extract_batch
    from wildvalues.extract.extractor import build_extractor
    from wildvalues.extract.store import load_conversations
    from wildvalues.llm import client_for

    with Workspace(workspace) as ws:
        conversations = load_conversations(ws)[0][:k]
    rows = []
    for profile in ("fast", "thorough"):
        cfg = Config()
        cfg.extract.profile, cfg.extract.extract_all = profile, True
        with tempfile.TemporaryDirectory(prefix="wv-bench-cache-") as tmp, Workspace(Path(tmp)) as cache_ws, \
                client_for(cfg.llm, cache_ws, "bench", needed=cfg.extract.uses_llm) as judge:
            extractor = build_extractor(cfg.extract, judge)
            extract_batch(conversations[:1], build_extractor(cfg.extract, None))  # load embeddings/heads
            if cold is not None:
                cold_embedding_cache(cold, profile)
            started = time.perf_counter()
            for conversation in conversations:
                extract_batch([conversation], extractor)
            rows.append((profile, len(conversations), time.perf_counter() - started))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--compare", type=int, default=20, help="conversations, fast vs thorough (0: skip)")
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "wv-bench-demo")
    parser.add_argument("--warm", action="store_true",
                        help="keep the embedding cache (default: an empty one, as on a fresh machine)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    cold = None if args.warm else args.workdir  # else the pinned models, but no embeddings of earlier runs
    if cold is not None:
        cold_embedding_cache(cold, "pipeline")
    print(f"cache: {os.environ.get('WILDVALUES_CACHE', '~/.cache/wildvalues (warm)')}")
    run = pipeline_stages(args.workdir, args.sample, args.profile)
    print(f"\npipeline, profile {args.profile}, {args.sample} ShareGPT conversations, empty workspace: "
          f"{run['wall']:.1f} s wall")
    for stage, seconds in run["stages"]:
        print(f"  {stage:<10} {seconds:8.1f} s  {100 * seconds / run['wall']:5.1f}%")
    extract, counts = run["extract"], run["manifest"].get("counts", {})
    print(f"  extracted {extract.get('extracted')}, screened out (not subjective) "
          f"{extract.get('screened_out_not_subjective')}; report: {run['report']['report']}")
    print(f"  report counts: {json.dumps(counts)}; share withheld {run['report'].get('share_suppressed')}")
    if args.compare:
        print(f"\nextraction on the same {args.compare} conversations, every feature (no screen):")
        for profile, n, seconds in profile_speeds(run["workspace"], args.compare, cold=cold):
            print(f"  {profile:<9} {n / seconds:8.2f} conversations/s  ({seconds / n:.2f} s each)")


if __name__ == "__main__":
    main()
