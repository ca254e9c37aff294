"""Association figures: Figure-3 residual bars, Figure-4 response-type panels, Figure-11/12 heatmaps.

Input is ``an_associations`` after the privacy thresholds (a cell backed by fewer than k conversations is
absent) and ``an_association_tests`` (orientation and critical value of each contingency table).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from wildvalues.report.charts import FONT, base_layout, esc, pretty, response_order

SIGNIFICANT = "#d9682b"
NOT_SIGNIFICANT = "#c8c8c8"
FIGURE4_TYPES = ("strong_support", "reframing", "strong_resistance")
HEATMAP_EXCLUDED = ("no_values", "unknown")
HEATMAP_LEGEND = (
    "Colour: odds ratio (clipped at 1/8×–8×), only for Bonferroni-significant cells (**); other "
    "cells show the adjusted residual (* p < 0.05 unadjusted); – = not shown (withheld below the "
    "privacy thresholds, or not stored by the analysis)."
)
CLIP = 8.0  # odds-ratio colours clipped at 1/8x .. 8x, as in the paper


@dataclass(frozen=True)
class Orientation:
    """Which axis of an analysis holds the values and which the contexts (task, human value, response)."""

    analysis: str
    context_is_column: bool
    critical_value: float | None
    row_kind: str
    col_kind: str

    @property
    def context(self) -> tuple[str, str]:
        return ("col_label", "col_level") if self.context_is_column else ("row_label", "row_level")

    @property
    def item(self) -> tuple[str, str]:
        return ("row_label", "row_level") if self.context_is_column else ("col_label", "col_level")


def orientation(tests: pd.DataFrame, analysis: str, item_kind: str) -> Orientation | None:
    """How ``analysis`` is laid out; ``item_kind`` is the axis whose labels become bars (``ai_value``)."""
    rows = tests[tests["analysis"] == analysis] if not tests.empty else tests
    if rows.empty:
        return None
    first = rows.iloc[0]
    crit = float(first["critical_value"]) if pd.notna(first["critical_value"]) else None
    return Orientation(
        analysis,
        context_is_column=first["row_kind"] == item_kind,
        critical_value=crit,
        row_kind=str(first["row_kind"]),
        col_kind=str(first["col_kind"]),
    )


def cells_of(assoc: pd.DataFrame, analysis: str) -> pd.DataFrame:
    return assoc[assoc["analysis"] == analysis] if not assoc.empty else assoc


def pick_level(cells: pd.DataFrame, level_col: str, wanted: int | None = None) -> pd.DataFrame:
    """Cells at one tree level: ``wanted`` if stored, else the level with the most significant shown cells.

    Levels whose labels are too specific (e.g. one task per conversation) lose their cells to the privacy
    thresholds, so the level that still has the most significant cells is the informative one (ties: the
    most specific level).
    """
    if cells.empty or level_col not in cells.columns or cells[level_col].isna().all():
        return cells
    levels = sorted(int(x) for x in cells[level_col].dropna().unique())
    if wanted in levels:
        level = wanted
    else:
        significant = cells[cells["significant"].fillna(False).astype(bool)].groupby(level_col).size()
        level = max(levels, key=lambda lv: (int(significant.get(lv, 0)), -lv))
    return cells[cells[level_col] == level]


def default_contexts(cells: pd.DataFrame, orient: Orientation, n: int) -> list[str]:
    """The largest contexts that have at least one significant positive association."""
    label_col, _ = orient.context
    total_col = "col_total" if orient.context_is_column else "row_total"
    sig = cells[cells["significant"].fillna(False).astype(bool) & (cells["residual"] > 0)]
    pool = sig if not sig.empty else cells
    sizes = pool.groupby(label_col)[total_col].max().sort_values(ascending=False, kind="mergesort")
    return [str(x) for x in sizes.index[:n]]


def residual_panels(
    cells: pd.DataFrame, orient: Orientation, contexts: list[str], n_bars: int, *, context_name: str
) -> go.Figure | None:
    """Figure 3: for each context, the values with the largest adjusted residuals; grey = not significant."""
    label_col, _ = orient.context
    item_col, _ = orient.item
    contexts = [c for c in contexts if (cells[label_col] == c).any()]
    if not contexts:
        return None
    cols = 2 if len(contexts) > 1 else 1
    nrows = (len(contexts) + cols - 1) // cols
    fig = make_subplots(
        rows=nrows,
        cols=cols,
        subplot_titles=esc([f"{context_name}: {c}"[:70] for c in contexts]),
        horizontal_spacing=0.28,
        vertical_spacing=0.12 if nrows > 1 else 0.1,
    )
    for i, context in enumerate(contexts):
        part = cells[cells[label_col] == context].nlargest(n_bars, "residual")
        part = part[part["residual"] > 0].iloc[::-1]
        sig = part["significant"].fillna(False).astype(bool)
        row, col = i // cols + 1, i % cols + 1
        fig.add_trace(
            go.Bar(
                x=part["residual"],
                y=esc(part[item_col]),
                orientation="h",
                showlegend=False,
                marker_color=np.where(sig, SIGNIFICANT, NOT_SIGNIFICANT),
                customdata=np.stack(
                    [part["observed"], part["expected"].round(1), np.where(sig, "yes", "no")], axis=1
                ),
                hovertemplate="%{y}<br>adjusted residual %{x:.2f}<br>observed %{customdata[0]}, expected "
                "%{customdata[1]}<br>significant: %{customdata[2]}<extra></extra>",
            ),
            row=row,
            col=col,
        )
        if orient.critical_value is not None:
            fig.add_vline(
                x=orient.critical_value, line_dash="dash", line_color="#444", line_width=1, row=row, col=col
            )
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(title_text="adjusted Pearson residual", title_font=dict(size=11))
    shown = max(len(t.y) for t in fig.data) if fig.data else 1
    fig.update_layout(bargap=0.25)
    return base_layout(fig, height=max(260, nrows * (28 * max(shown, 4) + 120)))


Sources = dict[str, tuple[pd.DataFrame, Orientation]]


def response_sources(tests: pd.DataFrame, assoc: pd.DataFrame, task_level: int | None) -> Sources:
    """The value/task x response-type tables behind Figures 4, 11 and 12, each at one level."""
    sources = {}
    for kind, analysis, item in (
        ("human values", "human_value_x_response_type", "human_value"),
        ("AI values", "ai_value_x_response_type", "ai_value"),
        ("tasks", "task_x_response_type", "task"),
    ):
        orient = orientation(tests, analysis, item)
        if orient is None:
            continue
        cells = pick_level(cells_of(assoc, analysis), orient.item[1], task_level)
        if not cells.empty:
            sources[kind] = (cells, orient)
    return sources


def response_panels(
    sources: dict[str, tuple[pd.DataFrame, Orientation]], n_bars: int, types: tuple[str, ...] = FIGURE4_TYPES
) -> go.Figure | None:
    """Figure 4: for each response type, the human values, AI values and tasks most associated with it."""
    kinds = [k for k in ("human values", "AI values", "tasks") if k in sources]
    if not kinds:
        return None
    fig = make_subplots(
        rows=len(types),
        cols=len(kinds),
        horizontal_spacing=0.22,
        vertical_spacing=0.13,
        subplot_titles=[f"{pretty(t)} · {k}" for t in types for k in kinds],
    )
    drawn = 0
    for r, rtype in enumerate(types, start=1):
        for c, kind in enumerate(kinds, start=1):
            cells, orient = sources[kind]
            label_col, _ = orient.context
            item_col, _ = orient.item
            part = cells[cells[label_col] == rtype].nlargest(n_bars, "residual")
            part = part[part["residual"] > 0].iloc[::-1]
            if part.empty:
                continue
            drawn += 1
            sig = part["significant"].fillna(False).astype(bool)
            fig.add_trace(
                go.Bar(
                    x=part["residual"],
                    y=esc([str(x)[:48] for x in part[item_col]]),
                    orientation="h",
                    showlegend=False,
                    marker_color=np.where(sig, SIGNIFICANT, NOT_SIGNIFICANT),
                    hovertemplate="%{y}: residual %{x:.2f}<extra></extra>",
                ),
                row=r,
                col=c,
            )
            if orient.critical_value is not None:
                fig.add_vline(
                    x=orient.critical_value, line_dash="dash", line_color="#444", line_width=1, row=r, col=c
                )
    if not drawn:
        return None
    fig.update_yaxes(automargin=True, tickfont=dict(size=10))
    return base_layout(fig, height=len(types) * (26 * n_bars + 130))


def heatmap_rows(cells: pd.DataFrame, orient: Orientation, per_type: int) -> list[str]:
    """Per type, the values with the per_type // 2 strongest positive and negative significant residuals."""
    label_col, _ = orient.context
    item_col, _ = orient.item
    half = max(1, per_type // 2)
    sig = cells[cells["significant"].fillna(False).astype(bool)]
    chosen: list[str] = []
    for rtype in response_order(list(cells[label_col].unique())):
        if rtype in HEATMAP_EXCLUDED:
            continue
        part = sig[sig[label_col] == rtype]
        picks = [*part.nlargest(half, "residual")[item_col], *part.nsmallest(half, "residual")[item_col]]
        for pick in map(str, picks):
            if pick not in chosen:
                chosen.append(pick)
    return chosen


def _cell_text(row: pd.Series) -> str:
    if pd.isna(row["residual"]):
        return ""
    if bool(row["significant"]) and pd.notna(row.get("odds_ratio")):
        ratio = float(row["odds_ratio"])
        return f"{ratio:.1f}×**" if ratio >= 1 else f"{ratio:.2g}×**"
    star = "*" if pd.notna(row.get("p_value")) and row["p_value"] < 0.05 else ""
    return f"{row['residual']:.2f}{star}"


@dataclass(frozen=True)
class HeatmapGrid:
    """Rows (values), columns (response types), log2 odds-ratio colours and cell labels."""

    items: list[str]
    types: list[str]
    z: np.ndarray
    text: np.ndarray


def heatmap_grid(cells: pd.DataFrame, orient: Orientation, per_type: int) -> HeatmapGrid | None:
    """The Figure-11/12 matrix; rows sorted by their strong-resistance residual, as in the paper."""
    label_col, _ = orient.context
    item_col, _ = orient.item
    items = heatmap_rows(cells, orient, per_type)
    types = [t for t in response_order(list(cells[label_col].unique())) if t not in HEATMAP_EXCLUDED]
    if not items or not types:
        return None
    grid = cells[cells[item_col].astype(str).isin(items)].copy()
    grid["text"] = grid.apply(_cell_text, axis=1)
    sig = grid["significant"].fillna(False).astype(bool) & grid["odds_ratio"].notna()
    grid["color"] = np.where(sig, np.log2(grid["odds_ratio"].clip(1 / CLIP, CLIP).where(sig, 1.0)), np.nan)
    sort_key = grid[grid[label_col] == "strong_resistance"].set_index(item_col)["residual"]
    items = sorted(items, key=lambda v: -float(sort_key[v]) if v in sort_key.index else np.inf)
    z = grid.pivot_table(index=item_col, columns=label_col, values="color", aggfunc="first", dropna=False)
    text = grid.pivot_table(index=item_col, columns=label_col, values="text", aggfunc="first")
    z = z.reindex(index=items, columns=types)
    text = text.reindex(index=items, columns=types).fillna("–")
    return HeatmapGrid(items, types, z.to_numpy(dtype=float), text.to_numpy())


def odds_heatmap(
    cells: pd.DataFrame, orient: Orientation, per_type: int, *, item_name: str
) -> go.Figure | None:
    """Figures 11/12: values x response types, coloured by odds ratio (significant cells only)."""
    grid = heatmap_grid(cells, orient, per_type)
    if grid is None:
        return None
    items, types = grid.items, grid.types
    ticks = [1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8]
    fig = go.Figure(
        go.Heatmap(
            z=grid.z,
            x=[pretty(t) for t in types],
            y=esc(items),
            text=grid.text,
            texttemplate="%{text}",
            textfont=dict(size=10),
            colorscale="RdBu_r",
            zmid=0,
            zmin=-3,
            zmax=3,
            hoverongaps=True,
            xgap=2,
            ygap=2,
            colorbar=dict(
                title="odds ratio",
                tickvals=np.log2(ticks),
                ticktext=["1/8×", "1/4×", "1/2×", "1×", "2×", "4×", "8×"],
            ),
            hovertemplate=f"{item_name} %{{y}} · %{{x}}<br>%{{text}}<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis=dict(side="bottom", title="AI response type"),
        yaxis=dict(autorange="reversed", automargin=True),
        font=FONT,
    )
    return base_layout(fig, height=max(300, 30 * len(items) + 120))
