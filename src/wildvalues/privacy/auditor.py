"""LLM privacy auditor: rate each cluster's name and description on Clio's 1-5 privacy scale.

The model answers by choosing one of "1".."5" (constrained choice, scored by log-probability on the local
backend). A cluster rated below ``PrivacyConfig.min_audit_rating`` (default 4) is withheld. A call that
fails is rated 1 — the auditor fails closed — and counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

RATINGS: tuple[str, ...] = ("1", "2", "3", "4", "5")
PROMPT_VERSION = "audit-v1"

RUBRIC = """\
You review short cluster summaries that will be published in an aggregate report about many chat
conversations. Rate how much private information the summary reveals, on this scale:

1 = It identifies a specific person or points straight at one: a name, contact detail, account or id
    number, exact home or work address, or a link to someone's profile.
2 = It does not name anyone, but its details together (a rare job at a named place, a dated event, an
    unusual combination of facts) could plausibly single out one person or a small group.
3 = It describes sensitive private circumstances (health, money, legal trouble, relationships) in a
    narrow situation, yet nobody could be recognised from it.
4 = It is about a general topic with, at most, minor specifics that could not point to anyone.
5 = It is broad and general and contains no private information at all.

Answer with the single digit only."""


@dataclass(frozen=True)
class AuditVerdict:
    rating: int
    failed: bool = False


def _field(cluster: Any, name: str) -> str:
    if isinstance(cluster, Mapping):
        return str(cluster.get(name) or "")
    return str(getattr(cluster, name, "") or "")


def audit_request(name: str, description: str) -> Any:
    from wildvalues.llm import ChatMessage, LLMRequest

    summary = f"Cluster name: {name}\nDescription: {description or '(none)'}"
    return LLMRequest(
        messages=(ChatMessage("system", RUBRIC), ChatMessage("user", f"{summary}\n\nPrivacy rating (1-5):")),
        choices=RATINGS, max_tokens=2, temperature=0.0, tag="privacy.audit",
    )


def _rating(response: Any) -> AuditVerdict:
    from wildvalues.llm import LLMError

    if isinstance(response, LLMError | BaseException):
        return AuditVerdict(1, failed=True)
    text = (response.text or "").strip()
    if response.choice_logprobs:
        text = max(response.choice_logprobs.items(), key=lambda kv: kv[1])[0]
    digit = next((ch for ch in text if ch in RATINGS), None)
    return AuditVerdict(int(digit), False) if digit else AuditVerdict(1, failed=True)


def audit_verdicts(client: Any, clusters: Sequence[Any]) -> list[AuditVerdict]:
    """One verdict per cluster (order kept); failed or unparseable answers are rating 1, ``failed=True``."""
    requests = [audit_request(_field(c, "name"), _field(c, "description")) for c in clusters]
    if not requests:
        return []
    return [_rating(r) for r in client.complete_many(requests)]


def audit_clusters(client: Any, clusters: Sequence[Any]) -> list[int]:
    """Privacy rating 1 (identifies someone) .. 5 (nothing private) for each cluster's name+description.

    ``clusters`` are mappings or objects with ``name`` and ``description`` (e.g. ``tree_nodes`` rows).
    """
    return [v.rating for v in audit_verdicts(client, clusters)]


def withhold_low_rated(clusters: Sequence[Any], ratings: Sequence[int], min_rating: int = 4
                       ) -> tuple[list[Any], int]:
    """Clusters rated at least ``min_rating``, and how many were withheld."""
    kept = [c for c, r in zip(clusters, ratings, strict=True) if r >= min_rating]
    return kept, len(clusters) - len(kept)


# -- I/O edge: rate every cluster of the workspace's trees ----------------------------------------------

AUDIT_DDL = """
CREATE TABLE IF NOT EXISTS cluster_audit (
    tree VARCHAR,
    cluster_id VARCHAR,
    audit_rating INTEGER,
    failed BOOLEAN,
    prompt_version VARCHAR,
    model VARCHAR,
    run_id VARCHAR,
    PRIMARY KEY (tree, cluster_id)
)
"""


def audit_workspace(ws: Any, cfg: Any, client: Any = None, min_level: int = 1) -> dict[str, Any]:
    """Rate the name+description of every ``tree_nodes`` cluster at ``level >= min_level``.

    Writes ``cluster_audit(tree, cluster_id, audit_rating, failed, prompt_version, model, run_id)``
    (replacing earlier ratings of the same clusters). Leaves (level 0) are the extracted labels themselves,
    already screened by ``leaks.find_pii`` and the thresholds, so by default they are not sent to the model.
    ``cfg`` is the whole :class:`wildvalues.config.Config`; ``client`` overrides the configured LLM.
    """
    if not ws.has_table("tree_nodes"):
        raise ValueError(f"{ws.db_path}: no tree_nodes table (run `wildvalues taxonomy` first)")
    nodes = ws.con.execute(
        "SELECT tree, cluster_id, name, description FROM tree_nodes WHERE level >= ? "
        "ORDER BY tree, cluster_id", [min_level]).fetchall()
    with ws.run("audit", {"min_level": min_level}, cfg.model_dump()) as run:
        own_client = client is None
        if own_client:
            from wildvalues.llm import get_client

            client = get_client(cfg.llm, workspace=ws, run_id=run.run_id)
        try:
            verdicts = audit_verdicts(client, [{"name": n[2], "description": n[3]} for n in nodes])
            accounting = client.accounting() if hasattr(client, "accounting") else {}
            model = getattr(client, "model", "") or ""
        finally:
            if own_client:
                client.close()
        ws.con.execute(AUDIT_DDL)
        rows = [(tree, cid, v.rating, v.failed, PROMPT_VERSION, str(model), run.run_id)
                for (tree, cid, _, _), v in zip(nodes, verdicts, strict=True)]
        if rows:
            ws.con.executemany("INSERT OR REPLACE INTO cluster_audit VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        minimum = cfg.privacy.min_audit_rating
        by_rating = {str(r): sum(1 for v in verdicts if v.rating == r) for r in range(1, 6)}
        summary = {"clusters_rated": len(verdicts), "by_rating": by_rating,
                   "withheld_below": minimum, "withheld": sum(1 for v in verdicts if v.rating < minimum),
                   "failed_calls": sum(1 for v in verdicts if v.failed), "llm": accounting,
                   "run_id": run.run_id}
        run.counts.update(summary)
    return summary
