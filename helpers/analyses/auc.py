"""Single-filter ROC AUC: how well one filter's activation separates a category from the rest.

- :func:`rankdata`, :func:`roc_auc`: the rank-based (Mann-Whitney) area under the ROC curve;
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


def rankdata(x: np.ndarray) -> np.ndarray:
    """Ranks along axis 0, starting at 1, ties given their average rank.

    x : array (n,) or (n, ...) -> float64 array of the same shape; NaN stays NaN
    (NaNs are ranked last among themselves, then blanked).
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    order = np.argsort(x, axis=0, kind="stable")
    sx = np.take_along_axis(x, order, axis=0)
    pos = np.arange(n, dtype=np.float64).reshape((n,) + (1,) * (x.ndim - 1)) * np.ones_like(sx)
    starts = np.ones_like(sx, dtype=bool)
    ends = np.ones_like(sx, dtype=bool)
    if n > 1:
        same = sx[1:] == sx[:-1]
        starts[1:] = ~same
        ends[:-1] = ~same
    first = np.maximum.accumulate(np.where(starts, pos, 0.0), axis=0)
    last = np.flip(np.minimum.accumulate(np.flip(np.where(ends, pos, n - 1.0), 0), axis=0), 0)
    ranks = np.empty_like(sx)
    np.put_along_axis(ranks, order, (first + last) / 2.0 + 1.0, axis=0)
    ranks[np.isnan(x)] = np.nan
    return ranks


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
