"""A second, stronger judge labels the validation sample (paper-mode prompts, through the LLM layer).

Its labels are stored as annotations of annotator ``judge:<backend>:<model>`` and scored like a person's; they
serve as the truth for the corrected estimates only when no human labelled the sample. Calls go through
``wildvalues.llm`` (cached in the workspace, budgeted, accounted); the dry run prices the exact first-attempt
requests with :func:`wildvalues.llm.estimate.estimate_requests`, as every other ``--dry-run`` does.
"""

from __future__ import annotations

from collections.abc import Callable

from wildvalues.extract.config import ExtractConfig
from wildvalues.extract.paper_mode import _FEATURES as PAPER_FEATURES
from wildvalues.extract.paper_mode import extract_paper
from wildvalues.extract.prompts import PromptSet, load_prompts
from wildvalues.extract.store import TextConversation
from wildvalues.extract.transcript import render, truncated_turns
from wildvalues.llm.base import LLMClient, LLMRequest
from wildvalues.validate.annotations import JUDGE_PREFIX, Annotation

FEATURES_USED = ("subjectivity", "ai_values", "human_values", "response_type", "task", "stated_ai_values")


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
    client: LLMClient,
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
