"""Batched spaCy for the scrubber: the neural pipes run only on the lines that could hold a name.

spaCy's tagger and NER cost ~85% of scrubbing time, yet their findings only matter where a name can be:
the spaCy PERSON recognizer keeps name-shaped spans ("Priya Raman": capitalised words, the rest lower
case) and the proper-noun-run recognizer needs two adjacent title-case words. A line whose only
capitalised words are sentence-initial function words ("The", "This", "If") or all-caps tokens ("API")
can give neither, so only lines with another capitalised word go through ``tok2vec``, ``tagger`` and
``ner`` (runs of such lines together, blank lines between them kept, so the model still sees the
surrounding sentence). The whole text is tokenised once; tags and entities are copied back onto it,
so the pattern recognizers and the context enhancer see one spaCy ``Doc`` per text, as before.

Other savings against Presidio's own ``BatchAnalyzerEngine`` path (``privacy.nlp_mode = "full"``):
segments repeated within a batch are processed once; the attribute ruler and the lemmatizer do not run:
Presidio only reads lemmas to find context words ("passport", "phone") near weak pattern matches, it
matches them as substrings, and the lower-cased token serves ("passports" holds "passport"); lemmas,
keywords and token offsets are computed only when a context check asks for them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from spacy.lang.en.stop_words import STOP_WORDS

# Pipes the recognizers need (PERSON entities, NNP tags); the attribute ruler and lemmatizer are skipped.
NEURAL_PIPES = ("tok2vec", "tagger", "ner")

# Function words that open sentences; as the first word of a sentence they do not make a line worth NER.
# Modal "will" and "may" are also first names, so they do not count as function words here.
_SENTENCE_OPENERS = frozenset(w for w in STOP_WORDS if w not in {"will", "may"})
# A word that starts with something other than an ASCII lower-case letter (upper case is checked after).
_CAPITALISED = re.compile(r"(?<![^\W\d_])[^\W\d_a-z][^\W\d_]*")
# What may precede the first word of a sentence on its line: nothing, a bullet or number, or the end of
# the previous sentence; optionally an opening quote or bracket.
_BEFORE_SENTENCE = re.compile(r"(?:^\s*(?:[-*+>#|•]+\s*|\d{1,3}[.)]\s*)*|[.!?:;]\s+)[\"'“‘(\[]?\Z")


_PAIR = re.compile(r"(?<![^\W\d_])([^\W\d_a-z])[^\W\d_]* ([^\W\d_a-z])")


def _starts_sentence(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    return _BEFORE_SENTENCE.search(text[line_start:start]) is not None


def name_candidate_offsets(text: str) -> list[int]:
    """Where a capitalised word (``Xx...``) starts that is not a sentence-opening function word.

    ``name_candidate_offsets("Here is the fix for Priya.") == [20]``; "I" and "API" do not count.
    """
    found = []
    for match in _CAPITALISED.finditer(text):
        word = match.group()
        if len(word) < 2 or not word[0].isupper() or word.isupper():
            continue  # "I", "API", and caseless scripts
        if word.lower() in _SENTENCE_OPENERS and _starts_sentence(text, match.start()):
            continue
        found.append(match.start())
    return found


def capitalised_pair_offsets(text: str) -> list[int]:
    """Where two capitalised words separated by one space start (the only places a proper-noun run can)."""
    return [m.start() for m in _PAIR.finditer(text) if m.group(1).isupper() and m.group(2).isupper()]


def token_windows(token_starts: Any, char_offsets: Sequence[int], radius: int) -> list[tuple[int, int]]:
    """Merged token ranges reaching ``radius`` tokens either side of the tokens at ``char_offsets``."""
    import numpy as np

    if not char_offsets or len(token_starts) == 0:
        return []
    centres = np.searchsorted(token_starts, np.asarray(char_offsets), side="right") - 1
    windows: list[tuple[int, int]] = []
    for centre in sorted(set(int(c) for c in centres)):
        start, end = max(0, centre - radius), min(len(token_starts), centre + radius + 1)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


class LazyNlpArtifacts(NlpArtifacts):
    """Presidio's NLP artifacts with lemmas (lower-cased tokens), keywords and offsets made on demand."""

    def __init__(self, doc: Any, nlp_engine: SpacyNlpEngine, language: str = "en") -> None:
        entities, scores = nlp_engine._get_updated_entities(
            nlp_engine._get_entities(doc), nlp_engine._get_scores_for_entities(doc))
        self.entities, self.tokens, self.nlp_engine, self.language = entities, doc, nlp_engine, language
        self.scores = scores if scores else [0.85] * len(entities)
        self._lemmas: list[str] | None = None
        self._keywords: list[str] | None = None
        self._indices: list[int] | None = None

    @property
    def lemmas(self) -> list[str]:  # type: ignore[override]
        if self._lemmas is None:
            self._lemmas = [token.lower_ for token in self.tokens]
        return self._lemmas

    @property
    def keywords(self) -> list[str]:  # type: ignore[override]
        if self._keywords is None:
            self._keywords = self.set_keywords(self.nlp_engine, self.lemmas, self.language)
        return self._keywords

    @property
    def tokens_indices(self) -> list[int]:  # type: ignore[override]
        if self._indices is None:
            self._indices = [token.idx for token in self.tokens]
        return self._indices


def _run_windows(texts: Sequence[str], docs: Sequence[Any], windows: Sequence[Sequence[tuple[int, int]]],
                 nlp: Any, pipes: tuple[str, ...], batch_size: int) -> list[tuple[int, int, Any]]:
    """Run ``pipes`` over the token windows of ``docs`` (identical windows once).

    Returns (doc index, first token, processed window) per window.
    """
    unique: dict[tuple[str, int], int] = {}
    window_docs: list[Any] = []
    placements: list[tuple[int, int, int]] = []
    for doc_index, (text, doc, ranges) in enumerate(zip(texts, docs, windows, strict=True)):
        if not ranges:
            continue
        bounds = doc.to_array(["IDX", "LENGTH"])
        for start, end in ranges:
            window_text = text[bounds[start, 0]:bounds[end - 1, 0] + bounds[end - 1, 1]]
            index = unique.setdefault((window_text, end - start), len(window_docs))
            if index == len(window_docs):
                window = nlp.make_doc(window_text)  # cheaper than Span.as_doc; same tokens at token edges
                window_docs.append(window if len(window) == end - start else doc[start:end].as_doc())
            placements.append((doc_index, start, index))
    disabled = [name for name in nlp.pipe_names if name not in pipes]
    processed = list(nlp.pipe(window_docs, batch_size=batch_size, disable=disabled))
    return [(doc_index, start, processed[index]) for doc_index, start, index in placements]


def segmented_docs(texts: Sequence[str], nlp: Any, *, radius: int = 8, batch_size: int = 256) -> list[Any]:
    """One spaCy ``Doc`` per text: tokenised whole; NER-labelled within ``radius`` tokens of every name
    candidate, tagged within ``radius`` tokens of every capitalised pair."""
    from spacy.tokens import Span

    docs = [nlp.make_doc(text) for text in texts]
    starts = [doc.to_array("IDX") for doc in docs]
    ner_windows = [token_windows(idx, name_candidate_offsets(text), radius)
                   for text, idx in zip(texts, starts, strict=True)]
    tag_windows = [token_windows(idx, capitalised_pair_offsets(text), radius)
                   for text, idx in zip(texts, starts, strict=True)]
    tags: dict[int, Any] = {}
    tagged = _run_windows(texts, docs, tag_windows, nlp, ("tok2vec", "tagger"), batch_size)
    for doc_index, first, done in tagged:
        array = tags.setdefault(doc_index, docs[doc_index].to_array("TAG"))
        array[first:first + len(done)] = done.to_array("TAG")
    for doc_index, array in tags.items():
        docs[doc_index].from_array(["TAG"], array.reshape(-1, 1))
    ents: dict[int, list[Any]] = {}
    for doc_index, first, done in _run_windows(texts, docs, ner_windows, nlp, ("ner",), batch_size):
        for ent in done.ents:
            start, end = ent.start, ent.end
            while start < end and done[start].is_space:
                start += 1
            while end > start and done[end - 1].is_space:
                end -= 1
            if end > start:
                ents.setdefault(doc_index, []).append(Span(docs[doc_index], first + start, first + end,
                                                           label=ent.label))
    for doc_index, spans in ents.items():
        docs[doc_index].set_ents(spans)
    return docs


def segmented_artifacts(texts: Sequence[str], engine: SpacyNlpEngine, *, radius: int = 8,
                        batch_size: int = 256) -> list[LazyNlpArtifacts]:
    """Presidio NLP artifacts for ``texts`` from :func:`segmented_docs` (language "en")."""
    docs = segmented_docs(texts, engine.nlp["en"], radius=radius, batch_size=batch_size)
    return [LazyNlpArtifacts(doc, engine) for doc in docs]
