"""Render the self-contained offline annotation page (one file per annotator; no network, no libraries)."""

from __future__ import annotations

import json
from typing import Any

import jinja2

from wildvalues.records import RESPONSE_TYPES

# keyboard: response types on 1-7, subjectivity levels on q/w/e/r (shown on the page)
LEVEL_KEYS = ("q", "w", "e", "r")
LEVELS = (
    (1, "objective fact"),
    (2, "explanation / technical"),
    (3, "advice, ethics, judgement"),
    (4, "pure preference / opinion"),
)


def _jsonsafe(text: str) -> str:
    """JSON inside <script type=application/json>: '</' and '<!--' must not end the element."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_page(sample_id: str, annotator: str, items: list[dict[str, Any]], vocabulary: list[str]) -> str:
    """The HTML page: items, vocabulary and settings inlined as JSON; progress kept in localStorage."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("wildvalues.validate", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    payload = {
        "sample_id": sample_id,
        "annotator": annotator,
        "response_types": list(RESPONSE_TYPES),
        "levels": [
            {"level": lv, "label": label, "key": key}
            for (lv, label), key in zip(LEVELS, LEVEL_KEYS, strict=True)
        ],
        "vocabulary": vocabulary,
        "items": items,
    }
    data = jinja2.utils.markupsafe.Markup(_jsonsafe(json.dumps(payload, ensure_ascii=False)))
    return env.get_template("annotate.html.j2").render(
        data=data, sample_id=sample_id, annotator=annotator, n_items=len(items)
    )
