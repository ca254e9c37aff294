"""Report sections about values: Table 1, the taxonomy, Figure-3 residual bars, Figure-4 panels, heatmaps."""

from __future__ import annotations

import pandas as pd

from wildvalues.report import charts, charts_assoc
from wildvalues.report.config import ReportConfig
from wildvalues.report.data import ReportData
from wildvalues.report.tables import Section, Table, fmt_num, fmt_p, fmt_pct, frame_table, is_missing, text

THRESHOLD_NOTE = (
    "Everything below passed the privacy thresholds: at least {k} conversations"
    " and, where user ids are known, {u} distinct users per row, cell and cluster."
)


def _overview_value(row: pd.Series) -> str:
    if str(row["metric"]).startswith("pct_"):
        return fmt_pct(row["value"], row["ci_low"], row["ci_high"], digits=2)
    text_value = fmt_num(row["value"])
    if not is_missing(row["ci_low"]):
        text_value += f" ({fmt_num(row['ci_low'])}–{fmt_num(row['ci_high'])})"
    return text_value


def top_values_section(data: ReportData, cfg: ReportConfig) -> Section:
    section = Section(
        "top-values",
        "Most common values (Table 1)",
        "Share of analysed conversations in which each value appears, with bootstrap 95% "
        "confidence intervals. A conversation counts once per value; values are multi-label, "
        "so shares sum to more than 100%.",
    )
    freqs = data.table("an_value_frequencies")
    if freqs.empty:
        section.empty.append(
            data.why_empty("an_value_frequencies", "value frequencies (an_value_frequencies)")
        )
        return section
    n = cfg.table1_rows
    tops = {
        side: freqs[freqs["side"] == side].nsmallest(n, "rank").reset_index(drop=True)
        for side in ("ai", "human")
    }
    depth = max(len(t) for t in tops.values())
    rows = []
    for i in range(depth):
        row: list[str] = [str(i + 1)]
        for side in ("ai", "human"):
            part = tops[side]
            if i < len(part):
                r = part.iloc[i]
                row += [
                    str(r["value"]),
                    fmt_pct(r["pct_convos"], r["ci_low"], r["ci_high"]),
                    fmt_num(r["n_conversations"]),
                ]
            else:
                row += ["", "", ""]
        rows.append(row)
    denominators = freqs.groupby("side")["n_denominator"].max()
    note = "Denominator: " + ", ".join(
        f"{side} side {fmt_num(n)} conversations" for side, n in denominators.items()
    )
    section.add_table(
        Table(
            f"Top {n} AI and human values (% of conversations, 95% CI)",
            ["#", "AI value", "% (CI)", "n", "Human value", "% (CI)", "n"],
            rows,
            note,
        )
    )
    if all(t.empty for t in tops.values()):
        section.empty.append("No value passed the privacy thresholds.")
    else:
        section.add_figure(charts.top_values_bars(freqs, n), "Top values with 95% confidence intervals")
    for side, label in (("human", "human"),):
        if tops[side].empty:
            section.empty.append(f"No {label} value passed the privacy thresholds (or none was extracted).")
    overview = data.table("an_overview")
    if not overview.empty:
        keep = overview[overview["metric"] != "population"]
        section.add_table(
            frame_table(
                "Headline numbers",
                keep,
                {
                    "metric": ("metric", text),
                    "side": ("side", text),
                    "value (95% CI)": ("*", _overview_value),
                    "conversations": ("n_conversations", fmt_num),
                },
            )
        )
    tail = data.table("an_long_tail")
    if not tail.empty:
        section.add_table(
            frame_table(
                "Long tail: distinct values rarer than a floor",
                tail,
                {
                    "side": ("side", text),
                    "rate": ("denominator", text),
                    "floor": ("floor_pct", lambda v: fmt_pct(v, digits=3)),
                    "values below": ("n_values_below", fmt_num),
                    "of values": ("n_values", fmt_num),
                    "share of values": ("pct_values_below", fmt_pct),
                    "share of expressions": ("pct_expressions_below", fmt_pct),
                },
            )
        )
    return section


def taxonomy_section(data: ReportData, cfg: ReportConfig) -> Section:
    section = Section(
        "taxonomy",
        "Value taxonomy (Figure 2)",
        "The hierarchy built over the extracted values: level 0 are the values themselves, the "
        "innermost ring the top-level categories. Click a segment to zoom in, the centre to zoom "
        "out. Percentages are shares of all value expressions (the released values_tree.csv).",
    )
    for tree, title in (
        ("ai_values", "AI values taxonomy"),
        ("human_values", "Human values taxonomy"),
        ("tasks", "Task hierarchy"),
    ):
        gated = data.trees.get(tree)
        if gated is None:
            if tree == "ai_values":
                section.empty.append("No taxonomy (tree_nodes) in the workspace: run `wildvalues taxonomy`.")
            continue
        nodes = gated.frame
        if nodes.empty:
            section.empty.append(f"{title}: no node passed the privacy thresholds.")
            continue
        counts = nodes.groupby("level").size().sort_index(ascending=True)
        shape = " → ".join(f"{fmt_num(c)}" for c in counts.to_numpy())
        withheld = f"; {fmt_num(gated.n_suppressed)} nodes withheld" if gated.n_suppressed else ""
        section.add_figure(
            charts.taxonomy_sunburst(nodes, depth=cfg.sunburst_depth),
            title,
            f"{shape} nodes (levels 0 → {int(counts.index.max())}){withheld}.",
        )
    shares = data.table("an_category_shares")
    if not shares.empty and (shares["side"] == "ai").any():
        section.add_figure(
            charts.category_share_bars(shares, "ai"),
            "Top-level AI value categories (Table 3)",
            "Share of all AI value expressions per top-level category, Poisson-bootstrap 95% CI.",
        )
        ai = shares[shares["side"] == "ai"]
        top = ai[ai["level"] == ai["level"].max()].sort_values("pct_expressions", ascending=False)
        section.add_table(
            frame_table(
                "Top-level AI value categories",
                top,
                {
                    "category": ("cluster_name", text),
                    "% of expressions (CI)": (
                        "*", lambda r: fmt_pct(r["pct_expressions"], r["pe_ci_low"], r["pe_ci_high"])),
                    "% of conversations": ("pct_convos", fmt_pct),
                    "conversations": ("n_conversations", fmt_num),
                },
            )
        )
    return section


def _residual_section(
    data: ReportData,
    cfg: ReportConfig,
    *,
    key: str,
    title: str,
    intro: str,
    analysis: str,
    context_name: str,
    chosen: list[str],
) -> Section:
    section = Section(key, title, intro)
    tests, assoc = data.table("an_association_tests"), data.table("an_associations")
    orient = charts_assoc.orientation(tests, analysis, "ai_value")
    if orient is None:
        section.empty.append(data.why_empty("an_association_tests", f"'{analysis}' association tests"))
        return section
    cells = charts_assoc.pick_level(charts_assoc.cells_of(assoc, analysis), orient.context[1], cfg.task_level)
    if cells.empty:
        section.empty.append("No association cell passed the privacy thresholds.")
        return section
    contexts = chosen or charts_assoc.default_contexts(cells, orient, cfg.residual_panels)
    fig = charts_assoc.residual_panels(cells, orient, contexts, cfg.residual_bars, context_name=context_name)
    crit = f"{orient.critical_value:.2f}" if orient.critical_value is not None else "unknown"
    section.add_figure(
        fig,
        title,
        f"Dashed line: Bonferroni critical value {crit} (the paper's 4.33 is for "
        "3,307 values); grey bars are not significant.",
        missing="None of the chosen contexts has cells that passed the privacy thresholds.",
    )
    row = tests[tests["analysis"] == analysis].iloc[0]
    section.tables.append(
        Table(
            "Test of independence",
            [
                "χ²",
                "dof",
                "p",
                "comparisons",
                "critical value",
                "significant +",
                "significant −",
                "conversations",
            ],
            [
                [
                    fmt_num(row["chi2"]),
                    fmt_num(row["dof"]),
                    fmt_p(row["p_value"]),
                    fmt_num(row["n_comparisons"]),
                    fmt_num(row["critical_value"]),
                    fmt_num(row["n_significant_pos"]),
                    fmt_num(row["n_significant_neg"]),
                    fmt_num(row["n_conversations"]),
                ]
            ],
        )
    )
    return section


def residual_sections(data: ReportData, cfg: ReportConfig) -> list[Section]:
    tasks = _residual_section(
        data,
        cfg,
        key="by-task",
        title="AI values most associated with tasks (Figure 3a)",
        intro="Adjusted Pearson residuals of AI value × task: how much more often a value appears in a task "
        "than independence predicts. Bars above the dashed Bonferroni critical value are significant.",
        analysis="ai_value_x_task",
        context_name="task",
        chosen=cfg.chosen_tasks,
    )
    human = _residual_section(
        data,
        cfg,
        key="by-human-value",
        title="AI values most associated with human values (Figure 3b)",
        intro="The same test for AI value × human value: mirroring shows up as a value associated "
        "with itself.",
        analysis="ai_value_x_human_value",
        context_name="human value",
        chosen=cfg.chosen_human_values,
    )
    return [tasks, human]


def response_association_sections(data: ReportData, cfg: ReportConfig) -> list[Section]:
    panels = Section(
        "response-panels",
        "What goes with strong support, reframing and strong resistance (Figure 4)",
        "For three response types, the human values, AI values and tasks with the largest positive "
        "adjusted residuals against that response type.",
    )
    sources = charts_assoc.response_sources(
        data.table("an_association_tests"), data.table("an_associations"), cfg.task_level)
    panels.add_figure(
        charts_assoc.response_panels(sources, max(3, cfg.residual_bars // 2)),
        "Response-type panels",
        missing="No value × response-type association passed the thresholds (or the analysis has not run).",
    )
    if "tasks" not in sources:
        panels.empty.append(
            "Task × response-type associations are not in the analysis output, so the task "
            "column of Figure 4 is missing."
        )
    heat = Section(
        "heatmaps",
        "Values disproportionately associated with response types (Figures 11 and 12)",
        "Per response type, the values with the three strongest positive and negative significant "
        "residuals; colour is the odds ratio, rows sorted by the strong-resistance residual.",
    )
    for kind, fig_no in (("human values", 11), ("AI values", 12)):
        if kind not in sources:
            heat.empty.append(f"No {kind} × response-type table to draw Figure {fig_no} from.")
            continue
        cells, orient = sources[kind]
        heat.add_figure(
            charts_assoc.odds_heatmap(cells, orient, cfg.heatmap_rows, item_name=kind[:-1]),
            f"{kind[0].upper()}{kind[1:]} × response type (Figure {fig_no})",
            charts_assoc.HEATMAP_LEGEND,
            missing=f"No {kind} × response-type cell is Bonferroni-significant and above the "
            "privacy thresholds, so Figure {fig_no} has no rows.".replace("{fig_no}", str(fig_no)),
        )
    return [panels, heat]
