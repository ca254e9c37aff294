"""Where the project's shared data folder is: ``$WILDVALUES_SHARED``, else ``<project root>/../shared``.

The labelled sets (``eval/``) and the real corpora (``data/``) sit beside a checkout, never inside it;
benchmarks and fitting scripts name them through :func:`shared_dir` instead of an absolute path.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # src/wildvalues/paths.py -> the checkout


def shared_dir() -> Path:
    """The shared folder (it may not exist: callers say what is missing)."""
    return Path(os.environ.get("WILDVALUES_SHARED") or PROJECT_ROOT.parent / "shared")
