"""Draw the validation sample and write the annotation pack (HTML page per annotator + JSONL + CSV).

The sample is drawn from every conversation with extracted features (not only the subjective ones: whether a
conversation is subjective is itself a label to validate). The default draw is **uniform** without
replacement, so the labelled sample estimates the same population as the extractor's labels and the
prediction-powered estimates (``validate.ppi``) are valid. ``stratify="response_type"`` draws an equal number
per extractor-predicted response type (rare types get enough items to score) and keeps each item's weight
(stratum size / items drawn from it = inverse inclusion probability); the corrected estimates then use those
weights. Only scrubbed text goes into a pack.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wildvalues.extract.config import ExtractConfig
from wildvalues.extract.store import TextConversation
from wildvalues.extract.transcript import truncated_turns
from wildvalues.records import RESPONSE_TYPES, Message
from wildvalues.workspace import Workspace

SAMPLE_DDL = """
CREATE TABLE IF NOT EXISTS validation_sample (
    sample_id VARCHAR, conversation_id VARCHAR PRIMARY KEY, position INTEGER, stratum VARCHAR,
    weight DOUBLE, seed INTEGER, design VARCHAR, run_id VARCHAR
)"""
STRATA = ("response_type",)
VOCABULARY_SIZE = 3000


class SampleError(ValueError):
    pass


@dataclass(frozen=True)
class Draw:
    """Which conversations were drawn, in annotation order, with their design weights."""

    conversation_ids: list[str]
    strata: list[str]
    weights: list[float]
    design: str


def draw_uniform(ids: list[str], n: int, seed: int) -> Draw:
    """``n`` conversations uniformly at random without replacement (all weights 1)."""
    if n <= 0:
        raise SampleError("--n must be positive")
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(ids), size=min(n, len(ids)), replace=False)
    chosen = [ids[i] for i in picked]
    return Draw(chosen, ["all"] * len(chosen), [1.0] * len(chosen), "uniform")


def draw_stratified(ids: list[str], strata: list[str], n: int, seed: int) -> Draw:
    """Equal allocation over strata (capped by each stratum's size); weight = stratum size / drawn."""
    if n <= 0:
        raise SampleError("--n must be positive")
    rng = np.random.default_rng(seed)
    groups: dict[str, list[int]] = {}
    for i, stratum in enumerate(strata):
        groups.setdefault(stratum, []).append(i)
    names = sorted(groups)
    quota = {name: 0 for name in names}
    left = min(n, len(ids))
    while left:  # hand out one slot at a time, round robin over strata that still have items
        open_ = [g for g in names if quota[g] < len(groups[g])]
        for g in open_[:left]:
            quota[g] += 1
            left -= 1
    picked: list[tuple[int, str, float]] = []
    for g in names:
        if quota[g]:
            rows = rng.choice(groups[g], size=quota[g], replace=False)
            picked += [(int(i), g, len(groups[g]) / quota[g]) for i in rows]
    order = rng.permutation(len(picked))  # annotators see the strata mixed
    picked = [picked[i] for i in order]
    return Draw(
        [ids[i] for i, _, _ in picked],
        [g for _, g, _ in picked],
        [w for _, _, w in picked],
        "stratified:response_type",
    )


def _population(ws: Workspace) -> pd.DataFrame:
    if not ws.has_table("features"):
        raise SampleError(f"{ws.db_path}: no table 'features' (run `wildvalues extract` first)")
    if not ws.has_table("scrubbed_messages"):
        raise SampleError(
            f"{ws.db_path}: no scrubbed_messages (run `wildvalues scrub`): packs hold scrubbed text only"
        )
    return ws.con.execute(
        "SELECT f.conversation_id, coalesce(f.response_type, 'unknown') AS response_type FROM features f "
        "WHERE EXISTS (SELECT 1 FROM scrubbed_messages s WHERE s.conversation_id = f.conversation_id) "
        "ORDER BY f.conversation_id"
    ).df()


def vocabulary(ws: Workspace, limit: int = VOCABULARY_SIZE) -> list[str]:
    """The study's value labels (AI, human and stated), most frequent first: the page's completion list."""
    rows = ws.con.execute(
        "SELECT label, count(*) AS n FROM (SELECT unnest(ai_values) AS label FROM features UNION ALL "
        "SELECT unnest(human_values) FROM features UNION ALL SELECT unnest(stated_ai_values) FROM features) "
        "WHERE label IS NOT NULL AND trim(label) <> '' GROUP BY label ORDER BY n DESC, label LIMIT ?",
        [limit],
    ).fetchall()
    return [str(label).strip() for label, _ in rows]


def sample_conversations(ws: Workspace, ids: list[str]) -> list[TextConversation]:
    """The scrubbed user/assistant messages of ``ids``, in the order given (never raw text)."""
    con = ws.con.cursor()
    con.register("vs_ids", pd.DataFrame({"conversation_id": ids}))
    rows = con.execute(
        "SELECT s.conversation_id, s.role, s.content FROM scrubbed_messages s JOIN vs_ids USING "
        "(conversation_id) ORDER BY s.conversation_id, s.idx"
    ).fetchall()
    con.close()
    messages: dict[str, list[Message]] = {}
    for cid, role, content in rows:
        if role in ("user", "assistant"):
            messages.setdefault(cid, []).append(Message(role=role, content=content or ""))
    return [TextConversation(cid, messages.get(cid, [])) for cid in ids]


def pack_items(ws: Workspace, ids: list[str], show_extractor: bool) -> list[dict[str, Any]]:
    """One record per sampled conversation: the scrubbed turns the extractor read (same truncation)."""
    con = ws.con.cursor()
    con.register("vs_ids", pd.DataFrame({"conversation_id": ids}))
    feats = con.execute(
        "SELECT conversation_id, response_type, subjectivity_level, ai_values, human_values "
        "FROM features JOIN vs_ids USING (conversation_id)"
    ).fetchall()
    con.close()
    extractor = {r[0]: r[1:] for r in feats}
    cfg = ExtractConfig()
    items = []
    for position, conv in enumerate(sample_conversations(ws, ids), start=1):
        cid = conv.conversation_id
        turns = truncated_turns(conv, cfg)
        item: dict[str, Any] = {
            "conversation_id": cid,
            "position": position,
            "turns": [{"role": t.role, "content": t.content} for t in turns],
        }
        if show_extractor and cid in extractor:
            rt, level, ai, human = extractor[cid]
            item["extractor"] = {
                "response_type": rt,
                "subjectivity_level": level,
                "ai_values": list(ai or []),
                "human_values": list(human or []),
            }
        items.append(item)
    return items


def draw_sample(
    ws: Workspace, n: int, seed: int, stratify: str | None = None, replace: bool = False
) -> tuple[str, Draw]:
    """Draw and store the sample (table ``validation_sample``); refuses to drop one that has annotations."""
    population = _population(ws)
    if population.empty:
        raise SampleError(f"{ws.db_path}: no extracted conversations with scrubbed text to sample")
    ids = population["conversation_id"].tolist()
    if stratify is None:
        draw = draw_uniform(ids, n, seed)
    elif stratify in STRATA:
        draw = draw_stratified(ids, population[stratify].tolist(), n, seed)
    else:
        raise SampleError(f"--stratify must be one of {', '.join(STRATA)} (got {stratify!r})")
    ws.con.execute(SAMPLE_DDL)
    existing = ws.con.execute("SELECT DISTINCT sample_id FROM validation_sample").fetchall()
    sample_id = f"{draw.design}-n{len(draw.conversation_ids)}-seed{seed}"
    if existing and existing[0][0] != sample_id and not replace:
        annotated = (
            ws.has_table("validation_annotations")
            and ws.con.execute("SELECT count(*) FROM validation_annotations").fetchone()[0]
        )
        if annotated:
            raise SampleError(
                f"{ws.root}: sample {existing[0][0]} already has {annotated} annotations; pass --replace to "
                "draw a new one (its annotations are then deleted)"
            )
    return sample_id, draw


def store_sample(ws: Workspace, sample_id: str, draw: Draw, seed: int, run_id: str) -> None:
    ws.con.execute(SAMPLE_DDL)
    old = ws.con.execute("SELECT DISTINCT sample_id FROM validation_sample").fetchall()
    if old and old[0][0] != sample_id and ws.has_table("validation_annotations"):
        ws.con.execute("DELETE FROM validation_annotations")
    ws.con.execute("DELETE FROM validation_sample")
    frame = pd.DataFrame(
        {
            "sample_id": sample_id,
            "conversation_id": draw.conversation_ids,
            "position": np.arange(1, len(draw.conversation_ids) + 1, dtype=np.int32),
            "stratum": draw.strata,
            "weight": draw.weights,
            "seed": seed,
            "design": draw.design,
            "run_id": run_id,
        }
    )
    ws.con.register("vs_frame", frame)
    ws.con.execute("INSERT INTO validation_sample SELECT * FROM vs_frame")
    ws.con.unregister("vs_frame")


def write_pack(
    out: Path, sample_id: str, items: list[dict[str, Any]], vocab: list[str], annotators: int
) -> list[Path]:
    """``annotate-<k>.html`` per annotator, ``items.jsonl`` and ``items.csv``; returns the files written."""
    from wildvalues.validate.page import render_page

    out.mkdir(parents=True, exist_ok=True)
    files = []
    for k in range(1, annotators + 1):
        page = out / f"annotate-{k}.html"
        page.write_text(render_page(sample_id, f"annotator-{k}", items, vocab), encoding="utf-8")
        files.append(page)
    jsonl = out / "items.jsonl"
    with jsonl.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    table = out / "items.csv"
    with table.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "conversation_id",
                "position",
                "transcript",
                "annotator",
                "response_type",
                "subjectivity_level",
                "ai_values",
                "human_values",
                "notes",
            ]
        )
        for item in items:
            text = "\n\n".join(f"{t['role']}: {t['content']}" for t in item["turns"])
            writer.writerow([item["conversation_id"], item["position"], text, "", "", "", "", "", ""])
    readme = out / "README.txt"
    readme.write_text(
        "Annotation pack " + sample_id + "\n\nOpen annotate-N.html in a browser (works offline). Keys: 1-7 "
        "response type ("
        + ", ".join(RESPONSE_TYPES)
        + "), q/w/e/r subjectivity level 1-4, a = add AI value, "
        "h = add human value, n/p next/previous, x = export JSONL. Progress is kept in the browser.\n"
        "Spreadsheet instead: fill items.csv (values separated by ';', your id in the annotator column or "
        "--annotator ID when importing) and import it.\n"
        "Then: wildvalues validate import FILE... -w STUDY\n",
        encoding="utf-8",
    )
    return [*files, jsonl, table, readme]
