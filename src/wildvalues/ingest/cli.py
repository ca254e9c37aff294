"""`wildvalues ingest` (placeholder until the stage exists)."""

import typer

from wildvalues.cli_common import not_built


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest_command() -> None:
        """Read chat logs into the workspace (not built yet)."""
        raise not_built("ingest", "issue 2")
