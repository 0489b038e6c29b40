"""Known answers for the analyses of notebooks 6 and 7 (AUC, RSA, read-out, complexity)."""

import numpy as np
import pytest

from helpers.analyses import auc, depth, readout, rsa


def brute_auc(s, pos):
    a, b = s[pos][:, None], s[~pos][None, :]
    return ((a > b) + 0.5 * (a == b)).mean()


def test_rankdata_averages_ties_along_axis_0():
    x = np.array([[3.0, 1.0], [1.0, 1.0], [3.0, 2.0], [2.0, 1.0]])
    np.testing.assert_allclose(auc.rankdata(x), [[3.5, 2.0], [1.0, 2.0], [3.5, 4.0], [2.0, 2.0]])
    np.testing.assert_allclose(auc.rankdata(np.array([5.0, np.nan, 1.0]))[[0, 2]], [2.0, 1.0])
    assert np.isnan(auc.rankdata(np.array([5.0, np.nan, 1.0]))[1])


def test_rank_ties_ranks_and_tie_terms_from_one_sort():
    x = np.array([[3.0, 1.0], [1.0, 1.0], [3.0, 2.0], [2.0, 1.0]])
    ranks, ties = auc.rank_ties(x)
    assert ranks.tolist() == [[3.5, 2.0], [1.0, 2.0], [3.5, 4.0], [2.0, 2.0]]
    assert ties.tolist() == [6.0, 24.0]  # a pair (2**3 - 2), a triple (3**3 - 3)
    # 3-D: columns are everything after axis 0; each NaN is a group of its own, ranked last, then blanked
    ranks, ties = auc.rank_ties(np.array([[[1.0, np.nan]], [[1.0, np.nan]], [[0.0, 5.0]]]))
    assert ranks[:, 0, 0].tolist() == [2.5, 2.5, 1.0] and ranks[2, 0, 1] == 1.0 and np.isnan(ranks[:2, 0, 1]).all()
    assert ties.shape == (1, 2) and ties.tolist() == [[6.0, 0.0]]
    assert auc.rank_ties(np.array([2.0, 2.0, 2.0]))[1] == 24.0


def test_roc_auc_known_answers():
    pos = np.array([True, True, False, False])
    assert auc.roc_auc(np.array([4.0, 3.0, 2.0, 1.0]), pos) == 1.0
    assert auc.roc_auc(np.array([1.0, 2.0, 3.0, 4.0]), pos) == 0.0
    assert auc.roc_auc(np.array([1.0, 1.0, 1.0, 1.0]), pos) == 0.5
    # One positive below one negative: 3 of 4 pairs ordered correctly.
    assert auc.roc_auc(np.array([4.0, 2.0, 3.0, 1.0]), pos) == 0.75


def test_roc_auc_matches_pair_counting_with_ties_for_many_filters():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 6, size=(40, 9)).astype(float)
    pos = rng.random(40) < 0.3
    got = auc.roc_auc(s, pos)
    assert got.shape == (9,)
    np.testing.assert_allclose(got, [brute_auc(s[:, j], pos) for j in range(9)])


def test_roc_auc_rejects_one_class():
    with pytest.raises(ValueError):
        auc.roc_auc(np.arange(4.0), np.ones(4, bool))
    with pytest.raises(ValueError):
        auc.roc_auc(np.arange(4.0), np.ones(3, bool))


def test_rdm_is_one_minus_correlation():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, 30))
    D = rsa.rdm(X)
    np.testing.assert_allclose(D, 1 - np.corrcoef(X), atol=1e-12)
    assert np.allclose(np.diag(D), 0) and np.allclose(D, D.T)
    # Scaling or shifting an item's features leaves its correlations alone.
    X2 = X.copy()
    X2[0] = 3 * X2[0] + 5
    np.testing.assert_allclose(rsa.rdm(X2), D, atol=1e-12)


def test_rdm_does_not_depend_on_dtype_or_chunks():
    rng = np.random.default_rng(2)
    X = rng.integers(0, 256, size=(6, 5000)).astype(np.uint8)
    reference = 1 - np.corrcoef(X.astype(np.float64))
    for chunk in (7, 1000, 8192):
        np.testing.assert_allclose(rsa.rdm(X, chunk=chunk), reference, atol=1e-12)
    np.testing.assert_allclose(rsa.rdm(X.astype(np.float32)), reference, atol=1e-12)


def test_rdm_constant_rows_are_nan_without_warnings():
    X = np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    with np.errstate(all="raise"):
        D = rsa.rdm(X)
    assert np.isnan(D[0, 1]) and D[0, 0] == 0
    assert D[1, 2] == pytest.approx(2.0)


def test_upper_triangle_and_spearman():
    D = np.array([[0, 1, 2], [1, 0, 3], [2, 3, 0]], float)
    np.testing.assert_array_equal(rsa.upper_triangle(D), [1, 2, 3])
    assert rsa.spearman(np.array([1.0, 2, 3, 4]), np.array([10.0, 20, 25, 100])) == pytest.approx(1.0)
    assert rsa.spearman(np.array([1.0, 2, 3, 4]), np.array([4.0, 3, 2, 1])) == pytest.approx(-1.0)
    # Known value: one swapped pair among five, rho = 1 - 6 * 2 / (5 * 24) = 0.9.
    assert rsa.spearman(np.arange(5.0), np.array([0.0, 2, 1, 3, 4])) == pytest.approx(0.9)
    assert rsa.compare_rdms(D, 2 * D + 1) == pytest.approx(1.0)


def test_stratified_folds_partition_and_balance():
    labels = np.repeat(np.arange(3), [10, 15, 20])
    folds = readout.stratified_folds(labels, k=5, seed=3)
    tests = np.concatenate([t for _, t in folds])
    assert sorted(tests.tolist()) == list(range(len(labels)))
    for train, test in folds:
        assert not set(train) & set(test)
        np.testing.assert_array_equal(np.bincount(labels[test]), [2, 3, 4])
    again = readout.stratified_folds(labels, k=5, seed=3)
    assert all((a[1] == b[1]).all() for a, b in zip(folds, again))
    with pytest.raises(ValueError):
        readout.stratified_folds(labels, k=11)


def test_standardize_uses_training_statistics_only():
    train = np.array([[0.0, 5.0], [2.0, 5.0]])
    test = np.array([[4.0, 6.0]])
    tr, te = readout.standardize(train, test)
    np.testing.assert_allclose(tr, [[-1, 0], [1, 0]])
    np.testing.assert_allclose(te, [[3, 1]])


def test_readout_separates_planted_categories_and_not_noise():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 20)
    X = rng.normal(size=(60, 40))
    X[:, :3] += 4 * np.eye(3)[labels]  # three informative features
    acc = readout.readout_accuracy(X, labels, k=5, seed=0)
    assert acc.shape == (5,) and acc.mean() > 0.9
    noise = readout.readout_accuracy(rng.normal(size=(60, 40)), labels, k=5, seed=0)
    assert noise.mean() < 0.6
    W, b = readout.fit_softmax(*readout.standardize(X), labels, 3)
    assert W.shape == (40, 3) and b.shape == (3,)
    assert (readout.predict(readout.standardize(X)[0], W, b) == labels).mean() > 0.95


def test_category_means_and_strong_counts():
    labels = np.array([0, 0, 1, 1])
    A = np.array([[10.0, 0.0, 3.0], [8.0, 1.0, 3.0], [0.0, 9.0, 3.0], [2.0, 10.0, 3.0]])
    M = depth.category_means(A, labels)
    np.testing.assert_allclose(M[:2], [[0.9, 0.1], [0.05, 0.95]], atol=1e-9)
    assert np.isnan(M[2]).all()  # silent filter
    table = depth.strong_filter_counts({"l1": A, "l2": A[:, :1]}, labels, ["a", "b"], level=0.85)
    got = table.set_index(["layer", "category"])["n_strong"].to_dict()
    assert got == {("l1", "a"): 1, ("l1", "b"): 1, ("l2", "a"): 1, ("l2", "b"): 0}
    # Weighted by proportion (default): l1 has 1 of 3 filters strong for a, l2 1 of 1:
    # (0 * 1/3 + 1 * 1) / (1/3 + 1) = 0.75. Weighted by count: (0 * 1 + 1 * 1) / 2 = 0.5.
    dd = depth.detector_depth(table)
    assert dd["a"] == pytest.approx(0.75) and dd["b"] == pytest.approx(0.0)
    assert depth.detector_depth(table, weight="n_strong")["a"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="Unknown weight 'count'.*proportion"):
        depth.detector_depth(table, weight="count")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        depth.strong_filter_counts({"l1": A}, labels, ["a", "b"], level=1.5)


def test_pooled_activations_grid_one_is_the_mean_map(small_stimuli):
    import torch
    from torch import nn

    from helpers.cnn.activations import collect

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 5, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                        nn.Linear(20, 7), nn.ReLU()).eval()
    pooled = rsa.pooled_activations(net, small_stimuli, ["1", "5"], grid=1, batch_size=7)
    mean = collect(net, small_stimuli, layers=["1", "5"], reduction="mean", progress=False, cache=False)
    np.testing.assert_allclose(pooled["1"], mean["1"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pooled["5"], mean["5"], rtol=1e-5, atol=1e-6)
    four = rsa.pooled_activations(net, small_stimuli, ["1"], grid=4)
    assert four["1"].shape == (len(small_stimuli), 5 * 16)


def test_non_finite_input_is_refused_with_names():
    A = np.random.default_rng(0).random((8, 5))
    A[2, 3] = np.nan
    labels = np.repeat([0, 1], 4)
    with pytest.raises(ValueError, match="filters 3"):
        auc.roc_auc(A, labels == 0)
    with pytest.raises(ValueError, match="filters 3"):
        rsa.rdm(A)
    with pytest.raises(ValueError, match=r"Layer 'conv2'.*filters 3"):
        depth.strong_filter_counts({"conv2": A}, labels, ["a", "b"], level=0.5)
    with pytest.raises(ValueError, match="whole number"):
        readout.stratified_folds(labels, k=2.5)


def test_crossfit_removes_the_optimism_of_choosing_on_the_same_images():
    rng = np.random.default_rng(2)
    labels = np.repeat(np.arange(3), 20)
    noise = rng.random((60, 300))  # no filter prefers anything
    cf = auc.crossfit_selection(noise, labels, target=0, k=5, seed=0, min_response=0.0)
    assert list(cf.columns[:3]) == ["fold", "layer", "filter"] and len(cf) == 5
    # The most selective of 300 noise filters looks good on the images that chose it ...
    assert cf["train_auc"].mean() > 0.65 and cf["train_auc"].mean() - cf["test_auc"].mean() > 0.15
    assert abs(cf["test_auc"].mean() - 0.5) < 0.12  # ... and is at chance on images it has not seen
    planted = noise.copy()
    planted[:, 17] += 2.0 * (labels == 0)
    cf = auc.crossfit_selection({"a": noise, "b": planted}, labels, target=0, k=5, seed=0)
    assert (cf["layer"] == "b").all() and (cf["filter"] == 17).all() and (cf["test_auc"] > 0.95).all()
    with pytest.raises(ValueError, match="target"):
        auc.crossfit_selection(noise, labels, target=7)


def test_rsa_permutation_test_known_answers():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 40))
    D = rsa.rdm(X)
    rho, p = rsa.rsa_permutation_test(D, 3 * D + 1, n_permutations=199, seed=0)
    assert rho == pytest.approx(1.0) and p == pytest.approx(1 / 200)  # no relabelling does better
    rho, p = rsa.rsa_permutation_test(D, rsa.rdm(rng.normal(size=(12, 40))), n_permutations=199, seed=0)
    assert abs(rho) < 0.3 and p > 0.05
    # Items without variance (NaN rows) are left out, and rho is compare_rdms on the rest.
    X2 = np.vstack([X, np.ones((1, 40))])
    D2 = rsa.rdm(X2)
    E = rsa.rdm(np.vstack([rng.normal(size=(12, 40)), rng.normal(size=(1, 40))]))
    rho, _ = rsa.rsa_permutation_test(D2, E, n_permutations=9)
    assert rho == pytest.approx(rsa.compare_rdms(D2[:12, :12], E[:12, :12]))


def test_rsa_permutation_test_of_several_references_equals_separate_calls():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(14, 30))
    D2 = rsa.rdm(X + rng.normal(size=(14, 30)))
    labels = np.repeat([0, 1], 7)
    category = (labels[:, None] != labels[None, :]).astype(float)
    with_nan = rsa.rdm(np.vstack([X[:13], np.ones((1, 30))]))  # item 13 has no variance: 13 items kept
    refs = [rsa.rdm(X), category, with_nan, 2 * category]
    got = rsa.rsa_permutation_test(np.stack(refs), D2, n_permutations=99, seed=2)
    assert got == [rsa.rsa_permutation_test(D, D2, n_permutations=99, seed=2) for D in refs]
    assert got[0][0] == pytest.approx(rsa.compare_rdms(refs[0], D2)) and got[3] == got[1]  # ranks ignore scale
    assert rsa.rsa_permutation_test([D2], D2, n_permutations=99) == [(pytest.approx(1.0), 1 / 100)]
    with pytest.raises(ValueError, match="square"):
        rsa.rsa_permutation_test(np.stack(refs)[:, :5], D2)


def test_split_half_reliability_and_noise_ceiling():
    rng = np.random.default_rng(4)
    signal = rng.normal(size=(15, 3))
    stable = signal @ rng.normal(size=(3, 400)) + 0.05 * rng.normal(size=(15, 400))
    assert rsa.split_half_reliability(stable, n_splits=5) > 0.95  # any half shows the same geometry
    assert abs(rsa.split_half_reliability(rng.normal(size=(15, 400)), n_splits=5)) < 0.35  # pure noise
    assert rsa.noise_ceiling(0.81, 1.0) == pytest.approx(0.9)
    assert rsa.noise_ceiling(0.64, 0.25) == pytest.approx(0.4)
    with pytest.raises(ValueError, match="Reliabilities"):
        rsa.noise_ceiling(-0.2)
