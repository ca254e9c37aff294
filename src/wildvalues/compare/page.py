"""The comparison page: one self-contained offline HTML file (plotly inlined, no network).

Sections: scale and privacy, shares side by side with 95% CIs (categories, top values), movers (B - A with
CIs), response-type mix (shares and Figure-4 adjusted residuals), drift chart with control limits and the
conversations to review, notes. Only rows that passed the privacy thresholds reach this module.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import plotly.graph_objects as go

from wildvalues import __version__
from wildvalues.report.build import _jsonsafe, plotly_js
from wildvalues.report.tables import PLOTLY_CONFIG, Section, Table

COLOURS = {"A": "#4c72b0", "B": "#dd8452"}


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}" if abs(value) >= 10**-digits or value == 0 else f"{value:.1e}"
    return str(value)


def _layout(title: str, **extra) -> dict:
    return {"title": {"text": title}, "margin": {"l": 220, "r": 20, "t": 50, "b": 50}, "height": 420} | extra


def _shares_figure(rows: pd.DataFrame, title: str) -> go.Figure | None:
    if rows.empty:
        return None
    rows = rows.sort_values("pct_a")
    fig = go.Figure()
    for side in ("A", "B"):
        s = side.lower()
        fig.add_bar(
            y=rows["item_name"],
            x=rows[f"pct_{s}"],
            orientation="h",
            name=side,
            marker_color=COLOURS[side],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": rows[f"ci_high_{s}"] - rows[f"pct_{s}"],
                "arrayminus": rows[f"pct_{s}"] - rows[f"ci_low_{s}"],
            },
        )
    fig.update_layout(
        **_layout(
            title,
            barmode="group",
            height=max(360, 28 * len(rows) + 120),
            xaxis={"title": "% of conversations (95% Wilson CI)"},
        )
    )
    return fig


def _diff_figure(rows: pd.DataFrame, title: str) -> go.Figure | None:
    if rows.empty:
        return None
    rows = rows.sort_values("diff_pp")
    fig = go.Figure(
        go.Bar(
            y=rows["kind"] + ": " + rows["item_name"].astype(str),
            x=rows["diff_pp"],
            orientation="h",
            marker_color=["#55a868" if d > 0 else "#c44e52" for d in rows["diff_pp"]],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": rows["diff_ci_high"] - rows["diff_pp"],
                "arrayminus": rows["diff_pp"] - rows["diff_ci_low"],
            },
        )
    )
    fig.update_layout(
        **_layout(
            title,
            height=max(360, 28 * len(rows) + 120),
            xaxis={"title": "B - A, percentage points (95% Newcombe CI)"},
        )
    )
    return fig


def _mix_figures(cells: pd.DataFrame) -> tuple[go.Figure | None, go.Figure | None]:
    cells = cells[cells["stratum"] == "all"] if not cells.empty else cells
    if cells.empty:
        return None, None
    shares = go.Figure()
    resid = go.Figure()
    for study in ("A", "B"):
        part = cells[cells["study"] == study]
        shares.add_bar(x=part["response_type"], y=part["pct"], name=study, marker_color=COLOURS[study])
        resid.add_bar(
            x=part["response_type"], y=part["adjusted_residual"], name=study, marker_color=COLOURS[study]
        )
    critical = float(cells["critical_value"].iloc[0])
    shares.update_layout(
        **_layout(
            "Response types, % of each study's conversations",
            barmode="group",
            margin={"l": 60, "r": 20, "t": 50, "b": 120},
        )
    )
    resid.update_layout(
        **_layout(
            f"Adjusted residuals (dashed: Bonferroni critical value ±{critical:.2f})",
            barmode="group",
            margin={"l": 60, "r": 20, "t": 50, "b": 120},
            shapes=[
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": y,
                    "y1": y,
                    "line": {"dash": "dash", "color": "#888"},
                }
                for y in (critical, -critical)
            ],
        )
    )
    return shares, resid


def _drift_figure(shares: pd.DataFrame, drift: pd.DataFrame) -> go.Figure | None:
    if shares.empty:
        return None
    flagged = set(drift.loc[drift["flagged"], "item"]) if len(drift) else set()
    ranked = shares.groupby(["kind", "item"])["x"].sum().sort_values(ascending=False).reset_index()
    chosen = [i for i in ranked["item"] if i in flagged][:4]
    chosen += [i for i in ranked.loc[ranked["kind"] != "value", "item"] if i not in chosen][: 6 - len(chosen)]
    fig = go.Figure()
    for item in chosen:
        part = shares[shares["item"] == item].sort_values("period")
        name = str(part["item_name"].iloc[0])
        fig.add_scatter(
            x=part["period"].astype(str),
            y=part["pct"],
            mode="lines+markers",
            name=name,
            error_y={
                "type": "data",
                "symmetric": False,
                "array": part["ci_high"] - part["pct"],
                "arrayminus": part["pct"] - part["ci_low"],
            },
        )
        limits = drift[drift["item"] == item].sort_values("period") if len(drift) else drift
        if len(limits):
            for bound in ("lcl_pct", "ucl_pct"):
                fig.add_scatter(
                    x=limits["period"].astype(str),
                    y=limits[bound],
                    mode="lines",
                    showlegend=False,
                    line={"dash": "dot", "width": 1},
                    name=f"{name} {bound[:3]}",
                )
            hits = limits[limits["flagged"]]
            if len(hits):
                fig.add_scatter(
                    x=hits["period"].astype(str),
                    y=hits["pct"],
                    mode="markers",
                    name=f"{name}: flag",
                    marker={"symbol": "x", "size": 14, "color": "#c44e52"},
                )
    fig.update_layout(
        **_layout(
            "Share per period with control limits (dotted) and flags (x)",
            margin={"l": 60, "r": 20, "t": 50, "b": 60},
            yaxis={"title": "% of the period's conversations"},
        )
    )
    return fig


def _items_table(rows: pd.DataFrame, title: str, limit: int = 40) -> Table:
    rows = rows.reindex(rows["diff_pp"].abs().sort_values(ascending=False).index).head(limit)
    return Table(
        title,
        ["item", "A %", "A 95% CI", "B %", "B 95% CI", "B - A (pp)", "95% CI", "test", "p adjusted"],
        [
            [
                str(r.item_name),
                _fmt(r.pct_a),
                f"{_fmt(r.ci_low_a)}–{_fmt(r.ci_high_a)}",
                _fmt(r.pct_b),
                f"{_fmt(r.ci_low_b)}–{_fmt(r.ci_high_b)}",
                _fmt(r.diff_pp),
                f"{_fmt(r.diff_ci_low)}–{_fmt(r.diff_ci_high)}",
                r.test,
                _fmt(float(r.p_adjusted), 3),
            ]
            for r in rows.itertuples()
        ],
    )


def build_sections(summary: dict, tables: dict[str, pd.DataFrame]) -> list[Section]:
    items = tables["cmp_items"]
    overall = items[items["stratum"] == "all"] if not items.empty else items
    privacy = summary["privacy"]
    scale = Section(
        "scale",
        "Scale, tests and privacy",
        intro=(
            f"Scale: {summary['scale']}. Label assignment: {summary['scale_assignment']}. Tests: "
            f"{summary['correction']} correction at alpha = {summary['alpha']} (see notes). "
            "Every compared cell has "
            f"at least k = {privacy['k']} conversations and u = {privacy['u']} users (where known) "
            "in both studies; "
            f"{privacy['total']['suppressed']} of {privacy['total']['rows']} compared rows "
            f"({100 * privacy['total']['share_suppressed']:.1f}%) were withheld."
        ),
    )
    scale.add_table(
        Table(
            "Studies",
            ["study", "conversations analysed", "features", "tree", "extractor"],
            [
                [
                    side,
                    str(s["conversations"]),
                    str(s["features"]),
                    f"{s['tree_source']} / {s['tree_fingerprint']}",
                    "; ".join(" / ".join(e) for e in s["extractors"]),
                ]
                for side, s in summary["studies"].items()
            ],
        )
    )
    shares = Section("shares", "Shares side by side")
    for kind, title in (
        ("category", "Top-level value categories"),
        ("value", "AI values (30 largest)"),
        ("response_type", "Response types"),
    ):
        rows = overall[overall["kind"] == kind]
        if kind == "value":
            rows = rows.nlargest(30, "pct_a")
        shares.add_figure(
            _shares_figure(rows, title),
            title,
            missing=f"No {kind} passed the privacy thresholds in both studies.",
        )
        shares.add_table(_items_table(rows, f"{title}: A vs B") if len(rows) else None)
    moving = Section("movers", "Top movers", intro="Significant (after correction) rises and falls, B - A.")
    moving.add_figure(
        _diff_figure(tables["cmp_movers"], "Movers"),
        "Movers",
        missing="No item changed significantly (after correction) among the cells shown.",
    )
    mix = Section("response-mix", "Response-type mix (Figure 4 style)")
    for test in summary["response_mix"]:
        mix.notes.append(
            f"{test.get('stratum')}: chi-square = {_fmt(test.get('statistic'), 2)}, dof = "
            f"{test.get('dof')}, p = {_fmt(test.get('p_value'), 3)} (n A = {test.get('n_a')}, "
            f"n B = {test.get('n_b')})"
        )
    for fig, title in zip(
        _mix_figures(tables["cmp_mix_cells"]), ("Response types", "Adjusted residuals"), strict=True
    ):
        mix.add_figure(fig, title, missing="No response-type table to compare.")
    drift = _drift_section(tables)
    notes = Section("notes", "Notes")
    notes.add_table(Table("Notes", ["note"], [[n] for n in summary["notes"]]))
    return [scale, shares, moving, mix, drift, notes]


def _drift_section(tables: dict[str, pd.DataFrame]) -> Section:
    drift = Section("drift", "Drift over time")
    drift.add_figure(
        _drift_figure(tables["cmp_period_shares"], tables["cmp_drift"]),
        "Drift",
        missing="No period series (run with --by week or --by month on timestamped studies).",
    )
    flags = tables["cmp_drift"]
    flags = flags[flags["flagged"]] if len(flags) else flags
    drift.add_table(
        Table(
            "Flagged periods",
            ["item", "period", "share %", "baseline %", "band %", "z"],
            [
                [
                    str(r.item_name),
                    str(r.period)[:10],
                    _fmt(r.pct),
                    _fmt(r.baseline_pct),
                    f"{_fmt(r.lcl_pct)}–{_fmt(r.ucl_pct)}",
                    _fmt(r.z, 2),
                ]
                for r in flags.itertuples()
            ],
        )
        if len(flags)
        else None,
        missing="No period left its control band.",
    )
    review = tables["cmp_review"]
    shown = review.groupby(["item", "period"]).head(5) if len(review) else review
    drift.add_table(
        Table(
            "Conversations to review (flagged rises, ids only; up to 5 per flag here)",
            ["item", "period", "conversation"],
            [[str(r.item), str(r.period)[:10], str(r.conversation_id)] for r in shown.itertuples()],
            note=f"{len(review)} conversation ids in all: table cmp_review / an_drift_review.",
        )
        if len(review)
        else None
    )
    return drift


def drift_sections(summary: dict, tables: dict[str, pd.DataFrame]) -> list[Section]:
    """The drift page of one study (``analyze --by``): the chart, flags, review list, notes."""
    notes = Section("notes", "Notes")
    notes.add_table(Table("Notes", ["note"], [[n] for n in summary["notes"]]))
    return [_drift_section(tables), notes]


def write_page(
    path: Path,
    summary: dict,
    tables: dict[str, pd.DataFrame],
    title: str = "Values in the wild: study comparison",
    sections: list[Section] | None = None,
) -> Path:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("wildvalues.compare", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["jsonsafe"] = lambda s: jinja2.utils.markupsafe.Markup(_jsonsafe(s))
    html = env.get_template("compare.html.j2").render(
        title=title,
        version=__version__,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        summary=summary,
        sections=sections or build_sections(summary, tables),
        plotly_js=plotly_js(),
        plotly_config=json.dumps(PLOTLY_CONFIG),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
