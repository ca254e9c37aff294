"""Labelled conversations (the eval set schema of ../shared/eval/README.md) as typed records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from wildvalues.records import RESPONSE_TYPES, Message


class GoldLabels(BaseModel):
    subjectivity_level: int | None = Field(default=None, ge=1, le=4)
    subjective: bool | None = None
    ai_values: list[str] = Field(default_factory=list)
    human_values: list[str] = Field(default_factory=list)
    response_type: str | None = None
    task: str | None = None
    stated_ai_values: list[str] = Field(default_factory=list)
    response_type_alternatives: list[str] = Field(default_factory=list)


class GoldConversation(BaseModel):
    id: str
    source: str = ""
    messages: list[Message]
    labels: GoldLabels
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def conversation_id(self) -> str:
        return self.id


class GoldFileError(ValueError):
    pass


def load_gold(path: Path | str, limit: int | None = None) -> list[GoldConversation]:
    """Read a gold JSONL file; a bad line raises an error naming file, line and problem."""
    records: list[GoldConversation] = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = GoldConversation.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as exc:
                raise GoldFileError(f"{path}, line {number}: {str(exc).splitlines()[0]}") from exc
            rtype = record.labels.response_type
            if rtype is not None and rtype not in RESPONSE_TYPES:
                raise GoldFileError(f"{path}, line {number}: unknown response_type {rtype!r}")
            records.append(record)
            if limit is not None and len(records) >= limit:
                break
    return records
