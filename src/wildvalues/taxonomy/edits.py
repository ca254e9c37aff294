"""Human edits of a tree: export an editable file, import it back with validation.

The file (CSV, or TOML with one ``[[node]]`` table per row) has the columns
``id, level, name, description, parent, merge_into``. Edit it to

* **rename** - change ``name`` / ``description``;
* **move** - change ``parent`` (to any cluster exactly one level up);
* **merge** - set ``merge_into`` to another cluster of the same level: its children move there and
  the merged row disappears;
* **add** a cluster - a new row with a new ``id`` and ``level`` (then move children into it);
* **delete** a cluster - remove its row once nothing points at it.

Import refuses, naming file, line and problem: unknown columns, duplicate ids, a parent that is not
in the file (orphan) or not one level up, cycles, a leaf missing from the file (every leaf must be
placed), leaves added that the tree never had, and clusters left without children.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from pathlib import Path

from wildvalues.taxonomy.hierarchy import Hierarchy, Node

COLUMNS = ("id", "level", "name", "description", "parent", "merge_into")


class EditError(ValueError):
    """One or more problems in an edit file; ``problems`` lists them as 'file: line N: what'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class EditRow:
    line: int
    id: str
    level: int | None
    name: str
    description: str
    parent: str
    merge_into: str


def export_rows(h: Hierarchy) -> list[dict[str, str]]:
    nodes = sorted(h.nodes.values(), key=lambda n: (-n.level, n.parent or "", n.name, n.cluster_id))
    return [{"id": n.cluster_id, "level": str(n.level), "name": n.name, "description": n.description,
             "parent": n.parent or "", "merge_into": ""} for n in nodes]


def write_edit_file(h: Hierarchy, path: Path) -> int:
    rows = export_rows(h)
    if path.suffix.lower() == ".toml":
        def q(value: str) -> str:
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
        lines = [f"# wildvalues taxonomy edit file, tree {h.tree}. Edit name/description/parent/merge_into."]
        for row in rows:
            lines.append("\n[[node]]")
            lines.extend(f"{key} = {q(row[key]) if key != 'level' else row[key]}" for key in COLUMNS)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    return len(rows)


def read_edit_file(path: Path) -> list[EditRow]:
    problems: list[str] = []
    if path.suffix.lower() == ".toml":
        try:
            tables = tomllib.loads(path.read_text(encoding="utf-8")).get("node", [])
        except tomllib.TOMLDecodeError as exc:
            raise EditError([f"{path}: {exc}"]) from None
        raw = [(i + 1, {k: str(v) for k, v in t.items()}) for i, t in enumerate(tables)]
        where = "node"
    else:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            unknown = set(reader.fieldnames or []) - set(COLUMNS)
            if unknown or "id" not in (reader.fieldnames or []):
                raise EditError([f"{path}: line 1: columns must be {', '.join(COLUMNS)} "
                                 f"(unknown: {', '.join(sorted(unknown)) or '-'})"])
            raw = [(reader.line_num, dict(row)) for row in reader]
        where = "line"
    rows = []
    for line, row in raw:
        level_text = (row.get("level") or "").strip()
        try:
            level = int(level_text) if level_text else None
        except ValueError:
            problems.append(f"{path}: {where} {line}: level {level_text!r} is not an integer")
            continue
        rows.append(EditRow(line, (row.get("id") or "").strip(), level, (row.get("name") or "").strip(),
                            (row.get("description") or "").strip(), (row.get("parent") or "").strip(),
                            (row.get("merge_into") or "").strip()))
    if problems:
        raise EditError(problems)
    return rows


def apply_edits(current: Hierarchy, rows: list[EditRow], path: Path) -> tuple[Hierarchy, dict[str, int]]:
    """Validate ``rows`` against ``current`` and return the edited tree with counts of what changed."""
    where = "node" if path.suffix.lower() == ".toml" else "line"
    problems: list[str] = []

    def bad(row: EditRow | None, message: str) -> None:
        problems.append(f"{path}: {where} {row.line}: {message}" if row else f"{path}: {message}")

    by_id: dict[str, EditRow] = {}
    for row in rows:
        if not row.id:
            bad(row, "empty id")
        elif row.id in by_id:
            bad(row, f"duplicate id {row.id!r} (first on {where} {by_id[row.id].line})")
        else:
            by_id[row.id] = row
    levels: dict[str, int] = {}
    for row in by_id.values():
        old = current.nodes.get(row.id)
        level = row.level if row.level is not None else (old.level if old else None)
        if level is None:
            bad(row, f"new cluster {row.id!r} needs a level")
            continue
        if old is not None and old.level != level:
            bad(row, f"{row.id!r} is at level {old.level}; levels cannot change (move it instead)")
        if old is None and level == 0:
            bad(row, f"{row.id!r} is a new leaf; leaves come from the data and cannot be added here")
        levels[row.id] = level
    for leaf in current.level(0):
        if leaf.cluster_id not in by_id:
            problems.append(f"{path}: leaf {leaf.cluster_id!r} is missing; every leaf must be placed")
    top = max(levels.values(), default=0)
    # merges: redirect children of merged clusters to their target
    target_of: dict[str, str] = {}
    for row in by_id.values():
        if row.merge_into:
            if row.merge_into not in by_id or by_id[row.merge_into].merge_into:
                bad(row, f"merge_into {row.merge_into!r} is not a kept id in this file")
            elif levels.get(row.merge_into) != levels.get(row.id):
                bad(row, f"can only merge into a cluster of the same level ({row.merge_into!r} is not)")
            elif levels.get(row.id) == 0:
                bad(row, "leaves cannot be merged (move them instead)")
            else:
                target_of[row.id] = row.merge_into
    parent_of: dict[str, str | None] = {}
    for row in by_id.values():
        if row.id in target_of or row.id not in levels:
            continue
        parent = target_of.get(row.parent, row.parent) or None
        if parent is None:
            if levels[row.id] != top:
                bad(row, f"{row.id!r} has no parent (orphan); only top-level clusters may have none")
        elif parent not in by_id:
            bad(row, f"parent {row.parent!r} of {row.id!r} is not an id in this file (orphan)")
        elif levels.get(parent) is not None and levels[parent] != levels[row.id] + 1:
            bad(row, f"parent {parent!r} is at level {levels[parent]}, expected {levels[row.id] + 1}")
        parent_of[row.id] = parent
    for start in parent_of:  # cycles (possible only when levels are inconsistent, still checked)
        seen, node = {start}, parent_of.get(start)
        while node is not None:
            if node in seen:
                bad(by_id[start], f"cycle through {start!r}")
                break
            seen.add(node)
            node = parent_of.get(node)
    children: dict[str, list[str]] = {}
    for cid, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(cid)
    for cid in parent_of:
        if levels[cid] > 0 and not children.get(cid):
            bad(by_id[cid], f"cluster {cid!r} has no children after the edits; delete or merge it")
    if problems:
        raise EditError(problems)
    nodes: dict[str, Node] = {}
    counts = {"renamed": 0, "moved": 0, "merged": len(target_of), "added": 0, "deleted": 0}
    for cid, parent in parent_of.items():
        row, old = by_id[cid], current.nodes.get(cid)
        if old is None:
            counts["added"] += 1
        else:
            counts["renamed"] += int((row.name, row.description) != (old.name, old.description))
            counts["moved"] += int(parent != old.parent and levels[cid] < top)
        nodes[cid] = Node(cid, row.name or (old.name if old else cid), row.description, levels[cid], 0.0,
                          parent, children=sorted(children.get(cid, [])))
    counts["deleted"] = sum(1 for cid in current.nodes if cid not in nodes) - len(target_of)
    for leaf in current.level(0):
        nodes[leaf.cluster_id].weight = leaf.weight
    for level in range(1, top + 1):
        for node in nodes.values():
            if node.level == level:
                node.weight = sum(nodes[c].weight for c in node.children)
    return Hierarchy(current.tree, nodes, [], {"edited_from": str(path)}), counts
