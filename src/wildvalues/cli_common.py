"""Shared pieces of the command-line layer: common options, summaries, error exits."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from wildvalues.config import Config, load_config
from wildvalues.stage import MissingInput
from wildvalues.workspace import DEFAULT_WORKSPACE, Workspace

# Human-readable output goes to stderr so that `--json` leaves a clean machine-readable last line on stdout.
console = Console(stderr=True)

WorkspaceOpt = Annotated[
    Path, typer.Option("--workspace", "-w", help="study directory (DuckDB + Parquet + report)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print a machine-readable summary as the last line")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="TOML config file")]

DEFAULT_WS = DEFAULT_WORKSPACE


def emit_summary(title: str, summary: dict[str, Any], as_json: bool) -> None:
    """Print a readable summary table (stderr) and, with ``--json``, one JSON line on stdout."""
    table = Table(title=title, show_header=False, title_justify="left")
    for key, value in summary.items():
        if isinstance(value, dict | list):
            value = json.dumps(value, default=str)
            if len(value) > 300:
                value = value[:297] + "..."
        table.add_row(str(key), str(value))
    console.print(table)
    if as_json:
        sys.stdout.write(json.dumps(summary, default=str) + "\n")
        sys.stdout.flush()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error in red and return the Exit to raise: ``raise fail("...")``."""
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def fail_listing(problems: list[str], message: str, code: int = 1) -> typer.Exit:
    """Print every problem (file, line, what is wrong) in red, then the error: ``raise fail_listing(...)``."""
    for problem in problems:
        console.print(f"[red]{problem}[/]")
    return fail(message, code)


def load_cli_config(path: Path | None, overrides: dict[str, Any] | None = None) -> Config:
    """The run's config (TOML < env < flags); a bad file or value ends the command with a clear message."""
    try:
        return load_config(path, overrides)
    except (OSError, ValueError) as exc:
        raise fail(f"config: {exc}") from exc


def open_workspace(path: Path, command: str = "wildvalues ingest") -> Workspace:
    """An existing workspace; a missing one ends the command with what to run first."""
    if not (path / "wildvalues.duckdb").exists():
        raise fail(str(MissingInput(path, "workspace", command)))
    return Workspace(path)


class RichProgress:
    """The command line's :class:`wildvalues.progress.Progress`: one Rich bar with elapsed time and ETA."""

    def __init__(self, stage: str, bar: Any) -> None:
        self.stage, self._bar = stage, bar
        self._task = bar.add_task(stage, total=None)

    def start(self, description: str, total: float | None = None, unit: str = "items") -> None:
        self._bar.reset(self._task, total=total, completed=0, description=f"{self.stage}: {description}")

    def advance(self, amount: float = 1) -> None:
        self._bar.advance(self._task, amount)

    def update(self, completed: float, total: float | None = None) -> None:
        if total is not None:
            self._bar.update(self._task, completed=completed, total=total)
        else:
            self._bar.update(self._task, completed=completed)

    def say(self, message: str) -> None:
        self._bar.update(self._task, description=f"{self.stage}: {message}")


@contextmanager
def rich_progress(stage: str) -> Iterator[RichProgress]:
    """A Rich progress bar (spinner, bar, percentage, done/total, elapsed, ETA) for one stage, on stderr."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  console=console, transient=True) as bar:
        yield RichProgress(stage, bar)


@contextmanager
def progress_for(stage: str, quiet: bool = False) -> Iterator[Any]:
    """The Rich bar for ``stage``, or silent progress when ``quiet`` (e.g. ``--json``)."""
    if quiet:
        from wildvalues.progress import SilentProgress

        yield SilentProgress()
        return
    with rich_progress(stage) as progress:
        yield progress
