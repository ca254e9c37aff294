"""The one shape every pipeline stage has, and the one error for "run that stage first".

A stage is a function ``run(ws, cfg, *, progress, client=None) -> StageResult``: it reads what earlier
stages wrote to the workspace, writes its own tables, and returns its account. Per-stage options
(ingest paths and sample, extraction limit, report examples, ...) are fields of the stage's config
section, so the signature never varies. ``wildvalues.pipeline.STAGES`` lists them in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from wildvalues.config import Config
    from wildvalues.llm.base import LLMClient
    from wildvalues.progress import Progress
    from wildvalues.workspace import Workspace


@dataclass
class StageResult:
    """What one stage did: its account (counts, timings, LLM accounting) under ``summary``."""

    stage: str
    summary: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**self.summary, "stage_seconds": round(self.seconds, 2)}


class StageFn(Protocol):
    def __call__(self, ws: Workspace, cfg: Config, *, progress: Progress,
                 client: LLMClient | None = None) -> StageResult: ...


class Stage(NamedTuple):
    """A named stage of the pipeline; ``uses_llm`` says whether it may call the judge."""

    name: str
    run: StageFn
    uses_llm: bool = False
    estimate: Callable[..., dict[str, Any]] | None = None


class MissingInput(LookupError):
    """A stage's input is not in the workspace yet; the message names the command that makes it."""

    def __init__(self, where: Any, what: str, command: str) -> None:
        self.where, self.what, self.command = str(where), what, command
        super().__init__(f"{where}: no {what} (run `{command}` first)")
