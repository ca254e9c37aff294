"""Opt-in example snippets (``--include-examples``): scrubbed text only, from clusters that passed everything.

Snippets come from ``scrubbed_messages`` (never the raw store), only for values that are shown in the report
(they passed the k/u thresholds and, when the taxonomy recorded one, the privacy auditor), are cut to
``example_chars`` and are re-checked with ``privacy.leaks.find_pii``; a snippet with any finding is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wildvalues.report.config import ReportConfig
from wildvalues.report.data import ReportData
from wildvalues.workspace import Workspace


@dataclass
class ExampleGroup:
    value: str
    snippets: list[str] = field(default_factory=list)


@dataclass
class Examples:
    groups: list[ExampleGroup] = field(default_factory=list)
    dropped_pii: int = 0
    note: str = ""

    @property
    def count(self) -> int:
        return sum(len(g.snippets) for g in self.groups)


def allowed_values(data: ReportData, cfg: ReportConfig) -> list[str]:
    """AI values shown in Table 1 that also survived the tree thresholds/auditor (when a tree exists)."""
    freqs = data.table("an_value_frequencies")
    if freqs.empty:
        return []
    shown = list(freqs[freqs["side"] == "ai"].nsmallest(cfg.top_n, "rank")["value"].astype(str))
    tree = data.trees.get("ai_values")
    if tree is not None:
        leaves = set(tree.frame.loc[tree.frame["level"] == 0, "name"].astype(str))
        shown = [v for v in shown if v in leaves]
    return shown


def _snippet(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def collect_examples(ws: Workspace, data: ReportData, cfg: ReportConfig) -> Examples:
    examples = Examples()
    if not ws.has_table("scrubbed_messages") or not ws.has_table("features"):
        examples.note = (
            "The workspace has no scrubbed text (run `wildvalues scrub`), so there are no examples."
        )
        return examples
    try:
        from wildvalues.privacy.leaks import find_pii
    except ImportError as exc:  # fail closed: no re-check, no examples
        examples.note = f"The PII re-check is unavailable ({exc}); examples were withheld."
        return examples
    for value in allowed_values(data, cfg):
        rows = ws.con.execute(
            "WITH picked AS (SELECT conversation_id FROM features WHERE list_contains(ai_values, ?) "
            "  ORDER BY hash(conversation_id) LIMIT ?), "
            "first_user AS (SELECT s.conversation_id, min(s.idx) AS idx FROM scrubbed_messages s "
            "  JOIN picked p USING (conversation_id) WHERE s.role = 'user' GROUP BY 1) "
            "SELECT s.content FROM scrubbed_messages s JOIN first_user f USING (conversation_id, idx) "
            "ORDER BY hash(s.conversation_id)",
            [value, 4 * max(1, cfg.examples_per_cluster)],
        ).fetchall()
        group = ExampleGroup(value)
        for (content,) in rows:
            if len(group.snippets) >= cfg.examples_per_cluster:
                break
            snippet = _snippet(content or "", cfg.example_chars)
            if not snippet:
                continue
            if find_pii(snippet, placeholders=False):
                examples.dropped_pii += 1
                continue
            group.snippets.append(snippet)
        if group.snippets:
            examples.groups.append(group)
    examples.note = (
        f"{examples.count} snippets shown; {examples.dropped_pii} dropped because the PII re-check "
        "flagged them."
    )
    return examples
