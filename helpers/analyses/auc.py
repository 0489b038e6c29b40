"""Single-filter ROC AUC: how well one filter's activation separates a category from the rest.

- :func:`rankdata`, :func:`rank_ties`, :func:`roc_auc`: the rank-based (Mann-Whitney) area under the ROC curve;
- :func:`crossfit_selection`: pick the most selective filter on some images and score it on
  the others, so that the score is not inflated by the choice (notebook 07).

Shapes: activations of one layer are (n_images, n_filters); labels are int (n_images,) in
0..n_categories-1. Plain NumPy. Non-finite activations raise ValueError naming the filters
(:func:`helpers.stats.measure.check_finite`).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from helpers.analyses.readout import stratified_folds
from helpers.stats.measure import check_finite, normalize, selectivity_index


# --------------------------------------------------------------------------- ranks and AUC


def rank_ties(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks along axis 0 (as :func:`rankdata`) and each column's tie term, from one sort.

    x : array (n,) or (n, ...) -> (ranks, ties): ranks float64 of x's shape; ties float64
    of shape x.shape[1:], per column the sum over groups of tied values of t**3 - t (t: the
    group's size), the tie correction of rank tests (each NaN is a group of its own).
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    if x.size == 0:
        return np.empty(x.shape), np.zeros(x.shape[1:])
    X = x.reshape(n, -1)
    m = X.shape[1]
    # One column per row of the sort; tied values share their average rank, so the order
    # within a tie does not matter and the unstable (faster) sort will do.
    order = np.argsort(X.T, axis=1)
    flat = (order * m + np.arange(m)[:, None]).ravel()  # C-order positions in X, column after column
    S = X.ravel()[flat]
    start = np.empty(S.size + 1, dtype=bool)
    np.not_equal(S[1:], S[:-1], out=start[1:-1])
    start[::n] = True  # a column's first value (and the end) always starts a group
    bounds = np.flatnonzero(start)
    first, size = bounds[:-1], np.diff(bounds)
    ranks = np.empty(S.size)
    ranks[flat] = np.repeat(first % n + (size + 1) / 2.0, size)
    ranks = ranks.reshape(x.shape)
    ranks[np.isnan(x)] = np.nan
    t = size.astype(np.float64)
    ties = np.bincount(first // n, weights=t * t * t - t, minlength=m)  # t ** 3 takes the slow pow()
    return ranks, ties.reshape(x.shape[1:])


def rankdata(x: np.ndarray) -> np.ndarray:
    """Ranks along axis 0, starting at 1, ties given their average rank.

    x : array (n,) or (n, ...) -> float64 array of the same shape; NaN stays NaN
    (NaNs are ranked last among themselves, then blanked).
    """
    return rank_ties(x)[0]


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float | np.ndarray:
    """Area under the ROC curve of ``scores`` for telling ``positive`` items from the rest.

    Rank-based (Mann-Whitney): the probability that a random positive item scores
    higher than a random negative one, ties counting one half. 1 = perfect
    separation, 0.5 = chance, 0 = perfectly reversed.

    Parameters
    ----------
    scores : array (n,) or (n, n_filters), e.g. one layer's activations
    positive : bool array (n,), True for members of the category

    Returns
    -------
    float for 1-D scores, else float64 array (n_filters,). Non-finite scores raise.
    """
    s = np.asarray(scores, dtype=np.float64)
    check_finite(s.reshape(len(s), -1))
    pos = np.asarray(positive, dtype=bool)
    if pos.shape != (s.shape[0],):
        raise ValueError(f"positive has shape {pos.shape}; expected ({s.shape[0]},), one flag per row of scores.")
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0:
        raise ValueError("roc_auc needs at least one positive and one negative item.")
    r = rankdata(s)
    u = r[pos].sum(axis=0) - n1 * (n1 + 1) / 2.0
    auc = u / (n1 * n0)
    return float(auc) if s.ndim == 1 else auc


def crossfit_selection(acts: Mapping[str, np.ndarray] | np.ndarray, labels: np.ndarray, target: int,
                       k: int = 2, seed: int = 0, min_response: float = 0.5) -> pd.DataFrame:
    """Choose the filter most selective for ``target`` on some images, score it on the others.

    A filter chosen *because* it separates the category best on a set of images will
    separate it less well on new images: its score on the images that chose it is biased
    upwards (selection, or "double dipping"). Cross-fitting removes that bias: the images are
    split into ``k`` stratified folds (:func:`stratified_folds`); for each fold the filter
    is chosen on the other folds and scored on it.

    Choice: among filters that respond (maximum above 0) to at least ``min_response`` of the
    training images of ``target`` (all filters if none does), the largest share of eq. 2
    for ``target``, with eq. 1 computed on the training images alone.

    Parameters
    ----------
    acts : one layer (n_images, n_filters), or layer -> such arrays (the choice is made
        across all of them)
    labels : int (n_images,); target : the category's label

    Returns
    -------
    DataFrame, one row per fold: fold, layer, filter, train_share, train_auc (ROC AUC on the
    images that chose it: optimistic), test_auc (on the held-out fold: the honest score),
    n_train, n_test. The mean of ``test_auc`` is the cross-fitted estimate.
    """
    layers = {"layer": acts} if not isinstance(acts, Mapping) else dict(acts)
    labels = np.asarray(labels, dtype=np.int64)
    if not 0 <= target <= labels.max():
        raise ValueError(f"target must be one of the labels 0..{labels.max()}; got {target!r}.")
    if not 0 <= min_response <= 1:
        raise ValueError(f"min_response is a fraction of images in [0, 1]; got {min_response!r}.")
    for name, A in layers.items():
        check_finite(np.asarray(A), name)
    C = int(labels.max()) + 1
    rows = []
    for j, (train, test) in enumerate(stratified_folds(labels, k, seed)):
        best = None
        for name, A in layers.items():
            A = np.asarray(A, dtype=np.float64)
            S = selectivity_index(normalize(A[train]), labels[train], C)[:, target]
            responds = (A[train][labels[train] == target] > 0).mean(axis=0) >= min_response
            pool = np.where(responds & ~np.isnan(S))[0]
            if pool.size == 0:
                pool = np.flatnonzero(~np.isnan(S))
            if pool.size == 0:
                continue
            f = int(pool[np.argmax(S[pool])])
            if best is None or S[f] > best[2]:
                best = (name, f, float(S[f]))
        if best is None:
            raise ValueError("Every filter is silent on the training images: nothing to choose.")
        name, f, share = best
        score = np.asarray(layers[name], dtype=np.float64)[:, f]
        rows.append({"fold": j, "layer": name, "filter": f, "train_share": share,
                     "train_auc": roc_auc(score[train], labels[train] == target),
                     "test_auc": roc_auc(score[test], labels[test] == target),
                     "n_train": len(train), "n_test": len(test)})
    return pd.DataFrame(rows)
