"""Scoring a scrubber on the planted-PII corpus: recall per planted kind, precision per detected type.

An occurrence of a planted string counts as caught when every one of its characters lies inside a
replaced span. A replaced span counts as correct when it overlaps some planted occurrence (whatever kind).
Also home to the straightforward regex-only baseline that ``bench/privacy.py`` compares against.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Span = tuple[int, int, str]  # start, end, type


def occurrences(text: str, planted: Sequence[dict[str, str]]) -> list[Span]:
    """Where the planted strings occur in ``text``; an occurrence inside a longer one is not counted."""
    found = [(m.start(), m.end(), p["kind"]) for p in planted
             for m in re.finditer(re.escape(p["text"]), text)]

    def inside_longer(o: Span) -> bool:
        return any(q[0] <= o[0] and o[1] <= q[1] and (q[1] - q[0]) > (o[1] - o[0]) for q in found)

    return [o for o in found if not inside_longer(o)]


@dataclass
class Score:
    planted: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    detected: Counter[str] = field(default_factory=Counter)
    correct: Counter[str] = field(default_factory=Counter)
    chars: int = 0
    seconds: float = 0.0

    def add(self, text: str, planted: Sequence[dict[str, str]], spans: Sequence[Span]) -> None:
        self.chars += len(text)
        covered = bytearray(len(text))
        for start, end, _ in spans:
            covered[start:end] = b"\x01" * (end - start)
        occ = occurrences(text, planted)
        for start, end, kind in occ:
            self.planted[kind] += 1
            if all(covered[start:end]):
                self.caught[kind] += 1
        for start, end, etype in spans:
            self.detected[etype] += 1
            if any(start < o_end and o_start < end for o_start, o_end, _ in occ):
                self.correct[etype] += 1

    def recall(self, kind: str | None = None) -> float:
        planted = sum(self.planted.values()) if kind is None else self.planted[kind]
        caught = sum(self.caught.values()) if kind is None else self.caught[kind]
        return caught / planted if planted else float("nan")

    def precision(self, etype: str | None = None) -> float:
        detected = sum(self.detected.values()) if etype is None else self.detected[etype]
        correct = sum(self.correct.values()) if etype is None else self.correct[etype]
        return correct / detected if detected else float("nan")


# -- the straightforward alternative: a handful of regular expressions ----------------------------------

BASELINE_PATTERNS: dict[str, str] = {
    "EMAIL": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "URL": r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|org|net|dev|io)/\S*",
    "CREDIT_CARD": r"\b(?:\d{4}[ -]?){3}\d{4}\b",
    "SSN": r"\b\d{3}-\d{2}-\d{4}\b",
    "IBAN": r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,4})?\b",
    "PHONE": r"(?:\+\d{1,3}[ .-]?)?\(?\b\d{3,5}\)?[ .-]\d{3,4}[ .-]?\d{3,4}\b",
    "IP_ADDRESS": r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){7}\b",
    "STREET_ADDRESS": r"\b\d{1,5} [A-Z][a-z]+(?: [A-Z][a-z]+)? "
                      r"(?:Street|St|Avenue|Ave|Road|Rd|Lane|Drive|Close)\b",
}
_BASELINE = [(kind, re.compile(pattern)) for kind, pattern in BASELINE_PATTERNS.items()]


def regex_baseline(text: str) -> list[Span]:
    spans = [(m.start(), m.end(), kind) for kind, rx in _BASELINE for m in rx.finditer(text)]
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and span[0] < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], span[1]), last[2])
        else:
            merged.append(span)
    return merged


def score_corpus(corpus: Sequence, scrub: Callable[[list[str]], list[list[Span]]]) -> Score:
    """Run ``scrub`` (messages of one conversation -> spans per message) over the corpus and score it."""
    import time

    score = Score()
    for conv in corpus:
        texts = [m["content"] for m in conv.messages]
        started = time.perf_counter()
        spans = scrub(texts)
        score.seconds += time.perf_counter() - started
        for text, text_spans in zip(texts, spans, strict=True):
            score.add(text, conv.planted, text_spans)
    return score
