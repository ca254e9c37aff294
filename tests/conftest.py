"""Shared fixtures: the real data in ../shared (skipped with a reason when absent) and fresh workspaces."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("WILDVALUES_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "data").is_dir():
        pytest.skip(f"real data folder {SHARED / 'data'} is absent (set WILDVALUES_SHARED to point at it)")
    return SHARED


@pytest.fixture(scope="session")
def shared_data(shared_dir: Path) -> Path:
    return shared_dir / "data"


@pytest.fixture
def workspace(tmp_path: Path):
    from wildvalues.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    yield ws
    ws.close()
