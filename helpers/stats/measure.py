"""The paper's selectivity measure on arrays: eq. 1 and eq. 2.

Given ``A``, the maximum activation of each filter for each image (n_images,
n_filters):

eq. 1  ``AN = (A - min(A)) / (max(A) - min(A) + eps)``, per filter (column), over images
       (:func:`normalize`).

eq. 2  the share of a filter's normalised activation that falls on a category
       (:func:`selectivity_index`): ``S[f, c] = sum_{i in c} AN[i, f] / sum_i AN[i, f]``.

With unequal class sizes the plain share of sums rewards big classes, so by default
the share is taken over class *means* (``balanced=True``):
``S[f, c] = mean_{i in c} AN[i, f] / sum_c' mean_{i in c'} AN[i, f]``; the two agree
exactly when all classes have the same size. Chance level is ``1 / n_categories``.

Filters whose activation does not vary over the stimulus set ("silent" filters,
common after a ReLU, :func:`silent_filters`) have no defined share: they get NaN, are
counted separately and are never called selective. Non-finite activations are an
error, never silent (:func:`check_finite`); labels are checked by :func:`check_labels`.
How significant a share is: :mod:`helpers.stats.permutation`; how it varies with the choice
of images: :mod:`helpers.stats.bootstrap`.
"""

from __future__ import annotations

import numpy as np


def check_finite(A: np.ndarray, layer: str | None = None) -> None:
    """Raise ValueError naming ``layer`` and the filters (columns) of ``A`` holding NaN or ±inf."""
    A = np.asarray(A)
    if A.dtype.kind not in "fc" or np.isfinite(A).all():
        return
    bad = np.flatnonzero(~np.isfinite(A).all(axis=0))
    shown = ", ".join(map(str, bad[:10])) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
    where = f"Layer {layer!r}" if layer is not None else "The activations"
    raise ValueError(f"{where} has non-finite values (NaN or ±inf) in filters {shown}; "
                     "recompute the activations (a diverging model or a corrupt cache gives these).")


def silent_filters(A: np.ndarray, rtol: float = 1e-6) -> np.ndarray:
    """Boolean (n_filters,): True where a filter's activation does not vary over images
    (range <= rtol * largest magnitude, or exactly zero range)."""
    A = np.asarray(A, dtype=np.float64)
    rng = A.max(axis=0) - A.min(axis=0)
    scale = np.abs(A).max(axis=0)
    return (rng == 0) | (rng <= rtol * scale)


def normalize(A: np.ndarray, eps: float = 1e-12, rtol: float = 1e-6) -> np.ndarray:
    """Eq. 1: min-max normalise each filter (column) over images.

    Parameters
    ----------
    A : array (n_images, n_filters), maximum activation per image and filter; finite
    eps : the paper's epsilon in the denominator
    rtol : see :func:`silent_filters`

    Returns
    -------
    float64 array (n_images, n_filters) in [0, 1]; columns of silent filters are NaN.
    """
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"A must be 2-D (n_images, n_filters); got shape {A.shape}.")
    check_finite(A)
    lo, hi = A.min(axis=0), A.max(axis=0)
    silent = silent_filters(A, rtol)
    denom = np.where(silent, 1.0, hi - lo + eps)
    AN = (A - lo) / denom
    AN[:, silent] = np.nan
    return AN


def check_labels(labels, n_images: int, n_categories: int | None = None) -> tuple[np.ndarray, int, np.ndarray]:
    """Check the category labels of ``n_images`` images; return them as int64 (n_images,),
    the number of categories (default: max label + 1) and the images per category
    (n_categories,). Raises ValueError saying what is wrong: shape, type, range, fewer
    than two categories, a category without images."""
    labels = np.asarray(labels)
    if labels.shape != (n_images,):
        raise ValueError(f"labels has shape {labels.shape}; expected ({n_images},), one label per image (row).")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError("labels must be integers 0..n_categories-1 (use StimulusSet.labels).")
    n_categories = int(labels.max()) + 1 if n_categories is None else int(n_categories)
    if labels.min() < 0 or labels.max() >= n_categories:
        raise ValueError(f"labels must lie in 0..{n_categories - 1}.")
    counts = np.bincount(labels, minlength=n_categories)
    if n_categories < 2:
        raise ValueError("Selectivity compares categories: at least two are needed.")
    if (counts == 0).any():
        raise ValueError(f"Categories {np.flatnonzero(counts == 0).tolist()} have no images.")
    return labels.astype(np.int64), n_categories, counts


def class_means(X: np.ndarray, labels, n_categories: int | None = None,
                weights: np.ndarray | None = None) -> np.ndarray:
    """The mean of each column of ``X`` over each category's images: float64 (n_categories, n_columns).

    X : (n_images, n_columns); a column holding NaN (a silent filter after eq. 1) gives NaN
    labels : checked by :func:`check_labels` (every category needs an image)
    weights : optional (n_images,) non-negative counts, e.g. a bootstrap resample; a category
        whose images all weigh zero raises ValueError
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_images, n_columns); got shape {X.shape}.")
    labels, C, _ = check_labels(labels, X.shape[0], n_categories)
    w = np.ones(len(labels)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != labels.shape or (w < 0).any():
        raise ValueError(f"weights must be {labels.shape[0]} non-negative counts, one per image; got shape {w.shape}.")
    onehot = np.zeros((len(labels), C))
    onehot[np.arange(len(labels)), labels] = w
    size = onehot.sum(axis=0)
    if (size == 0).any():
        raise ValueError(f"Categories {np.flatnonzero(size == 0).tolist()} have no images (or only weight 0).")
    return (onehot.T @ X) / size[:, None]


def selectivity_index(AN: np.ndarray, labels, n_categories: int | None = None,
                      balanced: bool = True) -> np.ndarray:
    """Eq. 2: share of each filter's normalised activation per category.

    Parameters
    ----------
    AN : array (n_images, n_filters), from :func:`normalize`
    labels : int array (n_images,), category of each image
    n_categories : number of categories (default: max label + 1)
    balanced : share of class means (default; fair to unequal class sizes) or, when
        False, the plain share of sums as written in the paper

    Returns
    -------
    float64 array (n_filters, n_categories); rows sum to 1; NaN rows for silent filters.
    """
    AN = np.asarray(AN, dtype=np.float64)
    labels, C, counts = check_labels(labels, AN.shape[0], n_categories)
    silent = np.isnan(AN).any(axis=0)
    sums = np.nan_to_num(AN).T @ np.eye(C)[labels]  # (n_filters, n_categories)
    if balanced:
        sums = sums / counts
    with np.errstate(invalid="ignore", divide="ignore"):
        S = sums / sums.sum(axis=1, keepdims=True)
    S[silent] = np.nan
    return S
