"""`wildvalues run`: every stage in order, on one workspace.

ingest -> scrub -> extract -> screen -> taxonomy -> audit -> analyze -> report (screen drops labels that
carry personal details after the LLM; audit has the privacy auditor rate every cluster). Each entry of
``STAGES`` is the function its own command calls, in the one shape of :mod:`wildvalues.stage`; this module
only loops over them, shows progress and reports what each did. Adding a stage is one entry here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from wildvalues.analyze import stage as analyze_stage
from wildvalues.cli_common import (
    ConfigOpt,
    JsonOpt,
    WorkspaceOpt,
    console,
    emit_summary,
    fail,
    load_cli_config,
    progress_for,
)
from wildvalues.config import Config
from wildvalues.engine.options import EngineOpt, RayAddressOpt, WorkersOpt, engine_overrides
from wildvalues.extract import stage as extract_stage
from wildvalues.ingest import stage as ingest_stage
from wildvalues.llm.base import LLMClient
from wildvalues.privacy import stage as privacy_stage
from wildvalues.report import stage as report_stage
from wildvalues.stage import MissingInput, Stage, StageResult
from wildvalues.taxonomy import stage as taxonomy_stage
from wildvalues.workspace import DEFAULT_WORKSPACE, Workspace

STAGES: tuple[Stage, ...] = (
    Stage("ingest", ingest_stage.run),
    Stage("scrub", privacy_stage.run_scrub),
    Stage("extract", extract_stage.run, uses_llm=True, estimate=extract_stage.estimate),
    Stage("screen", privacy_stage.run_screen),
    Stage("taxonomy", taxonomy_stage.run, uses_llm=True),
    Stage("audit", privacy_stage.run_audit, uses_llm=True),
    Stage("analyze", analyze_stage.run),
    Stage("report", report_stage.run),
)


def run_pipeline(ws: Workspace, cfg: Config, *, client: LLMClient | None = None, quiet: bool = False,
                 stages: tuple[Stage, ...] = STAGES) -> list[StageResult]:
    """Run ``stages`` in order on ``ws``; each gets ``client`` (None: it builds its own when it needs one)."""
    results: list[StageResult] = []
    for stage in stages:
        if not quiet:
            console.rule(f"[bold]{stage.name}")
        with progress_for(stage.name, quiet) as progress:
            result = stage.run(ws, cfg, progress=progress, client=client)
        results.append(result)
        if not quiet:
            console.print(f"{stage.name}: done in {result.seconds:.1f} s")
    return results


def dry_run_pipeline(ws: Workspace, cfg: Config, *, quiet: bool = False) -> dict[str, Any]:
    """Ingest and scrub (local and free), then what extraction would send, counted and priced; the
    taxonomy's and auditor's calls depend on the labels extraction finds (bounds in the result)."""
    done = run_pipeline(ws, cfg, quiet=quiet, stages=STAGES[:2])
    out: dict[str, Any] = {stage.stage: stage.as_dict() for stage in done}
    out["extract"] = extract_stage.estimate(ws, cfg)
    out["taxonomy"] = {"llm_calls_at_most": f"{cfg.taxonomy.calls_per_leaf} per distinct label of each tree",
                       "note": "run `wildvalues taxonomy build --dry-run` after extraction for the figure"}
    out["audit"] = {"llm_calls": "one per cluster above the leaves (after the taxonomy is built)"}
    return out


def stage_table(results: list[StageResult]) -> None:
    """Seconds per stage, and the share of the whole run."""
    from rich.table import Table

    total = sum(r.seconds for r in results) or 1.0
    table = Table(title="time per stage", title_justify="left")
    for column in ("stage", "seconds", "share"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for r in results:
        table.add_row(r.stage, f"{r.seconds:.1f}", f"{100 * r.seconds / total:.0f}%")
    table.add_row("[bold]all", f"[bold]{total:.1f}", "100%")
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run_command(
        paths: Annotated[list[Path] | None, typer.Argument(help="chat logs (see `ingest --help`)")] = None,
        demo: Annotated[bool, typer.Option("--demo", help="use the embedded ShareGPT demo corpus")] = False,
        sample: Annotated[int | None, typer.Option(help="ingest a random sample of N conversations")] = None,
        seed: Annotated[int | None, typer.Option(help="sampling seed")] = None,
        fmt: Annotated[str | None, typer.Option("--format", help="input format (default: detect)")] = None,
        limit: Annotated[int | None, typer.Option(help="extract at most N conversations")] = None,
        profile: Annotated[str | None, typer.Option(
            help="fast (no LLM; default), thorough (heads + judge) or paper (a prompt per feature)")] = None,
        extract_all: Annotated[bool | None, typer.Option(
            "--all/--screen", help="every feature for every conversation (default: subjective ones)")] = None,
        include_examples: Annotated[bool | None, typer.Option(
            "--include-examples/--no-examples", help="scrubbed snippets in the report")] = None,
        dry_run: Annotated[bool, typer.Option(
            "--dry-run", help="ingest, scrub, then print LLM calls, tokens, dollars, time")] = False,
        workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
        config: ConfigOpt = None,
        engine: EngineOpt = None,
        ray_address: RayAddressOpt = None,
        workers: WorkersOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Run every stage: ingest, scrub, extract, screen, taxonomy, audit, analyze, report."""
        inputs = [str(p) for p in paths or []]
        if demo:
            from wildvalues.ingest import demo_source

            try:
                inputs.append(str(demo_source()))
            except FileNotFoundError as exc:
                raise fail(str(exc), 2) from None
            sample = sample if sample is not None else DEMO_SAMPLE
        if not inputs:
            raise fail("give chat log files to read, or --demo for the embedded ShareGPT sample", 2)
        cfg = load_cli_config(config, {
            "ingest.paths": inputs, "ingest.sample": sample, "ingest.seed": seed, "ingest.format": fmt,
            "extract.limit": limit, "extract.profile": profile, "extract.extract_all": extract_all,
            "report.include_examples": include_examples,
        } | engine_overrides(engine, ray_address, workers))
        with Workspace(workspace) as ws:
            try:
                if dry_run:
                    estimate = dry_run_pipeline(ws, cfg, quiet=as_json)
                    emit_summary("wildvalues run --dry-run", estimate, as_json)
                    return
                results = run_pipeline(ws, cfg, quiet=as_json)
            except MissingInput as exc:
                raise fail(str(exc)) from exc
        summaries = {r.stage: r.as_dict() for r in results}
        report = summaries.get("report", {}).get("report") or str(ws.report_dir / "index.html")
        flat = {stage: {key: value for key, value in summary.items() if not isinstance(value, dict | list)}
                for stage, summary in summaries.items()}
        if not as_json:
            stage_table(results)
        emit_summary("wildvalues run", {"workspace": str(workspace), "report": report, **flat}, as_json)
        console.print(f"[bold green]report:[/] {report}")


DEMO_SAMPLE = 1000  # ShareGPT conversations the demo samples by default
