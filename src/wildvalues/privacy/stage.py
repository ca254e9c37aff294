"""The three privacy stages in the pipeline's shape: scrub (before any LLM), screen (after extraction)
and audit (the LLM privacy auditor over cluster names)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from wildvalues.progress import SILENT, Progress
from wildvalues.stage import StageResult

if TYPE_CHECKING:
    from wildvalues.config import Config
    from wildvalues.llm.base import LLMClient
    from wildvalues.workspace import Workspace


def run_scrub(ws: Workspace, cfg: Config, *, progress: Progress = SILENT, client: LLMClient | None = None
              ) -> StageResult:
    """Replace PII in every not-yet-scrubbed conversation (Presidio, offline); no LLM."""
    from wildvalues.privacy.scrub import scrub_workspace

    started = time.perf_counter()
    summary = scrub_workspace(ws, cfg.privacy, progress=progress)
    return StageResult("scrub", summary, time.perf_counter() - started)


def run_screen(ws: Workspace, cfg: Config, *, progress: Progress = SILENT, client: LLMClient | None = None
               ) -> StageResult:
    """Drop extracted labels and task sentences that carry personal details; no LLM."""
    from wildvalues.privacy.screen import screen_features

    started = time.perf_counter()
    progress.say("checking labels for personal details")
    summary = screen_features(ws, cfg.privacy)
    return StageResult("screen", summary, time.perf_counter() - started)


def run_audit(ws: Workspace, cfg: Config, *, progress: Progress = SILENT, client: LLMClient | None = None
              ) -> StageResult:
    """Have the judge rate every cluster name on the 1-5 privacy scale."""
    from wildvalues.privacy.auditor import audit_workspace

    started = time.perf_counter()
    summary = audit_workspace(ws, cfg, client=client, progress=progress)
    return StageResult("audit", summary, time.perf_counter() - started)
