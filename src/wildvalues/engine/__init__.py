"""Where extraction runs: ``local`` (this process, batch after batch) or ``ray`` (a Ray Data actor pool).

Both engines call the same pure function, :func:`wildvalues.extract.core.extract_batch`, on the same
batches (``engine.batch_size`` conversations, in conversation-id order), write rows through
:func:`wildvalues.extract.store.write_features` keyed by conversation id, record a conversation whose
extraction raised in ``extract_failures`` (with its reason; the rest of its batch is kept), and return the
same :class:`EngineResult` account. See docs/SCALING.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LLM_COUNT_KEYS = ("calls", "cached", "new", "failed", "retries", "prompt_tokens", "completion_tokens",
                  "dollars")


@dataclass
class EngineResult:
    """What one engine did: rows written, conversations that raised, and the summed LLM account."""

    extracted: int = 0
    with_failures: int = 0
    failed: int = 0
    llm: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


def add_counts(total: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    """``total`` plus ``delta`` on the LLM count keys (calls = cached + new + failed in both)."""
    out = dict(total)
    for key in LLM_COUNT_KEYS:
        if key in delta:
            out[key] = out.get(key, 0) + delta[key]
    return out


def count_delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    return {key: after.get(key, 0) - before.get(key, 0) for key in LLM_COUNT_KEYS if key in after}
