"""Light calibrated heads (logistic regressions) over the signals of :mod:`wildvalues.extract.signals`.

Coefficients live in ``heads/heads_v1.json`` (float16, base64) and are refitted reproducibly from the
labelled training set by ``heads/fit_heads.py``. Prediction is plain numpy.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from wildvalues.extract.signals import FEATURE_SPEC

HEADS_FILE = Path(__file__).parent / "heads" / "heads_v1.json"


def pack(array: np.ndarray) -> dict[str, Any]:
    arr = np.asarray(array, dtype=np.float16)
    return {"shape": list(arr.shape), "f16": base64.b64encode(arr.tobytes()).decode("ascii")}


def unpack(blob: dict[str, Any]) -> np.ndarray:
    raw = np.frombuffer(base64.b64decode(blob["f16"]), dtype=np.float16)
    return raw.reshape(blob["shape"]).astype(np.float32)


@dataclass(frozen=True)
class LinearHead:
    """Standardise columns ``cols`` of the signal row, then softmax (or sigmoid per label) of W x + b."""

    classes: tuple[str, ...]
    coef: np.ndarray  # (n_classes or 1, n_features)
    intercept: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    cols: slice
    multilabel: bool = False

    def predict_proba(self, signals: np.ndarray) -> np.ndarray:
        x = (signals[:, self.cols] - self.mean) / self.scale
        logits = x @ self.coef.T + self.intercept
        if self.multilabel or len(self.classes) == 2 and logits.shape[1] == 1:
            prob = 1.0 / (1.0 + np.exp(-logits))
            return prob if self.multilabel else np.hstack([1 - prob, prob])
        logits = logits - logits.max(1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(1, keepdims=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "classes": list(self.classes),
            "coef": pack(self.coef),
            "intercept": self.intercept.tolist(),
            "mean": pack(self.mean),
            "scale": pack(self.scale),
            "cols": [self.cols.start, self.cols.stop],
            "multilabel": self.multilabel,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearHead:
        return cls(
            tuple(data["classes"]),
            unpack(data["coef"]),
            np.asarray(data["intercept"], np.float32),
            unpack(data["mean"]),
            unpack(data["scale"]),
            slice(*data["cols"]),
            data["multilabel"],
        )


@dataclass(frozen=True)
class HeadSet:
    feature_spec: str
    embed_model: str
    heads: dict[str, LinearHead]
    info: dict[str, Any]


def load_heads(path: Path | str = HEADS_FILE) -> HeadSet:
    return _load(str(path))


@lru_cache(maxsize=4)
def _load(path: str) -> HeadSet:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data["feature_spec"] != FEATURE_SPEC:
        raise ValueError(
            f"{path}: heads were fitted on signals {data['feature_spec']!r}, code makes {FEATURE_SPEC!r}"
            " (refit with src/wildvalues/extract/heads/fit_heads.py)"
        )
    heads = {name: LinearHead.from_json(h) for name, h in data["heads"].items()}
    return HeadSet(data["feature_spec"], data["embed_model"], heads, data.get("info", {}))
