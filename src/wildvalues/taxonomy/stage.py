"""The taxonomy stage's entry points: ``build_taxonomy`` and ``frozen_taxonomy`` over a workspace.

``run(ws, cfg, *, progress, client)`` is the pipeline's shape of ``build_taxonomy``; the ``taxonomy``
CLI wraps both. Each records a run (``runs`` table) with its counts and the LLM accounting.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from wildvalues.llm import client_for
from wildvalues.progress import SILENT, Progress
from wildvalues.stage import StageResult
from wildvalues.taxonomy import defaults, store
from wildvalues.taxonomy.frozen import load_tree_csv, resolve_reference_tree

if TYPE_CHECKING:
    from wildvalues.config import Config
    from wildvalues.llm.base import LLMClient
    from wildvalues.workspace import Workspace


def _embed_fn(model: str, batch_size: int = 64):
    from wildvalues.embed import encode

    return lambda texts: encode(list(texts), model, batch_size=batch_size)


def build_taxonomy(ws: Workspace, cfg: Config, client: LLMClient | None = None,
                   trees: list[str] | None = None, progress: Progress = SILENT) -> dict[str, Any]:
    """Build the configured trees from ``features`` and write ``tree_nodes`` + ``label_paths``.

    ``cfg`` is the whole :class:`wildvalues.config.Config` (sections taxonomy, embed, llm). ``client``
    overrides the LLM client (tests); with ``taxonomy.naming = "extractive"`` no LLM is used.
    """
    store.require_features(ws)
    tcfg = cfg.taxonomy
    trees = trees or list(tcfg.trees)
    unknown = set(trees) - {"ai_values", "human_values", "tasks"}
    if unknown:
        raise ValueError(f"unknown tree(s) {sorted(unknown)}; expected ai_values, human_values, tasks")
    summary: dict[str, Any] = {"embedding_model": cfg.embed.model, "naming": tcfg.naming, "trees": {}}
    needs_llm = tcfg.naming != "extractive" and cfg.extract.uses_llm  # the fast profile asks no LLM
    summary["naming"] = tcfg.naming if needs_llm else "extractive"
    with ws.run("taxonomy build", {"trees": trees}, cfg.model_dump()) as run, \
            client_for(cfg.llm, ws, run.run_id, given=client if needs_llm else None,
                       needed=needs_llm, lazy=True) as judge:
        embed_fn = _embed_fn(cfg.embed.model, cfg.embed.batch_size)
        # value trees onto the paper's tree where its files are found (else built, names grounded)
        reference = defaults.value_tree_reference(tcfg)
        if reference is not None:
            summary["reference_notes"] = reference.notes
        if reference is not None and reference.path is not None:
            frozen = [t for t in trees if t != "tasks"]
            progress.say("value trees onto the paper's released tree")
            summary["trees"].update(defaults.frozen_value_trees(ws, frozen, reference, embed_fn, tcfg,
                                                                run.run_id))
            trees = [t for t in trees if t == "tasks"]
        for tree in trees:
            started = time.perf_counter()
            progress.say(f"{tree} tree")
            namer = store.make_namer(tcfg, tree, judge)
            if tree == "tasks":
                tasks = dict(ws.con.execute(
                    "SELECT conversation_id, trim(task) FROM features "
                    "WHERE task IS NOT NULL AND trim(task) <> ''").fetchall())
                built = (defaults.request_task_tree(ws, cfg, embed_fn, progress=progress.say)
                         if defaults.wants_request_tasks(ws, tcfg, len(tasks)) else None)
                if built is not None:  # no task sentences (fast profile): the users' requests, clustered
                    hierarchy, base_of, info = built
                elif len(tasks) < 2:
                    summary["trees"][tree] = {"skipped": f"{len(tasks)} conversation(s) with a task"}
                    continue
                else:
                    hierarchy, base_of = store.build_task_tree(tasks, embed_fn, namer, tcfg, progress.say,
                                                               defaults.grounding_rule(cfg))
                    info = {"conversations": len(tasks)}
                info["grounding"] = defaults.ground_tree(hierarchy, embed_fn, cfg)
                paths = store.path_rows(hierarchy, base_of)
            else:
                weights, info = store.label_weights(ws, tree)
                if len(weights) < 2:
                    summary["trees"][tree] = {"skipped": f"{len(weights)} distinct label(s)", **info}
                    continue
                hierarchy = store.build_value_tree(weights, tree, embed_fn, namer,
                                                   store.settings_from(tcfg), progress.say)
                info["grounding"] = defaults.ground_tree(hierarchy, embed_fn, cfg)
                paths = store.path_rows(hierarchy)
            store.write_tree(ws, tree, store.node_rows(hierarchy, run.run_id), paths)
            summary["trees"][tree] = {**info, **store.tree_summary(hierarchy),
                                      "seconds": round(time.perf_counter() - started, 1)}
        if judge is not None:
            summary["llm"] = judge.accounting()
        run.counts.update(summary)
        summary["run_id"] = run.run_id
    return summary


def frozen_taxonomy(ws: Workspace, cfg: Config, trees: list[str] | None = None, reference: str | None = None
                    ) -> dict[str, Any]:
    """Map the value labels of ``features`` onto a reference tree (default: the paper's)."""
    store.require_features(ws)
    tcfg = cfg.taxonomy
    path = resolve_reference_tree(reference or tcfg.reference_tree)
    ref = load_tree_csv(path)
    trees = trees or [t for t in tcfg.trees if t != "tasks"]
    summary: dict[str, Any] = {"reference_tree": str(path), "min_similarity": tcfg.frozen_min_similarity,
                               "embedding_model": cfg.embed.model, "trees": {}}
    with ws.run("taxonomy frozen", {"trees": trees, "reference": str(path)}, cfg.model_dump()) as run:
        embed_fn = _embed_fn(cfg.embed.model, cfg.embed.batch_size)
        for tree in trees:
            if tree == "tasks":
                raise ValueError("frozen mode maps value labels; the paper released no task tree")
            summary["trees"][tree] = defaults.write_frozen_tree(ws, tree, ref, embed_fn, tcfg, run.run_id)
        run.counts.update(summary)
        summary["run_id"] = run.run_id
    return summary


def run(ws: Workspace, cfg: Config, *, progress: Progress = SILENT, client: LLMClient | None = None
        ) -> StageResult:
    """The pipeline's taxonomy stage: build the configured trees (``build_taxonomy``)."""
    started = time.perf_counter()
    summary = build_taxonomy(ws, cfg, client=client, progress=progress)
    return StageResult("taxonomy", summary, time.perf_counter() - started)


# Tokens per call of the hierarchizer, measured on the paper-scale bench (docs/taxonomy.md: 154 calls,
# 42,206 prompt + 13,188 completion tokens with the embedded 1.5B judge): the dry run's per-call average.
PROMPT_TOKENS_PER_CALL = 274
COMPLETION_TOKENS_PER_CALL = 86


def estimate(ws: Workspace, cfg: Config, trees: list[str] | None = None) -> dict[str, Any]:
    """``taxonomy build --dry-run``: the call budget of each tree (an upper bound: the hierarchizer never
    passes ``calls_per_leaf`` x leaves) and its tokens at the measured per-call average."""
    import math

    from wildvalues.llm.base import ChatMessage, LLMRequest
    from wildvalues.llm.estimate import LocalSpeed, measure_local_speed

    store.require_features(ws)
    tcfg = cfg.taxonomy
    out: dict[str, Any] = {"dry_run": True, "naming": tcfg.naming, "trees": {}}
    calls = 0
    for tree in trees or list(tcfg.trees):
        if tree == "tasks":
            n = ws.con.execute("SELECT count(*) FROM features WHERE task IS NOT NULL AND trim(task) <> ''"
                               ).fetchone()[0]
            leaves = max(1, n // max(1, tcfg.conversations_per_base_task)) if n else 0
        else:
            leaves = len(store.label_weights(ws, tree)[0])
        budget = 0 if tcfg.naming == "extractive" or leaves < 2 else math.ceil(tcfg.calls_per_leaf * leaves)
        out["trees"][tree] = {"leaves": leaves, "llm_calls_at_most": budget}
        calls += budget
    prompt, completion = calls * PROMPT_TOKENS_PER_CALL, calls * COMPLETION_TOKENS_PER_CALL
    llm: dict[str, Any] = {"backend": cfg.llm.backend, "calls_at_most": calls, "prompt_tokens": prompt,
                           "completion_tokens": completion,
                           "token_method": "per-call average of the paper-scale bench (docs/taxonomy.md)"}
    price = cfg.llm.price_for(cfg.llm.model)
    if price is not None:
        from wildvalues.llm.client import request_dollars
        from wildvalues.llm.config import PRICES_AS_OF

        llm["dollars"] = round(request_dollars(cfg.llm, cfg.llm.model, prompt, completion), 4)
        llm["prices_as_of"] = PRICES_AS_OF
    if calls and cfg.llm.backend == "local":
        values = ", ".join(["honesty", "transparency", "clarity", "accuracy"] * 12)
        probe = LLMRequest(messages=(ChatMessage("user", f"Name the theme these values share: {values}"),),
                           max_tokens=16)
        speed: LocalSpeed | None = measure_local_speed(cfg.llm, probe)
        if speed is not None:
            llm["wall_seconds"] = round(prompt / speed.prompt_per_s + completion / speed.generate_per_s)
            llm["speed"] = f"{speed.prompt_per_s:.0f} prompt + {speed.generate_per_s:.1f} generated tokens/s"
    out["llm"] = llm
    return out
