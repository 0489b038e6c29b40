"""Known answers for eq. 1 and eq. 2 (helpers.stats.measure): normalisation, silent filters,
the balanced and plain shares, and the labels' checks."""

import warnings

import numpy as np
import pytest

from helpers.stats import measure
from helpers.stats.permutation import permutation_test


def test_normalize_known_answer():
    A = np.array([[0.0, 2.0], [5.0, 4.0], [10.0, 6.0]])
    AN = measure.normalize(A, eps=0.0)
    np.testing.assert_allclose(AN, [[0, 0], [0.5, 0.5], [1, 1]])
    # The paper's epsilon shrinks the top value just below one.
    assert measure.normalize(A, eps=1e-3)[2, 0] == pytest.approx(10 / (10 + 1e-3))


def test_silent_filters_are_nan_without_warnings():
    A = np.array([[0.0, 3.0, 1.0], [0.0, 3.0, 2.0], [0.0, 3.0, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AN = measure.normalize(A)
        S = measure.selectivity_index(AN, np.array([0, 1, 1]))
        p = permutation_test(AN, np.array([0, 1, 1]), n_permutations=50)
    assert np.isnan(AN[:, :2]).all() and not np.isnan(AN[:, 2]).any()
    assert np.isnan(S[:2]).all() and np.isnan(p[:2]).all()
    assert not np.isnan(S[2]).any()


def test_selectivity_index_hand_computed():
    # Two categories of two images; filter 0 fires only for category 0.
    AN = np.array([[1.0, 0.5], [0.5, 0.0], [0.0, 1.0], [0.0, 0.5]])
    labels = np.array([0, 0, 1, 1])
    S = measure.selectivity_index(AN, labels)
    np.testing.assert_allclose(S, [[1.0, 0.0], [0.25, 0.75]])


def test_unequal_classes_balanced_versus_plain():
    # Category 0 has three images, category 1 one; every image gives the same activation.
    AN = np.array([[1.0], [1.0], [1.0], [1.0]])
    labels = np.array([0, 0, 0, 1])
    np.testing.assert_allclose(measure.selectivity_index(AN, labels, balanced=False), [[0.75, 0.25]])
    # Share of class means: a filter that does not care about category sits at chance.
    np.testing.assert_allclose(measure.selectivity_index(AN, labels, balanced=True), [[0.5, 0.5]])


def test_balanced_equals_plain_for_equal_classes():
    rng = np.random.default_rng(1)
    AN = measure.normalize(rng.random((40, 30)))
    labels = np.repeat(np.arange(4), 10)
    rng.shuffle(labels)
    S1 = measure.selectivity_index(AN, labels, balanced=True)
    S2 = measure.selectivity_index(AN, labels, balanced=False)
    np.testing.assert_allclose(S1, S2, atol=1e-12)
    np.testing.assert_allclose(S1.sum(axis=1), 1.0)


def test_bad_labels_are_explained():
    AN = np.zeros((4, 2)) + np.arange(4)[:, None]
    with pytest.raises(ValueError, match="one label per image"):
        measure.selectivity_index(AN, np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="at least two"):
        measure.selectivity_index(AN, np.zeros(4, int))
    with pytest.raises(ValueError, match="no images"):
        measure.selectivity_index(AN, np.array([0, 0, 2, 2]), n_categories=3)


def test_class_means_checks_labels_and_weighs_images():
    from helpers.stats.measure import class_means

    X = np.array([[1.0, 10], [3, 20], [5, np.nan], [7, 40]])
    labels = np.array([0, 0, 1, 1])
    np.testing.assert_allclose(class_means(X[:, :1], labels), [[2.0], [6.0]])
    assert np.isnan(class_means(X, labels)[1, 1])  # a NaN column stays NaN
    np.testing.assert_allclose(class_means(X[:, :1], labels, weights=np.array([3, 1, 0, 2])), [[1.5], [7.0]])
    with pytest.raises(ValueError, match="only weight 0"):
        class_means(X, labels, weights=np.array([1, 1, 0, 0]))
    with pytest.raises(ValueError, match="labels must be integers"):
        class_means(X, labels.astype(float))
    with pytest.raises(ValueError, match="have no images"):
        class_means(X, labels, n_categories=3)
