"""Extraction as a pure function over a batch of conversations: ``extract_batch(convs, extractor)``.

Fast mode (default): calibrated heads (logistic regressions fitted on the labelled training set) over
sentence embeddings and surface cues give response type, subjectivity and AI values; the LLM writes the
task sentence and, where cues suggest an explicit statement, the human values and stated AI values
(optionally it also records contrast log-prob scores, unused for labels). Paper mode asks one generated
prompt per feature, as published. Results are keyed by conversation id; nothing global changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from wildvalues.extract.explicit_values import fill_explicit, predict_explicit
from wildvalues.extract.extractor import Extractor
from wildvalues.extract.guard_outputs import record_guard, screen_outputs
from wildvalues.extract.heads import HeadSet
from wildvalues.extract.llm_features import Outcome, contrast_scores, generate_parsed
from wildvalues.extract.parse import parse_label_list, parse_sentence
from wildvalues.extract.prompts import PromptSet
from wildvalues.extract.signals import (
    ai_may_state_values,
    principle_excerpt,
    signal_matrix,
    user_may_state_values,
)
from wildvalues.extract.student_blend import blend_all
from wildvalues.extract.transcript import ConversationLike, Turn, render, truncated_turns
from wildvalues.records import Features

if TYPE_CHECKING:
    from wildvalues.llm.base import LLMClient

LIST_REMINDER = (
    "Answer again with only a comma-separated list of short value labels, or the single word none."
)
SENTENCE_REMINDER = "Answer again with only one short sentence describing the request."


def extract_batch(conversations: Sequence[ConversationLike], extractor: Extractor) -> list[Features]:
    """Features for each conversation, in input order (pure: everything read comes in ``extractor``).

    ``extractor.client is None`` runs the heads only (no LLM)."""
    cfg, client = extractor.cfg, extractor.client
    turns = [truncated_turns(c, cfg) for c in conversations]
    if cfg.mode == "paper":
        from wildvalues.extract.paper_mode import extract_paper

        if client is None:
            raise ValueError("paper mode needs an LLM client")
        return [
            extract_paper(c.conversation_id, t, client, extractor.prompts, screen=not cfg.extract_all)
            for c, t in zip(conversations, turns, strict=True)
        ]
    heads = extractor.heads
    assert heads is not None and extractor.encode is not None, "fast mode needs fitted heads"
    signals = signal_matrix(turns, encode=extractor.encode) if turns else np.zeros((0, 0))
    probs = {name: head.predict_proba(signals) for name, head in heads.heads.items()} if turns else {}
    if extractor.student is not None and turns:  # the CV-chosen stack of the fine-tuned student and heads
        classes = {name: head.classes for name, head in heads.heads.items()}
        probs = blend_all(probs, classes, extractor.student.probabilities(turns),
                          extractor.student.card.info["stack"])
    value_scores = heads.ai_value_scores(signals) if turns else []
    # issue 12: human / stated AI values without the LLM (extract/explicit_values.py)
    explicit = (predict_explicit(extractor.explicit, turns, signals, cfg.explicit_values_heads)
                if turns else [])
    return [
        _fast_one(c.conversation_id, t, i, probs, value_scores, extractor, explicit[i])
        for i, (c, t) in enumerate(zip(conversations, turns, strict=True))
    ]


def _class_probs(heads: HeadSet, probs: dict[str, np.ndarray], name: str, row: int) -> dict[str, float]:
    return {c: float(p) for c, p in zip(heads.heads[name].classes, probs[name][row], strict=True)}


def _fast_one(
    cid: str,
    turns: list[Turn],
    row: int,
    probs: dict[str, np.ndarray],
    value_scores: list[dict[str, float]],
    extractor: Extractor,
    explicit: dict[str, tuple[list[str], float]] | None = None,
) -> Features:
    heads, stacker, client = extractor.heads, extractor.stacker, extractor.client
    prompts, cfg = extractor.prompts, extractor.cfg
    assert heads is not None
    raw: dict[str, Any] = {}
    failures: dict[str, str] = {}
    rt = _class_probs(heads, probs, "response_type", row)
    levels = _class_probs(heads, probs, "subjectivity_level", row)
    p_subjective = _class_probs(heads, probs, "subjective", row)["True"]
    # task, contrasts and human values read the user's words only: one short prompt prefix, reused (KV cache)
    user_side = render([t for t in turns if t.role == "user"])
    p_head = p_subjective
    if stacker is not None:
        outcome = contrast_scores(client, prompts, user_side, names=stacker.pairs)
        raw["contrasts"] = outcome.value
        if outcome.failure:  # the head alone decides; the failure is on record
            failures["contrasts"] = outcome.failure
        else:
            p_subjective = stacker.probability(p_head, outcome.value)
    elif client is not None and cfg.llm_contrasts:
        judge = getattr(client, "model", "")
        raw["contrasts"] = f"not asked: no stacker fitted for judge {judge!r} and these heads"
    response_type = max(rt, key=rt.__getitem__)
    subjective = p_subjective >= 0.5
    half = ("3", "4") if subjective else ("1", "2")
    level = int(max(half, key=levels.__getitem__))
    raw["response_type"] = {k: round(v, 4) for k, v in rt.items()}
    raw["subjectivity"] = {
        "p_subjective": round(p_subjective, 4),
        "p_head": round(p_head, 4),
        "levels": {k: round(v, 4) for k, v in levels.items()},
    }
    if not subjective and not cfg.extract_all:  # screened out, as in the paper: values come from subjective
        raw["screened"] = "not subjective: other features not extracted (extract.extract_all / --all)"
        record_guard(turns, raw)
        return Features(conversation_id=cid, subjectivity_level=level, subjective=False, raw_outputs=raw,
                        prompt_version=extractor.version, extractor_model=extractor.name)
    task = None
    if client is not None and cfg.generate_task:
        outcome = generate_parsed(client, prompts.messages("task", user_side), parse_sentence,
                                  tag="extract.task", max_tokens=48, reminder=SENTENCE_REMINDER)
        task = _record(outcome, "task", raw, failures)
    scores = value_scores[row]
    ranked = sorted(scores, key=lambda label: (-scores[label], label))[: cfg.max_ai_values]
    ai_values = [v for v in ranked if scores[v] >= cfg.min_ai_value_score] or ranked[:1]
    raw["ai_values"] = {v: round(scores[v], 3) for v in ranked}

    human_values = stated = None
    if client is not None:
        gate = cfg.explicit_values_gate
        if gate == "all" or (gate == "cues" and user_may_state_values(turns)):
            human_values = _explicit_list(client, prompts, "human_values", user_side, raw, failures)
        else:
            raw["human_values"] = f"not asked (explicit_values_gate={gate}: no first-person statement)"
        if gate == "all" or (gate == "cues" and ai_may_state_values(turns)):
            # stated values are the AI's own words: only its sentences that may state a principle are read
            excerpt = render([Turn("assistant", principle_excerpt(turns, cfg.principle_excerpt_chars))])
            stated = _explicit_list(client, prompts, "stated_ai_values", excerpt, raw, failures)
        else:
            raw["stated_ai_values"] = f"not asked (explicit_values_gate={gate}: no statement of principle)"
    else:
        unfilled = [f for f in ("human_values", "stated_ai_values") if f not in (explicit or {})]
        missing = ", ".join(["task", *(f.replace("_", " ") for f in unfilled)])
        if cfg.profile == "fast":  # by design, not a failure
            raw["llm"] = f"fast profile: no LLM call; {missing} not generated"
        else:
            failures["llm"] = f"no LLM client: {missing} not extracted"
    if explicit:  # issue 12: the heads' explicit values fill what the LLM left empty or was not asked
        human_values = fill_explicit("human_values", human_values, explicit, raw, failures)
        stated = fill_explicit("stated_ai_values", stated, explicit, raw, failures)
    task, human_values, stated = _withhold_private(task, human_values or [], stated or [], raw, failures)
    # --- injection guard (issue 13.8): removed text on record; fields copying it rejected ---
    record_guard(turns, raw)
    task, lists = screen_outputs(turns, task, {"human_values": human_values, "stated_ai_values": stated},
                                 raw, failures)
    human_values, stated = lists["human_values"], lists["stated_ai_values"]
    # --- end injection guard ---
    return Features(
        conversation_id=cid,
        subjectivity_level=level,
        subjective=subjective,
        ai_values=ai_values,
        human_values=human_values or [],
        response_type=response_type,
        task=task,
        stated_ai_values=stated or [],
        raw_outputs=raw,
        failures=failures,
        prompt_version=extractor.version,
        extractor_model=extractor.name,
    )


def _explicit_list(client: LLMClient, prompts: PromptSet, feature: str, text: str, raw: dict[str, Any],
                   failures: dict[str, str]) -> Any:
    """Ask for one explicit-value list (human values or stated AI values), parsed and recorded."""
    outcome = generate_parsed(client, prompts.messages(feature, text), parse_label_list,
                              tag=f"extract.{feature}", max_tokens=40, reminder=LIST_REMINDER)
    return _record(outcome, feature, raw, failures)


def _record(outcome: Outcome, name: str, raw: dict[str, Any], failures: dict[str, str]) -> Any:
    raw[name] = outcome.raw
    if outcome.failure:
        failures[name] = outcome.failure
    return outcome.value


def _withhold_private(
    task: str | None,
    human_values: list[str],
    stated: list[str],
    raw: dict[str, Any],
    failures: dict[str, str],
) -> tuple[str | None, list[str], list[str]]:
    """Generated text that names a person or carries contact details is withheld (raw output too)."""
    try:
        from wildvalues.privacy.leaks import drop_pii, find_pii
    except ImportError:  # privacy extra absent: inputs are scrubbed already; say the check did not run
        raw["pii_check"] = "not run (wildvalues.privacy unavailable)"
        return task, human_values, stated
    if task:
        kinds = find_pii(task, placeholders=False)
        if kinds:
            failures["task"] = f"withheld: the generated task contained private details ({', '.join(kinds)})"
            raw["task"] = [f"(withheld: {', '.join(kinds)})"]
            task = None
    kept_human, dropped_human = drop_pii(human_values, placeholders=False)
    kept_stated, dropped_stated = drop_pii(stated, placeholders=False)
    if dropped_human or dropped_stated:
        raw["pii_dropped_labels"] = dropped_human + dropped_stated
    return task, kept_human, kept_stated
