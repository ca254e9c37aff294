"""The ingest stage in the pipeline's shape: read ``cfg.ingest.paths`` into the raw store."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from wildvalues.ingest.api import ingest
from wildvalues.progress import SILENT, Progress
from wildvalues.stage import MissingInput, StageResult

if TYPE_CHECKING:
    from wildvalues.config import Config
    from wildvalues.llm.base import LLMClient
    from wildvalues.workspace import Workspace


def run(ws: Workspace, cfg: Config, *, progress: Progress = SILENT, client: LLMClient | None = None
        ) -> StageResult:
    """Ingest ``cfg.ingest.paths`` (format, sample and seed from the same section); no LLM."""
    icfg = cfg.ingest
    if not icfg.paths:
        raise MissingInput(ws.root, "input files (ingest.paths)", "wildvalues run FILES or --demo")
    started = time.perf_counter()
    summary = ingest([Path(p) for p in icfg.paths], ws, fmt=icfg.format, sample=icfg.sample, seed=icfg.seed,
                     cfg=icfg, progress=progress)
    return StageResult("ingest", summary.model_dump(), time.perf_counter() - started)
