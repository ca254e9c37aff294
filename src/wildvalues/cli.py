"""The `wildvalues` command: a thin layer that wires each stage's commands together."""

from __future__ import annotations

import typer

from wildvalues import __version__
from wildvalues.analyze import cli as analyze_cli
from wildvalues.compare import cli as compare_cli
from wildvalues.extract import cli as extract_cli
from wildvalues.ingest import cli as ingest_cli
from wildvalues.llm import cli as llm_cli
from wildvalues.pipeline import register as register_run
from wildvalues.privacy import cli as privacy_cli
from wildvalues.report import cli as report_cli
from wildvalues.taxonomy import cli as taxonomy_cli
from wildvalues.validate import cli as validate_cli

app = typer.Typer(
    name="wildvalues",
    help="Measure which values an AI assistant expresses in real conversations (Values in the Wild).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wildvalues {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="the version"),
) -> None:
    """wildvalues: ingest -> scrub -> extract -> screen -> taxonomy -> audit -> analyze -> report."""


for module in (ingest_cli, privacy_cli, extract_cli, taxonomy_cli, analyze_cli, report_cli, llm_cli,
               validate_cli, compare_cli):
    module.register(app)
register_run(app)


def main() -> None:
    app()
