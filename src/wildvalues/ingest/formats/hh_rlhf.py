"""Anthropic HH-RLHF: ``{"chosen": "\\n\\nHuman: ...\\n\\nAssistant: ...", "rejected": ...}`` (.jsonl.gz).

Each transcript is split on the ``\\n\\nHuman:`` / ``\\n\\nAssistant:`` markers (a bare "Human:" inside a
turn is text). ``IngestConfig.hh_rlhf_side`` picks chosen (default), rejected or both; the side and the
subset (the parent folder, e.g. ``harmless-base``) go to ``meta``.
"""

from __future__ import annotations

import re
from typing import Any

from wildvalues.ingest.normalize import RecordContext, RecordError, build_conversation
from wildvalues.records import Conversation

NAME = "hh-rlhf"
_MARKER = re.compile(r"\n\n(Human|Assistant):")


def looks_like(record: dict[str, Any]) -> bool:
    chosen = record.get("chosen")
    return isinstance(chosen, str) and "Human:" in chosen


def split_transcript(transcript: str) -> list[tuple[str, str]]:
    """[(role, text)] of one transcript; raises RecordError when it has no turn markers."""
    parts = _MARKER.split(transcript if transcript.startswith("\n\n") else "\n\n" + transcript)
    if len(parts) < 3:
        raise RecordError("transcript has no '\\n\\nHuman:' / '\\n\\nAssistant:' turns")
    if parts[0].strip():
        raise RecordError(f"text before the first turn marker: {parts[0][:60]!r}")
    return [("user" if speaker == "Human" else "assistant", text) for speaker, text in zip(parts[1::2],
                                                                                              parts[2::2],
                                                                                              strict=True)]


def convert(record: dict[str, Any], ctx: RecordContext) -> list[Conversation]:
    side = ctx.cfg.hh_rlhf_side
    sides = ("chosen", "rejected") if side == "both" else (side,)
    conversations = []
    for name in sides:
        transcript = record.get(name)
        if not isinstance(transcript, str):
            raise RecordError(f"field {name!r} is {type(transcript).__name__}, not a transcript")
        try:
            conversations.append(build_conversation(split_transcript(transcript), ctx,
                                                    meta={"hh_rlhf_side": name}))
        except RecordError as exc:
            raise RecordError(f"{name}: {exc}") from None
    return conversations
