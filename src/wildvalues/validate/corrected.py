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
from dataclasses import dataclass, field
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
class Columns:
    """Per-row labels as arrays (one row per conversation, or per rater and conversation for the truth)."""

    subjective: np.ndarray  # bool
    response_type: np.ndarray  # object (str or None)
    ai: list[frozenset[str]]
    human: list[frozenset[str]]

    has_human: np.ndarray = field(init=False)  # bool: the user states at least one value
    mirrored: np.ndarray = field(init=False)  # bool: a human value is also among the AI values

    def __post_init__(self) -> None:
        self.has_human = np.fromiter((bool(h) for h in self.human), bool, len(self.human))
        self.mirrored = np.fromiter(
            (bool(h & a) for h, a in zip(self.human, self.ai, strict=True)), bool, len(self.ai)
        )

    def has_ai_value(self, value: str) -> np.ndarray:
        return np.fromiter((value in a for a in self.ai), bool, len(self.ai))


def make_columns(subjective: Any, response_type: Any, ai: Any, human: Any) -> Columns:
    """Columns from parallel sequences; labels normalised as on import (once per distinct label)."""
    norm: dict[str, str] = {}

    def labels(values: Any) -> frozenset[str]:
        if values is None or (isinstance(values, float) and np.isnan(values)):
            return frozenset()
        out = set()
        for v in values:
            if v not in norm:
                norm[v] = normalise_label(str(v))
            if norm[v]:
                out.add(norm[v])
        return frozenset(out)

    return Columns(
        np.asarray(subjective, bool),
        np.asarray(response_type, dtype=object),
        [labels(v) for v in ai],
        [labels(v) for v in human],
    )


@dataclass
class Labelled:
    """The extractor's labels on all N conversations and the truth on the labelled ones (rows per rater)."""

    ids: list[str]
    extractor: Columns
    truth_ids: list[str]  # conversation of each truth row (several rows when several raters)
    truth: Columns
    weights: dict[str, float]
    truth_from: str


Indicator = Callable[[Columns], np.ndarray]


def load_labelled(ws) -> Labelled | None:
    """Extractor labels for every conversation plus truth on the annotated sample; None without a sample."""
    sample = load_sample(ws)
    annotations = load_annotations(ws)
    if sample.empty or annotations.empty or not ws.has_table("features"):
        return None
    feats = ws.con.execute(
        "SELECT conversation_id, coalesce(subjective, false) AS subjective, response_type, ai_values, "
        "human_values FROM features ORDER BY conversation_id"
    ).df()
    complete = annotations[annotations["response_type"].notna() & annotations["subjectivity_level"].notna()]
    complete = complete[complete["conversation_id"].isin(set(sample["conversation_id"]))]
    humans = complete[complete["kind"] == "human"]
    source, truth_from = (humans, "humans") if not humans.empty else (complete, "judge")
    if source.empty:
        return None
    extractor = make_columns(
        feats["subjective"], feats["response_type"], feats["ai_values"], feats["human_values"]
    )
    truth = make_columns(
        source["subjectivity_level"].astype(int) >= 3,
        source["response_type"],
        source["ai_values"],
        source["human_values"],
    )
    weights = dict(zip(sample["conversation_id"], sample["weight"].astype(float), strict=True))
    return Labelled(
        feats["conversation_id"].tolist(),
        extractor,
        source["conversation_id"].tolist(),
        truth,
        weights,
        truth_from,
    )


def headline_indicators(
    top_ai_values: list[str], all_conversations: bool
) -> list[tuple[str, str, str, Indicator, Indicator | None]]:
    """(estimate, scope, label, numerator, denominator) for every headline share the report shows."""

    def in_pop(c: Columns) -> np.ndarray:
        return np.ones(len(c.subjective), bool) if all_conversations else c.subjective

    def support(c: Columns) -> np.ndarray:
        return np.isin(c.response_type, SUPPORT)

    pop_scope = "all conversations" if all_conversations else "subjective conversations"
    out: list[tuple[str, str, str, Indicator, Indicator | None]] = [
        ("subjective share", "all conversations", "subjective", lambda c: c.subjective, None)
    ]
    for rt in RESPONSE_TYPES:
        out.append(
            ("response type", pop_scope, rt, lambda c, rt=rt: in_pop(c) & (c.response_type == rt), in_pop)
        )
        out.append(
            (
                "response type",
                "user states values",
                rt,
                lambda c, rt=rt: in_pop(c) & c.has_human & (c.response_type == rt),
                lambda c: in_pop(c) & c.has_human,
            )
        )
    for value in top_ai_values:
        out.append(("AI value", pop_scope, value, lambda c, v=value: in_pop(c) & c.has_ai_value(v), in_pop))
    out.append(
        (
            "mirroring",
            "user states values",
            "mirrored",
            lambda c: in_pop(c) & c.mirrored,
            lambda c: in_pop(c) & c.has_human,
        )
    )
    out.append(
        (
            "mirroring",
            "supportive replies",
            "mirrored",
            lambda c: in_pop(c) & c.mirrored & support(c),
            lambda c: in_pop(c) & c.has_human & support(c),
        )
    )
    return out


def top_ai_values(extractor: Columns, all_conversations: bool, k: int = TOP_AI_VALUES) -> list[str]:
    counts: dict[str, int] = {}
    for in_pop, values in zip(extractor.subjective, extractor.ai, strict=True):
        if all_conversations or in_pop:
            for v in values:
                counts[v] = counts.get(v, 0) + 1
    return [v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]


def compute_corrected(data: Labelled, all_conversations: bool = False) -> pd.DataFrame:
    """One row per headline share: naive and prediction-powered estimates with 95% intervals (percent)."""
    position = {cid: i for i, cid in enumerate(data.ids)}
    keep = np.array([cid in position for cid in data.truth_ids], bool)
    labelled = list(dict.fromkeys(c for c, k in zip(data.truth_ids, keep, strict=True) if k))
    code = {cid: j for j, cid in enumerate(labelled)}
    row_code = np.array([code.get(c, -1) for c in data.truth_ids], np.int64)
    raters = np.bincount(row_code[keep], minlength=len(labelled)).astype(float)
    lab_idx = np.array([position[c] for c in labelled], dtype=np.int64)
    weights = np.array([data.weights.get(c, 1.0) for c in labelled])

    def per_conversation(rows: np.ndarray) -> np.ndarray:  # mean over each conversation's raters
        return np.bincount(row_code[keep], weights=rows[keep].astype(float), minlength=len(labelled)) / raters

    rows = []
    for estimate, scope, label, num, den in headline_indicators(
        top_ai_values(data.extractor, all_conversations), all_conversations
    ):
        f_num = num(data.extractor).astype(float)
        f_den = None if den is None else den(data.extractor).astype(float)
        y_num = per_conversation(num(data.truth))
        y_den = None if den is None else per_conversation(den(data.truth))
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
        n_den = len(data.ids) if f_den is None else int(f_den.sum())
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
                "labelled_share": len(labelled) / len(data.ids) if data.ids else None,
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
