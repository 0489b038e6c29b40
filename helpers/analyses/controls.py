"""What is a "face unit" made of? Paired face controls, measured unit by unit.

A network never trained on faces can still have units that respond more to face drawings
than to cars, dogs and face-like objects. Such a unit need not detect a *face*: it may
respond to the round head, its skin colour, a drawn eye it shares with the fish, or the
image's contrast. Paired controls take the face apart. For every face image ``i`` the
measurement set holds the same head drawn three more ways (``helpers.organism.world``):

- **featureless**: the head without eyes, brows, nose and mouth;
- **scrambled**: the same features, moved to other places on the head;
- **silhouette**: the head's outline filled with one flat colour (its mean colour).

The three comparisons, per unit, answer three questions:

- face − featureless: how much of the unit's face preference do the features carry?
- face − scrambled: how much does their *arrangement* carry (beyond the parts)?
- face − silhouette: how much is more than an outline of a given colour and size?

Functions:

- :func:`units_preferring`: the units whose responses to one set of images rank above
  those to another (one-sided Mann–Whitney test, Benjamini–Hochberg over the live units);
- :func:`control_proportions`: the proportion of "face units" when the faces are
  replaced by each control in turn (the other categories unchanged), over all units and
  over live units, and its difference from the faces' own proportion;
- :func:`control_table`: the same for every layer of a network, in one tidy table;
- :func:`bootstrap_differences`: the image bootstrap of those differences (faces resampled
  with their controls as pairs, the other categories within themselves);
- :func:`feature_shares`: cross-fitted per unit: choose face units on half of the images,
  and on the other half measure the share of each unit's face preference that each
  control removes (1: all of it, 0: none);
- :func:`top_class`, :func:`class_overlap`: which training class each unit prefers, and
  whether face units are over-represented among the units of a class (the fish's, say),
  against the hypergeometric expectation.

Shapes: activations (n_images, n_units), one row per image; paired arrays share their row
order (row ``i`` of every control is the control of face ``i``). NumPy and pandas only.
"""

from __future__ import annotations

from math import comb
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.analyses.readout import stratified_folds
from helpers.analyses.breeds import mann_whitney_greater, mann_whitney_p
from helpers.analyses.emergence import live_units
from helpers.analyses.geometry import class_centroids
from helpers.stats.measure import check_finite
from helpers.stats.rules import benjamini_hochberg

#: The paired controls of every face image, in the order the notebooks show them.
VARIANTS = ("featureless", "scrambled", "silhouette")


def _as2d(A, name: str) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_images, n_units); got shape {A.shape}.")
    check_finite(A, name)
    return A


def _check_paired(face: np.ndarray, variants: Mapping[str, np.ndarray], others: np.ndarray) -> dict:
    out = {}
    for name, V in variants.items():
        V = _as2d(V, name)
        if V.shape != face.shape:
            raise ValueError(f"Control {name!r} has shape {V.shape}, the faces {face.shape}: every face image "
                             "needs its own control, in the same order.")
        out[name] = V
    if others.shape[1] != face.shape[1]:
        raise ValueError(f"The other categories have {others.shape[1]} units, the faces {face.shape[1]}; "
                         "pass one layer's activations for all of them.")
    return out


def units_preferring(target: np.ndarray, others: np.ndarray, q: float = 0.05,
                     live: np.ndarray | None = None) -> np.ndarray:
    """Units whose responses to ``target`` images rank above their responses to ``others``.

    target : (n_t, n_units); others : (n_o, n_units)
    q : Benjamini–Hochberg level over the tested units
    live : bool (n_units,) units to test (default: those that respond, > 0, to at least one
        of these images, :func:`helpers.analyses.emergence.live_units`); the others are never chosen

    Returns bool (n_units,). One-sided Mann–Whitney (:func:`helpers.analyses.breeds.mann_whitney_greater`):
    a rank test, so it needs no assumption about the responses' distribution and costs no
    shuffles, which matters when it runs for every seed, control and layer.
    """
    if not 0 < q <= 1:
        raise ValueError(f"q is a false discovery rate in (0, 1]; got {q!r}.")
    A = np.vstack([_as2d(target, "target"), _as2d(others, "others")])
    positive = np.r_[np.ones(len(target), bool), np.zeros(len(others), bool)]
    live = live_units(A) if live is None else np.asarray(live, dtype=bool)
    p = np.full(A.shape[1], np.nan)
    p[live] = mann_whitney_greater(A[:, live], positive)[1]  # the dead are never chosen: not worth ranking
    return _bh_chosen(p, q)


def _bh_chosen(p: np.ndarray, q: float) -> np.ndarray:
    """Bool (n_units,): Benjamini–Hochberg at level q over p (n_units,), NaN: not tested."""
    return np.nan_to_num(benjamini_hochberg(p), nan=2.0) <= q


def control_proportions(face: np.ndarray, variants: Mapping[str, np.ndarray], others: np.ndarray,
                        q: float = 0.05) -> pd.DataFrame:
    """Proportion of face units with the faces, and with each control standing in for them.

    face : (n_f, n_units) responses to the face images; variants : name -> (n_f, n_units),
    the paired controls; others : (n_o, n_units) the other measurement categories, pooled.
    A unit counts when the stand-in's images rank above ``others`` (:func:`units_preferring`).
    Live units (responding to at least one of *all* these images) are the same for every row,
    so the proportions over live units share one denominator.

    Returns one row per stimulus set ("face" first, then the controls): stimuli, n_selected,
    n_units, n_live, proportion (over all units), proportion_live (over live units),
    difference, difference_live (face's proportion minus this row's; 0 for "face"), and
    overlap (units chosen both with the faces and with this stand-in, over those chosen with
    the faces; NaN when none are).
    """
    face = _as2d(face, "face")
    others = _as2d(others, "others")
    variants = _check_paired(face, variants, others)
    live = live_units(np.vstack([face, others, *variants.values()]))
    n_units, n_live = face.shape[1], int(live.sum())
    chosen = {"face": units_preferring(face, others, q, live)}
    for name, V in variants.items():
        chosen[name] = units_preferring(V, others, q, live)
    rows = []
    base = chosen["face"]
    for name, sel in chosen.items():
        n = int(sel.sum())
        rows.append({"stimuli": name, "n_selected": n, "n_units": n_units, "n_live": n_live,
                     "proportion": n / n_units, "proportion_live": n / n_live if n_live else np.nan,
                     "overlap": float((sel & base).sum() / base.sum()) if base.any() else np.nan})
    t = pd.DataFrame(rows)
    t["difference"] = t["proportion"].iloc[0] - t["proportion"]
    t["difference_live"] = t["proportion_live"].iloc[0] - t["proportion_live"]
    return t[["stimuli", "n_selected", "n_units", "n_live", "proportion", "proportion_live", "difference",
              "difference_live", "overlap"]]


def control_table(face: Mapping[str, np.ndarray], variants: Mapping[str, Mapping[str, np.ndarray]],
                  others: Mapping[str, np.ndarray], q: float = 0.05) -> pd.DataFrame:
    """:func:`control_proportions` for every layer.

    face, others : layer -> (n_images, n_units); variants : control name -> layer -> (n_f, n_units)
    (each control's activations, rows paired with ``face``'s).

    Returns the rows of :func:`control_proportions` with a first column ``layer`` (in the
    order of ``face``).
    """
    frames = []
    for layer, F in face.items():
        missing = [name for name, acts in variants.items() if layer not in acts]
        if layer not in others or missing:
            raise ValueError(f"Layer {layer!r} is missing from the other categories or the controls {missing}; "
                             "collect every stimulus set on the same layers.")
        t = control_proportions(F, {name: acts[layer] for name, acts in variants.items()}, others[layer], q)
        t.insert(0, "layer", layer)
        frames.append(t)
    if not frames:
        raise ValueError("No layers given.")
    return pd.concat(frames, ignore_index=True)


def bootstrap_differences(face: np.ndarray, variants: Mapping[str, np.ndarray], others: np.ndarray,
                          n_boot: int = 200, seed: int = 0, q: float = 0.05) -> pd.DataFrame:
    """Image-bootstrap replicates of :func:`control_proportions`' differences (all units).

    Each replicate draws the face images with replacement, each with *its own* controls (the
    pairing is what makes the difference precise), and the other images with replacement
    among themselves; live units stay those of the full set, so every replicate has the same
    denominator. Returns a DataFrame (n_boot rows) with one column per control: the face
    proportion minus the control's on that resample.
    """
    face = _as2d(face, "face")
    others = _as2d(others, "others")
    variants = _check_paired(face, variants, others)
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1; got {n_boot!r}.")
    live = live_units(np.vstack([face, others, *variants.values()]))
    # A resample only repeats rows of these images, so its ranks follow from counting: each live
    # unit's responses are coded once by their order among all its distinct responses here, and
    # a resample's Mann-Whitney U and tie term are sums over codes of (exact, integer) counts.
    # The p-values, hence the units chosen, are those of units_preferring on the resampled rows.
    sets = [face, *variants.values()]
    n_f, n_o, n_sets = len(face), len(others), len(sets)
    codes = _codes(np.vstack([*sets, others])[:, live])
    K, m = int(codes.max(initial=0)) + 1, codes.shape[1]
    offset = np.arange(m) * K  # unit j's codes are j * K + 0..K-1 in the flat count tables
    set_codes = [codes[k * n_f:(k + 1) * n_f] + offset for k in range(n_sets)]
    others_codes = codes[n_sets * n_f:] + offset
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(int(n_boot)):
        fi = rng.integers(0, n_f, n_f)
        oi = rng.integers(0, n_o, n_o)
        n_others = np.bincount(others_codes[oi].ravel(), minlength=m * K)  # per unit and code
        # per code, the resampled others below it and half those equal: one positive item's share of U
        share = (np.cumsum(n_others.reshape(m, K), axis=1) - 0.5 * n_others.reshape(m, K)).ravel()
        proportions = []
        for C in set_codes:
            keys = C[fi]
            U = share[keys].sum(axis=0)
            t = np.bincount(keys.ravel(), minlength=m * K) + n_others  # tie group sizes
            ties = (t * t * t - t).reshape(m, K).sum(axis=1).astype(np.float64)
            p = np.full(face.shape[1], np.nan)
            p[live] = mann_whitney_p(U, ties, n_f, n_o)
            proportions.append(_bh_chosen(p, q).mean())
        rows.append({name: proportions[0] - x for name, x in zip(variants, proportions[1:])})
    return pd.DataFrame(rows, columns=list(variants))


def _codes(X: np.ndarray) -> np.ndarray:
    """Per column of X (n, m), each value's index among the column's sorted distinct values:
    int64 (n, m), in the same order as X's values and equal where they are equal."""
    codes = np.zeros(X.shape, dtype=np.int64)
    for j in range(X.shape[1]):
        codes[:, j] = np.unique(X[:, j], return_inverse=True)[1]
    return codes


def feature_shares(face: np.ndarray, variants: Mapping[str, np.ndarray], others: np.ndarray,
                   others_labels: np.ndarray | None = None, q: float = 0.05, k: int = 2, seed: int = 0
                   ) -> pd.DataFrame:
    """Cross-fitted: of each face unit's face preference, the share each control removes.

    The images are split into ``k`` folds (the faces with their controls as pairs, so a face
    and its controls fall in the same fold; ``others`` stratified by ``others_labels``). On
    each fold's complement the face units are chosen (:func:`units_preferring`, faces vs
    others); on the fold itself each chosen unit's mean responses give

        share(control) = (face − control) / (face − others)

    in units of the unit's own face preference: 1 means the control leaves the unit no more
    responsive than to the other categories (the control removed the whole preference), 0
    that the control drives it as much as the faces (the removed part does not matter),
    above 1 that the control drives it *less* than the other categories. Units whose face
    preference is not positive on the measuring fold get NaN.

    Returns one row per (fold, chosen unit): fold, unit, face, others (mean raw responses on
    the measuring fold), and per control ``mean_<control>`` (its mean response) and
    ``share_<control>``. A unit's share is unstable when its preference is small; for a layer,
    the ratio of sums (sum of face − control over sum of face − others) is the steadier summary.
    """
    face = _as2d(face, "face")
    others = _as2d(others, "others")
    variants = _check_paired(face, variants, others)
    n_f, n_o = len(face), len(others)
    ol = np.zeros(n_o, np.int64) if others_labels is None else np.asarray(others_labels, dtype=np.int64)
    if len(ol) != n_o:
        raise ValueError(f"others_labels has {len(ol)} labels for {n_o} images.")
    # one label space: the faces are class 0, the other categories follow
    labels = np.r_[np.zeros(n_f, np.int64), ol - ol.min() + 1]
    live = live_units(np.vstack([face, others, *variants.values()]))
    rows = []
    for j, (select, measure) in enumerate(stratified_folds(labels, k, seed)):
        fs, fm = select[select < n_f], measure[measure < n_f]
        os_, om = select[select >= n_f] - n_f, measure[measure >= n_f] - n_f
        chosen = np.flatnonzero(units_preferring(face[fs], others[os_], q, live))
        if chosen.size == 0:
            continue
        mf = face[np.ix_(fm, chosen)].mean(axis=0)
        mo = others[np.ix_(om, chosen)].mean(axis=0)
        pref = mf - mo
        ok = pref > 0
        row = {"fold": np.full(chosen.size, j), "unit": chosen, "face": mf, "others": mo}
        for name, V in variants.items():
            mv = V[np.ix_(fm, chosen)].mean(axis=0)
            row[f"mean_{name}"] = mv
            with np.errstate(invalid="ignore", divide="ignore"):
                row[f"share_{name}"] = np.where(ok, (mf - mv) / np.where(ok, pref, 1.0), np.nan)
        rows.append(pd.DataFrame(row))
    cols = ["fold", "unit", "face", "others"] + [f"{w}_{n}" for n in variants for w in ("mean", "share")]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


def top_class(A: np.ndarray, labels: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Each unit's preferred class: the class with the largest mean response, int64 (n_units,);
    -1 for units that do not respond (> 0) to any of these images."""
    A = _as2d(A, "A")
    M = class_centroids(A, labels, n_classes)
    return np.where(live_units(A), M.argmax(axis=0), -1)


def hypergeom_upper(k: int, N: int, K: int, n: int) -> float:
    """P(X >= k) for X hypergeometric: ``n`` draws without replacement from ``N`` items of which
    ``K`` are marked (exact, by counting)."""
    if not (0 <= K <= N and 0 <= n <= N):
        raise ValueError(f"Need 0 <= K <= N and 0 <= n <= N; got N={N}, K={K}, n={n}.")
    total = comb(N, n)
    return float(sum(comb(K, i) * comb(N - K, n - i) for i in range(max(k, 0), min(K, n) + 1)) / total)


def class_overlap(units: np.ndarray, preferred: np.ndarray, classes: Sequence[str]) -> pd.DataFrame:
    """Are the chosen units (face units) over-represented among the units of each class?

    units : bool (n_units,), e.g. :func:`units_preferring` of the faces
    preferred : int (n_units,), each unit's preferred training class (:func:`top_class`;
        -1: dead, left out of every count)
    classes : the class names, indexed by ``preferred``

    Returns one row per class: class, n_class_units (live units preferring it), n_chosen
    (of those, how many are chosen), frac_chosen (n_chosen / n_class_units), expected (the
    chosen fraction among all live units: what frac_chosen would be if preferring the class
    had nothing to do with being chosen), share_of_chosen (n_chosen / all chosen live units),
    p_enriched (one-sided hypergeometric, :func:`hypergeom_upper`).
    """
    units = np.asarray(units, dtype=bool)
    preferred = np.asarray(preferred, dtype=np.int64)
    if units.shape != preferred.shape:
        raise ValueError(f"units {units.shape} and preferred {preferred.shape} must both be (n_units,).")
    live = preferred >= 0
    N, K = int(live.sum()), int((units & live).sum())
    rows = []
    for c, name in enumerate(classes):
        mine = preferred == c
        n, kk = int(mine.sum()), int((mine & units).sum())
        rows.append({"class": name, "n_class_units": n, "n_chosen": kk,
                     "frac_chosen": kk / n if n else np.nan, "expected": K / N if N else np.nan,
                     "share_of_chosen": kk / K if K else np.nan,
                     "p_enriched": hypergeom_upper(kk, N, K, n) if n else np.nan})
    return pd.DataFrame(rows)
