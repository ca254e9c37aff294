"""`wildvalues models` (placeholder until the stage exists)."""

import typer

from wildvalues.cli_common import not_built


def register(app: typer.Typer) -> None:
    models = typer.Typer(help="Manage the embedded models (pull, list, verify).", no_args_is_help=True)
    app.add_typer(models, name="models")

    @models.command("list")
    def list_command() -> None:
        """List known models and whether they are assembled (not built yet)."""
        raise not_built("models", "issue 3")
