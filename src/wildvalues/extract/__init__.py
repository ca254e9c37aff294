"""extract stage: per-conversation features (subjectivity, values, response type, task).

``extract_batch(conversations, client, cfg.extract)`` is the pure core; ``extract_workspace(ws, cfg)`` the
workspace edge (reads ``scrubbed_messages``, writes ``features``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["extract_batch", "extract_workspace"]


def __getattr__(name: str) -> Any:  # lazy: importing the package must not load numpy/sklearn models
    if name == "extract_batch":
        from wildvalues.extract.core import extract_batch

        return extract_batch
    if name == "extract_workspace":
        from wildvalues.extract.store import extract_workspace

        return extract_workspace
    raise AttributeError(name)
