"""`wildvalues compare STUDY_A STUDY_B -w OUT` and `wildvalues taxonomy assign` (incremental studies)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wildvalues.cli_common import (
    ConfigOpt,
    JsonOpt,
    WorkspaceOpt,
    console,
    emit_summary,
    fail,
    fail_listing,
    load_cli_config,
    open_workspace,
)

BY_CHOICES = ("model", "week", "month", "source")


def register(app: typer.Typer) -> None:
    @app.command("compare")
    def compare_command(
        study_a: Annotated[Path, typer.Argument(help="the reference study (its tree is the scale)")],
        study_b: Annotated[Path, typer.Argument(help="the study compared with it")],
        workspace: WorkspaceOpt = Path("wv-compare"),
        by: Annotated[
            str | None,
            typer.Option(
                "--by",
                help="also compare stratum by stratum: model, week, month or source (week/month add "
                "a drift series over both studies)",
            ),
        ] = None,
        force: Annotated[
            bool,
            typer.Option(
                "--force", help="compare even when extractor or tree differ (the mismatch is recorded)"
            ),
        ] = False,
        all_conversations: Annotated[
            bool, typer.Option("--all-conversations", help="every conversation, not only the subjective ones")
        ] = False,
        correction: Annotated[
            str, typer.Option("--correction", help="bh (Benjamini-Hochberg, default) or bonferroni")
        ] = "bh",
        config: ConfigOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Compare two studies on one scale: shares, differences with CIs, corrected tests, movers,
        response-type mix; --by week|month adds a drift check. Writes OUT (tables, JSON, report)."""
        from wildvalues.compare.run import compare_studies
        from wildvalues.compare.scale import ScaleMismatch

        if by is not None and by not in BY_CHOICES:
            raise fail(f"--by {by!r}: expected one of {', '.join(BY_CHOICES)}", 2)
        if correction not in ("bh", "bonferroni"):
            raise fail(f"--correction {correction!r}: expected bh or bonferroni", 2)
        if workspace.resolve() in (study_a.resolve(), study_b.resolve()):
            raise fail("-w OUT must be a new directory, not one of the compared studies", 2)
        cfg = load_cli_config(config)
        try:
            with console.status("comparing studies ..."):
                summary = compare_studies(
                    study_a,
                    study_b,
                    workspace,
                    cfg,
                    by=by,
                    force=force,  # type: ignore[arg-type]
                    all_conversations=all_conversations,
                    correction=correction,
                )
        except ScaleMismatch as exc:
            raise fail_listing(
                exc.problems,
                "the studies are not on one scale; fix the difference or pass --force to compare "
                "anyway (the mismatch is recorded in the output)"
            ) from None
        except (FileNotFoundError, LookupError, ValueError) as exc:
            raise fail(str(exc)) from None
        emit_summary("wildvalues compare", summary, as_json)


def register_assign(taxonomy: typer.Typer) -> None:
    """`taxonomy assign`: new labels into the existing tree (added to the taxonomy command group)."""

    @taxonomy.command("assign")
    def assign_command(
        workspace: WorkspaceOpt = Path("wv-workspace"),
        config: ConfigOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Give values extracted since the tree was made a place in it, without rebuilding it."""
        from wildvalues.compare.incremental import assign_new_labels

        cfg = load_cli_config(config)
        ws = open_workspace(workspace, "run `wildvalues ingest`, `extract` and `taxonomy` first")
        try:
            with console.status("assigning new values to the existing tree ..."):
                summary = assign_new_labels(ws, cfg)
        except LookupError as exc:
            raise fail(str(exc)) from None
        finally:
            ws.close()
        emit_summary("wildvalues taxonomy assign", summary, as_json)
