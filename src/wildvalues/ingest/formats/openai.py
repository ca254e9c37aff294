"""OpenAI-style chat records: ``{"messages": [{"role", "content"}], "model"?, "user"?, ...}``.

Content may be a string or a list of parts (``{"type": "text", "text": ...}``; other part types are kept
as a ``[type]`` marker). An assistant turn that only calls tools is rendered as ``[tool call NAME(args)]``.
"""

from __future__ import annotations

import json
from typing import Any

from wildvalues.ingest.normalize import RecordContext, RecordError, build_conversation, scalar_extras
from wildvalues.records import Conversation

NAME = "openai"
_COLUMNS = {"messages", "model", "user", "user_id", "created", "timestamp", "language"}


def looks_like(record: dict[str, Any]) -> bool:
    return isinstance(record.get("messages"), list)


def _content(message: dict[str, Any]) -> Any:
    content = message.get("content")
    calls = message.get("tool_calls") or message.get("function_call")
    if content in (None, "") and calls:
        calls = calls if isinstance(calls, list) else [{"function": calls}]
        rendered = []
        for call in calls:
            function = call.get("function", call) if isinstance(call, dict) else {}
            args = function.get("arguments", "")
            args = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
            rendered.append(f"[tool call {function.get('name', '?')}({args[:2000]})]")
        return "\n".join(rendered)
    return content


def convert(record: dict[str, Any], ctx: RecordContext) -> list[Conversation]:
    turns = []
    for number, message in enumerate(record["messages"], start=1):
        if not isinstance(message, dict):
            raise RecordError(f"message {number} is {type(message).__name__}, not an object")
        turns.append((message.get("role"), _content(message)))
    return [build_conversation(
        turns, ctx, model=record.get("model"), user_id=record.get("user") or record.get("user_id"),
        timestamp=record.get("timestamp") or record.get("created"), language=record.get("language"),
        meta=scalar_extras(record, _COLUMNS),
    )]
