"""The taxonomy stage's entry points: ``build_taxonomy`` and ``frozen_taxonomy`` over a workspace.

``wildvalues run`` calls ``build_taxonomy(ws, cfg)`` after extraction; the ``taxonomy`` CLI wraps both.
Each records a run (``runs`` table) with its counts and the LLM accounting.
"""

from __future__ import annotations

import time
from typing import Any

from wildvalues.taxonomy import defaults, store
from wildvalues.taxonomy.frozen import load_tree_csv, resolve_reference_tree


def _embed_fn(model: str, batch_size: int = 64):
    from wildvalues.embed import encode

    return lambda texts: encode(list(texts), model, batch_size=batch_size)


def _client_for(cfg, ws, run_id: str, client: Any):
    if client is not None or cfg.taxonomy.naming == "extractive":
        return client
    from wildvalues.llm import get_client
    from wildvalues.taxonomy.defaults import LazyClient  # issue 13: no model load unless a name is asked

    return LazyClient(lambda: get_client(cfg.llm, workspace=ws, run_id=run_id))


def build_taxonomy(ws, cfg, client: Any = None, trees: list[str] | None = None,
                   progress: store.ProgressFn | None = None) -> dict[str, Any]:
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
    with ws.run("taxonomy build", {"trees": trees}, cfg.model_dump()) as run:
        own_client = client is None
        client = _client_for(cfg, ws, run.run_id, client)
        embed_fn = _embed_fn(cfg.embed.model, cfg.embed.batch_size)
        try:
            # issue 13: value trees onto the paper's tree where its files are found (else built, grounded)
            reference = defaults.value_tree_reference(tcfg)
            if reference is not None:
                summary["reference_notes"] = reference.notes
            if reference is not None and reference.path is not None:
                frozen = [t for t in trees if t != "tasks"]
                summary["trees"].update(defaults.frozen_value_trees(ws, frozen, reference, embed_fn, tcfg,
                                                                    run.run_id))
                trees = [t for t in trees if t == "tasks"]
            for tree in trees:
                started = time.perf_counter()
                namer = store.make_namer(tcfg, tree, client)
                if tree == "tasks":
                    tasks = dict(ws.con.execute(
                        "SELECT conversation_id, trim(task) FROM features "
                        "WHERE task IS NOT NULL AND trim(task) <> ''").fetchall())
                    built = (defaults.request_task_tree(ws, cfg, embed_fn, progress=progress)  # issue 13
                             if defaults.wants_request_tasks(ws, tcfg, len(tasks)) else None)
                    if built is not None:
                        hierarchy, base_of, info = built
                    elif len(tasks) < 2:
                        summary["trees"][tree] = {"skipped": f"{len(tasks)} conversation(s) with a task"}
                        continue
                    else:
                        hierarchy, base_of = store.build_task_tree(tasks, embed_fn, namer, tcfg, progress,
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
                                                       store.settings_from(tcfg), progress)
                    info["grounding"] = defaults.ground_tree(hierarchy, embed_fn, cfg)  # issue 13
                    paths = store.path_rows(hierarchy)
                store.write_tree(ws, tree, store.node_rows(hierarchy, run.run_id), paths)
                summary["trees"][tree] = {**info, **store.tree_summary(hierarchy),
                                          "seconds": round(time.perf_counter() - started, 1)}
            if client is not None and hasattr(client, "accounting"):
                summary["llm"] = client.accounting()
        finally:
            if own_client and client is not None and hasattr(client, "close"):
                client.close()
        run.counts.update(summary)
        summary["run_id"] = run.run_id
    return summary


def frozen_taxonomy(ws, cfg, trees: list[str] | None = None, reference: str | None = None
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
