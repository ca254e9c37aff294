"""After generation: what the guard took out goes on record, and a generated field that copies it is rejected.

The transcript step (``transcript.truncated_turns``) removes planted instructions before any model reads
them (``extract/guard.py``); overrides it kept as ordinary conversation are *suspect*. A generated task
sentence that opens with, or a value label made only of, words found in that text and nowhere else in the
conversation is the mark of a planted instruction that got through: the task is withheld (with the reason in
``failures``) and such labels are dropped (listed in ``raw_outputs["guard"]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wildvalues.extract.guard import GuardNote, copied_from_injection
from wildvalues.extract.transcript import Turn


def guard_notes(turns: Sequence[Turn]) -> list[tuple[str, GuardNote]]:
    """(role, note) for every sentence the guard removed or flagged, in transcript order."""
    return [(turn.role, note) for turn in turns for note in turn.guard]


def record_guard(turns: Sequence[Turn], raw: dict[str, Any]) -> None:
    """Put what the guard removed / flagged into ``raw["guard"]`` (nothing is added when it saw nothing)."""
    notes = guard_notes(turns)
    if notes:
        raw["guard"] = [
            {"role": role, "action": note.action, "reason": note.reason, "text": note.text[:400]}
            for role, note in notes
        ]


def screen_outputs(
    turns: Sequence[Turn],
    task: str | None,
    value_lists: dict[str, list[str]],
    raw: dict[str, Any],
    failures: dict[str, str],
) -> tuple[str | None, dict[str, list[str]]]:
    """The task and value lists with whatever copies removed / suspect text taken out (on record)."""
    notes = [note for _, note in guard_notes(turns)]
    if not notes:
        return task, value_lists
    kept = "\n".join(turn.content for turn in turns)
    if task:
        first = task.split()[0] if task.split() else ""
        copied = copied_from_injection(first, notes, kept)
        if copied:
            failures["task"] = f"withheld: the generated task opens with {copied!r}, found only in text " \
                               "addressed to the analysing model"
            raw.setdefault("guard_rejected", []).append({"field": "task", "output": task})
            task = None
    screened: dict[str, list[str]] = {}
    for name, labels in value_lists.items():
        keep = []
        for label in labels:
            words = [w for w in label.split() if len(w) > 3]
            if words and all(copied_from_injection(w, notes, kept) for w in words):
                raw.setdefault("guard_rejected", []).append({"field": name, "output": label})
            else:
                keep.append(label)
        screened[name] = keep
    return task, screened
