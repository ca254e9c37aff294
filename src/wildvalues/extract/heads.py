"""Light calibrated heads (logistic regressions) over the signals of :mod:`wildvalues.extract.signals`.

Coefficients live in ``heads/heads_v3.json`` (float16, base64), the training conversations' embeddings for
the kNN value labels in ``heads/knn_train_v3.npy`` (float16); both are refitted reproducibly from the
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

HEADS_FILE = Path(__file__).parent / "heads" / "heads_v3.json"
KNN_NEIGHBOURS = 10


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
class KnnLabels:
    """AI-value labels of the training conversations, found by [user | assistant] embedding similarity."""

    embeddings: np.ndarray  # (n_train, 2 * dim), float16 on disk
    label_sets: tuple[tuple[str, ...], ...]
    weight: float  # share of the kNN score in the fused AI-value score (the head gets 1 - weight)
    neighbours: int = KNN_NEIGHBOURS

    def scores(self, signals: np.ndarray) -> list[dict[str, float]]:
        """Per row: label -> similarity-weighted share of the nearest training conversations carrying it."""
        dims = self.embeddings.shape[1]
        sim = signals[:, :dims] @ self.embeddings.T / 2
        out = []
        for row in sim:
            nearest = np.argsort(-row)[: self.neighbours]
            total = float(row[nearest].sum()) or 1.0
            score: dict[str, float] = {}
            for j in nearest:
                for label in self.label_sets[j]:
                    score[label] = score.get(label, 0.0) + float(row[j]) / total
            out.append(score)
        return out


@dataclass(frozen=True)
class HeadSet:
    feature_spec: str
    embed_model: str
    heads: dict[str, LinearHead]
    info: dict[str, Any]
    version: str = "v1"
    knn: KnnLabels | None = None

    @property
    def tag(self) -> str:
        """Names the fitted heads in each record's prompt version (a refit makes resumed runs re-extract)."""
        return f"{self.version}-{self.feature_spec}"

    def ai_value_scores(self, signals: np.ndarray) -> list[dict[str, float]]:
        """Per row: label -> score, the per-label head fused with the kNN labels when those ship."""
        head = self.heads["ai_values"]
        probs = head.predict_proba(signals)
        weight = self.knn.weight if self.knn is not None else 0.0
        fused = [
            {c: (1 - weight) * float(p) for c, p in zip(head.classes, row, strict=True)} for row in probs
        ]
        if self.knn is not None:
            for score, neighbours in zip(fused, self.knn.scores(signals), strict=True):
                for label, s in neighbours.items():
                    score[label] = score.get(label, 0.0) + weight * s
        return fused


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
    knn = None
    if "knn" in data:
        spec = data["knn"]
        embeddings = np.load(Path(path).parent / spec["embeddings_file"]).astype(np.float32)
        sets = tuple(tuple(labels) for labels in spec["label_sets"])
        if len(sets) != len(embeddings):
            raise ValueError(f"{path}: {len(sets)} kNN label sets for {len(embeddings)} embeddings (refit)")
        knn = KnnLabels(embeddings, sets, float(spec["weight"]), int(spec.get("neighbours", KNN_NEIGHBOURS)))
    return HeadSet(
        data["feature_spec"], data["embed_model"], heads, data.get("info", {}), data.get("version", "v1"), knn
    )
