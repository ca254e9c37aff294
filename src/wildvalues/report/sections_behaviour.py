"""Report sections about behaviour: response types, mirroring, models, stated values, alerts, CV, notes."""

from __future__ import annotations

import pandas as pd

from wildvalues.report import charts
from wildvalues.report.config import ReportConfig
from wildvalues.report.data import ReportData
from wildvalues.report.tables import Section, Table, fmt_num, fmt_p, fmt_pct, frame_table, text


def _rate_table(
    title: str,
    frame: pd.DataFrame,
    label_cols: dict[str, str],
    rate: str,
    low: str = "ci_low",
    high: str = "ci_high",
    note: str = "",
) -> Table:
    rows = []
    for _, r in frame.iterrows():
        rows.append(
            [text(r[c]) for c in label_cols.values()]
            + [
                fmt_pct(r[rate], r.get(low), r.get(high)),
                fmt_num(r["n_conversations"]),
                fmt_num(r["n_denominator"]) if "n_denominator" in r else "—",
            ]
        )
    return Table(title, [*label_cols, "% (95% CI)", "n", "of"], rows, note)


def response_type_section(data: ReportData, cfg: ReportConfig) -> Section:
    section = Section(
        "response-types",
        "How the AI responds to users' values (§3.4, Table 9)",
        "Response type of each conversation, as a share of all analysed conversations and of those "
        "where the user expressed at least one value.",
    )
    rt = data.table("an_response_types")
    if rt.empty:
        section.empty.append(
            data.why_empty("an_response_types", "response-type distribution (an_response_types)")
        )
        return section
    section.add_figure(
        charts.response_type_bars(rt),
        "Response types overall, 95% CI",
        missing="No overall response-type row passed the privacy thresholds.",
    )
    overall = rt[rt["scope"] == "overall"]
    order = charts.response_order(list(overall["response_type"]))
    section.add_table(
        _rate_table(
            "Response types (all analysed conversations)",
            overall.set_index("response_type").loc[order].reset_index(),
            {"response type": "response_type"},
            "pct_convos_in_group",
        )
    )
    by_model = rt[rt["scope"] == "model"]
    if by_model["model"].nunique() >= 1:
        section.add_figure(charts.response_types_by_model(rt), "Response types by model (Table 9), 95% CI")
        wide = by_model.pivot_table(
            index="response_type", columns="model", values="pct_convos_in_group", aggfunc="first"
        )
        wide = wide.reindex(charts.response_order(list(wide.index)))
        section.add_table(
            Table(
                "Response types by model (% of the model's conversations)",
                ["response type", *map(str, wide.columns)],
                [[text(idx), *(fmt_pct(v) for v in row)] for idx, row in wide.iterrows()],
            )
        )
    else:
        section.empty.append("No per-model response-type rows (one model only, or all below the thresholds).")
    return section


def mirroring_section(data: ReportData, cfg: ReportConfig) -> Section:
    section = Section(
        "mirroring",
        "Value mirroring (Tables 4–7)",
        "A conversation is mirrored when a value the user expresses is also expressed by the AI. "
        "Rates are of conversations with at least one human value.",
    )
    mirror, values, pairs = (data.table(n) for n in ("an_mirroring", "an_mirrored_values", "an_value_pairs"))
    if mirror.empty and values.empty and pairs.empty:
        section.empty.append(
            data.why_empty("an_mirroring", "mirroring tables (an_mirroring, an_mirrored_values)")
        )
        return section
    if not mirror.empty and mirror["model"].isna().any():
        section.add_figure(charts.mirroring_bars(mirror), "Mirroring by response type (Table 6), 95% CI")
        overall = mirror[mirror["model"].isna()]
        order = [
            "all",
            "support",
            *charts.response_order([r for r in overall["response_type"] if r not in ("all", "support")]),
        ]
        overall = (
            overall.set_index("response_type").reindex(order).dropna(subset=["pct_mirrored"]).reset_index()
        )
        section.add_table(
            _rate_table(
                "Mirroring by response type (Table 6)",
                overall,
                {"response type": "response_type"},
                "pct_mirrored",
            )
        )
    else:
        section.empty.append("No mirroring rate passed the privacy thresholds.")
    if not values.empty:
        ranked = values[values["rank"].notna()].sort_values(["model", "rank"], na_position="first")
        for model, part in ranked.groupby(ranked["model"].fillna("all models"), sort=False):
            section.add_table(
                _rate_table(
                    f"Most mirrored values: {model} (Table 7)",
                    part.head(cfg.top_n),
                    {"human value": "value"},
                    "pct_mirrored",
                    note="share of conversations with this human value where the AI expresses the same value",
                )
            )
    if not pairs.empty:
        for rtype in ("all", "strong_support", "strong_resistance"):
            for non_null in (False, True):
                part = pairs[(pairs["response_type"] == rtype) & (pairs["non_null"] == non_null)]
                part = part.sort_values("rank").head(cfg.top_n)
                if part.empty:
                    continue
                which = "with a human value" if non_null else "including 'none'"
                section.add_table(
                    frame_table(
                        f"Top human–AI value pairs, {text(rtype)}, {which} (Tables 4–5)",
                        part,
                        {
                            "human value": ("human_value", text),
                            "AI value": ("ai_value", text),
                            "% of conversations": ("pct_convos", lambda v: fmt_pct(v, digits=2)),
                            "n": ("n_conversations", fmt_num),
                        },
                    )
                )
    return section


def models_section(data: ReportData, cfg: ReportConfig) -> Section:
    section = Section(
        "models",
        "Across models (Tables 8, 10, 11)",
        "Top values per assistant model, overall and for matched tasks, and whether the "
        "differences are significant (Bonferroni-adjusted).",
    )
    mv, tests = data.table("an_model_values"), data.table("an_model_tests")
    if mv.empty and tests.empty:
        section.empty.append(
            "No cross-model tables: the data holds one model, every model group was below "
            "the analysis minimum, or the analysis has not run."
        )
        return section
    if not mv.empty:
        overall = mv[mv["task"].isna() & (mv["side"] == "ai")]
        models = sorted(overall["model"].dropna().unique())
        if models:
            tops = {
                m: overall[overall["model"] == m].sort_values("rank").head(cfg.top_n).reset_index()
                for m in models
            }
            depth = max(len(t) for t in tops.values())
            rows = [
                [str(i + 1)]
                + [
                    f"{t.loc[i, 'value']} ({fmt_pct(t.loc[i, 'pct_convos_in_group'])})" if i < len(t) else ""
                    for t in tops.values()
                ]
                for i in range(depth)
            ]
            section.add_table(
                Table(
                    "Top AI values by model (Table 8, % of the model's conversations)", ["#", *models], rows
                )
            )
        by_task = mv[mv["task"].notna() & (mv["side"] == "ai")]
        for task, part in list(by_task.groupby("task", sort=False))[:4]:
            tmodels = sorted(part["model"].unique())
            tops = {m: part[part["model"] == m].sort_values("rank").head(5).reset_index() for m in tmodels}
            depth = max(len(t) for t in tops.values())
            rows = [
                [str(i + 1)]
                + [
                    f"{t.loc[i, 'value']} ({fmt_pct(t.loc[i, 'pct_convos_in_group'])})" if i < len(t) else ""
                    for t in tops.values()
                ]
                for i in range(depth)
            ]
            section.add_table(
                Table(f"Top AI values by model for task '{task}' (Tables 10–11)", ["#", *tmodels], rows)
            )
    if not tests.empty:
        show = tests.sort_values(["significant", "p_adjusted"], ascending=[False, True]).head(3 * cfg.top_n)
        section.add_table(
            frame_table(
                "Model differences (Bonferroni-adjusted)",
                show,
                {
                    "test": ("test", text),
                    "task": ("task", text),
                    "model A": ("model_a", text),
                    "model B": ("model_b", text),
                    "item": ("item", text),
                    "% A": ("pct_a", fmt_pct),
                    "% B": ("pct_b", fmt_pct),
                    "statistic": ("statistic", fmt_num),
                    "p adjusted": ("p_adjusted", fmt_p),
                    "significant": ("significant", fmt_num),
                },
            )
        )
    return section


def stated_section(data: ReportData, cfg: ReportConfig) -> Section:
    section = Section(
        "stated",
        "Stated versus demonstrated values (Figure 13)",
        "Demonstrated values include implicit ones; stated values are those the AI says "
        "explicitly. The paper finds values are stated more often when the AI resists or reframes.",
    )
    svd = data.table("an_stated_vs_demonstrated")
    freqs = data.table("an_value_frequencies")
    stated = freqs[freqs["side"] == "stated"] if not freqs.empty else freqs
    if svd.empty and stated.empty:
        section.empty.append(
            data.why_empty("an_stated_vs_demonstrated", "stated-value tables (an_stated_vs_demonstrated)")
            + " Stated values need the extraction's stated-values feature."
        )
        return section
    if not svd.empty:
        section.add_figure(
            charts.stated_vs_demonstrated(svd), "Demonstrated vs stated, by response type (Figure 13b)"
        )
        section.add_table(
            frame_table(
                "Stated vs demonstrated by response type",
                svd,
                {
                    "response type": ("response_type", text),
                    "conversations": ("n_denominator", fmt_num),
                    "with any AI value": ("pct_with_values", fmt_pct),
                    "with a stated value": ("pct_with_stated", fmt_pct),
                    "χ² vs other types": ("statistic", fmt_num),
                    "p": ("p_value", fmt_p),
                },
            )
        )
    if not stated.empty:
        section.add_table(
            frame_table(
                "Most common explicitly stated AI values (Figure 13a)",
                stated.nsmallest(cfg.top_n, "rank"),
                {
                    "value": ("value", text),
                    "% of conversations": ("pct_convos", fmt_pct),
                    "n": ("n_conversations", fmt_num),
                },
            )
        )
    return section


def context_variation_section(data: ReportData, cfg: ReportConfig) -> Section:
    section = Section(
        "cv",
        "Most context-invariant values (coefficient of variation)",
        "Low CV = the value is expressed at a similar rate whatever the task (the paper: "
        "transparency 1.23, helpfulness 1.30, thoroughness 1.42).",
    )
    cv = data.table("an_context_variation")
    if cv.empty:
        section.empty.append(
            data.why_empty("an_context_variation", "coefficients of variation (an_context_variation)")
        )
        return section
    for (side, context), part in cv[cv["rank"].notna()].groupby(["side", "context"], sort=True):
        section.add_table(
            frame_table(
                f"{side.upper()} values, most stable across {text(context)}s",
                part.sort_values("rank").head(cfg.top_n),
                {
                    "value": ("value", text),
                    "CV": ("cv", fmt_num),
                    "mean rate": ("mean_rate", lambda v: fmt_pct(100 * v, digits=2)),
                    "contexts": ("n_contexts", fmt_num),
                    "conversations": ("n_conversations", fmt_num),
                },
            )
        )
    if not section.tables:
        section.empty.append("No value had enough conversations to rank its CV.")
    return section


def alerts_section(data: ReportData, cfg: ReportConfig) -> Section:
    section = Section(
        "alerts",
        "Rare-value alerts",
        "Rare values close to a watch list of concerning values (the paper's examples: sexual "
        "exploitation, dominance, amorality). Review the queued conversations in the workspace "
        "(table an_review_queue); their ids are not published here.",
    )
    alerts = data.table("an_alerts")
    raw = data.tables.get("an_alerts")
    if alerts.empty:
        if raw is None:
            section.empty.append(
            data.why_empty("an_alerts", "alert table (an_alerts)")
        )
        elif raw.n_rows:
            section.empty.append(
                f"{raw.n_rows} alerted values exist but each is backed by fewer conversations "
                "than the privacy thresholds allow; see an_alerts in the workspace."
            )
        else:
            section.empty.append("No rare value is close to the watch list.")
        return section
    section.add_table(
        frame_table(
            "Alerted values",
            alerts.sort_values("similarity", ascending=False),
            {
                "side": ("side", text),
                "value": ("value", text),
                "% of conversations": ("pct_convos", lambda v: fmt_pct(v, digits=3)),
                "closest watch term": ("watch_term", text),
                "similarity": ("similarity", fmt_num),
                "method": ("method", text),
                "conversations": ("n_conversations", fmt_num),
            },
        )
    )
    queue = data.tables.get("an_review_queue")
    if queue is not None and queue.n_rows:
        section.intro += f" Review queue: {queue.n_rows} (value, conversation) rows."
    return section


def notes_section(data: ReportData) -> Section:
    section = Section(
        "notes",
        "Privacy account and analysis notes",
        f"Rows withheld by the thresholds (k = {data.k} conversations, u = {data.u} users).",
    )
    rows = [
        [
            name,
            fmt_num(g.n_rows),
            fmt_num(len(g.frame)),
            fmt_num(g.n_suppressed),
            fmt_pct(100 * g.share_suppressed),
            g.withheld_reason or "",
        ]
        for name, g in sorted({**data.tables, **{f"tree {t}": g for t, g in data.trees.items()}}.items())
    ]
    section.add_table(
        Table("Suppression by table", ["table", "rows", "shown", "withheld", "share withheld", "note"], rows),
        missing="No result tables in the workspace.",
    )
    notes = data.table("an_notes")
    if not notes.empty:
        section.add_table(
            frame_table(
                "What the analysis skipped or assumed",
                notes,
                {"section": ("section", text), "note": ("note", str)},
            )
        )
    return section
