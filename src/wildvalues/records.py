"""Typed records that flow one way between the pipeline stages.

Stages add records of their own in their subpackages; the ones here are shared by several stages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Role = Literal["system", "user", "assistant", "tool"]

RESPONSE_TYPES: tuple[str, ...] = (
    "strong_support",
    "mild_support",
    "neutral_acknowledgment",
    "reframing",
    "mild_resistance",
    "strong_resistance",
    "no_values",
)


class Message(BaseModel):
    role: Role
    content: str


class Conversation(BaseModel):
    """One conversation as ingested (raw text; lives only in the raw store)."""

    conversation_id: str = Field(description="stable content hash of the messages")
    messages: list[Message]
    source: str = Field(description="format/corpus name, e.g. 'sharegpt', 'hh-rlhf'")
    source_file: str
    source_ref: str = Field(description="where in the file: 'line 12', 'index 4', 'row 7'")
    model: str | None = Field(default=None, description="the assistant model that generated the replies")
    user_id: str | None = None
    timestamp: datetime | None = None
    language: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class Rejection(BaseModel):
    """A record that could not be ingested; lands in the quarantine table."""

    source_file: str
    location: str = Field(description="'line 12', 'index 4', 'byte 1048576' ...")
    reason: str
    excerpt: str = ""


class Features(BaseModel):
    """What extraction found in one conversation (paper section 2.2, Appendix A.2-A.3)."""

    conversation_id: str
    subjectivity_level: int | None = Field(default=None, ge=1, le=4)
    subjective: bool | None = None
    ai_values: list[str] = Field(default_factory=list)
    human_values: list[str] = Field(default_factory=list)
    response_type: str | None = None
    task: str | None = None
    stated_ai_values: list[str] = Field(default_factory=list)
    raw_outputs: dict[str, Any] = Field(default_factory=dict, description="raw model output per feature")
    failures: dict[str, str] = Field(default_factory=dict, description="feature -> why it failed")
    prompt_version: str = ""
    extractor_model: str = ""
    run_id: str = ""
