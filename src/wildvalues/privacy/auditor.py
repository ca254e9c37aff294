"""LLM privacy auditor: rate each cluster's name and description on Clio's 1-5 privacy scale.

The model answers by choosing one of "1".."5" (constrained choice, scored by log-probability on the local
backend). A cluster rated below ``PrivacyConfig.min_audit_rating`` (default 4) is withheld. A call that
fails is rated 1 — the auditor fails closed — and counted.

Small local models do not follow the 5-point rubric: measured with Qwen2.5-Coder-1.5B on 4 identifying and
4 general summaries, the choice distribution over "1".."5" was flat (expected rating 3.1-3.4 for all).
Asked one yes/no question instead ("does this point to a specific person?"), the same model separated
them (P(yes) 0.93-0.96 vs 0.45-0.66). ``mode="binary"`` asks that question and maps P(yes) to the
1-5 scale through :data:`BINARY_BANDS` (set on those 8 hand-written summaries only: a rough calibration).
``PrivacyConfig.audit_mode = "auto"`` uses the binary question on the local backend, the scale elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wildvalues.llm import client_for
from wildvalues.progress import SILENT, Progress
from wildvalues.stage import MissingInput

if TYPE_CHECKING:
    from wildvalues.llm.base import LLMClient

RATINGS: tuple[str, ...] = ("1", "2", "3", "4", "5")
PROMPT_VERSION = "audit-v1"
# P(yes) of the binary question -> rating: at least 0.9 -> 1, 0.8 -> 2, 0.7 -> 3, 0.5 -> 4, else 5
BINARY_BANDS: tuple[tuple[float, int], ...] = ((0.9, 1), (0.8, 2), (0.7, 3), (0.5, 4))
BINARY_QUESTION = ("Does this text contain a person's name, an e-mail address, a street address or another "
                   "detail that points to a specific person? Answer yes or no.")

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


def audit_request(name: str, description: str, mode: str = "scale") -> Any:
    from wildvalues.llm import ChatMessage, LLMRequest

    if mode == "binary":
        text = f"{name}. {description}" if description else name
        return LLMRequest(
            messages=(ChatMessage("system", "You check text for private information."),
                      ChatMessage("user", f'Text: "{text}"\n\n{BINARY_QUESTION}')),
            choices=("yes", "no"), max_tokens=2, temperature=0.0, tag="privacy.audit.binary",
        )
    if mode != "scale":
        raise ValueError(f"unknown audit mode {mode!r} (expected scale or binary)")
    summary = f"Cluster name: {name}\nDescription: {description or '(none)'}"
    return LLMRequest(
        messages=(ChatMessage("system", RUBRIC), ChatMessage("user", f"{summary}\n\nPrivacy rating (1-5):")),
        choices=RATINGS, max_tokens=2, temperature=0.0, tag="privacy.audit",
    )


def _binary_rating(response: Any) -> AuditVerdict:
    import math

    logprobs = response.choice_logprobs or {}
    if "yes" in logprobs and "no" in logprobs:
        top = max(logprobs["yes"], logprobs["no"])
        yes, no = math.exp(logprobs["yes"] - top), math.exp(logprobs["no"] - top)
        p_yes = yes / (yes + no)
    elif (response.text or "").strip().lower() in ("yes", "no"):
        p_yes = 1.0 if response.text.strip().lower() == "yes" else 0.0
    else:
        return AuditVerdict(1, failed=True)
    return AuditVerdict(next((rating for bound, rating in BINARY_BANDS if p_yes >= bound), 5))


def _rating(response: Any, mode: str = "scale") -> AuditVerdict:
    from wildvalues.llm import LLMError

    if isinstance(response, LLMError | BaseException):
        return AuditVerdict(1, failed=True)
    if mode == "binary":
        return _binary_rating(response)
    text = (response.text or "").strip()
    if response.choice_logprobs:
        text = max(response.choice_logprobs.items(), key=lambda kv: kv[1])[0]
    digit = next((ch for ch in text if ch in RATINGS), None)
    return AuditVerdict(int(digit), False) if digit else AuditVerdict(1, failed=True)


def audit_verdicts(client: LLMClient, clusters: Sequence[Any], mode: str = "scale") -> list[AuditVerdict]:
    """One verdict per cluster (order kept); failed or unparseable answers are rating 1, ``failed=True``."""
    requests = [audit_request(_field(c, "name"), _field(c, "description"), mode) for c in clusters]
    if not requests:
        return []
    return [_rating(r, mode) for r in client.complete_many(requests)]


def audit_clusters(client: LLMClient, clusters: Sequence[Any], mode: str = "scale") -> list[int]:
    """Privacy rating 1 (identifies someone) .. 5 (nothing private) for each cluster's name+description.

    ``clusters`` are mappings or objects with ``name`` and ``description`` (e.g. ``tree_nodes`` rows).
    ``mode="binary"`` asks the yes/no question small local models can answer (see module docstring).
    """
    return [v.rating for v in audit_verdicts(client, clusters, mode)]


def resolve_mode(cfg: Any) -> str:
    """``privacy.audit_mode``: scale | binary | rules | auto (rules in the fast profile, which calls no
    LLM; else binary on the local backend, scale elsewhere)."""
    mode = cfg.privacy.audit_mode
    if mode == "auto":
        if not cfg.extract.uses_llm:
            return "rules"
        return "binary" if cfg.llm.backend == "local" else "scale"
    return mode


def rule_verdicts(clusters: Sequence[Any]) -> list[AuditVerdict]:
    """The auditor without a model: a name or description in which the PII recognizers find a person,
    contact detail or identifier is rated 1 (withheld), anything else 5. Names in this mode are extractive
    (members' own labels, already screened) or the paper's released ones."""
    from wildvalues.privacy.leaks import find_pii_many

    # name and description are checked apart: joined, a Title Case name reads as a person's name
    names = find_pii_many([_field(c, "name") for c in clusters])
    descriptions = find_pii_many([_field(c, "description") for c in clusters])
    return [AuditVerdict(1 if n or d else 5) for n, d in zip(names, descriptions, strict=True)]


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


def audit_workspace(ws: Any, cfg: Any, client: LLMClient | None = None, min_level: int = 1, *,
                    progress: Progress = SILENT) -> dict[str, Any]:
    """Rate the name+description of every ``tree_nodes`` cluster at ``level >= min_level``.

    Writes ``cluster_audit(tree, cluster_id, audit_rating, failed, prompt_version, model, run_id)``
    (replacing earlier ratings of the same clusters). Leaves (level 0) are the extracted labels themselves,
    already screened by ``leaks.find_pii`` and the thresholds, so by default they are not sent to the model.
    ``cfg`` is the whole :class:`wildvalues.config.Config`; ``client`` overrides the configured LLM.
    """
    if not ws.has_table("tree_nodes"):
        raise MissingInput(ws.db_path, "tree_nodes table", "wildvalues taxonomy build")
    nodes = ws.con.execute(
        "SELECT tree, cluster_id, name, description FROM tree_nodes WHERE level >= ? "
        "ORDER BY tree, cluster_id", [min_level]).fetchall()
    mode = resolve_mode(cfg)
    with ws.run("audit", {"min_level": min_level}, cfg.model_dump()) as run, \
            client_for(cfg.llm, ws, run.run_id, given=client, needed=mode != "rules") as judge:
        progress.start(f"rating {len(nodes)} cluster names", total=len(nodes))
        clusters = [{"name": n[2], "description": n[3]} for n in nodes]
        verdicts = rule_verdicts(clusters) if judge is None else audit_verdicts(judge, clusters, mode)
        progress.update(len(nodes))
        accounting = judge.accounting() if judge is not None else {}
        model = judge.model if judge is not None else "pii-recognizers"
        ws.con.execute(AUDIT_DDL)
        rows = [(tree, cid, v.rating, v.failed, f"{PROMPT_VERSION}-{mode}", str(model), run.run_id)
                for (tree, cid, _, _), v in zip(nodes, verdicts, strict=True)]
        if rows:
            ws.con.executemany("INSERT OR REPLACE INTO cluster_audit VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        minimum = cfg.privacy.min_audit_rating
        by_rating = {str(r): sum(1 for v in verdicts if v.rating == r) for r in range(1, 6)}
        summary = {"clusters_rated": len(verdicts), "mode": mode, "by_rating": by_rating,
                   "withheld_below": minimum, "withheld": sum(1 for v in verdicts if v.rating < minimum),
                   "failed_calls": sum(1 for v in verdicts if v.failed), "llm": accounting,
                   "run_id": run.run_id}
        run.counts.update(summary)
    return summary


def estimate_audit(ws: Any, cfg: Any, min_level: int = 1) -> dict[str, Any]:
    """The audit's ``--dry-run``: the exact rating requests for every cluster, counted and priced."""
    from wildvalues.extract.stage import judge_model
    from wildvalues.llm.estimate import estimate_requests, measure_local_speed, workspace_cache

    if not ws.has_table("tree_nodes"):
        raise MissingInput(ws.db_path, "tree_nodes table", "wildvalues taxonomy build")
    nodes = ws.con.execute("SELECT name, description FROM tree_nodes WHERE level >= ?",
                           [min_level]).fetchall()
    mode = resolve_mode(cfg)
    requests = [audit_request(name, description, mode) for name, description in nodes]
    model = judge_model(cfg)
    speed = measure_local_speed(cfg.llm, requests[0]) if requests and cfg.llm.backend == "local" else None
    return {"clusters": len(nodes), "mode": mode, "dry_run": True,
            "llm": estimate_requests(requests, cfg.llm, model, cache=workspace_cache(ws, cfg.llm),
                                        speed=speed)}
