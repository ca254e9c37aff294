"""Extraction over a workspace: read scrubbed messages, skip what is done, write the ``features`` table."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wildvalues.extract.config import ExtractConfig
from wildvalues.extract.core import extract_batch, load_mode_heads, record_version, usable_stacker
from wildvalues.extract.prompts import load_prompts
from wildvalues.records import Features, Message
from wildvalues.workspace import Workspace

FEATURES_DDL = """
CREATE TABLE IF NOT EXISTS features (
    conversation_id VARCHAR PRIMARY KEY, subjectivity_level INT, subjective BOOLEAN, ai_values VARCHAR[],
    human_values VARCHAR[], response_type VARCHAR, task VARCHAR, stated_ai_values VARCHAR[], raw_outputs JSON,
    failures JSON, prompt_version VARCHAR, extractor_model VARCHAR, run_id VARCHAR
)"""


class UnscrubbedError(RuntimeError):
    pass


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
        raise UnscrubbedError(
            f"{ws.root}: no scrubbed_messages table; run `wildvalues scrub` first "
            "(or pass --allow-unscrubbed to read raw text)"
        )
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


def extract_workspace(
    ws: Workspace,
    cfg: Any,
    client: Any = None,
    limit: int | None = None,
    dry_run: bool = False,
    allow_unscrubbed: bool | None = None,
    batch_size: int = 8,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Extract features for every scrubbed conversation not yet extracted with this prompt version.

    ``cfg`` is the whole :class:`wildvalues.config.Config` (its ``extract`` and ``llm`` sections are used).
    Returns the run's account: conversations read = already done + extracted + failed.
    """
    ecfg: ExtractConfig = cfg.extract
    allow = ecfg.allow_unscrubbed if allow_unscrubbed is None else allow_unscrubbed
    conversations, source = load_conversations(ws, allow)
    prompts = load_prompts(ecfg.mode, ecfg.prompts_dir)
    ws.con.execute(FEATURES_DDL)
    done_rows = ws.con.execute("SELECT conversation_id, prompt_version FROM features").fetchall()
    heads = load_mode_heads(ecfg)
    if client is not None:
        judge = str(client.model)
    else:  # the client is built after the dry-run return: name its model from the settings
        from wildvalues.llm.models import served_model_name

        judge = served_model_name(cfg.llm.backend, cfg.llm.model, cfg.llm.model_path)
    # a refit of the heads or the stacker re-extracts, as a prompt change does
    version = record_version(prompts, heads, usable_stacker(ecfg, judge))
    done = {cid for cid, row_version in done_rows if row_version == version}
    todo = [c for c in conversations if c.conversation_id not in done]
    if limit is not None:
        todo = todo[:limit]
    summary: dict[str, Any] = {
        "source": source,
        "conversations": len(conversations),
        "already_extracted": len(conversations)
        - len([c for c in conversations if c.conversation_id not in done]),
        "to_extract": len(todo),
        "mode": ecfg.mode,
        "prompt_version": version,
    }
    if dry_run:
        summary["dry_run"] = True
        return summary
    own_client = client is None
    with ws.run("extract", {"limit": limit, "mode": ecfg.mode}, cfg.model_dump()) as run:
        # --- engine branch (issue 15): the same batches in this process or on a Ray Data actor pool ---
        started = time.perf_counter()
        if cfg.engine.name == "ray":
            from wildvalues.engine.merge import save_llm_summary
            from wildvalues.engine.ray_engine import extract_ray

            result = extract_ray(ws, todo, cfg, run_id=run.run_id, version=version)
            save_llm_summary(ws, run.run_id, cfg.llm.backend, judge, result.llm,
                             time.perf_counter() - started)
        else:
            from wildvalues.engine.local import extract_local

            if own_client:
                from wildvalues.llm import get_client

                client = get_client(cfg.llm, workspace=ws, run_id=run.run_id)
            try:
                result = extract_local(
                    ws, todo, lambda convs: extract_batch(convs, client, ecfg, prompts=prompts, heads=heads),
                    run_id=run.run_id, version=version, batch_size=batch_size, client=client,
                    progress=progress)
            finally:
                if own_client and client is not None:
                    client.close()
        accounting, written, with_failures = result.llm, result.extracted, result.with_failures
        # --- end engine branch ---
        elapsed = time.perf_counter() - started
        summary |= {
            "extracted": written,
            "with_failures": with_failures,
            "failed": result.failed,
            "engine": cfg.engine.name,
            "seconds": round(elapsed, 1),
            "s_per_conversation": round(elapsed / written, 2) if written else None,
            "llm": {
                k: accounting.get(k)
                for k in ("calls", "cached", "new", "failed", "prompt_tokens", "completion_tokens", "dollars")
                if k in accounting
            },
            "run_id": run.run_id,
        }
        run.counts.update({k: v for k, v in summary.items() if k != "llm"} | {"llm": summary["llm"]})
    return summary
