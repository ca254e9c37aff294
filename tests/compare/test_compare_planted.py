"""Planted differences are found at their planted size; same-distribution studies flag at the nominal rate.

The studies are drawn by ``wildvalues.compare.synthetic`` (independent values with known shares, a known
response-type mix), so every true difference is known exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wildvalues.compare.core import CompareSettings, compare_views
from wildvalues.compare.drift import drift_flags, period_shares
from wildvalues.compare.stats import compare_items, item_counts, response_mix
from wildvalues.compare.synthetic import (
    CATEGORIES,
    RESPONSE_SHARES,
    VALUE_SHARES,
    VALUES,
    make_view,
    synthetic_scale,
)
from wildvalues.records import RESPONSE_TYPES

DOUBLED = "value 05"
SHIFTED = "strong_resistance"


def _planted(seed: int, n: int = 3000):
    rng = np.random.default_rng(seed)
    a = make_view("A", n, rng)
    values = VALUE_SHARES.copy()
    values[VALUES.index(DOUBLED)] *= 2
    responses = RESPONSE_SHARES.copy()
    responses[RESPONSE_TYPES.index(SHIFTED)] = 0.14  # 7% -> 14% before renormalising
    b = make_view("B", n, rng, value_shares=values, response_shares=responses)
    true_value_diff = 100 * VALUE_SHARES[VALUES.index(DOUBLED)]
    true_response_diff = 100 * (responses / responses.sum() - RESPONSE_SHARES / RESPONSE_SHARES.sum())
    return a, b, true_value_diff, true_response_diff


def test_planted_value_and_response_shift_found_at_planted_size():
    covered_value, covered_response, other_values_flagged = 0, 0, 0
    seeds = range(6)
    for seed in seeds:
        a, b, value_diff, response_diff = _planted(seed)
        result = compare_views(a, b, synthetic_scale())
        items = result.items[result.items["stratum"] == "all"].set_index(["kind", "item"])
        doubled = items.loc[("value", DOUBLED)]
        assert doubled["significant"] and doubled["visible"]
        assert doubled["pct_b"] / doubled["pct_a"] == pytest.approx(2.0, rel=0.15)
        covered_value += doubled["diff_ci_low"] <= value_diff <= doubled["diff_ci_high"]
        shifted = items.loc[("response_type", SHIFTED)]
        assert shifted["significant"]
        true_shift = response_diff[RESPONSE_TYPES.index(SHIFTED)]
        assert shifted["diff_pp"] == pytest.approx(true_shift, abs=2.0)
        covered_response += shifted["diff_ci_low"] <= true_shift <= shifted["diff_ci_high"]
        values = items.loc["value"]
        other_values_flagged += int(values["significant"].sum()) - 1
        # the movers list leads with the doubled value; the mix test and its residuals see the shift
        movers = result.movers[(result.movers["kind"] == "value") & (result.movers["direction"] == "up")]
        assert movers.iloc[0]["item"] == DOUBLED
        mix = result.mix_tests.iloc[0]
        assert mix["p_value"] < 1e-6
        cells = result.mix_cells.set_index(["study", "response_type"])
        assert cells.loc[("B", SHIFTED), "notable"] and cells.loc[("B", SHIFTED), "adjusted_residual"] > 0
    assert covered_value >= 5 and covered_response >= 5  # 95% intervals: at most one miss in six
    assert other_values_flagged <= 2  # BH keeps false discoveries rare among the 29 unchanged values


def _null_flags(seed: int, n: int = 800) -> dict[str, bool]:
    rng = np.random.default_rng(seed)
    a, b = make_view("A", n, rng), make_view("B", n, rng)
    counts_a, n_a, _ = item_counts(a.conversations, a.labels, CATEGORIES)
    counts_b, n_b, _ = item_counts(b.conversations, b.labels, CATEGORIES)
    items = compare_items(counts_a, n_a, counts_b, n_b, alpha=0.05, correction="bh")
    return {kind: bool(group["significant"].any()) for kind, group in items.groupby("kind")}


def test_same_distribution_flags_at_most_the_nominal_rate():
    draws = [_null_flags(1000 + seed) for seed in range(100)]
    rates = {kind: np.mean([d[kind] for d in draws]) for kind in ("value", "category", "response_type")}
    # under the global null BH keeps the chance of any flag in a family at <= alpha = 0.05;
    # 0.11 is the 99th percentile of a binomial(100, 0.05) rate. Uncorrected, the 30-value family
    # would flag in ~78% of draws.
    for kind, rate in rates.items():
        assert rate <= 0.11, (kind, rates)


def test_uncorrected_tests_would_fail_the_null_check():
    """The null check above can fail: without correction, 30 value tests flag most draws."""
    flagged = 0
    for seed in range(20):
        rng = np.random.default_rng(2000 + seed)
        a, b = make_view("A", 800, rng), make_view("B", 800, rng)
        counts_a, n_a, _ = item_counts(a.conversations, a.labels, CATEGORIES)
        counts_b, n_b, _ = item_counts(b.conversations, b.labels, CATEGORIES)
        items = compare_items(counts_a, n_a, counts_b, n_b)
        flagged += bool((items.loc[items["kind"] == "value", "p_value"] < 0.05).any())
    assert flagged >= 10


def test_bonferroni_is_stricter_than_bh():
    a, b, _, _ = _planted(3)
    bh = compare_views(a, b, synthetic_scale(), CompareSettings(correction="bh")).items
    bonf = compare_views(a, b, synthetic_scale(), CompareSettings(correction="bonferroni")).items
    assert (bonf["p_adjusted"].to_numpy() >= bh["p_adjusted"].to_numpy() - 1e-12).all()
    assert set(bonf["correction"]) == {"bonferroni"}


def test_small_cells_use_fishers_exact_test():
    counts = item_counts(
        *(lambda v: (v.conversations, v.labels, CATEGORIES))(make_view("A", 60, np.random.default_rng(1)))
    )[0]
    other = counts.assign(n_conversations=np.maximum(counts["n_conversations"] - 3, 0))
    items = compare_items(counts, 60, other, 60)
    rare = items[(items["x_a"] + items["x_b"]) < 8]
    assert len(rare) and set(rare["test"]) == {"fisher_exact"}


def test_response_mix_residuals_match_a_hand_computed_table():
    summary, cells = response_mix({"x": 30, "y": 70}, {"x": 60, "y": 40})
    # 2 x 2: chi2 = N (ad - bc)^2 / (r1 r2 c1 c2)
    assert summary["statistic"] == pytest.approx(200 * (30 * 40 - 70 * 60) ** 2 / (100 * 100 * 90 * 110))
    residual = cells.set_index(["study", "response_type"]).loc[("B", "x"), "adjusted_residual"]
    assert residual == pytest.approx(np.sqrt(summary["statistic"]))


def test_drift_found_at_the_planted_period_and_stable_series_rarely_flag():
    rng = np.random.default_rng(7)
    drifting = make_view(
        "S", 4000, rng, periods=8, drift={"value": "value 10", "from_period": 6, "share": 0.40}
    )
    shares = period_shares(drifting.conversations, drifting.labels, CATEGORIES, "week")
    flags = drift_flags(shares)
    hit = flags[flags["flagged"] & (flags["kind"] == "value")]
    assert set(hit["item"]) == {"value 10"}
    first = hit["period"].min()
    assert first == sorted(shares["period"].unique())[6]
    flagged_series = 0
    for seed in range(20):
        stable = make_view("S", 2400, np.random.default_rng(500 + seed), periods=6)
        flagged_series += bool(
            drift_flags(period_shares(stable.conversations, stable.labels, CATEGORIES, "week"))[
                "flagged"
            ].any()
        )
    # Bonferroni-adjusted limits: P(any flag in a stable series) <= 0.05; >= 4 of 20 has p < 0.02
    assert flagged_series <= 3


def test_corrected_estimates_compared_when_both_studies_carry_them():
    from wildvalues.compare.core import compare_corrected

    a, b, _, _ = _planted(4, n=300)
    notes: list[str] = []
    assert compare_corrected(a, b, notes).empty and "naive shares compared" in notes[-1]
    # the validation stage's own table (wildvalues.validate.corrected), one headline share each
    a.corrected = pd.DataFrame({
        "estimate": ["response type mix", "subjective share"], "scope": ["all", "all"],
        "label": [SHIFTED, "subjective"], "naive_pct": [6.0, 30.0], "naive_ci_low": [5.5, 28.0],
        "naive_ci_high": [6.5, 32.0], "ppi_pct": [7.0, np.nan], "ppi_ci_low": [5.0, np.nan],
        "ppi_ci_high": [9.0, np.nan],
    })
    b.corrected = a.corrected.assign(ppi_pct=[14.0, np.nan], ppi_ci_low=[11.0, np.nan],
                                     ppi_ci_high=[17.0, np.nan], naive_pct=[12.0, 33.0])
    frame = compare_corrected(a, b, notes).set_index("label")
    assert frame.loc[SHIFTED, "diff"] == pytest.approx(7.0)  # corrected estimates, not the naive 6 -> 12
    assert frame.loc[SHIFTED, "diff_ci_low"] == pytest.approx(7.0 - np.sqrt(2**2 + 3**2))
    assert frame.loc["subjective", "diff"] == pytest.approx(3.0)  # no corrected estimate: the naive one
    assert "1 corrected in both" in notes[-1]
    b.corrected = b.corrected.drop(columns=["ppi_pct"])
    assert compare_corrected(a, b, notes).empty and "naive shares compared" in notes[-1]


def test_by_week_compares_shared_weeks_and_never_undated_conversations():
    rng = np.random.default_rng(31)
    a, b = make_view("A", 600, rng, periods=3), make_view("B", 600, rng, periods=3)
    result = compare_views(a, b, synthetic_scale(), by="week")
    assert list(result.items["stratum"].unique()) == ["all", "2025-01-06", "2025-01-13", "2025-01-20"]
    a.conversations["timestamp"] = pd.NaT
    b.conversations["timestamp"] = pd.NaT
    result = compare_views(a, b, synthetic_scale(), by="week")
    assert list(result.items["stratum"].unique()) == ["all"]
    assert "no timestamps in either study: no week series" in result.notes
