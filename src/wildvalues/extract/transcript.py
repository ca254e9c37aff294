"""Turning a conversation into the text the extractor reads: a clear truncation policy and a data wrapper.

The transcript is wrapped in ``<transcript>`` tags and every prompt says that the text inside is data to
analyse, never instructions; tag look-alikes inside the conversation are neutralised so a message cannot
close the wrapper early. Before any cut, sentences addressed to whatever analyses the conversation (planted
instructions, ``extract/guard.py``) are taken out of each message, so every profile and every feature, the
heads included, read the same text; what was taken out rides along on the turn (``Turn.guard``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from wildvalues.extract.config import ExtractConfig
from wildvalues.extract.guard import GuardNote, neutralise


class _MessageLike(Protocol):
    role: str
    content: str


class ConversationLike(Protocol):
    """Anything with an id and role/content messages (records.Conversation or a scrubbed conversation)."""

    conversation_id: str
    messages: Sequence[_MessageLike]


@dataclass(frozen=True)
class Turn:
    role: str
    content: str
    guard: tuple[GuardNote, ...] = ()  # sentences removed from (or flagged in) this message, with reasons


_TAG_LOOKALIKE = re.compile(r"</?\s*(transcript|answer|question|instructions?|system)\b[^>]*>", re.IGNORECASE)


def cut_message(text: str, max_chars: int, tail_chars: int) -> str:
    """Keep the head and the tail of a long message, marking what was left out."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    tail = min(tail_chars, max_chars // 3)
    head = max_chars - tail
    dropped = len(text) - head - tail
    marker = f"{text[:head].rstrip()} [... {dropped} characters left out ...]"
    return f"{marker} {text[-tail:].lstrip()}" if tail else marker


def truncated_turns(conversation: ConversationLike, cfg: ExtractConfig) -> list[Turn]:
    """Messages after the policy: each cut to head+tail, then the first user turn plus the latest turns."""
    turns = []
    for m in conversation.messages:
        if m.role not in ("user", "assistant") or not m.content.strip():
            continue
        content, notes = neutralise(m.content) if cfg.neutralise_injections else (m.content, [])
        if content.strip() or notes:
            turns.append(Turn(m.role, cut_message(content, cfg.max_message_chars, cfg.message_tail_chars),
                              tuple(notes)))
    if sum(len(t.content) for t in turns) <= cfg.max_transcript_chars or len(turns) <= 2:
        return turns
    first, kept, used = turns[0], [], len(turns[0].content)
    for turn in reversed(turns[1:]):
        if used + len(turn.content) > cfg.max_transcript_chars and kept:
            break
        kept.append(turn)
        used += len(turn.content)
    kept.reverse()
    skipped = len(turns) - 1 - len(kept)
    marker = [Turn("note", f"[{skipped} earlier messages left out]")] if skipped else []
    return [first, *marker, *kept]


def render(turns: Sequence[Turn]) -> str:
    """The wrapped transcript block that prompts embed (tag look-alikes defused)."""
    names = {"user": "User", "assistant": "AI", "note": "Note"}
    lines = []
    for turn in turns:
        body = _TAG_LOOKALIKE.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), turn.content)
        lines.append(f"{names.get(turn.role, turn.role)}: {body}")
    return "<transcript>\n" + "\n\n".join(lines) + "\n</transcript>"


def side_text(turns: Sequence[Turn], role: str, max_chars: int = 1000) -> str:
    """All turns of one side joined (for embeddings and cue features)."""
    return "\n".join(t.content for t in turns if t.role == role)[:max_chars]
