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
from wildvalues.taxonomy import store
from wildvalues.taxonomy.frozen import frozen_hierarchy, load_tree_csv, map_labels, resolve_reference_tree

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
    needs_llm = tcfg.naming != "extractive"
    with ws.run("taxonomy build", {"trees": trees}, cfg.model_dump()) as run, \
            client_for(cfg.llm, ws, run.run_id, given=client, needed=needs_llm) as judge:
        embed_fn = _embed_fn(cfg.embed.model, cfg.embed.batch_size)
        for tree in trees:
            started = time.perf_counter()
            progress.say(f"{tree} tree")
            namer = store.make_namer(tcfg, tree, judge)
            if tree == "tasks":
                tasks = dict(ws.con.execute(
                    "SELECT conversation_id, trim(task) FROM features "
                    "WHERE task IS NOT NULL AND trim(task) <> ''").fetchall())
                if len(tasks) < 2:
                    summary["trees"][tree] = {"skipped": f"{len(tasks)} conversation(s) with a task"}
                    continue
                hierarchy, base_of = store.build_task_tree(tasks, embed_fn, namer, tcfg, progress.say)
                paths = store.path_rows(hierarchy, base_of)
                info = {"conversations": len(tasks)}
            else:
                weights, info = store.label_weights(ws, tree)
                if len(weights) < 2:
                    summary["trees"][tree] = {"skipped": f"{len(weights)} distinct label(s)", **info}
                    continue
                hierarchy = store.build_value_tree(weights, tree, embed_fn, namer,
                                                   store.settings_from(tcfg), progress.say)
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
    names = {cid: node.name for cid, node in ref.nodes.items()}
    trees = trees or [t for t in tcfg.trees if t != "tasks"]
    summary: dict[str, Any] = {"reference_tree": str(path), "min_similarity": tcfg.frozen_min_similarity,
                               "embedding_model": cfg.embed.model, "trees": {}}
    with ws.run("taxonomy frozen", {"trees": trees, "reference": str(path)}, cfg.model_dump()) as run:
        embed_fn = _embed_fn(cfg.embed.model, cfg.embed.batch_size)
        for tree in trees:
            if tree == "tasks":
                raise ValueError("frozen mode maps value labels; the paper released no task tree")
            weights, info = store.label_weights(ws, tree)
            mappings = map_labels(list(weights), ref, embed_fn, tcfg.frozen_min_similarity)
            hierarchy = frozen_hierarchy(mappings, weights, ref, tree)
            store.write_tree(ws, tree, store.node_rows(hierarchy, run.run_id),
                             store.frozen_path_rows(tree, mappings, names))
            how = {k: sum(1 for m in mappings if m.how == k) for k in ("exact", "nearest", "unmapped")}
            share = sum(weights[m.label] for m in mappings if m.how == "unmapped") / max(1.0, sum(
                weights.values()))
            summary["trees"][tree] = {**info, **how, "unmapped_share_of_mentions": round(share, 4)}
        run.counts.update(summary)
        summary["run_id"] = run.run_id
    return summary


def run(ws: Workspace, cfg: Config, *, progress: Progress = SILENT, client: LLMClient | None = None
        ) -> StageResult:
    """The pipeline's taxonomy stage: build the configured trees (``build_taxonomy``)."""
    started = time.perf_counter()
    summary = build_taxonomy(ws, cfg, client=client, progress=progress)
    return StageResult("taxonomy", summary, time.perf_counter() - started)
