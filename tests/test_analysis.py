"""Known answers for the analyses of notebooks 6 and 7 (AUC, RSA, read-out, complexity)."""

import numpy as np
import pytest

from helpers import analysis as an


def brute_auc(s, pos):
    a, b = s[pos][:, None], s[~pos][None, :]
    return ((a > b) + 0.5 * (a == b)).mean()


def test_rankdata_averages_ties_along_axis_0():
    x = np.array([[3.0, 1.0], [1.0, 1.0], [3.0, 2.0], [2.0, 1.0]])
    np.testing.assert_allclose(an.rankdata(x), [[3.5, 2.0], [1.0, 2.0], [3.5, 4.0], [2.0, 2.0]])
    np.testing.assert_allclose(an.rankdata(np.array([5.0, np.nan, 1.0]))[[0, 2]], [2.0, 1.0])
    assert np.isnan(an.rankdata(np.array([5.0, np.nan, 1.0]))[1])


def test_roc_auc_known_answers():
    pos = np.array([True, True, False, False])
    assert an.roc_auc(np.array([4.0, 3.0, 2.0, 1.0]), pos) == 1.0
    assert an.roc_auc(np.array([1.0, 2.0, 3.0, 4.0]), pos) == 0.0
    assert an.roc_auc(np.array([1.0, 1.0, 1.0, 1.0]), pos) == 0.5
    # One positive below one negative: 3 of 4 pairs ordered correctly.
    assert an.roc_auc(np.array([4.0, 2.0, 3.0, 1.0]), pos) == 0.75


def test_roc_auc_matches_pair_counting_with_ties_for_many_filters():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 6, size=(40, 9)).astype(float)
    pos = rng.random(40) < 0.3
    got = an.roc_auc(s, pos)
    assert got.shape == (9,)
    np.testing.assert_allclose(got, [brute_auc(s[:, j], pos) for j in range(9)])


def test_roc_auc_rejects_one_class():
    with pytest.raises(ValueError):
        an.roc_auc(np.arange(4.0), np.ones(4, bool))
    with pytest.raises(ValueError):
        an.roc_auc(np.arange(4.0), np.ones(3, bool))


def test_rdm_is_one_minus_correlation():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, 30))
    D = an.rdm(X)
    np.testing.assert_allclose(D, 1 - np.corrcoef(X), atol=1e-12)
    assert np.allclose(np.diag(D), 0) and np.allclose(D, D.T)
    # Scaling or shifting an item's features leaves its correlations alone.
    X2 = X.copy()
    X2[0] = 3 * X2[0] + 5
    np.testing.assert_allclose(an.rdm(X2), D, atol=1e-12)


def test_rdm_does_not_depend_on_dtype_or_chunks():
    rng = np.random.default_rng(2)
    X = rng.integers(0, 256, size=(6, 5000)).astype(np.uint8)
    reference = 1 - np.corrcoef(X.astype(np.float64))
    for chunk in (7, 1000, 8192):
        np.testing.assert_allclose(an.rdm(X, chunk=chunk), reference, atol=1e-12)
    np.testing.assert_allclose(an.rdm(X.astype(np.float32)), reference, atol=1e-12)


def test_rdm_constant_rows_are_nan_without_warnings():
    X = np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    with np.errstate(all="raise"):
        D = an.rdm(X)
    assert np.isnan(D[0, 1]) and D[0, 0] == 0
    assert D[1, 2] == pytest.approx(2.0)


def test_upper_triangle_and_spearman():
    D = np.array([[0, 1, 2], [1, 0, 3], [2, 3, 0]], float)
    np.testing.assert_array_equal(an.upper_triangle(D), [1, 2, 3])
    assert an.spearman(np.array([1.0, 2, 3, 4]), np.array([10.0, 20, 25, 100])) == pytest.approx(1.0)
    assert an.spearman(np.array([1.0, 2, 3, 4]), np.array([4.0, 3, 2, 1])) == pytest.approx(-1.0)
    # Known value: one swapped pair among five, rho = 1 - 6 * 2 / (5 * 24) = 0.9.
    assert an.spearman(np.arange(5.0), np.array([0.0, 2, 1, 3, 4])) == pytest.approx(0.9)
    assert an.compare_rdms(D, 2 * D + 1) == pytest.approx(1.0)


def test_stratified_folds_partition_and_balance():
    labels = np.repeat(np.arange(3), [10, 15, 20])
    folds = an.stratified_folds(labels, k=5, seed=3)
    tests = np.concatenate([t for _, t in folds])
    assert sorted(tests.tolist()) == list(range(len(labels)))
    for train, test in folds:
        assert not set(train) & set(test)
        np.testing.assert_array_equal(np.bincount(labels[test]), [2, 3, 4])
    again = an.stratified_folds(labels, k=5, seed=3)
    assert all((a[1] == b[1]).all() for a, b in zip(folds, again))
    with pytest.raises(ValueError):
        an.stratified_folds(labels, k=11)


def test_standardize_uses_training_statistics_only():
    train = np.array([[0.0, 5.0], [2.0, 5.0]])
    test = np.array([[4.0, 6.0]])
    tr, te = an.standardize(train, test)
    np.testing.assert_allclose(tr, [[-1, 0], [1, 0]])
    np.testing.assert_allclose(te, [[3, 1]])


def test_readout_separates_planted_categories_and_not_noise():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 20)
    X = rng.normal(size=(60, 40))
    X[:, :3] += 4 * np.eye(3)[labels]  # three informative features
    acc = an.readout_accuracy(X, labels, k=5, seed=0)
    assert acc.shape == (5,) and acc.mean() > 0.9
    noise = an.readout_accuracy(rng.normal(size=(60, 40)), labels, k=5, seed=0)
    assert noise.mean() < 0.6
    W, b = an.fit_softmax(*an.standardize(X), labels, 3)
    assert W.shape == (40, 3) and b.shape == (3,)
    assert (an.predict(an.standardize(X)[0], W, b) == labels).mean() > 0.95


def test_category_means_and_strong_counts():
    labels = np.array([0, 0, 1, 1])
    A = np.array([[10.0, 0.0, 3.0], [8.0, 1.0, 3.0], [0.0, 9.0, 3.0], [2.0, 10.0, 3.0]])
    M = an.category_means(A, labels)
    np.testing.assert_allclose(M[:2], [[0.9, 0.1], [0.05, 0.95]], atol=1e-9)
    assert np.isnan(M[2]).all()  # silent filter
    table = an.strong_filter_counts({"l1": A, "l2": A[:, :1]}, labels, ["a", "b"], level=0.85)
    got = table.set_index(["layer", "category"])["n_strong"].to_dict()
    assert got == {("l1", "a"): 1, ("l1", "b"): 1, ("l2", "a"): 1, ("l2", "b"): 0}
    depth = an.detector_depth(table)
    assert depth["a"] == pytest.approx(0.5) and depth["b"] == pytest.approx(0.0)


def test_pooled_activations_grid_one_is_the_mean_map(small_stimuli):
    import torch
    from torch import nn

    from helpers.activations import collect

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 5, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                        nn.Linear(20, 7), nn.ReLU()).eval()
    pooled = an.pooled_activations(net, small_stimuli, ["1", "5"], grid=1, batch_size=7)
    mean = collect(net, small_stimuli, layers=["1", "5"], reduction="mean", progress=False, cache=False)
    np.testing.assert_allclose(pooled["1"], mean["1"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pooled["5"], mean["5"], rtol=1e-5, atol=1e-6)
    four = an.pooled_activations(net, small_stimuli, ["1"], grid=4)
    assert four["1"].shape == (len(small_stimuli), 5 * 16)
