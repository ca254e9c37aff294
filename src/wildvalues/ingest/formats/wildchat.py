"""WildChat / LMSYS-Chat-1M style records (JSONL or Parquet).

``{"conversation_hash"|"conversation_id", "model", "timestamp"?, "conversation": [{"role", "content", ...}],
"language", "hashed_ip"?, "country"?, "toxic"?, "redacted"?, ...}``. The hashed IP (WildChat) is the
user id; per-message extras (moderation, headers) are not kept.
"""

from __future__ import annotations

from typing import Any

from wildvalues.ingest.normalize import RecordContext, RecordError, build_conversation, scalar_extras
from wildvalues.records import Conversation

NAME = "wildchat"
_COLUMNS = {"conversation", "model", "timestamp", "tstamp", "language", "hashed_ip", "user_id", "user",
            "conversation_hash", "conversation_id", "openai_moderation", "detoxify_moderation", "header"}


def looks_like(record: dict[str, Any]) -> bool:
    return isinstance(record.get("conversation"), list)


def convert(record: dict[str, Any], ctx: RecordContext) -> list[Conversation]:
    turns = []
    for number, turn in enumerate(record["conversation"], start=1):
        if not isinstance(turn, dict):
            raise RecordError(f"message {number} is {type(turn).__name__}, not an object")
        turns.append((turn.get("role"), turn.get("content")))
    meta = scalar_extras(record, _COLUMNS)
    native = record.get("conversation_hash") or record.get("conversation_id")
    if isinstance(native, str):
        meta["native_id"] = native
    user = record.get("hashed_ip") or record.get("user_id") or record.get("user")
    return [build_conversation(turns, ctx, model=record.get("model"), user_id=user,
                               timestamp=record.get("timestamp") or record.get("tstamp"),
                               language=record.get("language"), meta=meta)]
