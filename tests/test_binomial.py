"""Known answers for the binomial tail, the Clopper–Pearson and the Wilson intervals (helpers.stats.binomial)."""

import math

import numpy as np
import pytest

from helpers.stats.binomial import betainc, clopper_pearson, wilson_interval


def binom_cdf(k, n, p):
    """P(Binomial(n, p) <= k) by direct summation (exact for small n)."""
    return sum(math.comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(k + 1))


def test_betainc_closed_forms():
    x = np.linspace(0, 1, 11)
    np.testing.assert_allclose(betainc(1, 1, x), x, atol=1e-14)  # uniform
    np.testing.assert_allclose(betainc(3, 1, x), x ** 3, atol=1e-14)
    np.testing.assert_allclose(betainc(1, 4, x), 1 - (1 - x) ** 4, atol=1e-14)
    # I_x(a, b) = 1 - I_(1-x)(b, a)
    np.testing.assert_allclose(betainc(2.5, 7, 0.3), 1 - betainc(7, 2.5, 0.7), atol=1e-14)


def test_betainc_is_the_binomial_tail():
    for n, k, p in [(10, 3, 0.2), (25, 0, 0.01), (40, 17, 0.5), (12, 11, 0.9)]:
        # P(X >= k) = I_p(k, n - k + 1) for k >= 1; here P(X <= k) = 1 - I_p(k + 1, n - k)
        assert float(1 - betainc(k + 1, n - k, p)) == pytest.approx(binom_cdf(k, n, p), abs=1e-12)


def test_clopper_pearson_ends_are_exact():
    tail = 0.005
    lo, hi = clopper_pearson([0, 7], [7, 7], confidence=0.99)
    assert lo[0] == 0.0 and hi[1] == 1.0
    assert hi[0] == pytest.approx(1 - tail ** (1 / 7), rel=1e-10)  # P(X = 0 | hi) = tail
    assert lo[1] == pytest.approx(tail ** (1 / 7), rel=1e-10)  # P(X = 7 | lo) = tail


def test_clopper_pearson_solves_its_defining_equations():
    tail = 0.025
    for k, n in [(1, 10), (4, 20), (13, 30), (29, 30), (2, 60), (45, 50)]:
        lo, hi = clopper_pearson(k, n, confidence=0.95)
        assert 1 - binom_cdf(k - 1, n, float(lo)) == pytest.approx(tail, abs=1e-10)  # P(X >= k | lo)
        assert binom_cdf(k, n, float(hi)) == pytest.approx(tail, abs=1e-10)  # P(X <= k | hi)
        assert lo < k / n < hi


def test_clopper_pearson_rejects_bad_input():
    with pytest.raises(ValueError, match="0 <= k <= n"):
        clopper_pearson(5, 3)
    with pytest.raises(ValueError, match="confidence"):
        clopper_pearson(1, 3, confidence=1.5)


def test_clopper_pearson_for_rare_events_in_many_trials():
    """Bounds of the size the resolved permutation test meets, against the Poisson limit:
    for rare events the upper bound of k = 0 is -ln(tail) / n and that of k = 3 solves
    P(Poisson(n p) <= 3) = tail."""
    lo, hi = clopper_pearson([0, 3], [256_000, 256_000], confidence=0.99)
    assert hi[0] == pytest.approx(-math.log(0.005) / 256_000, rel=1e-4)
    mu = hi[1] * 256_000
    assert sum(math.exp(-mu) * mu ** j / math.factorial(j) for j in range(4)) == pytest.approx(0.005, rel=1e-3)
    assert 0 < lo[1] < 3 / 256_000


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(np.array([0, 5]), np.array([10, 10]))
    np.testing.assert_allclose(lo, [0.0, 0.2366], atol=1e-4)
    np.testing.assert_allclose(hi, [0.2775, 0.7634], atol=1e-4)


def test_wilson_interval_ends_are_exact():
    lo, hi = wilson_interval(np.array([0, 7, 512]), np.array([512, 7, 512]))
    assert lo[0] == 0.0 and hi[1] == 1.0 and hi[2] == 1.0  # not 3e-17 or 1 - 1e-16
    assert lo[1] < 1 and hi[0] > 0
    lo, hi = wilson_interval(3, 0)
    assert np.isnan(lo) and np.isnan(hi)
