"""The :class:`Extractor` bundle: everything extraction reads, loaded once at the stage's edge.

``build_extractor(cfg, client)`` does the I/O (prompt templates, fitted heads, the stacker, the embedding
model's encode function); :func:`wildvalues.extract.core.extract_batch` then only computes. A resumed run
compares ``Extractor.version`` with the version stored on each ``features`` row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from wildvalues.extract.config import ExtractConfig
from wildvalues.extract.explicit_values import ExplicitValues, load_explicit
from wildvalues.extract.heads import HEADS_FILE, HeadSet, load_heads
from wildvalues.extract.prompts import PromptSet, load_prompts
from wildvalues.extract.signals import encode_texts
from wildvalues.extract.stack import Stacker, load_stacker

if TYPE_CHECKING:
    from wildvalues.llm.base import LLMClient

Encoder = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Extractor:
    """What one extraction run uses: settings, prompts, heads, stacker, embedder and (optionally) a judge."""

    cfg: ExtractConfig
    prompts: PromptSet
    heads: HeadSet | None  # None in paper mode
    stacker: Stacker | None  # only when contrasts are on and it was fitted for this judge
    encode: Encoder | None  # the heads' embedding model (None in paper mode)
    client: LLMClient | None = None
    explicit: dict[str, ExplicitValues] = field(default_factory=dict)  # human / stated values without LLM
    student: Any = None  # extract.student.Student blended into the heads (None: heads alone)

    @property
    def version(self) -> str:
        return record_version(self.prompts, self.heads, self.stacker, self.student)

    @property
    def name(self) -> str:
        return extractor_name(self.client)


def build_extractor(cfg: ExtractConfig, client: LLMClient | None = None, *,
                    judge_model: str | None = None) -> Extractor:
    """Load what ``cfg`` names. ``judge_model`` names the judge when the client is not built yet (the
    version of a dry run or a resumed run must match the one the real run writes)."""
    prompts = load_prompts(cfg.mode, cfg.prompts_dir)
    heads = load_mode_heads(cfg)
    judge = str(client.model) if client is not None else judge_model
    student = None if heads is None else usable_student(cfg)
    stacker = None if heads is None else usable_stacker(cfg, judge, fitted_tag(heads, student))
    encode = None if heads is None else partial(encode_texts, model=heads.embed_model)
    explicit = {} if heads is None else load_explicit(_heads_path(cfg))
    return Extractor(cfg, prompts, heads, stacker, encode, client, explicit, student)


def record_version(prompts: PromptSet, heads: HeadSet | None, stacker: Stacker | None = None,
                   student: Any = None) -> str:
    """The version a features row carries: the prompt texts' hash, plus the fitted heads, the student
    blended into them and the contrast stacker, each when it was used."""
    version = prompts.version if heads is None else f"{prompts.version}+heads-{fitted_tag(heads, student)}"
    return version if stacker is None else f"{version}+stack-{stacker.version}"


def extractor_name(client: LLMClient | None) -> str:
    if client is None:
        return "heads-only"
    backend = getattr(client, "backend", None)
    model = getattr(client, "model", "") or getattr(backend, "model", "")
    return f"{getattr(backend, 'name', 'llm')}:{model}"


def _heads_path(cfg: ExtractConfig) -> Path:
    return Path(cfg.heads_path or HEADS_FILE)


def load_mode_heads(cfg: ExtractConfig) -> HeadSet | None:
    """The fitted heads fast mode uses (``None`` in paper mode)."""
    return None if cfg.mode == "paper" else load_heads(_heads_path(cfg))


def fitted_tag(heads: HeadSet, student: Any = None) -> str:
    """What gives P(subjective) and the response type: the heads' tag, plus the student blended in."""
    return heads.tag if student is None else f"{heads.tag}+student-{student.name}"


def usable_student(cfg: ExtractConfig) -> Any:
    """The fine-tuned student when enabled and given a weight in the stack by CV (its weights missing:
    :class:`~wildvalues.stage.MissingInput` names the rebuild command)."""
    from wildvalues.extract.student import load_student

    if not cfg.student:
        return None
    student = load_student()
    weights = student.card.info.get("stack", {}).get("weights", {})
    return student if any(float(w) > 0 for w in weights.values()) else None


def usable_stacker(cfg: ExtractConfig, judge_model: str | None, heads_tag: str) -> Stacker | None:
    """The fitted stacker, if contrasts are on, there is a judge, and the stacker was fitted for it and for
    the P(subjective) it refines (``heads_tag``: :func:`fitted_tag`)."""
    if judge_model is None or cfg.mode == "paper" or not cfg.llm_contrasts:
        return None
    stacker = load_stacker(cfg.stack_path)
    return stacker if stacker is not None and stacker.applies_to(judge_model, heads_tag) else None
