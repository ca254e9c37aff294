"""Benchmark `wildvalues report` against the straightforward route, in the same run.

1. Builds a synthetic study (``wildvalues.analyze.synthetic.make_workspace``, ``--conversations``) and runs
   the real analysis on it (lexical alerts, reduced bootstrap: the report's cost does not depend on them).
2. Times ``build_report`` (thresholds, sections, one HTML file with plotly.js inlined once, exports, manifest)
   with and without the static matplotlib figures, and reports the HTML size.
3. The straightforward route for the same interactive figures: one standalone offline HTML file per figure
   (``fig.write_html(include_plotlyjs=True)``, Plotly's own offline export), timed and sized.

Run:  nice -n 10 .venv/bin/python bench/report.py [--conversations 50000] [--workdir DIR]
Figures are printed (and written as JSON with --json-out); nothing here is a timed assertion.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path


def _mb(n: int) -> float:
    return round(n / 1e6, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50_000)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "wv-bench-report")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()

    import plotly.io as pio

    from wildvalues.analyze.config import AnalyzeConfig
    from wildvalues.analyze.run import analyze_workspace
    from wildvalues.analyze.synthetic import make_workspace
    from wildvalues.config import Config
    from wildvalues.report import build_report
    from wildvalues.report.build import build_sections, render_html
    from wildvalues.report.data import load_report_data
    from wildvalues.workspace import Workspace

    shutil.rmtree(args.workdir, ignore_errors=True)
    results: dict[str, object] = {"conversations": args.conversations}
    with Workspace(args.workdir / "ws") as ws:
        started = time.perf_counter()
        make_workspace(ws, args.conversations, seed=0)
        analyze_workspace(ws, AnalyzeConfig(alert_method="lexical", bootstrap=100, bootstrap_expressions=20))
        results["setup_seconds"] = round(time.perf_counter() - started, 1)
        results["result_rows"] = sum(
            ws.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for (t,) in ws.con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'an_%'").fetchall())

        cfg = Config()
        for label, static in (("with_static_figures", True), ("html_and_exports_only", False)):
            cfg.report.static_figures = static
            started = time.perf_counter()
            summary = build_report(ws, cfg, out_dir=args.workdir / f"report-{label}")
            results[f"ours_{label}_seconds"] = round(time.perf_counter() - started, 2)
        results["ours_html_mb"] = _mb(summary["html_bytes"])
        results["ours_figures"] = summary["figures_interactive"]
        results["ours_files"] = 1

        # the HTML step alone (same sections), to compare like with like
        started = time.perf_counter()
        data = load_report_data(ws, cfg.privacy.min_conversations, cfg.privacy.min_users)
        results["ours_load_and_threshold_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        sections = build_sections(data, cfg.report)
        results["ours_sections_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        html = render_html(data, sections, workspace="ws", examples=None, static_figures=False)
        (args.workdir / "single.html").write_text(html, encoding="utf-8")
        results["ours_render_and_write_html_seconds"] = round(time.perf_counter() - started, 2)

        # straightforward route: the same figures, each as its own standalone offline HTML file
        figures = [fig for section in sections for fig in section.figures]
        naive_dir = args.workdir / "naive"
        naive_dir.mkdir(parents=True)
        started = time.perf_counter()
        total = 0
        for figure in figures:
            path = naive_dir / f"{figure.div_id}.html"
            pio.from_json(figure.spec_json).write_html(path, include_plotlyjs=True, full_html=True)
            total += path.stat().st_size
        results["straightforward_seconds"] = round(time.perf_counter() - started, 2)
        results["straightforward_mb"] = _mb(total)
        results["straightforward_files"] = len(figures)

    for key, value in results.items():
        print(f"{key:>40}: {value}")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
