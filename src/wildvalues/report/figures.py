"""Static PNG + SVG versions of the key figures (matplotlib, Agg backend) for papers and slides.

Same selections as the interactive charts (``charts_assoc`` helpers), drawn from the same thresholded data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from wildvalues.report import charts_assoc
from wildvalues.report.charts import SIDE_COLORS, pretty, response_order
from wildvalues.report.config import ReportConfig
from wildvalues.report.data import ReportData


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.fonttype": "none",
            "figure.dpi": 100,
        }
    )
    return plt


def _save(fig, out: Path, name: str) -> list[Path]:
    paths = [out / f"{name}.png", out / f"{name}.svg"]
    fig.savefig(paths[0], dpi=200, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    _plt().close(fig)
    return paths


def _xerr(frame: pd.DataFrame, rate: str, low: str = "ci_low", high: str = "ci_high") -> np.ndarray | None:
    if low not in frame.columns or frame[low].isna().all():
        return None
    return np.vstack(
        [
            (frame[rate] - frame[low]).clip(lower=0).fillna(0),
            (frame[high] - frame[rate]).clip(lower=0).fillna(0),
        ]
    )


def top_values(data: ReportData, cfg: ReportConfig, out: Path) -> list[Path]:
    freqs = data.table("an_value_frequencies")
    sides = [s for s in ("ai", "human") if not freqs.empty and (freqs["side"] == s).any()]
    if not sides:
        return []
    plt = _plt()
    fig, axes = plt.subplots(1, len(sides), figsize=(5 * len(sides), 0.32 * cfg.top_n + 1.2), squeeze=False)
    for ax, side in zip(axes[0], sides, strict=True):
        part = freqs[freqs["side"] == side].nsmallest(cfg.top_n, "rank").iloc[::-1]
        ax.barh(
            part["value"],
            part["pct_convos"],
            xerr=_xerr(part, "pct_convos"),
            color=SIDE_COLORS[side],
            ecolor="#333",
            capsize=2,
        )
        ax.set_xlabel("% of conversations (95% CI)")
        ax.set_title(f"{side.upper()} values", loc="left")
    return _save(fig, out, "table1_top_values")


def residual_panels(
    data: ReportData,
    cfg: ReportConfig,
    out: Path,
    analysis: str,
    chosen: list[str],
    name: str,
    context_name: str,
) -> list[Path]:
    tests, assoc = data.table("an_association_tests"), data.table("an_associations")
    orient = charts_assoc.orientation(tests, analysis, "ai_value")
    if orient is None:
        return []
    cells = charts_assoc.pick_level(charts_assoc.cells_of(assoc, analysis), orient.context[1], cfg.task_level)
    label_col, item_col = orient.context[0], orient.item[0]
    contexts = (
        [
            c
            for c in (chosen or charts_assoc.default_contexts(cells, orient, cfg.residual_panels))
            if (cells[label_col] == c).any()
        ]
        if not cells.empty
        else []
    )
    if not contexts:
        return []
    plt = _plt()
    cols = 2 if len(contexts) > 1 else 1
    rows = (len(contexts) + cols - 1) // cols
    fig, axes = plt.subplots(
        rows, cols, figsize=(6.5 * cols, rows * (0.28 * cfg.residual_bars + 1.2)), squeeze=False
    )
    for ax, context in zip(axes.flat, contexts, strict=False):
        part = cells[cells[label_col] == context].nlargest(cfg.residual_bars, "residual")
        part = part[part["residual"] > 0].iloc[::-1]
        sig = part["significant"].fillna(False).astype(bool).to_numpy()
        ax.barh(
            part[item_col].astype(str),
            part["residual"],
            color=np.where(sig, charts_assoc.SIGNIFICANT, charts_assoc.NOT_SIGNIFICANT),
        )
        if orient.critical_value is not None:
            ax.axvline(orient.critical_value, ls="--", lw=1, color="#444")
        ax.set_title(f"{context_name}: {context}"[:60], loc="left", fontsize=9)
        ax.set_xlabel("adjusted Pearson residual")
    for ax in list(axes.flat)[len(contexts) :]:
        ax.axis("off")
    if orient.critical_value is not None:
        fig.text(
            0.01,
            -0.01,
            f"dashed: Bonferroni critical value {orient.critical_value:.2f}; grey = not significant",
            fontsize=8,
            color="#555",
        )
    fig.tight_layout()
    return _save(fig, out, name)


def response_panels(data: ReportData, cfg: ReportConfig, out: Path) -> list[Path]:
    """Figure 4: per response type, the human values, AI values and tasks with the largest residuals."""
    sources = charts_assoc.response_sources(data.table("an_association_tests"), data.table("an_associations"),
                                            cfg.task_level)
    kinds = [k for k in ("human values", "AI values", "tasks") if k in sources]
    if not kinds:
        return []
    n_bars = max(3, cfg.residual_bars // 2)
    plt = _plt()
    types = charts_assoc.FIGURE4_TYPES
    size = (4.6 * len(kinds), len(types) * (0.3 * n_bars + 1))
    fig, axes = plt.subplots(len(types), len(kinds), figsize=size, squeeze=False)
    drawn = 0
    for r, rtype in enumerate(types):
        for c, kind in enumerate(kinds):
            cells, orient = sources[kind]
            ax = axes[r][c]
            part = cells[cells[orient.context[0]] == rtype].nlargest(n_bars, "residual")
            part = part[part["residual"] > 0].iloc[::-1]
            ax.set_title(f"{pretty(rtype)} · {kind}", loc="left", fontsize=9)
            if part.empty:
                ax.axis("off")
                continue
            drawn += 1
            sig = part["significant"].fillna(False).astype(bool).to_numpy()
            ax.barh([str(x)[:40] for x in part[orient.item[0]]], part["residual"],
                    color=np.where(sig, charts_assoc.SIGNIFICANT, charts_assoc.NOT_SIGNIFICANT))
            if orient.critical_value is not None:
                ax.axvline(orient.critical_value, ls="--", lw=1, color="#444")
    if not drawn:
        plt.close(fig)
        return []
    fig.tight_layout()
    return _save(fig, out, "figure4_response_panels")


def category_shares(data: ReportData, out: Path) -> list[Path]:
    """Table 3 as bars: share of AI value expressions per top-level category, with CI."""
    shares = data.table("an_category_shares")
    if shares.empty or not (shares["side"] == "ai").any():
        return []
    ai = shares[shares["side"] == "ai"]
    top = ai[ai["level"] == ai["level"].max()].sort_values("pct_expressions")
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 0.4 * len(top) + 1))
    ax.barh(top["cluster_name"].astype(str), top["pct_expressions"], color=SIDE_COLORS["ai"],
            xerr=_xerr(top, "pct_expressions", "pe_ci_low", "pe_ci_high"), ecolor="#333", capsize=2)
    ax.set_xlabel("% of all AI value expressions (95% CI)")
    return _save(fig, out, "table3_top_level_categories")


def response_types(data: ReportData, out: Path) -> list[Path]:
    rt = data.table("an_response_types")
    if rt.empty:
        return []
    overall = rt[rt["scope"] == "overall"]
    by_model = rt[rt["scope"] == "model"]
    groups = [("all conversations", overall)] + [(str(m), p) for m, p in by_model.groupby("model", sort=True)]
    order = response_order(list(rt["response_type"].unique()))
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 3.6))
    width = 0.8 / len(groups)
    x = np.arange(len(order))
    for i, (label, part) in enumerate(groups):
        part = part.set_index("response_type").reindex(order)
        ax.bar(
            x + i * width - 0.4 + width / 2,
            part["pct_convos_in_group"],
            width,
            label=label,
            yerr=_xerr(part, "pct_convos_in_group"),
            capsize=2,
            ecolor="#333",
        )
    ax.set_xticks(x, [pretty(r) for r in order], rotation=20, ha="right")
    ax.set_ylabel("% of conversations (95% CI)")
    ax.legend(fontsize=8, frameon=False)
    return _save(fig, out, "response_types")


def heatmap(
    data: ReportData, cfg: ReportConfig, out: Path, analysis: str, item: str, name: str
) -> list[Path]:
    tests, assoc = data.table("an_association_tests"), data.table("an_associations")
    orient = charts_assoc.orientation(tests, analysis, item)
    if orient is None:
        return []
    cells = charts_assoc.pick_level(charts_assoc.cells_of(assoc, analysis), orient.item[1], cfg.task_level)
    grid = charts_assoc.heatmap_grid(cells, orient, cfg.heatmap_rows) if not cells.empty else None
    if grid is None:
        return []
    plt = _plt()
    fig, ax = plt.subplots(figsize=(1.3 * len(grid.types) + 3, 0.36 * len(grid.items) + 1.4))
    image = ax.imshow(np.ma.masked_invalid(grid.z), cmap="RdBu_r", vmin=-3, vmax=3, aspect="auto")
    for (r, c), label in np.ndenumerate(grid.text):
        strong = not np.isnan(grid.z[r, c]) and abs(grid.z[r, c]) > 1.8
        ax.text(c, r, label, ha="center", va="center", fontsize=7, color="white" if strong else "#222")
    ax.set_xticks(range(len(grid.types)), [pretty(t) for t in grid.types], rotation=25, ha="right")
    ax.set_yticks(range(len(grid.items)), grid.items)
    bar = fig.colorbar(image, ax=ax, ticks=np.log2([1 / 8, 1 / 2, 1, 2, 8]))
    bar.ax.set_yticklabels(["1/8×", "1/2×", "1×", "2×", "8×"])
    bar.set_label("odds ratio (significant cells)")
    return _save(fig, out, name)


def stated(data: ReportData, out: Path) -> list[Path]:
    svd = data.table("an_stated_vs_demonstrated")
    if svd.empty:
        return []
    order = [
        r
        for r in ["all", *response_order([r for r in svd["response_type"] if r != "all"])]
        if r in set(svd["response_type"])
    ]
    rows = svd.set_index("response_type").loc[order].reset_index().iloc[::-1]
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 0.4 * len(rows) + 1.2))
    y = np.arange(len(rows))
    ax.hlines(y, rows["pct_with_stated"], rows["pct_with_values"], color="#bbbbbb", lw=3)
    ax.scatter(rows["pct_with_values"], y, color="#3b6ea8", label="demonstrated", zorder=3)
    ax.scatter(rows["pct_with_stated"], y, color="#6a4c93", marker="D", label="stated", zorder=3)
    ax.set_yticks(y, [pretty(r) for r in rows["response_type"]])
    ax.set_xlim(0, 105)
    ax.set_xlabel("% of conversations with at least one AI value")
    ax.legend(frameon=False, fontsize=8)
    return _save(fig, out, "stated_vs_demonstrated")


def write_static_figures(data: ReportData, cfg: ReportConfig, out: Path) -> list[Path]:
    """Draw every key figure that has data; returns the files written (PNG and SVG per figure)."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in list(out.glob("*.png")) + list(out.glob("*.svg")):
        stale.unlink()
    paths = top_values(data, cfg, out) + category_shares(data, out)
    paths += residual_panels(
        data, cfg, out, "ai_value_x_task", cfg.chosen_tasks, "figure3a_residuals_by_task", "task"
    )
    paths += residual_panels(
        data,
        cfg,
        out,
        "ai_value_x_human_value",
        cfg.chosen_human_values,
        "figure3b_residuals_by_human_value",
        "human value",
    )
    paths += response_types(data, out)
    paths += response_panels(data, cfg, out)
    paths += heatmap(
        data, cfg, out, "human_value_x_response_type", "human_value", "figure11_human_values_heatmap"
    )
    paths += heatmap(data, cfg, out, "ai_value_x_response_type", "ai_value", "figure12_ai_values_heatmap")
    paths += stated(data, out)
    return paths
