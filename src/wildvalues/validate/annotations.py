"""Annotations: typed records, reading exported JSONL / filled CSV, the ``validation_annotations`` table.

Bad input never passes silently: every problem names the file, the line and what is wrong, and a file with
problems is not stored at all (the caller prints them all).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from wildvalues.extract.parse import normalise_label
from wildvalues.records import RESPONSE_TYPES
from wildvalues.workspace import Workspace

ANNOTATIONS_DDL = """
CREATE TABLE IF NOT EXISTS validation_annotations (
    annotator VARCHAR, conversation_id VARCHAR, response_type VARCHAR, subjectivity_level INTEGER,
    ai_values VARCHAR[], human_values VARCHAR[], notes VARCHAR, kind VARCHAR, source VARCHAR, run_id VARCHAR,
    PRIMARY KEY (annotator, conversation_id)
)"""
JUDGE_PREFIX = "judge:"


class Annotation(BaseModel):
    annotator: str = Field(min_length=1)
    conversation_id: str = Field(min_length=1)
    response_type: str | None = None
    subjectivity_level: int | None = Field(default=None, ge=1, le=4)
    ai_values: list[str] = Field(default_factory=list)
    human_values: list[str] = Field(default_factory=list)
    notes: str = ""

    @property
    def kind(self) -> str:
        return "judge" if self.annotator.startswith(JUDGE_PREFIX) else "human"


class AnnotationFileError(ValueError):
    """Problems found in annotation files: one line per problem, ``file:line: what``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# what one stored annotation holds (the table adds source and run_id)
LABEL_COLUMNS = ("annotator", "conversation_id", "response_type", "subjectivity_level", "ai_values",
                 "human_values", "notes", "kind")

def _labels(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.split(";")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("value labels must be a list of strings (or ';'-separated text in CSV)")
    out: list[str] = []
    for raw in value:
        label = normalise_label(raw)
        if label and label not in out:
            out.append(label)
    return out


def parse_record(row: dict[str, Any], annotator: str | None) -> Annotation:
    """One annotation from a JSONL object or CSV row; ``annotator`` overrides the row's id when given."""
    rt = row.get("response_type") or None
    if rt is not None and rt not in RESPONSE_TYPES:
        raise ValueError(f"response_type {rt!r} is not one of {', '.join(RESPONSE_TYPES)}")
    level = row.get("subjectivity_level")
    if level in ("", None):
        level = None
    else:
        try:
            level = int(level)
        except (TypeError, ValueError):
            raise ValueError(f"subjectivity_level {level!r} is not an integer 1-4") from None
    who = annotator or str(row.get("annotator") or "").strip()
    if not who:
        raise ValueError("no annotator id (column/field 'annotator', or pass --annotator)")
    if who.startswith(JUDGE_PREFIX) and annotator is None and row.get("kind") != "judge":
        raise ValueError(f"annotator ids starting with {JUDGE_PREFIX!r} are reserved for `validate judge`")
    return Annotation(
        annotator=who,
        conversation_id=str(row.get("conversation_id") or "").strip(),
        response_type=rt,
        subjectivity_level=level,
        ai_values=_labels(row.get("ai_values")),
        human_values=_labels(row.get("human_values")),
        notes=str(row.get("notes") or ""),
    )


def _rows(path: Path) -> Iterable[tuple[int, dict[str, Any] | str]]:
    """(line number, row) pairs; a row that cannot be read is yielded as the error text."""
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            for row in reader:
                # a spreadsheet row without any label is an item not yet annotated: skip, not an error
                if any(
                    (row.get(k) or "").strip()
                    for k in ("response_type", "subjectivity_level", "ai_values", "human_values")
                ):
                    yield reader.line_num, row  # the line where the (possibly multi-line) record ends
        return
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"not valid JSON ({exc.msg})"
                continue
            yield number, obj if isinstance(obj, dict) else "not a JSON object"


def read_annotation_files(
    paths: list[Path], sample_ids: set[str], annotator: str | None = None
) -> list[tuple[Annotation, str]]:
    """Every annotation in ``paths`` with its source (``file:line``); raises with all problems found."""
    problems: list[str] = []
    out: list[tuple[Annotation, str]] = []
    seen: dict[tuple[str, str], str] = {}
    for path in paths:
        if not path.exists():
            problems.append(f"{path}: no such file")
            continue
        for number, row in _rows(path):
            where = f"{path}:{number}"
            if isinstance(row, str):
                problems.append(f"{where}: {row}")
                continue
            try:
                item = parse_record(row, annotator)
            except ValueError as exc:
                problems.append(f"{where}: {exc}".replace("\n", " "))
                continue
            if item.conversation_id not in sample_ids:
                problems.append(
                    f"{where}: conversation_id {item.conversation_id!r} is not in this "
                    "workspace's validation sample"
                )
                continue
            key = (item.annotator, item.conversation_id)
            if key in seen:
                problems.append(
                    f"{where}: annotator {item.annotator!r} labelled {item.conversation_id} "
                    f"already at {seen[key]}"
                )
                continue
            seen[key] = where
            out.append((item, where))
    if problems:
        raise AnnotationFileError(problems)
    return out


def store_annotations(ws: Workspace, annotations: list[tuple[Annotation, str]], run_id: str) -> int:
    """Insert or replace (same annotator and conversation) every annotation; returns rows written."""
    ws.con.execute(ANNOTATIONS_DDL)
    if not annotations:
        return 0
    frame = pd.DataFrame(
        [{**a.model_dump(), "kind": a.kind, "source": source, "run_id": run_id} for a, source in annotations]
    )
    frame["subjectivity_level"] = pd.array(frame["subjectivity_level"], dtype="Int32")
    columns = [*LABEL_COLUMNS, "source", "run_id"]
    ws.con.register("va_frame", frame[columns])
    ws.con.execute(
        "DELETE FROM validation_annotations a USING va_frame v "
        "WHERE a.annotator = v.annotator AND a.conversation_id = v.conversation_id"
    )
    ws.con.execute(f"INSERT INTO validation_annotations SELECT {', '.join(columns)} FROM va_frame")
    ws.con.unregister("va_frame")
    return len(frame)


def load_annotations(ws: Workspace) -> pd.DataFrame:
    """All stored annotations (empty frame with the columns when none)."""
    if not ws.has_table("validation_annotations"):
        return pd.DataFrame(columns=list(LABEL_COLUMNS))
    return ws.con.execute(
        f"SELECT {', '.join(LABEL_COLUMNS)} FROM validation_annotations ORDER BY annotator, conversation_id"
    ).df()


def load_sample(ws: Workspace) -> pd.DataFrame:
    if not ws.has_table("validation_sample"):
        return pd.DataFrame(
            columns=["sample_id", "conversation_id", "position", "stratum", "weight", "design"]
        )
    return ws.con.execute(
        "SELECT sample_id, conversation_id, position, stratum, weight, design FROM validation_sample "
        "ORDER BY position"
    ).df()
