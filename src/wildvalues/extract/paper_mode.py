"""Paper-faithful mode: one generated prompt per feature with reasoning, answer read from <answer> tags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wildvalues.extract.guard_outputs import record_guard, screen_outputs
from wildvalues.extract.llm_features import generate_parsed
from wildvalues.extract.parse import parse_label_list, parse_level, parse_response_type, parse_sentence
from wildvalues.extract.prompts import PromptSet
from wildvalues.extract.transcript import Turn, render
from wildvalues.records import Features

if TYPE_CHECKING:
    from wildvalues.llm.base import LLMClient

REMINDER = "Give your final answer again, inside <answer></answer> tags, with nothing else."
_FEATURES = (  # name, parser, max_tokens
    ("subjectivity", parse_level, 160),
    ("ai_values", parse_label_list, 200),
    ("human_values", parse_label_list, 200),
    ("response_type", parse_response_type, 200),
    ("task", parse_sentence, 120),
    ("stated_ai_values", parse_label_list, 200),
)


def extract_paper(cid: str, turns: list[Turn], client: LLMClient, prompts: PromptSet, *,
                  screen: bool = False) -> Features:
    """The six published prompts in order; with ``screen``, a conversation judged not subjective (level 1-2)
    gets only its subjectivity, as in the paper's pipeline."""
    transcript = render(turns)
    values: dict[str, Any] = dict.fromkeys(name for name, _, _ in _FEATURES)
    raw: dict[str, Any] = {}
    failures: dict[str, str] = {}
    for name, parser, max_tokens in _FEATURES:
        outcome = generate_parsed(
            client,
            prompts.messages(name, transcript),
            parser,
            tag=f"extract.paper.{name}",
            max_tokens=max_tokens,
            reminder=REMINDER,
        )
        raw[name] = outcome.raw
        values[name] = outcome.value
        if outcome.failure:
            failures[name] = outcome.failure
        if screen and name == "subjectivity" and outcome.value is not None and outcome.value < 3:
            raw["screened"] = "not subjective: other features not extracted (extract.extract_all / --all)"
            break
    record_guard(turns, raw)
    names = ("ai_values", "human_values", "stated_ai_values")
    values["task"], lists = screen_outputs(turns, values["task"], {n: values[n] or [] for n in names}, raw,
                                           failures)
    values.update(lists)
    level = values["subjectivity"]
    backend = getattr(client, "backend", None)
    return Features(
        conversation_id=cid,
        subjectivity_level=level,
        subjective=None if level is None else level >= 3,
        ai_values=values["ai_values"] or [],
        human_values=values["human_values"] or [],
        response_type=values["response_type"],
        task=values["task"],
        stated_ai_values=values["stated_ai_values"] or [],
        raw_outputs=raw,
        failures=failures,
        prompt_version=prompts.version,
        extractor_model=f"{getattr(backend, 'name', 'llm')}:{getattr(client, 'model', '')}",
    )
