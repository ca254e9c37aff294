"""`wildvalues eval`: agreement of extraction with labelled conversations, every figure with a 95% CI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import cohen_kappa_score

from wildvalues.extract.gold import GoldConversation
from wildvalues.extract.metrics import (
    confusion,
    label_set_match,
    per_class_precision,
    per_class_recall,
    proportion,
)
from wildvalues.extract.parse import dedupe
from wildvalues.records import RESPONSE_TYPES, Features

MATCH_MODEL = "all-MiniLM-L6-v2"
MATCH_THRESHOLD = 0.6


def score(
    gold: Sequence[GoldConversation],
    features: Sequence[Features],
    *,
    encode: Any = None,
    threshold: float = MATCH_THRESHOLD,
) -> dict[str, Any]:
    """Per-feature agreement; ``encode`` embeds labels for the value match (default MiniLM)."""
    if encode is None:
        from wildvalues.extract.signals import encode_texts

        def encode(texts: list[str]) -> np.ndarray:
            return encode_texts(texts, MATCH_MODEL)

    by_id = {f.conversation_id: f for f in features}
    missing = [g.id for g in gold if g.id not in by_id]
    if missing:
        raise ValueError(f"no features for {len(missing)} labelled conversation(s), e.g. {missing[:3]}")
    pairs = [(g, by_id[g.id]) for g in gold]
    out: dict[str, Any] = {"n": len(pairs)}

    rt = [
        (g.labels.response_type, f.response_type or "(failed)", g.labels.response_type_alternatives)
        for g, f in pairs
        if g.labels.response_type
    ]
    if rt:
        gold_rt, pred_rt = [r[0] for r in rt], [r[1] for r in rt]
        out["response_type"] = {
            "accuracy_strict": proportion(
                sum(a == b for a, b in zip(gold_rt, pred_rt, strict=True)), len(rt)
            ),
            "accuracy_lenient": proportion(sum(p == g or p in alts for g, p, alts in rt), len(rt)),
            "kappa": kappa(gold_rt, pred_rt),
            "recall_per_class": per_class_recall(gold_rt, pred_rt, RESPONSE_TYPES),
            "precision_per_class": per_class_precision(gold_rt, pred_rt, RESPONSE_TYPES),
            "confusion_gold_by_pred": confusion(gold_rt, pred_rt, RESPONSE_TYPES),
            "failed": sum(p == "(failed)" for p in pred_rt),
        }
    subj = [(g.labels, f) for g, f in pairs if g.labels.subjective is not None]
    if subj:
        out["subjectivity"] = {
            "accuracy_subjective": proportion(
                sum(bool(lab.subjective) == bool(f.subjective) for lab, f in subj), len(subj)
            ),
            "accuracy_level": proportion(
                sum(lab.subjectivity_level == f.subjectivity_level for lab, f in subj), len(subj)
            ),
            "kappa_subjective": kappa(
                [bool(lab.subjective) for lab, _ in subj], [bool(f.subjective) for _, f in subj]
            ),
            "kappa_level": kappa(
                [lab.subjectivity_level for lab, _ in subj], [f.subjectivity_level for _, f in subj]
            ),
            "recall_subjective": proportion(
                sum(bool(f.subjective) for lab, f in subj if lab.subjective),
                sum(1 for lab, _ in subj if lab.subjective),
            ),
            "recall_objective": proportion(
                sum(not f.subjective for lab, f in subj if not lab.subjective),
                sum(1 for lab, _ in subj if not lab.subjective),
            ),
        }
    for name in ("ai_values", "human_values", "stated_ai_values"):
        gold_sets = [dedupe(getattr(g.labels, name)) for g, _ in pairs]
        pred_sets = [dedupe(getattr(f, name)) for _, f in pairs]
        out[name] = label_set_match(gold_sets, pred_sets, encode, threshold) | {
            "match": f"cosine >= {threshold} ({MATCH_MODEL})",
            "failed": sum(1 for _, f in pairs if name in f.failures),
        }
    tasks = [(g.labels.task, f.task) for g, f in pairs if g.labels.task]
    if tasks:
        produced = [(g, p) for g, p in tasks if p]
        sims = (
            [
                float(a @ b)
                for a, b in zip(
                    encode([g for g, _ in produced]), encode([p for _, p in produced]), strict=True
                )
            ]
            if produced
            else []
        )
        out["task"] = {
            "produced": proportion(len(produced), len(tasks)),
            "mean_cosine_to_gold": round(float(np.mean(sims)), 3) if sims else None,
            "match": proportion(sum(s >= threshold for s in sims), len(tasks)),
        }
    out["failures"] = sum(1 for _, f in pairs if f.failures)
    return out


def kappa(gold: Sequence[Any], pred: Sequence[Any]) -> float | None:
    """Cohen's kappa (scikit-learn's) of predicted against gold labels, rounded; ``None`` when undefined
    (a single label on both sides)."""
    if len(set(gold) | set(pred)) < 2:
        return None
    value = float(cohen_kappa_score([str(g) for g in gold], [str(p) for p in pred]))
    return None if np.isnan(value) else round(value, 3)


def headline(result: dict[str, Any]) -> dict[str, Any]:
    """The few numbers shown in the summary table."""

    def fmt(entry: dict[str, Any] | None) -> str:
        if not entry:
            return "n/a"
        lo, hi = entry["ci95"]
        return f"{entry['value']:.3f} [{lo:.2f}, {hi:.2f}]"

    rt, subj = result.get("response_type", {}), result.get("subjectivity", {})
    return {
        "n": result["n"],
        "response_type strict": fmt(rt.get("accuracy_strict")),
        "response_type lenient": fmt(rt.get("accuracy_lenient")),
        "response_type kappa": rt.get("kappa"),
        "response_type recall per class": {
            label: f"{entry['value']:.2f} (n={entry['n']})"
            for label, entry in rt.get("recall_per_class", {}).items()
        },
        "subjective (yes/no)": fmt(subj.get("accuracy_subjective")),
        "subjective kappa": subj.get("kappa_subjective"),
        "subjectivity level": fmt(subj.get("accuracy_level")),
        "subjectivity level kappa": subj.get("kappa_level"),
        "ai_values recall": fmt(result["ai_values"].get("recall")),
        "ai_values precision": fmt(result["ai_values"].get("precision")),
        "human_values recall": fmt(result["human_values"].get("recall")),
        "human_values precision": fmt(result["human_values"].get("precision")),
        "stated_ai_values recall": fmt(result["stated_ai_values"].get("recall")),
        "stated_ai_values precision": fmt(result["stated_ai_values"].get("precision")),
        "task match": fmt(result.get("task", {}).get("match")),
        "value match": f"cosine >= {MATCH_THRESHOLD} with {MATCH_MODEL}",
    }
