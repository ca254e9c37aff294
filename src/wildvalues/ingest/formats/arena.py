"""arena-hard / arena-bench: ``question.jsonl`` + ``model_answer/<model>.jsonl``, joined by question id.

Questions: ``{"question_id", "turns": [str]}`` (arena-bench-v1) or ``{"uid", "prompt"}`` (arena-hard v0.1,
v2.0). Answers: ``{"question_id", "model_id", "choices": [{"turns": [str]}]}`` (bench) or
``{"uid", "model", "messages": [user, {"role": "assistant", "content": {"answer": str}}]}`` (hard).
The model is the answer record's ``model``/``model_id`` (else the answer file's name). An answer whose
number of turns does not match its question's is rejected, not guessed at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wildvalues.ingest.normalize import RecordContext, RecordError, build_conversation, scalar_extras
from wildvalues.records import Conversation

NAME = "arena"
_QUESTION_META = ("category", "cluster", "subcategory")


def question_id(record: dict[str, Any]) -> str | None:
    value = record.get("question_id", record.get("uid"))
    return str(value) if value is not None else None


def looks_like_answer(record: dict[str, Any]) -> bool:
    return question_id(record) is not None and (
        "choices" in record or ("messages" in record and ("ans_id" in record or "answer_id" in record)))


def looks_like_question(record: dict[str, Any]) -> bool:
    return question_id(record) is not None and ("turns" in record or "prompt" in record) \
        and "choices" not in record and "messages" not in record


def question_turns(question: dict[str, Any]) -> list[Any]:
    if isinstance(question.get("turns"), list):
        return [t.get("content") if isinstance(t, dict) else t for t in question["turns"]]
    return [question.get("prompt")]


def answer_file_for(path: Path) -> Path | None:
    """``.../X/question.jsonl`` for an answer file ``.../X/model_answer/m.jsonl`` (None if absent)."""
    candidate = path.parent.parent / "question.jsonl"
    return candidate if path.parent.name == "model_answer" and candidate.is_file() else None


def convert(record: dict[str, Any], ctx: RecordContext,
            questions: dict[str, dict[str, Any]] | None = None) -> list[Conversation]:
    qid = question_id(record)
    question = (questions or {}).get(qid or "")
    if questions is not None and question is None:
        raise RecordError(f"question id {qid!r} is not in the question file")
    model = record.get("model") or record.get("model_id")
    meta: dict[str, Any] = {"question_id": qid}
    meta.update(scalar_extras(record, {"question_id", "uid", "model", "model_id", "tstamp", "choices",
                                       "messages"}))
    if question is not None:
        meta.update({key: question[key] for key in _QUESTION_META if isinstance(question.get(key), str)})
    if isinstance(record.get("messages"), list):
        turns = []
        for number, message in enumerate(record["messages"], start=1):
            if not isinstance(message, dict):
                raise RecordError(f"message {number} is {type(message).__name__}, not an object")
            turns.append((message.get("role"), message.get("content")))
    else:
        choices = record.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise RecordError("answer has no choices[0]")
        answers = choices[0].get("turns")
        if not isinstance(answers, list):
            raise RecordError("answer choices[0] has no turns list")
        if question is None:
            raise RecordError("answer without its question (no question.jsonl next to model_answer/)")
        prompts = question_turns(question)
        if len(prompts) != len(answers):
            raise RecordError(f"answer has {len(answers)} turns but question {qid} has {len(prompts)} "
                              "(answer and question files from different versions?)")
        turns = [pair for prompt, answer in zip(prompts, answers, strict=True)
                 for pair in (("user", prompt), ("assistant", answer))]
    return [build_conversation(turns, ctx, model=model, timestamp=record.get("tstamp"), meta=meta)]
