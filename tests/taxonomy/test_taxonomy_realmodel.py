"""One short end-to-end check with the real models: MiniLM embeddings + the local LLM naming parents."""

from __future__ import annotations

import pytest

from wildvalues.taxonomy.hierarchy import BaseItem, HierarchySettings, build_hierarchy
from wildvalues.taxonomy.naming import LLMNamer, extractive_name

LABELS = ["honesty", "truthfulness", "transparency", "child safety", "harm prevention", "user safety",
          "empathy", "compassion", "emotional support", "kindness"]


@pytest.mark.realmodel
def test_real_llm_names_a_small_tree():
    pytest.importorskip("sentence_transformers")
    from wildvalues.embed import encode
    from wildvalues.llm import LLMConfig, get_client

    def embed(texts):
        return encode(list(texts), "all-MiniLM-L6-v2")

    client = get_client(LLMConfig(backend="local"))
    try:
        tree = build_hierarchy([BaseItem(v, v, 1.0) for v in LABELS], embed(LABELS), embed, LLMNamer(client),
                               HierarchySettings(levels=2, top=3, calls_per_leaf=0.1))
        accounting = client.accounting()
    finally:
        client.close()
    assert accounting["failed"] == 0 and accounting["calls"] == 1  # the budget: one call per ten leaves
    parents = tree.level(1)
    assert 2 <= len(parents) <= 3 and set(tree.paths()) == set(LABELS)
    assert tree.stats["namer_parse_failures"] == 0
    llm_named = [p for p in parents if p.name != extractive_name(p.children).name]
    assert llm_named and all(p.name and p.description for p in llm_named)
