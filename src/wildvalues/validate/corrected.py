"""Corrected headline shares: the prediction-powered estimate next to the naive one (table ``an_corrected``).

``analyze`` calls :func:`corrected_estimates` after writing its own tables; it does nothing when the workspace
has no validation sample with annotations. The truth on a labelled conversation is the mean over its human
annotators of each indicator (a soft label in [0, 1]); when no human labelled it, the strongest judge's label
(``validate judge``) is used and the table says so. Only annotations with both a response type and a
subjectivity level count, so every indicator is defined; the sample is in random order, so a partly
annotated sample (the first m items) is still a uniform random sample.

Every share is a ratio of indicators over all extracted conversations (``validate.ppi``): the naive
estimate is the extractor's own share among the conversations it put in the population (what the
``an_*`` tables show);
the corrected one estimates the same share among the conversations that truly belong there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wildvalues.extract.parse import normalise_label
from wildvalues.records import RESPONSE_TYPES
from wildvalues.validate.annotations import load_annotations, load_sample
from wildvalues.validate.ppi import naive_share, ppi_ratio

SUPPORT = ("strong_support", "mild_support")
TOP_AI_VALUES = 10
MIN_LABELLED = 10  # fewer labelled conversations give intervals too wide to be worth a table row
TABLE = "an_corrected"
CITE_PPI = "prediction-powered"


@dataclass
class Labelled:
    """Per-conversation records: the extractor's (all N) and the truth (the labelled n, several raters)."""

    extractor: pd.DataFrame  # conversation_id, subjective, response_type, ai (set), human (set)
    truth: dict[str, list[dict[str, Any]]]  # conversation_id -> one record per rater
    weights: dict[str, float]
    truth_from: str


Indicator = Callable[[dict[str, Any]], bool]


def _record(subjective: bool, response_type: str | None, ai: Any, human: Any) -> dict[str, Any]:
    ai_set = {normalise_label(v) for v in (ai if ai is not None else [])} - {""}
    human_set = {normalise_label(v) for v in (human if human is not None else [])} - {""}
    return {"subjective": bool(subjective), "response_type": response_type, "ai": ai_set, "human": human_set}


def load_labelled(ws) -> Labelled | None:
    """Extractor records for every conversation plus truth on the annotated sample; None without a sample."""
    sample = load_sample(ws)
    annotations = load_annotations(ws)
    if sample.empty or annotations.empty or not ws.has_table("features"):
        return None
    feats = ws.con.execute(
        "SELECT conversation_id, coalesce(subjective, false) AS subjective, response_type, ai_values, "
        "human_values FROM features ORDER BY conversation_id"
    ).df()
    records = [
        _record(r.subjective, r.response_type, r.ai_values, r.human_values) for r in feats.itertuples()
    ]
    extractor = pd.DataFrame({"conversation_id": feats["conversation_id"], "record": records})
    complete = annotations[annotations["response_type"].notna() & annotations["subjectivity_level"].notna()]
    complete = complete[complete["conversation_id"].isin(set(sample["conversation_id"]))]
    humans = complete[complete["kind"] == "human"]
    source, truth_from = (humans, "humans") if not humans.empty else (complete, "judge")
    if source.empty:
        return None
    truth: dict[str, list[dict[str, Any]]] = {}
    for r in source.itertuples():
        truth.setdefault(r.conversation_id, []).append(
            _record(int(r.subjectivity_level) >= 3, r.response_type, r.ai_values, r.human_values)
        )
    weights = dict(zip(sample["conversation_id"], sample["weight"].astype(float), strict=True))
    return Labelled(extractor, truth, weights, truth_from)


def headline_indicators(
    top_ai_values: list[str], all_conversations: bool
) -> list[tuple[str, str, str, Indicator, Indicator | None]]:
    """(estimate, scope, label, numerator, denominator) for every headline share the report shows."""

    def in_pop(r: dict) -> bool:
        return all_conversations or r["subjective"]

    pop_scope = "all conversations" if all_conversations else "subjective conversations"
    out: list[tuple[str, str, str, Indicator, Indicator | None]] = [
        ("subjective share", "all conversations", "subjective", lambda r: r["subjective"], None)
    ]
    for rt in RESPONSE_TYPES:
        out.append(
            ("response type", pop_scope, rt, lambda r, rt=rt: in_pop(r) and r["response_type"] == rt, in_pop)
        )
        out.append(
            (
                "response type",
                "user states values",
                rt,
                lambda r, rt=rt: in_pop(r) and bool(r["human"]) and r["response_type"] == rt,
                lambda r: in_pop(r) and bool(r["human"]),
            )
        )
    for value in top_ai_values:
        out.append(("AI value", pop_scope, value, lambda r, v=value: in_pop(r) and v in r["ai"], in_pop))
    out.append(
        (
            "mirroring",
            "user states values",
            "mirrored",
            lambda r: in_pop(r) and bool(r["human"] & r["ai"]),
            lambda r: in_pop(r) and bool(r["human"]),
        )
    )
    out.append(
        (
            "mirroring",
            "supportive replies",
            "mirrored",
            lambda r: in_pop(r) and bool(r["human"] & r["ai"]) and r["response_type"] in SUPPORT,
            lambda r: in_pop(r) and bool(r["human"]) and r["response_type"] in SUPPORT,
        )
    )
    return out


def top_ai_values(extractor: pd.DataFrame, all_conversations: bool, k: int = TOP_AI_VALUES) -> list[str]:
    counts: dict[str, int] = {}
    for r in extractor["record"]:
        if all_conversations or r["subjective"]:
            for v in r["ai"]:
                counts[v] = counts.get(v, 0) + 1
    return [v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]


def compute_corrected(data: Labelled, all_conversations: bool = False) -> pd.DataFrame:
    """One row per headline share: naive and prediction-powered estimates with 95% intervals (percent)."""
    ids = data.extractor["conversation_id"].tolist()
    records = data.extractor["record"].tolist()
    position = {cid: i for i, cid in enumerate(ids)}
    labelled = [cid for cid in data.truth if cid in position]
    lab_idx = np.array([position[c] for c in labelled], dtype=np.int64)
    weights = np.array([data.weights.get(c, 1.0) for c in labelled])
    rows = []
    for estimate, scope, label, num, den in headline_indicators(
        top_ai_values(data.extractor, all_conversations), all_conversations
    ):
        f_num = np.array([num(r) for r in records], float)
        f_den = None if den is None else np.array([den(r) for r in records], float)
        y_num = np.array([np.mean([num(t) for t in data.truth[c]]) for c in labelled])
        y_den = (
            None if den is None else np.array([np.mean([den(t) for t in data.truth[c]]) for c in labelled])
        )
        naive = naive_share(f_num, f_den)
        if len(labelled) >= MIN_LABELLED and (y_den is None or y_den.sum() > 0):
            ppi = ppi_ratio(
                f_num,
                f_den,
                y_num,
                y_den,
                f_num[lab_idx],
                None if f_den is None else f_den[lab_idx],
                weights=weights,
            )
        else:
            ppi = None
        n_den = len(ids) if f_den is None else int(f_den.sum())
        rows.append(
            {
                "estimate": estimate,
                "scope": scope,
                "label": label,
                "n_conversations": int(f_num.sum()),
                "n_denominator": n_den,
                "naive_pct": 100 * naive.value,
                "naive_ci_low": 100 * naive.low,
                "naive_ci_high": 100 * naive.high,
                "ppi_pct": np.nan if ppi is None else 100 * float(np.clip(ppi.value, 0, 1)),
                "ppi_ci_low": np.nan if ppi is None else 100 * float(np.clip(ppi.low, 0, 1)),
                "ppi_ci_high": np.nan if ppi is None else 100 * float(np.clip(ppi.high, 0, 1)),
                "lam": np.nan if ppi is None else float(ppi.lam),
                "n_labelled": len(labelled),
                "n_labelled_in_denominator": float(len(labelled) if y_den is None else y_den.sum()),
                "labelled_share": len(labelled) / len(ids) if ids else None,
                "truth_from": data.truth_from,
                "cite": CITE_PPI if ppi is not None else _why_naive(len(labelled), y_den),
            }
        )
    return pd.DataFrame(rows)


def _why_naive(n_labelled: int, y_den: np.ndarray | None) -> str:
    if n_labelled < MIN_LABELLED:
        return f"naive (fewer than {MIN_LABELLED} labelled conversations)"
    return "naive (no labelled conversation falls in this denominator)"


def corrected_estimates(ws, run_id: str, all_conversations: bool = False) -> int | None:
    """Write ``an_corrected`` when an annotated validation sample exists; returns its rows (None: none)."""
    data = load_labelled(ws)
    con = ws.con.cursor()
    con.execute(f"DROP TABLE IF EXISTS {TABLE}")
    if data is None:
        con.close()
        return None
    frame = compute_corrected(data, all_conversations).assign(run_id=run_id)
    con.register("an_corrected_frame", frame)
    con.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM an_corrected_frame")
    con.unregister("an_corrected_frame")
    con.close()
    return len(frame)
