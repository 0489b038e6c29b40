"""Does a category's selectivity emerge with training? Proportions per layer, side by side.

The paper's question for faces: a network trained without a face class, does it have
face-selective filters, and in which layers? Training is not the only way to get
"selective" filters: an untrained network already separates stimulus sets that differ in
low-level statistics (luminance, contrast, spectrum). So the answer is a comparison:

- :func:`emergence_table`: one tidy table of selectivity results (network x stimuli):
  per layer and category, the proportion of selective filters with its bootstrap
  interval (:func:`helpers.stats.selectivity.summary_table`);
- :func:`training_contrast`: trained minus untrained, per layer and category, with a
  paired bootstrap interval: both networks saw the same images, and
  :func:`helpers.stats.selectivity.analyze` with the same seed resamples them the same way,
  so replicate ``b`` of one network and replicate ``b`` of the other are the same
  resample of the images (:func:`helpers.stats.bootstrap.bootstrap_weights`);
- :func:`live_units`, :func:`live_proportions`: an untrained network has many units that
  never respond (ReLU keeps them at 0 for every image). A proportion over all units then
  mixes "not selective" with "dead"; the same count over the live units (responding to at
  least one image) says which of the two a low proportion means.

NumPy and pandas only; the results come from :func:`helpers.stats.selectivity.analyze`.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.stats.bootstrap import bootstrap_proportions
from helpers.stats.rules import check_rule
from helpers.stats.selectivity import Selectivity, selective, summary_table

#: The selectivity rule of these comparisons: permutation p-values, Benjamini–Hochberg at
#: 5 % over each layer's filters (a level :func:`helpers.stats.selectivity.analyze` resolves).
RULE = ("p", 0.05, "bh")


def live_units(A: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """Bool (n_units,): the units that respond above ``threshold`` to at least one image.

    A : (n_images, n_units) responses (e.g. each filter's maximum over its map, after ReLU,
    so that a dead unit is 0 on every image).
    """
    A = np.asarray(A)
    if A.ndim != 2:
        raise ValueError(f"A must be 2-D (n_images, n_units); got shape {A.shape}.")
    if len(A) == 0:
        raise ValueError("No images: a unit is live when it responds to at least one image.")
    return (A > threshold).any(axis=0)


def live_proportions(selected: np.ndarray, live: np.ndarray) -> dict:
    """The share of selected units over all units and over the live ones.

    selected : bool (n_units,) or (n_units, n_categories); live : bool (n_units,)
    (:func:`live_units`). A selected unit that is not live raises (a rule must never pick
    a unit that responds to nothing).

    Returns a dict of n_selected, n_units, n_live, proportion (n_selected / n_units) and
    proportion_live (n_selected / n_live; NaN without live units), each per category
    (arrays) when ``selected`` is 2-D.
    """
    S = np.asarray(selected, dtype=bool)
    live = np.asarray(live, dtype=bool)
    if S.shape[0] != live.shape[0] or live.ndim != 1:
        raise ValueError(f"selected {S.shape} and live {live.shape} must both start with n_units.")
    dead_picked = S[~live].any(axis=0)
    if np.any(dead_picked):
        raise ValueError("Some selected units respond to no image; select among live units only.")
    n = S.sum(axis=0)
    n_live = int(live.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        over_live = n / n_live if n_live else np.full(np.shape(n), np.nan)
    return {"n_selected": n, "n_units": S.shape[0], "n_live": n_live, "proportion": n / S.shape[0],
            "proportion_live": over_live}


def emergence_table(results: Mapping[tuple[str, str], Selectivity], categories: Sequence[str] | None = None,
                    criterion: str = RULE[0], threshold: float = RULE[1], correction: str | None = RULE[2],
                    confidence: float = 0.95) -> pd.DataFrame:
    """Proportion of selective filters per network, stimuli, layer and category.

    results : (network name, stimuli name) -> :class:`Selectivity`, e.g.
        ``{("trained", "drawn"): ..., ("untrained", "drawn"): ..., ("trained", "equalised"): ...}``
    categories : categories to keep (default: all of each result's)

    Returns a DataFrame with columns network, stimuli, layer, depth, category,
    n_selective, n_filters, proportion, ci_low, ci_high (bootstrap interval over images,
    ``confidence``), model (the network's label).
    """
    rule = check_rule(criterion, threshold, correction)  # once, for every result below
    frames = []
    for (network, stimuli), result in results.items():
        t = summary_table(result, rule, confidence=confidence)
        if categories is not None:
            missing = [c for c in categories if c not in result.categories]
            if missing:
                raise ValueError(f"Result ({network}, {stimuli}) has no categories {missing}; "
                                 f"it has {result.categories}.")
            t = t[t["category"].isin(list(categories))]
        t = t[["layer", "depth", "category", "n_selective", "n_filters", "proportion", "ci_low", "ci_high",
               "model"]].copy()
        t.insert(0, "stimuli", stimuli)
        t.insert(0, "network", network)
        frames.append(t)
    if not frames:
        raise ValueError("No results given: pass {(network, stimuli): Selectivity, ...}.")
    return pd.concat(frames, ignore_index=True)


def _check_paired(trained: Selectivity, control: Selectivity) -> None:
    """Refuse a paired contrast of results whose bootstrap resamples are not the same."""
    if list(trained.layers) != list(control.layers) or trained.categories != control.categories:
        raise ValueError("The two results must have the same layers and categories; analyse both networks' "
                         "activations on the same stimulus set and layers.")
    if trained.n_boot == 0 or control.n_boot == 0:
        raise ValueError("Both results need bootstrap resamples: rerun analyze(..., n_boot=200).")
    if (trained.seed, trained.n_boot) != (control.seed, control.n_boot):
        raise ValueError(f"The bootstrap resamples differ (seed {trained.seed} vs {control.seed}, n_boot "
                         f"{trained.n_boot} vs {control.n_boot}); analyse both with the same seed and n_boot.")
    a = (trained.meta.get("key") or {}).get("stimuli")
    b = (control.meta.get("key") or {}).get("stimuli")
    if a is not None and b is not None and a != b:
        raise ValueError("The two results come from different stimulus sets; a paired contrast needs the same "
                         "images for both networks.")


def centred_interval(estimate: np.ndarray, replicates: np.ndarray, confidence: float = 0.95,
                    bounds: tuple[float, float] = (-1.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap interval centred on ``estimate`` (as :func:`helpers.stats.bootstrap.bootstrap_interval`),
    for quantities that may be negative, e.g. differences of proportions.

    estimate : (n,); replicates : (n_boot, n). Returns (low, high), each (n,), clipped to ``bounds``.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1); got {confidence!r}.")
    tail = 100 * (1 - confidence) / 2
    lo_q, mid, hi_q = np.percentile(np.asarray(replicates, dtype=np.float64), [tail, 50, 100 - tail], axis=0)
    return np.clip(estimate + lo_q - mid, *bounds), np.clip(estimate + hi_q - mid, *bounds)


def training_contrast(trained: Selectivity, control: Selectivity, categories: Sequence[str] | None = None,
                      criterion: str = RULE[0], threshold: float = RULE[1], correction: str | None = RULE[2],
                      confidence: float = 0.95) -> pd.DataFrame:
    """Trained minus untrained proportion of selective filters, per layer and category.

    Both results must come from the same stimulus set, analysed with the same seed and
    ``n_boot`` (checked), so that their bootstrap resamples pair up.

    Returns a DataFrame with columns layer, depth, category, trained, control,
    difference, ci_low, ci_high (paired bootstrap interval, centred on the difference),
    excludes_zero (the interval lies wholly above or below 0).
    """
    rule = check_rule(criterion, threshold, correction)  # once, for every layer below
    _check_paired(trained, control)
    cats = list(trained.categories if categories is None else categories)
    idx = [trained.categories.index(c) for c in cats]
    rows = []
    for depth, name in enumerate(trained.layers):
        lt, lc = trained.layers[name], control.layers[name]
        pt = selective(lt, rule).mean(axis=0)[idx]
        pc = selective(lc, rule).mean(axis=0)[idx]
        rt = bootstrap_proportions(lt, rule, base_permutations=trained.n_permutations)[:, idx]
        rc = bootstrap_proportions(lc, rule, base_permutations=control.n_permutations)[:, idx]
        lo, hi = centred_interval(pt - pc, rt - rc, confidence)
        for j, cat in enumerate(cats):
            rows.append({"layer": name, "depth": depth, "category": cat, "trained": pt[j], "control": pc[j],
                         "difference": pt[j] - pc[j], "ci_low": lo[j], "ci_high": hi[j],
                         "excludes_zero": bool(lo[j] > 0 or hi[j] < 0)})
    return pd.DataFrame(rows)
