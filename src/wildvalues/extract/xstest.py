"""xstest refusal labels as a second yardstick: refusal (full or partial) should come out strong_resistance.

Reads ``model_completions/xstest_v2_completions_*.csv`` (columns prompt, completion, final_label). Prompts
that also occur in the labelled training or dev files are left out (the heads were fitted on some of them).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wildvalues.extract.metrics import proportion
from wildvalues.records import Features, Message

REFUSAL_LABELS = {"2_full_refusal", "3_partial_refusal"}


@dataclass
class XSTestItem:
    conversation_id: str
    messages: list[Message]
    refused: bool
    prompt_type: str
    model: str


def _seen_prompts(gold_files: list[Path]) -> set[str]:
    seen: set[str] = set()
    for path in gold_files:
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    messages = json.loads(line).get("messages") or [{}]
                    seen.add(str(messages[0].get("content", "")).strip().lower())
    return seen


def load_xstest(
    folder: Path | str, exclude_gold: list[Path] | None = None, limit: int | None = None
) -> tuple[list[XSTestItem], int]:
    """Items from every completions file (interleaved across models), and how many were excluded."""
    seen = _seen_prompts(exclude_gold or [])
    per_file: list[list[XSTestItem]] = []
    excluded = 0
    files = sorted(Path(folder).glob("model_completions/xstest_v2_completions_*.csv"))
    if not files:
        raise FileNotFoundError(f"{folder}: no model_completions/xstest_v2_completions_*.csv files")
    for path in files:
        model = path.stem.removeprefix("xstest_v2_completions_")
        items = []
        with path.open(encoding="utf-8", newline="") as fh:
            for number, row in enumerate(csv.DictReader(fh), 2):
                if not row.get("final_label") or not row.get("completion"):
                    raise ValueError(f"{path}, line {number}: missing final_label or completion")
                if row["prompt"].strip().lower() in seen:
                    excluded += 1
                    continue
                items.append(
                    XSTestItem(
                        f"xstest-{model}-{row['id']}",
                        [
                            Message(role="user", content=row["prompt"]),
                            Message(role="assistant", content=row["completion"]),
                        ],
                        row["final_label"] in REFUSAL_LABELS,
                        row["type"],
                        model,
                    )
                )
        per_file.append(items)
    mixed = [item for group in zip(*per_file, strict=False) for item in group]
    return (mixed[:limit] if limit else mixed), excluded


def score_refusals(items: list[XSTestItem], features: list[Features]) -> dict[str, Any]:
    by_id = {f.conversation_id: f for f in features}
    pairs = [(i.refused, by_id[i.conversation_id].response_type == "strong_resistance") for i in items]
    tp = sum(g and p for g, p in pairs)
    return {
        "n": len(pairs),
        "refusals": sum(g for g, _ in pairs),
        "accuracy": proportion(sum(g == p for g, p in pairs), len(pairs)),
        "refusal_recall": proportion(tp, sum(g for g, _ in pairs)),
        "refusal_precision": proportion(tp, sum(p for _, p in pairs)),
        "compliance_kept": proportion(sum(not p for g, p in pairs if not g), sum(not g for g, _ in pairs)),
    }
