"""The paper's selectivity measure, explicit and vectorised.

Given ``A``, the maximum activation of each filter for each image (n_images,
n_filters):

eq. 1  ``AN = (A - min(A)) / (max(A) - min(A) + eps)``, per filter (column), over images.

eq. 2  the share of a filter's normalised activation that falls on a category:
       ``S[f, c] = sum_{i in c} AN[i, f] / sum_i AN[i, f]``.

With unequal class sizes the plain share of sums rewards big classes, so by default
the share is taken over class *means* (``balanced=True``):
``S[f, c] = mean_{i in c} AN[i, f] / sum_c' mean_{i in c'} AN[i, f]``; the two agree
exactly when all classes have the same size. Chance level is ``1 / n_categories``.

Filters whose activation does not vary over the stimulus set ("silent" filters,
common after a ReLU) have no defined share: they get NaN, are counted separately
and are never called selective.

Significance comes from a permutation test: labels are shuffled (class sizes kept)
and the index recomputed; ``p = (1 + #{null >= observed}) / (1 + K)``.
The paper calls filters selective "with a threshold of 0.01 for selectivity index"
without saying what is thresholded. A share of 0.01 would be far below chance
(0.25 for four categories), so the course reads it as a significance level:
a filter is selective for a category when ``p <= 0.01``. An index threshold is
offered too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .labels import ModelMeta

CRITERIA = ("p", "index")


# --------------------------------------------------------------------------- eq. 1 and eq. 2


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
    A : array (n_images, n_filters), maximum activation per image and filter
    eps : the paper's epsilon in the denominator
    rtol : see :func:`silent_filters`

    Returns
    -------
    float64 array (n_images, n_filters) in [0, 1]; columns of silent filters are NaN.
    """
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"A must be 2-D (n_images, n_filters); got shape {A.shape}.")
    lo, hi = A.min(axis=0), A.max(axis=0)
    silent = silent_filters(A, rtol)
    denom = np.where(silent, 1.0, hi - lo + eps)
    AN = (A - lo) / denom
    AN[:, silent] = np.nan
    return AN


def _check_labels(labels, n_images: int, n_categories: int | None):
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


def _shares(AN0: np.ndarray, onehot: np.ndarray, counts: np.ndarray, balanced: bool) -> np.ndarray:
    """AN0 (n_images, F) with NaN -> 0; onehot (n_images, K*C) -> shares (F, K, C)."""
    C = len(counts)
    sums = (AN0.T @ onehot).reshape(AN0.shape[1], -1, C)
    if balanced:
        sums = sums / counts
    total = sums.sum(axis=2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / total


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
    labels, C, counts = _check_labels(labels, AN.shape[0], n_categories)
    silent = np.isnan(AN).any(axis=0)
    onehot = np.eye(C)[labels]
    S = _shares(np.nan_to_num(AN), onehot, counts, balanced)[:, 0, :]
    S[silent] = np.nan
    return S


def permutation_test(AN: np.ndarray, labels, n_permutations: int = 1000, seed: int = 0,
                     balanced: bool = True, n_categories: int | None = None,
                     chunk: int = 128) -> np.ndarray:
    """One-sided permutation p-values for eq. 2, per filter and category.

    Labels are shuffled ``n_permutations`` times (class sizes kept); for each filter
    and category, ``p = (1 + #{null index >= observed index}) / (1 + n_permutations)``.
    All filters and a chunk of permutations are handled by one matrix product.

    Returns
    -------
    float64 array (n_filters, n_categories) in (0, 1]; NaN for silent filters.
    """
    AN = np.asarray(AN, dtype=np.float64)
    labels, C, counts = _check_labels(labels, AN.shape[0], n_categories)
    if n_permutations < 1:
        raise ValueError("n_permutations must be at least 1.")
    silent = np.isnan(AN).any(axis=0)
    AN0 = np.nan_to_num(AN)
    eye = np.eye(C)
    observed = _shares(AN0, eye[labels], counts, balanced)  # (F, 1, C)
    # All shuffles are drawn up front (K x n_images small ints), so the p-values do
    # not depend on ``chunk``, which only bounds the memory of the matrix products.
    small = np.int16 if C < 2**15 else np.int64
    shuffles = np.random.default_rng(seed).permuted(
        np.broadcast_to(labels.astype(small), (n_permutations, len(labels))), axis=1)
    exceed = np.zeros((AN.shape[1], C), np.int64)
    for done in range(0, n_permutations, chunk):
        block = shuffles[done:done + chunk]
        k = len(block)
        onehot = eye[block].transpose(1, 0, 2).reshape(len(labels), k * C)
        null = _shares(AN0, onehot, counts, balanced)  # (F, k, C)
        # The small tolerance makes ties (a shuffle that reproduces the grouping) count as >=.
        exceed += (null >= observed - 1e-12).sum(axis=1)
    p = (1.0 + exceed) / (1.0 + n_permutations)
    p[silent] = np.nan
    return p


# --------------------------------------------------------------------------- statistics helpers


def wilson_interval(k, n, confidence: float = 0.95):
    """Wilson score interval for a binomial proportion k/n; arrays broadcast.

    Returns (low, high); NaN where n == 0.
    """
    from statistics import NormalDist

    k, n = np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        phat = k / n
        denom = 1 + z**2 / n
        centre = (phat + z**2 / (2 * n)) / denom
        half = z * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) along axis 0, ignoring NaN.

    p : array (n_tests, ...) -> array of the same shape.
    """
    p = np.asarray(p, dtype=np.float64)
    flat = p.reshape(p.shape[0], -1)
    q = np.full_like(flat, np.nan)
    for j in range(flat.shape[1]):
        ok = ~np.isnan(flat[:, j])
        m = int(ok.sum())
        if m == 0:
            continue
        pj = flat[ok, j]
        order = np.argsort(pj)
        ranked = pj[order] * m / np.arange(1, m + 1)
        ranked = np.minimum.accumulate(ranked[::-1])[::-1]
        out = np.empty(m)
        out[order] = np.minimum(ranked, 1.0)
        q[ok, j] = out
    return q.reshape(p.shape)


# --------------------------------------------------------------------------- per-layer results


@dataclass
class LayerSelectivity:
    """Selectivity of one layer's filters.

    index : (n_filters, n_categories) eq. 2 shares, NaN for silent filters
    p : (n_filters, n_categories) permutation p-values, NaN for silent filters
    silent : (n_filters,) bool
    """

    index: np.ndarray
    p: np.ndarray
    silent: np.ndarray

    @property
    def n_filters(self) -> int:
        return int(self.index.shape[0])


@dataclass
class Selectivity(ModelMeta):
    """Selectivity of every layer: ``layers[name]`` is a :class:`LayerSelectivity`."""

    layers: dict[str, LayerSelectivity]
    categories: list[str]
    n_permutations: int
    seed: int
    balanced: bool
    meta: dict = field(default_factory=dict)

    def __getitem__(self, layer: str) -> LayerSelectivity:
        return self.layers[layer]


def analyze(acts: Mapping[str, np.ndarray], labels=None, categories: Sequence[str] | None = None,
            n_permutations: int = 1000, seed: int = 0, balanced: bool = True,
            eps: float = 1e-12) -> Selectivity:
    """Eq. 1, eq. 2 and the permutation test for every layer.

    Parameters
    ----------
    acts : layer -> array (n_images, n_filters), e.g. :func:`helpers.activations.collect`'s
        result (whose labels, categories and metadata are used when not given)
    """
    labels = getattr(acts, "labels", None) if labels is None else labels
    categories = getattr(acts, "categories", None) if categories is None else categories
    if labels is None or categories is None:
        raise ValueError("Pass labels and categories (or an Activations object that carries them).")
    layers = {}
    for name, A in acts.items():
        AN = normalize(A, eps=eps)
        layers[name] = LayerSelectivity(
            index=selectivity_index(AN, labels, len(categories), balanced),
            p=permutation_test(AN, labels, n_permutations, seed, balanced, len(categories)),
            silent=np.isnan(AN).any(axis=0),
        )
    meta = dict(getattr(acts, "meta", {}) or {})
    return Selectivity(layers, list(categories), n_permutations, seed, balanced, meta)


def selective(layer: LayerSelectivity, criterion: str = "p", threshold: float = 0.01,
              correction: str | None = None) -> np.ndarray:
    """Boolean (n_filters, n_categories): which filters count as selective for which category.

    criterion "p": p-value (BH-adjusted with ``correction="bh"``) <= threshold;
    criterion "index": eq. 2 share >= threshold. Silent filters are never selective.
    """
    if criterion == "p":
        p = layer.p
        if correction == "bh":
            p = benjamini_hochberg(p)
        elif correction not in (None, "none"):
            raise ValueError(f"Unknown correction {correction!r}; use None or 'bh'.")
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(p, nan=np.inf) <= threshold
    if criterion == "index":
        return np.nan_to_num(layer.index, nan=-np.inf) >= threshold
    raise ValueError(f"Unknown criterion {criterion!r}; use one of {CRITERIA}.")


def summary_table(result: Selectivity, criterion: str = "p", threshold: float = 0.01,
                  correction: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Per layer and category: selective filters, all filters, proportion with a
    Wilson confidence interval, and silent filters.

    Columns: layer, depth (0 = shallowest), category, n_selective, n_filters,
    proportion, ci_low, ci_high, n_silent, criterion, threshold, correction, model.
    The proportion's denominator is all filters of the layer, silent ones included.
    """
    rows = []
    for depth, (name, layer) in enumerate(result.layers.items()):
        mask = selective(layer, criterion, threshold, correction)
        n = layer.n_filters
        k = mask.sum(axis=0)
        lo, hi = wilson_interval(k, n, confidence)
        for c, cat in enumerate(result.categories):
            rows.append({"layer": name, "depth": depth, "category": cat, "n_selective": int(k[c]),
                         "n_filters": n, "proportion": k[c] / n, "ci_low": lo[c], "ci_high": hi[c],
                         "n_silent": int(layer.silent.sum())})
    df = pd.DataFrame(rows)
    df["criterion"], df["threshold"] = criterion, threshold
    df["correction"] = correction or "none"
    df["model"] = result.model_label
    return df


def most_selective(result: Selectivity, layer: str, category: str, k: int = 5,
                   by: str = "index") -> pd.DataFrame:
    """The ``k`` filters of ``layer`` most selective for ``category``.

    Ranked by eq. 2 share (``by="index"``, ties broken by p) or by p-value
    (``by="p"``, ties broken by share). Silent filters are left out.
    Columns: filter, index, p, rank.
    """
    if category not in result.categories:
        raise KeyError(f"Unknown category {category!r}; choose from {result.categories}.")
    if layer not in result.layers:
        raise KeyError(f"Unknown layer {layer!r}; choose from {list(result.layers)}.")
    L = result.layers[layer]
    c = result.categories.index(category)
    ok = np.flatnonzero(~L.silent)
    idx, p = L.index[ok, c], L.p[ok, c]
    order = np.lexsort((p, -idx)) if by == "index" else np.lexsort((-idx, p))
    top = ok[order[:k]]
    return pd.DataFrame({"filter": top, "index": L.index[top, c], "p": L.p[top, c],
                         "rank": np.arange(1, len(top) + 1)})
