"""End to end over real workspaces: the CLI, the scale checks, privacy, analyze --by week, taxonomy assign."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from wildvalues.cli import app
from wildvalues.compare.load import load_view
from wildvalues.compare.scale import ScaleMismatch, build_scale
from wildvalues.compare.synthetic import VALUE_SHARES, VALUES, make_view, write_view
from wildvalues.workspace import Workspace

runner = CliRunner()


def _study(path, name, seed, **kwargs):
    view = make_view(name, kwargs.pop("n", 1500), np.random.default_rng(seed), **kwargs)
    with Workspace(path) as ws:
        write_view(ws, view, **{k: kwargs[k] for k in ("prompt_version",) if k in kwargs})
    return path


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    root = tmp_path_factory.mktemp("cmp")
    shares = VALUE_SHARES.copy()
    shares[VALUES.index("value 05")] *= 2
    a = _study(root / "a", "A", 1, periods=4)
    b = _study(root / "b", "B", 2, periods=4, start="2025-02-03", value_shares=shares)
    return root, a, b


def test_cli_compare_writes_thresholded_tables_and_page(studies):
    root, a, b = studies
    out = root / "out"
    result = runner.invoke(app, ["compare", str(a), str(b), "-w", str(out), "--by", "week", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["movers"][0]["item"] in ("value 05", "Category 0")
    assert any(m["item"] == "value 05" and m["diff_pp"] > 15 for m in summary["movers"])
    assert summary["privacy"]["total"]["rows"] > 0
    con = duckdb.connect(str(out / "wildvalues.duckdb"), read_only=True)
    items = con.execute("SELECT * FROM cmp_items").fetchdf()
    assert (items["x_a"] >= 10).all() and (items["x_b"] >= 10).all()  # k = 10 in both studies
    runs = con.execute("SELECT command, counts FROM runs").fetchall()
    assert runs[0][0] == "compare" and "tree_fingerprints" in json.loads(runs[0][1])
    con.close()
    html = (out / "report" / "compare.html").read_text()
    assert "value 05" in html and "http://" not in html.split("<script>")[0]
    assert (out / "comparison.json").exists() and (out / "parquet" / "cmp_items.parquet").exists()


def test_privacy_thresholds_suppress_small_cells_in_either_study(tmp_path):
    a = _study(tmp_path / "a", "A", 3, n=120)
    b = _study(tmp_path / "b", "B", 4, n=120)
    out = tmp_path / "out"
    result = runner.invoke(app, ["compare", str(a), str(b), "-w", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["privacy"]["total"]["suppressed"] > 0  # rare values: < 10 conversations in 120
    con = duckdb.connect(str(out / "wildvalues.duckdb"), read_only=True)
    shown = con.execute("SELECT item, x_a, x_b, users_a, users_b FROM cmp_items").fetchdf()
    con.close()
    assert (shown[["x_a", "x_b"]] >= 10).all().all() and (shown[["users_a", "users_b"]] >= 5).all().all()
    assert "value 29" not in set(shown["item"])  # 2% of 120 conversations


def test_extractor_mismatch_refused_then_recorded_with_force(tmp_path, studies):
    _, a, _ = studies
    other = make_view("C", 300, np.random.default_rng(9))
    with Workspace(tmp_path / "c") as ws:
        write_view(ws, other, prompt_version="v2-different")
    result = runner.invoke(app, ["compare", str(a), str(tmp_path / "c"), "-w", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "extractor differs" in result.output and "--force" in result.output
    forced = runner.invoke(
        app, ["compare", str(a), str(tmp_path / "c"), "-w", str(tmp_path / "out"), "--force", "--json"]
    )
    assert forced.exit_code == 0, forced.output
    summary = json.loads(forced.stdout.strip().splitlines()[-1])
    assert any("extractor differs" in p for p in summary["mismatches_forced"])
    assert "Forced despite a scale mismatch" in (tmp_path / "out" / "report" / "compare.html").read_text()


def test_b_values_assigned_to_a_tree_when_trees_differ(studies):
    _, a, b = studies
    with Workspace(a, read_only=True) as wa, Workspace(b, read_only=True) as wb:
        view_a, view_b = load_view(wa, "A"), load_view(wb, "B")
    view_b.tree_fingerprint = "another-tree"
    view_b.labels = pd.concat(
        [
            view_b.labels,
            pd.DataFrame(
                {"conversation_id": view_b.labels["conversation_id"][:40], "label": "value 05 variant"}
            ),
        ]
    )
    view_b.labels = pd.concat(
        [
            view_b.labels,
            pd.DataFrame(
                {"conversation_id": view_b.labels["conversation_id"][:5], "label": "something unrelated"}
            ),
        ]
    )

    def embed(texts):  # "value 05 variant" is close to "value 05"; the unrelated label is close to nothing
        return np.array(
            [
                [1.0, 0.0]
                if t.startswith("value 05")
                else [0.0, 1.0]
                if t == "something unrelated"
                else [0.6, 0.8]
                for t in texts
            ]
        )

    scale = build_scale(view_a, view_b, embed_fn=embed, min_similarity=0.99)
    by_label = scale.categories.set_index("label")
    assert by_label.loc["value 05 variant", "how"] == "nearest"
    assert by_label.loc["value 05 variant", "cluster_id"] == by_label.loc["value 05", "cluster_id"]
    assert by_label.loc["something unrelated", "cluster_id"] == "unmapped"
    view_a.tree_fingerprint = None
    with pytest.raises(ScaleMismatch, match="no value tree"):
        build_scale(view_a, view_b, embed_fn=embed)


def test_analyze_by_week_writes_period_tables_and_drift_page(tmp_path):
    from wildvalues.compare.periods import analyze_periods, write_drift_page

    view = make_view(
        "S",
        3000,
        np.random.default_rng(11),
        periods=6,
        drift={"value": "value 02", "from_period": 4, "share": 0.6},
    )
    with Workspace(tmp_path / "s") as ws:
        write_view(ws, view)
        summary = analyze_periods(ws, "week")
        assert summary["periods"] == 6 and summary["flagged_shown"] >= 1
        flags = ws.con.execute("SELECT item, period FROM an_drift WHERE flagged").fetchdf()
        assert "value 02" in set(flags["item"])
        review = ws.con.execute("SELECT * FROM an_drift_review").fetchdf()
        assert len(review) and set(review["item"]) >= {"value 02"}
        page = write_drift_page(ws, tmp_path / "report")
    assert page is not None and "value 02" in page.read_text()


def test_analyze_by_week_without_timestamps_says_so(tmp_path):
    from wildvalues.compare.periods import analyze_periods

    view = make_view("S", 200, np.random.default_rng(12))
    view.conversations["timestamp"] = pd.NaT
    with Workspace(tmp_path / "s") as ws:
        write_view(ws, view)
        summary = analyze_periods(ws, "week")
    assert summary["dated_conversations"] == 0 and "no conversation carries a timestamp" in summary["note"]


def test_taxonomy_assign_places_new_labels_without_rebuilding(tmp_path):
    from wildvalues.compare.incremental import assign_new_labels
    from wildvalues.config import Config

    view = make_view("S", 300, np.random.default_rng(13))
    with Workspace(tmp_path / "s") as ws:
        write_view(ws, view)
        before_paths = ws.con.execute("SELECT * FROM label_paths ORDER BY ALL").fetchall()
        fingerprint = ws.taxonomy_versions()
        ws.con.execute(
            "UPDATE features SET ai_values = list_append(ai_values, 'value 07 reworded') "
            "WHERE conversation_id IN (SELECT conversation_id FROM features LIMIT 20)"
        )
        ws.con.execute(
            "UPDATE features SET ai_values = list_append(ai_values, 'zzz') "
            "WHERE conversation_id IN (SELECT conversation_id FROM features LIMIT 3)"
        )

        def embed(texts):
            return np.array(
                [
                    [1.0, 0.0] if t.startswith("value 07") else [0.0, -1.0] if t == "zzz" else [0.5, 0.5]
                    for t in texts
                ]
            )

        summary = assign_new_labels(ws, Config(), trees=["ai_values"], embed_fn=embed)
        tree = summary["trees"]["ai_values"]
        assert tree["new_labels"] == 2 and tree["nearest"] == 1 and tree["unmapped"] == 1
        assert tree["taxonomy_version_before"] == tree["taxonomy_version_after"]
        after = ws.con.execute("SELECT * FROM label_paths ORDER BY ALL").fetchall()
        assert set(before_paths) <= set(after)  # nothing done before was touched
        path = dict(ws.con.execute("SELECT label, cluster_id FROM label_paths WHERE level = 1").fetchall())
        assert path["value 07 reworded"] == path["value 07"] and path["zzz"] == "unmapped"
        again = assign_new_labels(ws, Config(), trees=["ai_values"], embed_fn=embed)
        assert again["trees"]["ai_values"]["new_labels"] == 0  # incremental: nothing left to place
        versions = json.loads(
            ws.con.execute("SELECT versions FROM runs WHERE command = 'taxonomy assign' LIMIT 1").fetchall()[
                0
            ][0]
        )
        assert versions["taxonomy"] == fingerprint["taxonomy"]  # every run records the tree version


def test_extract_with_the_fast_profile_runs_the_heads_only(tmp_path):
    """`wildvalues extract --profile fast` (the default): no LLM client or cache, rows heads-only."""
    from wildvalues.config import Config
    from wildvalues.extract import stage
    from wildvalues.privacy.scrub import SCRUBBED_SCHEMA

    cfg = Config.model_validate({"extract": {"profile": "fast", "extract_all": True}})
    with Workspace(tmp_path / "s") as ws:
        ws.con.execute(SCRUBBED_SCHEMA)
        turns = [
            ("c1", "Should I tell my friend a hard truth?", "Honesty matters, but be kind."),
            ("c2", "Write a haiku about rain.", "Soft rain on the roof..."),
        ]
        for cid, user, assistant in turns:
            ws.con.execute(
                "INSERT INTO scrubbed_messages VALUES (?, 0, 'user', ?, 'r'), (?, 1, 'assistant', ?, 'r')",
                [cid, user, cid, assistant],
            )
        first = stage.run(ws, cfg).summary
        second = stage.run(ws, cfg).summary
        rows = ws.con.execute("SELECT extractor_model, task FROM features").fetchall()
    assert first["extracted"] == 2 and first["profile"] == "fast" and first["llm"] == {}
    assert second["already_extracted"] == 2 and second["extracted"] == 0
    assert {r[0] for r in rows} == {"heads-only"} and {r[1] for r in rows} == {None}
    assert not (tmp_path / "s" / "llm_cache.sqlite").exists()
