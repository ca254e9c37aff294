"""analyze stage: every statistic of the paper (§3, Appendix A.7, B) over a workspace -> ``an_*`` tables.

Entry point: ``wildvalues.analyze.analyze_workspace(ws, cfg.analyze, progress=None, config_snapshot=None)``.
Table schemas: ``SCHEMA.md`` next to this file. Synthetic test data: ``wildvalues.analyze.synthetic``.
"""

from typing import Any

__all__ = ["analyze_workspace"]


def __getattr__(name: str) -> Any:  # lazy: scipy/pandas load only when the stage runs
    if name == "analyze_workspace":
        from wildvalues.analyze.run import analyze_workspace

        return analyze_workspace
    raise AttributeError(name)
