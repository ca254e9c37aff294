"""`wildvalues analyze` (placeholder until the stage exists)."""

import typer

from wildvalues.cli_common import not_built


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze_command() -> None:
        """Compute the paper's statistics (not built yet)."""
        raise not_built("analyze", "issue 6")
