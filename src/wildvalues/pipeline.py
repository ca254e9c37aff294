"""`wildvalues run`: every stage in order (placeholder until the stages exist)."""

import typer

from wildvalues.cli_common import not_built


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run_command() -> None:
        """Run every stage: ingest, scrub, extract, taxonomy, analyze, report (not built yet)."""
        raise not_built("run", "issue 2")
