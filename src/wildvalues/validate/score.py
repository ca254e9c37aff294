"""Agreement of the extractor with each annotator, and of annotators with each other (pure functions).

Per feature: accuracy with a Wilson 95% interval, the confusion matrix (extractor rows x annotator
columns) and
Cohen's kappa (scikit-learn) for the extractor against every annotator (human or judge); Krippendorff's alpha
(the ``krippendorff`` package) across the human annotators; and the human-vs-human ceiling (pairwise accuracy
and kappa), which bounds what any extractor can be expected to reach on these items.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wildvalues.extract.metrics import wilson
from wildvalues.extract.parse import normalise_label
from wildvalues.records import RESPONSE_TYPES

# feature -> (categories in order, Krippendorff level of measurement)
CATEGORICAL: dict[str, tuple[tuple[Any, ...], str]] = {
    "response_type": (RESPONSE_TYPES, "nominal"),
    "subjective": ((False, True), "nominal"),
    "subjectivity_level": ((1, 2, 3, 4), "ordinal"),
    "human_values_present": ((False, True), "nominal"),
}
SET_FEATURES = ("ai_values", "human_values")


def as_list(value: Any) -> list[str]:
    """A label list from a record (list, numpy array from DuckDB, None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [str(v) for v in value]


def feature_value(row: dict[str, Any], feature: str) -> Any:
    """One feature of an annotation or extractor record (None when not given)."""
    if feature == "subjective":
        level = row.get("subjectivity_level")
        return None if level is None or pd.isna(level) else bool(int(level) >= 3)
    if feature == "subjectivity_level":
        level = row.get("subjectivity_level")
        return None if level is None or pd.isna(level) else int(level)
    if feature == "human_values_present":
        level, rt = row.get("subjectivity_level"), row.get("response_type")
        if (level is None or pd.isna(level)) and (rt is None or pd.isna(rt)):
            return None  # nothing annotated on this item
        return bool(as_list(row.get("human_values")))
    value = row.get(feature)
    return None if value is None or pd.isna(value) else value


def label_set(row: dict[str, Any], feature: str) -> set[str]:
    return {normalise_label(v) for v in as_list(row.get(feature)) if normalise_label(v)}


@dataclass
class Pair:
    """Two raters' labels on the items both labelled."""

    a: list[Any]
    b: list[Any]

    @property
    def n(self) -> int:
        return len(self.a)


def pair_values(left: dict[str, dict], right: dict[str, dict], feature: str) -> Pair:
    a, b = [], []
    for cid in sorted(set(left) & set(right)):
        va, vb = feature_value(left[cid], feature), feature_value(right[cid], feature)
        if va is not None and vb is not None:
            a.append(va)
            b.append(vb)
    return Pair(a, b)


def cohen_kappa(a: list[Any], b: list[Any], labels: tuple[Any, ...]) -> float | None:
    """Cohen's kappa (scikit-learn); None when undefined (fewer than 2 items, or no variation at all)."""
    from sklearn.metrics import cohen_kappa_score

    if len(a) < 2:
        return None
    codes = {label: i for i, label in enumerate(labels)}
    with warnings.catch_warnings():  # undefined kappa (one class only) is reported as None below
        warnings.simplefilter("ignore")
        value = cohen_kappa_score(
            [codes[x] for x in a], [codes[x] for x in b], labels=list(range(len(labels)))
        )
    return None if math.isnan(value) else float(value)


def krippendorff_alpha(
    raters: list[dict[str, dict]], feature: str, labels: tuple[Any, ...], level: str
) -> float | None:
    """Alpha across ``raters`` (dicts conversation -> record); None with fewer than 2 raters or no overlap."""
    try:
        import krippendorff
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("Krippendorff's alpha needs the `krippendorff` package: "
                          "pip install 'wildvalues[validate]'") from exc

    if len(raters) < 2:
        return None
    items = sorted(set().union(*raters))
    codes = {label: float(i) for i, label in enumerate(labels)}
    data = np.full((len(raters), len(items)), np.nan)
    for r, rater in enumerate(raters):
        for j, cid in enumerate(items):
            if cid in rater:
                value = feature_value(rater[cid], feature)
                if value is not None:
                    data[r, j] = codes[value]
    pairable = (np.sum(~np.isnan(data), axis=0) >= 2).sum()
    if pairable == 0 or len(np.unique(data[~np.isnan(data)])) < 2:
        return None
    return float(
        krippendorff.alpha(
            reliability_data=data, level_of_measurement=level, value_domain=list(range(len(labels)))
        )
    )


def confusion(pair: Pair, labels: tuple[Any, ...]) -> list[list[int]]:
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for x, y in zip(pair.a, pair.b, strict=True):
        matrix[index[x]][index[y]] += 1
    return matrix


def _accuracy(pair: Pair) -> dict[str, Any]:
    hits = sum(x == y for x, y in zip(pair.a, pair.b, strict=True))
    low, high = wilson(hits, pair.n)
    return {
        "n": pair.n,
        "accuracy": hits / pair.n if pair.n else None,
        "ci95": [low, high] if pair.n else None,
    }


def _set_agreement(left: dict[str, dict], right: dict[str, dict], feature: str) -> dict[str, Any]:
    """Exact-label recall of the right rater's labels by the left, precision, and mean Jaccard."""
    hits = gold = pred = 0
    jaccards = []
    for cid in sorted(set(left) & set(right)):
        a, b = label_set(left[cid], feature), label_set(right[cid], feature)
        hits, gold, pred = hits + len(a & b), gold + len(b), pred + len(a)
        if a or b:
            jaccards.append(len(a & b) / len(a | b))
    out: dict[str, Any] = {"labels_left": pred, "labels_right": gold}
    for name, num, den in (("recall", hits, gold), ("precision", hits, pred)):
        low, high = wilson(hits, den)
        out[name] = {"value": num / den if den else None, "ci95": [low, high] if den else None}
    out["mean_jaccard"] = float(np.mean(jaccards)) if jaccards else None
    return out


def score(
    extractor: dict[str, dict], annotators: dict[str, dict[str, dict]], human_ids: list[str]
) -> dict[str, Any]:
    """Every agreement figure; ``annotators`` maps annotator id -> conversation id -> record."""
    result: dict[str, Any] = {
        "annotators": sorted(annotators),
        "humans": sorted(human_ids),
        "items": len(set().union(*annotators.values())) if annotators else 0,
        "features": {},
    }
    humans = [annotators[h] for h in sorted(human_ids)]
    for feature, (labels, level) in CATEGORICAL.items():
        entry: dict[str, Any] = {"labels": [str(x) for x in labels], "extractor_vs": {}, "human_pairs": {}}
        for name in sorted(annotators):
            pair = pair_values(extractor, annotators[name], feature)
            entry["extractor_vs"][name] = _accuracy(pair) | {
                "kappa": cohen_kappa(pair.a, pair.b, labels),
                "confusion": confusion(pair, labels),
            }
        for left, right in itertools.combinations(sorted(human_ids), 2):
            pair = pair_values(annotators[left], annotators[right], feature)
            entry["human_pairs"][f"{left} vs {right}"] = _accuracy(pair) | {
                "kappa": cohen_kappa(pair.a, pair.b, labels)
            }
        entry["krippendorff_alpha_humans"] = krippendorff_alpha(humans, feature, labels, level)
        entry["level_of_measurement"] = level
        pairs = list(entry["human_pairs"].values())
        total = sum(p["n"] for p in pairs)
        agree = sum(round(p["accuracy"] * p["n"]) for p in pairs if p["n"])
        entry["human_ceiling"] = (
            {"accuracy": agree / total, "ci95": list(wilson(agree, total)), "n": total} if total else None
        )
        result["features"][feature] = entry
    for feature in SET_FEATURES:
        result["features"][feature] = {
            "extractor_vs": {
                name: _set_agreement(extractor, annotators[name], feature) for name in sorted(annotators)
            },
            "human_pairs": {
                f"{a} vs {b}": _set_agreement(annotators[a], annotators[b], feature)
                for a, b in itertools.combinations(sorted(human_ids), 2)
            },
        }
    return result


def score_rows(result: dict[str, Any]) -> pd.DataFrame:
    """The long table ``an_validation`` (one row per feature, comparison and metric) for the report."""
    rows = []
    for feature, entry in result["features"].items():
        for who, block in (("extractor vs " + k, v) for k, v in entry["extractor_vs"].items()):
            rows += _metric_rows(feature, who, block)
        for who, block in entry["human_pairs"].items():
            rows += _metric_rows(feature, who, block)
        if entry.get("krippendorff_alpha_humans") is not None:
            rows.append(
                {
                    "feature": feature,
                    "comparison": "humans (Krippendorff)",
                    "metric": "alpha",
                    "value": entry["krippendorff_alpha_humans"],
                    "ci_low": None,
                    "ci_high": None,
                    "n_conversations": result["items"],
                }
            )
    return pd.DataFrame(
        rows, columns=["feature", "comparison", "metric", "value", "ci_low", "ci_high", "n_conversations"]
    )


def _metric_rows(feature: str, who: str, block: dict[str, Any]) -> list[dict[str, Any]]:
    if "accuracy" in block:
        ci = block.get("ci95") or [None, None]
        out = [
            {
                "feature": feature,
                "comparison": who,
                "metric": "accuracy",
                "value": block["accuracy"],
                "ci_low": ci[0],
                "ci_high": ci[1],
                "n_conversations": block["n"],
            }
        ]
        if block.get("kappa") is not None:
            out.append(
                {
                    "feature": feature,
                    "comparison": who,
                    "metric": "cohen_kappa",
                    "value": block["kappa"],
                    "ci_low": None,
                    "ci_high": None,
                    "n_conversations": block["n"],
                }
            )
        return out
    out = []
    for metric in ("recall", "precision"):
        part = block[metric]
        if part["value"] is not None:
            out.append(
                {
                    "feature": feature,
                    "comparison": who,
                    "metric": f"label_{metric}",
                    "value": part["value"],
                    "ci_low": part["ci95"][0],
                    "ci_high": part["ci95"][1],
                    "n_conversations": block["labels_right"] if metric == "recall" else block["labels_left"],
                }
            )
    return out
