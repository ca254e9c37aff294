"""sample -> pack -> import -> score -> analyze (an_corrected) -> report, through the command line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from wildvalues.cli import app
from wildvalues.validate.annotations import AnnotationFileError, read_annotation_files
from wildvalues.validate.sample import draw_stratified, draw_uniform
from wildvalues.workspace import Workspace

from .conftest import build_study

runner = CliRunner()


def _invoke(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_uniform_draw_is_reproducible_and_stratified_keeps_weights():
    ids = [f"c{i}" for i in range(100)]
    first, again = draw_uniform(ids, 20, seed=3), draw_uniform(ids, 20, seed=3)
    assert first.conversation_ids == again.conversation_ids and len(set(first.conversation_ids)) == 20
    assert draw_uniform(ids, 20, seed=4).conversation_ids != first.conversation_ids
    strata = ["rare"] * 10 + ["common"] * 90
    draw = draw_stratified(ids, strata, 20, seed=0)
    assert draw.strata.count("rare") == 10 and draw.strata.count("common") == 10
    # weights are inverse inclusion probabilities: they add up to the population size
    assert sum(draw.weights) == pytest.approx(100)


def test_full_workflow(tmp_path):
    root = tmp_path / "study"
    with Workspace(root) as ws:
        feats = {f.conversation_id: f for f in build_study(ws, n=80)}
    summary = _invoke("validate", "sample", "-w", str(root), "--n", "40", "--seed", "1", "--annotators", "2")
    assert summary["drawn"] == 40 and summary["design"] == "uniform"
    pack = root / "validation" / "pack"
    page = (pack / "annotate-1.html").read_text()
    assert "Answer " in page and '"extractor": {' not in page  # scrubbed text in, extractor labels out
    items = [json.loads(line) for line in (pack / "items.jsonl").read_text().splitlines()]
    assert len(items) == 40 and (pack / "annotate-2.html").exists() and (pack / "items.csv").exists()

    # two annotators: alice agrees with the extractor on response type except every 4th item; bob on all
    files = []
    for name, flip in (("alice", 4), ("bob", None)):
        lines = []
        for k, item in enumerate(items):
            f = feats[item["conversation_id"]]
            rt = f.response_type if flip is None or k % flip else "strong_resistance"
            lines.append(
                json.dumps(
                    {
                        "annotator": name,
                        "conversation_id": item["conversation_id"],
                        "response_type": rt,
                        "subjectivity_level": f.subjectivity_level,
                        "ai_values": f.ai_values,
                        "human_values": f.human_values,
                    }
                )
            )
        path = tmp_path / f"{name}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        files.append(str(path))
    imported = _invoke("validate", "import", *files, "-w", str(root))
    assert imported["annotations"] == 80 and imported["by_annotator"] == {"alice": 40, "bob": 40}

    result = runner.invoke(app, ["validate", "score", "-w", str(root), "--json"])
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout.strip().splitlines()[-1])
    rt = scored["features"]["response_type"]
    assert rt["extractor_vs"]["bob"]["accuracy"] == pytest.approx(1.0)
    flipped = sum(
        1
        for k, it in enumerate(items)
        if k % 4 == 0 and feats[it["conversation_id"]].response_type != "strong_resistance"
    )
    assert rt["extractor_vs"]["alice"]["accuracy"] == pytest.approx(1 - flipped / 40)
    assert rt["krippendorff_alpha_humans"] is not None and rt["krippendorff_alpha_humans"] < 1

    _invoke("analyze", "-w", str(root), "--bootstrap", "0", "--lexical-alerts")
    with Workspace(root) as ws:
        corrected = ws.con.execute("SELECT * FROM an_corrected").df()
    subj = corrected[corrected["estimate"] == "subjective share"].iloc[0]
    # annotators copied the extractor's subjectivity: the corrected interval holds the extractor's share
    # (PPI++ blends in the labelled mean with weight 1 - lam, lam = 1 / (1 + n/N), so not exactly equal)
    assert subj["ppi_ci_low"] <= subj["naive_pct"] <= subj["ppi_ci_high"]
    assert 0.5 < subj["lam"] < 0.8
    assert subj["n_labelled"] == 40
    sr = corrected[
        (corrected["estimate"] == "response type")
        & (corrected["label"] == "strong_resistance")
        & (corrected["scope"] == "subjective conversations")
    ].iloc[0]
    assert sr["ppi_pct"] >= sr["naive_pct"]  # alice moved items to strong_resistance
    assert subj["cite"] == sr["cite"] == "prediction-powered"
    naive_rows = corrected[corrected["cite"] != "prediction-powered"]
    assert naive_rows["ppi_pct"].isna().all() and naive_rows["cite"].str.contains("no labelled").all()

    report = _invoke("report", "-w", str(root))
    assert report
    html = (root / "report" / "index.html").read_text()
    assert 'id="trust"' in html and "How far to trust these numbers" in html and "prediction-powered" in html


def test_import_names_file_line_and_problem(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"annotator": "a", "conversation_id": "c1", "response_type": "mild_support"}\n'
        "not json\n"
        '{"annotator": "a", "conversation_id": "c2", "response_type": "agree"}\n'
        '{"annotator": "a", "conversation_id": "zzz", "subjectivity_level": 3}\n'
        '{"annotator": "a", "conversation_id": "c1", "subjectivity_level": 9}\n'
    )
    with pytest.raises(AnnotationFileError) as err:
        read_annotation_files([path], {"c1", "c2"})
    problems = err.value.problems
    assert len(problems) == 4
    assert problems[0].startswith(f"{path}:2: not valid JSON")
    assert f"{path}:3: response_type 'agree'" in problems[1]
    assert f"{path}:4: conversation_id 'zzz'" in problems[2]
    assert problems[3].startswith(f"{path}:5:")


def test_sample_refuses_without_scrubbed_text(tmp_path):
    root = tmp_path / "s"
    with Workspace(root) as ws:
        build_study(ws, n=10)
        ws.con.execute("DROP TABLE scrubbed_messages")
    result = runner.invoke(app, ["validate", "sample", "-w", str(root), "--n", "5"])
    assert result.exit_code == 1 and "scrubbed" in result.output
