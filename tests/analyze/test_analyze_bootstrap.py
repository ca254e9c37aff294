"""The closed-form conversation bootstrap agrees with literally resampling conversations."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from wildvalues.analyze.bootstrap import expression_share_ci, rate_ci


def test_nested_rate_ci_matches_resampling_conversations() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    in_group = rng.random(n) < 0.3
    hit = in_group & (rng.random(n) < 0.4)
    a, d = int(hit.sum()), int(in_group.sum())
    low, high = rate_ci([a], [d], n, 4000, np.random.default_rng(1))
    brute = []
    for _ in range(4000):
        pick = rng.integers(0, n, n)
        brute.append(hit[pick].sum() / in_group[pick].sum())
    lo_ref, hi_ref = np.quantile(brute, [0.025, 0.975]) * 100
    assert abs(low[0] - lo_ref) < 0.4 and abs(high[0] - hi_ref) < 0.4
    assert low[0] < 100 * a / d < high[0]


def test_whole_population_rate_uses_exact_binomial_percentiles() -> None:
    low, high = rate_ci([50, 0], [1000, 1000], 1000, 100, np.random.default_rng(0))
    assert low[0] < 5.0 < high[0]
    assert (low[1], high[1]) == (0.0, 0.0)
    none_low, none_high = rate_ci([3], [0], 1000, 100, np.random.default_rng(0))
    assert np.isnan(none_low[0]) and np.isnan(none_high[0])
    off_low, _ = rate_ci([3], [10], 1000, 0, np.random.default_rng(0))
    assert np.isnan(off_low[0])


def test_expression_share_ci_matches_resampling_conversations() -> None:
    rng = np.random.default_rng(2)
    n, labels = 1500, 6
    matrix = sp.csr_matrix((rng.random((n, labels)) < np.linspace(0.05, 0.6, labels)).astype(np.int32))
    grouping = np.array([0, 0, 1, 1, 2, 2])
    cis = expression_share_ci({"ai": matrix}, {"ai": [grouping]}, 2000, np.random.default_rng(3))
    low, high = cis["ai"][0]
    dense = matrix.toarray()
    brute = []
    for _ in range(2000):
        pick = dense[rng.integers(0, n, n)]
        counts = pick.sum(0)
        brute.append(np.bincount(grouping, weights=counts) / counts.sum() * 100)
    lo_ref, hi_ref = np.quantile(np.array(brute), [0.025, 0.975], axis=0)
    np.testing.assert_allclose(low, lo_ref, atol=0.35)
    np.testing.assert_allclose(high, hi_ref, atol=0.35)
