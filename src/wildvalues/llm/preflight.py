"""What stage CLIs call before a run: print the estimate (always for paid backends), stop on --dry-run.

    from wildvalues.llm.preflight import preflight
    if not preflight(client, requests, dry_run=dry_run):
        return  # --dry-run: the estimate was printed, nothing was sent
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from wildvalues.llm.base import LLMRequest


def is_paid(client: Any) -> bool:
    return client.backend.name in ("openai", "anthropic") and client.cfg.price_for(client.model) is not None


def print_estimate(estimate: dict[str, Any], console: Console | None = None) -> None:
    table = Table(title="LLM estimate (before anything is sent)", show_header=False, title_justify="left")
    for key in ("backend", "model", "requests", "distinct", "cached", "new_calls", "prompt_tokens",
                "completion_tokens_max", "dollars_max", "token_method"):
        table.add_row(key, str(estimate.get(key)))
    (console or Console(stderr=True)).print(table)


def preflight(client: Any, requests: Sequence[LLMRequest], *, dry_run: bool,
              console: Console | None = None) -> bool:
    """Print the estimate when ``dry_run`` or when the backend is paid; return whether to go ahead."""
    estimate = client.estimate(requests)
    if dry_run or is_paid(client) or client.backend.name != "local":
        print_estimate(estimate, console)
    return not dry_run
