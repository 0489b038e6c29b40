"""The permutation test of eq. 2 (helpers.stats.permutation): against a slow loop, under the
null, on planted filters, and resolved for Benjamini–Hochberg; its p intervals and the
critical shares kept for the bootstrap."""

import numpy as np
import pytest

from helpers.stats import permutation as perm
from helpers.stats.measure import normalize, selectivity_index
from helpers.stats.rules import benjamini_hochberg
from helpers.stats.layer import LayerSelectivity
from helpers.stats.selectivity import unsettled


def _reference_p(AN, labels, n_perm, seed, balanced=True):
    """Slow loop over the same shuffles: one selectivity_index call per permutation."""
    shuffles = np.random.default_rng(seed).permuted(
        np.broadcast_to(labels.astype(np.int16), (n_perm, len(labels))), axis=1)
    obs = selectivity_index(AN, labels, balanced=balanced)
    count = np.zeros_like(obs)
    for shuffled in shuffles:
        count += selectivity_index(AN, shuffled.astype(np.int64), labels.max() + 1, balanced) >= obs - 1e-12
    return (1 + count) / (1 + n_perm)


@pytest.mark.parametrize("balanced", [True, False])
def test_permutation_test_matches_loop_and_is_chunk_invariant(balanced):
    rng = np.random.default_rng(2)
    AN = normalize(rng.random((23, 17)))
    labels = np.array([0] * 5 + [1] * 8 + [2] * 10)
    p_ref = _reference_p(AN, labels, 60, seed=3, balanced=balanced)
    for chunk in (7, 128):
        p = perm.permutation_test(AN, labels, n_permutations=60, seed=3, balanced=balanced, chunk=chunk)
        np.testing.assert_array_equal(p, p_ref)


def test_planted_filter_gets_smallest_possible_p():
    rng = np.random.default_rng(4)
    labels = np.repeat([0, 1, 2], 20)
    A = rng.random((60, 5))
    A[labels == 1, 0] += 5.0  # filter 0 answers category 1 only
    p = perm.permutation_test(normalize(A), labels, n_permutations=999, seed=0)
    assert p[0, 1] == pytest.approx(1 / 1000)
    assert p[0, 0] > 0.5 and p[0, 2] > 0.5


def test_p_values_uniform_under_the_null():
    # Random activations, random labels: p-values should be uniform on (0, 1].
    # KS distance of 800 (discrete) p-values from U(0,1); critical value at alpha=0.001 is ~0.069.
    rng = np.random.default_rng(5)
    AN = normalize(rng.random((60, 200)))
    labels = rng.permutation(np.repeat(np.arange(4), 15))
    p = perm.permutation_test(AN, labels, n_permutations=499, seed=6).ravel()
    grid = np.sort(p)
    ecdf = np.arange(1, len(grid) + 1) / len(grid)
    assert np.max(np.abs(ecdf - grid)) < 0.069
    assert abs(np.mean(p <= 0.05) - 0.05) < 0.025  # false-positive rate near nominal


def planted_layer(n_filters=512, n_planted=20, seed=11):
    """300 images in 4 categories; the first ``n_planted`` filters answer faces (label 0)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(4), 75)
    A = rng.normal(size=(300, n_filters))
    A[:, :n_planted] += 1.5 * (labels == 0)[:, None]
    return normalize(np.maximum(A, 0)), labels


def test_bh_finds_planted_filters_once_resolved():
    AN, labels = planted_layer()
    plain = perm.permutation_test(AN, labels, n_permutations=1000, seed=0)
    # The floor: 1/1001 is above BH's bar 20 * 0.01 / 512 = 3.9e-4, so plain BH finds nothing.
    assert (plain[:20, 0] == 1 / 1001).all() and (benjamini_hochberg(plain)[:, 0] <= 0.01).sum() == 0
    res = perm.run_permutations(AN, labels, n_permutations=1000, seed=0, resolve_q=0.01)
    found = np.flatnonzero(benjamini_hochberg(res.p)[:, 0] <= 0.01)
    assert set(range(20)) <= set(found) and len(found) <= 21
    assert (res.n_perm[:20] > 1000).all() and not res.unsettled[:20].any()
    # The p-values of resolved filters are (1 + b) / (1 + n_f) with their own n_f.
    np.testing.assert_allclose(res.p[:20, 0] * (res.n_perm[:20] + 1), 1 + res.exceed[:20, 0])
    # Filters whose decision was never in doubt keep exactly the plain test's p-values.
    keep = res.n_perm == 1000
    np.testing.assert_array_equal(res.p[keep], plain[keep])
    layer = LayerSelectivity(selectivity_index(AN, labels), res.p, np.zeros(512, bool), res.n_perm)
    assert not unsettled(layer, "p", 0.01, "bh")[:20].any()


def test_resolution_is_seeded_and_independent_of_chunking():
    AN, labels = planted_layer(n_filters=96, n_planted=6, seed=3)
    a = perm.run_permutations(AN, labels, n_permutations=200, seed=5, resolve_q=(0.01, 0.05), chunk=7)
    b = perm.run_permutations(AN, labels, n_permutations=200, seed=5, resolve_q=(0.05, 0.01), chunk=128)
    np.testing.assert_array_equal(a.exceed, b.exceed)
    np.testing.assert_array_equal(a.n_perm, b.n_perm)
    c = perm.run_permutations(AN, labels, n_permutations=200, seed=6, resolve_q=(0.01, 0.05))
    assert not np.array_equal(a.exceed, c.exceed)


def test_resolution_respects_the_budget_and_reports_what_stays_open():
    AN, labels = planted_layer(n_filters=64, n_planted=1, seed=4)
    res = perm.run_permutations(AN, labels, n_permutations=100, seed=0, resolve_q=0.01, max_permutations=800)
    assert res.n_perm.max() <= 800
    # One planted filter among 64: BH needs p <= 0.01 / 64 = 1.6e-4, which 800 shuffles cannot
    # show, so its decision is reported open.
    assert res.unsettled[0]


def test_resolved_p_values_stay_uniform_under_the_null():
    rng = np.random.default_rng(5)
    AN = normalize(rng.random((60, 200)))
    labels = rng.permutation(np.repeat(np.arange(4), 15))
    p = perm.permutation_test(AN, labels, n_permutations=499, seed=6, resolve_q=0.05).ravel()
    assert abs(np.mean(p <= 0.05) - 0.05) < 0.025
    assert np.mean(p <= 0.01) < 0.03


def test_p_interval_known_ends():
    p = np.array([[1 / 1001, 1.0], [0.5, np.nan]])
    lo, hi = perm.p_interval(p, np.array([1000, 1000]), confidence=0.99)
    assert lo[0, 0] == 0 and hi[0, 0] == pytest.approx(1 - 0.005 ** (1 / 1000))
    assert hi[0, 1] == 1 and lo[0, 1] == pytest.approx(0.005 ** (1 / 1000))
    assert lo[1, 0] < 0.5 < hi[1, 0] and np.isnan(lo[1, 1])


def test_resolve_levels_are_checked_sorted_and_recognised():
    assert perm.resolve_levels(None) == ()
    assert perm.resolve_levels([0.05, 0.01, 0.05]) == (0.01, 0.05)
    assert perm.resolve_levels(0.02) == (0.02,)
    with pytest.raises(ValueError, match="no significance level"):
        perm.resolve_levels([0.01, 2])
    assert perm.is_resolved(0.05, (0.01, 0.05)) and perm.is_resolved(0.1 * 0.5, (0.05,))
    assert not perm.is_resolved(0.02, (0.01, 0.05)) and not perm.is_resolved(0.01, ())


def test_critical_shares_reproduce_the_p_rule_and_the_p_values():
    """With ``keep_critical``, a share passes ``p <= level`` exactly when it exceeds the
    critical share of that level (rank below FULL_RANKS: exact), and the observed share's
    replicated p-value is its p-value wherever fewer than FULL_RANKS shuffles reached it."""
    AN, labels = planted_layer(n_filters=64, n_planted=4, seed=2)
    K = 200
    res = perm.run_permutations(AN, labels, n_permutations=K, seed=1, resolve_q=0.05, keep_critical=True)
    S = selectivity_index(AN, labels)
    assert res.crit.shape == (perm.FULL_RANKS + len(perm.BASE_RANKS), 64, 4) and (res.n_perm > K).any()
    for level in (0.01, 0.05, 0.1):
        crit = perm.critical_share(res.crit, res.n_perm, level, K)
        exact = np.floor(level * (res.n_perm[:, None] + 1) - 1 + 1e-9) < perm.FULL_RANKS
        np.testing.assert_array_equal((S > crit)[exact & (S > -1)], (res.p <= level)[exact & (S > -1)])
    f, c = np.nonzero(res.exceed < perm.FULL_RANKS)
    np.testing.assert_array_equal(perm.replicate_p(res.crit, res.n_perm, S[f, c], f, c, K), res.p[f, c])
