"""A second, stronger judge labels the validation sample (paper-mode prompts, through the LLM layer).

Its labels are stored as annotations of annotator ``judge:<backend>:<model>`` and scored like a person's; they
serve as the truth for the corrected estimates only when no human labelled the sample. Calls go through
``wildvalues.llm`` (cached in the workspace, budgeted, accounted). :func:`estimate_cost` is the dry-run
estimate, kept free of any backend so other commands can reuse it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wildvalues.extract.config import ExtractConfig
from wildvalues.extract.paper_mode import _FEATURES as PAPER_FEATURES
from wildvalues.extract.paper_mode import extract_paper
from wildvalues.extract.prompts import PromptSet, load_prompts
from wildvalues.extract.store import TextConversation
from wildvalues.extract.transcript import render, truncated_turns
from wildvalues.llm.base import LLMRequest
from wildvalues.llm.client import request_dollars
from wildvalues.llm.config import LLMConfig
from wildvalues.validate.annotations import JUDGE_PREFIX, Annotation

FEATURES_USED = ("subjectivity", "ai_values", "human_values", "response_type", "task", "stated_ai_values")


def estimate_cost(
    requests: Sequence[LLMRequest],
    cfg: LLMConfig,
    *,
    backend: str,
    model: str,
    is_cached: Callable[[str], bool] | None = None,
) -> dict[str, Any]:
    """Calls, tokens and dollars that ``requests`` would cost on ``backend``/``model`` (no backend needed).

    Prompt tokens are characters / ``cfg.chars_per_token`` plus a few per message (as ``LLMClient.estimate``);
    completion tokens are each request's ``max_tokens`` (an upper bound); dollars come from the price table
    (``cfg.prices``; 0 for local or unknown models). Requests whose cache key ``is_cached`` are free.
    """
    seen: set[str] = set()
    calls = cached = prompt = completion = 0
    for req in requests:
        key = req.cache_key(backend, model)
        if key in seen:
            continue
        seen.add(key)
        if is_cached is not None and is_cached(key):
            cached += 1
            continue
        calls += 1
        prompt += (
            int(sum(len(m.content) for m in req.messages) / cfg.chars_per_token) + 4 * len(req.messages) + 3
        )
        completion += req.max_tokens
    return {
        "backend": backend,
        "model": model,
        "requests": len(requests),
        "cached": cached,
        "new_calls": calls,
        "prompt_tokens": prompt,
        "completion_tokens_max": completion,
        "dollars_max": round(request_dollars(cfg, model, prompt, completion), 4),
        "priced": cfg.price_for(model) is not None,
        "note": "first attempts only: an unparseable answer costs one more call with a reminder",
    }


def judge_requests(
    conversations: list[TextConversation], prompts: PromptSet, cfg: ExtractConfig
) -> list[LLMRequest]:
    """The first-attempt request of every paper-mode feature for every conversation (as extract_paper)."""
    out = []
    for conv in conversations:
        transcript = render(truncated_turns(conv, cfg))
        for name, _parser, max_tokens in PAPER_FEATURES:
            out.append(
                LLMRequest(
                    messages=prompts.messages(name, transcript),
                    max_tokens=max_tokens,
                    tag=f"extract.paper.{name}",
                    seed=0,
                )
            )
    return out


def annotator_id(backend: str, model: str) -> str:
    return f"{JUDGE_PREFIX}{backend}:{model}"


def judge_conversations(
    conversations: list[TextConversation],
    client: Any,
    cfg: ExtractConfig,
    prompts: PromptSet | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Annotation]:
    """Label each conversation with the paper's prompts; failures leave that feature empty (None)."""
    prompts = prompts or load_prompts("paper")
    who = annotator_id(client.backend.name, client.model)
    out = []
    for done, conv in enumerate(conversations, start=1):
        feats = extract_paper(conv.conversation_id, truncated_turns(conv, cfg), client, prompts)
        out.append(
            Annotation(
                annotator=who,
                conversation_id=conv.conversation_id,
                response_type=feats.response_type,
                subjectivity_level=feats.subjectivity_level,
                ai_values=feats.ai_values,
                human_values=feats.human_values,
                notes="; ".join(f"{k}: {v}" for k, v in feats.failures.items()),
            )
        )
        if progress:
            progress(done, len(conversations))
    return out
