"""report stage: the HTML report, static figures and released-schema exports (``build_report``).

``build_report`` is imported lazily: ``wildvalues.config`` imports ``report.config`` while it is itself
being initialised, and the builder needs the finished ``Config``.
"""

from typing import Any

__all__ = ["build_report"]


def __getattr__(name: str) -> Any:
    if name == "build_report":
        from wildvalues.report.build import build_report

        return build_report
    raise AttributeError(f"module 'wildvalues.report' has no attribute {name!r}")
