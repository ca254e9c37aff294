"""The local engine: batch after batch in this process, each conversation that raises recorded apart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wildvalues.engine import EngineResult, add_counts
from wildvalues.records import Features

ExtractFn = Callable[[Sequence[Any]], list[Features]]


def extract_guarded(conversations: Sequence[Any], extract: ExtractFn
                    ) -> tuple[list[Features], list[tuple[str, str]]]:
    """``extract`` on the batch; if it raises, on each conversation alone, so one bad conversation is
    recorded as ``(conversation_id, reason)`` and never drops the others. A budget stop is not a
    conversation's fault: it propagates (answers so far are in the call cache)."""
    from wildvalues.llm.base import BudgetExceeded

    try:
        return extract(conversations), []
    except BudgetExceeded:
        raise
    except Exception as batch_exc:  # noqa: BLE001 - any failure of one conversation must be isolated
        if len(conversations) == 1:
            return [], [(conversations[0].conversation_id, _reason(batch_exc))]
    features: list[Features] = []
    failures: list[tuple[str, str]] = []
    for conversation in conversations:
        try:
            features += extract([conversation])
        except BudgetExceeded:
            raise
        except Exception as exc:  # noqa: BLE001
            failures.append((conversation.conversation_id, _reason(exc)))
    return features, failures


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def extract_local(ws: Any, todo: Sequence[Any], extract: ExtractFn, *, run_id: str, version: str,
                  batch_size: int, client: Any = None,
                  progress: Callable[[int, int], None] | None = None) -> EngineResult:
    """Extract ``todo`` in batches of ``batch_size`` with ``extract`` and write each batch as it ends."""
    from wildvalues.engine.merge import write_rows

    result = EngineResult()
    for start in range(0, len(todo), batch_size):
        features, failures = extract_guarded(todo[start : start + batch_size], extract)
        for f in features:
            f.run_id = run_id
        write_rows(ws, features, failures, version=version, run_id=run_id)
        result.extracted += len(features)
        result.with_failures += sum(1 for f in features if f.failures)
        result.failed += len(failures)
        if progress:
            progress(result.extracted + result.failed, len(todo))
    if client is not None:
        result.llm = add_counts({}, client.accounting())
    return result
