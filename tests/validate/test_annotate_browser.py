"""Label three items on the annotation page with the keyboard in headless Chromium and check the export.

Needs Debian's chromium (/usr/bin/chromium, or WILDVALUES_CHROMIUM) and playwright (extra ``browser``); skips
with the reason when either is missing. Never downloads a browser.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from wildvalues.validate.annotations import read_annotation_files
from wildvalues.validate.run import sample_workspace

from .conftest import build_study

CHROMIUM = Path(os.environ.get("WILDVALUES_CHROMIUM", "/usr/bin/chromium"))  # as tests/report/browser.py
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser


def test_keyboard_labelling_and_export(tmp_path, workspace):
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set WILDVALUES_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install 'wildvalues[browser]'")
    build_study(workspace, n=30)
    sample_workspace(workspace, n=5, seed=2, annotators=1)
    page_file = workspace.root / "validation" / "pack" / "annotate-1.html"
    url = page_file.resolve().as_uri()
    requests, errors = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            context = browser.new_context(accept_downloads=True)
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url) if r.url != url else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url, wait_until="load")
            page.wait_for_function("window.wildvaluesAnnotate !== undefined")
            kb = page.keyboard
            # item 1: strong resistance (6), level 2 (w), AI value completed from the vocabulary
            kb.press("6")
            kb.press("w")
            kb.press("a")
            kb.type("harm prev")
            kb.press("Tab")  # completes to "harm prevention"
            kb.press("Enter")
            kb.press("Escape")
            kb.press("n")
            # item 2: no values (7), level 1 (q)
            kb.press("7")
            kb.press("q")
            kb.press("ArrowRight")
            # item 3: mild support (2), level 4 (r), a human value typed in full, a second one removed
            kb.press("2")
            kb.press("r")
            kb.press("h")
            kb.type("Honesty")
            kb.press("Enter")
            kb.type("typo value")
            kb.press("Enter")
            kb.press("Backspace")  # empty box: removes the last label ("typo value")
            kb.press("Escape")
            assert page.text_content("#progress") == "3 of 5 done"
            page.reload(wait_until="load")  # progress survives a reload (localStorage)
            page.wait_for_function("window.wildvaluesAnnotate !== undefined")
            assert page.text_content("#progress") == "3 of 5 done"
            with page.expect_download() as download_info:
                page.keyboard.press("x")
            download = download_info.value
            out = tmp_path / download.suggested_filename
            download.save_as(str(out))
            ids = page.evaluate("() => JSON.parse(document.getElementById('pack').textContent).items"
                                ".map(i => i.conversation_id)")
        finally:
            browser.close()
    assert errors == [] and requests == []  # no script error, nothing fetched from the network
    assert out.name == "annotations-annotator-1.jsonl"
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["conversation_id"] for r in rows] == ids[:3]
    assert [r["response_type"] for r in rows] == ["strong_resistance", "no_values", "mild_support"]
    assert [r["subjectivity_level"] for r in rows] == [2, 1, 4]
    assert rows[0]["ai_values"] == ["harm prevention"]
    assert rows[2]["human_values"] == ["honesty"] and rows[1]["human_values"] == []
    assert all(r["annotator"] == "annotator-1" for r in rows)
    # and the export is what `validate import` reads
    parsed = read_annotation_files([out], set(ids))
    assert len(parsed) == 3
