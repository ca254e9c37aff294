"""``analyze --by week|month`` inside one study: per-period shares, the drift check, the review list.

Writes ``an_period_shares``, ``an_drift`` and ``an_drift_review`` (only cells that pass the privacy
thresholds; the suppressed count is in the run record) and ``report/drift.html`` is built from them by
``write_drift_page`` when the report is made. Method: :mod:`wildvalues.compare.drift`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from wildvalues.compare.core import CompareSettings
from wildvalues.compare.drift import METHOD, drift_flags, period_shares, review_queue
from wildvalues.compare.load import load_view
from wildvalues.compare.run import write_table

PERIOD_TABLES = ("an_period_shares", "an_drift", "an_drift_review")


def analyze_periods(
    ws,
    by: str,
    *,
    alpha: float = 0.05,
    k: int = 10,
    u: int = 5,
    all_conversations: bool = False,
    settings: CompareSettings | None = None,
) -> dict[str, Any]:
    """Per-period shares with Wilson CIs and drift flags for one study; writes the ``an_*`` period tables."""
    settings = settings or CompareSettings(alpha=alpha, k=k, u=u)
    view = load_view(ws, ws.root.name, all_conversations=all_conversations)
    dated = int(view.conversations["timestamp"].notna().sum())
    with ws.run("analyze periods", {"by": by, "all_conversations": all_conversations}) as run:
        if dated == 0:
            summary = {
                "by": by,
                "dated_conversations": 0,
                "note": "no conversation carries a timestamp: no period series",
            }
            frames = {name: pd.DataFrame() for name in PERIOD_TABLES}
        else:
            shares = period_shares(
                view.conversations,
                view.labels,
                view.paths,
                by,
                k=settings.k,
                u=settings.u,
                top_values=settings.drift_top_values,
            )
            flags = drift_flags(shares, alpha=settings.alpha, min_baseline=settings.drift_min_baseline)
            review = review_queue(
                flags, view.conversations, view.labels, view.paths, by, settings.review_max_per_flag
            )
            visible_flags = flags[flags["visible"]] if len(flags) else flags
            frames = {
                "an_period_shares": shares[shares["visible"]],
                "an_drift": visible_flags,
                "an_drift_review": review,
            }
            summary = {
                "by": by,
                "method": METHOD,
                "alpha": settings.alpha,
                "dated_conversations": dated,
                "undated_conversations": len(view.conversations) - dated,
                "periods": int(shares["period"].nunique()) if len(shares) else 0,
                "cells": len(shares),
                "cells_suppressed": int((~shares["visible"]).sum()) if len(shares) else 0,
                "checks": len(flags),
                "flagged_shown": int(visible_flags["flagged"].sum()) if len(flags) else 0,
                "flagged_suppressed": int((flags["flagged"] & ~flags["visible"]).sum()) if len(flags) else 0,
                "review_conversations": len(review),
            }
        for name in PERIOD_TABLES:
            write_table(ws.con, name, frames[name], run.run_id)
        run.counts.update(summary)
        summary["run_id"] = run.run_id
    return summary


def write_drift_page(ws, out_dir: Path) -> Path | None:
    """``drift.html`` next to the report when the study has period tables (already thresholded)."""
    if not all(ws.has_table(name) for name in PERIOD_TABLES):
        return None
    from wildvalues.compare.page import write_page

    def read(name: str) -> pd.DataFrame:
        frame = ws.con.execute(f"SELECT * FROM {name}").fetchdf()
        return pd.DataFrame() if "note" in frame.columns and len(frame.columns) <= 2 else frame

    shares, flags, review = (read(name) for name in PERIOD_TABLES)
    for frame in (shares, flags, review):
        if "period" in frame:
            frame["period"] = pd.to_datetime(frame["period"])
    empty_items = pd.DataFrame(columns=["stratum", "kind"])
    tables = {
        "cmp_items": empty_items,
        "cmp_movers": pd.DataFrame(),
        "cmp_mix_cells": pd.DataFrame(),
        "cmp_period_shares": shares,
        "cmp_drift": flags,
        "cmp_review": review,
    }
    runs = ws.con.execute(
        "SELECT counts FROM runs WHERE command = 'analyze periods' AND status = 'ok' "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchall()
    import json

    counts = json.loads(runs[0][0]) if runs else {}
    summary = {
        "studies": {"A": {"path": ws.root.name}, "B": {"path": "—"}},
        "mismatches_forced": [],
        "notes": [
            f"drift check: {counts.get('method', METHOD)}",
            f"{counts.get('cells_suppressed', 0)} of {counts.get('cells', 0)} period cells and "
            f"{counts.get('flagged_suppressed', 0)} flags withheld below the privacy thresholds",
        ],
    }
    from wildvalues.compare.page import drift_sections

    return write_page(
        Path(out_dir) / "drift.html",
        summary,
        tables,
        title="Values in the wild: drift over time",
        sections=drift_sections(summary, tables),
    )
