"""The extract stage's I/O: read scrubbed conversations, write the ``features`` table."""

from __future__ import annotations

import json
from dataclasses import dataclass

from wildvalues.records import Features, Message
from wildvalues.stage import MissingInput
from wildvalues.workspace import Workspace

FEATURES_DDL = """
CREATE TABLE IF NOT EXISTS features (
    conversation_id VARCHAR PRIMARY KEY, subjectivity_level INT, subjective BOOLEAN, ai_values VARCHAR[],
    human_values VARCHAR[], response_type VARCHAR, task VARCHAR, stated_ai_values VARCHAR[], raw_outputs JSON,
    failures JSON, prompt_version VARCHAR, extractor_model VARCHAR, run_id VARCHAR
)"""


@dataclass
class TextConversation:
    """A conversation as extraction sees it (scrubbed text unless explicitly allowed otherwise)."""

    conversation_id: str
    messages: list[Message]


def load_conversations(ws: Workspace, allow_unscrubbed: bool = False) -> tuple[list[TextConversation], str]:
    if ws.has_table("scrubbed_messages"):
        table, source = "scrubbed_messages", "scrubbed"
    elif allow_unscrubbed and ws.has_table("messages", schema="raw"):
        table, source = "raw.messages", "raw (unscrubbed, allowed explicitly)"
    else:
        raise MissingInput(ws.root, "scrubbed_messages table (or --allow-unscrubbed to read raw text)",
                           "wildvalues scrub")
    rows = ws.con.execute(
        f"SELECT conversation_id, role, content FROM {table} ORDER BY conversation_id, idx"
    ).fetchall()
    grouped: dict[str, list[Message]] = {}
    for cid, role, content in rows:
        if role in ("user", "assistant", "system", "tool"):
            grouped.setdefault(cid, []).append(Message(role=role, content=content or ""))
    return [TextConversation(cid, msgs) for cid, msgs in grouped.items()], source


def write_features(ws: Workspace, features: list[Features]) -> None:
    ws.con.execute(FEATURES_DDL)
    for f in features:
        ws.con.execute("DELETE FROM features WHERE conversation_id = ?", [f.conversation_id])
        ws.con.execute(
            "INSERT INTO features VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                f.conversation_id,
                f.subjectivity_level,
                f.subjective,
                f.ai_values,
                f.human_values,
                f.response_type,
                f.task,
                f.stated_ai_values,
                json.dumps(f.raw_outputs, default=str),
                json.dumps(f.failures),
                f.prompt_version,
                f.extractor_model,
                f.run_id,
            ],
        )
