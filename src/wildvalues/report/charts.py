"""Interactive Plotly figures for the report: taxonomy sunburst, rates with confidence intervals.

Pure functions from (already thresholded) frames to ``plotly.graph_objects.Figure``; the HTML layer
inlines them. Association figures (residual bars, heatmaps) live in ``charts_assoc``.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wildvalues.records import RESPONSE_TYPES

RESPONSE_COLORS = {
    "strong_support": "#1a9850",
    "mild_support": "#91cf60",
    "neutral_acknowledgment": "#bdbdbd",
    "reframing": "#4575b4",
    "mild_resistance": "#fc8d59",
    "strong_resistance": "#d73027",
    "no_values": "#e0e0e0",
    "unknown": "#f0f0f0",
}
SIDE_COLORS = {"ai": "#3b6ea8", "human": "#c2762e", "stated": "#6a4c93"}
FONT = dict(family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif", size=12)


def pretty(label: str) -> str:
    """``strong_support`` -> ``strong support``."""
    return str(label).replace("_", " ")


def esc(labels) -> list[str]:
    """Labels as literal text: Plotly renders a few HTML tags in labels, so '<' and '>' become entities."""
    if isinstance(labels, str):
        labels = [labels]
    return [str(x).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for x in labels]


def hover_wrap(text: str, width: int = 70, limit: int = 320) -> str:
    """Plotly hover labels do not wrap: break long text into lines (and cut very long text)."""
    text = str(text or "")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return "<br>".join(esc(textwrap.wrap(text, width))) if text else ""


def response_order(labels: list[str]) -> list[str]:
    known = [r for r in RESPONSE_TYPES if r in labels]
    return known + sorted(set(labels) - set(known))


def base_layout(fig: go.Figure, *, height: int, title: str | None = None) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        font=FONT,
        margin=dict(l=10, r=20, t=50 if title else 20, b=40),
        title=dict(text=title, x=0, xanchor="left", font=dict(size=14)) if title else None,
    )
    return fig


def _ci_errors(
    frame: pd.DataFrame, rate: str, low: str = "ci_low", high: str = "ci_high"
) -> dict[str, object] | None:
    if low not in frame.columns or frame[low].isna().all():
        return None
    return dict(
        type="data",
        symmetric=False,
        array=(frame[high] - frame[rate]).clip(lower=0).fillna(0),
        arrayminus=(frame[rate] - frame[low]).clip(lower=0).fillna(0),
        thickness=1.2,
        width=3,
        color="#333",
    )


def top_values_bars(freqs: pd.DataFrame, n: int) -> go.Figure:
    """Table 1 as bars: the top ``n`` AI and human values, percent of conversations with 95 % CI."""
    sides = [s for s in ("ai", "human") if (freqs["side"] == s).any()]
    fig = go.Figure()
    for side in sides:
        part = freqs[freqs["side"] == side].nsmallest(n, "rank").iloc[::-1]
        fig.add_trace(
            go.Bar(
                x=part["pct_convos"],
                y=esc(part["value"]),
                orientation="h",
                name=f"{side.upper()} values",
                marker_color=SIDE_COLORS[side],
                error_x=_ci_errors(part, "pct_convos"),
                showlegend=False,
                customdata=np.stack([part["n_conversations"], part["ci_low"], part["ci_high"]], axis=1),
                hovertemplate="%{y}: %{x:.2f}% of conversations<br>95% CI "
                "%{customdata[1]:.2f}–%{customdata[2]:.2f}"
                "<br>n = %{customdata[0]}<extra></extra>",
                xaxis="x" if side == sides[0] else "x2",
                yaxis="y" if side == sides[0] else "y2",
            )
        )
    layout = dict(
        xaxis=dict(domain=[0, 0.45] if len(sides) > 1 else [0, 1], title="% of conversations"),
        yaxis=dict(automargin=True),
    )
    if len(sides) > 1:
        layout.update(
            xaxis2=dict(domain=[0.55, 1], title="% of conversations", anchor="y2"),
            yaxis2=dict(anchor="x2", automargin=True),
        )
    for i, side in enumerate(sides):
        fig.add_annotation(
            text=f"<b>{'AI' if side == 'ai' else 'Human'} values</b>",
            xref="paper",
            yref="paper",
            x=0.55 * i if len(sides) > 1 else 0,
            y=1.0,
            yanchor="bottom",
            xanchor="left",
            showarrow=False,
        )
    fig.update_layout(**layout)
    return base_layout(fig, height=max(260, 28 * n + 90), title=" ")


def _tree_values(nodes: pd.DataFrame) -> pd.Series:
    """Sizes for a 'total' sunburst: leaf share, and for a parent max(own share, sum of shown children)."""
    own = nodes["pct_total_occurrences"].astype(float)
    if own.isna().all():
        own = nodes["n_conversations"].astype(float)
    own = own.fillna(0).to_numpy().copy()
    index = {cid: i for i, cid in enumerate(nodes["cluster_id"])}
    parents = nodes["parent_cluster_id"].to_numpy()
    size = own.copy()
    for level in sorted(nodes["level"].unique()):
        child_sum = np.zeros(len(nodes))
        for i in np.flatnonzero(nodes["level"].to_numpy() == level):
            parent = parents[i]
            if isinstance(parent, str) and parent in index:
                child_sum[index[parent]] += size[i]
        size = np.maximum(size, child_sum)
    return pd.Series(size, index=nodes.index)


def taxonomy_sunburst(nodes: pd.DataFrame, *, depth: int) -> go.Figure:
    """The value taxonomy (Figure 2) as a sunburst: click a ring to zoom, hover for shares/descriptions."""
    nodes = nodes.reset_index(drop=True)
    sizes = _tree_values(nodes)
    known = set(nodes["cluster_id"])
    parents = [p if isinstance(p, str) and p in known else "" for p in nodes["parent_cluster_id"]]
    pct = nodes["pct_total_occurrences"].astype(float)
    share_text = [f"{v:.2f}% of value expressions" if not np.isnan(v) else "" for v in pct]
    descriptions = [hover_wrap(d) for d in nodes["description"].fillna("")]
    fig = go.Figure(
        go.Sunburst(
            ids=nodes["cluster_id"],
            labels=esc(nodes["name"]),
            parents=parents,
            values=sizes,
            branchvalues="total",
            maxdepth=depth,
            insidetextorientation="radial",
            customdata=np.stack(
                [share_text, nodes["n_conversations"].fillna(0).astype(int), descriptions, nodes["level"]],
                axis=1,
            ),
            hovertemplate="<b>%{label}</b> (level %{customdata[3]})<br>%{customdata[0]}<br>"
            "%{customdata[1]} conversations<br>%{customdata[2]}<extra></extra>",
            texttemplate="%{label}<br>%{percentRoot:.1%}",
        )
    )
    return base_layout(fig, height=640)


def category_share_bars(shares: pd.DataFrame, side: str) -> go.Figure:
    """Table 3: share of value expressions per top-level category, with CI."""
    part = shares[shares["side"] == side]
    top = part[part["level"] == part["level"].max()].sort_values("pct_expressions")
    fig = go.Figure(
        go.Bar(
            x=top["pct_expressions"],
            y=esc(top["cluster_name"]),
            orientation="h",
            marker_color=SIDE_COLORS.get(side),
            error_x=_ci_errors(top, "pct_expressions", "pe_ci_low", "pe_ci_high"),
            hovertemplate="%{y}: %{x:.2f}% of expressions<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title="% of all value expressions", yaxis=dict(automargin=True))
    return base_layout(fig, height=max(220, 34 * len(top) + 80))


def response_type_bars(rt: pd.DataFrame) -> go.Figure:
    """Response-type distribution overall (and among conversations with human values), with CI."""
    fig = go.Figure()
    for scope, name, color in (
        ("overall", "all conversations", "#3b6ea8"),
        ("human_values_present", "conversations with human values", "#c2762e"),
    ):
        part = rt[rt["scope"] == scope]
        if part.empty:
            continue
        part = part.set_index("response_type").loc[response_order(list(part["response_type"]))].reset_index()
        fig.add_trace(
            go.Bar(
                x=[pretty(r) for r in part["response_type"]],
                y=part["pct_convos_in_group"],
                name=name,
                marker_color=color,
                error_y=_ci_errors(part, "pct_convos_in_group"),
                customdata=np.stack([part["n_conversations"], part["n_denominator"]], axis=1),
                hovertemplate="%{x}: %{y:.1f}% (%{customdata[0]} of %{customdata[1]})<extra>"
                + name
                + "</extra>",
            )
        )
    fig.update_layout(barmode="group", yaxis_title="% of conversations", legend=dict(orientation="h", y=1.1))
    return base_layout(fig, height=380)


def response_types_by_model(rt: pd.DataFrame) -> go.Figure:
    """Table 9: one group of bars per response type, one bar per model, with CI."""
    part = rt[rt["scope"] == "model"]
    order = response_order(list(part["response_type"].unique()))
    fig = go.Figure()
    for model, rows in part.groupby("model", sort=True):
        rows = rows.set_index("response_type").reindex(order).reset_index()
        fig.add_trace(
            go.Bar(
                x=[pretty(r) for r in rows["response_type"]],
                y=rows["pct_convos_in_group"],
                name=esc(str(model))[0],
                error_y=_ci_errors(rows, "pct_convos_in_group"),
                hovertemplate="%{x}: %{y:.1f}%<extra>" + str(model) + "</extra>",
            )
        )
    fig.update_layout(
        barmode="group", yaxis_title="% of the model's conversations", legend=dict(orientation="h", y=1.1)
    )
    return base_layout(fig, height=400)


def mirroring_bars(mirror: pd.DataFrame) -> go.Figure:
    """Table 6: percent of conversations (with a human value) where the AI mirrors one, by response type."""
    part = mirror[mirror["model"].isna()]
    order = response_order([r for r in part["response_type"] if r not in ("all", "support")])
    rows = part.set_index("response_type").reindex(["all", "support", *order]).dropna(subset=["pct_mirrored"])
    rows = rows.reset_index()
    fig = go.Figure(
        go.Bar(
            x=[pretty(r) for r in rows["response_type"]],
            y=rows["pct_mirrored"],
            marker_color="#5a8f6a",
            error_y=_ci_errors(rows, "pct_mirrored"),
            customdata=np.stack([rows["n_conversations"], rows["n_denominator"]], axis=1),
            hovertemplate="%{x}: %{y:.1f}% mirrored (%{customdata[0]} of %{customdata[1]})<extra></extra>",
        )
    )
    fig.update_layout(yaxis=dict(title="% mirrored", automargin=True), xaxis=dict(automargin=True))
    return base_layout(fig, height=340)


def stated_vs_demonstrated(svd: pd.DataFrame) -> go.Figure:
    """Figure 13b: per response type, share with >= 1 demonstrated vs >= 1 explicitly stated AI value."""
    order = [
        r
        for r in ["all", *response_order([r for r in svd["response_type"] if r != "all"])]
        if r in set(svd["response_type"])
    ]
    rows = svd.set_index("response_type").loc[order].reset_index().iloc[::-1]
    labels = [pretty(r) for r in rows["response_type"]]
    fig = go.Figure()
    xs: list[float | None] = []
    ys: list[str | None] = []
    for label, a, b in zip(labels, rows["pct_with_stated"], rows["pct_with_values"], strict=True):
        xs += [a, b, None]
        ys += [label, label, None]
    fig.add_trace(
        go.Scatter(
            x=xs, y=ys, mode="lines", line=dict(color="#bbbbbb", width=3), hoverinfo="skip", showlegend=False
        )
    )
    fig.add_trace(
        go.Scatter(
            x=rows["pct_with_values"],
            y=labels,
            mode="markers",
            name="demonstrated (any AI value)",
            marker=dict(size=12, color="#3b6ea8"),
            error_x=_ci_errors(rows, "pct_with_values", "values_ci_low", "values_ci_high"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=rows["pct_with_stated"],
            y=labels,
            mode="markers",
            name="explicitly stated",
            marker=dict(size=12, color="#6a4c93", symbol="diamond"),
            error_x=_ci_errors(rows, "pct_with_stated"),
        )
    )
    fig.update_layout(
        xaxis=dict(title="% of conversations with at least one AI value", range=[0, 105]),
        yaxis=dict(automargin=True),
        legend=dict(orientation="h", y=1.12),
    )
    return base_layout(fig, height=max(300, 40 * len(rows) + 110))
