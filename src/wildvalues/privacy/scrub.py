"""Scrubbing: PII in transcripts becomes typed placeholders (``[EMAIL]``, ``[PERSON]`` ...) before any LLM.

The core is pure (texts in, :class:`ScrubResult` out); :func:`scrub_workspace` is the I/O edge that reads
``raw.messages`` and writes ``scrubbed_messages`` in the derived database. Raw text stays in the raw store.

Within one conversation every string found once is replaced wherever it recurs (an assistant repeating a
passport number without the word "passport", a first name used alone after the full name was found).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from wildvalues.privacy.config import PrivacyConfig
from wildvalues.privacy.recognizers import PLACEHOLDERS
from wildvalues.progress import SILENT, Progress

# Name parts never propagated on their own (they are words as well as name parts).
_NAME_PART_STOPWORDS = frozenset({
    "the", "and", "van", "von", "der", "den", "del", "della", "de", "la", "le", "mr", "mrs", "ms", "dr",
    "miss", "sir",
})


@dataclass(frozen=True)
class Entity:
    """One replaced span, with offsets into the ORIGINAL text (the text itself is not kept)."""

    entity_type: str
    start: int
    end: int
    score: float
    source: str = "presidio"  # or "propagated"


@dataclass
class ScrubResult:
    text: str
    entities: list[Entity] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(e.entity_type for e in self.entities)


def placeholder(entity_type: str) -> str:
    return f"[{PLACEHOLDERS.get(entity_type, entity_type)}]"


def merge_spans(entities: Iterable[Entity]) -> list[Entity]:
    """Overlapping findings become one span covering all of them, typed by the most confident finding."""
    merged: list[Entity] = []
    for ent in sorted(entities, key=lambda e: (e.start, -e.end)):
        if merged and ent.start < merged[-1].end:
            last = merged[-1]
            best = max((last, ent), key=lambda e: (e.score, e.end - e.start))
            merged[-1] = Entity(best.entity_type, last.start, max(last.end, ent.end),
                                max(last.score, ent.score), best.source)
        else:
            merged.append(ent)
    return merged


def apply_placeholders(text: str, entities: Sequence[Entity]) -> str:
    pieces, cursor = [], 0
    for ent in entities:
        pieces.append(text[cursor:ent.start])
        pieces.append(placeholder(ent.entity_type))
        cursor = ent.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _analyze(texts: Sequence[str], cfg: PrivacyConfig) -> list[list[Entity]]:
    from wildvalues.privacy.engine import analyzer_for

    entities = tuple(cfg.entities)
    analyzer = analyzer_for(entities, tuple(cfg.public_domains), cfg.proper_noun_runs)
    unique = list(dict.fromkeys(texts))  # a message repeated in the batch is analysed once
    if cfg.nlp_mode == "full":
        from presidio_analyzer import BatchAnalyzerEngine

        batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
        found = batch.analyze_iterator(unique, language="en", batch_size=max(1, cfg.batch_conversations),
                                       entities=list(entities), score_threshold=cfg.score_threshold)
    else:
        from wildvalues.privacy.segmented import segmented_artifacts

        artifacts = segmented_artifacts(unique, analyzer.nlp_engine, radius=cfg.ner_window,
                                        batch_size=max(1, cfg.spacy_batch_size))
        found = [analyzer.analyze(text=text, language="en", entities=list(entities), nlp_artifacts=art,
                                  score_threshold=cfg.score_threshold)
                 for text, art in zip(unique, artifacts, strict=True)]
    by_text = dict(zip(unique, found, strict=True))
    return [[_trimmed(text, Entity(r.entity_type, r.start, r.end, float(r.score))) for r in by_text[text]]
            for text in texts]


def _trimmed(text: str, ent: Entity) -> Entity:
    """Drop sentence punctuation a pattern swallowed at the end ("...in/jane-doe." -> "...in/jane-doe")."""
    end = ent.end
    while end > ent.start + 1 and text[end - 1] in ".,;:!?)":
        end -= 1
    return Entity(ent.entity_type, ent.start, end, ent.score, ent.source) if end != ent.end else ent


def _recurring_strings(texts: Sequence[str], findings: Sequence[Sequence[Entity]]) -> dict[str, str]:
    """Strings found in the conversation that are replaced wherever they recur -> their entity type.

    Identifiers and multi-word names are carried over; a full name found by the NER model or a name cue
    (score >= 0.6) also carries its parts ("Priya Raman" -> "Priya"). Single capitalised words are not
    carried over: spaCy's small model tags too many ordinary words ("Will", "Interest") as people.
    """
    strings: dict[str, str] = {}
    for text, ents in zip(texts, findings, strict=True):
        for ent in ents:
            surface = text[ent.start:ent.end].strip(" \t\n.,;:'\"()[]")
            if len(surface) < 3 or (ent.entity_type == "PERSON" and " " not in surface):
                continue
            strings.setdefault(surface, ent.entity_type)
            if ent.entity_type == "PERSON" and ent.score >= 0.6:
                for part in re.split(r"[\s,]+", surface):
                    part = part.strip(".'\"")
                    if len(part) >= 3 and part[0].isupper() and part.lower() not in _NAME_PART_STOPWORDS:
                        strings.setdefault(part, "PERSON")
    return strings


def _propagate(text: str, strings: dict[str, str]) -> list[Entity]:
    found: list[Entity] = []
    for surface, entity_type in strings.items():
        pattern = rf"(?<![\w@.]){re.escape(surface)}(?![\w@])"
        flags = 0 if entity_type == "PERSON" else re.IGNORECASE
        found.extend(Entity(entity_type, m.start(), m.end(), 1.0, "propagated")
                     for m in re.finditer(pattern, text, flags))
    return found


def scrub_conversation(texts: Sequence[str], cfg: PrivacyConfig | None = None) -> list[ScrubResult]:
    """Scrub the messages of ONE conversation (names found in one message are replaced in all)."""
    cfg = cfg or PrivacyConfig()
    findings = _analyze(texts, cfg)
    return _finish(texts, findings, cfg)


def _finish(texts: Sequence[str], findings: Sequence[Sequence[Entity]], cfg: PrivacyConfig
            ) -> list[ScrubResult]:
    strings = _recurring_strings(texts, findings) if cfg.propagate_within_conversation else {}
    results = []
    for text, ents in zip(texts, findings, strict=True):
        spans = merge_spans([*ents, *_propagate(text, strings)]) if strings else merge_spans(ents)
        results.append(ScrubResult(apply_placeholders(text, spans), spans))
    return results


def scrub_conversations(conversations: Sequence[Sequence[str]], cfg: PrivacyConfig | None = None
                        ) -> list[list[ScrubResult]]:
    """Scrub many conversations in one spaCy pipe (faster than one call per conversation)."""
    cfg = cfg or PrivacyConfig()
    flat = [text for conv in conversations for text in conv]
    findings = _analyze(flat, cfg)
    out, cursor = [], 0
    for conv in conversations:
        out.append(_finish(conv, findings[cursor:cursor + len(conv)], cfg))
        cursor += len(conv)
    return out


def scrub_text(text: str, cfg: PrivacyConfig | None = None) -> ScrubResult:
    """Scrub one text: ``scrub_text("mail me at a@b.com").text == "mail me at [EMAIL]"``."""
    return scrub_conversation([text], cfg)[0]


# -- I/O edge -------------------------------------------------------------------------------------------

SCRUBBED_SCHEMA = """
CREATE TABLE IF NOT EXISTS scrubbed_messages (
    conversation_id VARCHAR,
    idx INTEGER,
    role VARCHAR,
    content VARCHAR,
    run_id VARCHAR,
    PRIMARY KEY (conversation_id, idx)
)
"""


def pending_conversations(ws: Any) -> tuple[list[str], int]:
    """Conversation ids in the raw store not yet scrubbed, and how many are already done."""
    ws.con.execute(SCRUBBED_SCHEMA)
    todo = [row[0] for row in ws.con.execute(
        "SELECT DISTINCT m.conversation_id FROM raw.messages m "
        "WHERE m.conversation_id NOT IN (SELECT DISTINCT conversation_id FROM scrubbed_messages) "
        "ORDER BY 1").fetchall()]
    done = ws.con.execute("SELECT count(DISTINCT conversation_id) FROM scrubbed_messages").fetchone()[0]
    return todo, int(done)


def _load_batch(ws: Any, ids: list[str]) -> dict[str, list[tuple[int, str, str]]]:
    rows = ws.con.execute(
        "SELECT conversation_id, idx, role, content FROM raw.messages "
        "WHERE conversation_id IN (SELECT unnest(?)) ORDER BY conversation_id, idx", [ids]).fetchall()
    grouped: dict[str, list[tuple[int, str, str]]] = {cid: [] for cid in ids}
    for cid, idx, role, content in rows:
        grouped[cid].append((idx, role, content or ""))
    return grouped


def scrub_workspace(ws: Any, cfg: PrivacyConfig | None = None, *, progress: Progress = SILENT,
                    limit: int | None = None) -> dict[str, Any]:
    """Scrub every not-yet-scrubbed conversation of the workspace into ``scrubbed_messages``.

    Resumable: conversations already present are skipped; each batch is written in one statement.
    Returns the run's account (conversations seen/skipped/scrubbed, messages, entities by type, speed).
    """
    import pandas as pd

    from wildvalues.privacy.parallel import scrub_batches, worker_count

    cfg = cfg or PrivacyConfig()
    with ws.run("scrub", {"limit": limit}, cfg.model_dump()) as run:
        todo, already = pending_conversations(ws)
        if limit is not None:
            todo = todo[:limit]
        counts: Counter[str] = Counter()
        n_messages = n_chars = 0
        started = time.perf_counter()
        progress.start("scrubbing", total=len(todo))
        size = max(1, cfg.batch_conversations)
        id_batches = [todo[offset:offset + size] for offset in range(0, len(todo), size)]
        loaded = (((ids, grouped), [[c for _, _, c in grouped[cid]] for cid in ids])
                  for ids in id_batches for grouped in [_load_batch(ws, ids)])
        for (ids, grouped), scrubbed in scrub_batches(loaded, cfg, worker_count(cfg, len(id_batches))):
            rows = []
            for cid, results in zip(ids, scrubbed, strict=True):
                for (idx, role, content), result in zip(grouped[cid], results, strict=True):
                    rows.append((cid, idx, role, result.text, run.run_id))
                    counts.update(result.counts())
                    n_chars += len(content)
            n_messages += len(rows)
            frame = pd.DataFrame(rows, columns=["conversation_id", "idx", "role", "content", "run_id"])
            ws.con.from_df(frame).insert_into("scrubbed_messages")
            progress.advance(len(ids))
        seconds = time.perf_counter() - started
        run.counts.update({
            "conversations_in_raw_store": len(todo) + already if limit is None else None,
            "already_scrubbed": already,
            "scrubbed_now": len(todo),
            "messages": n_messages,
            "chars": n_chars,
            "entities_replaced": sum(counts.values()),
            "entities_by_type": dict(sorted(counts.items())),
            "seconds": round(seconds, 2),
            "chars_per_second": round(n_chars / seconds) if seconds > 0 and n_chars else None,
            "run_id": run.run_id,
        })
        return dict(run.counts)
