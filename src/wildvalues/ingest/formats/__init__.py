"""One module per format family. JSON-record families share the interface
``NAME``, ``looks_like(record) -> bool`` and ``convert(record, ctx) -> list[Conversation]``
(raising ``RecordError``); CSV layouts (xstest, mapped CSV) read rows; arena joins two files.
"""

from __future__ import annotations

from typing import Any

from wildvalues.ingest.formats import alpaca_eval, arena, hh_rlhf, openai, sharegpt, wildchat

# Record-shaped families, in the order a record is tried. Arena answers come first: they carry
# ``messages`` too, but need their question file.
JSON_FAMILIES = {module.NAME: module for module in (arena, sharegpt, openai, wildchat, hh_rlhf, alpaca_eval)}
_CHAT_KEYS = {"messages": "openai", "conversations": "sharegpt", "conversation": "wildchat"}

FORMATS = ("auto", "openai", "sharegpt", "hh-rlhf", "alpaca-eval", "arena", "xstest", "wildchat", "csv")


def shape_of(record: Any) -> str | None:
    """The family a JSON record looks like; raises ValueError when it looks like two chat layouts."""
    if not isinstance(record, dict):
        return None
    if arena.looks_like_answer(record):
        return arena.NAME
    chat = [name for key, name in _CHAT_KEYS.items() if isinstance(record.get(key), list)]
    if len(chat) > 1:
        raise ValueError(f"ambiguous record: has {' and '.join(repr(k) for k in _CHAT_KEYS if k in record)}")
    for name, module in JSON_FAMILIES.items():
        if name != arena.NAME and module.looks_like(record):
            return name
    return None
