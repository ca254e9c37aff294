"""alpaca_eval ``model_outputs.json``: ``[{"instruction", "output", "generator", "dataset"?, "input"?}]``."""

from __future__ import annotations

from typing import Any

from wildvalues.ingest.normalize import RecordContext, build_conversation, scalar_extras
from wildvalues.records import Conversation

NAME = "alpaca-eval"
_COLUMNS = {"instruction", "output", "generator", "input"}


def looks_like(record: dict[str, Any]) -> bool:
    return "instruction" in record and "output" in record


def convert(record: dict[str, Any], ctx: RecordContext) -> list[Conversation]:
    prompt = record.get("instruction")
    extra = record.get("input")
    if isinstance(prompt, str) and isinstance(extra, str) and extra.strip():
        prompt = f"{prompt}\n\n{extra}"
    return [build_conversation([("user", prompt), ("assistant", record.get("output"))], ctx,
                               model=record.get("generator"), meta=scalar_extras(record, _COLUMNS))]
