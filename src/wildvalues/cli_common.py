"""Shared pieces of the command-line layer: common options, summaries, error exits."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from wildvalues.config import Config, load_config
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


def load_cli_config(path: Path | None, overrides: dict[str, Any] | None = None) -> Config:
    """The run's config (TOML < env < flags); a bad file or value ends the command with a clear message."""
    try:
        return load_config(path, overrides)
    except (OSError, ValueError) as exc:
        raise fail(f"config: {exc}") from exc


def open_workspace(path: Path, needs: str = "run `wildvalues ingest` first") -> Workspace:
    """An existing workspace; a missing one ends the command with what to run first."""
    if not (path / "wildvalues.duckdb").exists():
        raise fail(f"no workspace at {path} ({needs})")
    return Workspace(path)
