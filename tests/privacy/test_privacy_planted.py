"""The planted-PII corpus: its promised size and variety, and how much of it the scrubber removes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from .planted_corpus import build_corpus, write_corpus
from .planted_eval import Score, score_corpus

STRUCTURED = ("EMAIL", "PHONE", "CREDIT_CARD", "SSN", "PASSPORT", "DRIVER_LICENSE", "IBAN", "NHS",
              "IP_ADDRESS", "STREET_ADDRESS", "URL")


def test_corpus_size_variety_and_determinism(tmp_path: Path) -> None:
    corpus = build_corpus()
    kinds = Counter(p["kind"] for c in corpus for p in c.planted)
    assert len(corpus) >= 50 and sum(kinds.values()) >= 200 and len(kinds) >= 8
    for conv in corpus:
        assert len(conv.messages) >= 4 and {m["role"] for m in conv.messages} == {"user", "assistant"}
    for conv in corpus:  # every recorded string really is in the conversation
        text = "\n".join(m["content"] for m in conv.messages)
        assert all(p["text"] in text for p in conv.planted)
    assert [c.messages for c in build_corpus()] == [c.messages for c in corpus]
    conv_path, truth_path = write_corpus(tmp_path)
    first = json.loads(conv_path.read_text().splitlines()[0])
    assert set(first) == {"messages"} and first["messages"][0]["role"] == "user"
    assert len(truth_path.read_text().splitlines()) == len(corpus)


@pytest.fixture(scope="module")
def presidio_score() -> Score:
    from wildvalues.privacy.scrub import scrub_conversation

    def run(texts: list[str]) -> list[list[tuple[int, int, str]]]:
        return [[(e.start, e.end, e.entity_type) for e in r.entities] for r in scrub_conversation(texts)]

    return score_corpus(build_corpus(), run)


def test_structured_kinds_are_all_removed(presidio_score: Score) -> None:
    missed = {k: presidio_score.planted[k] - presidio_score.caught[k] for k in STRUCTURED
              if presidio_score.caught[k] < presidio_score.planted[k]}
    assert not missed  # measured: every structured occurrence replaced (bench/privacy.py)


def test_names_mostly_removed_and_few_false_alarms(presidio_score: Score) -> None:
    # measured 1.00 (0.985 without proper-noun runs); the corpus and the name cues were written together,
    # so real-world name recall is lower: this guards against regressions, it is not the headline figure.
    assert presidio_score.recall("PERSON") >= 0.95
    assert presidio_score.precision() >= 0.9  # measured 0.93: places/titles after "Dear" etc. read as names
