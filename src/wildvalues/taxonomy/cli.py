"""`wildvalues taxonomy` (placeholder until the stage exists)."""

import typer

from wildvalues.cli_common import not_built


def register(app: typer.Typer) -> None:
    @app.command("taxonomy")
    def taxonomy_command() -> None:
        """Build hierarchical value and task trees (not built yet)."""
        raise not_built("taxonomy", "issue 5")
