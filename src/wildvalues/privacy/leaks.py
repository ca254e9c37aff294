"""Post-LLM check: does a short LLM-written text (value label, cluster name or description) carry PII?

Runs on thousands of short strings, so it is cheap: Presidio's pattern recognizers (no NLP model) for the
structured kinds, our placeholder tokens, and spaCy's NER for person names only when the text has a
capitalised word that could be a name. Results are cached per string.

Callers drop the offending label and count it::

    kept, n_dropped = drop_pii(labels)          # or find_pii(label) / find_pii_many(labels)

Call it on the model's answer BEFORE normalising labels (lower-casing hides names from the check).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from types import SimpleNamespace

from wildvalues.privacy.config import DEFAULT_ENTITIES
from wildvalues.privacy.recognizers import PLACEHOLDERS, ProperNounRunRecognizer, pattern_recognizers

# A scrubbed placeholder copied into a label ("helping [PERSON] with ...") means the label is about a
# specific, scrubbed item: it is withheld like PII.
_PLACEHOLDER = re.compile(r"\[(?:" + "|".join(sorted(set(PLACEHOLDERS.values()))) + r")\]")
_MIN_SCORE = 0.4  # no context boost happens on labels: weak id patterns (0.05-0.3) do not count
_POSSIBLE_NAME = re.compile(r"\b[A-Z][a-z]+")
_STRUCTURED_HINT = re.compile(r"[\d@/]|\w\.\w")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")


@functools.cache
def _recognizers() -> tuple:
    entities = tuple(e for e in DEFAULT_ENTITIES if e != "PERSON")
    return tuple(pattern_recognizers(entities))


def _structured(text: str) -> list[str]:
    if not _STRUCTURED_HINT.search(text):  # every structured kind needs a digit, "@", "." or "/"
        return []
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


def _names_in(text: str, doc: object) -> list[str]:
    kinds = ["PERSON" for ent in doc.ents
             if ent.label_ == "PERSON" and _is_name_hit(text, ent.start_char, ent.text.split())]
    # full names the NER model calls a place or organisation ("a letter for Priya Oyelaran")
    runs = _proper_noun_runs().analyze(doc.text, ["PERSON"], SimpleNamespace(tokens=doc))
    return kinds + ["PERSON"] * len(runs)


def _nlp() -> object:
    from wildvalues.privacy.engine import shared_nlp_engine

    return shared_nlp_engine().nlp["en"]


@functools.cache
def _proper_noun_runs() -> ProperNounRunRecognizer:
    return ProperNounRunRecognizer()


_CACHE: dict[tuple[str, bool], tuple[str, ...]] = {}
_CACHE_LIMIT = 200_000


def _without_names(text: str) -> list[str]:
    return ["PLACEHOLDER"] * len(_PLACEHOLDER.findall(text)) + _structured(text)


def find_pii_many(labels: Iterable[str], *, names: bool = True, placeholders: bool = True
                  ) -> list[list[str]]:
    """``find_pii`` for many labels at once (names checked in one spaCy pipe: several times faster)."""
    labels = list(labels)
    todo = sorted({t for t in labels if t and t.strip() and (t, names) not in _CACHE})
    found = {t: _without_names(t) for t in todo}
    if names:
        need_ner = [t for t in todo if _POSSIBLE_NAME.search(t)]
        for text, doc in zip(need_ner, _nlp().pipe([_sentence_case(t) for t in need_ner], batch_size=256),
                             strict=True):
            found[text] += _names_in(text, doc)
    if len(_CACHE) > _CACHE_LIMIT:
        _CACHE.clear()
    for text, kinds in found.items():
        _CACHE[(text, names)] = tuple(sorted(set(kinds)))
    return [[k for k in _CACHE.get((t, names), ()) if placeholders or k != "PLACEHOLDER"] for t in labels]


def find_pii(label: str, *, names: bool = True, placeholders: bool = True) -> list[str]:
    """Kinds of PII found in ``label`` (e.g. ``["EMAIL_ADDRESS", "PERSON"]``); empty when clean.

    Returns entity kinds, never the matched strings, so the result can be logged. ``names=False`` skips
    the spaCy name check. ``placeholders=False`` ignores ``[PERSON]``-style tokens (for checking scrubbed
    snippets, where they are expected; labels and cluster names should keep the default).
    """
    return find_pii_many([label], names=names, placeholders=placeholders)[0]


def drop_pii(labels: Iterable[str], *, names: bool = True, placeholders: bool = True
             ) -> tuple[list[str], int]:
    """Labels without PII, and how many were dropped."""
    labels = list(labels)
    flags = find_pii_many(labels, names=names, placeholders=placeholders)
    kept = [label for label, kinds in zip(labels, flags, strict=True) if not kinds]
    return kept, len(labels) - len(kept)
