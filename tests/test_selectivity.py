"""Known answers for eq. 1, eq. 2, the permutation test and the per-layer summary."""

import warnings

import numpy as np
import pytest

from helpers import selectivity as sel


def test_normalize_known_answer():
    A = np.array([[0.0, 2.0], [5.0, 4.0], [10.0, 6.0]])
    AN = sel.normalize(A, eps=0.0)
    np.testing.assert_allclose(AN, [[0, 0], [0.5, 0.5], [1, 1]])
    # The paper's epsilon shrinks the top value just below one.
    assert sel.normalize(A, eps=1e-3)[2, 0] == pytest.approx(10 / (10 + 1e-3))


def test_silent_filters_are_nan_without_warnings():
    A = np.array([[0.0, 3.0, 1.0], [0.0, 3.0, 2.0], [0.0, 3.0, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AN = sel.normalize(A)
        S = sel.selectivity_index(AN, np.array([0, 1, 1]))
        p = sel.permutation_test(AN, np.array([0, 1, 1]), n_permutations=50)
    assert np.isnan(AN[:, :2]).all() and not np.isnan(AN[:, 2]).any()
    assert np.isnan(S[:2]).all() and np.isnan(p[:2]).all()
    assert not np.isnan(S[2]).any()


def test_selectivity_index_hand_computed():
    # Two categories of two images; filter 0 fires only for category 0.
    AN = np.array([[1.0, 0.5], [0.5, 0.0], [0.0, 1.0], [0.0, 0.5]])
    labels = np.array([0, 0, 1, 1])
    S = sel.selectivity_index(AN, labels)
    np.testing.assert_allclose(S, [[1.0, 0.0], [0.25, 0.75]])


def test_unequal_classes_balanced_versus_plain():
    # Category 0 has three images, category 1 one; every image gives the same activation.
    AN = np.array([[1.0], [1.0], [1.0], [1.0]])
    labels = np.array([0, 0, 0, 1])
    np.testing.assert_allclose(sel.selectivity_index(AN, labels, balanced=False), [[0.75, 0.25]])
    # Share of class means: a filter that does not care about category sits at chance.
    np.testing.assert_allclose(sel.selectivity_index(AN, labels, balanced=True), [[0.5, 0.5]])


def test_balanced_equals_plain_for_equal_classes():
    rng = np.random.default_rng(1)
    AN = sel.normalize(rng.random((40, 30)))
    labels = np.repeat(np.arange(4), 10)
    rng.shuffle(labels)
    S1 = sel.selectivity_index(AN, labels, balanced=True)
    S2 = sel.selectivity_index(AN, labels, balanced=False)
    np.testing.assert_allclose(S1, S2, atol=1e-12)
    np.testing.assert_allclose(S1.sum(axis=1), 1.0)


def test_bad_labels_are_explained():
    AN = np.zeros((4, 2)) + np.arange(4)[:, None]
    with pytest.raises(ValueError, match="one label per image"):
        sel.selectivity_index(AN, np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="at least two"):
        sel.selectivity_index(AN, np.zeros(4, int))
    with pytest.raises(ValueError, match="no images"):
        sel.selectivity_index(AN, np.array([0, 0, 2, 2]), n_categories=3)


def _reference_p(AN, labels, n_perm, seed, balanced=True):
    """Slow loop over the same shuffles: one selectivity_index call per permutation."""
    shuffles = np.random.default_rng(seed).permuted(
        np.broadcast_to(labels.astype(np.int16), (n_perm, len(labels))), axis=1)
    obs = sel.selectivity_index(AN, labels, balanced=balanced)
    count = np.zeros_like(obs)
    for perm in shuffles:
        count += sel.selectivity_index(AN, perm.astype(np.int64), labels.max() + 1, balanced) >= obs - 1e-12
    return (1 + count) / (1 + n_perm)


@pytest.mark.parametrize("balanced", [True, False])
def test_permutation_test_matches_loop_and_is_chunk_invariant(balanced):
    rng = np.random.default_rng(2)
    AN = sel.normalize(rng.random((23, 17)))
    labels = np.array([0] * 5 + [1] * 8 + [2] * 10)
    p_ref = _reference_p(AN, labels, 60, seed=3, balanced=balanced)
    for chunk in (7, 128):
        p = sel.permutation_test(AN, labels, n_permutations=60, seed=3, balanced=balanced, chunk=chunk)
        np.testing.assert_array_equal(p, p_ref)


def test_planted_filter_gets_smallest_possible_p():
    rng = np.random.default_rng(4)
    labels = np.repeat([0, 1, 2], 20)
    A = rng.random((60, 5))
    A[labels == 1, 0] += 5.0  # filter 0 answers category 1 only
    p = sel.permutation_test(sel.normalize(A), labels, n_permutations=999, seed=0)
    assert p[0, 1] == pytest.approx(1 / 1000)
    assert p[0, 0] > 0.5 and p[0, 2] > 0.5


def test_p_values_uniform_under_the_null():
    # Random activations, random labels: p-values should be uniform on (0, 1].
    # KS distance of 800 (discrete) p-values from U(0,1); critical value at alpha=0.001 is ~0.069.
    rng = np.random.default_rng(5)
    AN = sel.normalize(rng.random((60, 200)))
    labels = rng.permutation(np.repeat(np.arange(4), 15))
    p = sel.permutation_test(AN, labels, n_permutations=499, seed=6).ravel()
    grid = np.sort(p)
    ecdf = np.arange(1, len(grid) + 1) / len(grid)
    assert np.max(np.abs(ecdf - grid)) < 0.069
    assert abs(np.mean(p <= 0.05) - 0.05) < 0.025  # false-positive rate near nominal


def test_wilson_interval_known_values():
    lo, hi = sel.wilson_interval(np.array([0, 5]), np.array([10, 10]))
    np.testing.assert_allclose(lo, [0.0, 0.2366], atol=1e-4)
    np.testing.assert_allclose(hi, [0.2775, 0.7634], atol=1e-4)


def test_benjamini_hochberg_known_values():
    q = sel.benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.005, np.nan]))
    np.testing.assert_allclose(q[:4], [0.02, 0.04, 0.04, 0.02])
    assert np.isnan(q[4])


@pytest.fixture(scope="module")
def planted_result():
    rng = np.random.default_rng(7)
    labels = np.repeat([0, 1, 2], 15)
    A1 = rng.random((45, 8))
    A1[labels == 0, :3] += 3  # three filters selective for category 0
    A1[:, 7] = 0.0  # one silent filter
    A2 = rng.random((45, 4))
    A2[labels == 2, 0] += 3
    acts = {"early": A1, "late": A2}
    return sel.analyze(acts, labels, ["a", "b", "c"], n_permutations=499, seed=0)


def test_summary_table_counts(planted_result):
    df = sel.summary_table(planted_result, threshold=0.01).set_index(["layer", "category"])
    assert df.loc[("early", "a"), "n_selective"] == 3
    assert df.loc[("early", "a"), "n_filters"] == 8
    assert df.loc[("early", "a"), "n_silent"] == 1
    assert df.loc[("late", "c"), "n_selective"] == 1
    assert df.loc[("early", "a"), "proportion"] == pytest.approx(3 / 8)
    assert df.loc[("early", "a"), "ci_low"] < 3 / 8 < df.loc[("early", "a"), "ci_high"]
    assert list(df.reset_index()["layer"].unique()) == ["early", "late"]


def test_summary_never_grows_as_threshold_tightens(planted_result):
    for criterion, thresholds in (("p", [0.5, 0.1, 0.05, 0.01, 0.002]), ("index", [0.2, 0.33, 0.4, 0.5, 0.7])):
        counts = [sel.summary_table(planted_result, criterion, t)["n_selective"].to_numpy() for t in thresholds]
        assert all((b <= a).all() for a, b in zip(counts, counts[1:]))
    bh = sel.summary_table(planted_result, "p", 0.05, correction="bh")["n_selective"].sum()
    raw = sel.summary_table(planted_result, "p", 0.05)["n_selective"].sum()
    assert bh <= raw


def test_most_selective(planted_result):
    top = sel.most_selective(planted_result, "early", "a", k=3)
    assert set(top["filter"]) == {0, 1, 2}
    assert list(top["index"]) == sorted(top["index"], reverse=True)
    with pytest.raises(KeyError, match="Unknown category"):
        sel.most_selective(planted_result, "early", "zebra")
