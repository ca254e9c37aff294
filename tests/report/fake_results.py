"""Small ``an_*`` result tables in the documented schema (analyze/SCHEMA.md), for report unit tests.

Numbers are made up but consistent (percent = 100 * n / denominator); some rows sit below the privacy
thresholds on purpose so the tests can check they never reach the HTML or the exports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wildvalues.records import RESPONSE_TYPES

N = 2000
AI_VALUES = ["helpfulness", "professionalism", "transparency", "clarity", "thoroughness", "harm prevention",
             "ethical boundaries", "empathy", "accuracy", "authenticity"]
HUMAN_VALUES = ["authenticity", "efficiency", "clarity", "creative freedom", "honesty", "rule-breaking"]
TASKS = ["Creative writing and storytelling", "Software development and debugging", "Relationship advice"]
MODELS = ["model-a", "model-b"]
# below every threshold (n_conversations = 3): must never be shown or exported
SECRET_VALUE = "zz-tiny-secret-value"
SECRET_TASK = "zz tiny secret task"


def _rate(n: int, d: int) -> dict[str, float]:
    pct = 100.0 * n / d
    half = 1.96 * np.sqrt(max(pct * (100 - pct), 1e-9) / d)
    return {"pct": pct, "low": max(0.0, pct - half), "high": min(100.0, pct + half)}


def value_frequencies() -> pd.DataFrame:
    rows = []
    for side, labels in (("ai", AI_VALUES), ("human", HUMAN_VALUES), ("stated", AI_VALUES[:5])):
        for rank, value in enumerate([*labels, SECRET_VALUE], start=1):
            n = 3 if value == SECRET_VALUE else int(N * 0.25 / rank)
            r = _rate(n, N)
            rows.append({"side": side, "value": value, "rank": rank, "n_conversations": n, "n_denominator": N,
                         "pct_convos": r["pct"], "ci_low": r["low"], "ci_high": r["high"], "n_expressions": n,
                         "pct_expressions": r["pct"] / 3, "n_users": max(1, n // 2), "run_id": "t"})
    return pd.DataFrame(rows)


def associations() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    tests, cells = [], []
    layouts = [("ai_value_x_task", "ai_value", "task", AI_VALUES, [*TASKS, SECRET_TASK], "per_column"),
               ("ai_value_x_human_value", "ai_value", "human_value", AI_VALUES, HUMAN_VALUES, "per_column"),
               ("human_value_x_response_type", "human_value", "response_type", HUMAN_VALUES,
                list(RESPONSE_TYPES), "all_cells"),
               ("ai_value_x_response_type", "ai_value", "response_type", AI_VALUES, list(RESPONSE_TYPES),
                "all_cells")]
    for analysis, row_kind, col_kind, row_labels, col_labels, rule in layouts:
        crit = 3.29 if rule == "per_column" else 3.6
        col_level = None if col_kind == "response_type" else 0
        tests.append({"analysis": analysis, "row_kind": row_kind, "col_kind": col_kind, "row_level": 0,
                      "col_level": col_level, "n_rows": len(row_labels), "n_cols": len(col_labels),
                      "n_total": N * 4, "chi2": 812.5, "dof": 40.0, "p_value": 1e-30,
                      "comparisons_rule": rule,
                      "n_comparisons": len(row_labels), "alpha": 0.05, "critical_value": crit,
                      "n_significant_pos": 5, "n_significant_neg": 3, "n_conversations": N,
                      "n_users": N // 2, "run_id": "t"})
        for i, row in enumerate(row_labels):
            for j, col in enumerate(col_labels):
                residual = float(rng.normal(0, 3) + (8 if i == j else 0))
                observed = 3 if SECRET_TASK in (row, col) else int(rng.integers(12, 200))
                sig = abs(residual) > crit
                cells.append({
                    "analysis": analysis, "row_level": 0, "col_level": col_level, "row_label": row,
                    "col_label": col, "observed": observed, "expected": observed / 1.4, "row_total": 400,
                    "col_total": 600 - 50 * j, "residual": residual,
                    "p_value": float(2 * np.exp(-residual**2 / 2)), "critical_value": crit,
                    "significant": sig,
                    "odds_ratio": float(np.exp(residual / 3)) if sig else None, "or_ci_low": None,
                    "or_ci_high": None, "rank_in_row_pos": None, "rank_in_row_neg": None,
                    "rank_in_col_pos": None, "rank_in_col_neg": None, "n_conversations": observed,
                    "n_users": max(1, observed // 2), "run_id": "t"})
    return pd.DataFrame(tests), pd.DataFrame(cells)


def response_types() -> pd.DataFrame:
    mix = [28.2, 14.5, 9.6, 6.6, 2.4, 3.0, 35.7]
    rows = []
    for scope, model, denom in (("overall", None, N), ("human_values_present", None, 1200),
                                ("model", "model-a", 1500), ("model", "model-b", 500)):
        for rtype, share in zip(RESPONSE_TYPES, mix, strict=True):
            n = int(denom * share / 100)
            r = _rate(n, denom)
            rows.append({"scope": scope, "model": model, "task_level": None, "task": None,
                         "response_type": rtype,
                         "n_conversations": n, "n_denominator": denom, "pct_convos_in_group": r["pct"],
                         "ci_low": r["low"], "ci_high": r["high"], "n_users": max(1, n // 2), "run_id": "t"})
    return pd.DataFrame(rows)


def small_tables() -> dict[str, pd.DataFrame]:
    mirror = [{"model": None, "response_type": rt, "n_denominator": 400, "n_conversations": n,
               "pct_mirrored": 100 * n / 400, "ci_low": 100 * n / 400 - 2, "ci_high": 100 * n / 400 + 2,
               "n_users": n // 2, "run_id": "t"}
              for rt, n in (("all", 60), ("support", 80), ("strong_support", 81), ("reframing", 61),
                            ("strong_resistance", 4))]
    mirrored_values = [{"model": m, "value": v, "n_denominator": 100, "n_conversations": 40 - 3 * i,
                        "pct_mirrored": 40.0 - 3 * i, "ci_low": 30.0, "ci_high": 50.0, "rank": i + 1,
                        "n_users": 15, "run_id": "t"}
                       for m in (None, "model-a") for i, v in enumerate(HUMAN_VALUES)]
    pairs = [{"response_type": "all", "non_null": h != "none", "rank": i + 1, "human_value": h, "ai_value": a,
              "n_conversations": 300 - 20 * i, "n_denominator": N, "pct_convos": (300 - 20 * i) / N * 100,
              "ci_low": None, "ci_high": None, "n_group": N, "pct_convos_in_group": (300 - 20 * i) / N * 100,
              "mirrored": h == a, "n_users": 50, "run_id": "t"}
             for i, (h, a) in enumerate([("none", "helpfulness"), ("authenticity", "authenticity"),
                                         ("clarity", "clarity"), ("efficiency", "professionalism")])]
    model_values = [{"model": m, "side": "ai", "task_level": None, "task": None, "rank": i + 1, "value": v,
                     "n_conversations": 200 - 15 * i, "n_denominator": 1000,
                     "pct_convos_in_group": 20 - 1.5 * i,
                     "ci_low": 18 - 1.5 * i, "ci_high": 22 - 1.5 * i, "n_users": 80, "run_id": "t"}
                    for m in MODELS for i, v in enumerate(AI_VALUES[:6])]
    model_tests = [{"test": "value_rate_2prop", "task_level": None, "task": None, "model_a": "model-a",
                    "model_b": "model-b", "item": v, "pct_a": 20.0, "pct_b": 14.0, "statistic": 9.1,
                    "dof": 1.0,
                    "p_value": 0.002, "n_tests": 10, "p_adjusted": 0.02, "significant": True,
                    "n_conversations": 2000, "n_users": 900, "run_id": "t"} for v in AI_VALUES[:3]]
    stated = [{"response_type": rt, "n_denominator": 300, "n_with_values": 290, "pct_with_values": 96.7,
               "values_ci_low": 94.0, "values_ci_high": 98.5, "n_conversations": 100 + 20 * i,
               "pct_with_stated": (100 + 20 * i) / 3, "ci_low": (100 + 20 * i) / 3 - 5,
               "ci_high": (100 + 20 * i) / 3 + 5, "statistic": 4.2, "p_value": 0.04, "n_users": 90,
               "run_id": "t"}
              for i, rt in enumerate(["all", *RESPONSE_TYPES])]
    overview = [{"metric": "n_conversations_analysed", "side": None, "label": None, "value": float(N),
                 "ci_low": None, "ci_high": None, "n_conversations": N, "n_users": N // 2, "run_id": "t"},
                {"metric": "population", "side": None, "label": "subjective", "value": None, "ci_low": None,
                 "ci_high": None, "n_conversations": N, "n_users": N // 2, "run_id": "t"},
                {"metric": "mean_values_per_convo", "side": "ai", "label": None, "value": 4.0, "ci_low": 3.9,
                 "ci_high": 4.1, "n_conversations": N, "n_users": N // 2, "run_id": "t"}]
    alerts = [{"side": "ai", "value": "dominance", "pct_convos": 0.6, "watch_term": "dominance",
               "similarity": 1.0, "method": "lexical", "n_conversations": 12, "n_users": 6, "run_id": "t"},
              {"side": "ai", "value": SECRET_VALUE, "pct_convos": 0.15, "watch_term": "amorality",
               "similarity": 0.71, "method": "lexical", "n_conversations": 3, "n_users": 2, "run_id": "t"}]
    cv = [{"side": "ai", "context": "task", "context_level": 0, "value": v, "cv": 1.2 + 0.1 * i,
           "mean_rate": 0.2 - 0.01 * i, "std_rate": 0.2, "n_contexts": 3, "rank": i + 1,
           "n_conversations": 300, "n_users": 100, "run_id": "t"} for i, v in enumerate(AI_VALUES[:5])]
    return {"an_mirroring": pd.DataFrame(mirror), "an_mirrored_values": pd.DataFrame(mirrored_values),
            "an_value_pairs": pd.DataFrame(pairs), "an_model_values": pd.DataFrame(model_values),
            "an_model_tests": pd.DataFrame(model_tests), "an_stated_vs_demonstrated": pd.DataFrame(stated),
            "an_overview": pd.DataFrame(overview), "an_alerts": pd.DataFrame(alerts),
            "an_context_variation": pd.DataFrame(cv),
            "an_notes": pd.DataFrame([{"section": "tasks", "note": "fixture tables, not an analysis run"}])}


def write_fake_results(ws) -> None:
    """Write every fixture table into ``ws`` (replacing same-named tables)."""
    tests, cells = associations()
    tables = {"an_value_frequencies": value_frequencies(), "an_association_tests": tests,
              "an_associations": cells, "an_response_types": response_types(), **small_tables()}
    for name, frame in tables.items():
        ws.con.register("fixture_frame", frame)
        ws.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM fixture_frame")
        ws.con.unregister("fixture_frame")
