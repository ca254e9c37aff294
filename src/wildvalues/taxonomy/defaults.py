"""What the taxonomy stage builds by default (issue 13): the paper's tree, request tasks, grounded names.

* value trees: mapped onto the paper's released tree wherever its files are found
  (``taxonomy.value_trees = "auto"``; ``reference.py`` says where it looks), else built by the
  hierarchizer with every LLM-written name checked against its members (``grounding.py``);
* tasks: when most conversations carry no task sentence (the fast profile writes none), the tree is built
  from the users' first requests (``tasks.py``), named by keywords.
"""

from __future__ import annotations

from typing import Any

from wildvalues.taxonomy import store
from wildvalues.taxonomy.config import TaxonomyConfig
from wildvalues.taxonomy.frozen import frozen_hierarchy, load_tree_csv, map_labels
from wildvalues.taxonomy.grounding import GroundingRule, ground_hierarchy, rule_for
from wildvalues.taxonomy.hierarchy import EmbedFn, Hierarchy
from wildvalues.taxonomy.reference import ReferenceLookup, find_released_file
from wildvalues.taxonomy.tasks import TaskTreeSettings, request_text, task_hierarchy


def grounding_rule(cfg) -> GroundingRule:
    """The rule measured for the configured embedding model, with the config's overrides."""
    return rule_for(cfg.embed.model, cfg.taxonomy.grounding_floor, cfg.taxonomy.grounding_margin)


def value_tree_reference(tcfg: TaxonomyConfig) -> ReferenceLookup | None:
    """The reference tree the value trees are mapped onto, or None when they are to be built."""
    if tcfg.value_trees == "build":
        return None
    lookup = find_released_file("values_tree.csv", tcfg.reference_tree or None,
                                download=tcfg.reference_download)
    if lookup.path is None and tcfg.value_trees == "frozen":
        from wildvalues.taxonomy.frozen import TreeFileError

        raise TreeFileError("taxonomy.value_trees = 'frozen' but no reference tree was found: "
                            + "; ".join(lookup.notes))
    return lookup


def write_frozen_tree(ws, tree: str, reference: Hierarchy, embed_fn: EmbedFn, tcfg: TaxonomyConfig,
                      run_id: str) -> dict[str, Any]:
    """Map ``tree``'s labels onto ``reference`` and write it; returns the mapping counts."""
    weights, info = store.label_weights(ws, tree)
    if not weights:
        return {"skipped": "0 distinct labels", **info}
    mappings = map_labels(list(weights), reference, embed_fn, tcfg.frozen_min_similarity)
    hierarchy = frozen_hierarchy(mappings, weights, reference, tree)
    names = {cid: node.name for cid, node in reference.nodes.items()}
    store.write_tree(ws, tree, store.node_rows(hierarchy, run_id),
                     store.frozen_path_rows(tree, mappings, names))
    how = {k: sum(1 for m in mappings if m.how == k) for k in ("exact", "nearest", "unmapped")}
    share = sum(weights[m.label] for m in mappings if m.how == "unmapped") / max(1.0, sum(weights.values()))
    return {**info, **how, "unmapped_share_of_mentions": round(share, 4)}


def frozen_value_trees(ws, trees: list[str], lookup: ReferenceLookup, embed_fn: EmbedFn, tcfg: TaxonomyConfig,
                       run_id: str) -> dict[str, Any]:
    reference = load_tree_csv(lookup.path)
    out = {}
    for tree in trees:
        out[tree] = {"mode": "frozen", "reference_tree": str(lookup.path), "reference_source": lookup.source,
                     **write_frozen_tree(ws, tree, reference, embed_fn, tcfg, run_id)}
    return out


def wants_request_tasks(ws, tcfg: TaxonomyConfig, n_task_sentences: int) -> bool:
    """``task_source``: requests / sentences, or auto = requests when under half the conversations
    have a task sentence (the fast profile writes none)."""
    if tcfg.task_source != "auto":
        return tcfg.task_source == "requests"
    n_features = ws.con.execute("SELECT count(*) FROM features").fetchone()[0]
    return n_task_sentences < 0.5 * n_features and ws.has_table("scrubbed_messages")


def first_requests(ws, max_turns: int = 2, max_chars: int = 1000) -> dict[str, str]:
    """conversation_id -> its first user turns (scrubbed), for every conversation in ``features``."""
    if not ws.has_table("scrubbed_messages"):
        raise store.TaxonomyInputError(f"{ws.db_path}: no table 'scrubbed_messages'; run `wildvalues scrub`")
    rows = ws.con.execute("""
        SELECT conversation_id, list(content ORDER BY idx) FROM (
            SELECT m.conversation_id, m.idx, m.content,
                   row_number() OVER (PARTITION BY m.conversation_id ORDER BY m.idx) AS turn
            FROM scrubbed_messages m SEMI JOIN features f USING (conversation_id)
            WHERE m.role = 'user')
        WHERE turn <= ? GROUP BY conversation_id""", [max_turns]).fetchall()
    requests = {cid: request_text(turns, max_chars) for cid, turns in rows}
    return {cid: text for cid, text in requests.items() if text}


def request_task_tree(ws, cfg, embed_fn: EmbedFn, namer=None, progress=None
                      ) -> tuple[Hierarchy, dict[str, str], dict[str, Any]] | None:
    """The task tree from the users' requests; None when fewer than 2 conversations have one.

    Named by keywords unless an LLM ``namer`` is given (then its names must pass the grounding check).
    """
    tcfg = cfg.taxonomy
    requests = first_requests(ws)
    if len(requests) < 2:
        return None
    ids = sorted(requests)
    texts = [requests[c] for c in ids]
    if progress:
        progress(f"tasks: embedding {len(ids)} requests")
    settings = TaskTreeSettings(conversations_per_base_task=tcfg.conversations_per_base_task,
                                levels=tcfg.task_levels, top=tcfg.task_top_clusters, seed=tcfg.seed)
    hierarchy, base_of = task_hierarchy(texts, embed_fn(texts), ids, settings=settings, namer=namer,
                                        embed_fn=embed_fn, rule=grounding_rule(cfg), progress=progress)
    return hierarchy, base_of, {"source": "requests", "conversations": len(ids)}


def ground_tree(hierarchy: Hierarchy, embed_fn: EmbedFn, cfg) -> dict[str, Any]:
    """Check every LLM-written name of a built tree; failing ones fall back to a member's label."""
    return ground_hierarchy(hierarchy, embed_fn, grounding_rule(cfg))
