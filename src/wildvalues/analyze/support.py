"""Support of result rows: distinct users behind a set of conversations (for the privacy thresholds)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class Support:
    """Counts distinct known users; every method returns None-filled results when no user id is known."""

    def __init__(self, user_codes: np.ndarray | None) -> None:
        self.user = user_codes
        self.known = user_codes is not None and bool((user_codes >= 0).any())
        if self.known:
            self.n_users = int(user_codes.max()) + 1

    def users(self, mask: np.ndarray) -> int | None:
        if not self.known:
            return None
        codes = self.user[mask]
        return int(np.count_nonzero(np.bincount(codes[codes >= 0], minlength=1)))

    def per_item(
        self, matrix: sp.spmatrix, conversations: np.ndarray | None = None, columns: np.ndarray | None = None
    ) -> np.ndarray | None:
        """Distinct users per column of a conversation x item 0/1 matrix.

        ``conversations`` maps the matrix rows to conversation indices when the matrix holds a subset of
        rows; ``columns`` restricts the answer to those columns (in that order).
        """
        if not self.known:
            return None
        coo = sp.coo_matrix(matrix)
        conv = coo.row if conversations is None else np.asarray(conversations)[coo.row]
        col = coo.col
        n_cols = matrix.shape[1]
        if columns is not None:
            position = np.full(n_cols, -1, np.int64)
            position[np.asarray(columns)] = np.arange(len(columns))
            col = position[col]
            n_cols = len(columns)
        user = self.user[conv]
        ok = (user >= 0) & (col >= 0)
        incidence = sp.csr_matrix(
            (np.ones(int(ok.sum()), np.int8), (col[ok], user[ok])), shape=(n_cols, self.n_users)
        )
        incidence.sum_duplicates()
        return np.diff(incidence.indptr)

    def per_group(
        self, codes: np.ndarray, n_groups: int, mask: np.ndarray | None = None
    ) -> np.ndarray | None:
        """Distinct users per group code (conversations outside ``mask`` ignored)."""
        if not self.known:
            return None
        keep = self.user >= 0 if mask is None else mask & (self.user >= 0)
        pairs = np.unique(codes[keep].astype(np.int64) * self.n_users + self.user[keep])
        return np.bincount(pairs // self.n_users, minlength=n_groups)

    def per_pair(
        self,
        rows: sp.csr_matrix,
        cols: sp.csr_matrix,
        row_idx: np.ndarray,
        col_idx: np.ndarray,
        mask: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """Distinct users of the conversations holding row label i and column label j, for given (i, j)."""
        if not self.known:
            return None
        rows, cols = sp.csr_matrix(rows), sp.csr_matrix(cols)
        n_c = cols.shape[1]
        query = np.asarray(row_idx, np.int64) * n_c + np.asarray(col_idx, np.int64)
        if len(query) == 0:
            return np.zeros(0, np.int64)
        conv, key = conversation_pairs(rows, cols, mask)
        return self.per_key(conv, key, query, rows.shape[1] * n_c)

    def per_key(self, conv: np.ndarray, key: np.ndarray, query: np.ndarray, n_keys: int) -> np.ndarray | None:
        """Distinct users per queried key, given (conversation, key) occurrences."""
        if not self.known:
            return None
        cell = _lookup(query, key, n_keys)
        hit = (cell >= 0) & (self.user[conv] >= 0)
        # cells x users incidence; building CSR sums duplicates with a counting sort (no hashing)
        incidence = sp.csr_matrix(
            (np.ones(int(hit.sum()), np.int8), (cell[hit], self.user[conv[hit]])),
            shape=(len(query), self.n_users),
        )
        incidence.sum_duplicates()
        return np.diff(incidence.indptr)


def _lookup(query: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
    """Position of each ``key`` in ``query`` (-1 when absent); a dense table when it fits in 256 MB."""
    if n_keys <= 64_000_000:
        table = np.full(n_keys, -1, np.int32)
        table[query] = np.arange(len(query), dtype=np.int32)
        return table[key]
    order = np.argsort(query)
    found = np.minimum(np.searchsorted(query[order], key), len(query) - 1)
    return np.where(query[order][found] == key, order[found], -1)


def mask_rows(matrix: sp.csr_matrix, mask: np.ndarray) -> sp.csr_matrix:
    """The same matrix with the rows outside ``mask`` emptied (shape kept)."""
    matrix = sp.csr_matrix(matrix)
    lengths = np.diff(matrix.indptr)
    keep = np.repeat(mask, lengths)
    indptr = np.concatenate([[0], np.cumsum(np.where(mask, lengths, 0))])
    return sp.csr_matrix((matrix.data[keep], matrix.indices[keep], indptr), shape=matrix.shape)


def conversation_pairs(
    rows: sp.csr_matrix, cols: sp.csr_matrix, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Every (conversation, row label x column label) combination: conversation index and key i * n_c + j."""
    n_r = np.diff(rows.indptr)
    n_c_per = np.diff(cols.indptr)
    per = n_r * n_c_per
    if mask is not None:
        per = np.where(mask, per, 0)
    total = int(per.sum())
    conv = np.repeat(np.arange(len(per)), per)
    t = np.arange(total) - np.repeat(np.cumsum(per) - per, per)
    width = n_c_per[conv]
    r = rows.indices[rows.indptr[conv] + t // width]
    c = cols.indices[cols.indptr[conv] + t % width]
    return conv, r.astype(np.int64) * cols.shape[1] + c
