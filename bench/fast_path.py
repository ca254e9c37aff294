"""Speed of the fast path: every per-conversation feature without the LLM (embeddings included).

    .venv/bin/python bench/fast_path.py [GOLD.jsonl] [--batch 64] [--repeat 1]

Runs ``extract_batch(convs, build_extractor(cfg))`` without a client (heads: response type, subjectivity, AI
values, human values, stated AI values) on the conversations of GOLD (default
``<root>/../shared/eval/dev.jsonl``) in batches as ``wildvalues eval --no-llm`` does, with a fresh, empty
embedding cache (``WILDVALUES_CACHE`` points at a temporary folder, so every text is embedded), after one
warm-up batch that loads the models. Prints seconds per conversation (and how much of it the signal row
takes), the torch threads and the load average (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from cold_cache import cold_embedding_cache

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("gold", nargs="?", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="wv-fastpath-"))
    cold_embedding_cache(scratch, "fast-path")  # the pinned models (and student), no cached embeddings
    os.environ.setdefault("WILDVALUES_TORCH_THREADS", "2")
    import torch

    from wildvalues.extract.config import ExtractConfig
    from wildvalues.extract.core import extract_batch
    from wildvalues.extract.extractor import build_extractor
    from wildvalues.extract.gold import load_gold

    cfg = ExtractConfig(extract_all=True)  # every feature for every conversation (no screen)
    gold = load_gold(args.gold)
    from wildvalues.extract.signals import signal_matrix
    from wildvalues.extract.transcript import truncated_turns

    def fresh_cache() -> None:
        cold_embedding_cache(scratch, "fast-path")

    try:
        from wildvalues.stage import MissingInput

        variants = {"heads alone (default)": build_extractor(cfg)}
        try:  # the opt-in student next to the default, when its weights are in the model cache
            variants["heads + student (opt-in)"] = build_extractor(cfg.model_copy(update={"student": True}))
        except MissingInput as missing:
            print(f"heads + student not timed: {missing}")
        for extractor in variants.values():
            extract_batch(gold[:2], extractor)  # warm-up: loads the encoders and the heads
        load_before = os.getloadavg()[0]
        timings: dict[str, list[float]] = {name: [] for name in variants}
        signal_timings = []
        for round_ in range(args.repeat):
            for name, extractor in variants.items():
                fresh_cache()
                started = time.perf_counter()
                features = []
                for start in range(0, len(gold), args.batch):
                    features += extract_batch(gold[start : start + args.batch], extractor)
                timings[name].append((time.perf_counter() - started) / len(gold))
                filled = {
                    field: sum(bool(getattr(f, field)) for f in features)
                    for field in ("ai_values", "human_values", "stated_ai_values")
                }
                print(f"round {round_ + 1}, {name}: {timings[name][-1]:.3f} s per conversation over "
                      f"{len(gold)} ({filled} non-empty)")
            fresh_cache()
            started = time.perf_counter()
            signal_matrix([truncated_turns(c, cfg) for c in gold], cfg.embed_model)
            signal_timings.append((time.perf_counter() - started) / len(gold))
        for name, values in timings.items():
            print(f"fast path, {name}: best {min(values):.3f} s per conversation")
        print(
            f"of which the signal row (3 embeddings + cues) {min(signal_timings):.3f} s; "
            f"torch threads {torch.get_num_threads()}, load average {load_before:.1f} -> "
            f"{os.getloadavg()[0]:.1f} (2 cores)"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
