"""`wildvalues analyze`: compute the paper's statistics over a workspace and write the ``an_*`` tables."""

from __future__ import annotations

from typing import Annotated

import typer

from wildvalues.cli_common import (
    DEFAULT_WS,
    ConfigOpt,
    JsonOpt,
    WorkspaceOpt,
    emit_summary,
    fail,
    load_cli_config,
    open_workspace,
    progress_for,
)


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze_command(
        workspace: WorkspaceOpt = DEFAULT_WS,
        all_conversations: Annotated[
            bool,
            typer.Option(
                "--all-conversations", help="analyse every conversation, not only the subjective ones"
            ),
        ] = False,
        bootstrap: Annotated[int | None, typer.Option(help="bootstrap replicates (0 = no intervals)")] = None,
        lexical_alerts: Annotated[
            bool, typer.Option("--lexical-alerts", help="match the alert watchlist by words, not embeddings")
        ] = False,
        by: Annotated[str | None, typer.Option(
            "--by", help="also per-period shares and a drift check: week or month (issue 17)")] = None,
        config: ConfigOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Frequencies, chi-square associations, mirroring, model comparison, alerts (paper §3, App. B)."""
        from wildvalues.analyze import stage as analyze_stage


        overrides = {
            "analyze.all_conversations": all_conversations or None,
            "analyze.bootstrap": bootstrap,
            "analyze.alert_method": "lexical" if lexical_alerts else None,
        }
        cfg = load_cli_config(config, overrides)
        if by is not None and by not in ("week", "month"):
            raise fail(f"--by {by!r}: expected week or month", 2)
        ws = open_workspace(workspace)
        try:
            with progress_for("analyze", as_json) as progress:
                summary = analyze_stage.run(ws, cfg, progress=progress).summary
            if by is not None:  # issue 17: per-period shares and drift flags (wildvalues.compare.periods)
                from wildvalues.compare.periods import analyze_periods

                summary["periods"] = analyze_periods(
                    ws, by, alpha=cfg.analyze.alpha, k=cfg.privacy.min_conversations, u=cfg.privacy.min_users,
                    all_conversations=cfg.analyze.all_conversations)
        except (LookupError, ValueError) as exc:
            raise fail(str(exc)) from exc
        finally:
            ws.close()
        emit_summary("wildvalues analyze", summary, as_json)
