"""Tasks from the users' requests: a keyword-named hierarchy without a task sentence per conversation."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from wildvalues.taxonomy.grounding import GroundingRule
from wildvalues.taxonomy.tasks import TaskTreeSettings, keyword_names, request_text, task_hierarchy, top_size

TOPICS = {
    "python": ["python function", "python script error", "pandas dataframe python", "python list sort"],
    "poem": ["poem about love", "poem about autumn", "rhyming poem birthday", "short poem sea"],
    "diet": ["diet plan week", "healthy diet breakfast", "diet vegetarian protein", "meal plan diet"],
    "email": ["email to my boss", "formal email request", "email apology customer", "email follow up"],
    "travel": ["travel itinerary japan", "travel packing list", "travel budget europe", "travel tips paris"],
    "resume": ["resume summary engineer", "resume bullet points", "resume cover letter", "resume skills"],
}


def _requests(per_topic: int = 30, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    ids, texts = [], []
    for topic, phrases in TOPICS.items():
        for i in range(per_topic):
            ids.append(f"{topic}-{i:03d}")
            texts.append(f"Please write a {rng.choice(phrases)} for me, thanks")
    texts[0] = texts[0] + " my secret codeword is zanzibarqux"  # one conversation's own word
    return ids, texts


def test_request_text_joins_first_turns_and_drops_placeholders() -> None:
    assert request_text(["Hi [PERSON], fix  this", "", "and <EMAIL_ADDRESS> too"]) == "Hi , fix this and too"
    assert len(request_text(["x" * 5000], max_chars=100)) == 100


def test_top_size_adapts_to_small_samples() -> None:
    s = TaskTreeSettings()
    assert top_size(22, s) == 7 and top_size(3, s) == 3 and top_size(6745, s) == 30 and top_size(12, s) == 5


def test_task_tree_from_requests(bow) -> None:
    ids, texts = _requests()
    settings = TaskTreeSettings(conversations_per_base_task=15, min_top=3, base_per_top=4)
    tree, base_of = task_hierarchy(texts, bow(texts), ids, settings=settings)
    assert set(base_of) == set(ids) and 6 <= tree.sizes[0] <= 12 and tree.sizes[-1] == 3
    sizes = [list(base_of.values()).count(n.cluster_id) for n in tree.level(0)]
    assert min(sizes) >= 10  # small k-means clusters joined their nearest: none falls below k
    names = [n.name for n in tree.nodes.values()]
    assert all("zanzibarqux" not in name for name in names)  # a word of one conversation never names
    assert {n.name_source for n in tree.nodes.values()} == {"keywords"}
    # every base task is named after words its members share, and each topic keeps its own word
    for node in tree.level(0):
        members = [texts[ids.index(c)] for c, b in base_of.items() if b == node.cluster_id]
        for term in node.name.split(", "):  # (a two-word term is two words of a request, stop words apart)
            assert sum(all(word in m.lower() for word in term.split()) for m in members) >= 3
    base_names = " ".join(n.name for n in tree.level(0))
    assert all(topic in base_names for topic in TOPICS)
    assert "please" not in base_names and "thanks" not in base_names
    # input order does not matter
    order = list(reversed(range(len(ids))))
    again, base_again = task_hierarchy([texts[i] for i in order], bow(texts)[order], [ids[i] for i in order],
                                       settings=settings)
    assert base_again == base_of and sorted(n.name for n in again.nodes.values()) == sorted(names)


def test_keyword_names_need_shared_terms() -> None:
    texts = ["alpha beta", "alpha beta", "alpha gamma", "delta", "epsilon"]
    named = keyword_names(texts, [[0, 1, 2], [3, 4]], TaskTreeSettings(min_term_conversations=3))
    assert named[0].name == "alpha" and named[1] is None


def test_an_llm_name_for_requests_is_kept_only_when_grounded(bow, scripted) -> None:
    from wildvalues.taxonomy.naming import LLMNamer

    class Inventing(scripted):
        def _answer(self, prompt: str) -> str:
            groups = re.findall(r"^Group (\d+): (.+)$", prompt, re.M)
            if groups:  # group 1 gets an invented name, the others one made from their members
                return "\n".join(f"{g} | Religious sensitivity | faith" if g == "1" else
                                 f"{g} | {items.split(';')[0]} requests | about them" for g, items in groups)
            return super()._answer(prompt)

    ids, texts = _requests()
    settings = TaskTreeSettings(conversations_per_base_task=15, min_top=3, base_per_top=4)
    tree, _ = task_hierarchy(texts, bow(texts), ids, settings=settings, namer=LLMNamer(Inventing(), "tasks"),
                             embed_fn=bow, rule=GroundingRule(0.35, 0.15))
    names = [n.name for n in tree.nodes.values()]
    assert "Religious sensitivity" not in names
    assert any(n.name_source == "llm" for n in tree.nodes.values())  # grounded LLM names stay
    assert tree.stats["grounding"]["replaced"]


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match="must match"):
        task_hierarchy(["a", "b"], np.zeros((3, 4)), ["1", "2"])
    with pytest.raises(ValueError, match="at least 2"):
        task_hierarchy(["a"], np.zeros((1, 4)), ["1"])


def test_stage_builds_tasks_from_requests_when_features_have_no_task(workspace, monkeypatch, bow) -> None:
    """Fast profile: task is NULL everywhere; the tree comes from scrubbed first user turns, and the
    analysis reads its levels by name."""
    from wildvalues.analyze.data import load_study
    from wildvalues.config import load_config
    from wildvalues.taxonomy import stage

    monkeypatch.setattr(stage, "_embed_fn", lambda model, batch_size=64: bow)
    ids, texts = _requests(per_topic=20)
    con = workspace.con
    con.execute("CREATE TABLE features (conversation_id VARCHAR, subjective BOOLEAN, ai_values VARCHAR[], "
                "human_values VARCHAR[], stated_ai_values VARCHAR[], response_type VARCHAR, task VARCHAR)")
    con.execute("CREATE TABLE scrubbed_messages (conversation_id VARCHAR, idx INTEGER, role VARCHAR, "
                "content VARCHAR, run_id VARCHAR)")
    for cid, text in zip(ids, texts, strict=True):
        con.execute("INSERT INTO features VALUES (?, true, ['clarity'], [], [], 'mild support', NULL)", [cid])
        con.execute("INSERT INTO scrubbed_messages VALUES (?, 0, 'user', ?, 'r'), (?, 1, 'assistant', "
                    "'Sure, here it is: assistant words only', 'r')", [cid, text, cid])
    cfg = load_config(overrides={"taxonomy.trees": ["tasks"], "taxonomy.conversations_per_base_task": 10,
                                 "taxonomy.naming": "extractive"})
    summary = stage.build_taxonomy(workspace, cfg)
    info = summary["trees"]["tasks"]
    assert info["source"] == "requests" and info["conversations"] == len(ids)
    assert 5 <= info["sizes"][0] <= 12 and info["sizes"][-1] >= 3  # 120 conversations / 10 -> <= 12 base
    names = [r[0] for r in con.execute("SELECT name FROM tree_nodes WHERE tree = 'tasks'").fetchall()]
    assert not any("assistant" in n for n in names)  # only the user's turns are read
    top = con.execute("SELECT count(*) FILTER (WHERE level = 2), min(n_conversations) FROM tree_nodes "
                      "WHERE tree = 'tasks'").fetchone()
    assert top[0] == info["sizes"][-1] and top[1] >= 10  # every node passes k = 10
    study = load_study(workspace)
    top_level = study.tasks[max(study.tasks)]
    assert set(top_level.names) <= set(names) and len(set(top_level.codes)) == top[0]
    assert "unknown" not in set(study.tasks[0].names)  # level 0: base task names, not the empty sentence
