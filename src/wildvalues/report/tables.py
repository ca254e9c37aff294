"""The report's building blocks: sections holding figures and tables, and number formatting."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
    "toImageButtonOptions": {"format": "svg", "scale": 1},
}


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class Figure:
    """An interactive figure: its div id and the Plotly JSON (data + layout) the page script draws."""

    div_id: str
    title: str
    spec_json: str
    caption: str = ""


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)  # plain sentences: what is missing and why
    notes: list[str] = field(default_factory=list)  # small print under the section

    def add_figure(self, fig: go.Figure | None, title: str, caption: str = "", *, missing: str = "") -> None:
        if fig is None:
            if missing:
                self.empty.append(missing)
            return
        div_id = f"fig-{self.key}-{len(self.figures) + 1}"
        self.figures.append(Figure(div_id, title, fig.to_json(), caption))

    def add_table(self, table: Table | None, *, missing: str = "") -> None:
        if table is None or not table.rows:
            if missing:
                self.empty.append(missing)
            return
        self.tables.append(table)

    @property
    def has_content(self) -> bool:
        return bool(self.figures or self.tables)


def is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA or x is pd.NaT


def fmt_pct(value: Any, low: Any = None, high: Any = None, digits: int = 1) -> str:
    """``23.4%`` or ``23.4% (22.1–24.6)``; an em dash when unknown."""
    if is_missing(value):
        return "—"
    text = f"{float(value):.{digits}f}%"
    if not is_missing(low) and not is_missing(high):
        text += f" ({float(low):.{digits}f}–{float(high):.{digits}f})"
    return text


def fmt_num(value: Any, digits: int = 2) -> str:
    if is_missing(value):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    if number != 0 and abs(number) < 10**-digits:
        return f"{number:.1e}"
    return f"{number:,.{digits}f}"


def fmt_p(value: Any) -> str:
    if is_missing(value):
        return "—"
    number = float(value)
    if number == 0:
        return "< 1e-300"
    return f"{number:.2g}" if number >= 1e-4 else f"{number:.1e}"


def text(value: Any) -> str:
    return "—" if is_missing(value) else str(value).replace("_", " ")


def frame_table(
    title: str, frame: pd.DataFrame, columns: dict[str, tuple[str, Any]], note: str = ""
) -> Table:
    """A table from ``frame``: ``columns`` maps header -> (column, formatter); column "*" passes the row."""
    rows = [[fmt(row if col == "*" else row[col]) for _, (col, fmt) in columns.items()]
            for _, row in frame.iterrows()]
    return Table(title, list(columns), rows, note)
