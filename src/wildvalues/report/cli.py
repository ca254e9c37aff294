"""`wildvalues report` (placeholder until the stage exists)."""

import typer

from wildvalues.cli_common import not_built


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report_command() -> None:
        """Write the HTML report and exports (not built yet)."""
        raise not_built("report", "issue 8")
