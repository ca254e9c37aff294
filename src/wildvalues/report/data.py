"""Read what the report shows from the workspace, with every privacy threshold already applied.

Everything that leaves this module has passed ``apply_thresholds`` (rows) or ``apply_tree_thresholds``
(tree nodes): the report and the exports never see a row backed by fewer than k conversations or, where
user ids are known, u users. A table without a support column is withheld whole, never shown unchecked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from wildvalues.privacy.thresholds import apply_thresholds, apply_tree_thresholds
from wildvalues.workspace import Workspace

# Tables whose rows are single conversations (ids, not aggregates): kept in the workspace, never published.
PER_CONVERSATION_TABLES = frozenset({"an_review_queue"})
# Tables that carry no data about conversations (notes the analysis wrote about itself).
UNGATED_TABLES = frozenset({"an_notes"})
TREE_NAMES = ("ai_values", "human_values", "tasks")
AUDIT_COLUMNS = ("audit_rating", "privacy_rating")
# config sections (and keys; None = all) copied from each run record into the manifest
SETTINGS_KEPT: dict[str, tuple[str, ...] | None] = {
    "llm": ("backend", "model"),
    "extract": ("mode", "max_ai_values", "min_ai_value_score", "embed_model", "llm_contrasts",
                "allow_unscrubbed"),
    "embed": None,
    "taxonomy": None,
    "analyze": None,
    "privacy": ("scrub", "min_conversations", "min_users", "min_audit_rating", "score_threshold"),
}
_SMALL_MODEL = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*b\b", re.IGNORECASE)


NO_ANALYSIS = "The analysis wrote no {what} (run `wildvalues analyze`), so this part is empty."


@dataclass
class GatedTable:
    """One result table after the thresholds: the rows kept and how many were withheld."""

    name: str
    frame: pd.DataFrame
    n_rows: int
    n_suppressed: int
    withheld_reason: str | None = None

    @property
    def share_suppressed(self) -> float:
        return self.n_suppressed / self.n_rows if self.n_rows else 0.0

    def account(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rows": self.n_rows,
            "kept": len(self.frame),
            "suppressed": self.n_suppressed,
            "share_suppressed": round(self.share_suppressed, 4),
        }
        if self.withheld_reason:
            out["withheld"] = self.withheld_reason
        return out


@dataclass
class RunSummary:
    """Headline facts about the study: metadata only (counts, names, versions), never text."""

    n_conversations: int = 0
    n_features: int = 0
    n_subjective: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    models: dict[str, int] = field(default_factory=dict)
    n_users_known: int = 0
    extractor_models: dict[str, int] = field(default_factory=dict)
    prompt_versions: dict[str, int] = field(default_factory=dict)
    extraction_failures: int = 0
    runs: list[dict[str, Any]] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)


@dataclass
class ReportData:
    k: int
    u: int
    tables: dict[str, GatedTable]
    trees: dict[str, GatedTable]
    summary: RunSummary

    def why_empty(self, name: str, what: str) -> str:
        """Why a section built on table ``name`` shows nothing: not analysed, or all rows withheld."""
        gated = self.tables.get(name)
        if gated is not None and gated.n_rows:
            return (f"All {gated.n_rows} rows of the {what} fall below the privacy thresholds "
                    f"(k = {self.k} conversations, u = {self.u} users), so none is shown.")
        return NO_ANALYSIS.format(what=what)

    def table(self, name: str) -> pd.DataFrame:
        """The gated rows of ``name`` (an empty frame when the analysis did not write it)."""
        gated = self.tables.get(name)
        return gated.frame if gated is not None else pd.DataFrame()

    def suppression(self) -> dict[str, Any]:
        parts = {**self.tables, **{f"tree_nodes[{t}]": g for t, g in self.trees.items()}}
        rows = sum(g.n_rows for g in parts.values() if g.name not in UNGATED_TABLES)
        suppressed = sum(g.n_suppressed for g in parts.values() if g.name not in UNGATED_TABLES)
        nodes = sum(g.n_rows for g in self.trees.values())
        nodes_suppressed = sum(g.n_suppressed for g in self.trees.values())
        return {
            "k_conversations": self.k,
            "u_users": self.u,
            "rows": rows,
            "suppressed": suppressed,
            "share_suppressed": round(suppressed / rows, 4) if rows else 0.0,
            "result_rows": rows - nodes,
            "result_rows_suppressed": suppressed - nodes_suppressed,
            "tree_nodes": nodes,
            "tree_nodes_suppressed": nodes_suppressed,
            "tables": {name: g.account() for name, g in parts.items()},
        }


def gate_table(name: str, frame: pd.DataFrame, k: int, u: int) -> GatedTable:
    """Apply the aggregation thresholds to one result table."""
    if name in UNGATED_TABLES or frame.empty:
        return GatedTable(name, frame, len(frame), 0)
    if name in PER_CONVERSATION_TABLES:
        return GatedTable(
            name,
            frame.iloc[0:0],
            len(frame),
            len(frame),
            withheld_reason="one row per conversation: kept in the workspace only",
        )
    if "n_conversations" not in frame.columns:
        return GatedTable(
            name,
            frame.iloc[0:0],
            len(frame),
            len(frame),
            withheld_reason="no n_conversations column, so its support cannot be checked",
        )
    kept, n_suppressed = apply_thresholds(frame, k, u)
    return GatedTable(name, kept, len(frame), n_suppressed)


def gate_tree(tree: str, nodes: pd.DataFrame, k: int, u: int, min_audit_rating: int) -> GatedTable:
    """Withhold small tree nodes (and their descendants) and nodes the privacy auditor rated too low."""
    audited = nodes
    audit_col = next((c for c in AUDIT_COLUMNS if c in nodes.columns), None)
    if audit_col is not None:
        ratings = pd.to_numeric(nodes[audit_col], errors="coerce")
        # a low rating behaves like a too-small node: the node and everything under it is withheld
        audited = nodes.assign(
            n_conversations=nodes["n_conversations"].where(ratings.isna() | (ratings >= min_audit_rating), 0)
        )
    kept, suppression = apply_tree_thresholds(audited, k, u)
    if audit_col is not None:
        kept = kept.assign(
            n_conversations=kept["cluster_id"].map(nodes.set_index("cluster_id")["n_conversations"])
        )
    return GatedTable(f"tree_nodes[{tree}]", kept, len(nodes), suppression.suppressed)


def result_table_names(ws: Workspace) -> list[str]:
    rows = ws.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
        "AND table_name LIKE 'an\\_%' ESCAPE '\\' "
        "ORDER BY table_name",
        [ws.db_path.stem],
    ).fetchall()
    return [r[0] for r in rows]


def _counts(ws: Workspace, sql: str) -> dict[str, int]:
    return {str(key) if key is not None else "(unknown)": int(n) for key, n in ws.con.execute(sql).fetchall()}


def looks_like_small_local_model(name: str) -> bool:
    """True for models whose quality the paper's numbers cannot be compared with (local, <= 14B, GGUF)."""
    lowered = name.lower()
    if any(tag in lowered for tag in ("gguf", "q4_k", "q5_k", "q8_0", "local:", "llama.cpp", "synthetic")):
        return True
    match = _SMALL_MODEL.search(lowered)
    return bool(match and float(match.group(1)) <= 14)


def _caveats(summary: RunSummary) -> list[str]:
    notes = []
    if "synthetic" in summary.extractor_models:
        notes.append(
            "These features are synthetic (wildvalues.analyze.synthetic): the figures show the "
            "report's layout, not measurements of any real model."
        )
    small = [m for m in summary.extractor_models if m != "synthetic" and looks_like_small_local_model(m)]
    if small:
        notes.append(
            f"Values were extracted by a small local model ({', '.join(small)}). Its labels are noisier than "
            "the paper's (Claude 3.5 Sonnet/Haiku): treat rankings and rare values as indicative, compare "
            "only with runs that used the same extractor, and check the extraction evaluation before citing."
        )
    if any("+heads-" in version for version in summary.prompt_versions):
        notes.append(
            "AI values were scored by classifier heads that emit a fixed number of the highest-scoring "
            "labels per conversation (fast mode, `max_ai_values`): the mean number of AI values per "
            "conversation describes that setting, not the conversations, and cannot be compared with "
            "the paper's."
        )
    if summary.extraction_failures:
        notes.append(
            f"{summary.extraction_failures} conversations had at least one feature that failed to "
            "extract; they are counted in the denominators as the analysis documents."
        )
    stale = stale_analysis(summary.runs)
    if stale:
        notes.append(stale)
    return notes


def stale_analysis(runs: list[dict[str, Any]]) -> str | None:
    """A warning when features or trees changed after the last successful analysis (results are old)."""
    def last(prefixes: tuple[str, ...]) -> str | None:
        times = [r["started_at"] for r in runs
                 if r["status"] == "ok" and r["started_at"] and str(r["command"]).startswith(prefixes)]
        return max(times) if times else None

    analysed = last(("analyze",))
    upstream = last(("extract", "taxonomy"))
    if analysed and upstream and upstream > analysed:
        return ("Features or taxonomy changed after the last analysis (run at " + analysed + "): the tables "
                "below may be out of date; run `wildvalues analyze` again.")
    return None


def numbers_only(counts: Any) -> Any:
    """A run's counts without free text (stages may record file paths or messages next to numbers)."""
    if isinstance(counts, dict):
        kept = {str(k): numbers_only(v) for k, v in counts.items()}
        return {k: v for k, v in kept.items() if v is not None and v != {}}
    if isinstance(counts, bool | int | float):
        return counts
    return None


def run_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The settings that shape results, from a run's stored config (no endpoints, paths or keys)."""
    picked: dict[str, Any] = {}
    for section, keys in SETTINGS_KEPT.items():
        part = config.get(section)
        if isinstance(part, dict):
            kept = {k: part[k] for k in keys if k in part} if keys else dict(part)
            if kept:
                picked[section] = kept
    return picked


def load_summary(ws: Workspace) -> RunSummary:
    """Counts, models and run records (raw store: metadata columns only)."""
    summary = RunSummary()
    if ws.has_table("conversations", "raw"):
        summary.n_conversations = int(ws.con.execute("SELECT count(*) FROM raw.conversations").fetchone()[0])
        summary.sources = _counts(
            ws, "SELECT source, count(*) FROM raw.conversations GROUP BY 1 ORDER BY 2 DESC"
        )
        summary.models = _counts(
            ws, "SELECT model, count(*) FROM raw.conversations GROUP BY 1 ORDER BY 2 DESC"
        )
        summary.n_users_known = int(
            ws.con.execute("SELECT count(DISTINCT user_id) FROM raw.conversations").fetchone()[0]
        )
    if ws.has_table("features"):
        row = ws.con.execute(
            "SELECT count(*), count(*) FILTER (WHERE subjective), "
            "count(*) FILTER (WHERE failures IS NOT NULL "
            "  AND CAST(failures AS VARCHAR) NOT IN ('{}', 'null')) "
            "FROM features"
        ).fetchone()
        summary.n_features, summary.n_subjective, summary.extraction_failures = (int(x or 0) for x in row)
        summary.extractor_models = _counts(
            ws, "SELECT extractor_model, count(*) FROM features GROUP BY 1 ORDER BY 2 DESC"
        )
        summary.prompt_versions = _counts(
            ws, "SELECT prompt_version, count(*) FROM features GROUP BY 1 ORDER BY 2 DESC"
        )
    runs = ws.con.execute(
        "SELECT run_id, command, status, started_at, seconds, counts, config FROM runs ORDER BY started_at"
    ).fetchall()
    for run_id, command, status, started, seconds, counts, config in runs:
        summary.runs.append(
            {
                "run_id": run_id,
                "command": command,
                "status": status,
                "started_at": str(started) if started else None,
                "seconds": round(seconds, 2) if seconds is not None else None,
                "counts": numbers_only(json.loads(counts) if counts else {}),
                "settings": run_settings(json.loads(config) if config else {}),
            }
        )
    summary.caveats = _caveats(summary)
    return summary


# the privacy auditor's ratings (table cluster_audit, written by `wildvalues audit`) gate tree nodes
_AUDIT_JOIN = "LEFT JOIN cluster_audit a ON a.tree = t.tree AND a.cluster_id = t.cluster_id"
_TREE_NODES_SQL = (
    "SELECT t.*{audit_col} FROM tree_nodes t {audit_join} ORDER BY t.tree, t.level DESC, t.cluster_id"
)


def load_report_data(ws: Workspace, k: int, u: int, min_audit_rating: int = 4) -> ReportData:
    """Every ``an_*`` table and tree, thresholded, plus the run summary."""
    tables = {
        name: gate_table(name, ws.con.execute(f'SELECT * FROM "{name}"').df(), k, u)
        for name in result_table_names(ws)
    }
    trees: dict[str, GatedTable] = {}
    if ws.has_table("tree_nodes"):
        nodes = ws.con.execute(_TREE_NODES_SQL.format(
            audit_join=_AUDIT_JOIN if ws.has_table("cluster_audit") else "",
            audit_col=", a.audit_rating" if ws.has_table("cluster_audit") else "",
        )).df()
        for tree in TREE_NAMES:
            part = nodes[nodes["tree"] == tree].reset_index(drop=True)
            if len(part):
                trees[tree] = gate_tree(tree, part, k, u, min_audit_rating)
    return ReportData(k=k, u=u, tables=tables, trees=trees, summary=load_summary(ws))
