"""Small synthetic scrubbed workspaces for the engine tests (every user and assistant text distinct)."""

from __future__ import annotations

from typing import Any

TOPICS = ["honesty", "cooking", "python code", "grief", "travel", "money", "a lock", "poetry", "exercise",
          "tax law", "gardening", "a job interview"]


def fill_scrubbed(ws: Any, n: int) -> list[str]:
    """Write ``n`` two-turn conversations into ``scrubbed_messages``; return their ids."""
    ws.con.execute("""CREATE TABLE IF NOT EXISTS scrubbed_messages (conversation_id VARCHAR, idx INTEGER,
                      role VARCHAR, content VARCHAR, run_id VARCHAR, PRIMARY KEY (conversation_id, idx))""")
    ids = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        cid = f"c{i:04d}"
        user = f"I believe {topic} matters to me (question {i}). Can you help me with {topic}?"
        reply = (f"Sure, here is help number {i} about {topic}. I can't help with anything illegal, "
                 f"and I value being honest with you (note {i}).")
        ws.con.execute("INSERT INTO scrubbed_messages VALUES (?, 0, 'user', ?, 'test')", [cid, user])
        ws.con.execute("INSERT INTO scrubbed_messages VALUES (?, 1, 'assistant', ?, 'test')", [cid, reply])
        ids.append(cid)
    return ids


def features_rows(ws: Any) -> list[tuple]:
    """Every features row without its run id, ordered by conversation id."""
    return ws.con.execute(
        "SELECT * EXCLUDE (run_id) FROM features ORDER BY conversation_id").fetchall()
