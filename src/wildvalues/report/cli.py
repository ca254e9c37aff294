"""`wildvalues report`: write the HTML report and the exports, print the report's path."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wildvalues.cli_common import (
    DEFAULT_WS,
    ConfigOpt,
    JsonOpt,
    WorkspaceOpt,
    emit_summary,
    load_cli_config,
    open_workspace,
)


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report_command(
        workspace: WorkspaceOpt = DEFAULT_WS,
        include_examples: Annotated[
            bool,
            typer.Option(
                "--include-examples",
                help="add scrubbed snippets from clusters that pass every privacy threshold",
            ),
        ] = False,
        out: Annotated[
            Path | None, typer.Option("--out", help="output folder (default: <workspace>/report)")
        ] = None,
        config: ConfigOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Write report/index.html (self-contained, offline) plus CSV/Parquet exports and manifest.json."""
        from wildvalues.report.build import build_report

        cfg = load_cli_config(
            config,
            {
                "report.include_examples": include_examples or None,
                "report.out_dir": str(out) if out else None,
            },
        )
        with open_workspace(workspace, "wildvalues run") as ws:
            summary = build_report(ws, cfg)
        emit_summary("wildvalues report", summary, as_json)
        if not as_json:
            typer.echo(summary["report"])
