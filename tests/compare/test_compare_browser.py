"""Open the comparison page and the drift page in headless Chromium: every figure drawn, no errors, offline.

Uses the same launcher as the main report's browser test (tests/report/browser.py: Debian's
/usr/bin/chromium through playwright, never a downloaded browser); skips with the reason when either is
missing. Screenshots go to artifacts/compare/ (or $WILDVALUES_ARTIFACTS/compare/).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from wildvalues.compare.synthetic import RESPONSE_SHARES, VALUE_SHARES, make_view, write_view
from wildvalues.config import Config
from wildvalues.workspace import Workspace

pytestmark = pytest.mark.browser

_spec = importlib.util.spec_from_file_location(
    "wv_report_browser", Path(__file__).parents[1] / "report" / "browser.py"
)
browser = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = browser  # its dataclasses look their module up
_spec.loader.exec_module(browser)
ARTIFACTS = Path(os.environ.get("WILDVALUES_ARTIFACTS", Path(__file__).parents[2] / "artifacts")) / "compare"


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    if not browser.CHROMIUM.exists():
        pytest.skip(
            f"no Chromium at {browser.CHROMIUM} (apt-get install chromium, or set WILDVALUES_CHROMIUM)"
        )
    pytest.importorskip("playwright.sync_api", reason="pip install 'wildvalues[browser]' (playwright)")
    from wildvalues.compare.periods import analyze_periods, write_drift_page
    from wildvalues.compare.run import compare_studies

    root = tmp_path_factory.mktemp("cmp-browser")
    rng = np.random.default_rng(21)
    values, responses = VALUE_SHARES.copy(), RESPONSE_SHARES.copy()
    values[5] *= 2
    responses[5] = 0.14
    views = {
        "a": make_view("A", 2000, rng, periods=5),
        "b": make_view(
            "B",
            2000,
            rng,
            periods=5,
            start="2025-02-10",
            value_shares=values,
            response_shares=responses,
            drift={"value": "value 03", "from_period": 3, "share": 0.5},
        ),
    }
    for name, view in views.items():
        with Workspace(root / name) as ws:
            write_view(ws, view)
    summary = compare_studies(root / "a", root / "b", root / "out", Config(), by="week")
    with Workspace(root / "b") as ws:
        analyze_periods(ws, "week")
        drift_page = write_drift_page(ws, root / "b" / "report")
    return Path(summary["report"]), drift_page


def _check(html: Path, shot: Path, min_figures: int) -> set[str]:
    page = browser.inspect_report(html, shot)
    assert page.page_errors == [] and page.console_errors == []
    assert page.requests == [], "the page must not load anything from the network"
    assert len(page.figures) >= min_figures
    for figure in page.figures:
        assert figure["error"] is None and figure["drawn"], figure
        assert figure["traces"] > 0 and figure["points"] > 0 and figure["height"] > 150, figure
    return set(page.section_ids)


def test_comparison_page_renders_in_chromium(pages):
    compare_page, _ = pages
    sections = _check(compare_page, ARTIFACTS / "compare.png", 7)
    assert {"scale", "shares", "movers", "response-mix", "drift", "notes"} <= sections


def test_drift_page_renders_in_chromium(pages):
    _, drift_page = pages
    sections = _check(drift_page, ARTIFACTS / "drift.png", 1)
    assert "drift" in sections
    assert "value 03" in drift_page.read_text()
