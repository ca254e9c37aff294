"""Prediction-powered inference (Angelopoulos et al., Science 2023; PPI++ power tuning, 2024) for shares.

A study's headline shares are ratios of two means over conversations: ``E[A] / E[B]`` where ``A`` and
``B`` are 0/1 (or [0, 1] when annotators are averaged) indicators, e.g. A = "subjective and strong
resistance", B = "subjective" for the response-type mix, B = 1 for the subjective share itself. The
extractor's labels ``f`` are known for all N conversations, the true labels ``y`` only for a uniform random
sample of n. The estimate

    theta(lam) = lam * mean_N(f) + mean_n(y - lam * f)            (for A and for B)

is unbiased for every ``lam`` (the rectifier ``mean_n(y - lam f)`` removes the extractor's bias);
``lam = 1`` is classic PPI, ``lam = 0`` ignores the predictions (labels only), and PPI++ picks the
``lam`` in [0, 1] that
minimises the variance, so a useless extractor costs nothing. The ratio's interval uses the delta method:
the influence of a conversation on ``r = A / B`` is ``(a - r b) / B``. For B = 1 this is exactly
``ppi_py.ppi_mean_ci`` (checked in the tests). Pure numpy: no I/O.

Stratified samples pass ``weights`` (inverse inclusion probabilities) for the labelled rows; the rectifier is
then a weighted (Hajek) mean with the matching sandwich variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from wildvalues.extract.metrics import wilson


@dataclass(frozen=True)
class Estimate:
    """A share with its 95% interval (fractions, not percent)."""

    value: float
    low: float
    high: float
    lam: float | None = None  # PPI power-tuning weight (None for the naive estimate)

    @property
    def width(self) -> float:
        return self.high - self.low


def _wmean(x: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * x) / np.sum(w))


def _wvar_of_mean(x: np.ndarray, w: np.ndarray) -> float:
    """Variance of the weighted (Hajek) mean of ``x``: sum(w^2 (x - m)^2) / sum(w)^2 (ppi_py's ddof 0)."""
    if len(x) < 2:
        return float("inf")
    m = _wmean(x, w)
    return float(np.sum(w**2 * (x - m) ** 2) / np.sum(w) ** 2)


def naive_share(numerator: np.ndarray, denominator: np.ndarray | None = None) -> Estimate:
    """The extractor's own share over all conversations with a Wilson interval (assumes perfect labels)."""
    num = float(np.sum(numerator))
    den = float(len(numerator) if denominator is None else np.sum(denominator))
    if den == 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    low, high = wilson(int(round(num)), int(round(den)))
    return Estimate(num / den, low, high)


def ppi_ratio(
    f_num: np.ndarray,
    f_den: np.ndarray | None,
    y_num: np.ndarray,
    y_den: np.ndarray | None,
    f_num_labelled: np.ndarray,
    f_den_labelled: np.ndarray | None,
    *,
    weights: np.ndarray | None = None,
    lam: float | None = None,
    alpha: float = 0.05,
) -> Estimate:
    """PPI(++) estimate and (1 - alpha) interval of ``E[A] / E[B]`` (``*_den=None`` means B = 1).

    ``f_*``: extractor indicators over all N conversations; ``y_*``: true indicators on the n labelled
    conversations; ``f_*_labelled``: the extractor's indicators on those same n. ``lam=None`` tunes it.
    """
    fa, ya, fla = (np.asarray(x, float) for x in (f_num, y_num, f_num_labelled))
    n_all, n_lab = len(fa), len(ya)
    fb = np.ones(n_all) if f_den is None else np.asarray(f_den, float)
    yb = np.ones(n_lab) if y_den is None else np.asarray(y_den, float)
    flb = np.ones(n_lab) if f_den_labelled is None else np.asarray(f_den_labelled, float)
    w = np.ones(n_lab) if weights is None else np.asarray(weights, float)
    if n_lab == 0 or n_all == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), lam)

    def point(lam_: float) -> tuple[float, float]:
        a = lam_ * fa.mean() + _wmean(ya - lam_ * fla, w)
        b = lam_ * fb.mean() + _wmean(yb - lam_ * flb, w)
        return a, b

    a, b = point(1.0 if lam is None else lam)
    if b <= 0:
        return Estimate(float("nan"), float("nan"), float("nan"), lam)
    r = a / b
    # influence terms of the ratio: unlabelled part g (predictions), labelled part e - lam * g_lab
    g_all = (fa - r * fb) / b
    g_lab = (fla - r * flb) / b
    e_lab = (ya - r * yb) / b
    if lam is None:
        # PPI++: lam = Cov(e, g) / ((1 + n/N) Var(g)), Var over labelled and unlabelled rows (as ppi_py)
        var_g = float(np.var(np.concatenate([g_all, g_lab]), ddof=1))
        cov = _wcov_of_means(e_lab, g_lab, w) * n_lab
        denom = (1 + n_lab / n_all) * var_g
        lam = float(np.clip(cov / denom, 0.0, 1.0)) if denom > 0 else 0.0
        a, b = point(lam)
        if b <= 0:
            return Estimate(float("nan"), float("nan"), float("nan"), lam)
        r = a / b
        g_all, g_lab, e_lab = (fa - r * fb) / b, (fla - r * flb) / b, (ya - r * yb) / b
    var = lam**2 * float(np.var(g_all)) / n_all
    var += _wvar_of_mean(e_lab - lam * g_lab, w)
    half = stats.norm.ppf(1 - alpha / 2) * np.sqrt(max(var, 0.0))
    return Estimate(r, r - half, r + half, lam)


def _wcov_of_means(x: np.ndarray, z: np.ndarray, w: np.ndarray) -> float:
    if len(x) < 2:
        return 0.0
    mx, mz = _wmean(x, w), _wmean(z, w)
    return float(np.sum(w**2 * (x - mx) * (z - mz)) / np.sum(w) ** 2)


def ppi_mean(
    f_all: np.ndarray, y: np.ndarray, f_labelled: np.ndarray, *, lam: float | None = None, alpha: float = 0.05
) -> Estimate:
    """PPI(++) estimate of a plain mean/share ``E[Y]`` (the ratio with B = 1)."""
    return ppi_ratio(f_all, None, y, None, f_labelled, None, lam=lam, alpha=alpha)


def labels_only(y_num: np.ndarray, y_den: np.ndarray | None = None, alpha: float = 0.05) -> Estimate:
    """The labelled sample alone (classical interval; what PPI with ``lam = 0`` reduces to)."""
    y_num = np.asarray(y_num, float)
    zeros = np.zeros(len(y_num))
    return ppi_ratio(
        zeros,
        None if y_den is None else zeros,
        y_num,
        y_den,
        zeros,
        None if y_den is None else zeros,
        lam=0.0,
        alpha=alpha,
    )
