"""Post-LLM check: does a short LLM-written text (value label, cluster name or description) carry PII?

Runs on thousands of short strings, so it is cheap: Presidio's pattern recognizers (no NLP model) for the
structured kinds, our placeholder tokens, and spaCy's NER for person names only when the text has a
capitalised word that could be a name. Results are cached per string.

Callers drop the offending label and count it::

    kept = [label for label in labels if not find_pii(label)]
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from wildvalues.privacy.config import DEFAULT_ENTITIES
from wildvalues.privacy.recognizers import PLACEHOLDERS, pattern_recognizers

# A scrubbed placeholder copied into a label ("helping [PERSON] with ...") means the label is about a
# specific, scrubbed item: it is withheld like PII.
_PLACEHOLDER = re.compile(r"\[(?:" + "|".join(sorted(set(PLACEHOLDERS.values()))) + r")\]")
_MIN_SCORE = 0.4  # no context boost happens on labels: weak id patterns (0.05-0.3) do not count
_POSSIBLE_NAME = re.compile(r"\b[A-Z][a-z]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")


@functools.cache
def _recognizers() -> tuple:
    entities = tuple(e for e in DEFAULT_ENTITIES if e != "PERSON")
    return tuple(pattern_recognizers(entities))


def _structured(text: str) -> list[str]:
    kinds = []
    for recognizer in _recognizers():
        results = recognizer.analyze(text, recognizer.supported_entities, None)
        kinds.extend(r.entity_type for r in results or () if r.score >= _MIN_SCORE)
    return kinds


def _is_name_hit(text: str, start: int, words: list[str]) -> bool:
    """A PERSON hit counts if all its words are capitalised and it is not merely a capitalised first word."""
    if not all(w[:1].isupper() for w in words):
        return False
    if start > 0 or len(words) > 1:
        return True
    rest = text[len(words[0]):]
    return rest.startswith(("'s", "\u2019s"))


def _sentence_case(text: str) -> str:
    """'Creative Problem Solving' -> 'Creative problem solving': spaCy reads Title Case phrases as names.

    Only texts whose every longer word is capitalised are changed, so a name inside an ordinary
    sentence keeps its capitals.
    """
    words = [w for w in _WORD.findall(text) if len(w) >= 4]
    if len(words) < 2 or not all(w[0].isupper() for w in words):
        return text
    return re.sub(r"(?<=\s)[A-Z][a-z]", lambda m: m.group(0).lower(), text)


def _person(text: str) -> list[str]:
    if not _POSSIBLE_NAME.search(text):
        return []
    from wildvalues.privacy.engine import shared_nlp_engine

    doc = shared_nlp_engine().nlp["en"](_sentence_case(text))
    return ["PERSON" for ent in doc.ents
            if ent.label_ == "PERSON" and _is_name_hit(text, ent.start_char, ent.text.split())]


@functools.lru_cache(maxsize=65536)
def _find(text: str, with_names: bool) -> tuple[str, ...]:
    kinds = ["PLACEHOLDER"] * len(_PLACEHOLDER.findall(text))
    kinds += _structured(text)
    if with_names:
        kinds += _person(text)
    return tuple(sorted(set(kinds)))


def find_pii(label: str, *, names: bool = True) -> list[str]:
    """Kinds of PII found in ``label`` (e.g. ``["EMAIL_ADDRESS", "PERSON"]``); empty when clean.

    Returns entity kinds, never the matched strings, so the result can be logged. ``names=False`` skips
    the spaCy name check (pattern kinds and placeholders only).
    """
    if not label or not label.strip():
        return []
    return list(_find(label, names))


def drop_pii(labels: Iterable[str], *, names: bool = True) -> tuple[list[str], int]:
    """Labels without PII, and how many were dropped."""
    kept, dropped = [], 0
    for label in labels:
        if find_pii(label, names=names):
            dropped += 1
        else:
            kept.append(label)
    return kept, dropped
