"""The essay's experiment: do "breed-selective" units prefer other breeds, or cars and cups?

The essay argues that cross-entropy treats every pair of classes as equally far apart,
so a unit tuned to one dog breed need not respond more to the other breeds than to
cars or cups. On a network whose training is known (the model organism) this is a
measurement:

1. **Select** (:func:`select_breed_units`), on one half of the held-out images: a unit
   is selective for breed ``b`` when its responses to ``b`` rank above those to the
   other classes (one-sided Mann–Whitney test of ``b`` against all other classes,
   tie-corrected normal approximation; Benjamini–Hochberg over the layer's units and
   breeds). Each selected unit gets the breed it separates best (largest ROC AUC).
2. **Measure** (:func:`breed_responses`), on the *other* half: each unit's eq. 1-normalised
   response (min-max over the measuring images), averaged per class, then over the
   other breeds and over the comparison classes (cars and cups); ``difference`` =
   comparison minus other breeds. Selecting and measuring on the same images would bias
   the answer (the units chosen for a large own-breed response on those very images);
   cross-fitting (:func:`essay_experiment`: both halves take both roles, as
   :func:`helpers.analyses.auc.crossfit_selection`) removes that.
3. **Summarise** (:func:`summarize_units`): per layer, the units, the fraction whose
   response to cars and cups exceeds that to other breeds, the median difference, an
   exact sign test across units, and bootstrap intervals over images (images resampled
   within class; units are not independent draws, images are).

Shapes: activations (n_images, n_units); labels int (n_images,) indexing ``classes``.
NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb, erfc, sqrt
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.analyses.auc import rank_ties
from helpers.analyses.readout import stratified_folds
from helpers.stats.bootstrap import bootstrap_weights
from helpers.analyses.geometry import class_centroids
from helpers.stats.measure import check_finite, normalize
from helpers.stats.rules import benjamini_hochberg

#: The essay's comparison objects.
COMPARE = ("car", "cup")
#: What a breed-selective unit must beat (see :func:`select_breed_units`): from the most
#: lenient rule to the strictest.
AGAINST = ("rest", "top", "each")


def _ndtr(z: np.ndarray) -> np.ndarray:
    """Standard normal upper tail P(Z >= z), float64 of z's shape.

    math.erfc mapped over the values: NumPy has no erfc and SciPy is not a dependency; torch's
    vectorised erfc differs from the C library's in the last bit for about a fifth of the values,
    which could move a p-value across a Benjamini–Hochberg cut-off."""
    z = np.asarray(z, dtype=np.float64)
    w = (z / sqrt(2.0)).ravel().tolist()
    return 0.5 * np.fromiter(map(erfc, w), dtype=np.float64, count=len(w)).reshape(z.shape)


def tie_sums(A: np.ndarray) -> np.ndarray:
    """Per column of A (n, m), the sum over groups of tied values of t**3 - t (t: the group's
    size), the term of the tie correction of rank tests: float64 (m,)."""
    return rank_ties(np.asarray(A, dtype=np.float64))[1]


def mann_whitney_greater(A: np.ndarray, positive: np.ndarray,
                         ranked: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One-sided Mann–Whitney test that ``positive`` items score higher, per column.

    A : (n, n_units); positive : bool (n,)
    ranked : optional (ranks of A along axis 0, :func:`tie_sums` of A), i.e.
        :func:`helpers.analyses.auc.rank_ties` of A, computed once when several groups of the
        same images are tested (ranking is most of the cost)
    Returns (auc, p), each float64 (n_units,): the ROC AUC (ties count one half) and the
    p-value of the normal approximation with the tie correction of the variance and a
    continuity correction. Columns without variance get AUC 0.5 and p 1.
    """
    A = np.asarray(A, dtype=np.float64)
    pos = np.asarray(positive, dtype=bool)
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0:
        raise ValueError("The test needs at least one image in each group.")
    R, ties = rank_ties(A) if ranked is None else ranked
    U = R[pos].sum(axis=0) - n1 * (n1 + 1) / 2.0
    return U / (n1 * n0), mann_whitney_p(U, ties, n1, n0)


def mann_whitney_p(U: np.ndarray, ties: np.ndarray, n1: int, n0: int) -> np.ndarray:
    """The p-value of :func:`mann_whitney_greater` from the test's statistic.

    U : float64 (n_units,), the Mann–Whitney U of the ``n1`` positive items against the ``n0``
    others (pairs ordered the positive way, ties counting one half); ties : float64 (n_units,),
    :func:`tie_sums` of all n1 + n0 items. Returns float64 (n_units,): the normal approximation
    with the tie correction of the variance and a continuity correction; 1 without variance.
    """
    N = n1 + n0
    var = n1 * n0 / 12.0 * ((N + 1) - ties / (N * (N - 1)))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (U - n1 * n0 / 2.0 - 0.5) / np.sqrt(var)
    return np.where(var > 0, _ndtr(np.where(var > 0, z, 0.0)), 1.0)


def sign_test(x: np.ndarray) -> float:
    """Exact two-sided sign test that positive and negative values are equally likely.

    x : (n,) differences; zeros are dropped. Returns p = min(1, 2 * P(X <= min(k, n - k)))
    for X ~ Binomial(n, 1/2), k the number of positives; 1.0 when nothing is left.
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x) & (x != 0)]
    n = len(x)
    if n == 0:
        return 1.0
    k = int(min((x > 0).sum(), (x < 0).sum()))
    return float(min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2 ** n))


def select_breed_units(A: np.ndarray, labels: np.ndarray, classes: Sequence[str], breeds: Sequence[str],
                       q: float = 0.05, against: str = "rest") -> pd.DataFrame:
    """Units selective for one breed, on these images.

    A : (n, n_units) activations of one layer; labels : (n,) indexing ``classes``;
    breeds : the names in ``classes`` that are breeds; q : Benjamini–Hochberg level over
    the layer's (unit, breed) tests (silent units are never selected).
    against : "rest": the breed's images against all other classes pooled (a unit that
        prefers every dog to every object passes for each breed); "each": against every
        other class on its own, other breeds included (the unit's p-value for a breed is
        the largest of its one-against-one p-values, an intersection-union test: a unit
        passes only if it prefers the breed to each other class); "top": the unit's largest
        mean response over these images is to a breed (that breed; no test: the unit's own
        ranking of the classes, as "the unit's preferred class" is read in the literature).
        "rest" is lenient: a unit that prefers all dogs to all objects passes it, so in a
        layer whose units prefer animals it selects most units.

    Returns one row per selected unit: unit, breed (the one with the largest AUC among
    those that pass), auc (against the rest), p (that breed's p-value).
    """
    if against not in AGAINST:
        raise ValueError(f"against must be one of {AGAINST}; got {against!r}.")
    if not 0 < q <= 1:
        raise ValueError(f"q is a false discovery rate in (0, 1]; got {q!r}.")
    A = np.asarray(A, dtype=np.float64)
    check_finite(A)
    labels = np.asarray(labels, dtype=np.int64)
    classes = list(classes)
    codes = [classes.index(b) for b in breeds]
    auc = np.empty((A.shape[1], len(codes)))
    p = np.empty_like(auc)
    live = A.max(axis=0) > A.min(axis=0)
    ranked = rank_ties(A)
    for j, k in enumerate(codes):
        auc[:, j], p[:, j] = mann_whitney_greater(A, labels == k, ranked)
    if against == "top":
        top = class_centroids(A, labels, len(classes)).argmax(axis=0)
        rows = []
        for u in np.flatnonzero(live & np.isin(top, codes)):
            j = codes.index(int(top[u]))
            rows.append({"unit": int(u), "breed": breeds[j], "auc": float(auc[u, j]), "p": float(p[u, j])})
        return pd.DataFrame(rows, columns=["unit", "breed", "auc", "p"])
    if against == "each":
        for j, k in enumerate(codes):
            # A unit whose p-value exceeds q can never pass Benjamini-Hochberg (its largest cut-off
            # is q), whatever its exact value: test the remaining pairs only on units still in play.
            active = p[:, j] <= q
            for other in range(len(classes)):
                if other == k or not (labels == other).any() or not active.any():
                    continue
                pair = (labels == k) | (labels == other)
                cols = np.flatnonzero(active)
                p[cols, j] = np.maximum(p[cols, j], mann_whitney_greater(A[np.ix_(pair, cols)], labels[pair] == k)[1])
                active &= p[:, j] <= q
    p[~live] = np.nan  # silent units are not tested (nor counted by BH)
    passed = (np.nan_to_num(benjamini_hochberg(p.ravel()), nan=2.0) <= q).reshape(p.shape)
    rows = []
    for u in np.flatnonzero(passed.any(axis=1)):
        j = int(np.argmax(np.where(passed[u], auc[u], -np.inf)))
        rows.append({"unit": int(u), "breed": breeds[j], "auc": float(auc[u, j]), "p": float(p[u, j])})
    return pd.DataFrame(rows, columns=["unit", "breed", "auc", "p"])


def _class_means(AN: np.ndarray, labels: np.ndarray, n_classes: int, weights: np.ndarray | None = None
                 ) -> np.ndarray:
    """Mean of each column per class: (n_classes, n_units); with ``weights`` (B, n) per
    resample: (B, n_classes, n_units)."""
    if weights is None:
        return class_centroids(AN, labels, n_classes)
    W = np.asarray(weights, dtype=np.float64)
    out = np.empty((len(W), n_classes, AN.shape[1]))
    for c in range(n_classes):  # class by class: (B, n_c) @ (n_c, U)
        idx = np.flatnonzero(labels == c)
        out[:, c] = (W[:, idx] @ AN[idx]) / W[:, idx].sum(axis=1, keepdims=True)
    return out


def breed_responses(A: np.ndarray, labels: np.ndarray, classes: Sequence[str], units: pd.DataFrame,
                    breeds: Sequence[str], compare: Sequence[str] = COMPARE,
                    weights: np.ndarray | None = None) -> pd.DataFrame | np.ndarray:
    """Each selected unit's eq. 1-normalised response to its breed, the other breeds and ``compare``.

    A, labels : the measuring images (not those that selected the units); eq. 1 is
    computed over them. units : :func:`select_breed_units`'s rows.
    Returns ``units`` with columns own, other_breeds (mean of the other breeds' class
    means), compare (mean of the ``compare`` class means), difference (compare minus
    other_breeds); a unit silent on these images gets NaN.
    With ``weights`` (n_boot, n), resample counts per image: instead a float64 array
    (n_boot, n_units) of ``difference`` on each resample.
    """
    classes = list(classes)
    AN = normalize(np.asarray(A, dtype=np.float64)[:, units["unit"].to_numpy(dtype=np.int64)])
    M = _class_means(np.nan_to_num(AN), np.asarray(labels, dtype=np.int64), len(classes), weights)
    silent = np.isnan(AN).any(axis=0)
    own = np.array([classes.index(b) for b in units["breed"]], dtype=np.int64)
    breed_codes = np.array([classes.index(b) for b in breeds])
    cmp_codes = np.array([classes.index(c) for c in compare])
    all_breeds = M[..., breed_codes, :].sum(axis=-2)
    cols = np.arange(len(own))
    own_mean = M[..., own, cols]
    other = (all_breeds - own_mean) / (len(breed_codes) - 1)
    comp = M[..., cmp_codes, :].mean(axis=-2)
    diff = np.where(silent, np.nan, comp - other)
    if weights is not None:
        return diff
    out = units.copy()
    out["own"] = np.where(silent, np.nan, own_mean)
    out["other_breeds"] = np.where(silent, np.nan, other)
    out["compare"] = np.where(silent, np.nan, comp)
    out["difference"] = diff
    return out


@dataclass
class EssayResult:
    """What :func:`essay_experiment` returns.

    units : one row per (layer, fold, selected unit): layer, fold, unit, breed, auc, p,
        own, other_breeds, compare, difference (see :func:`breed_responses`)
    summary : one row per layer (see :func:`summarize_units`)
    """

    units: pd.DataFrame
    summary: pd.DataFrame


def summarize_units(units: pd.DataFrame, replicates: Mapping[str, np.ndarray] | None = None,
                    n_units: Mapping[str, int] | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Per layer: how the selected units respond to the comparison classes vs other breeds.

    units : rows of :attr:`EssayResult.units`; a unit selected in both folds counts once,
        with its differences averaged (each was measured on different images)
    replicates : layer -> (n_boot, n_distinct_units) differences on bootstrap resamples of
        the images, units in the order of ``units.groupby(["layer", "unit"])``
    n_units : layer -> units in the layer (for the fraction selected)

    Columns: layer, n_units (distinct units selected), n_layer_units, frac_selected
    (n_units / n_layer_units: how much of the layer the rule calls breed units), n_valid (with a
    defined difference), frac_compare_higher, frac_low, frac_high, median_difference,
    median_low, median_high (bootstrap intervals over images; NaN without replicates),
    mean_own, mean_other_breeds, mean_compare, sign_test_p (exact, two-sided, across units).
    """
    tail = 100 * (1 - confidence) / 2
    rows = []
    for layer in dict.fromkeys(units["layer"]):
        u = units[units["layer"] == layer].groupby("unit", sort=True)[
            ["own", "other_breeds", "compare", "difference"]].mean()
        d = u["difference"].to_numpy()
        ok = np.isfinite(d)
        size = (n_units or {}).get(layer, np.nan)
        row = {"layer": layer, "n_units": len(u), "n_layer_units": size, "frac_selected": len(u) / size,
               "n_valid": int(ok.sum()),
               "frac_compare_higher": float((d[ok] > 0).mean()) if ok.any() else np.nan,
               "median_difference": float(np.median(d[ok])) if ok.any() else np.nan,
               "mean_own": float(u["own"].mean()), "mean_other_breeds": float(u["other_breeds"].mean()),
               "mean_compare": float(u["compare"].mean()), "sign_test_p": sign_test(d[ok])}
        R = None if replicates is None else replicates.get(layer)
        if R is not None and ok.any():
            R = R[:, ok]
            fr = (R > 0).mean(axis=1)
            md = np.nanmedian(R, axis=1)
            row["frac_low"], row["frac_high"] = np.percentile(fr, [tail, 100 - tail])
            row["median_low"], row["median_high"] = np.percentile(md, [tail, 100 - tail])
        else:
            row["frac_low"] = row["frac_high"] = row["median_low"] = row["median_high"] = np.nan
        rows.append(row)
    cols = ["layer", "n_units", "n_layer_units", "frac_selected", "n_valid", "frac_compare_higher", "frac_low",
            "frac_high",
            "median_difference", "median_low", "median_high", "mean_own", "mean_other_breeds", "mean_compare",
            "sign_test_p"]
    return pd.DataFrame(rows, columns=cols)


def essay_experiment(acts: Mapping[str, np.ndarray], labels: np.ndarray, classes: Sequence[str],
                     breeds: Sequence[str], compare: Sequence[str] = COMPARE, q: float = 0.05, k: int = 2,
                     seed: int = 0, n_boot: int = 1000, confidence: float = 0.95, against: str = "rest"
                     ) -> EssayResult:
    """Select breed-selective units on some images, measure them on the others, every layer.

    acts : layer -> (n_images, n_units), one network on held-out images of every class
    labels : (n_images,) indexing ``classes``; breeds, compare : names in ``classes``
    q, against : the selection rule (:func:`select_breed_units`); k : folds (2: halves; each fold selects on the other
    k - 1 folds and measures on itself); seed : folds and bootstrap
    n_boot : bootstrap resamples of the measuring images within class (0: none)

    Returns :class:`EssayResult`.
    """
    classes = list(classes)
    unknown = [c for c in list(breeds) + list(compare) if c not in classes]
    if unknown:
        raise ValueError(f"{unknown} are not among the classes {classes}.")
    if set(breeds) & set(compare):
        raise ValueError("The comparison classes must not be breeds.")
    if len(breeds) < 2:
        raise ValueError("Need at least two breeds: the comparison is with the *other* breeds.")
    labels = np.asarray(labels, dtype=np.int64)
    folds = stratified_folds(labels, k, seed)
    frames, reps, sizes = [], {}, {}
    for layer, A in acts.items():
        A = np.asarray(A, dtype=np.float64)
        check_finite(A, layer)
        sizes[layer] = A.shape[1]
        per_fold = []
        for j, (select, measure) in enumerate(folds):
            units = select_breed_units(A[select], labels[select], classes, breeds, q, against)
            if units.empty:
                continue
            res = breed_responses(A[measure], labels[measure], classes, units, breeds, compare)
            res.insert(0, "fold", j)
            res.insert(0, "layer", layer)
            frames.append(res)
            if n_boot:
                W = bootstrap_weights(labels[measure], n_boot, seed + j)
                per_fold.append((units["unit"].to_numpy(),
                                 breed_responses(A[measure], labels[measure], classes, units, breeds, compare, W)))
        if per_fold:
            distinct = np.unique(np.concatenate([u for u, _ in per_fold]))
            total = np.zeros((n_boot, len(distinct)))
            count = np.zeros((n_boot, len(distinct)))
            for u, R in per_fold:  # a unit selected in both folds: the mean of its two measurements
                pos = np.searchsorted(distinct, u)
                total[:, pos] += np.nan_to_num(R)
                count[:, pos] += np.isfinite(R)
            with np.errstate(invalid="ignore"):
                reps[layer] = total / count
    cols = ["layer", "fold", "unit", "breed", "auc", "p", "own", "other_breeds", "compare", "difference"]
    units = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    summary = summarize_units(units, reps if n_boot else None, sizes, confidence)
    # layers without any selected unit still get a row
    missing = [layer for layer in acts if layer not in set(summary["layer"])]
    if missing:
        empty = pd.DataFrame([{"layer": m, "n_units": 0, "n_layer_units": sizes[m], "frac_selected": 0.0,
                               "n_valid": 0,
                               "sign_test_p": 1.0} for m in missing])
        summary = pd.concat([summary, empty], ignore_index=True)
        summary = summary.set_index("layer").loc[list(acts)].reset_index()
    # numbers stay numbers when no layer selected a unit (an empty frame's columns are objects)
    numeric = [c for c in summary.columns if c != "layer"]
    summary[numeric] = summary[numeric].apply(pd.to_numeric)
    return EssayResult(units, summary)
