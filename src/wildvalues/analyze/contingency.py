"""Chi-square analysis with adjusted Pearson residuals (paper §2.4, Appendix A.7), sparse and chunked.

For a table of observed counts O (rows x columns) with row totals R, column totals C and N = sum(O)::

    E_ij = R_i C_j / N,   p_i. = R_i / N,   p_.j = C_j / N
    r_ij = (O_ij - E_ij) / sqrt(E_ij (1 - p_i.)(1 - p_.j))          (adjusted Pearson residual)
    chi2 = sum (O - E)^2 / E = sum_{O_ij > 0} O_ij^2 / E_ij - N       (exact, from non-zero cells only)

Bonferroni: a residual is significant when |r| > z* = Phi^-1(1 - alpha / (2 m)), with m the number of
comparisons in the family. ``per_column`` families hold one column's n_rows cells (the paper: 3,307 AI values
compared within one task -> m = 3,307 -> z* = 4.33); ``all_cells`` takes the whole table (m = n_rows n_cols).

A 3,307 x 6,745 table is never materialised: residuals of non-zero cells are computed from the sparse
table, and zero cells (whose residual is a product of a row and a column factor) are handled in closed form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats


def critical_value(alpha: float, n_comparisons: int) -> float:
    """Two-sided Bonferroni critical z for ``n_comparisons`` tests at family-wise level ``alpha``."""
    return float(stats.norm.isf(alpha / (2.0 * max(1, n_comparisons))))


def n_comparisons(rule: str, n_rows: int, n_cols: int) -> int:
    if rule == "per_column":
        return n_rows
    if rule == "per_row":
        return n_cols
    if rule == "all_cells":
        return n_rows * n_cols
    raise ValueError(f"unknown comparisons rule {rule!r} (per_column, per_row, all_cells)")


def expected_counts(observed: np.ndarray) -> np.ndarray:
    observed = np.asarray(observed, dtype=float)
    return np.outer(observed.sum(1), observed.sum(0)) / observed.sum()


def adjusted_residuals(observed: np.ndarray) -> np.ndarray:
    """Dense adjusted Pearson residuals of a small table (reference implementation)."""
    observed = np.asarray(observed, dtype=float)
    n = observed.sum()
    row_p = observed.sum(1) / n
    col_p = observed.sum(0) / n
    expected = expected_counts(observed)
    return (observed - expected) / np.sqrt(expected * np.outer(1 - row_p, 1 - col_p))


def odds_ratios(
    a: np.ndarray, row_total: np.ndarray, col_total: np.ndarray, n: float, z: float = 1.959963984540054
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2 x 2 odds ratio of each cell vs the rest of the table, with Woolf CI (0.5 added when a cell is 0)."""
    a = np.asarray(a, float)
    b = np.asarray(row_total, float) - a
    c = np.asarray(col_total, float) - a
    d = n - a - b - c
    cells = np.stack([a, b, c, d])
    cells = np.where((cells == 0).any(0), cells + 0.5, cells)
    a, b, c, d = cells
    log_or = np.log(a * d / (b * c))
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return np.exp(log_or), np.exp(log_or - z * se), np.exp(log_or + z * se)


@dataclass
class TableResult:
    """Whole-table statistics plus the stored cells (a DataFrame, see SCHEMA.md an_associations)."""

    n_rows: int
    n_cols: int
    n_total: int
    chi2: float
    dof: int
    p_value: float
    rule: str
    n_comparisons: int
    alpha: float
    critical_value: float
    n_significant_pos: int
    n_significant_neg: int
    cells: pd.DataFrame


def _topk(values: np.ndarray, k: int, axis: int, largest: bool) -> np.ndarray:
    """Indices of the k largest (or smallest) entries along ``axis``, in ranked order."""
    k = min(k, values.shape[axis])
    keyed = -values if largest else values
    part = np.argpartition(keyed, k - 1, axis=axis).take(np.arange(k), axis=axis)
    order = np.argsort(np.take_along_axis(keyed, part, axis=axis), axis=axis, kind="stable")
    return np.take_along_axis(part, order, axis=axis)


def _ragged_topk(group: np.ndarray, key: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the k smallest ``key`` within each ``group`` and their ranks (1 = smallest)."""
    if len(key) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    span = 2.0 * float(np.abs(key).max()) + 1.0  # one float sort on group * span + key (~ lexsort, faster)
    order = np.argsort(group * span + key)
    g = group[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    keep = rank < k
    return order[keep], rank[keep] + 1


def _extremes(
    table: sp.csr_matrix,
    row_total: np.ndarray,
    col_total: np.ndarray,
    row_q: np.ndarray,
    col_q: np.ndarray,
    n: float,
    k: int,
    crit: float,
) -> dict[str, np.ndarray]:
    """Per row: the k largest residuals (among cells with O > 0) and the k smallest (zeros included).

    Never materialises the table: a zero cell's residual is -a_i g_j with a_i = sqrt(R_i / (N q_i)) and
    g_j = sqrt(C_j / q_j), so the most negative zero cells of a row are its zero columns of largest g, and
    the number of significant negative zero cells of a row is a count over the sorted g.
    """
    n_r, n_c = table.shape
    coo = table.tocoo()
    rows, cols, obs = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data.astype(float)
    exp = row_total[rows] * col_total[cols] / n
    resid = (obs - exp) / np.sqrt(exp * row_q[rows] * col_q[cols])
    a = np.sqrt(row_total / (n * row_q))
    g = np.sqrt(col_total / col_q)
    g_sorted = np.sort(g)
    threshold = crit / a  # zero cell (i, j) is significantly negative iff g_j > threshold_i
    n_above = n_c - np.searchsorted(g_sorted, threshold, side="right")
    nz_above = np.bincount(rows, weights=g[cols] > threshold[rows], minlength=n_r)
    sig_neg = int((resid < -crit).sum() + (n_above - nz_above).sum())
    sig_pos = int((resid > crit).sum())

    pos_at, pos_rank = _ragged_topk(rows, -resid, k)
    # candidate zero cells: the first k + nnz_i columns of each row in descending-g order, minus non-zeros
    g_order = np.argsort(-g, kind="stable")
    nnz = np.diff(table.indptr)
    take = np.minimum(k + nnz, n_c)
    cand_row = np.repeat(np.arange(n_r), take)
    cand_pos = np.arange(int(take.sum())) - np.repeat(np.cumsum(take) - take, take)
    cand_col = g_order[cand_pos]
    nz_keys = rows * n_c + cols  # sorted (canonical CSR order)
    cand_keys = cand_row * n_c + cand_col
    found = np.searchsorted(nz_keys, cand_keys)
    is_nz = (found < len(nz_keys)) & (nz_keys[np.minimum(found, len(nz_keys) - 1)] == cand_keys)
    z_row, z_col = cand_row[~is_nz], cand_col[~is_nz]
    z_resid = -a[z_row] * g[z_col]
    all_row = np.concatenate([rows, z_row])
    all_col = np.concatenate([cols, z_col])
    neg_at, neg_rank = _ragged_topk(all_row, np.concatenate([resid, z_resid]), k)
    return {
        "pos_row": rows[pos_at],
        "pos_col": cols[pos_at],
        "pos_rank": pos_rank,
        "neg_row": all_row[neg_at],
        "neg_col": all_col[neg_at],
        "neg_rank": neg_rank,
        "sig_pos": sig_pos,
        "sig_neg": sig_neg,
    }


def analyse_table(
    observed: sp.spmatrix,
    row_names: np.ndarray,
    col_names: np.ndarray,
    *,
    alpha: float = 0.05,
    rule: str = "per_column",
    top_k: int = 10,
    max_full_cells: int = 50_000,
) -> TableResult:
    """Residuals, chi-square, Bonferroni significance and odds ratios for one contingency table.

    Empty rows and columns are dropped first (they carry no information and break E > 0).
    """
    table = sp.csr_matrix(observed, dtype=np.int64)
    row_total = np.asarray(table.sum(1)).ravel()
    col_total = np.asarray(table.sum(0)).ravel()
    keep_r, keep_c = np.flatnonzero(row_total), np.flatnonzero(col_total)
    table = table[keep_r][:, keep_c].tocsr()
    row_names, col_names = np.asarray(row_names)[keep_r], np.asarray(col_names)[keep_c]
    row_total, col_total = row_total[keep_r].astype(float), col_total[keep_c].astype(float)
    n_r, n_c = table.shape
    n = float(row_total.sum())
    m = n_comparisons(rule, n_r, n_c)
    crit = critical_value(alpha, m)
    if n_r < 2 or n_c < 2:
        return TableResult(
            n_r, n_c, int(n), float("nan"), 0, float("nan"), rule, m, alpha, crit, 0, 0, _empty_cells()
        )
    row_q = 1.0 - row_total / n
    col_q = 1.0 - col_total / n
    coo = table.tocoo()
    e_nz = row_total[coo.row] * col_total[coo.col] / n
    chi2 = float((coo.data.astype(float) ** 2 / e_nz).sum() - n)
    dof = (n_r - 1) * (n_c - 1)
    p_value = float(stats.chi2.sf(chi2, dof))

    full = n_r * n_c <= max_full_cells
    by_row = _extremes(table, row_total, col_total, row_q, col_q, n, top_k, crit)
    by_col = _extremes(table.T.tocsr(), col_total, row_total, col_q, row_q, n, top_k, crit)
    sig_pos, sig_neg = by_row["sig_pos"], by_row["sig_neg"]

    ranks: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for sign in ("pos", "neg"):
        ranks[f"rank_in_row_{sign}"] = (by_row[f"{sign}_row"], by_row[f"{sign}_col"], by_row[f"{sign}_rank"])
        ranks[f"rank_in_col_{sign}"] = (by_col[f"{sign}_col"], by_col[f"{sign}_row"], by_col[f"{sign}_rank"])
    keys = [r * n_c + c for r, c, _ in ranks.values()]
    if full:
        keys.append(np.arange(n_r * n_c))
    cell_keys = np.unique(np.concatenate(keys))
    rows, cols = cell_keys // n_c, cell_keys % n_c
    obs = np.asarray(table[rows, cols]).ravel().astype(float)
    exp = row_total[rows] * col_total[cols] / n
    resid = (obs - exp) / np.sqrt(exp * row_q[rows] * col_q[cols])
    significant = np.abs(resid) > crit
    odds, lo, hi = odds_ratios(obs, row_total[rows], col_total[cols], n)
    cells = pd.DataFrame(
        {
            "row_index": rows,
            "col_index": cols,
            "row_label": row_names[rows],
            "col_label": col_names[cols],
            "observed": obs.astype(np.int64),
            "expected": exp,
            "row_total": row_total[rows].astype(np.int64),
            "col_total": col_total[cols].astype(np.int64),
            "residual": resid,
            "p_value": 2 * stats.norm.sf(np.abs(resid)),
            "critical_value": crit,
            "significant": significant,
            "odds_ratio": np.where(significant, odds, np.nan),
            "or_ci_low": np.where(significant, lo, np.nan),
            "or_ci_high": np.where(significant, hi, np.nan),
        }
    )
    for name, (r_idx, c_idx, rank) in ranks.items():
        lookup = pd.Series(rank, index=r_idx * n_c + c_idx)
        lookup = lookup[~lookup.index.duplicated()]
        cells[name] = lookup.reindex(cell_keys).to_numpy()
        cells[name] = cells[name].astype("Int64")
    return TableResult(n_r, n_c, int(n), chi2, dof, p_value, rule, m, alpha, crit, sig_pos, sig_neg, cells)


def _empty_cells() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "row_index",
            "col_index",
            "row_label",
            "col_label",
            "observed",
            "expected",
            "row_total",
            "col_total",
            "residual",
            "p_value",
            "critical_value",
            "significant",
            "odds_ratio",
            "or_ci_low",
            "or_ci_high",
            "rank_in_row_pos",
            "rank_in_row_neg",
            "rank_in_col_pos",
            "rank_in_col_neg",
        ]
    )


def cooccurrence(rows: sp.spmatrix, cols: sp.spmatrix) -> sp.csr_matrix:
    """Row-label x column-label counts of conversations holding both (conversation x label 0/1 inputs)."""
    return (sp.csr_matrix(rows, dtype=np.int64).T @ sp.csr_matrix(cols, dtype=np.int64)).tocsr()
