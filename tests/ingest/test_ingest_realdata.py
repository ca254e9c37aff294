"""The real files in ../shared/data, with the expected counts worked out independently from the raw files."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from wildvalues.ingest import ingest
from wildvalues.ingest.config import IngestConfig
from wildvalues.workspace import Workspace


def _quarantine(ws: Workspace, run_id: str) -> list[tuple[str, str, str]]:
    return ws.con.execute(
        "SELECT source_file, location, reason FROM raw.quarantine WHERE run_id = ?", [run_id]
    ).fetchall()


def test_hh_rlhf_harmless_base_test(shared_data: Path, workspace: Workspace) -> None:
    path = shared_data / "hh-rlhf" / "harmless-base" / "test.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    # an oracle independent of the reader: a chosen transcript whose last assistant turn is empty
    empty = [
        n
        for n, r in enumerate(records, 1)
        if not any(
            part.strip()
            for part in r["chosen"].split("\n\nAssistant:")[1:]
            for part in [part.split("\n\nHuman:")[0]]
        )
    ]
    summary = ingest([path], workspace)
    assert summary.read == len(records) == 2312
    assert summary.rejected == len(empty) == 3
    assert summary.ingested + summary.duplicates == len(records) - len(empty)
    rows = _quarantine(workspace, summary.run_id)
    assert sorted(r[1] for r in rows) == sorted(f"line {n}" for n in empty)
    assert all(r[2] == "chosen: one-sided: no assistant message with text" for r in rows)
    first = workspace.con.execute(
        "SELECT role, content FROM raw.messages m JOIN raw.conversations c USING "
        "(conversation_id) WHERE c.source_ref = 'line 1' ORDER BY idx"
    ).fetchall()
    assert first[0] == ("user", "what are some pranks with a pen i can do?")
    assert [role for role, _ in first] == ["user", "assistant"] * (len(first) // 2)


def test_alpaca_eval_model_outputs(shared_data: Path, workspace: Workspace) -> None:
    paths = [
        shared_data / "alpaca_eval" / "results" / name / "model_outputs.json"
        for name in ("claude", "gpt4_1106_preview")
    ]
    expected = {}
    for path in paths:
        records = json.loads(path.read_text(encoding="utf-8"))
        expected[records[0]["generator"]] = len(records)
    summary = ingest(paths, workspace)
    assert summary.read == sum(expected.values()) and summary.rejected == 0
    models = dict(
        workspace.con.execute("SELECT model, count(*) FROM raw.conversations GROUP BY 1").fetchall()
    )
    assert models == expected


def _arena_oracle(folder: Path) -> tuple[int, int, int]:
    """(answers, answers whose turn count differs from the question's, answers with no text)."""
    questions = {}
    for line in (folder / "question.jsonl").read_text(encoding="utf-8").rstrip("\n").split("\n"):
        q = json.loads(line)
        questions[q.get("question_id", q.get("uid"))] = q
    answers = mismatched = empty = 0
    for path in sorted((folder / "model_answer").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").rstrip("\n").split("\n"):
            a = json.loads(line)
            answers += 1
            if "choices" in a:
                turns = a["choices"][0]["turns"]
                if len(turns) != len(questions[a["question_id"]]["turns"]):
                    mismatched += 1
                elif not any(t.strip() for t in turns):
                    empty += 1
    return answers, mismatched, empty


@pytest.mark.parametrize("version", ["arena-bench-v1", "arena-hard-v0.1", "arena-hard-v2.0"])
def test_arena_questions_joined_to_answers(shared_data: Path, workspace: Workspace, version: str) -> None:
    folder = shared_data / "arena-hard-auto" / version
    answers, mismatched, empty = _arena_oracle(folder)
    summary = ingest([folder], workspace)
    assert summary.read == answers
    assert summary.rejected == mismatched + empty
    reasons = [r[2] for r in _quarantine(workspace, summary.run_id)]
    assert sum("turns but question" in r for r in reasons) == mismatched
    assert sum(r == "one-sided: no assistant message with text" for r in reasons) == empty
    models = {m for (m,) in workspace.con.execute("SELECT DISTINCT model FROM raw.conversations").fetchall()}
    expected_models = {
        json.loads(p.read_text(encoding="utf-8").rstrip("\n").split("\n")[0]).get("model_id")
        or json.loads(p.read_text(encoding="utf-8").rstrip("\n").split("\n")[0]).get("model")
        for p in (folder / "model_answer").glob("*.jsonl")
    }
    assert models == expected_models
    categories = {
        json.loads(line)["category"]
        for line in (folder / "question.jsonl").read_text(encoding="utf-8").rstrip("\n").split("\n")
    }
    joined = workspace.con.execute("SELECT DISTINCT meta->>'category' FROM raw.conversations").fetchall()
    assert {c for (c,) in joined} == categories


def test_xstest_completions(shared_data: Path, workspace: Workspace) -> None:
    folder = shared_data / "xstest" / "model_completions"
    pairs, rows = set(), 0
    for path in sorted(folder.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                rows += 1
                pairs.add((path.stem, row["prompt"].strip(), row["completion"].replace("\r\n", "\n").strip()))
    summary = ingest([folder], workspace)
    assert (summary.read, summary.rejected) == (rows, 0)
    # identical transcripts from two models stay apart (the model is part of the content hash)
    assert summary.ingested == len(pairs)
    labels = workspace.con.execute(
        "SELECT meta->>'xstest_prompt_label', count(*) FROM raw.conversations GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert {label for label, _ in labels} == {"safe", "unsafe"}
    models = {m for (m,) in workspace.con.execute("SELECT DISTINCT model FROM raw.conversations").fetchall()}
    assert models == {"gpt4", "llama2new", "llama2orig", "mistralguard", "mistralinstruct"}


def test_wildchat_user_turns_through_a_column_mapping(shared_data: Path, workspace: Workspace) -> None:
    """The WildChat-derived CSV holds user turns only: one-sided by default, ingestible when allowed."""
    path = shared_data / "wildchat-agency-explorer" / "new_results_incomplete.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    mapping = {"user": "user_input", "timestamp": "timestamp"}
    strict = ingest([path], workspace, cfg=IngestConfig(csv_map=mapping))
    blank = sum(1 for r in rows if not r["user_input"].strip())
    assert (strict.read, strict.ingested, strict.rejected) == (len(rows), 0, len(rows))
    loose = ingest(
        [path], workspace, cfg=IngestConfig(csv_map=mapping, require_assistant=False)
    )
    distinct = len({r["user_input"].replace("\r\n", "\n").strip() for r in rows if r["user_input"].strip()})
    assert (loose.ingested, loose.rejected) == (distinct, blank)
    stamps = workspace.con.execute(
        'SELECT count(*) FROM raw.conversations WHERE "timestamp" IS NULL'
    ).fetchone()
    assert stamps == (0,)
