"""From (role, content) turns to a validated :class:`Conversation` with a stable content-hash id.

Pure functions. Policy, documented once here:

- Roles map onto user / assistant / system / tool (``human``, ``gpt``, ``chatgpt``, ``bing``, ``bard``,
  ``model``, ``developer``, ``function`` ... see ``ROLE_ALIASES``). System and tool messages are KEPT as
  such (the extractor decides what to show); an unknown or missing role rejects the conversation.
- Text is normalised before hashing and storing: CRLF -> LF, surrounding whitespace stripped, control
  characters other than tab/newline removed (their number is kept in ``meta["control_chars_removed"]``).
- A conversation needs a non-empty user turn and (unless ``require_assistant`` is off) a non-empty
  assistant turn; empty messages inside an otherwise valid conversation are kept as they are.
- The id is the first 32 hex digits of SHA-256 over the normalised (role, text) sequence, so the same
  conversation from two files (or two runs) gets the same id and collapses as a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wildvalues.ingest.config import IngestConfig
from wildvalues.ingest.streams import NonFinite
from wildvalues.records import Conversation, Message, Rejection

ROLE_ALIASES: dict[str, str] = {
    "user": "user", "human": "user", "prompter": "user", "customer": "user",
    "assistant": "assistant", "gpt": "assistant", "chatgpt": "assistant", "bing": "assistant",
    "bard": "assistant", "model": "assistant", "bot": "assistant", "ai": "assistant", "claude": "assistant",
    "system": "system", "developer": "system",
    "tool": "tool", "function": "tool", "ipython": "tool", "observation": "tool",
}
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_SEP_ROLE, _SEP_MSG = b"\x1f", b"\x1e"


class RecordError(ValueError):
    """A record that cannot become a conversation; the message is the quarantine reason."""


@dataclass
class RecordContext:
    """Where a record came from and the settings that shape it."""

    source: str
    source_file: str
    ref: str
    cfg: IngestConfig
    meta: dict[str, Any] = field(default_factory=dict)
    default_model: str | None = None  # e.g. from the file name (xstest, arena answer files)

    def reject(self, reason: str, raw: Any) -> Rejection:
        return Rejection(source_file=self.source_file, location=self.ref, reason=reason, excerpt=excerpt(raw))


def excerpt(raw: Any, limit: int = 200) -> str:
    if isinstance(raw, bytes):
        raw = raw[: limit * 4].decode("utf-8", "backslashreplace")
    elif not isinstance(raw, str):
        try:
            raw = json.dumps(raw, ensure_ascii=False, default=repr)[: limit * 2]
        except (ValueError, RecursionError):
            raw = repr(raw)[: limit * 2]
    return raw[:limit].encode("utf-8", "backslashreplace").decode("utf-8")[:limit]


def content_text(content: Any, where: str) -> str:
    """Text of a message content: a string, a list of parts ({"type": "text", "text"}), or {"answer": ...}."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif isinstance(part, dict) and isinstance(part.get("type"), str):
                texts.append(f"[{part['type']}]")  # an image/audio/file part: marked, not dropped silently
            else:
                raise RecordError(f"{where}: content part of type {type(part).__name__} is not text")
        return "\n".join(texts)
    if isinstance(content, dict):
        for key in ("text", "answer", "content"):
            if isinstance(content.get(key), str):
                return content[key]
        raise RecordError(f"{where}: content object without text (keys {sorted(content)[:8]})")
    if content is None:
        raise RecordError(f"{where}: missing content")
    if isinstance(content, NonFinite) or (isinstance(content, float) and math.isnan(content)):
        raise RecordError(f"{where}: content is {content!r} (not text)")
    raise RecordError(f"{where}: content is {type(content).__name__}, not text")


def clean_text(text: str) -> tuple[str, bytes, int]:
    """(normalised text, its UTF-8 bytes, number of control characters removed).

    Raises UnicodeEncodeError for a lone surrogate (undecodable input bytes are read as surrogates).
    Control bytes never occur inside multi-byte UTF-8 sequences, so deleting them from the bytes is exact
    (and much faster than a regex over the text).
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    data = text.encode("utf-8")
    kept = data.translate(None, _CONTROL_BYTES)
    removed = len(data) - len(kept)
    if removed:
        data = kept.strip()
        text = data.decode("utf-8")
    return text, data, removed


def conversation_id(messages: list[tuple[str, bytes]], model: str | None = None) -> str:
    """First 32 hex digits of SHA-256 over the generating model (when known) and the (role, text) sequence.

    The model is part of the identity: the same transcript produced by two models is two observations of
    model behaviour (e.g. identical refusals in xstest), not a duplicate.
    """
    digest = hashlib.sha256()
    if model:
        digest.update(b"model\x00" + model.encode("utf-8") + _SEP_MSG)
    for role, data in messages:
        digest.update(role.encode("ascii") + _SEP_ROLE)
        digest.update(data + _SEP_MSG)
    return digest.hexdigest()[:32]


def text_or_none(value: Any) -> str | None:
    if value is None or isinstance(value, NonFinite) or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def parse_timestamp(value: Any) -> datetime | None:
    """ISO strings, epoch seconds or milliseconds, datetimes; naive UTC. None when absent or unreadable."""
    if value is None or isinstance(value, NonFinite):
        return None
    try:
        if isinstance(value, datetime):
            stamp = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if math.isnan(value):
                return None
            stamp = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        elif isinstance(value, str) and value.strip():
            stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        else:
            return None
    except (ValueError, OverflowError, OSError):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC).replace(tzinfo=None)
    return stamp


def scalar_extras(record: dict[str, Any], exclude: set[str], limit: int = 200) -> dict[str, Any]:
    """Short scalar fields of a record that no column holds, kept in ``meta``."""
    extras: dict[str, Any] = {}
    for key, value in record.items():
        if key in exclude or value is None or isinstance(value, NonFinite):
            continue
        number = isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value))
        if number or (isinstance(value, str) and len(value) <= limit):
            extras[key] = value
    return extras


def _role(raw_role: Any, number: int) -> str:
    """The canonical role of a message, or the reason it has none."""
    where = f"message {number}"
    if raw_role is None or raw_role == "":
        raise RecordError(f"{where}: missing role")
    if not isinstance(raw_role, str):
        raise RecordError(f"{where}: role is {type(raw_role).__name__}, not a string")
    role = ROLE_ALIASES.get(raw_role.strip().lower())
    if role is None:
        raise RecordError(f"{where}: unknown role {raw_role[:40]!r}")
    return role


def build_conversation(turns: list[tuple[Any, Any]], ctx: RecordContext, *, model: Any = None,
                       user_id: Any = None, timestamp: Any = None, language: Any = None,
                       meta: dict[str, Any] | None = None) -> Conversation:
    """Validate and normalise; raises :class:`RecordError` with the quarantine reason."""
    if not turns:
        raise RecordError("empty conversation (no messages)")
    cfg = ctx.cfg
    messages: list[Message] = []
    hashed: list[tuple[str, bytes]] = []
    removed_total = 0
    limit = cfg.max_message_chars
    for number, (raw_role, content) in enumerate(turns, start=1):
        role = ROLE_ALIASES.get(raw_role) if isinstance(raw_role, str) else None
        if role is None:
            role = _role(raw_role, number)
        text = content if isinstance(content, str) else content_text(content, f"message {number}")
        if len(text) > limit:
            raise RecordError(f"message {number} is {len(text):,} characters, over "
                              f"max_message_chars={limit:,}")
        try:
            text, data, removed = clean_text(text)
        except UnicodeEncodeError as exc:
            raise RecordError(f"message {number}: invalid text (non-UTF-8 bytes or a lone surrogate at "
                              f"character {exc.start})") from None
        removed_total += removed
        messages.append(Message(role=role, content=text))
        hashed.append((role, data))
    has_user = any(role == "user" and data for role, data in hashed)
    has_assistant = any(role == "assistant" and data for role, data in hashed)
    if not has_user and not has_assistant:
        raise RecordError("no user or assistant message with text")
    if not has_user:
        raise RecordError("one-sided: no user message with text")
    if cfg.require_assistant and not has_assistant:
        raise RecordError("one-sided: no assistant message with text")
    meta = {**ctx.meta, **(meta or {})}
    if removed_total:
        meta["control_chars_removed"] = removed_total
    model_name = text_or_none(model) or ctx.default_model
    return Conversation(
        conversation_id=conversation_id(hashed, model_name), messages=messages,
        source=ctx.source, source_file=ctx.source_file, source_ref=ctx.ref,
        model=model_name, user_id=text_or_none(user_id),
        timestamp=parse_timestamp(timestamp),
        language=text_or_none(language), meta=meta,
    )
