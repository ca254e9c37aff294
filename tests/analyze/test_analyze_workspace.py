"""The whole analysis on a synthetic workspace with planted structure, through the function and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from wildvalues.analyze.config import AnalyzeConfig
from wildvalues.analyze.contingency import critical_value
from wildvalues.analyze.run import TABLES, analyze_workspace
from wildvalues.analyze.synthetic import make_workspace
from wildvalues.cli import app
from wildvalues.stage import MissingInput
from wildvalues.workspace import Workspace

N = 12_000


@pytest.fixture(scope="module")
def analysed(tmp_path_factory, shared_data: Path):
    released = shared_data / "values-in-the-wild"
    root = tmp_path_factory.mktemp("analyze") / "ws"
    ws = Workspace(root)
    truth = make_workspace(
        ws,
        N,
        seed=7,
        n_tasks=150,
        n_objective=600,
        frequencies_csv=released / "values_frequencies.csv",
        tree_csv=released / "values_tree.csv",
    )
    cfg = AnalyzeConfig(
        bootstrap=200, bootstrap_expressions=50, alert_method="lexical", max_full_cells=3_307 * 150 + 1
    )
    summary = analyze_workspace(ws, cfg)
    ws.close()
    con = duckdb.connect(str(root / "wildvalues.duckdb"), read_only=True)
    yield root, truth, summary, con
    con.close()


def _df(con, query: str, params=None) -> pd.DataFrame:
    return con.execute(query, params or []).df()


def test_every_table_written_with_support_and_parquet(analysed) -> None:
    root, _, summary, con = analysed
    assert summary["conversations_analysed"] == N
    assert summary["conversations_in_features"] == N + 600
    for table in TABLES:
        assert (root / "parquet" / f"{table}.parquet").exists(), table
        columns = set(_df(con, f"SELECT * FROM {table} LIMIT 0").columns)
        if table != "an_notes":
            assert {"n_conversations", "n_users"} <= columns, table
    run = _df(con, "SELECT command, status, counts FROM runs WHERE command = 'analyze'")
    assert run["status"].tolist() == ["ok"]
    assert json.loads(run["counts"][0])["analysed"] == N


def test_planted_value_task_link_is_significant_and_planted_null_is_not(analysed) -> None:
    _, truth, _, con = analysed
    cells = _df(con, "SELECT * FROM an_associations WHERE analysis = 'ai_value_x_task' AND col_level = 0")
    test = _df(con, "SELECT * FROM an_association_tests WHERE analysis = 'ai_value_x_task' AND col_level = 0")
    crit = test["critical_value"][0]
    assert crit == pytest.approx(critical_value(0.05, int(test["n_rows"][0])))
    value, task = truth.planted_link
    link = cells[(cells.row_label == value) & (cells.col_label == task)].iloc[0]
    assert link.significant and link.residual > crit and link.odds_ratio > 1
    assert link.rank_in_col_pos == 1  # the strongest value of its task, as a Figure 8 panel would show
    null_value, null_task = truth.planted_null
    null = cells[(cells.row_label == null_value) & (cells.col_label == null_task)].iloc[0]
    assert not null.significant and abs(null.residual) < crit


def test_planted_human_to_ai_link_and_resisted_task(analysed) -> None:
    _, truth, _, con = analysed
    human, ai = truth.planted_human_ai
    pair = _df(
        con,
        "SELECT * FROM an_associations WHERE analysis = 'ai_value_x_human_value' "
        "AND row_label = ? AND col_label = ?",
        [ai, human],
    )
    assert pair["significant"].all() and (pair["residual"] > 0).all()
    resist = _df(
        con,
        "SELECT * FROM an_associations WHERE analysis = 'task_x_response_type' AND row_level = 0 "
        "AND row_label = ? AND col_label = 'strong_resistance'",
        [truth.resistance_task],
    )
    assert resist["significant"].all() and (resist["residual"] > 0).all()


def test_frequencies_use_conversation_and_expression_denominators(analysed) -> None:
    _, _, _, con = analysed
    freq = _df(con, "SELECT * FROM an_value_frequencies WHERE side = 'ai' ORDER BY rank")
    top = freq.iloc[0]
    assert top.pct_convos == pytest.approx(100 * top.n_conversations / N)
    assert top.ci_low <= top.pct_convos <= top.ci_high
    assert freq["pct_expressions"].sum() == pytest.approx(100)
    assert freq["pct_convos"].sum() > 300  # multi-label: ~4 values per conversation
    shares = _df(
        con,
        "SELECT level, sum(pct_expressions) AS total FROM an_category_shares WHERE side = 'ai' "
        "GROUP BY level",
    )
    np.testing.assert_allclose(shares["total"], 100)
    roots = _df(con, "SELECT * FROM an_category_shares WHERE side = 'ai' AND level = 3")
    assert len(roots) == 5 and (roots.pe_ci_low <= roots.pct_expressions).all()
    overview = _df(con, "SELECT * FROM an_overview WHERE metric = 'mean_values_per_convo' AND side = 'ai'")
    assert 3.5 < overview["value"][0] < 4.6
    tail = _df(
        con,
        "SELECT * FROM an_long_tail WHERE side = 'ai' AND denominator = 'pct_convos' AND floor_pct = 0.04",
    )
    assert 0 < tail["pct_values_below"][0] < 100


def test_response_mix_mirroring_models_and_stated(analysed) -> None:
    _, _, _, con = analysed
    overall = _df(con, "SELECT * FROM an_response_types WHERE scope = 'overall'")
    assert overall["pct_convos_in_group"].sum() == pytest.approx(100)
    assert overall.set_index("response_type").loc["strong_support", "pct_convos_in_group"] == pytest.approx(
        28.2, abs=2.5
    )
    mirror = _df(con, "SELECT * FROM an_mirroring WHERE model IS NULL").set_index("response_type")
    assert mirror.loc["support", "pct_mirrored"] > mirror.loc["strong_resistance", "pct_mirrored"]
    pairs = _df(
        con, "SELECT * FROM an_value_pairs WHERE response_type = 'all' AND NOT non_null ORDER BY rank"
    )
    assert (pairs["human_value"] == "none").all()
    tests = _df(con, "SELECT * FROM an_model_tests WHERE test = 'response_mix_chi2' AND task IS NULL")
    assert len(tests) == 1 and tests["significant"][0]  # the opus mix differs (planted, Table 9)
    stated = _df(con, "SELECT * FROM an_stated_vs_demonstrated").set_index("response_type")
    assert (
        stated.loc["strong_resistance", "pct_with_stated"] > stated.loc["strong_support", "pct_with_stated"]
    )
    cv = _df(con, "SELECT * FROM an_context_variation WHERE side = 'ai' AND context = 'task' AND rank <= 5")
    assert len(cv) == 5 and (cv["n_conversations"] >= 30).all()


def test_alerts_queue_rare_watchlist_values(analysed) -> None:
    _, _, _, con = analysed
    alerts = _df(con, "SELECT * FROM an_alerts")
    queue = _df(con, "SELECT * FROM an_review_queue")
    assert (alerts["pct_convos"] < 0.2).all()
    assert set(queue["value"]) <= set(alerts["value"])
    assert queue["conversation_id"].str.startswith("syn7-").all()


def test_all_conversations_flag_and_cli_json(shared_data: Path, tmp_path) -> None:
    released = shared_data / "values-in-the-wild"
    with Workspace(tmp_path / "small") as ws:
        make_workspace(
            ws,
            1500,
            seed=3,
            n_tasks=40,
            n_objective=100,
            frequencies_csv=released / "values_frequencies.csv",
            tree_csv=released / "values_tree.csv",
        )
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            "-w",
            str(tmp_path / "small"),
            "--all-conversations",
            "--bootstrap",
            "0",
            "--lexical-alerts",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["population"] == "all" and summary["conversations_analysed"] == 1600
    empty = CliRunner().invoke(app, ["analyze", "-w", str(tmp_path / "nothing")])
    message = " ".join(empty.output.split())
    assert empty.exit_code == 1 and "no workspace (run `wildvalues ingest` first)" in message


def test_missing_features_is_a_clear_error(tmp_path) -> None:
    ws = Workspace(tmp_path / "ws")
    with pytest.raises(MissingInput, match="no table 'features' \\(run `wildvalues extract` first\\)"):
        analyze_workspace(ws, AnalyzeConfig(bootstrap=0))
    ws.close()
