"""Any CSV with a column mapping: ``--map user=prompt,assistant=response,model=generator``.

Mapping keys: ``user`` (required), ``assistant``, ``system``, ``model``, ``user_id``, ``timestamp``,
``language``. Columns not mapped are kept in ``meta`` when short.
"""

from __future__ import annotations

from typing import Any

from wildvalues.ingest.normalize import RecordContext, build_conversation, scalar_extras

NAME = "csv"
KEYS = ("user", "assistant", "system", "model", "user_id", "timestamp", "language")


def parse_map(spec: str | None) -> dict[str, str]:
    """``"user=prompt,assistant=response"`` -> dict; raises ValueError naming the bad part."""
    mapping: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        key, sep, column = part.partition("=")
        key = key.strip()
        if not sep or not column.strip():
            raise ValueError(f"--map part {part!r} is not KEY=COLUMN")
        if key not in KEYS:
            raise ValueError(f"--map key {key!r} is not one of {', '.join(KEYS)}")
        mapping[key] = column.strip()
    return mapping


def check_columns(mapping: dict[str, str], columns: list[str]) -> str | None:
    """A message when the mapping cannot be applied to these columns, else None."""
    if "user" not in mapping:
        return "the column mapping needs at least user=COLUMN (--map user=...,assistant=...)"
    missing = [column for column in mapping.values() if column not in columns]
    if missing:
        return f"mapped column(s) {missing} not in the CSV header {columns[:20]}"
    return None


def convert(row: dict[str, Any], ctx: RecordContext, mapping: dict[str, str]) -> list:
    turns = [(role, row.get(mapping[role])) for role in ("system", "user", "assistant") if role in mapping]
    if "system" in mapping and not (row.get(mapping["system"]) or "").strip():
        turns = turns[1:]
    return [build_conversation(
        turns, ctx, model=row.get(mapping.get("model", "")), user_id=row.get(mapping.get("user_id", "")),
        timestamp=row.get(mapping.get("timestamp", "")), language=row.get(mapping.get("language", "")),
        meta=scalar_extras({k: v for k, v in row.items() if isinstance(k, str)}, set(mapping.values())),
    )]
