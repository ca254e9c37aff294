"""`wildvalues scrub` (placeholder until the stage exists)."""

import typer

from wildvalues.cli_common import not_built


def register(app: typer.Typer) -> None:
    @app.command("scrub")
    def scrub_command() -> None:
        """Replace PII in the workspace's conversations by typed placeholders (not built yet)."""
        raise not_built("scrub", "issue 7")
