import json

import pytest

from wildvalues.config import load_config
from wildvalues.workspace import Workspace


def test_run_records_counts_and_status(tmp_path):
    with Workspace(tmp_path / "ws") as ws:
        with ws.run("ingest", {"paths": ["a.jsonl"]}, {"k": 1}) as run:
            run.counts["read"] = 3
        row = ws.con.execute("SELECT command, status, counts, versions FROM runs").fetchone()
    assert row[0] == "ingest" and row[1] == "ok"
    assert json.loads(row[2]) == {"read": 3}
    assert "duckdb" in json.loads(row[3])


def test_failed_run_is_recorded(tmp_path):
    with Workspace(tmp_path / "ws") as ws:
        with pytest.raises(ValueError), ws.run("extract", {}):
            raise ValueError("boom")
        status, error = ws.con.execute("SELECT status, error FROM runs").fetchone()
    assert status == "failed" and "boom" in error


def test_raw_store_is_separate_and_never_exported(tmp_path):
    with Workspace(tmp_path / "ws") as ws:
        assert ws.has_table("messages", schema="raw")
        assert not ws.has_table("messages")
        with pytest.raises(ValueError):
            ws.export_parquet("raw.messages")
    assert (tmp_path / "ws" / "raw.duckdb").exists()


def test_config_layers(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text('[privacy]\nmin_conversations = 20\n[llm]\nbackend = "openai"\n')
    cfg = load_config(toml, overrides={"llm.backend": "anthropic", "privacy.min_users": None},
                      environ={"WILDVALUES_PRIVACY__MIN_USERS": "7"})
    assert cfg.privacy.min_conversations == 20
    assert cfg.privacy.min_users == 7
    assert cfg.llm.backend == "anthropic"
