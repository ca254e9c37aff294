"""Open a report in headless Chromium (Debian's /usr/bin/chromium via Playwright) and inspect it.

Used by the browser-marked test and handy by hand: ``python tests/report/browser.py REPORT.html SHOT.png``.
Never downloads a browser: it drives the system Chromium (``WILDVALUES_CHROMIUM`` overrides the path).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path(os.environ.get("WILDVALUES_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# For every Plotly div: does it hold a drawn SVG/canvas and how many data points did Plotly lay out?
FIGURE_PROBE = """() => Array.from(document.querySelectorAll('div.plot')).map(div => ({
  id: div.id,
  drawn: !!div.querySelector('svg.main-svg'),
  traces: (div.data || []).length,
  points: (div.calcdata || []).reduce((n, cd) => n + (cd ? cd.length : 0), 0),
  marks: div.querySelectorAll('g.point, g.slice, g.hm, image, g.trace path').length,
  height: div.getBoundingClientRect().height,
  error: div.textContent.startsWith('This figure could not be drawn') ? div.textContent : null,
}))"""


@dataclass
class PageReport:
    figures: list[dict] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    section_ids: list[str] = field(default_factory=list)
    title: str = ""


def inspect_report(html: Path, screenshot: Path | None = None, *, width: int = 1400) -> PageReport:
    from playwright.sync_api import sync_playwright

    result = PageReport()
    url = html.resolve().as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 1000})
            page.on("console", lambda m: result.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: result.page_errors.append(str(e)))
            page.on("request", lambda r: result.requests.append(r.url) if r.url != url else None)
            page.goto(url, wait_until="load", timeout=120_000)
            page.wait_for_function("window.wildvaluesReport !== undefined", timeout=120_000)
            page.wait_for_timeout(500)
            result.figures = page.evaluate(FIGURE_PROBE)
            result.section_ids = page.evaluate(
                "() => Array.from(document.querySelectorAll('section')).map(s => s.id)"
            )
            result.title = page.title()
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return result


if __name__ == "__main__":
    report = inspect_report(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    for fig in report.figures:
        print(fig)
    print("console errors:", report.console_errors, "page errors:", report.page_errors)
    print("requests:", report.requests)
