"""XSTest model completions: ``model_completions/xstest_v2_completions_<model>.csv``.

Columns ``id, type, prompt, completion, annotation_1, annotation_2, agreement, final_label``. The model is
taken from the file name; the human label (``final_label``, e.g. ``2_full_refusal``) and the prompt type go
to ``meta``, and so does the prompt's safe/unsafe label when ``xstest_prompts.csv`` sits one folder up.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from wildvalues.ingest.normalize import RecordContext, build_conversation

NAME = "xstest"
REQUIRED = {"prompt", "completion"}
_PREFIX = "xstest_v2_completions_"


def looks_like(columns: list[str], path: Path) -> bool:
    return set(columns) >= REQUIRED and ("final_label" in columns or path.name.startswith("xstest"))


def model_from_path(path: Path) -> str:
    stem = path.name.split(".")[0]
    return stem[len(_PREFIX):] if stem.startswith(_PREFIX) else stem


def prompt_labels(path: Path) -> dict[str, str]:
    """prompt id -> 'safe'/'unsafe' from ``../xstest_prompts.csv`` (empty when absent).

    Completion ids are ``v2-<id>``; the join is by id because a few prompts were reworded between versions.
    """
    prompts = path.parent.parent / "xstest_prompts.csv"
    if not prompts.is_file():
        return {}
    with open(prompts, newline="", encoding="utf-8") as fh:
        return {row["id"]: row["label"] for row in csv.DictReader(fh) if row.get("id") and row.get("label")}


def convert(row: dict[str, Any], ctx: RecordContext, labels: dict[str, str]) -> list:
    meta = {"xstest_id": row.get("id"), "xstest_type": row.get("type"),
            "xstest_label": row.get("final_label")}
    prompt_id = str(row.get("id") or "").removeprefix("v2-")
    if prompt_id in labels:
        meta["xstest_prompt_label"] = labels[prompt_id]
    meta = {key: value for key, value in meta.items() if value}
    return [build_conversation([("user", row.get("prompt")), ("assistant", row.get("completion"))], ctx,
                               meta=meta)]
