"""`wildvalues run`: every stage in order, on one workspace.

ingest -> scrub -> extract -> screen -> taxonomy -> audit -> analyze -> report (screen drops labels
that carry personal details after the LLM; audit has the privacy auditor rate every cluster name).
Each stage is the same function its own command calls; this module only chains them and reports what
each did. A stage that is not built stops the run with a plain message and a non-zero exit.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from wildvalues.cli_common import ConfigOpt, JsonOpt, WorkspaceOpt, console, emit_summary, fail
from wildvalues.config import Config, load_config
from wildvalues.engine.options import EngineOpt, RayAddressOpt, WorkersOpt, engine_overrides
from wildvalues.workspace import DEFAULT_WORKSPACE, Workspace

# (stage name, module, function) in pipeline order
STAGES: tuple[tuple[str, str, str], ...] = (
    ("ingest", "wildvalues.ingest", "ingest"),
    ("scrub", "wildvalues.privacy.scrub", "scrub_workspace"),
    ("extract", "wildvalues.extract", "extract_workspace"),
    ("screen", "wildvalues.privacy.screen", "screen_features"),
    ("taxonomy", "wildvalues.taxonomy", "build_taxonomy"),
    ("audit", "wildvalues.privacy.auditor", "audit_workspace"),
    ("analyze", "wildvalues.analyze", "analyze_workspace"),
    ("report", "wildvalues.report", "build_report"),
)


class StageMissing(RuntimeError):
    """A pipeline stage has not been built."""


def stage_function(name: str) -> Callable[..., Any]:
    for stage, module_name, func_name in STAGES:
        if stage == name:
            try:
                module = importlib.import_module(module_name)
                return getattr(module, func_name)
            except (ImportError, AttributeError) as exc:
                missing = f"{module_name}.{func_name}: {exc}"
                raise StageMissing(f"stage '{name}' is not built yet ({missing})") from exc
    raise KeyError(name)


def _as_dict(summary: Any) -> dict[str, Any]:
    if hasattr(summary, "model_dump"):
        return summary.model_dump()
    return dict(summary) if summary is not None else {}


def _call_stage(stage: str, func: Callable[..., Any], paths: list[Path], ws: Workspace, cfg: Config,
                opts: dict[str, Any]) -> Any:
    """Call one stage function with its own signature and a Rich progress display."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    if stage == "ingest":
        return func(paths, ws, fmt=opts["fmt"], sample=opts["sample"], seed=opts["seed"], cfg=cfg.ingest)
    if stage in ("scrub", "screen"):
        return func(ws, cfg.privacy)
    if stage == "audit":
        return func(ws, cfg)
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(stage, total=None)

        def say(message: str) -> None:
            bar.update(task, description=f"{stage}: {message}")

        if stage == "extract":
            return func(ws, cfg, limit=opts["limit"],
                        progress=lambda done, total: bar.update(task, completed=done, total=total))
        if stage == "taxonomy":
            return func(ws, cfg, progress=say)
        if stage == "analyze":
            return func(ws, cfg.analyze, progress=say, config_snapshot=cfg.model_dump(mode="json"))
        if stage == "report":
            return func(ws, cfg, include_examples=opts["include_examples"])
    raise KeyError(stage)


def run_pipeline(paths: list[Path], ws: Workspace, cfg: Config, *, sample: int | None = None, seed: int = 0,
                 fmt: str = "auto", limit: int | None = None, include_examples: bool = False
                 ) -> dict[str, Any]:
    """Run all stages; return each stage's summary under its name (plus seconds per stage).

    Every stage function is resolved before anything runs, so a missing stage stops the run up front.
    """
    funcs = {stage: stage_function(stage) for stage, _, _ in STAGES}
    opts = {"sample": sample, "seed": seed, "fmt": fmt, "limit": limit, "include_examples": include_examples}
    results: dict[str, Any] = {}
    for stage, _, _ in STAGES:
        started = time.perf_counter()
        console.rule(f"[bold]{stage}")
        results[stage] = _as_dict(_call_stage(stage, funcs[stage], paths, ws, cfg, opts))
        results[stage]["stage_seconds"] = round(time.perf_counter() - started, 2)
        console.print(f"{stage}: done in {results[stage]['stage_seconds']} s")
    return results


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run_command(
        paths: Annotated[list[Path] | None, typer.Argument(help="chat logs (see `ingest --help`)")] = None,
        demo: Annotated[bool, typer.Option("--demo", help="use the embedded ShareGPT demo corpus")] = False,
        sample: Annotated[int | None, typer.Option(help="ingest a random sample of N conversations")] = None,
        seed: Annotated[int, typer.Option(help="sampling seed")] = 0,
        fmt: Annotated[str, typer.Option("--format", help="input format (default: detect)")] = "auto",
        limit: Annotated[int | None, typer.Option(help="extract at most N conversations")] = None,
        include_examples: Annotated[bool, typer.Option(help="scrubbed snippets in report")] = False,
        workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
        config: ConfigOpt = None,
        engine: EngineOpt = None,
        ray_address: RayAddressOpt = None,
        workers: WorkersOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Run every stage: ingest, scrub, extract, taxonomy, analyze, report."""
        try:
            cfg = load_config(config, engine_overrides(engine, ray_address, workers))
        except ValueError as exc:
            raise fail(f"config: {exc}") from exc
        inputs = list(paths or [])
        if demo:
            try:
                from wildvalues.ingest import demo_source
            except ImportError as exc:
                raise fail(f"the demo corpus needs the ingest stage: {exc}") from exc
            inputs.append(demo_source())
            if sample is None:
                sample = cfg_demo_sample()
        if not inputs:
            raise fail("give chat log files to read, or --demo for the embedded ShareGPT sample")
        with Workspace(workspace) as ws:
            try:
                results = run_pipeline(inputs, ws, cfg, sample=sample, seed=seed, fmt=fmt, limit=limit,
                                       include_examples=include_examples)
            except StageMissing as exc:
                raise fail(str(exc), code=3) from exc
        report = results.get("report", {}).get("report") or str(ws.report_dir / "index.html")
        flat = {stage: {key: value for key, value in summary.items() if not isinstance(value, dict | list)}
                for stage, summary in results.items()}
        emit_summary("wildvalues run", {"workspace": str(workspace), "report": report, **flat}, as_json)
        console.print(f"[bold green]report:[/] {report}")


def cfg_demo_sample() -> int:
    """How many ShareGPT conversations the demo samples by default."""
    return 60
