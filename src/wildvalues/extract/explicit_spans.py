"""Cue spans for explicit values: the sentences where a user states what they want or care about, and where
the AI states a principle. Each span is embedded and compared with value labels (``explicit_values.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from wildvalues.extract.transcript import Turn

MAX_SPANS = 4
MAX_SPAN_CHARS = 240

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_USER_CUES = re.compile(
    r"\b(i think|i believe|i feel|i want|i love|i hate|i like|i prefer|i care|i value|i need|i'm trying|"
    r"i am trying|i would like|i'd like|i wish|i hope|my goal|important to me|because|so that|in order to|"
    r"we should|should i|deserve|fair|right to|wrong|moral|ethic\w*|honest\w*|respect\w*|safe\w*|money|"
    r"revenge|family|friend|kids?|children|wife|husband|girlfriend|boyfriend|career|business|job)\b",
    re.I,
)
_AI_CUES = re.compile(
    r"\b(i\s*(?:am|'m)\s*(?:sorry|afraid)|i\s*(?:can(?:no|')t|cannot|won't|will not|must decline)|"
    r"as an ai|language model|important|should|shouldn't|must|respect\w*|value\w*|believe|ethic\w*|"
    r"moral\w*|safe\w*|harm\w*|illegal|legal\w*|law|rights?|dignity|consent|privacy|fair\w*|equal\w*|"
    r"honest\w*|responsib\w*|wellbeing|well-being|encourage|recommend|professional|inappropriate|"
    r"offensive|discriminat\w*|violen\w*)\b",
    re.I,
)


def _sentences(turns: Sequence[Turn], role: str) -> list[str]:
    return [s.strip() for t in turns if t.role == role for s in _SENTENCE.split(t.content) if s.strip()]


def _pick(sentences: list[str], cue: re.Pattern[str]) -> list[str]:
    """The sentences with the most cue words (at most MAX_SPANS, in text order, each cut)."""
    scored = [(len(cue.findall(s)), i) for i, s in enumerate(sentences)]
    best = sorted((i for n, i in sorted(scored, key=lambda t: (-t[0], t[1]))[:MAX_SPANS] if n > 0))
    return [sentences[i][:MAX_SPAN_CHARS] for i in best]


def cue_sentences(turns: Sequence[Turn]) -> dict[str, list[str]]:
    """feature -> cue sentences: ``human_values`` from the user turns, ``stated_ai_values`` from the AI."""
    return {
        "human_values": _pick(_sentences(turns, "user"), _USER_CUES),
        "stated_ai_values": _pick(_sentences(turns, "assistant"), _AI_CUES),
    }
