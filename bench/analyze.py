"""Benchmark `wildvalues analyze` at paper scale against the straightforward route, in the same run.

1. Generates a synthetic workspace from the released Values-in-the-Wild frequencies (308,210 subjective
   conversations x ``--scale``; ~4 AI and ~1.5 human values per conversation; 3,307 AI values, 2,483 human
   values, 6,745 tasks; the paper's response mix) with ``wildvalues.analyze.synthetic.make_workspace``.
2. Times the full ``analyze_workspace`` (every an_* table, bootstrap CIs, Parquet export) in a child process,
   reporting wall time, CPU time and peak RSS of that process alone.
3. Times the straightforward route for the AI value x task table on the same data in another child:
   pandas.crosstab over the (conversation, value, task) rows + scipy.stats.chi2_contingency + dense adjusted
   residuals, bounded by ``--straightforward-timeout`` seconds; and, for the same single table, our route
   (load + sparse co-occurrence + analyse_table). Checks both chi-squares agree.

Run:  nice -n 10 .venv/bin/python bench/analyze.py [--scale 1] [--workdir DIR]
Figures are printed (and written as JSON with --json-out); nothing here is a timed assertion.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAPER_CONVERSATIONS = 308_210


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_generate(workspace: Path, n: int, seed: int) -> dict:
    from wildvalues.analyze.synthetic import make_workspace
    from wildvalues.workspace import Workspace

    started = time.perf_counter()
    with Workspace(workspace) as ws:
        truth = make_workspace(ws, n, seed)
    return {"seconds": time.perf_counter() - started, "truth": truth.__dict__}


def child_analyze(workspace: Path) -> dict:
    from wildvalues.analyze.config import AnalyzeConfig
    from wildvalues.analyze.run import analyze_workspace
    from wildvalues.workspace import Workspace

    cpu0, started = _cpu(), time.perf_counter()
    with Workspace(workspace) as ws:
        summary = analyze_workspace(ws, AnalyzeConfig(alert_method="lexical"))
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": _cpu() - cpu0,
        "peak_rss_mib": _peak_rss_mib(),
        "steps": summary["seconds_by_step"],
        "cpu_steps": summary["cpu_seconds_by_step"],
        "seconds_load": summary["seconds_load"],
        "rows": sum(summary["rows_written"].values()),
    }


def child_ours_single(workspace: Path) -> dict:
    from wildvalues.analyze.contingency import analyse_table, cooccurrence
    from wildvalues.analyze.data import load_study
    from wildvalues.workspace import Workspace

    cpu0, started = _cpu(), time.perf_counter()
    with Workspace(workspace, read_only=True) as ws:
        data = load_study(ws, sides=("ai",), task_tree=False)  # what this one table needs, as below
    loaded, cpu1 = time.perf_counter(), _cpu()
    ai, task = data.sides["ai"], data.tasks[0]
    result = analyse_table(cooccurrence(ai.matrix, task.onehot()), ai.names, task.names)
    return {
        "seconds": time.perf_counter() - started,
        "seconds_table": time.perf_counter() - loaded,
        "cpu_seconds": _cpu() - cpu0,
        "cpu_seconds_load": cpu1 - cpu0,
        "cpu_seconds_table": _cpu() - cpu1,
        "peak_rss_mib": _peak_rss_mib(),
        "chi2": result.chi2,
        "shape": [result.n_rows, result.n_cols],
        "n_significant_pos": result.n_significant_pos,
    }


def child_straightforward(workspace: Path) -> dict:
    import duckdb
    import numpy as np
    import pandas as pd
    from scipy import stats

    cpu0, started = _cpu(), time.perf_counter()
    con = duckdb.connect(str(workspace / "wildvalues.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT conversation_id, unnest(ai_values) AS ai_value, task FROM features WHERE subjective"
    ).df()
    con.close()
    loaded, cpu1 = time.perf_counter(), _cpu()
    table = pd.crosstab(rows["ai_value"], rows["task"])
    crosstabbed, cpu2 = time.perf_counter(), _cpu()
    result = stats.chi2_contingency(table.to_numpy(), correction=False)
    observed = table.to_numpy(dtype=float)
    n = observed.sum()
    row_p, col_p = observed.sum(1) / n, observed.sum(0) / n
    residuals = (observed - result.expected_freq) / np.sqrt(
        result.expected_freq * np.outer(1 - row_p, 1 - col_p)
    )
    crit = stats.norm.isf(0.05 / (2 * observed.shape[0]))
    return {
        "seconds": time.perf_counter() - started,
        "seconds_load": loaded - started,
        "seconds_crosstab": crosstabbed - loaded,
        "seconds_chi2_residuals": time.perf_counter() - crosstabbed,
        "cpu_seconds": _cpu() - cpu0,
        "cpu_seconds_load": cpu1 - cpu0,
        "cpu_seconds_crosstab": cpu2 - cpu1,
        "cpu_seconds_chi2_residuals": _cpu() - cpu2,
        "peak_rss_mib": _peak_rss_mib(),
        "chi2": float(result.statistic),
        "shape": list(observed.shape),
        "n_significant_pos": int((residuals > crit).sum()),
    }


CHILDREN = {
    "generate": child_generate,
    "analyze": child_analyze,
    "ours_single": child_ours_single,
    "straightforward": child_straightforward,
}


def run_child(kind: str, workspace: Path, timeout: float, *extra: str) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--workdir", str(workspace), *extra]
    env = dict(os.environ, OMP_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2", MKL_NUM_THREADS="2")
    started = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {
            "error": f"stopped after {timeout:.0f} s (time bound)",
            "seconds": time.perf_counter() - started,
        }
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        return {
            "error": f"exit {done.returncode}: {' | '.join(tail)}",
            "seconds": time.perf_counter() - started,
        }
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiple of the paper's 308,210 conversations"
    )
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "wv-bench-analyze")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="reuse an existing generated workspace")
    parser.add_argument("--skip-straightforward", action="store_true")
    parser.add_argument("--straightforward-timeout", type=float, default=900)
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        extra = (args.n, args.seed) if args.child == "generate" else ()
        print(json.dumps(CHILDREN[args.child](args.workdir, *extra), default=str))
        return

    n = int(round(PAPER_CONVERSATIONS * args.scale))
    ws = args.workdir / f"scale{args.scale:g}"
    figures: dict = {
        "conversations": n,
        "scale": args.scale,
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
    }
    if not (args.reuse and (ws / "wildvalues.duckdb").exists()):
        shutil.rmtree(ws, ignore_errors=True)
        print(f"generating {n:,} synthetic conversations in {ws} ...", flush=True)
        figures["generate"] = run_child("generate", ws, 3600, "--n", str(n), "--seed", str(args.seed))
        print(f"  generated in {figures['generate'].get('seconds', float('nan')):.1f} s", flush=True)
    print("full analyze (child process) ...", flush=True)
    figures["analyze"] = run_child("analyze", ws, 3600)
    a = figures["analyze"]
    wall, cpu, rss = (a.get(k, float("nan")) for k in ("seconds", "cpu_seconds", "peak_rss_mib"))
    print(f"  full analyze: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.0f} MiB {a.get('error', '')}")
    if not args.skip_straightforward:
        print("AI value x task table, our route ...", flush=True)
        figures["ours_single_table"] = run_child("ours_single", ws, 3600)
        o = figures["ours_single_table"]
        wall, table, rss = (o.get(k, float("nan")) for k in ("seconds", "seconds_table", "peak_rss_mib"))
        print(f"  ours: {wall:.2f} s wall (table alone {table:.2f} s), peak RSS {rss:.0f} MiB", flush=True)
        print(
            "AI value x task table, straightforward route (pandas.crosstab + chi2_contingency) ...",
            flush=True,
        )
        figures["straightforward_single_table"] = run_child(
            "straightforward", ws, args.straightforward_timeout
        )
        s = figures["straightforward_single_table"]
        print(
            f"  straightforward: {s.get('seconds', float('nan')):.2f} s wall, peak RSS "
            f"{s.get('peak_rss_mib', float('nan')):.0f} MiB {s.get('error', '')}",
            flush=True,
        )
        if "chi2" in s and "chi2" in o:
            figures["chi2_relative_difference"] = abs(s["chi2"] - o["chi2"]) / s["chi2"]
            figures["speedup_single_table"] = s["seconds"] / o["seconds"]
            figures["speedup_single_table_cpu"] = s["cpu_seconds"] / o["cpu_seconds"]
            figures["speedup_table_only_cpu"] = (s["cpu_seconds"] - s["cpu_seconds_load"]) / o[
                "cpu_seconds_table"
            ]
            figures["speedup_full_analyze_vs_one_straightforward_table"] = s["seconds"] / a["seconds"]
            print(
                f"  chi2 agree to {figures['chi2_relative_difference']:.1e}; speed-up on the table: "
                f"{figures['speedup_single_table']:.1f}x; the full analyze is "
                f"{figures['speedup_full_analyze_vs_one_straightforward_table']:.1f}x faster than the "
                "straightforward route's single table",
                flush=True,
            )
    figures["load_average_at_end"] = os.getloadavg()
    print(json.dumps(figures, indent=1, default=str))
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=1, default=str))


if __name__ == "__main__":
    main()
