"""The LLM privacy auditor through the real client with a scripted backend."""

from __future__ import annotations

import math

import pytest

from wildvalues.llm import LLMConfig, LLMError, LLMResponse, get_client
from wildvalues.llm.testing import ScriptedBackend
from wildvalues.privacy.auditor import (
    RATINGS,
    audit_clusters,
    audit_verdicts,
    resolve_mode,
    withhold_low_rated,
)

CLUSTERS = [
    {"name": "honesty and transparency", "description": "Being truthful and open about limitations."},
    {"name": "helping Gerald Whitfield with his eviction", "description": "Letters to one named landlord."},
    {"name": "medical appointment logistics", "description": "Rebooking referrals with a named GP."},
]


def _judge(req) -> str:
    summary = req.messages[-1].content
    if "Gerald" in summary:
        return "1"
    return "3" if "GP" in summary else "5"


def test_ratings_follow_the_model_and_low_ones_are_withheld() -> None:
    backend = ScriptedBackend(_judge)
    client = get_client(LLMConfig(), backend=backend)
    ratings = audit_clusters(client, CLUSTERS)
    assert ratings == [5, 1, 3]
    kept, withheld = withhold_low_rated(CLUSTERS, ratings, min_rating=4)
    assert [c["name"] for c in kept] == ["honesty and transparency"] and withheld == 2
    request = backend.calls[0]
    assert request.choices == RATINGS and request.tag == "privacy.audit"
    assert "identifies a specific person" in request.messages[0].content  # the rubric is sent


def test_failed_calls_fail_closed() -> None:
    def broken(req):
        raise LLMError("server down")

    client = get_client(LLMConfig(), backend=ScriptedBackend(broken))
    verdicts = audit_verdicts(client, CLUSTERS[:1])
    assert verdicts[0].rating == 1 and verdicts[0].failed


def test_objects_with_attributes_are_accepted() -> None:
    class Node:
        name, description = "creative writing support", ""

    client = get_client(LLMConfig(), backend=ScriptedBackend(lambda req: "4"))
    assert audit_clusters(client, [Node()]) == [4]
    assert audit_clusters(client, []) == []


def test_audit_workspace_rates_clusters_into_a_table(workspace) -> None:
    from wildvalues.config import Config
    from wildvalues.privacy.auditor import audit_workspace

    workspace.con.execute(
        "CREATE TABLE tree_nodes (tree VARCHAR, cluster_id VARCHAR, name VARCHAR, description VARCHAR, "
        "level INT, parent_cluster_id VARCHAR, pct_total_occurrences DOUBLE, n_conversations INT, "
        "run_id VARCHAR)")
    workspace.con.executemany("INSERT INTO tree_nodes VALUES (?, ?, ?, ?, ?, NULL, NULL, 20, 'r')", [
        ("ai_values", "leaf", "honesty", "", 0),
        ("ai_values", "c1", CLUSTERS[0]["name"], CLUSTERS[0]["description"], 1),
        ("ai_values", "c2", CLUSTERS[1]["name"], CLUSTERS[1]["description"], 1),
    ])
    backend = ScriptedBackend(_judge)
    cfg = Config()
    cfg.privacy.audit_mode = "scale"
    summary = audit_workspace(workspace, cfg, client=get_client(LLMConfig(), backend=backend))
    assert summary["clusters_rated"] == 2 and summary["withheld"] == 1 and summary["failed_calls"] == 0
    rows = workspace.con.execute("SELECT cluster_id, audit_rating FROM cluster_audit ORDER BY 1").fetchall()
    assert rows == [("c1", 5), ("c2", 1)]  # leaves are not sent to the model
    assert len(backend.calls) == 2


@pytest.mark.parametrize(("p_yes", "rating"), [(0.96, 1), (0.85, 2), (0.75, 3), (0.6, 4), (0.3, 5)])
def test_binary_mode_maps_the_yes_probability_to_the_scale(p_yes: float, rating: int) -> None:
    def answer(req):
        assert req.choices == ("yes", "no")
        return LLMResponse(text="yes" if p_yes >= 0.5 else "no",
                           choice_logprobs={"yes": math.log(p_yes), "no": math.log(1 - p_yes)})

    client = get_client(LLMConfig(), backend=ScriptedBackend(answer))
    assert audit_clusters(client, CLUSTERS[:1], mode="binary") == [rating]


def test_binary_mode_withholds_identifying_clusters() -> None:
    backend = ScriptedBackend(lambda req: "yes" if "Gerald" in req.messages[-1].content else "no")
    ratings = audit_clusters(get_client(LLMConfig(), backend=backend), CLUSTERS, mode="binary")
    assert ratings == [5, 1, 5]


def test_auto_mode_picks_binary_for_the_local_backend() -> None:
    from wildvalues.config import Config

    cfg = Config()
    assert resolve_mode(cfg) == "rules"  # the fast profile calls no LLM
    cfg.extract.profile = "thorough"
    assert resolve_mode(cfg) == "binary"
    cfg.llm.backend = "anthropic"
    assert resolve_mode(cfg) == "scale"


def test_rules_mode_withholds_names_with_personal_details() -> None:
    from wildvalues.privacy.auditor import rule_verdicts

    verdicts = rule_verdicts([{"name": "Honesty and Transparency", "description": "Being truthful."},
                              {"name": "Writing to jane.doe@example.com", "description": ""},
                              {"name": "Career advice", "description": "Call 415-555-0134 for help."}])
    assert [v.rating for v in verdicts] == [5, 1, 1] and not any(v.failed for v in verdicts)
