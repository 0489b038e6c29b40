"""The bootstrap over images (helpers.stats.bootstrap): resampling within categories, eq. 1 and
eq. 2 on each resample, and the coverage of the intervals on a layer's proportion,
checked by simulation."""

import numpy as np
import pytest

from helpers.stats import bootstrap as boot
from helpers.stats.measure import normalize, selectivity_index
from helpers.stats.selectivity import analyze, summary_table


def test_bootstrap_weights_resample_within_categories():
    labels = np.repeat([0, 1, 2], [5, 7, 9])
    W = boot.bootstrap_weights(labels, n_boot=50, seed=1)
    assert W.shape == (50, 21) and (W >= 0).all()
    for c, n in enumerate([5, 7, 9]):
        assert (W[:, labels == c].sum(axis=1) == n).all()
    np.testing.assert_array_equal(W, boot.bootstrap_weights(labels, n_boot=50, seed=1))
    assert not np.array_equal(W, boot.bootstrap_weights(labels, n_boot=50, seed=2))


@pytest.mark.parametrize("balanced", [True, False])
def test_bootstrap_shares_of_the_full_set_are_eq_2(balanced):
    rng = np.random.default_rng(8)
    A = np.maximum(rng.normal(size=(30, 9)), 0)
    A[:, 8] = 2.0  # silent
    labels = np.repeat([0, 1, 2], [8, 10, 12])
    S = boot.bootstrap_shares(A, labels, np.ones((1, 30), int), balanced)[0]
    np.testing.assert_allclose(S, selectivity_index(normalize(A), labels, balanced=balanced), atol=1e-12)
    # A resample that draws only one image's value for a filter makes it silent there.
    A2 = A.copy()
    A2[:, 0] = np.arange(30.0)
    W = np.zeros((1, 30), int)
    W[0, [0, 8, 18]] = [8, 10, 12]  # one image per category ...
    A2[[0, 8, 18], 0] = 5.0  # ... with the same value
    assert np.isnan(boot.bootstrap_shares(A2, labels, W, balanced)[0, 0]).all()


def _population_dataset(rng, cats, eff, n_per=15, F=60):
    """Images whose category-typicality varies: filters selective for a category rise and fall
    together with the images drawn, so filters are not independent draws."""
    labels = np.repeat(np.arange(4), n_per)
    A = rng.uniform(0, 0.8, F) * rng.normal(size=(len(labels), 1)) + rng.normal(size=(len(labels), F))
    typical = rng.gamma(2.0, 0.5, size=(len(labels), 1))
    A[:, :len(cats)] += eff * typical * (labels[:, None] == cats)
    return np.maximum(A, 0), labels


@pytest.mark.slow
def test_bootstrap_interval_covers_the_expected_proportion():
    """Coverage by simulation (seed 1): 300 stimulus sets give the expected proportion of
    each rule, 100 more each give a 95 % interval. Tolerance: coverage >= 0.88 per rule
    (the simulation's own standard error is about 0.02 at 0.95)."""
    pop = np.random.default_rng(123)
    cats, eff = pop.integers(0, 4, 40), pop.uniform(0.3, 2.0, 40)
    rng = np.random.default_rng(1)
    rules = [("p", 0.01, None), ("p", 0.05, "bh"), ("index", 0.4, None)]
    truth = np.zeros((len(rules), 4))
    for d in range(300):
        A, labels = _population_dataset(rng, cats, eff)
        res = analyze({"l": A}, labels, list("abcd"), n_permutations=200, seed=d, resolve_q=None, n_boot=0)
        truth += [summary_table(res, *rule)["proportion"].to_numpy() for rule in rules]
    truth /= 300
    covered = np.zeros((len(rules), 4))
    wilson = np.zeros((len(rules), 4))
    for d in range(100):
        A, labels = _population_dataset(rng, cats, eff)
        res = analyze({"l": A}, labels, list("abcd"), n_permutations=200, seed=d, resolve_q=None, n_boot=200)
        for i, rule in enumerate(rules):
            t = summary_table(res, *rule)
            covered[i] += (t["ci_low"] <= truth[i] + 1e-12) & (truth[i] <= t["ci_high"] + 1e-12)
            wilson[i] += (t["wilson_low"] <= truth[i]) & (truth[i] <= t["wilson_high"])
    coverage = covered.mean(axis=1) / 100
    assert (coverage >= 0.88).all(), coverage
    # Filters that share images are not independent draws: Wilson's interval falls short for BH.
    assert wilson[1].mean() / 100 < 0.85


def test_packed_shares_keep_nan_and_a_resolution_of_1_5e_5():
    S = np.array([[0.0, 1.0, 0.123456789, np.nan]])
    packed = boot.pack_shares(S)
    assert packed.dtype == np.uint16 and packed[0, 3] == 65535
    back = boot.unpack_shares(packed)
    assert np.isnan(back[0, 3]) and back[0, 0] == 0.0 and back[0, 1] == 1.0
    assert abs(back[0, 2] - S[0, 2]) <= 0.5 / 65534
