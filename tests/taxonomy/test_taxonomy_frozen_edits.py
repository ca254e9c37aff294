"""Frozen mapping onto a reference tree (with the unmapped bucket) and validated human edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from wildvalues.taxonomy.edits import EditError, apply_edits, read_edit_file, write_edit_file
from wildvalues.taxonomy.frozen import (
    UNMAPPED,
    TreeFileError,
    frozen_hierarchy,
    load_tree_csv,
    map_labels,
)

TREE_CSV = """cluster_id,description,name,level,parent_cluster_id,pct_total_occurrences
honesty,,honesty,0,t:l1:truth,30
truthfulness,,truthfulness,0,t:l1:truth,20
harm prevention,,harm prevention,0,t:l1:safety,25
child safety,,child safety,0,t:l1:safety,25
t:l1:truth,being truthful,Truth,1,t:l2:root,50
t:l1:safety,avoiding harm,Safety,1,t:l2:root,50
t:l2:root,everything,Values,2,,100
"""


@pytest.fixture
def tree_file(tmp_path: Path) -> Path:
    path = tmp_path / "tree.csv"
    path.write_text(TREE_CSV, encoding="utf-8")
    return path


def test_frozen_mapping_exact_nearest_and_unmapped(tree_file, bow):
    reference = load_tree_csv(tree_file)
    assert reference.sizes == [4, 2, 1]
    labels = ["Honesty", "radical truthfulness", "harm prevention online", "banana bread recipes"]
    mappings = {m.label: m for m in map_labels(labels, reference, bow, min_similarity=0.5)}
    assert mappings["Honesty"].how == "exact" and mappings["Honesty"].path == ["t:l1:truth", "t:l2:root"]
    assert mappings["radical truthfulness"].how == "nearest"
    assert mappings["radical truthfulness"].leaf == "truthfulness"
    assert mappings["harm prevention online"].path[0] == "t:l1:safety"
    assert mappings["banana bread recipes"].how == "unmapped"
    assert mappings["banana bread recipes"].path == [f"{UNMAPPED}@1", UNMAPPED]
    weights = {"Honesty": 3.0, "radical truthfulness": 1.0, "harm prevention online": 2.0,
               "banana bread recipes": 4.0}
    tree = frozen_hierarchy(list(mappings.values()), weights, reference, "ai_values")
    assert tree.nodes["t:l1:truth"].weight == 4.0
    assert tree.nodes[f"{UNMAPPED}@1"].weight == 4.0 and tree.nodes[f"{UNMAPPED}@1"].parent == UNMAPPED
    assert tree.nodes[UNMAPPED].weight == 4.0 and tree.nodes[UNMAPPED].parent is None
    ids = [node.cluster_id for node in tree.nodes.values()]
    assert len(ids) == len(set(ids))  # one id per node: the report indexes nodes by cluster_id


def test_reference_tree_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(TREE_CSV.replace("child safety,,child safety,0", "child safety,,child safety,zero"))
    with pytest.raises(TreeFileError, match=r"bad.csv: line 5"):
        load_tree_csv(bad)
    orphan = tmp_path / "orphan.csv"
    orphan.write_text(TREE_CSV.replace("t:l1:safety,avoiding", "t:l1:other,avoiding"))
    with pytest.raises(TreeFileError, match="unknown parent 't:l1:safety'"):
        load_tree_csv(orphan)


@pytest.mark.parametrize("suffix", [".csv", ".toml"])
def test_export_import_roundtrip_and_edits(tree_file, tmp_path, suffix):
    tree = load_tree_csv(tree_file)
    edit = tmp_path / f"edit{suffix}"
    assert write_edit_file(tree, edit) == 7
    same, counts = apply_edits(tree, read_edit_file(edit), edit)
    assert counts == {"renamed": 0, "moved": 0, "merged": 0, "added": 0, "deleted": 0}
    assert same.paths() == tree.paths()
    text = edit.read_text()
    text = text.replace("Truth", "Honesty and truth")  # rename
    head = "child safety,0,child safety,," if suffix == ".csv" else \
        'id = "child safety"\nlevel = 0\nname = "child safety"\ndescription = ""\nparent = "'
    assert head + "t:l1:safety" in text
    text = text.replace(head + "t:l1:safety", head + "t:l1:truth")
    edit.write_text(text)
    edited, counts = apply_edits(tree, read_edit_file(edit), edit)
    assert counts["renamed"] == 1 and counts["moved"] == 1
    assert edited.nodes["child safety"].parent == "t:l1:truth"
    assert edited.nodes["t:l1:truth"].weight == pytest.approx(75.0)


def _edit_csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "edit.csv"
    path.write_text("id,level,name,description,parent,merge_into\n" + body)
    return path


GOOD = """t:l2:root,2,Values,,,
t:l1:truth,1,Truth,,t:l2:root,
t:l1:safety,1,Safety,,t:l2:root,
honesty,0,honesty,,t:l1:truth,
truthfulness,0,truthfulness,,t:l1:truth,
harm prevention,0,harm prevention,,t:l1:safety,
child safety,0,child safety,,t:l1:safety,
"""


def test_merge_moves_children_and_removes_the_row(tree_file, tmp_path):
    tree = load_tree_csv(tree_file)
    path = _edit_csv(tmp_path, GOOD.replace("t:l1:safety,1,Safety,,t:l2:root,",
                                            "t:l1:safety,1,Safety,,t:l2:root,t:l1:truth"))
    edited, counts = apply_edits(tree, read_edit_file(path), path)
    assert counts["merged"] == 1 and "t:l1:safety" not in edited.nodes
    assert edited.nodes["child safety"].parent == "t:l1:truth"
    assert edited.sizes == [4, 1, 1]


@pytest.mark.parametrize("body, message", [
    (GOOD.replace("child safety,0,child safety,,t:l1:safety,", "child safety,0,child safety,,t:l1:nope,"),
     r"line 8: parent 't:l1:nope' of 'child safety' is not an id in this file \(orphan\)"),
    (GOOD.replace("child safety,0,child safety,,t:l1:safety,\n", ""),
     "leaf 'child safety' is missing; every leaf must be placed"),
    (GOOD.replace("honesty,0,honesty,,t:l1:truth,", "honesty,0,honesty,,t:l2:root,"),
     r"line 5: parent 't:l2:root' is at level 2, expected 1"),
    (GOOD.replace("t:l2:root,2,Values,,,", "t:l2:root,2,Values,,t:l1:truth,"),
     r"line 2: parent 't:l1:truth' is at level 1, expected 3"),
    (GOOD + "new leaf,0,new leaf,,t:l1:truth,\n", "is a new leaf"),
    (GOOD.replace("harm prevention,0,harm prevention,,t:l1:safety,",
                  "harm prevention,0,harm prevention,,t:l1:truth,")
     .replace("child safety,0,child safety,,t:l1:safety,", "child safety,0,child safety,,t:l1:truth,"),
     "cluster 't:l1:safety' has no children"),
    (GOOD + "honesty,0,honesty,,t:l1:truth,\n", r"line 9: duplicate id 'honesty' \(first on line 5\)"),
])
def test_import_validation_names_file_line_and_problem(tree_file, tmp_path, body, message):
    tree = load_tree_csv(tree_file)
    path = _edit_csv(tmp_path, body)
    with pytest.raises(EditError, match=message) as info:
        apply_edits(tree, read_edit_file(path), path)
    assert all(str(path) in problem for problem in info.value.problems)


def test_cycles_are_refused(tree_file, tmp_path):
    tree = load_tree_csv(tree_file)
    body = GOOD + "t:l1:loop_a,1,A,,t:l1:loop_b,\nt:l1:loop_b,1,B,,t:l1:loop_a,\n"
    path = _edit_csv(tmp_path, body)
    with pytest.raises(EditError) as info:
        apply_edits(tree, read_edit_file(path), path)
    text = str(info.value)
    assert "cycle through" in text or "expected 2" in text


def test_unknown_columns_are_refused(tmp_path, tree_file):
    path = tmp_path / "edit.csv"
    path.write_text("id,nmae\nx,y\n")
    with pytest.raises(EditError, match=r"line 1: columns must be"):
        read_edit_file(path)
