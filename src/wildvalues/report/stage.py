"""The report stage in the pipeline's shape: the offline HTML report, figures and released-schema exports."""

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
    """Write ``report/index.html`` and the exports (examples with ``report.include_examples``); no LLM."""
    from wildvalues.report.build import build_report

    started = time.perf_counter()
    progress.say("writing the report")
    summary = build_report(ws, cfg)
    return StageResult("report", summary, time.perf_counter() - started)
