"""Binomial proportions in NumPy alone: exact tail probabilities, Clopper–Pearson and
Wilson intervals.

A Monte Carlo p-value rests on a count: ``b`` of ``n`` random shuffles reached the
observed statistic. The exact permutation p-value it estimates is a binomial success
probability, so its uncertainty is the binomial's. :func:`clopper_pearson` gives the
exact (Clopper & Pearson 1934) interval for it, which the adaptive permutation test
of :mod:`helpers.stats.permutation` uses to decide whether more shuffles could still change
a decision. :func:`wilson_interval` (Wilson 1927) is the score interval of a layer's
proportion of selective filters when the filters are taken as independent draws.

SciPy is not a dependency of the course, so the regularised incomplete beta function
(the binomial's cumulative distribution) is computed here by its continued fraction,
vectorised over arrays, and the bounds are found by a safeguarded Newton iteration.
Accuracy: about 1e-10 relative on the bounds or better (checked against SciPy's
``beta.ppf`` while writing it; the unit tests check closed forms and the defining
equations).
"""

from __future__ import annotations

import math

import numpy as np

_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])
_TINY = 1e-300


def _continued_fraction(a: np.ndarray, b: np.ndarray, x: np.ndarray, tol: float, max_iter: int) -> np.ndarray:
    """The continued fraction of I_x(a, b) (modified Lentz evaluation), for x below the
    mean (a + 1) / (a + b + 2), where it converges quickly. Arrays of one shape."""
    c = np.ones_like(x)
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    h = d.copy()
    todo = np.arange(x.size)
    for m in range(1, max_iter + 1):
        if todo.size == 0:
            break
        aa, bb, xx = a[todo], b[todo], x[todo]
        cc, dd, hh = c[todo], d[todo], h[todo]
        # Two partial numerators per step: the even one, then the odd one.
        for num in (m * (bb - m) * xx / ((aa + 2 * m - 1) * (aa + 2 * m)),
                    -(aa + m) * (aa + bb + m) * xx / ((aa + 2 * m) * (aa + 2 * m + 1))):
            dd = 1.0 + num * dd
            dd = 1.0 / np.where(np.abs(dd) < _TINY, _TINY, dd)
            cc = 1.0 + num / cc
            cc = np.where(np.abs(cc) < _TINY, _TINY, cc)
            step = dd * cc
            hh = hh * step
        c[todo], d[todo], h[todo] = cc, dd, hh
        todo = todo[np.abs(step - 1.0) > tol]
    return h


def betainc(a, b, x, tol: float = 1e-14, max_iter: int = 5000) -> np.ndarray:
    """Regularised incomplete beta function I_x(a, b), elementwise; a, b > 0, x in [0, 1].

    For integers, ``P(Binomial(n, p) >= k) = I_p(k, n - k + 1)``.
    """
    a, b, x = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, x)))
    out = np.where(x >= 1.0, 1.0, 0.0)
    inner = (x > 0) & (x < 1)
    if inner.any():
        a_, b_, x_ = a[inner], b[inner], x[inner]
        # Above the mean the fraction converges slowly: use I_x(a, b) = 1 - I_{1-x}(b, a).
        flip = x_ > (a_ + 1.0) / (a_ + b_ + 2.0)
        a_, b_ = np.where(flip, b_, a_), np.where(flip, a_, b_)
        x_ = np.where(flip, 1.0 - x_, x_)
        log_front = (a_ * np.log(x_) + b_ * np.log1p(-x_) - np.log(a_)
                     - (_lgamma(a_) + _lgamma(b_) - _lgamma(a_ + b_)))
        value = np.exp(log_front) * _continued_fraction(a_, b_, x_, tol, max_iter)
        out[inner] = np.clip(np.where(flip, 1.0 - value, value), 0.0, 1.0)
    return out


def _solve_tail(k: np.ndarray, n: np.ndarray, tail: float, upper: bool, max_iter: int = 80,
                rtol: float = 1e-12) -> np.ndarray:
    """The Clopper–Pearson bound for k successes in n trials: the p at which
    P(X >= k) = tail (lower bound, k >= 1) or P(X <= k) = tail (upper bound, k < n).

    Newton's method on the logarithm of that tail probability (nearly linear in the
    region of interest, so a few steps suffice), started from the square-root
    approximation of the bound and kept inside a bracket that every evaluation narrows;
    a step that leaves the bracket is replaced by bisection."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - tail)
    log_tail = math.log(tail)
    if upper:  # P(X <= k) = 1 - I_p(k + 1, n - k) = I_(1-p)(n - k, k + 1)
        a, b = k + 1.0, n - k
        start = (np.sqrt(k + 1.0) + z / 2) ** 2 / n
        start = np.where(start < 1, start, (k + 1.0 + n) / (2 * n + 1))
    else:  # P(X >= k) = I_p(k, n - k + 1); near 0 it is about p**k / (k B(k, n - k + 1))
        a, b = k.astype(np.float64), n - k + 1.0
        log_beta = _lgamma(a) + _lgamma(b) - _lgamma(a + b)
        start = np.maximum(np.exp((log_tail + np.log(a) + log_beta) / a),
                           np.maximum(np.sqrt(k) - z / 2, 0) ** 2 / n)
    log_beta = _lgamma(a) + _lgamma(b) - _lgamma(a + b)
    x = np.clip(start, 1e-300, 1 - 1e-16)
    lo, hi = np.zeros_like(x), np.ones_like(x)
    todo = np.arange(x.size)
    for _ in range(max_iter):
        if todo.size == 0:
            break
        aa, bb, xx, lb = a[todo], b[todo], x[todo], log_beta[todo]
        mass = betainc(bb, aa, 1 - xx) if upper else betainc(aa, bb, xx)
        root_above = mass > tail if upper else mass < tail
        lo[todo] = np.where(root_above, xx, lo[todo])
        hi[todo] = np.where(root_above, hi[todo], xx)
        with np.errstate(all="ignore"):
            density = np.exp((aa - 1) * np.log(xx) + (bb - 1) * np.log1p(-xx) - lb)
            gap = np.log(mass) - log_tail
            if upper:  # d log P / dp = -density / P
                new = xx + gap * mass / density
            else:  # d log P / d log p = p density / P
                new = xx * np.exp(-gap * mass / (xx * density))
        l, h = lo[todo], hi[todo]
        inside = np.isfinite(new) & (new > l) & (new < h)
        halfway = (l + h) / 2 if upper else np.where(l > 0, np.sqrt(l * h), h / 16)
        new = np.where(inside, new, halfway)
        x[todo] = new
        todo = todo[np.abs(new - xx) > rtol * new]
    return x


def clopper_pearson(k, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact two-sided interval for a binomial probability after ``k`` successes in ``n`` trials.

    Parameters
    ----------
    k, n : integer arrays (broadcast), 0 <= k <= n, n >= 1
    confidence : coverage of the interval, e.g. 0.999

    Returns
    -------
    (low, high) float64 arrays: ``low = 0`` exactly at k = 0 and ``high = 1`` exactly at
    k = n; otherwise the quantiles (1 - confidence) / 2 of Beta(k, n - k + 1) and
    (1 + confidence) / 2 of Beta(k + 1, n - k). NaN where n < 1.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1); got {confidence!r}.")
    k, n = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64))
    if ((k < 0) | (k > n)).any():
        raise ValueError("clopper_pearson needs 0 <= k <= n.")
    tail = (1 - confidence) / 2
    low, high = np.zeros(k.shape), np.ones(k.shape)
    some = (k > 0) & (n >= 1)
    low[some] = _solve_tail(k[some], n[some], tail, upper=False)
    short = (k < n) & (n >= 1)
    high[short] = _solve_tail(k[short], n[short], tail, upper=True)
    bad = n < 1
    low[bad], high[bad] = np.nan, np.nan
    return low, high


def wilson_interval(k, n, confidence: float = 0.95):
    """Wilson score interval for a binomial proportion k/n; arrays broadcast.

    Returns (low, high): exactly 0 at k = 0 and exactly 1 at k = n; NaN where n == 0.
    """
    from statistics import NormalDist

    k, n = np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        phat = k / n
        denom = 1 + z**2 / n
        centre = (phat + z**2 / (2 * n)) / denom
        half = z * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2)) / denom
        lo = np.where(k == 0, 0.0, np.clip(centre - half, 0, 1))
        hi = np.where(k == n, 1.0, np.clip(centre + half, 0, 1))
    bad = ~(n > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)
