"""`analyze_workspace`: compute every statistic and write the ``an_*`` tables (schema: SCHEMA.md)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from wildvalues.analyze.alerts import alerts
from wildvalues.analyze.associations import associations
from wildvalues.analyze.compare import compare_models
from wildvalues.analyze.config import AnalyzeConfig
from wildvalues.analyze.data import StudyData, load_study
from wildvalues.analyze.frequencies import Context, category_shares, long_tail, overview, value_frequencies
from wildvalues.analyze.mirroring import mirror_matrix, mirrored_values, mirroring, value_pairs
from wildvalues.analyze.responses import response_types, stated_vs_demonstrated
from wildvalues.analyze.support import Support
from wildvalues.analyze.variation import context_variation

TABLES = (
    "an_overview",
    "an_value_frequencies",
    "an_category_shares",
    "an_long_tail",
    "an_association_tests",
    "an_associations",
    "an_context_variation",
    "an_response_types",
    "an_mirroring",
    "an_mirrored_values",
    "an_value_pairs",
    "an_model_values",
    "an_model_tests",
    "an_stated_vs_demonstrated",
    "an_alerts",
    "an_review_queue",
    "an_notes",
)

Progress = Callable[[str], None]


def compute(data: StudyData, cfg: AnalyzeConfig, progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """Every result table as a DataFrame (pure: no I/O besides the optional embedding cache for alerts)."""
    step = progress or (lambda _msg: None)
    ctx = Context(data, cfg, Support(data.user_codes), np.random.default_rng(cfg.seed), list(data.notes))
    out: dict[str, pd.DataFrame] = {}
    timings: dict[str, float] = {}
    cpu_timings: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        step(name)
        started, cpu = time.perf_counter(), time.process_time()
        result = fn()
        timings[name] = time.perf_counter() - started
        cpu_timings[name] = time.process_time() - cpu
        return result

    out["an_overview"] = timed("overview", lambda: overview(ctx))
    out["an_value_frequencies"] = timed("frequencies", lambda: value_frequencies(ctx))
    out["an_category_shares"] = timed("category shares", lambda: category_shares(ctx))
    out["an_long_tail"] = long_tail(ctx, out["an_value_frequencies"])
    out["an_association_tests"], out["an_associations"] = timed(
        "associations", lambda: associations(ctx, progress=lambda m: step(f"associations: {m}"))
    )
    out["an_context_variation"] = timed("context variation", lambda: context_variation(ctx))
    out["an_response_types"] = timed("response types", lambda: response_types(ctx))
    mirrored = mirror_matrix(ctx)
    out["an_mirroring"] = timed("mirroring", lambda: mirroring(ctx, mirrored))
    out["an_mirrored_values"] = timed("mirrored values", lambda: mirrored_values(ctx, mirrored))
    out["an_value_pairs"] = timed("value pairs", lambda: value_pairs(ctx))
    out["an_model_values"], out["an_model_tests"] = timed("models", lambda: compare_models(ctx))
    out["an_stated_vs_demonstrated"] = timed("stated values", lambda: stated_vs_demonstrated(ctx))
    out["an_alerts"], out["an_review_queue"] = timed(
        "alerts", lambda: alerts(ctx, out["an_value_frequencies"])
    )
    out["an_notes"] = pd.DataFrame(ctx.notes, columns=["section", "note"])
    out["_timings"] = pd.DataFrame(
        {"step": list(timings), "seconds": list(timings.values()), "cpu_seconds": list(cpu_timings.values())}
    )
    return out


def _write(con, name: str, frame: pd.DataFrame | None, run_id: str) -> int:
    con.execute(f"DROP TABLE IF EXISTS {name}")
    if frame is None or frame.empty:
        # an empty table still says "computed, nothing found"
        columns = list(frame.columns) if frame is not None and len(frame.columns) else ["note"]
        con.execute(f"CREATE TABLE {name} ({', '.join(f'{c} VARCHAR' for c in columns)}, run_id VARCHAR)")
        return 0
    frame = frame.reset_index(drop=True)
    if "n_users" in frame.columns:
        frame["n_users"] = pd.array(frame["n_users"], dtype="Int64")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.append_column("run_id", pa.array([run_id] * len(frame), pa.string()))
    con.register("an_frame", table)
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM an_frame")
    con.unregister("an_frame")
    return len(frame)


def _table_key(test) -> str:
    level = test.col_level if test.col_kind == "task" else test.row_level
    return f"{test.analysis}@L{int(level)}" if pd.notna(level) else test.analysis


def analyze_workspace(
    ws,
    cfg: AnalyzeConfig | None = None,
    progress: Progress | None = None,
    config_snapshot: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the whole analysis on ``ws`` and write the ``an_*`` tables; returns a summary for the CLI/run.

    ``config_snapshot`` is stored in the run record (defaults to ``cfg`` itself).
    """
    cfg = cfg or AnalyzeConfig()
    args = {"all_conversations": cfg.all_conversations}
    with ws.run("analyze", args, config_snapshot or {"analyze": cfg.model_dump()}) as run:
        started = time.perf_counter()
        if progress:
            progress("loading features")
        data = load_study(ws, all_conversations=cfg.all_conversations)
        if data.n == 0:
            raise ValueError(
                f"{ws.db_path}: no {data.population} conversations in 'features' to analyse "
                "(use --all-conversations to include non-subjective ones)"
            )
        loaded = time.perf_counter() - started
        tables = compute(data, cfg, progress)
        timings = tables.pop("_timings")
        if progress:
            progress("writing tables")
        written = time.perf_counter()
        con = ws.con.cursor()
        rows = {name: _write(con, name, tables.get(name), run.run_id) for name in TABLES}
        con.close()
        # validation kit (issue 14): corrected estimates when an annotated random sample exists
        from wildvalues.validate.corrected import corrected_estimates

        corrected_rows = corrected_estimates(ws, run.run_id, cfg.all_conversations)
        if corrected_rows is not None:
            rows["an_corrected"] = corrected_rows
        exported = time.perf_counter()
        if cfg.export_parquet:
            for name in TABLES + (("an_corrected",) if corrected_rows is not None else ()):
                ws.export_parquet(name)
        finished = time.perf_counter()
        tests = tables["an_association_tests"]
        summary: dict[str, Any] = {
            "run_id": run.run_id,
            "population": data.population,
            "conversations_in_features": data.n_features,
            "conversations_analysed": data.n,
            "ai_values": len(data.sides["ai"].names),
            "human_values": len(data.sides["human"].names),
            "tasks": len(data.tasks[0].names),
            "significant_cells": {_table_key(r): int(r.n_significant_pos) for r in tests.itertuples()},
            "alerts": rows["an_alerts"],
            "review_queue": rows["an_review_queue"],
            "rows_written": rows,
            "notes": len(tables["an_notes"]),
            "seconds_load": round(loaded, 3),
            "seconds_by_step": {r.step: round(r.seconds, 3) for r in timings.itertuples()}
            | {"write tables": round(exported - written, 3), "export parquet": round(finished - exported, 3)},
            "cpu_seconds_by_step": {r.step: round(r.cpu_seconds, 3) for r in timings.itertuples()},
            "seconds": round(time.perf_counter() - started, 3),
        }
        run.counts.update(
            {
                "read": data.n_features,
                "analysed": data.n,
                "excluded": data.n_features - data.n,
                "tables": len(TABLES),
                "rows": sum(rows.values()),
            }
        )
    return summary
