"""The analyze stage in the pipeline's shape: every statistic of the paper into the ``an_*`` tables."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from wildvalues.progress import SILENT, Progress
from wildvalues.stage import StageResult

if TYPE_CHECKING:
    from wildvalues.config import Config
    from wildvalues.llm.base import LLMClient
    from wildvalues.workspace import Workspace


def run(ws: Workspace, cfg: Config, *, progress: Progress = SILENT, client: LLMClient | None = None
        ) -> StageResult:
    """Residuals, response mixes, mirroring, model comparisons and CIs; no LLM."""
    from wildvalues.analyze.run import analyze_workspace

    started = time.perf_counter()
    summary = analyze_workspace(ws, cfg.analyze, progress=progress.say,
                                config_snapshot=cfg.model_dump(mode="json"))
    return StageResult("analyze", summary, time.perf_counter() - started)
