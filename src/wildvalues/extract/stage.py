"""The extract stage: features for every scrubbed conversation not yet extracted with this extractor.

``run(ws, cfg, *, progress, client)`` is the pipeline's shape; ``estimate(ws, cfg)`` is its ``--dry-run``
(what the run would send, counted and priced, before anything is paid).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wildvalues.extract.core import extract_batch
from wildvalues.extract.extractor import build_extractor
from wildvalues.extract.store import FEATURES_DDL, TextConversation, load_conversations
from wildvalues.llm import client_for
from wildvalues.progress import SILENT, Progress
from wildvalues.stage import StageResult

if TYPE_CHECKING:
    from wildvalues.config import Config
    from wildvalues.llm.base import LLMClient
    from wildvalues.workspace import Workspace

ESTIMATE_SAMPLE = 200  # conversations a dry run extracts against the recording client, then scales up


@dataclass
class ExtractionPlan:
    """Which conversations the run will extract, and the version their rows will carry."""

    conversations: int
    already_extracted: int
    todo: list[TextConversation]
    version: str
    source: str

    def summary(self, mode: str) -> dict[str, Any]:
        return {"source": self.source, "conversations": self.conversations,
                "already_extracted": self.already_extracted, "to_extract": len(self.todo), "mode": mode,
                "prompt_version": self.version}


def _judge_name(cfg: Config, client: LLMClient | None) -> str | None:
    """The judge whose stacker decides the record version: none in the fast profile."""
    if not cfg.extract.uses_llm:
        return None
    return str(client.model) if client is not None else judge_model(cfg)


def judge_model(cfg: Config) -> str:
    """The model name the configured client will report (known before the client is built)."""
    from wildvalues.llm.models import served_model_name

    return served_model_name(cfg.llm.backend, cfg.llm.model, cfg.llm.model_path)


def plan_extraction(ws: Workspace, cfg: Config, judge: str | None) -> ExtractionPlan:
    """Pending conversations: those without a ``features`` row of the current version (a refit of the
    heads or the stacker, or a prompt change, re-extracts), cut to ``extract.limit``."""
    ecfg = cfg.extract
    conversations, source = load_conversations(ws, ecfg.allow_unscrubbed)
    ws.con.execute(FEATURES_DDL)
    version = build_extractor(ecfg, judge_model=judge).version
    rows = ws.con.execute("SELECT conversation_id, prompt_version FROM features").fetchall()
    done = {cid for cid, row_version in rows if row_version == version}
    pending = [c for c in conversations if c.conversation_id not in done]
    todo = pending if ecfg.limit is None else pending[: ecfg.limit]
    return ExtractionPlan(len(conversations), len(conversations) - len(pending), todo, version, source)


def run(ws: Workspace, cfg: Config, *, progress: Progress = SILENT, client: LLMClient | None = None
        ) -> StageResult:
    """Extract and write features batch by batch (resumable: each batch is written before the next)."""
    ecfg = cfg.extract
    started = time.perf_counter()
    client = client if ecfg.uses_llm else None  # the fast profile asks no judge
    plan = plan_extraction(ws, cfg, _judge_name(cfg, client))
    summary = plan.summary(ecfg.mode) | {"profile": ecfg.profile}
    args = {"limit": ecfg.limit, "profile": ecfg.profile, "all": ecfg.extract_all}
    args |= {"engine": cfg.engine.name}
    local = cfg.engine.name == "local"  # on Ray each actor builds its own extractor and client
    with ws.run("extract", args, cfg.model_dump()) as run_record, \
            client_for(cfg.llm, ws, run_record.run_id, given=client,
                       needed=bool(plan.todo) and ecfg.uses_llm and local) as judge:
        progress.start("extracting", total=len(plan.todo))
        if local:
            from wildvalues.engine.local import extract_local

            extractor = build_extractor(ecfg, judge)
            result = extract_local(ws, plan.todo, lambda batch: extract_batch(batch, extractor),
                                   run_id=run_record.run_id, version=plan.version,
                                   batch_size=cfg.engine.batch_size, client=judge,
                                   progress=lambda done, total: progress.update(done, total))
        else:
            from wildvalues.engine.merge import save_llm_summary
            from wildvalues.engine.ray_engine import extract_ray

            result = extract_ray(ws, plan.todo, cfg, run_id=run_record.run_id, version=plan.version,
                                 use_llm=ecfg.uses_llm)
            progress.update(len(plan.todo))
            if ecfg.uses_llm:
                save_llm_summary(ws, run_record.run_id, cfg.llm.backend, judge_model(cfg), result.llm,
                                 time.perf_counter() - started)
        accounting = result.llm
        written, with_failures = result.extracted, result.with_failures
        screened = ws.con.execute(
            "SELECT count(*) FROM features WHERE run_id = ? AND json_exists(raw_outputs, '$.screened')",
            [run_record.run_id]).fetchone()[0]
        elapsed = time.perf_counter() - started
        summary |= {
            "extracted": written,
            "failed": result.failed,
            "engine": cfg.engine.name,
            "screened_out_not_subjective": screened,
            "with_failures": with_failures,
            "seconds": round(elapsed, 1),
            "s_per_conversation": round(elapsed / written, 2) if written else None,
            "llm": {k: accounting.get(k) for k in
                    ("calls", "cached", "new", "failed", "prompt_tokens", "completion_tokens", "dollars")
                    if k in accounting},
            "run_id": run_record.run_id,
        }
        run_record.counts.update({k: v for k, v in summary.items() if k != "llm"} | {"llm": summary["llm"]})
    return StageResult("extract", summary, time.perf_counter() - started)


def estimate(ws: Workspace, cfg: Config, *, client: LLMClient | None = None, measure_speed: bool = True
             ) -> dict[str, Any]:
    """The dry run: what extraction would send for the pending conversations, counted and priced.

    The extractor runs on up to ``ESTIMATE_SAMPLE`` pending conversations (evenly spaced) against a
    recording client, so the requests are exactly the ones a run builds (truncation, gates, prompts);
    counts are scaled to all pending conversations. Answers already in the call cache count as cached.
    ``client`` (optional) is the judge the run would use instead of the configured one.
    """
    from wildvalues.llm.estimate import (
        estimate_requests,
        measure_local_speed,
        recording_client,
        workspace_cache,
    )

    client = client if cfg.extract.uses_llm else None
    model = str(client.model) if client is not None else judge_model(cfg)
    plan = plan_extraction(ws, cfg, _judge_name(cfg, client))
    step = max(1, len(plan.todo) // ESTIMATE_SAMPLE)
    sample = plan.todo[::step][:ESTIMATE_SAMPLE]
    recorder = recording_client(cfg.llm, model, _neutral_answer)
    if sample and cfg.extract.uses_llm:
        extract_batch(sample, build_extractor(cfg.extract, recorder))  # type: ignore[arg-type]
    speed = None
    if measure_speed and cfg.llm.backend == "local" and recorder.requests:
        speed = measure_local_speed(cfg.llm, recorder.requests[0])
    scale = len(plan.todo) / len(sample) if sample else 0.0
    out = plan.summary(cfg.extract.mode) | {"profile": cfg.extract.profile, "dry_run": True,
                                            "estimated_from": len(sample)}
    out["llm"] = estimate_requests(recorder.requests, cfg.llm, model, scale=scale,
                                   cache=workspace_cache(ws, cfg.llm), speed=speed,
                                   backend=client.backend if client is not None else None)
    return out


def _neutral_answer(req: Any) -> str:
    """A reply every parser accepts without a retry: a sentence for the task, no values for the lists."""
    return "The user asks for help with a request." if req.tag.endswith("task") else "none"
