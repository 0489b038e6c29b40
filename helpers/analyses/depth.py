"""Detector depth: how many filters respond strongly to each category at each depth, the
paper's suggested measure of a stimulus set's visual complexity (notebook 10).

:func:`category_means` (each filter's mean eq. 1 activation per category),
:func:`strong_filter_counts`, :func:`detector_depth`.

Shapes: activations of one layer are (n_images, n_filters); labels are int (n_images,).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.stats.measure import check_finite, class_means, normalize


# --------------------------------------------------------------------------- visual complexity


def category_means(A: np.ndarray, labels: np.ndarray, n_categories: int | None = None) -> np.ndarray:
    """Each filter's mean normalised activation (eq. 1) per category.

    A : array (n_images, n_filters) of raw activations
    Returns float64 (n_filters, n_categories) in [0, 1]; NaN rows for silent filters.
    """
    return class_means(normalize(A), labels, n_categories).T  # normalize raises on non-finite values


def strong_filter_counts(acts: Mapping[str, np.ndarray], labels: np.ndarray, categories: Sequence[str],
                         level: float) -> pd.DataFrame:
    """How many filters of each layer respond strongly to each category.

    A filter responds strongly to a category when its mean normalised activation
    (:func:`category_means`) over that category's images is at least ``level``
    (in [0, 1]): the category's images typically drive it close to the highest
    activation it reaches on the whole set. A filter may respond strongly to
    several categories; silent filters to none.

    Returns a DataFrame with columns layer, depth (0 = shallowest), category,
    n_strong, n_filters, proportion.
    """
    if not 0 <= level <= 1:
        raise ValueError(f"level is a mean normalised activation and must lie in [0, 1]; got {level!r}.")
    rows = []
    for depth, (name, A) in enumerate(acts.items()):
        check_finite(np.asarray(A), name)
        M = category_means(A, labels, len(categories))
        with np.errstate(invalid="ignore"):
            strong = np.nan_to_num(M, nan=-1.0) >= level
        for c, cat in enumerate(categories):
            n = int(strong[:, c].sum())
            rows.append({"layer": name, "depth": depth, "category": cat, "n_strong": n,
                         "n_filters": int(A.shape[1]), "proportion": n / A.shape[1]})
    return pd.DataFrame(rows)


def detector_depth(table: pd.DataFrame, weight: str = "proportion") -> pd.Series:
    """Per category, the mean depth of its detectors, weighting each layer by ``weight``.

    table : :func:`strong_filter_counts` or :func:`helpers.stats.selectivity.summary_table`
    weight : "proportion" (default): each layer counts by the share of its filters that are
        detectors, so that a layer's size does not matter (VGG16's fc1 and fc2 hold 8192 of
        its 12,416 filters and would pull every count-weighted mean towards the top); or a
        count column ("n_strong", "n_selective") for the count-weighted mean, which answers
        "where does the average detector sit?" instead.

    Lower values: the category's detectors sit in shallower layers. NaN for a category with
    no detector anywhere. Depth is the layer's position (0 = shallowest).
    """
    if weight not in table.columns or weight in ("layer", "category", "depth"):
        choices = [c for c in ("proportion", "n_strong", "n_selective") if c in table.columns]
        raise ValueError(f"Unknown weight {weight!r}; use one of {choices}.")
    w_all = table[weight].to_numpy(dtype=np.float64)
    if not np.isfinite(w_all).all() or (w_all < 0).any():
        raise ValueError(f"Column {weight!r} must hold finite non-negative numbers.")

    def centre(group):
        w = group[weight].to_numpy(dtype=np.float64)
        return float((w * group["depth"].to_numpy()).sum() / w.sum()) if w.sum() > 0 else float("nan")

    cats = list(dict.fromkeys(table["category"]))
    return pd.Series({c: centre(table[table["category"] == c]) for c in cats}, name=f"mean depth ({weight}-weighted)")
