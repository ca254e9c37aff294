"""Benchmark + validation of the taxonomy stage on the paper's own 3,307 values.

Measures, in one run:
* embedding throughput (texts/s) of both embedding models, cold (cache off) and warm (cache on);
* the hierarchizer over the paper's values (weights = pct_convos): wall time, LLM calls (new/cached/
  failed) and tokens, next to the straightforward alternative's call count (one naming call per parent
  and one assignment call per child, as a per-item implementation would make) and to two baselines on
  the same embeddings (Ward tree cut at each level's size, flat k-means per size), with NMI / ARI
  agreement of every level with the paper's tree.

Run it niced, it takes long on a shared CPU:
    nice -n 10 .venv/bin/python bench/taxonomy.py --llm none              # LLM-free skeleton
    nice -n 10 .venv/bin/python bench/taxonomy.py --llm local --values 300 --calls-per-leaf 0.05
Needs ../shared/data/values-in-the-wild (or --data DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "values-in-the-wild"


def embedding_throughput(texts: list[str], model: str) -> dict:
    from wildvalues.embed import encode, load_model

    load_model(model)  # load outside the timing
    started = time.perf_counter()
    encode(texts, model, use_cache=False)
    cold = time.perf_counter() - started
    encode(texts, model)  # fill the cache
    started = time.perf_counter()
    encode(texts, model)
    warm = time.perf_counter() - started
    return {"model": model, "texts": len(texts), "cold_texts_per_s": round(len(texts) / cold, 1),
            "warm_texts_per_s": round(len(texts) / max(warm, 1e-9), 1)}


def tree_run(args) -> dict:
    from wildvalues.embed import encode
    from wildvalues.taxonomy.hierarchy import HierarchySettings
    from wildvalues.taxonomy.naming import ExtractiveNamer, LLMNamer
    from wildvalues.taxonomy.validate import markdown_table, validate_against_paper

    client = None
    if args.llm == "none":
        namer = ExtractiveNamer()
    else:
        from wildvalues.llm import LLMConfig, get_client

        cfg = LLMConfig(backend=args.llm, **({"model": args.llm_model} if args.llm_model else {}))
        ws = None
        if args.cache_workspace:  # persistent call cache: an interrupted run resumes, a rerun is free
            from wildvalues.workspace import Workspace

            ws = Workspace(args.cache_workspace)
        client = get_client(cfg, workspace=ws)
        namer = LLMNamer(client)
    settings = HierarchySettings(levels=4, top=5, seed=args.seed, calls_per_leaf=args.calls_per_leaf)
    started = time.perf_counter()
    result = validate_against_paper(
        args.data, lambda texts: encode(list(texts), args.embedding_model), namer, settings,
        progress=lambda msg: print(f"[{time.perf_counter() - started:7.1f}s] {msg}", file=sys.stderr,
                                   flush=True),
        limit=args.values, paper_sizes=args.paper_sizes)
    seconds = time.perf_counter() - started
    n_values, sizes = result["values"], result["sizes"]
    naive_calls = sum(sizes[:-1]) + sum(sizes[1:])  # assign every child + name every parent, one by one
    out = {"values": n_values, "targets": result["targets"], "sizes": sizes, "seconds": round(seconds, 1),
           "llm": args.llm, "embedding_model": args.embedding_model, "calls_per_leaf": args.calls_per_leaf,
           "namer": {k: v for k, v in result["stats"].items() if k.startswith("namer_")},
           "per_item_alternative_calls": naive_calls, "table": markdown_table(result["rows"]),
           "rows": result["rows"]}
    if client is not None:
        out["accounting"] = client.accounting()
        client.close()
    tree = result["tree"]
    out["top_names"] = [n.name for n in tree.level(len(sizes) - 1)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--llm", default="none", help="none | local | openai | anthropic")
    parser.add_argument("--llm-model", default=None)
    parser.add_argument("--embedding-model", default="all-mpnet-base-v2")
    parser.add_argument("--values", type=int, default=None, help="keep the N most frequent values")
    parser.add_argument("--paper-sizes", action="store_true", help="targets = paper's realised sizes")
    parser.add_argument("--calls-per-leaf", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-workspace", type=Path, default=None,
                        help="workspace dir holding the LLM call cache (default: in memory)")
    parser.add_argument("--throughput-texts", type=int, default=512)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-tree", action="store_true")
    args = parser.parse_args()
    if not (args.data / "values_tree.csv").exists():
        sys.exit(f"{args.data}/values_tree.csv not found "
                 "(HF dataset Anthropic/values-in-the-wild, CC BY 4.0)")
    report: dict = {}
    if not args.skip_throughput:
        from wildvalues.taxonomy.validate import paper_values

        texts = sorted(paper_values(args.data))[: args.throughput_texts]
        models = ("all-MiniLM-L6-v2", "all-mpnet-base-v2")
        report["embedding"] = [embedding_throughput(texts, m) for m in models]
        for row in report["embedding"]:
            print(f"embedding {row['model']}: {row['cold_texts_per_s']} texts/s cold, "
                  f"{row['warm_texts_per_s']} texts/s from cache ({row['texts']} texts)")
    if not args.skip_tree:
        tree = tree_run(args)
        report["tree"] = tree
        print(f"tree over {tree['values']} values, sizes {tree['sizes']} (targets {tree['targets']}), "
              f"{tree['seconds']} s, LLM={tree['llm']}")
        print(f"LLM questions asked: {tree['namer']} vs {tree['per_item_alternative_calls']} for a "
              "per-item implementation")
        if "accounting" in tree:
            print("accounting:", json.dumps(tree["accounting"]))
        print("top level:", "; ".join(tree["top_names"]))
        print(tree["table"])
    print(json.dumps(report, default=str))


if __name__ == "__main__":
    main()
