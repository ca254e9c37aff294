"""Rare-value alerts: embedding similarity when the embed stage answers, else a recorded lexical match."""

from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd
import scipy.sparse as sp

from wildvalues.analyze.alerts import alerts
from wildvalues.analyze.config import AnalyzeConfig
from wildvalues.analyze.data import Coded, Labels, StudyData
from wildvalues.analyze.frequencies import Context, value_frequencies
from wildvalues.analyze.support import Support


def _context(cfg: AnalyzeConfig) -> Context:
    n = 2000
    names = np.array(["ethical boundaries", "helpfulness", "power and dominance", "zest"], dtype=object)
    # ethical boundaries in 3 conversations (rare, unrelated), helpfulness in 1,500 (common),
    # "power and dominance" in one (rare, close to the watchlist), zest in one (rare, unrelated)
    rows = [7, 8, 9] + list(range(1500)) + [5, 6]
    cols = [0, 0, 0] + [1] * 1500 + [2, 3]
    matrix = sp.csr_matrix((np.ones(len(rows), np.int32), (rows, cols)), shape=(n, 4))
    empty = Labels(np.array([], dtype=object), sp.csr_matrix((n, 0), dtype=np.int32))
    data = StudyData(
        conversation_ids=np.array([f"c{i}" for i in range(n)], dtype=object),
        sides={"ai": Labels(names, matrix), "human": empty, "stated": empty},
        response=Coded(np.array(["strong_support"], dtype=object), np.zeros(n, np.int64)),
        model=None,
        user_codes=None,
        tasks={0: Coded(np.array(["t"], dtype=object), np.zeros(n, np.int64))},
        value_paths={},
        population="subjective",
        n_features=n,
    )
    return Context(data, cfg, Support(None), np.random.default_rng(0))


def test_lexical_alerts_queue_the_conversations_of_rare_watchlist_values() -> None:
    ctx = _context(AnalyzeConfig(alert_method="lexical", alert_watchlist=["dominance"], bootstrap=0))
    found, queue = alerts(ctx, value_frequencies(ctx))
    assert found["value"].tolist() == [
        "power and dominance"
    ]  # rare (0.05 %) and matches; helpfulness is common
    assert found["method"].tolist() == ["lexical"]
    assert queue["conversation_id"].tolist() == ["c5"]


def test_embedding_alerts_use_similarity_and_fallback_is_recorded(monkeypatch) -> None:
    vectors = {
        "dominance": [1.0, 0.0],
        "power and dominance": [0.9, 0.436],
        "ethical boundaries": [0.0, 1.0],
        "zest": [0.2, 0.98],
    }

    def fake_encode(texts: list[str], model: str = "x") -> np.ndarray:
        out = np.array([vectors[t] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    monkeypatch.setitem(sys.modules, "wildvalues.embed", types.SimpleNamespace(encode=fake_encode))
    cfg = AnalyzeConfig(alert_watchlist=["dominance"], alert_min_similarity=0.8, bootstrap=0)
    ctx = _context(cfg)
    found, _ = alerts(ctx, value_frequencies(ctx))
    assert found["value"].tolist() == ["power and dominance"]
    assert found["method"].iloc[0] == "embedding:all-MiniLM-L6-v2"

    def broken(texts: list[str], model: str = "x") -> np.ndarray:
        raise RuntimeError("model not pulled")

    monkeypatch.setitem(sys.modules, "wildvalues.embed", types.SimpleNamespace(encode=broken))
    ctx = _context(cfg)
    found, _ = alerts(ctx, value_frequencies(ctx))
    assert found["method"].tolist() == ["lexical"]
    assert any("model not pulled" in note for _, note in ctx.notes)
    assert isinstance(found, pd.DataFrame)
