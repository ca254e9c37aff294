"""``build_report``: one self-contained HTML file plus exports, from an analysed workspace.

The page inlines plotly.js (shipped inside the ``plotly`` package) once, so it opens offline from a
file:// URL; a Content-Security-Policy forbids every network request. Every number it shows went through
the privacy thresholds in ``report.data``; conversation text appears only with ``include_examples`` and
then only as scrubbed snippets (``report.examples``).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from wildvalues import __version__
from wildvalues.config import Config
from wildvalues.report import sections_behaviour as behaviour
from wildvalues.report import sections_values as values
from wildvalues.report.config import ReportConfig
from wildvalues.report.data import ReportData, load_report_data
from wildvalues.report.exports import build_manifest, write_exports, write_manifest
from wildvalues.report.tables import PLOTLY_CONFIG, Section, fmt_num
from wildvalues.validate.report_section import trust_section
from wildvalues.workspace import Workspace


@cache
def plotly_js() -> str:
    """The plotly.js bundle shipped with the plotly package (inlined once into the page)."""
    source = resources.files("plotly").joinpath("package_data/plotly.min.js").read_text(encoding="utf-8")
    if "</script" in source.lower():
        raise RuntimeError("plotly.min.js contains '</script' and cannot be inlined safely")
    return source


def _jsonsafe(spec: str) -> str:
    """JSON inside <script type=application/json>: '</' must not close the element."""
    return spec.replace("</", "<\\/").replace("<!--", "<\\!--")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("wildvalues.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["jsonsafe"] = lambda s: jinja2.utils.markupsafe.Markup(_jsonsafe(s))
    return env


# result tables behind each section, for the "n rows withheld" sentence
SECTION_TABLES = {
    "top-values": ("an_value_frequencies", "an_overview", "an_long_tail"),
    "taxonomy": ("an_category_shares",),
    "by-task": ("an_associations",),
    "response-types": ("an_response_types",),
    "mirroring": ("an_mirroring", "an_mirrored_values", "an_value_pairs"),
    "models": ("an_model_values", "an_model_tests"),
    "stated": ("an_stated_vs_demonstrated",),
    "cv": ("an_context_variation",),
    "alerts": ("an_alerts",),
    "trust": ("an_corrected", "an_validation"),  # validation kit (issue 14)
}


def _withheld_note(data: ReportData, section: Section) -> None:
    gated = [data.tables[name] for name in SECTION_TABLES.get(section.key, ()) if name in data.tables]
    parts = [f"{fmt_num(g.n_suppressed)} of {fmt_num(g.n_rows)} rows of {g.name}"
             for g in gated if g.n_suppressed]
    if parts:
        section.notes.append("Withheld below the privacy thresholds: " + "; ".join(parts) + ".")


def build_sections(data: ReportData, cfg: ReportConfig) -> list[Section]:
    """Every section, in the paper's order; sections without data keep a plain sentence saying so."""
    sections = [
        values.top_values_section(data, cfg),
        values.taxonomy_section(data, cfg),
        *values.residual_sections(data, cfg),
        behaviour.response_type_section(data, cfg),
        *values.response_association_sections(data, cfg),
        behaviour.mirroring_section(data, cfg),
        behaviour.models_section(data, cfg),
        behaviour.stated_section(data, cfg),
        behaviour.context_variation_section(data, cfg),
        behaviour.alerts_section(data, cfg),
        trust_section(data),  # validation kit (issue 14)
        behaviour.notes_section(data),
    ]
    for section in sections:
        _withheld_note(data, section)
    return sections


def render_html(
    data: ReportData,
    sections: list[Section],
    *,
    workspace: str,
    examples: Any,
    static_figures: bool,
    title: str = "Values in the wild: study report",
) -> str:
    suppression = data.suppression()
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            version=__version__,
            workspace=workspace,
            summary=data.summary,
            sections=sections,
            examples=examples,
            k=data.k,
            u=data.u,
            suppression=suppression,
            fmt=fmt_num,
            pct=lambda part, whole: f"{100 * part / whole:.1f}%" if whole else "—",
            static_figures=static_figures,
            plotly_js=plotly_js(),
            plotly_config=json.dumps(PLOTLY_CONFIG),
        )
    )


def build_report(
    ws: Workspace,
    cfg: Config | None = None,
    include_examples: bool | None = None,
    out_dir: Path | str | None = None,
) -> dict[str, Any]:
    """Write ``index.html``, the exports, static figures and ``manifest.json``; return a summary.

    ``cfg`` is the whole ``Config`` (thresholds come from its privacy section; default settings when
    None). ``include_examples`` overrides ``cfg.report.include_examples``.
    """
    started = time.perf_counter()
    cfg = cfg or Config()
    report_cfg, config_dump = cfg.report, cfg.model_dump()
    k, u, min_audit = cfg.privacy.min_conversations, cfg.privacy.min_users, cfg.privacy.min_audit_rating
    examples_on = report_cfg.include_examples if include_examples is None else include_examples
    out = Path(out_dir or report_cfg.out_dir or ws.report_dir)
    out.mkdir(parents=True, exist_ok=True)
    args = {"include_examples": examples_on, "out_dir": str(out)}
    with ws.run("report", args, config_dump) as run:
        data = load_report_data(ws, k, u, min_audit)
        sections = build_sections(data, report_cfg)
        examples = None
        if examples_on:
            from wildvalues.report.examples import collect_examples

            examples = collect_examples(ws, data, report_cfg)
        figure_paths: list[Path] = []
        if report_cfg.static_figures:
            from wildvalues.report.figures import write_static_figures

            figure_paths = write_static_figures(data, report_cfg, out / "figures")
        html = render_html(
            data,
            sections,
            workspace=ws.root.name,
            examples=examples,
            static_figures=report_cfg.static_figures,
        )
        index = out / "index.html"
        index.write_text(html, encoding="utf-8")
        files = [index, *write_exports(data, out), *figure_paths]
        # issue 17: drift.html from `analyze --by week|month` tables, when present
        from wildvalues.compare.periods import write_drift_page

        files += [p for p in [write_drift_page(ws, out)] if p is not None]
        manifest = build_manifest(
            data,
            files,
            out,
            include_examples=examples_on,
            min_audit_rating=min_audit,
            config=report_cfg.model_dump(),
        )
        manifest["counts"]["examples"] = examples.count if examples is not None else 0
        manifest_path = write_manifest(manifest, out)
        suppression = data.suppression()
        empty = [s.key for s in sections if not s.has_content]
        run.counts.update(
            {
                "result_tables": len(data.tables),
                "rows": suppression["rows"],
                "rows_suppressed": suppression["suppressed"],
                "figures_interactive": sum(len(s.figures) for s in sections),
                "figures_static": len(figure_paths),
                "tables": sum(len(s.tables) for s in sections),
                "sections_empty": len(empty),
                "examples": manifest["counts"]["examples"],
            }
        )
        return {
            "report": str(index),
            "manifest": str(manifest_path),
            "out_dir": str(out),
            "html_bytes": index.stat().st_size,
            "sections": len(sections),
            "sections_empty": empty,
            **{k_: v for k_, v in run.counts.items() if k_ != "sections_empty"},
            "share_suppressed": suppression["share_suppressed"],
            "caveats": len(data.summary.caveats),
            "seconds": round(time.perf_counter() - started, 2),
            "run_id": run.run_id,
        }
