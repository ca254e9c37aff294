"""Human values and stated AI values without an LLM: a presence head gates labels found from cue spans.

For each of the two explicit-value features the fitted heads file carries (section ``explicit``):

* a **presence head** (logistic regression over the signal row) giving P(the conversation has any);
* a **label vocabulary** with all-MiniLM-L6-v2 vectors (float16, ``explicit_vocab_<version>.npy``, shared
  by both: the training labels of both features plus the paper's released values), of which each feature
  uses the rows its CV chose (its own training labels, or those plus the released values);
* the **labelled training conversations** (321 with human values, 263 with stated AI values of the 1,285),
  as row indices into the kNN embeddings file, with their label lists.

A conversation whose presence probability reaches ``threshold`` gets at most ``max_labels`` labels by
``span_weight`` x (best cosine between a cue span, :mod:`wildvalues.extract.explicit_spans`, and the label)
+ ``knn_weight`` x (similarity-weighted share of its nearest labelled conversations carrying the label).
Settings were chosen by 5-fold CV on the 1,285 (``bench/extract_cv.py explicit``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from wildvalues.extract.explicit_spans import cue_sentences
from wildvalues.extract.fitting import knn_shares, top_labels
from wildvalues.extract.heads import HEADS_FILE, LinearHead
from wildvalues.extract.transcript import Turn

EXPLICIT_FEATURES = ("human_values", "stated_ai_values")
SPAN_CANDIDATES = 20


@dataclass(frozen=True)
class ExplicitValues:
    feature: str
    presence: LinearHead
    threshold: float
    query: slice  # signal columns compared with the labelled conversations' rows
    rows: np.ndarray  # (n_labelled, query width)
    label_sets: tuple[tuple[str, ...], ...]
    neighbours: int
    max_labels: int
    vocab: tuple[str, ...]
    vocab_vectors: np.ndarray  # (len(vocab), dim), unit rows
    span_weight: float
    knn_weight: float

    def present(self, signals: np.ndarray) -> np.ndarray:
        return self.presence.predict_proba(signals)[:, list(self.presence.classes).index("True")]

    def scores(self, signals: np.ndarray, span_vectors: Sequence[np.ndarray]) -> list[dict[str, float]]:
        """Per row: label -> fused score (span retrieval + kNN shares)."""
        shares = knn_shares(self.rows, self.label_sets, signals[:, self.query], self.neighbours)
        out = []
        for share, spans in zip(shares, span_vectors, strict=True):
            score = {v: self.knn_weight * s for v, s in share.items()}
            if len(spans) and self.span_weight:
                best = (spans @ self.vocab_vectors.T).max(0)
                for j in np.argsort(-best, kind="stable")[:SPAN_CANDIDATES]:
                    label = self.vocab[j]
                    score[label] = score.get(label, 0.0) + self.span_weight * float(best[j])
            out.append(score)
        return out

    def to_json(self, row_index: list[int], vocab_rows: list[int]) -> dict[str, Any]:
        return {
            "presence": self.presence.to_json(),
            "threshold": self.threshold,
            "query": [self.query.start, self.query.stop],
            "rows": row_index,
            "label_sets": [list(s) for s in self.label_sets],
            "neighbours": self.neighbours,
            "max_labels": self.max_labels,
            "span_weight": self.span_weight,
            "knn_weight": self.knn_weight,
            "vocab_rows": vocab_rows,
        }


def span_vectors(
    all_turns: Sequence[Sequence[Turn]], feature: str, wanted: Sequence[bool]
) -> list[np.ndarray]:
    """Per conversation: the embedded cue spans of ``feature`` (none where ``wanted`` is false)."""
    from wildvalues.extract.signals import encode_texts

    spans = [cue_sentences(t)[feature] if w else [] for t, w in zip(all_turns, wanted, strict=True)]
    flat = [s for sp in spans for s in sp]
    vectors = encode_texts(flat) if flat else np.zeros((0, 384), np.float32)
    out, start = [], 0
    for sp in spans:
        out.append(vectors[start : start + len(sp)])
        start += len(sp)
    return out


def predict_explicit(
    predictors: dict[str, ExplicitValues],
    all_turns: Sequence[Sequence[Turn]],
    signals: np.ndarray,
    features: Sequence[str] = EXPLICIT_FEATURES,
) -> list[dict[str, tuple[list[str], float]]]:
    """Per conversation: feature -> (labels, P(present)) from ``predictors`` (:func:`load_explicit`), for
    those of ``features`` that have one."""
    unknown = set(features) - set(EXPLICIT_FEATURES)
    if unknown:
        raise ValueError(f"explicit_values_heads: unknown {sorted(unknown)}; known: {EXPLICIT_FEATURES}")
    out: list[dict[str, tuple[list[str], float]]] = [{} for _ in all_turns]
    for name, predictor in predictors.items():
        if name not in features:
            continue
        p = predictor.present(signals)
        on = p >= predictor.threshold
        scores = predictor.scores(signals, span_vectors(all_turns, name, on))
        for i, (score, p_i, on_i) in enumerate(zip(scores, p, on, strict=True)):
            out[i][name] = (top_labels(score, predictor.max_labels) if on_i else [], float(p_i))
    return out


def fill_explicit(feature: str, llm_labels: list[str] | None, predicted: dict[str, tuple[list[str], float]],
                  raw: dict[str, Any], failures: dict[str, str]) -> list[str]:
    """The LLM's labels when it gave some; else the predictor's (recorded in ``raw[feature + '_heads']``),
    unless the LLM's answer failed to parse (the failure stays on record, nothing is substituted)."""
    if feature not in predicted or feature in failures:
        return llm_labels or []
    labels, p_present = predicted[feature]
    raw[f"{feature}_heads"] = {"labels": labels, "p_present": round(p_present, 4)}
    return llm_labels if llm_labels else labels


def load_explicit(path: Path | str = HEADS_FILE) -> dict[str, ExplicitValues]:
    """The explicit-value predictors shipped with the heads file at ``path`` (empty when it has none)."""
    return _load(str(path))


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, ExplicitValues]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    spec = data.get("explicit")
    if not spec:
        return {}
    folder = Path(path).parent
    embeddings = np.load(folder / data["knn"]["embeddings_file"]).astype(np.float32)
    vocab = tuple(data["explicit_vocab"]["labels"])
    vocab_vectors = np.load(folder / data["explicit_vocab"]["vectors_file"]).astype(np.float32)
    if len(vocab_vectors) != len(vocab):
        raise ValueError(
            f"{path}: {len(vocab)} explicit-value labels for {len(vocab_vectors)} vectors (refit)"
        )
    out = {}
    for feature, entry in spec.items():
        query = slice(*entry["query"])
        index = np.asarray(entry["rows"], dtype=int)
        if len(index) != len(entry["label_sets"]) or (len(index) and index.max() >= len(embeddings)):
            raise ValueError(f"{path}: explicit {feature}: {len(index)} rows do not fit the kNN embeddings")
        out[feature] = ExplicitValues(
            feature,
            LinearHead.from_json(entry["presence"]),
            float(entry["threshold"]),
            query,
            embeddings[index][:, query],
            tuple(tuple(s) for s in entry["label_sets"]),
            int(entry["neighbours"]),
            int(entry["max_labels"]),
            tuple(vocab[j] for j in entry["vocab_rows"]),
            vocab_vectors[entry["vocab_rows"]],
            float(entry["span_weight"]),
            float(entry["knn_weight"]),
        )
    return out
