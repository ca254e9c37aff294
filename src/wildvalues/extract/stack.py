"""The LLM's contrast scores stacked onto a head: a tiny logistic model fitted on labelled data.

A head (embeddings + cues) gives P(subjective); the judge LLM answers a contrast pair on the user side of the
transcript (``P(yes | Q) - P(yes | not Q)``, BASELINE.md). The stacker combines the head's logit with those
scores: ``P = sigmoid(w0 * logit(p_head) + sum_i w_i * contrast_i + b)``. The weights were fitted on the
training set with out-of-fold head probabilities (``bench/extract_contrast.py fit --write``), so they hold
only for the judge model they were fitted with: another judge falls back to the head alone.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

STACK_FILE = Path(__file__).parent / "heads" / "stack_v1.json"


@dataclass(frozen=True)
class Stacker:
    version: str
    judge_model: str  # registry name of the LLM whose log-probs the weights were fitted on
    head: str  # which head's probability it refines ("subjective")
    pairs: tuple[str, ...]  # contrast templates, asked on the user side
    weights: tuple[float, ...]  # [w_head_logit, *w_pairs]
    intercept: float
    info: dict[str, Any]
    heads: str | None = None  # tag of the heads whose out-of-fold logit it was fitted on (None: any)

    def applies_to(self, model: str, heads_tag: str | None = None) -> bool:
        """Fitted for this judge, and for these heads when both are named (a refit head changes the logit)."""
        same_heads = self.heads is None or heads_tag is None or heads_tag == self.heads
        return model == self.judge_model and same_heads

    def probability(self, p_head: float, contrasts: dict[str, float]) -> float:
        p = min(max(p_head, 1e-4), 1 - 1e-4)
        z = self.intercept + self.weights[0] * math.log(p / (1 - p))
        z += sum(w * contrasts[name] for w, name in zip(self.weights[1:], self.pairs, strict=True))
        return 1 / (1 + math.exp(-z))

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "judge_model": self.judge_model, "head": self.head,
                "pairs": list(self.pairs), "weights": list(self.weights), "intercept": self.intercept,
                "info": self.info} | ({"heads": self.heads} if self.heads else {})


def load_stacker(path: Path | str | None = None) -> Stacker | None:
    """The shipped stacker (``None`` when no file exists at ``path``)."""
    return _load(str(path or STACK_FILE))


@lru_cache(maxsize=4)
def _load(path: str) -> Stacker | None:
    file = Path(path)
    if not file.exists():
        return None
    data = json.loads(file.read_text(encoding="utf-8"))
    weights = tuple(float(w) for w in data["weights"])
    stacker = Stacker(data["version"], data["judge_model"], data["head"], tuple(data["pairs"]), weights,
                      float(data["intercept"]), data.get("info", {}), data.get("heads"))
    if len(stacker.weights) != 1 + len(stacker.pairs):
        raise ValueError(f"{path}: {len(stacker.weights)} weights for 1 head + {len(stacker.pairs)} pairs")
    return stacker
