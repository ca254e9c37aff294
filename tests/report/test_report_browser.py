"""Open the report in a real headless Chromium: every figure drawn, no console errors, no network.

Needs Debian's chromium (/usr/bin/chromium, or WILDVALUES_CHROMIUM) and the playwright package (extra
``browser``); skips with the reason when either is missing. Never downloads a browser. The screenshot goes
to ``artifacts/report/report.png`` (or $WILDVALUES_ARTIFACTS/report/).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .browser import CHROMIUM, inspect_report
from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def analysed_report(tmp_path_factory):
    """A synthetic study run through the real analysis stage, then the report."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set WILDVALUES_CHROMIUM)")
    pytest.importorskip("playwright.sync_api", reason="pip install 'wildvalues[browser]' (playwright)")
    from wildvalues.analyze.config import AnalyzeConfig
    from wildvalues.analyze.run import analyze_workspace
    from wildvalues.analyze.synthetic import make_workspace
    from wildvalues.config import Config
    from wildvalues.report import build_report
    from wildvalues.workspace import Workspace

    with Workspace(tmp_path_factory.mktemp("browser") / "ws") as ws:
        make_workspace(ws, 12_000, seed=5)
        analyze_workspace(ws, AnalyzeConfig(alert_method="lexical", bootstrap=100, bootstrap_expressions=20))
        summary = build_report(ws, Config())
    return summary


def _check_page(summary: dict, screenshot: Path) -> set[str]:
    page = inspect_report(Path(summary["report"]), screenshot)
    assert page.title == "Values in the wild: study report"
    assert page.page_errors == []
    assert page.console_errors == []
    assert page.requests == [], "the report must not load anything from the network"
    assert len(page.figures) == summary["figures_interactive"] >= 9
    for figure in page.figures:
        assert figure["error"] is None, figure
        assert figure["drawn"], f"{figure['id']} has no SVG"
        assert figure["traces"] > 0 and figure["points"] > 0, f"{figure['id']} drew no data: {figure}"
        assert figure["marks"] > 0 and figure["height"] > 150, figure
    for section in ("summary", "top-values", "taxonomy", "by-task", "by-human-value", "response-types",
                    "response-panels", "heatmaps", "mirroring", "models", "stated", "cv", "alerts", "notes"):
        assert section in page.section_ids
    assert screenshot.stat().st_size > 50_000
    return {f["id"] for f in page.figures}


def test_analysed_study_renders_in_chromium(analysed_report):
    """Real analysis output of a 12,000-conversation synthetic study."""
    ids = _check_page(analysed_report, ARTIFACTS / "report.png")
    assert {"fig-top-values-1", "fig-taxonomy-1", "fig-by-task-1", "fig-response-types-1",
            "fig-response-panels-1", "fig-mirroring-1", "fig-stated-1"} <= ids


def test_every_figure_kind_renders_in_chromium(built):
    """Fixture result tables that exercise every figure, including the Figure-11/12 heatmaps."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    pytest.importorskip("playwright.sync_api")
    _, summary, _ = built
    ids = _check_page(summary, ARTIFACTS / "report-fixture.png")
    assert {"fig-heatmaps-1", "fig-heatmaps-2", "fig-response-panels-1"} <= ids


def test_offline_guard_catches_a_network_request(tmp_path):
    """The probe is not vacuous: a page that tries to fetch something is reported."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    pytest.importorskip("playwright.sync_api")
    page_file = tmp_path / "leaky.html"
    page_file.write_text("<html><head><title>t</title></head><body><script>window.wildvaluesReport = {};"
                         "</script><img src='http://example.invalid/pixel.png'></body></html>")
    page = inspect_report(page_file)
    assert any("example.invalid" in url for url in page.requests)
