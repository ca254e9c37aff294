"""`wildvalues scrub`: replace PII in the workspace's conversations by typed placeholders."""

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
from wildvalues.stage import MissingInput


def register(app: typer.Typer) -> None:
    @app.command("scrub")
    def scrub_command(
        workspace: WorkspaceOpt = DEFAULT_WS,
        config: ConfigOpt = None,
        entities: Annotated[str | None, typer.Option(
            help="comma-separated Presidio entities to scrub (default: privacy.entities)")] = None,
        score_threshold: Annotated[float | None, typer.Option(
            help="minimum Presidio confidence for a replacement (default: privacy.score_threshold)")] = None,
        limit: Annotated[int | None, typer.Option(
            help="scrub at most this many pending conversations")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Replace PII (e-mails, phones, cards, ids, addresses, URLs, names) by [TYPE] placeholders.

        Reads raw.messages, writes scrubbed_messages; conversations already scrubbed are skipped.
        """
        from wildvalues.workspace import Workspace

        overrides = {"privacy.score_threshold": score_threshold}
        if entities:
            overrides["privacy.entities"] = [e.strip().upper() for e in entities.split(",") if e.strip()]
        cfg = load_cli_config(config, overrides)
        if not (workspace / "raw.duckdb").exists():
            raise fail(f"no raw store in {workspace} (run `wildvalues ingest` first)")
        from wildvalues.privacy.scrub import scrub_workspace

        with Workspace(workspace) as ws:
            try:
                with progress_for("scrub", as_json) as progress:
                    summary = scrub_workspace(ws, cfg.privacy, progress=progress, limit=limit)
            except (ValueError, RuntimeError) as exc:
                raise fail(str(exc)) from exc
        emit_summary("wildvalues scrub", summary, as_json)

    @app.command("screen")
    def screen_command(
        workspace: WorkspaceOpt = DEFAULT_WS,
        config: ConfigOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Drop extracted labels and task sentences that carry PII; scrub raw model outputs (table features).

        Run after `wildvalues extract` and before `wildvalues taxonomy`.
        """
        from wildvalues.privacy.screen import screen_features

        cfg = load_cli_config(config)
        with open_workspace(workspace) as ws:
            try:
                summary = screen_features(ws, cfg.privacy)
            except ValueError as exc:
                raise fail(str(exc)) from exc
        emit_summary("wildvalues screen", summary, as_json)

    @app.command("audit")
    def audit_command(
        workspace: WorkspaceOpt = DEFAULT_WS,
        config: ConfigOpt = None,
        dry_run: Annotated[bool, typer.Option(
            "--dry-run", help="print calls, tokens, dollars and time; send nothing")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Rate every cluster name+description on the 1-5 privacy scale (table cluster_audit).

        Clusters rated below privacy.min_audit_rating (default 4) are withheld from reports.
        """
        from wildvalues.privacy.auditor import audit_workspace, estimate_audit

        cfg = load_cli_config(config)
        with open_workspace(workspace) as ws:
            try:
                if dry_run:
                    summary = estimate_audit(ws, cfg)
                else:
                    with progress_for("audit", as_json) as progress:
                        summary = audit_workspace(ws, cfg, progress=progress)
            except (MissingInput, ValueError) as exc:
                raise fail(str(exc)) from exc
        emit_summary("wildvalues audit" + (" --dry-run" if dry_run else ""), summary, as_json)
