"""The LLM-side features of one conversation: contrast gates (log-prob) and short generations.

Every call goes through the client (cached, accounted). An unparseable generation is retried once with a
reminder of the format, then recorded as a failure.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wildvalues.extract.parse import ParseError
from wildvalues.extract.prompts import PromptSet
from wildvalues.llm.base import ChatMessage, LLMClient, LLMError, LLMRequest

CONTRASTS = ("contrast_refusal", "contrast_values", "contrast_subjective")
YES_NO = ("yes", "no")


@dataclass
class Outcome:
    """A parsed value (or None) with the raw outputs and a failure reason if it failed."""

    value: Any = None
    raw: list[str] = field(default_factory=list)
    failure: str | None = None


def p_yes(logprobs: dict[str, float] | None) -> float:
    if not logprobs or "yes" not in logprobs or "no" not in logprobs:
        raise LLMError("choice log-probabilities for yes/no missing")
    top = max(logprobs["yes"], logprobs["no"])
    e_yes, e_no = math.exp(logprobs["yes"] - top), math.exp(logprobs["no"] - top)
    return e_yes / (e_yes + e_no)


def contrast_scores(
    client: LLMClient,
    prompts: PromptSet,
    transcript: str,
    tag: str = "extract",
    names: tuple[str, ...] = CONTRASTS,
) -> Outcome:
    """P(yes | Q) - P(yes | not Q) for each contrast pair in ``names`` (all share the transcript prefix)."""
    requests = []
    for name in names:
        question, negation = prompts.contrast(name, transcript)
        for messages in (question, negation):
            requests.append(LLMRequest(messages=messages, choices=YES_NO, max_tokens=2, tag=f"{tag}.{name}"))
    answers = client.complete_many(requests)
    scores: dict[str, float] = {}
    for i, name in enumerate(names):
        pos, neg = answers[2 * i], answers[2 * i + 1]
        if isinstance(pos, Exception) or isinstance(neg, Exception):
            return Outcome(None, [], f"{name}: {pos if isinstance(pos, Exception) else neg}")
        try:
            scores[name] = p_yes(pos.choice_logprobs) - p_yes(neg.choice_logprobs)
        except LLMError as exc:
            return Outcome(None, [], f"{name}: {exc}")
    return Outcome(scores, [f"{k}={v:.3f}" for k, v in scores.items()])


def generate_parsed(
    client: LLMClient,
    messages: tuple[ChatMessage, ...],
    parse: Callable[[str], Any],
    *,
    tag: str,
    max_tokens: int,
    reminder: str,
) -> Outcome:
    """Generate, parse; on a parse error ask once more with ``reminder``; then record the failure."""
    outcome = Outcome()
    attempt = messages
    for round_ in range(2):
        try:
            response = client.complete(
                LLMRequest(messages=attempt, max_tokens=max_tokens, tag=tag, seed=round_)
            )
        except LLMError as exc:
            outcome.failure = f"llm error: {exc}"
            return outcome
        outcome.raw.append(response.text)
        try:
            outcome.value = parse(response.text)
            outcome.failure = None
            return outcome
        except ParseError as exc:
            outcome.failure = f"unparseable after {round_ + 1} attempt(s): {exc}"
            attempt = (*messages, ChatMessage("assistant", response.text), ChatMessage("user", reminder))
    return outcome
