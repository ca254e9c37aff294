"""extract stage: per-conversation features (subjectivity, values, response type, task).

``extract_batch(conversations, extractor)`` is the pure core over an :class:`Extractor` bundle that
``build_extractor(cfg.extract, client)`` loads once; ``wildvalues.extract.stage.run(ws, cfg, ...)`` is the
workspace edge (reads ``scrubbed_messages``, writes ``features``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_extractor", "extract_batch"]


def __getattr__(name: str) -> Any:  # lazy: importing the package must not load numpy/sklearn models
    if name == "extract_batch":
        from wildvalues.extract.core import extract_batch

        return extract_batch
    if name == "build_extractor":
        from wildvalues.extract.extractor import build_extractor

        return build_extractor
    raise AttributeError(name)
