"""Helpers shared by backends that cannot score labels directly (remote APIs).

``first_char_separable``: labels whose first characters are pairwise distinct necessarily start with
different tokens in any tokenizer, so the first generated token's log-probs rank them.
``parse_choice``: the strict parse of a constrained answer; anything else is an error, never a guess.
"""

from __future__ import annotations

import json
import math

NOT_CHOSEN = -1e9  # log-prob placeholder for labels when only the chosen label is known (no log-probs)


def first_char_separable(labels: list[str]) -> bool:
    firsts = [label.lstrip()[:1] for label in labels]
    return all(firsts) and len(set(firsts)) == len(firsts)


def score_first_token(labels: list[str], top: list[tuple[str, float]]) -> tuple[dict[str, float], list[str]]:
    """Label -> log-prob of the best top token that starts it; unseen labels get the lowest top log-prob
    (an upper bound) and are returned in the second list."""
    floor = min(lp for _, lp in top) if top else NOT_CHOSEN
    scores: dict[str, float] = {}
    bounded: list[str] = []
    for label in labels:
        matches = [lp for tok, lp in top if tok.strip() and label.lstrip().startswith(tok.strip())]
        if matches:
            scores[label] = math.log(sum(math.exp(lp) for lp in matches))  # " yes", "yes" both count
        else:
            scores[label] = floor
            bounded.append(label)
    return scores, bounded


def choice_schema(labels: list[str]) -> dict:
    return {"type": "object", "properties": {"answer": {"type": "string", "enum": labels}},
            "required": ["answer"], "additionalProperties": False}


def parse_choice(text: str, labels: list[str]) -> str | None:
    """The label ``text`` names: JSON {"answer": ...} or the bare label (quotes, final period and case
    forgiven only when that leaves exactly one match). None when it names no label."""
    candidate = text.strip()
    if candidate.startswith("{"):
        try:
            candidate = str(json.loads(candidate).get("answer", ""))
        except (ValueError, AttributeError):
            return None
    candidate = candidate.strip().strip("\"'`").rstrip(".").strip()
    if candidate in labels:
        return candidate
    folded = [label for label in labels if label.lower() == candidate.lower()]
    return folded[0] if len(folded) == 1 else None


def choice_instruction(labels: list[str]) -> str:
    listed = "\n".join(f"- {label}" for label in labels)
    return f"Reply with exactly one of these labels and nothing else:\n{listed}"
