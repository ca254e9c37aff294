"""``compare_studies``: read two study workspaces, compare them, write ``OUT`` (a workspace of its own).

``OUT/wildvalues.duckdb`` gets the ``cmp_*`` tables — only rows that pass the privacy thresholds in both
studies — and a ``runs`` row (both studies' paths, tree fingerprints, extractor versions, mismatches);
``OUT/parquet/`` their Parquet copies; ``OUT/comparison.json`` the summary; ``OUT/report/compare.html``
the page. Neither input study is written to.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from wildvalues.compare.core import By, CompareSettings, Comparison, compare_views
from wildvalues.compare.load import StudyView, load_view
from wildvalues.compare.scale import build_scale
from wildvalues.workspace import Workspace

TABLES = (
    "cmp_items",
    "cmp_movers",
    "cmp_mix_tests",
    "cmp_mix_cells",
    "cmp_period_shares",
    "cmp_drift",
    "cmp_review",
    "cmp_corrected",
)


def _open(path: Path) -> Workspace:
    if not (Path(path) / "wildvalues.duckdb").exists():
        raise FileNotFoundError(f"no study workspace at {path} (run `wildvalues ingest` and `extract` first)")
    return Workspace(path, read_only=True)


def load_pair(path_a: Path, path_b: Path, all_conversations: bool = False) -> tuple[StudyView, StudyView]:
    views = []
    for label, path in (("A", path_a), ("B", path_b)):
        with _open(path) as ws:
            views.append(load_view(ws, f"{label} ({Path(path).name})", all_conversations=all_conversations))
    return views[0], views[1]


def shown_tables(result: Comparison) -> dict[str, pd.DataFrame]:
    """The frames that may leave the process: privacy-visible rows only (suppressed rows are counted)."""

    def visible(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty or "visible" not in frame:
            return frame
        return frame[frame["visible"]].reset_index(drop=True)

    return {
        "cmp_items": visible(result.items),
        "cmp_movers": result.movers,
        "cmp_mix_tests": result.mix_tests,
        "cmp_mix_cells": visible(result.mix_cells),
        "cmp_period_shares": visible(result.period_shares),
        "cmp_drift": visible(result.drift),
        "cmp_review": result.review,
        "cmp_corrected": result.corrected,
    }


def write_table(con, name: str, frame: pd.DataFrame, run_id: str) -> int:
    con.execute(f"DROP TABLE IF EXISTS {name}")
    if frame is None or frame.empty:
        con.execute(f"CREATE TABLE {name} (note VARCHAR, run_id VARCHAR)")
        return 0
    frame = frame.reset_index(drop=True).copy()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype(str)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.append_column("run_id", pa.array([run_id] * len(frame), pa.string()))
    con.register("cmp_frame", table)
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM cmp_frame")
    con.unregister("cmp_frame")
    return len(frame)


def _embed_fn(model: str):
    def embed(texts: list[str]):
        from wildvalues.embed import encode

        return encode(list(texts), model)

    return embed


def compare_studies(
    path_a: Path,
    path_b: Path,
    out: Path,
    cfg,
    *,
    by: By | None = None,
    force: bool = False,
    all_conversations: bool = False,
    correction: str = "bh",
) -> dict[str, Any]:
    """Compare study B with study A on A's scale; write ``out``; return the summary.

    ``cfg`` is the whole Config (privacy thresholds, analyze.alpha, taxonomy floor, embedding model).
    Raises :class:`wildvalues.compare.scale.ScaleMismatch` when the studies are not on one scale and
    ``force`` is off.
    """
    started = time.perf_counter()
    a, b = load_pair(Path(path_a), Path(path_b), all_conversations)
    scale = build_scale(
        a,
        b,
        embed_fn=_embed_fn(cfg.embed.model),
        min_similarity=cfg.taxonomy.frozen_min_similarity,
        force=force,
    )
    settings = CompareSettings(
        alpha=cfg.analyze.alpha,
        correction=correction,  # type: ignore[arg-type]
        k=cfg.privacy.min_conversations,
        u=cfg.privacy.min_users,
    )
    result = compare_views(a, b, scale, settings, by)
    tables = shown_tables(result)
    suppression = result.suppression()
    studies = {
        side: {
            "path": str(path),
            "conversations": len(view.conversations),
            "features": view.n_features,
            "tree_fingerprint": view.tree_fingerprint,
            "tree_source": view.tree_source,
            "extractors": [list(e) for e in view.extractors],
        }
        for side, path, view in (("A", path_a, a), ("B", path_b, b))
    }
    args = {
        "study_a": str(path_a),
        "study_b": str(path_b),
        "by": by,
        "force": force,
        "all_conversations": all_conversations,
        "correction": correction,
    }
    out = Path(out)
    with Workspace(out) as ws, ws.run("compare", args, cfg.model_dump()) as run:
        rows = {name: write_table(ws.con, name, tables[name], run.run_id) for name in TABLES}
        for name in TABLES:
            ws.export_parquet(name)
        shown = tables["cmp_items"]
        overall = shown[shown["stratum"] == "all"] if not shown.empty else shown
        summary: dict[str, Any] = {
            "run_id": run.run_id,
            "studies": studies,
            "scale": scale.description,
            "scale_assignment": scale.counts(),
            "mismatches_forced": scale.problems,
            "population": a.population,
            "by": by,
            "correction": correction,
            "alpha": settings.alpha,
            "privacy": {"k": settings.k, "u": settings.u, **suppression},
            "significant_shown": {
                str(kind): int(g["significant"].sum()) for kind, g in overall.groupby("kind")
            },
            "movers": [
                {
                    "kind": r.kind,
                    "item": r.item_name,
                    "pct_a": round(r.pct_a, 2),
                    "pct_b": round(r.pct_b, 2),
                    "diff_pp": round(r.diff_pp, 2),
                    "ci": [round(r.diff_ci_low, 2), round(r.diff_ci_high, 2)],
                    "p_adjusted": float(r.p_adjusted),
                }
                for r in tables["cmp_movers"].itertuples()
            ],
            "response_mix": result.mix_tests.to_dict("records"),
            "drift_flags_shown": int(tables["cmp_drift"]["flagged"].sum()) if len(tables["cmp_drift"]) else 0,
            "review_conversations": len(tables["cmp_review"]),
            "rows_written": rows,
            "notes": result.notes,
        }
        from wildvalues.compare.page import write_page

        summary["report"] = str(write_page(out / "report" / "compare.html", summary, tables))
        summary["seconds"] = round(time.perf_counter() - started, 2)
        (out / "comparison.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
        run.counts.update(
            {
                k: summary[k]
                for k in ("scale_assignment", "significant_shown", "rows_written", "drift_flags_shown")
            }
            | {
                "tree_fingerprints": [a.tree_fingerprint, b.tree_fingerprint],
                "share_suppressed": suppression["total"]["share_suppressed"],
            }
        )
    return summary
