"""Post-LLM screen of the ``features`` table: labels and task sentences carrying PII are dropped, raw model
outputs are scrubbed. Runs after extraction and before the taxonomy (``wildvalues screen``).

Extraction checks its own answers with :func:`wildvalues.privacy.leaks.find_pii`; this screen is the
workspace-level second line, and it catches what a per-label check cannot: value labels are lower-cased
by normalisation ("priya raman's wellbeing"), which hides names from a name detector, so names found in
the same conversation's raw (cased) model output are also looked for inside its labels.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from wildvalues.privacy.config import PrivacyConfig
from wildvalues.privacy.leaks import find_pii_many
from wildvalues.privacy.scrub import scrub_conversations
from wildvalues.stage import MissingInput

LABEL_COLUMNS = ("ai_values", "human_values", "stated_ai_values")


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)


def _replace(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, dict):
        return {key: _replace(item, mapping) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, mapping) for item in value]
    return value


def _mentions(text: str, surfaces: set[str]) -> bool:
    lowered = text.lower()
    return any(re.search(rf"(?<!\w){re.escape(s)}(?!\w)", lowered) for s in surfaces)


def screen_features(ws: Any, cfg: PrivacyConfig | None = None) -> dict[str, Any]:
    """Drop PII-bearing labels and tasks from ``features`` and scrub its raw outputs; return the account."""
    cfg = cfg or PrivacyConfig()
    if not ws.has_table("features"):
        raise MissingInput(ws.db_path, "table 'features'", "wildvalues extract")
    rows = ws.con.execute(
        "SELECT conversation_id, ai_values, human_values, stated_ai_values, task, raw_outputs, failures "
        "FROM features ORDER BY conversation_id").fetchall()
    with ws.run("screen", {}, cfg.model_dump()) as run:
        counts: Counter[str] = Counter()
        parsed = [(json.loads(r[5]) if r[5] else {}, json.loads(r[6]) if r[6] else {}) for r in rows]
        raw_texts = []
        for raw, failures in parsed:
            found: list[str] = []
            _strings([raw, failures], found)
            raw_texts.append(sorted(set(found)))
        scrubbed = scrub_conversations(raw_texts, cfg) if any(raw_texts) else [[] for _ in rows]
        labels = [label for r in rows for col in range(1, 4) for label in (r[col] or [])]
        tasks = [r[4] for r in rows if r[4]]
        flagged = dict(zip(labels + tasks, find_pii_many(labels + tasks), strict=True))
        for row, (raw, failures), texts, results in zip(rows, parsed, raw_texts, scrubbed, strict=True):
            surfaces = {t[e.start:e.end].strip().lower() for t, res in zip(texts, results, strict=True)
                        for e in res.entities if len(t[e.start:e.end].strip()) >= 3}
            new = {}
            for col, name in zip(range(1, 4), LABEL_COLUMNS, strict=True):
                kept = [lb for lb in (row[col] or []) if not flagged.get(lb) and not _mentions(lb, surfaces)]
                counts[f"{name}_dropped"] += len(row[col] or []) - len(kept)
                counts["labels_checked"] += len(row[col] or [])
                new[name] = kept
            task = row[4]
            if task and (flagged.get(task) or _mentions(task, surfaces)):
                task, counts["tasks_dropped"] = None, counts["tasks_dropped"] + 1
            mapping = {t: res.text for t, res in zip(texts, results, strict=True) if res.text != t}
            counts["raw_strings_scrubbed"] += len(mapping)
            changed = mapping or task != row[4] or any(new[n] != (row[c] or []) for c, n in
                                                      zip(range(1, 4), LABEL_COLUMNS, strict=True))
            if changed:
                counts["conversations_changed"] += 1
                ws.con.execute(
                    "UPDATE features SET ai_values = ?, human_values = ?, stated_ai_values = ?, task = ?, "
                    "raw_outputs = ?, failures = ? WHERE conversation_id = ?",
                    [new["ai_values"], new["human_values"], new["stated_ai_values"], task,
                     json.dumps(_replace(raw, mapping), default=str),
                     json.dumps(_replace(failures, mapping), default=str), row[0]])
        summary = {"conversations": len(rows), **{k: counts[k] for k in (
            "labels_checked", *(f"{n}_dropped" for n in LABEL_COLUMNS), "tasks_dropped",
            "raw_strings_scrubbed", "conversations_changed")}, "run_id": run.run_id}
        run.counts.update(summary)
    return summary
