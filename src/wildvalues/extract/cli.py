"""`wildvalues extract` and `wildvalues eval` (placeholders until the stage exists)."""

import typer

from wildvalues.cli_common import not_built


def register(app: typer.Typer) -> None:
    @app.command("extract")
    def extract_command() -> None:
        """Extract values, response type and task per conversation (not built yet)."""
        raise not_built("extract", "issue 4")

    @app.command("eval")
    def eval_command() -> None:
        """Score extraction against labelled conversations (not built yet)."""
        raise not_built("eval", "issue 4")
