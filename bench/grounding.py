"""Measure the grounding rule on the paper's tree, and the request task tree on a workspace.

1. ``floor``: for each of the 297 named parents of the paper's ``values_tree.csv`` (levels 1-3), the
   cosine of its true name with its children's centroid, against a *planted* name (a parent of the same
   level from another top-level branch; at the top level another top-level name, seeded draw). For a grid
   of floors and margins it prints how many true names pass and how many planted names fail
   (``wildvalues.taxonomy.grounding.check_names``, the rule the taxonomy stage applies).
2. ``tasks``: the task tree built from the first user turns of every conversation of a workspace's
   ``scrubbed_messages`` (what the stage does when features hold no task sentence): sizes, conversations
   per top-level task, names, seconds.

Run:  nice -n 10 .venv/bin/python bench/grounding.py floor [--model all-MiniLM-L6-v2]
      nice -n 10 .venv/bin/python bench/grounding.py tasks --workspace WS [--model all-MiniLM-L6-v2]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TREE = ROOT / ".." / "shared" / "data" / "values-in-the-wild" / "values_tree.csv"


def floor(model: str) -> None:
    from wildvalues.embed import encode
    from wildvalues.taxonomy.frozen import load_tree_csv
    from wildvalues.taxonomy.grounding import GroundingRule, check_names

    tree = load_tree_csv(TREE)
    embed = lambda texts: encode(list(texts), model)  # noqa: E731
    root_of = {}
    for cid, node in tree.nodes.items():
        while node.parent:
            node = tree.nodes[node.parent]
        root_of[cid] = node.cluster_id
    rng = np.random.default_rng(0)
    levels = []
    for level in (1, 2, 3):
        parents = tree.level(level)
        planted = []
        for p in parents:
            others = [q for q in parents if q is not p and (level == 3 or root_of[q.cluster_id] != root_of[
                p.cluster_id])]
            planted.append(others[rng.integers(len(others))].name)
        levels.append(([p.name for p in parents], planted, [[tree.nodes[c].name for c in p.children]
                                                             for p in parents]))
    print(f"model {model}; {sum(len(t) for t, _, _ in levels)} named parents")
    for margin in (1.0, 0.15, 0.1, 0.05):
        for low in (0.3, 0.35, 0.4, 0.45):
            rule = GroundingRule(low, margin)
            kept = failed = total = 0
            for true, planted, members in levels:
                kept += sum(c.passed for c in check_names(true, members, embed, rule))
                failed += sum(not c.passed for c in check_names(planted, members, embed, rule))
                total += len(true)
            print(f"floor {low:.2f} margin {margin:.2f}: true names pass {kept}/{total} "
                  f"({kept / total:.1%}), planted names fail {failed}/{total} ({failed / total:.1%})")


def tasks(workspace: Path, model: str) -> None:
    from wildvalues.embed import encode
    from wildvalues.taxonomy.tasks import request_text, task_hierarchy
    from wildvalues.workspace import Workspace

    with Workspace(workspace) as ws:
        rows = ws.con.execute("""
            SELECT conversation_id, list(content ORDER BY idx) FROM (
                SELECT conversation_id, idx, content,
                       row_number() OVER (PARTITION BY conversation_id ORDER BY idx) AS turn
                FROM scrubbed_messages WHERE role = 'user')
            WHERE turn <= 2 GROUP BY conversation_id""").fetchall()
    ids = [r[0] for r in rows]
    texts = [request_text(r[1]) for r in rows]
    keep = [i for i, t in enumerate(texts) if t]
    ids, texts = [ids[i] for i in keep], [texts[i] for i in keep]
    started = time.perf_counter()
    vectors = encode(texts, model)
    embedded = time.perf_counter()
    tree, base_of = task_hierarchy(texts, vectors, ids)
    done = time.perf_counter()
    print(f"{len(ids)} requests; embedding ({model}) {embedded - started:.1f} s, "
          f"tree {done - embedded:.1f} s; sizes {tree.sizes}")
    size = Counter(base_of.values())

    def conversations(cid: str) -> int:
        node = tree.nodes[cid]
        return size[cid] if node.level == 0 else sum(conversations(c) for c in node.children)

    for level in range(len(tree.sizes) - 1, -1, -1):
        print(f"level {level}:")
        for node in sorted(tree.level(level), key=lambda n: -conversations(n.cluster_id)):
            print(f"  {conversations(node.cluster_id):5d}  {node.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["floor", "tasks"])
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--workspace", type=Path)
    args = parser.parse_args()
    if args.what == "floor":
        floor(args.model)
    else:
        if args.workspace is None:
            parser.error("tasks needs --workspace")
        tasks(args.workspace, args.model)


if __name__ == "__main__":
    main()
