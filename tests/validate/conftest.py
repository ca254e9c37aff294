"""A small study built in-process: scrubbed messages + features for 80 conversations (no models needed)."""

from __future__ import annotations

import numpy as np
import pytest

from wildvalues.extract.store import write_features
from wildvalues.records import RESPONSE_TYPES, Features
from wildvalues.workspace import Workspace

VALUES = (
    "helpfulness",
    "harm prevention",
    "honesty",
    "user autonomy",
    "historical accuracy",
    "patient wellbeing",
)


def build_study(ws: Workspace, n: int = 80, seed: int = 0) -> list[Features]:
    rng = np.random.default_rng(seed)
    ws.con.execute(
        "CREATE TABLE IF NOT EXISTS scrubbed_messages (conversation_id VARCHAR, idx INTEGER, role VARCHAR, "
        "content VARCHAR, run_id VARCHAR, PRIMARY KEY (conversation_id, idx))"
    )
    feats = []
    for i in range(n):
        cid = f"c{i:03d}"
        ws.con.execute(
            "INSERT INTO scrubbed_messages VALUES (?, 0, 'user', ?, 'r'), (?, 1, 'assistant', ?, 'r')",
            [cid, f"Question {i}: should I tell <PERSON> the truth?", cid, f"Answer {i}: honesty matters."],
        )
        level = int(rng.integers(1, 5))
        feats.append(
            Features(
                conversation_id=cid,
                subjectivity_level=level,
                subjective=level >= 3,
                ai_values=list(rng.choice(VALUES, size=2, replace=False)),
                human_values=["honesty"] if rng.random() < 0.4 else [],
                response_type=str(rng.choice(RESPONSE_TYPES)),
                task="advice",
                prompt_version="t",
                extractor_model="test",
                run_id="r",
            )
        )
    write_features(ws, feats)
    return feats


@pytest.fixture
def study(tmp_path):
    ws = Workspace(tmp_path / "study")
    feats = build_study(ws)
    yield ws, feats
    ws.close()
