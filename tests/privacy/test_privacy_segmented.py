"""The batched, segmented scrubber: where spaCy runs, and that batching changes no scrubbed text."""

from __future__ import annotations

import numpy as np

from wildvalues.privacy.config import PrivacyConfig
from wildvalues.privacy.segmented import capitalised_pair_offsets, name_candidate_offsets, token_windows

from .planted_corpus import build_corpus

CODE_AND_PROSE = [
    ["Here is the fix:\n```python\ndef area(r):\n    return 3.14 * r * r\n```\nIt works.",
     "Thanks! Please forward it to Diego Adeyemi at diego.adeyemi@example.org.",
     "Sure. The function returns the area; Diego can call it as area(2).",
     "My landlord, Mr. Okafor, lives at 12 Baker Street, London NW1 6XE.",
     "This is fine. If the values repeat, the output repeats."],
    ["Priya said the build fails.", "Ask Priya Raman, or call +44 20 7946 0958.",
     "Priya said the build fails."],
]


def test_name_candidates_skip_sentence_openers_and_acronyms() -> None:
    assert name_candidate_offsets("Here is the fix. If it fails, the API is down; I retry.") == []
    text = "Here is the fix for Priya. Will said it works."
    assert name_candidate_offsets(text) == [text.index("Priya"), text.index("Will")]
    assert name_candidate_offsets("- The list\n1. This one\n> So good") == []
    assert name_candidate_offsets("import React from 'react'") == [7]


def test_capitalised_pairs_need_two_words_one_space_apart() -> None:
    text = "forward the logs to Diego Adeyemi, not Diego,  Adeyemi"
    assert capitalised_pair_offsets(text) == [text.index("Diego Adeyemi")]


def test_token_windows_merge_and_clip() -> None:
    starts = np.arange(0, 100, 5)  # 20 tokens, 5 characters apart
    assert token_windows(starts, [0, 12], 2) == [(0, 5)]
    assert token_windows(starts, [50, 95], 3) == [(7, 14), (16, 20)]
    assert token_windows(starts, [], 3) == []


def _small_corpus() -> list[list[str]]:
    return [[m["content"] for m in c.messages] for c in build_corpus()[:8]] + CODE_AND_PROSE


def test_batched_path_matches_per_message_path() -> None:
    from wildvalues.privacy.scrub import _analyze, scrub_conversation, scrub_conversations

    cfg = PrivacyConfig()
    corpus = _small_corpus()
    flat = [text for conv in corpus for text in conv]
    assert _analyze(flat, cfg) == [_analyze([text], cfg)[0] for text in flat]  # findings per message
    batched = scrub_conversations(corpus, cfg)
    one_by_one = [scrub_conversation(conv, cfg) for conv in corpus]
    assert [[r.text for r in conv] for conv in batched] == [[r.text for r in conv] for conv in one_by_one]
    scrubbed = "\n".join(r.text for conv in batched for r in conv)
    for planted in ("Diego Adeyemi", "diego.adeyemi@example.org", "Priya", "Raman", "7946 0958",
                    "Baker Street"):
        assert planted not in scrubbed
    assert "return 3.14 * r * r" in scrubbed and "If the values repeat" in scrubbed


def test_worker_processes_give_the_same_text() -> None:
    from wildvalues.privacy.parallel import scrub_batches
    from wildvalues.privacy.scrub import scrub_conversations

    cfg = PrivacyConfig()
    corpus = _small_corpus()
    batches = [(i, corpus[i:i + 4]) for i in range(0, len(corpus), 4)]
    parallel = [(tag, [[r.text for r in conv] for conv in out])
                for tag, out in scrub_batches(batches, cfg, processes=2)]
    assert parallel == [(tag, [[r.text for r in conv] for conv in scrub_conversations(convs, cfg)])
                        for tag, convs in batches]
