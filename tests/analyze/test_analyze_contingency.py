"""The chi-square engine against statsmodels and scipy, and its sparse shortcuts against brute force."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats
from statsmodels.stats.contingency_tables import Table, Table2x2

from wildvalues.analyze.contingency import (
    adjusted_residuals,
    analyse_table,
    cooccurrence,
    critical_value,
    expected_counts,
    n_comparisons,
    odds_ratios,
)


def _random_table(seed: int, shape=(12, 9)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    table = rng.poisson(rng.gamma(0.6, 6, size=shape))
    table[0, :] += 3  # no empty row/col at the edges
    table[:, 0] += 3
    return table


def test_paper_critical_value_for_3307_comparisons() -> None:
    # Figure 8: "the Bonferroni-corrected critical value, which is 4.33, as there are 3307 values"
    assert round(critical_value(0.05, n_comparisons("per_column", 3307, 6745)), 2) == 4.33
    # Figure 12's "p < 2.2e-06 (Bonferroni)" = 0.05 / (3307 values x 7 response types)
    assert 0.05 / n_comparisons("all_cells", 3307, 7) == pytest.approx(2.16e-6, rel=1e-2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_residuals_expected_and_chi2_match_statsmodels_and_scipy(seed: int) -> None:
    table = _random_table(seed)
    reference = Table(table, shift_zeros=False)
    np.testing.assert_allclose(expected_counts(table), reference.fittedvalues, rtol=1e-12)
    np.testing.assert_allclose(adjusted_residuals(table), reference.standardized_resids, rtol=1e-10)

    result = analyse_table(
        sp.csr_matrix(table),
        np.arange(12).astype(str),
        np.arange(9).astype(str),
        top_k=3,
        max_full_cells=10_000,
    )
    scipy_result = stats.chi2_contingency(table, correction=False)
    assert result.chi2 == pytest.approx(scipy_result.statistic, rel=1e-10)
    assert result.dof == scipy_result.dof
    assert result.p_value == pytest.approx(scipy_result.pvalue, rel=1e-8, abs=1e-300)
    cells = result.cells
    assert len(cells) == table.size  # small table: every cell stored
    np.testing.assert_allclose(
        cells["expected"], scipy_result.expected_freq[cells.row_index, cells.col_index]
    )
    np.testing.assert_allclose(
        cells["residual"], np.asarray(reference.standardized_resids)[cells.row_index, cells.col_index]
    )


def test_empty_rows_and_columns_are_dropped_before_testing() -> None:
    table = _random_table(3)
    padded = np.zeros((14, 11), dtype=int)
    padded[:12, :9] = table
    result = analyse_table(sp.csr_matrix(padded), np.arange(14).astype(str), np.arange(11).astype(str))
    assert (result.n_rows, result.n_cols) == (12, 9)
    assert result.chi2 == pytest.approx(stats.chi2_contingency(table, correction=False).statistic)


def test_odds_ratio_and_ci_match_statsmodels_2x2() -> None:
    table = _random_table(4)
    n = table.sum()
    i, j = np.argwhere(table > 0)[5]
    a = table[i, j]
    b, c = table[i].sum() - a, table[:, j].sum() - a
    d = n - a - b - c
    ref = Table2x2(np.array([[a, b], [c, d]]))
    odds, low, high = odds_ratios(np.array([a]), np.array([table[i].sum()]), np.array([table[:, j].sum()]), n)
    assert odds[0] == pytest.approx(ref.oddsratio)
    lo_ref, hi_ref = ref.oddsratio_confint()
    assert (low[0], high[0]) == (pytest.approx(lo_ref), pytest.approx(hi_ref))
    # a zero cell: Haldane-Anscombe, 0.5 added to all four cells
    zero, _, _ = odds_ratios(np.array([0]), np.array([56]), np.array([54]), 576)
    assert zero[0] == pytest.approx(0.5 * 466.5 / (56.5 * 54.5))


@pytest.mark.parametrize("seed", [5, 6])
def test_sparse_extremes_and_counts_equal_dense_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    table = sp.random(60, 45, density=0.15, random_state=seed, format="csr")
    table.data = np.ceil(table.data * rng.integers(1, 40, size=table.nnz))
    dense = table.toarray()
    dense = dense[dense.sum(1) > 0][:, dense.sum(0) > 0]
    k = 4
    result = analyse_table(
        table,
        np.arange(60).astype(str),
        np.arange(45).astype(str),
        top_k=k,
        max_full_cells=0,
        alpha=0.05,
        rule="all_cells",
    )
    resid = adjusted_residuals(dense)
    crit = critical_value(0.05, dense.size)
    assert result.n_significant_pos == int((resid > crit).sum())
    assert result.n_significant_neg == int((resid < -crit).sum())
    cells = result.cells
    # the k most negative residuals of every row (zero cells included) are stored with ranks 1..k
    for r in range(dense.shape[0]):
        expected = np.sort(resid[r])[:k]
        got = cells[cells.rank_in_row_neg.notna() & (cells.row_index == r)].sort_values("rank_in_row_neg")
        np.testing.assert_allclose(got["residual"], expected, rtol=1e-10)
    # the k largest residuals of every column among observed cells
    for c in range(dense.shape[1]):
        observed = resid[:, c][dense[:, c] > 0]
        expected = np.sort(observed)[::-1][:k]
        got = cells[cells.rank_in_col_pos.notna() & (cells.col_index == c)].sort_values("rank_in_col_pos")
        np.testing.assert_allclose(got["residual"], expected, rtol=1e-10)
    # odds ratios only where significant
    assert cells.loc[~cells.significant, "odds_ratio"].isna().all()
    assert cells.loc[cells.significant, "odds_ratio"].notna().all()


def test_cooccurrence_counts_conversations_holding_both_labels() -> None:
    rows = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 0], [1, 0, 1]]))
    cols = sp.csr_matrix(np.array([[1, 0], [1, 0], [0, 1]]))
    np.testing.assert_array_equal(cooccurrence(rows, cols).toarray(), [[1, 1], [2, 0], [0, 1]])
