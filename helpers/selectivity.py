"""The paper's selectivity measure, explicit and vectorised, with statistics that hold.

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
and are never called selective. Non-finite activations are an error, never silent.

**Significance** comes from a permutation test: labels are shuffled (class sizes kept)
and the index recomputed; ``p = (1 + #{null >= observed}) / (1 + K)`` after ``K``
shuffles. Its smallest value is ``1 / (K + 1)``, and Benjamini–Hochberg (BH) at level
``q`` over ``m`` filters rejects nothing unless some p-value reaches ``q / m``: with
K = 1000, q = 0.01 and 512 filters, BH could only fire if at least 52 filters sat at the
floor. :func:`run_permutations` therefore *resolves* the decisions at the BH levels
``resolve_q`` (:data:`RESOLVE_Q` in :func:`analyze`): after the first K shuffles, filters
whose BH decision is open because their p-value sits at that floor get more shuffles,
until the decision is settled (an exact Clopper–Pearson interval for each p-value, see
:func:`p_interval`, puts the exact p-value on one side of BH's cut-off) or
:data:`MAX_PERMUTATIONS` is reached. Decisions left open are counted, not hidden.

**Uncertainty from the stimuli**: :func:`analyze` also draws :data:`N_BOOT` bootstrap
resamples of the images within each category and keeps each filter's shares on every
resample; :func:`summary_table` turns them into intervals on each layer's proportion of
selective filters (:func:`bootstrap_proportions` states the approximations).

The paper calls filters selective "with a threshold of 0.01 for selectivity index"
without saying what is thresholded. A share of 0.01 would be far below chance
(0.25 for four categories), so the course reads it as a significance level:
a filter is selective for a category when ``p <= 0.01``. An index threshold is
offered too. :func:`check_rule` validates a rule before any work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from .binomial import clopper_pearson
from .cache import atomic_file
from .labels import ModelMeta

#: Version of the statistics: part of every cache key of selectivity results. Bump it
#: whenever p-values, their resolution, the critical values or the bootstrap change.
STATS_VERSION = 2

CRITERIA = ("p", "index")
CORRECTIONS = ("none", "bh")
RANK_BY = ("index", "p")

#: BH levels at which :func:`analyze` resolves the p-values by default: the paper's 0.01
#: and the conventional 0.05.
RESOLVE_Q = (0.01, 0.05)
#: Coverage of each p-value's Clopper–Pearson interval when judging whether a decision
#: is settled (per filter, category and round of shuffles).
MC_CONFIDENCE = 0.99
#: Most shuffles any filter receives when decisions are resolved: BH can then fire from
#: ``k q / m >= 1 / 256,001``, e.g. two selective filters of 4096 at q = 0.01.
MAX_PERMUTATIONS = 256_000
#: Bootstrap resamples of the images kept by :func:`analyze`.
N_BOOT = 200
#: Critical shares kept for the bootstrap (see :attr:`Permutations.crit`): the FULL_RANKS
#: largest null shares of each test over all its shuffles (exact small ranks, also for
#: filters resolved with many shuffles), then the BASE_RANKS of the first K shuffles (up to
#: p = 0.257 for K = 1000), about 20 % apart.
FULL_RANKS = 32
BASE_RANKS = np.array([32, 38, 45, 54, 64, 76, 91, 108, 128, 152, 181, 215, 256])

_TIE = 1e-12  # a shuffle whose share equals the observed one up to rounding counts as >=
_FLOOR_COUNT = 2  # p-values from at most this many exceedances are resolution-limited
_MOST_GROWTH = 4  # a resolution round at most multiplies a filter's shuffles by this
_SHUFFLE_BLOCK = 8192  # shuffles per generator in the stream beyond the first K (fixes the draws)
_EXTRA_STREAM = 0x5EED  # keeps that stream apart from the first K shuffles
_KEPT_BLOCKS = 16  # blocks of that stream kept in memory (about 39 MB for 300 images)
_BOOT_STREAM = 0xB007  # keeps the bootstrap's random stream apart from the shuffles'
_SHARE_SCALE = 65534  # bootstrap shares are kept as uint16: share * scale; NaN as 65535
_NAN16 = np.uint16(65535)


# --------------------------------------------------------------------------- validation


def check_rule(criterion: str, threshold: float, correction: str | None = None) -> tuple[str, float, str | None]:
    """Validate a rule that calls filters selective; return it normalised.

    criterion "p": ``threshold`` is a significance level in (0, 1]; ``correction`` None,
    "none" or "bh" (Benjamini–Hochberg over the filters of a layer, per category).
    criterion "index": ``threshold`` is an eq. 2 share in [0, 1]; no correction applies.

    Returns (criterion, threshold as float, correction as None or "bh"). Raises
    ValueError with the valid choices otherwise.
    """
    if criterion not in CRITERIA:
        raise ValueError(f"Unknown criterion {criterion!r}; use 'p' (permutation p-value) or 'index' (eq. 2 share).")
    corr = "none" if correction is None else correction
    if corr not in CORRECTIONS:
        raise ValueError(f"Unknown correction {correction!r}; use 'none' or 'bh' (Benjamini–Hochberg).")
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        raise ValueError(f"threshold must be a number; got {threshold!r}.") from None
    if criterion == "p":
        if not 0 < value <= 1:
            raise ValueError(f"threshold {threshold!r} is no significance level: with criterion 'p' it must lie "
                             "in (0, 1], e.g. 0.01.")
    else:
        if not 0 <= value <= 1:
            raise ValueError(f"threshold {threshold!r} is no share of eq. 2: with criterion 'index' it must lie "
                             "in [0, 1], e.g. 0.5 (chance is 1 / number of categories).")
        if corr != "none":
            raise ValueError("A multiple-testing correction applies to p-values only: with criterion 'index' "
                             "use correction 'none', or criterion 'p' to correct.")
    return criterion, value, None if corr == "none" else corr


def is_resolved(q: float, levels: Sequence[float]) -> bool:
    """Whether Benjamini–Hochberg decisions at level ``q`` were resolved, i.e. ``q`` is one
    of the ``levels`` the p-values were resolved for (up to rounding; see
    :func:`run_permutations` and :attr:`Selectivity.resolve_q`)."""
    return any(np.isclose(float(q), float(level), rtol=1e-9, atol=0) for level in levels)


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


# --------------------------------------------------------------------------- permutation test


@dataclass
class Permutations:
    """What :func:`run_permutations` found, per filter and category.

    exceed : int64 (n_filters, n_categories), shuffles whose share reached the observed one
    n_perm : int64 (n_filters,), shuffles each filter received (0 for silent filters)
    crit : float32 (FULL_RANKS + len(BASE_RANKS), n_filters, n_categories) or None: critical
        shares, i.e. null shares plus the tie tolerance, so that a share above ``crit[i]`` has
        at most ``r`` null values at or above it, where r = i for the first FULL_RANKS entries
        (over all of the filter's shuffles) and r = BASE_RANKS[i - FULL_RANKS] for the others
        (over its first K shuffles); -inf where r reaches the shuffles; NaN for silent filters
    unsettled : bool (n_filters,), filters whose decision at a resolved level was still
        open when :data:`MAX_PERMUTATIONS` stopped the resolution
    """

    exceed: np.ndarray
    n_perm: np.ndarray
    crit: np.ndarray | None
    unsettled: np.ndarray

    @property
    def p(self) -> np.ndarray:
        """float64 (n_filters, n_categories): ``(1 + exceed) / (1 + n_perm)``; NaN for silent filters."""
        with np.errstate(invalid="ignore", divide="ignore"):
            p = (1.0 + self.exceed) / (1.0 + self.n_perm[:, None])
        p[self.n_perm == 0] = np.nan
        return p


def _onehot(block: np.ndarray, C: int) -> np.ndarray:
    """Shuffled labels (k, n_images) -> float64 indicators of the first C - 1 categories,
    (n_images, k * (C - 1)); the last category's sums follow from the filters' totals."""
    k, n = block.shape
    lab = block.T.ravel()
    cells = n * k * (C - 1)
    out = np.zeros(cells + 1)  # the last cell collects the last category, then is cut off
    out[np.where(lab < C - 1, np.arange(0, cells, C - 1) + lab, cells)] = 1.0
    return out[:cells].reshape(n, k * (C - 1))


class ShuffleStream:
    """The shuffles beyond the first K of :func:`run_permutations`, as one stream shared by
    every filter: filter f uses positions [n_f - K, target_f - K), so its draws depend on
    the seed and its own count only, never on the other filters, the rounds or the
    chunking. Blocks of 8192 shuffles are drawn each from its own generator and the first
    16 are kept (int8 labels when they fit), so that several layers with the same labels
    and seed, passed the same stream (as :func:`analyze` does), draw them once.

    labels : int (n_images,); seed : the test's seed
    """

    def __init__(self, labels: np.ndarray, seed: int = 0):
        labels = np.asarray(labels)
        self.small = labels.astype(np.int8 if labels.max() < 2**7 else np.int64)
        self.seed = seed
        self.blocks: dict[int, np.ndarray] = {}

    def matches(self, labels: np.ndarray, seed: int) -> bool:
        """Whether this stream belongs to these labels and seed."""
        return self.seed == seed and np.array_equal(self.small, labels)

    def block(self, j: int) -> np.ndarray:
        if j in self.blocks:
            return self.blocks[j]
        rng = np.random.default_rng([self.seed, _EXTRA_STREAM, j])
        drawn = rng.permuted(np.broadcast_to(self.small, (_SHUFFLE_BLOCK, len(self.small))), axis=1)
        if j < _KEPT_BLOCKS:
            self.blocks[j] = drawn
        return drawn

    def spans(self, first: np.ndarray, last: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """(position, shuffles) pieces covering the union of the windows [first_f, last_f)."""
        order = np.argsort(first, kind="stable")
        start, end = int(first[order[0]]), int(last[order[0]])
        merged = []
        for a, b in zip(first[order[1:]], last[order[1:]]):
            if a > end:
                merged.append((start, end))
                start, end = int(a), int(b)
            else:
                end = max(end, int(b))
        merged.append((start, end))
        for start, end in merged:
            for j in range(start // _SHUFFLE_BLOCK, -(-end // _SHUFFLE_BLOCK)):
                lo, hi = max(start, j * _SHUFFLE_BLOCK), min(end, (j + 1) * _SHUFFLE_BLOCK)
                yield lo, self.block(j)[lo - j * _SHUFFLE_BLOCK:hi - j * _SHUFFLE_BLOCK]


def _top_merge(top: np.ndarray, null: np.ndarray) -> None:
    """Keep in ``top`` (F, T, C; unsorted along axis 1) the T largest values of ``top`` and
    ``null`` (F, k, C) together, in place.

    Only values above a row's current T-th largest can enter. Far out in a null's tail
    (filters resolved with many shuffles) they are few, and only they are sorted."""
    F, T, C = top.shape
    enters = null > top.min(axis=1, keepdims=True)
    n_new = int(np.count_nonzero(enters))
    if n_new == 0:
        return
    if n_new > null.size // 8:  # dense: partial sort of whole rows
        cand = np.concatenate([top, null], axis=1)
        top[:] = np.partition(cand, cand.shape[1] - T, axis=1)[:, -T:]
        return
    f_new, k_new, c_new = np.nonzero(enters)
    row_new = f_new * C + c_new
    rows = np.unique(row_new)  # the (filter, category) rows that change
    rf, rc = rows // C, rows % C
    row_all = np.concatenate([np.repeat(np.arange(len(rows)), T), np.searchsorted(rows, row_new)])
    val_all = np.concatenate([top[rf, :, rc].ravel(), null[f_new, k_new, c_new]])
    order = np.lexsort((-val_all, row_all))  # by row, largest first
    row_sorted, val_sorted = row_all[order], val_all[order]
    rank = np.arange(len(order)) - np.searchsorted(row_sorted, row_sorted)
    keep = rank < T
    merged = np.empty((len(rows), T))
    merged[row_sorted[keep], rank[keep]] = val_sorted[keep]
    top[rf, :, rc] = merged


_BLOCK_BYTES = 32 * 2**20  # memory of one block of null shares when critical shares are kept


def _count_null(AN0: np.ndarray, pieces: Iterator[tuple[int, np.ndarray]], observed: np.ndarray,
                counts: np.ndarray, balanced: bool, chunk: int, exceed: np.ndarray, top: np.ndarray | None,
                window: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Add to ``exceed`` (F, C) the shuffles whose shares reach ``observed`` (F, 1, C), and merge
    the null shares into ``top`` (F, T, C; the T largest so far) when given; both in place.

    ``pieces`` yields (position, shuffled labels (k, n_images)); filter f uses the positions
    ``window[0][f] <= position < window[1][f]`` (all when ``window`` is None). The plain test
    puts ``chunk`` shuffles and all filters into one matrix product; with ``top`` or
    ``window`` (partial sorting, or few filters) more shuffles (about 32 MB of indicators)
    meet fewer filters at a time. Null shares are computed in blocks of about 32 MB."""
    C = len(counts)
    F, n = AN0.shape[1], AN0.shape[0]
    weight = 1.0 / counts if balanced else np.ones(C)
    with np.errstate(invalid="ignore"):
        bar = (observed - _TIE) / weight  # (F, 1, C); NaN for silent filters, which never count
    totals = AN0.sum(axis=0)  # each filter's sum over all images: the shuffles only move it around
    # Few filters make small matrix products: give them more shuffles at a time.
    step = chunk if top is None and window is None else max(chunk, _BLOCK_BYTES // (8 * C * n))
    for start, piece in pieces:
        for done in range(0, len(piece), step):
            onehot = _onehot(piece[done:done + step], C)
            k = onehot.shape[1] // (C - 1)
            pos = start + done
            if window is None:
                use = np.arange(F)
            else:
                use = np.flatnonzero((window[0] < pos + k) & (window[1] > pos))
            fb = max(1, _BLOCK_BYTES // (8 * C * (k + (0 if top is None else top.shape[1]))))
            for s in range(0, len(use), fb):
                f = use[s:s + fb]
                part = (AN0[:, f].T @ onehot).reshape(len(f), k, C - 1)  # sums of the first C - 1
                last = totals[f][:, None] - part @ np.ones(C - 1)  # (fb, k): the last category's sum
                weighted_total = part @ weight[:-1] + last * weight[-1]  # eq. 2's denominator, up to a factor
                # share >= observed - tie, without dividing: sums >= (observed - tie) / w * total
                hits = np.empty((len(f), k, C), bool)
                np.greater_equal(part, bar[f, :, :-1] * weighted_total[:, :, None], out=hits[:, :, :-1])
                np.greater_equal(last, bar[f, :, -1] * weighted_total, out=hits[:, :, -1])
                valid = None
                if window is not None and ((window[0][f] > pos) | (window[1][f] < pos + k)).any():
                    at = pos + np.arange(k)[None, :]
                    valid = (at >= window[0][f][:, None]) & (at < window[1][f][:, None])
                    hits &= valid[:, :, None]
                exceed[f] += np.count_nonzero(hits, axis=1)
                if top is not None:
                    sums = np.concatenate([part, last[:, :, None]], axis=2)
                    with np.errstate(invalid="ignore", divide="ignore"):
                        null = sums * weight / weighted_total[:, :, None]
                    if valid is not None:
                        null[~valid] = -np.inf
                    block_top = top[f]
                    _top_merge(block_top, null)
                    top[f] = block_top


def _needed_shuffles(p_est: np.ndarray, cut: np.ndarray, tail: float, grid: np.ndarray) -> np.ndarray:
    """For each test, the first count of ``grid`` at which its p interval would exclude ``cut``
    if its Monte Carlo estimate ``p_est = b / n`` stayed; inf if none does.

    The interval is approximated by the variance-stabilised (square-root) bounds
    ``((sqrt(b + 1) + z / 2)**2 / n`` above and ``max(sqrt(b) - z / 2, 0)**2 / n`` below,
    close to the exact ones from b = 0 on (above, 5.2 / n against 5.3 / n at 99 %)."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - tail)
    n = grid.astype(np.float64)[None, :]
    b = p_est.reshape(-1, 1) * n
    c = cut.reshape(-1, 1)
    settled = np.where(p_est.reshape(-1, 1) < c, (np.sqrt(b + 1) + z / 2) ** 2 / n < c,
                       np.maximum(np.sqrt(b) - z / 2, 0) ** 2 / n > c)
    first = np.where(settled.any(axis=1), grid[settled.argmax(axis=1)], np.inf)
    return first.reshape(p_est.shape)


def _crit_from_tops(full: np.ndarray, base: np.ndarray, n_perm: np.ndarray, K: int) -> np.ndarray:
    """Critical shares (see :attr:`Permutations.crit`) from the largest null shares over all
    shuffles (F, FULL_RANKS, C) and over the first K (F, > BASE_RANKS[-1], C), unsorted."""
    full = -np.sort(-full, axis=1)
    base = -np.sort(-base, axis=1)
    F, _, C = full.shape
    crit = np.full((FULL_RANKS + len(BASE_RANKS), F, C), -np.inf)
    for r in range(FULL_RANKS):
        ok = r < n_perm
        crit[r, ok] = full[ok, r] + _TIE
    if K > 0:
        for i, r in enumerate(BASE_RANKS):
            if r < K:
                crit[FULL_RANKS + i] = base[:, r] + _TIE
    return crit.astype(np.float32)


def _passes(P: np.ndarray, threshold: float, correction: str | None, any_category: bool = False) -> np.ndarray:
    """The decision of a p-value rule for a matrix of p-values (n_filters, n_categories),
    NaN rows for silent filters; (n_filters,) when ``any_category``."""
    P = np.asarray(P, dtype=np.float64)
    if any_category:
        # One hypothesis per filter, "selective for some category": Bonferroni over the categories.
        P = np.minimum(1.0, P.shape[1] * np.fmin.reduce(P, axis=1))
    if correction == "bh":
        P = benjamini_hochberg(P)
    return np.nan_to_num(P, nan=np.inf) <= threshold


def _open_tests(lo: np.ndarray, hi: np.ndarray, q: float) -> np.ndarray:
    """(n_filters, n_categories) bool: BH decisions at level q (per category) that differ
    between the lower and the upper ends of the p intervals."""
    return _passes(lo, q, "bh") & ~_passes(hi, q, "bh")


def run_permutations(AN: np.ndarray, labels, n_permutations: int = 1000, seed: int = 0,
                     balanced: bool = True, n_categories: int | None = None, chunk: int = 128,
                     resolve_q: float | Sequence[float] | None = None,
                     max_permutations: int = MAX_PERMUTATIONS, confidence: float = MC_CONFIDENCE,
                     keep_critical: bool = False, stream: ShuffleStream | None = None) -> Permutations:
    """The permutation test of eq. 2 for every filter and category, optionally resolved for BH.

    Labels are shuffled ``n_permutations`` times (class sizes kept) and the share of eq. 2
    recomputed; all filters and a chunk of shuffles are handled by one matrix product.
    The draws depend on ``seed`` only, never on ``chunk``.

    Resolution (``resolve_q``, one or more BH levels). A filter's p-value estimates its
    *exact* permutation p-value (the one all possible shuffles would give) from its ``n``
    shuffles, and :func:`p_interval` brackets the exact value. BH at level q (per category,
    over the layer's filters) can only reject more when p-values fall, so its decisions at
    the two ends of the intervals bound the decisions for any values inside: a decision is
    *settled* when it is the same at both ends. The smallest p-value K shuffles can give,
    ``1 / (K + 1)``, is often above BH's bar ``k q / m``; such open decisions, whose p-value
    rests on at most two exceedances, are limited by resolution, and their filters get more
    shuffles: as many as the current estimate needs to settle them (at least twice and at
    most four times what they have, on the grid K x (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, ...)),
    round after round, until none is open or ``max_permutations`` is reached. (A floor
    decision that even ``max_permutations`` shuffles could not turn, because the most
    generous cut-off is below ``1 / (max_permutations + 1)``, is not pursued.) All filters
    draw from one seeded stream of shuffles (filter f uses its positions ``n_f - K`` to
    ``target - K``), so a filter's draws depend on the seed and its own count only. Open
    decisions resting on more exceedances are limited by Monte Carlo precision near the
    cut-off, which only very many shuffles would settle: they are left as they are and
    reported (:attr:`Permutations.unsettled`; :func:`unsettled`, ``n_unsettled`` in
    :func:`summary_table`).

    What the p-values then mean: each is ``(1 + b) / (1 + n_f)`` with the filter's own count
    ``n_f`` (``Permutations.n_perm``). At a resolved level, BH on them gives every settled
    decision exactly (the estimate lies inside its interval), and a settled decision is the
    one the exact permutation p-values would give unless one of them lies outside its
    ``confidence`` interval. At other levels they are estimates with resolution
    ``1 / (n_f + 1)``. (Continuation depends on each filter's running count, so a reported
    p-value is a Monte Carlo estimate, not by itself an exact level-alpha test; the
    guarantee is about the decisions.)

    Parameters
    ----------
    AN : array (n_images, n_filters) from :func:`normalize` (NaN columns = silent)
    labels : int array (n_images,)
    resolve_q : BH level(s) in (0, 1] to resolve, or None for the plain test
    max_permutations : the most shuffles any filter receives
    confidence : coverage of each p-value's interval
    keep_critical : also keep each test's critical shares (:attr:`Permutations.crit`),
        which the bootstrap of :func:`bootstrap_proportions` needs
    stream : a :class:`ShuffleStream` of the same labels and seed to draw the extra
        shuffles from (results do not depend on it; it saves drawing them again)

    Returns
    -------
    :class:`Permutations`
    """
    AN = np.asarray(AN, dtype=np.float64)
    labels, C, counts = _check_labels(labels, AN.shape[0], n_categories)
    if int(n_permutations) != n_permutations or n_permutations < 1:
        raise ValueError(f"n_permutations must be a positive integer; got {n_permutations!r}.")
    if int(chunk) != chunk or chunk < 1:
        raise ValueError(f"chunk must be a positive integer; got {chunk!r}.")
    levels = () if resolve_q is None else tuple(sorted({float(q) for q in np.atleast_1d(resolve_q)}))
    for q in levels:
        check_rule("p", q, "bh")
    K = int(n_permutations)
    silent = np.isnan(AN).any(axis=0)
    AN0 = np.nan_to_num(AN)
    F = AN.shape[1]
    eye = np.eye(C)
    observed = _shares(AN0, eye[labels], counts, balanced)  # (F, 1, C)
    exceed = np.zeros((F, C), np.int64)
    n_perm = np.where(silent, 0, K).astype(np.int64)

    # Stage 0: all shuffles drawn up front (K x n_images small ints), so the p-values do
    # not depend on ``chunk``, which only bounds the memory of the matrix products.
    small = np.int16 if C < 2**15 else np.int64
    shuffles = np.random.default_rng(seed).permuted(
        np.broadcast_to(labels.astype(small), (K, len(labels))), axis=1)
    base_top = np.full((F, BASE_RANKS[-1] + 1, C), -np.inf) if keep_critical else None
    _count_null(AN0, iter([(0, shuffles)]), observed, counts, balanced, chunk, exceed, base_top)
    top = None if base_top is None else np.partition(base_top, base_top.shape[1] - FULL_RANKS, axis=1)[:, -FULL_RANKS:]
    del shuffles

    unsettled = np.zeros(F, bool)
    tail = (1 - confidence) / 2
    steps = sorted({1, 2, 3} | {m * 2 ** e for e in range(40) for m in (4, 5, 6, 7)})
    grid = K * np.array([m for m in steps if K * m <= max(max_permutations, K)], np.int64)
    if stream is None or not stream.matches(labels, seed):
        stream = ShuffleStream(labels, seed)
    while levels:
        p = Permutations(exceed, n_perm, None, unsettled).p
        lo, hi = p_interval(p, n_perm, confidence, upto=max(levels))
        # Open decisions whose p-value sits at the floor (at most _FLOOR_COUNT exceedances) are
        # limited by resolution: those filters get more shuffles. An open decision with more
        # exceedances is limited by Monte Carlo precision near the cut-off: left as it is, and
        # reported as unsettled.
        open_tests = np.zeros(p.shape, bool)
        need = np.zeros(F)  # shuffles each filter needs to settle its floor decisions
        est = exceed / np.maximum(n_perm, 1)[:, None]
        for q in levels:
            open_ = _open_tests(lo, hi, q)
            open_tests |= open_
            # A floor decision the budget cannot turn: even 1 / (max + 1) stays above the most
            # generous cut-off (BH on the lower ends); more shuffles would not change it.
            reachable = 1 / (grid[-1] + 1.0) <= bh_cutoff(lo, q)[None, :]
            rows, cols = np.nonzero(open_ & (exceed <= _FLOOR_COUNT) & reachable)
            if rows.size:
                n_q = np.zeros(p.shape)
                n_q[rows, cols] = _needed_shuffles(est[rows, cols], bh_cutoff(p, q)[cols], tail, grid)
                need = np.maximum(need, n_q.max(axis=1))
        open_filters = open_tests.any(axis=1)
        # Aim at what the current estimate needs, at least doubling and at most multiplying by
        # 4 a filter's shuffles per round. Counts stay on the grid K * (1, 2, 3, 4, 5, 6, 7, 8,
        # 10, 12, 14, 16, 20, ...: about 19 % apart) up to max_permutations, so few distinct
        # counts occur (their p intervals are memoised).
        want = np.searchsorted(grid, np.minimum(need, grid[-1]))
        least = np.searchsorted(grid, 2 * n_perm)
        most = np.searchsorted(grid, _MOST_GROWTH * n_perm, side="right") - 1
        j = np.minimum(np.clip(want, least, most), len(grid) - 1)
        extra = np.where(need > 0, grid[j] - n_perm, 0).astype(np.int64)
        if not (extra > 0).any():
            unsettled = open_filters
            break
        idx = np.flatnonzero(extra > 0)
        first, last = n_perm[idx] - K, n_perm[idx] - K + extra[idx]
        sub_exceed, sub_top = exceed[idx], None if top is None else top[idx]
        _count_null(AN0[:, idx], stream.spans(first, last), observed[idx], counts, balanced,
                    chunk, sub_exceed, sub_top, window=(first, last))
        exceed[idx] = sub_exceed
        n_perm[idx] += extra[idx]
        if top is not None:
            top[idx] = sub_top

    crit = None
    if keep_critical:
        crit = _crit_from_tops(top, base_top, n_perm, K)
        crit[:, silent] = np.nan
    return Permutations(exceed, n_perm, crit, unsettled)


def permutation_test(AN: np.ndarray, labels, n_permutations: int = 1000, seed: int = 0,
                     balanced: bool = True, n_categories: int | None = None,
                     chunk: int = 128, resolve_q: float | Sequence[float] | None = None,
                     max_permutations: int = MAX_PERMUTATIONS) -> np.ndarray:
    """One-sided permutation p-values for eq. 2, per filter and category.

    Labels are shuffled ``n_permutations`` times (class sizes kept); for each filter
    and category, ``p = (1 + #{null index >= observed index}) / (1 + n_permutations)``.
    With ``resolve_q``, filters whose Benjamini–Hochberg decision at those levels is not
    settled get more shuffles (see :func:`run_permutations`, which also returns how many).

    Returns
    -------
    float64 array (n_filters, n_categories) in (0, 1]; NaN for silent filters.
    """
    return run_permutations(AN, labels, n_permutations, seed, balanced, n_categories, chunk,
                            resolve_q, max_permutations).p


# --------------------------------------------------------------------------- statistics helpers


_BOUNDS_MEMO: dict[tuple[float, int], tuple[np.ndarray, np.ndarray]] = {}


def p_interval(p: np.ndarray, n_perm: np.ndarray, confidence: float = MC_CONFIDENCE,
               upto: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact interval for the exact permutation p-value behind each Monte Carlo p-value.

    Parameters
    ----------
    p : (n_filters, n_categories) p-values ``(1 + b) / (1 + n)``; NaN for silent filters
    n_perm : (n_filters,) shuffles behind each row
    confidence : coverage of each interval
    upto : when given, bounds are only needed for comparisons with thresholds <= upto:
        an upper bound that is surely above ``upto`` is returned as 1, a lower bound that
        is surely above it (a Chernoff bound says so) as ``b / n``; no decision at such a
        threshold changes, and the work shrinks to the few small p-values

    Returns
    -------
    (low, high), arrays like ``p``: the Clopper–Pearson interval of the success
    probability after ``b`` of ``n`` shuffles reached the observed share; NaN where p is.
    Bounds are memoised per (n, b), so repeated calls (a threshold slider) are cheap.
    """
    p = np.asarray(p, dtype=np.float64)
    n = np.broadcast_to(np.asarray(n_perm, dtype=np.int64)[:, None], p.shape)
    ok = ~np.isnan(p) & (n > 0)
    b = np.zeros(p.shape, np.int64)
    b[ok] = np.rint(p[ok] * (n[ok] + 1) - 1).astype(np.int64)
    rate = np.where(ok, b / np.maximum(n, 1), np.nan)
    lo, hi = rate.copy(), np.where(ok, 1.0, np.nan)
    need_lo, need_hi = ok.copy(), ok.copy()
    if upto is not None:
        need_hi &= p <= upto  # the upper bound is at least p itself
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.clip(rate, 1e-300, 1.0)
            kl = r * np.log(r / upto) + np.where(r < 1, (1 - r) * np.log((1 - r) / (1 - upto)), 0.0)
        need_lo &= ~((rate > upto) & (n * kl >= -np.log((1 - confidence) / 2)))
    used = need_lo | need_hi
    memos = {}
    missing_b, missing_n = [], []
    for nn in np.unique(n[used]):
        memo = _BOUNDS_MEMO.get((confidence, int(nn)))
        if memo is None:
            memo = (np.full(nn + 1, np.nan), np.full(nn + 1, np.nan))
            if nn <= 2_000_000:
                _BOUNDS_MEMO[(confidence, int(nn))] = memo
        memos[int(nn)] = memo
        wanted = np.unique(b[used & (n == nn)])
        wanted = wanted[np.isnan(memo[0][wanted])]
        missing_b.append(wanted)
        missing_n.append(np.full(wanted.size, nn))
    if missing_b and sum(m.size for m in missing_b):  # one vectorised call for every new (n, b)
        mb, mn = np.concatenate(missing_b), np.concatenate(missing_n)
        new_lo, new_hi = clopper_pearson(mb, mn, confidence)
        for nn, memo in memos.items():
            at = mn == nn
            memo[0][mb[at]], memo[1][mb[at]] = new_lo[at], new_hi[at]
    for nn, memo in memos.items():
        sel_lo, sel_hi = need_lo & (n == nn), need_hi & (n == nn)
        lo[sel_lo], hi[sel_hi] = memo[0][b[sel_lo]], memo[1][b[sel_hi]]
    return lo, hi


def wilson_interval(k, n, confidence: float = 0.95):
    """Wilson score interval for a binomial proportion k/n; arrays broadcast.

    Returns (low, high): exactly 0 at k = 0 and exactly 1 at k = n; NaN where n == 0.
    """
    from statistics import NormalDist

    k, n = np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        phat = k / n
        denom = 1 + z**2 / n
        centre = (phat + z**2 / (2 * n)) / denom
        half = z * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2)) / denom
        lo = np.where(k == 0, 0.0, np.clip(centre - half, 0, 1))
        hi = np.where(k == n, 1.0, np.clip(centre + half, 0, 1))
    bad = ~(n > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


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


# --------------------------------------------------------------------------- bootstrap


def bootstrap_weights(labels, n_boot: int = N_BOOT, seed: int = 0) -> np.ndarray:
    """Bootstrap resamples of a stimulus set, within each category.

    Each resample draws, for every category, as many images as it has, with replacement,
    from that category's images. Returns int64 (n_boot, n_images): how often each image
    is drawn in each resample. Seeded; the same for every layer of a network.
    """
    labels = np.asarray(labels, dtype=np.int64)
    if int(n_boot) != n_boot or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer; got {n_boot!r}.")
    rng = np.random.default_rng([seed, _BOOT_STREAM])
    N = len(labels)
    W = np.zeros(n_boot * N, np.int64)
    rows = (np.arange(n_boot) * N)[:, None]
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        draws = members[rng.integers(0, len(members), size=(n_boot, len(members)))]
        W += np.bincount((rows + draws).ravel(), minlength=n_boot * N)
    return W.reshape(n_boot, N)


def _extreme_included(A_sorted: np.ndarray, order: np.ndarray, included: np.ndarray, look: int = 32) -> np.ndarray:
    """Per resample and filter, the first value of ``A_sorted`` (sorted along images by
    ``order``) whose image is included: (B, F). Almost always among the first ``look``."""
    B, F = included.shape[0], A_sorted.shape[1]
    t = min(look, order.shape[0])
    inc = included[:, order[:t]]  # (B, t, F)
    first = inc.argmax(axis=1)
    out = A_sorted[first, np.arange(F)[None, :]]
    missing = ~inc.any(axis=1)
    for b, f in zip(*np.nonzero(missing)):  # rare: none of the first ``look`` was drawn
        out[b, f] = A_sorted[np.flatnonzero(included[b, order[:, f]])[0], f]
    return out


def bootstrap_shares(A: np.ndarray, labels, weights: np.ndarray, balanced: bool = True,
                     n_categories: int | None = None, rtol: float = 1e-6, layer: str | None = None,
                     block: int = 50) -> np.ndarray:
    """Eq. 1 and eq. 2 recomputed on each bootstrap resample of the images.

    Eq. 1 is redone on each resample (its minimum and silent test use the drawn images);
    the share of eq. 2 does not depend on eq. 1's scale (up to its tiny epsilon), so only
    the minimum is needed: ``S[c] = w_c (m_c - lo) / sum_c' w_c' (m_c' - lo)`` with
    ``m_c`` the category's mean over the drawn images and ``w_c = 1`` (balanced) or the
    category's size (plain share of sums).

    Parameters
    ----------
    A : array (n_images, n_filters), raw activations
    weights : int (n_boot, n_images) from :func:`bootstrap_weights`

    Returns
    -------
    float64 (n_boot, n_filters, n_categories); NaN where a filter is silent on a resample.
    """
    A = np.asarray(A, dtype=np.float64)
    check_finite(A, layer)
    labels, C, counts = _check_labels(labels, A.shape[0], n_categories)
    weights = np.asarray(weights)
    if weights.ndim != 2 or weights.shape[1] != A.shape[0]:
        raise ValueError(f"weights must be (n_boot, {A.shape[0]}); got shape {weights.shape}.")
    onehot = np.eye(C)[labels]  # (N, C)
    order = np.argsort(A, axis=0, kind="stable")
    low_sorted = np.take_along_axis(A, order, axis=0)
    high_order = order[::-1]
    high_sorted = low_sorted[::-1]
    w_cat = np.ones(C) if balanced else counts.astype(np.float64)
    out = np.empty((weights.shape[0], A.shape[1], C))
    for start in range(0, weights.shape[0], block):
        W = weights[start:start + block].astype(np.float64)
        B = len(W)
        means = ((W[:, None, :] * onehot.T[None]).reshape(B * C, -1) @ A).reshape(B, C, -1) / counts[None, :, None]
        included = W > 0
        lo = _extreme_included(low_sorted, order, included)
        hi = _extreme_included(high_sorted, high_order, included)
        silent = (hi - lo == 0) | (hi - lo <= rtol * np.maximum(np.abs(lo), np.abs(hi)))
        num = w_cat[None, :, None] * (means - lo[:, None, :])
        with np.errstate(invalid="ignore", divide="ignore"):
            S = num / num.sum(axis=1, keepdims=True)
        S = S.transpose(0, 2, 1)
        S[silent] = np.nan
        out[start:start + B] = S
    return out


def _pack_shares(S: np.ndarray) -> np.ndarray:
    """Shares in [0, 1] (NaN allowed) -> uint16, a resolution of 1.5e-5."""
    packed = np.rint(np.clip(np.nan_to_num(S, nan=0.0), 0, 1) * _SHARE_SCALE).astype(np.uint16)
    packed[np.isnan(S)] = _NAN16
    return packed


def _unpack_shares(packed: np.ndarray) -> np.ndarray:
    S = packed.astype(np.float64) / _SHARE_SCALE
    S[packed == _NAN16] = np.nan
    return S


# --------------------------------------------------------------------------- per-layer results


@dataclass
class LayerSelectivity:
    """Selectivity of one layer's filters.

    index : (n_filters, n_categories) eq. 2 shares, NaN for silent filters
    p : (n_filters, n_categories) permutation p-values, NaN for silent filters
    silent : (n_filters,) bool
    n_perm : (n_filters,) int64 shuffles behind each filter's p-values (more for
        filters whose decision was resolved); None when unknown
    crit : float32 critical shares (:attr:`Permutations.crit`), or None
    boot : uint16 (n_boot, n_filters, n_categories) shares on each bootstrap resample
        (packed: share * 65534, 65535 for NaN), or None
    """

    index: np.ndarray
    p: np.ndarray
    silent: np.ndarray
    n_perm: np.ndarray | None = None
    crit: np.ndarray | None = None
    boot: np.ndarray | None = None

    @property
    def n_filters(self) -> int:
        return int(self.index.shape[0])

    @property
    def n_boot(self) -> int:
        return 0 if self.boot is None else int(self.boot.shape[0])

    def p_interval(self, confidence: float = MC_CONFIDENCE,
                   upto: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Interval for each exact permutation p-value (:func:`p_interval`)."""
        if self.n_perm is None:
            raise ValueError("This result does not record how many shuffles each filter got; "
                             "recompute it with helpers.selectivity.analyze.")
        return p_interval(self.p, self.n_perm, confidence, upto)


@dataclass
class Selectivity(ModelMeta):
    """Selectivity of every layer: ``layers[name]`` is a :class:`LayerSelectivity`.

    n_permutations : shuffles every filter got; resolved filters got more (``n_perm``)
    resolve_q : BH levels at which decisions were resolved (see :func:`run_permutations`)
    n_boot : bootstrap resamples of the images kept per layer (0: none)
    mc_confidence : coverage of the p intervals used to judge decisions settled
    """

    layers: dict[str, LayerSelectivity]
    categories: list[str]
    n_permutations: int
    seed: int
    balanced: bool
    meta: dict = field(default_factory=dict)
    resolve_q: tuple = ()
    n_boot: int = 0
    mc_confidence: float = MC_CONFIDENCE

    def __getitem__(self, layer: str) -> LayerSelectivity:
        return self.layers[layer]


def analyze(acts: Mapping[str, np.ndarray], labels=None, categories: Sequence[str] | None = None,
            n_permutations: int = 1000, seed: int = 0, balanced: bool = True, eps: float = 1e-12,
            resolve_q: float | Sequence[float] | None = RESOLVE_Q, n_boot: int = N_BOOT,
            max_permutations: int = MAX_PERMUTATIONS, mc_confidence: float = MC_CONFIDENCE) -> Selectivity:
    """Eq. 1, eq. 2, the permutation test and the image bootstrap for every layer.

    Parameters
    ----------
    acts : layer -> array (n_images, n_filters), e.g. :func:`helpers.activations.collect`'s
        result (whose labels, categories and metadata are used when not given)
    n_permutations, seed : shuffles every filter gets, and their seed
    resolve_q : Benjamini–Hochberg level(s) whose decisions are resolved with more shuffles
        where needed (default 0.01 and 0.05; None for the plain test). Pass the level you
        will use with ``summary_table(..., correction="bh")`` if it is another one.
    n_boot : bootstrap resamples of the images within each category (0: no bootstrap
        intervals in :func:`summary_table`)
    max_permutations, mc_confidence : see :func:`run_permutations`

    Raises ValueError naming the layer and filters when activations are not finite.
    """
    labels = getattr(acts, "labels", None) if labels is None else labels
    categories = getattr(acts, "categories", None) if categories is None else categories
    if labels is None or categories is None:
        raise ValueError("Pass labels and categories (or an Activations object that carries them).")
    levels = () if resolve_q is None else tuple(sorted({float(q) for q in np.atleast_1d(resolve_q)}))
    weights = bootstrap_weights(labels, n_boot, seed) if n_boot else None
    stream = ShuffleStream(np.asarray(labels), seed)  # shared by the layers: drawn once
    layers = {}
    for name, A in acts.items():
        check_finite(A, name)
        AN = normalize(A, eps=eps)
        perms = run_permutations(AN, labels, n_permutations, seed, balanced, len(categories),
                                 resolve_q=levels or None, max_permutations=max_permutations,
                                 confidence=mc_confidence, keep_critical=bool(n_boot), stream=stream)
        boot = None
        if n_boot:
            boot = _pack_shares(bootstrap_shares(A, labels, weights, balanced, len(categories), layer=name))
        layers[name] = LayerSelectivity(
            index=selectivity_index(AN, labels, len(categories), balanced), p=perms.p,
            silent=np.isnan(AN).any(axis=0), n_perm=perms.n_perm, crit=perms.crit, boot=boot)
    meta = dict(getattr(acts, "meta", {}) or {})
    meta["stats_version"] = STATS_VERSION
    return Selectivity(layers, list(categories), int(n_permutations), seed, balanced, meta,
                       resolve_q=levels, n_boot=int(n_boot), mc_confidence=mc_confidence)


# --------------------------------------------------------------------------- decisions


def selective(layer: LayerSelectivity, criterion: str = "p", threshold: float = 0.01,
              correction: str | None = None) -> np.ndarray:
    """Boolean (n_filters, n_categories): which filters count as selective for which category.

    criterion "p": p-value <= threshold, or with ``correction="bh"`` Benjamini–Hochberg at
    level ``threshold`` over the layer's non-silent filters, separately per category;
    criterion "index": eq. 2 share >= threshold (no correction applies; one raises).
    Silent filters are never selective. See :func:`check_rule` for the valid values.
    """
    criterion, threshold, correction = check_rule(criterion, threshold, correction)
    if criterion == "p":
        return _passes(layer.p, threshold, correction)
    return np.nan_to_num(layer.index, nan=-np.inf) >= threshold


def selective_any(layer: LayerSelectivity, criterion: str = "p", threshold: float = 0.01,
                  correction: str | None = None) -> np.ndarray:
    """Boolean (n_filters,): filters selective for at least one category, multiplicity corrected.

    "Selective for some category" is one hypothesis per filter tested with one p-value per
    category, so its p-value is Bonferroni's ``min(1, n_categories * min_c p[f, c])``
    (for this "any" question Holm's procedure gives the same answer). That p-value is then
    compared with ``threshold`` (no correction), or Benjamini–Hochberg at level
    ``threshold`` runs over the layer's non-silent filters (``correction="bh"``).
    criterion "index": some share >= threshold (a description, not a test).

    The p-values are resolved for BH per category (:func:`run_permutations`), not for this
    Bonferroni-then-BH rule: with ``correction="bh"`` the bar is ``n_categories`` times
    finer, and filters at the floor of the test can be missed.
    """
    criterion, threshold, correction = check_rule(criterion, threshold, correction)
    if criterion == "p":
        return _passes(layer.p, threshold, correction, any_category=True)
    return (np.nan_to_num(layer.index, nan=-np.inf) >= threshold).any(axis=1)


def unsettled(layer: LayerSelectivity, criterion: str = "p", threshold: float = 0.01,
              correction: str | None = None, confidence: float = MC_CONFIDENCE) -> np.ndarray:
    """Boolean (n_filters, n_categories): decisions that more shuffles could still change.

    A decision of the p rule is settled when it is the same at both ends of every p-value's
    interval (:func:`p_interval`); the index rule involves no shuffles and is always settled.
    """
    criterion, threshold, correction = check_rule(criterion, threshold, correction)
    if criterion == "index":
        return np.zeros(layer.index.shape, bool)
    lo, hi = layer.p_interval(confidence, upto=threshold)
    return _passes(lo, threshold, correction) & ~_passes(hi, threshold, correction)


def bh_cutoff(p: np.ndarray, q: float) -> np.ndarray:
    """Per column of ``p`` (n_tests, n_columns; NaN ignored), the p-value cut-off of
    Benjamini–Hochberg at level q: ``k q / m`` with ``k`` its number of rejections (1
    when it rejects none), so that it rejects exactly the p-values at or below it."""
    p = np.asarray(p, dtype=np.float64)
    k = _passes(p, q, "bh").sum(axis=0)
    m = (~np.isnan(p)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.maximum(k, 1) * q / m


def _critical_share(layer: LayerSelectivity, level: np.ndarray, K: int) -> np.ndarray:
    """Each test's critical share (F, C) for the rule ``p <= level`` (level per column).

    Exact where the rank ``floor(level * (n + 1)) - 1`` is below FULL_RANKS; above, linear
    interpolation between the kept ranks of the first K shuffles. For a filter resolved with
    more than K shuffles, ranks beyond its FULL_RANKS largest use the last of those, which is
    stricter than the exact value. +inf where no share can pass (rank < 0)."""
    n = layer.n_perm[:, None].astype(np.float64)
    lv = np.broadcast_to(level, layer.p.shape)
    rank_full = np.floor(lv * (n + 1) - 1 + 1e-9)
    rank_base = np.floor(lv * (K + 1) - 1 + 1e-9)
    crit = layer.crit.astype(np.float64)
    small = np.clip(rank_full, 0, FULL_RANKS - 1).astype(np.int64)
    out = np.take_along_axis(crit, small[None], axis=0)[0]
    anchors = np.concatenate([[FULL_RANKS - 1], BASE_RANKS])
    values = np.concatenate([crit[FULL_RANKS - 1:FULL_RANKS], crit[FULL_RANKS:]])  # (len(anchors), F, C)
    r = np.clip(rank_base, anchors[0], anchors[-1])
    i = np.clip(np.searchsorted(anchors, r, side="right") - 1, 0, len(anchors) - 2)
    lo_v = np.take_along_axis(values, i[None], axis=0)[0]
    hi_v = np.take_along_axis(values, (i + 1)[None], axis=0)[0]
    w = (r - anchors[i]) / (anchors[i + 1] - anchors[i])
    with np.errstate(invalid="ignore"):
        interp = np.where(np.isfinite(hi_v), lo_v + w * (hi_v - lo_v), lo_v)
    resolved = n > K
    beyond = rank_full >= FULL_RANKS
    out = np.where(beyond & ~resolved, interp, out)  # resolved filters keep their FULL_RANKS-th value
    return np.where(rank_full < 0, np.inf, out)


def bootstrap_proportions(layer: LayerSelectivity, criterion: str = "p", threshold: float = 0.01,
                          correction: str | None = None, base_permutations: int = 1000) -> np.ndarray:
    """The layer's proportion of selective filters on each bootstrap resample of the images.

    Returns float64 (n_boot, n_categories); the denominator is every filter of the layer.
    ``base_permutations``: the shuffles every filter got (:attr:`Selectivity.n_permutations`).

    On each resample the shares of eq. 2 are recomputed (eq. 1 included, :func:`bootstrap_shares`);
    the permutation test is not rerun. Approximations, stated:

    - each test keeps the critical share of its null distribution on the full stimulus
      set: the p rule passes on a resample when the resampled share exceeds it;
    - with ``correction="bh"`` the p-value cut-off that BH found on the full set
      (:func:`bh_cutoff`) is kept fixed;
    - critical shares are kept at some ranks of each null (:attr:`Permutations.crit`) and
      interpolated between them; resampled shares are stored to 1.5e-5;
    - a filter's margin to its critical share is taken as at least zero on the side of
      its decision on the full set, so that an unchanged share repeats that decision.
    """
    criterion, threshold, correction = check_rule(criterion, threshold, correction)
    if layer.boot is None:
        raise ValueError("This result has no bootstrap resamples; rerun analyze(..., n_boot=200).")
    S_boot = _unpack_shares(layer.boot)  # (B, F, C)
    F = layer.n_filters
    if criterion == "index":
        passed = np.nan_to_num(S_boot, nan=-np.inf) >= threshold
        return passed.sum(axis=1) / F
    if layer.crit is None or layer.n_perm is None:
        raise ValueError("This result keeps no critical shares; rerun analyze() to get bootstrap intervals.")
    level = np.full(layer.p.shape, threshold)
    crit = _critical_share(layer, level, base_permutations)
    if correction == "bh":
        return _bh_replicates(layer, S_boot, crit, threshold, base_permutations)
    observed = _passes(layer.p, threshold, correction)
    with np.errstate(invalid="ignore"):
        margin = layer.index - crit
        margin = np.where(observed & ~(margin > 0), 1e-9, margin)
        margin = np.where(~observed & (margin > 0), 0.0, margin)
        passed = (S_boot - layer.index[None] + margin[None]) > 0
    passed &= ~np.isnan(S_boot) & ~layer.silent[None, :, None]
    return passed.sum(axis=1) / F


def _replicate_p(layer: LayerSelectivity, share: np.ndarray, f: np.ndarray, c: np.ndarray, K: int) -> np.ndarray:
    """Approximate p-values of resampled shares ``share`` (M,) of tests (f, c) against each
    test's kept null shares: ``(1 + count) / (1 + n)`` with count the null shares at or above
    the share, exact among a filter's FULL_RANKS largest, interpolated between the kept ranks
    of the first K shuffles beyond; 1 beyond the last kept rank."""
    crit = layer.crit[:, f, c].astype(np.float64)  # (R, M), decreasing along axis 0
    n = layer.n_perm[f].astype(np.float64)
    above = share[None, :] > crit[:FULL_RANKS]
    small = above.any(axis=0)
    p = np.where(small, (1 + above.argmax(axis=0)) / (1 + n), np.nan)
    resolved = n > K
    p = np.where(~small & resolved, (1 + FULL_RANKS) / (1 + K), p)  # stricter than exact: see _critical_share
    rest = np.flatnonzero(np.isnan(p))
    if rest.size:
        anchors = np.concatenate([[FULL_RANKS - 1], BASE_RANKS]).astype(np.float64)
        values = np.concatenate([crit[FULL_RANKS - 1:FULL_RANKS, rest], crit[FULL_RANKS:, rest]])
        s = share[rest]
        below = (s[None, :] <= values)  # anchors whose value the share does not exceed
        i = below.sum(axis=0) - 1  # last anchor at or above the share
        beyond = i >= len(anchors) - 1
        i = np.clip(i, 0, len(anchors) - 2)
        hi_v = values[i, np.arange(rest.size)]
        lo_v = values[i + 1, np.arange(rest.size)]
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(np.isfinite(lo_v) & (hi_v > lo_v), (hi_v - s) / (hi_v - lo_v), 1.0)
        count = anchors[i] + np.clip(w, 0, 1) * (anchors[i + 1] - anchors[i])
        p[rest] = np.where(beyond, 1.0, np.minimum(1.0, (1 + count) / (1 + K)))
    return p


def _bh_replicates(layer: LayerSelectivity, S_boot: np.ndarray, crit_q: np.ndarray, q: float, K: int) -> np.ndarray:
    """Benjamini–Hochberg at level q redone on every resample: (n_boot, n_categories) proportions.

    Only resampled shares above the critical share of level q can have p <= q, so only those
    get a p-value (:func:`_replicate_p`); BH then runs per resample and category over the
    layer's non-silent filters."""
    B, F, C = S_boot.shape
    with np.errstate(invalid="ignore"):
        cand = (S_boot > crit_q[None]) & ~layer.silent[None, :, None]
    b, f, c = np.nonzero(cand)
    out = np.zeros((B, C))
    if b.size == 0:
        return out
    p = _replicate_p(layer, S_boot[b, f, c], f, c, K)
    m = np.maximum((~layer.silent).sum(), 1)
    group = b * C + c
    order = np.lexsort((p, group))
    group, p = group[order], p[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    rank = np.arange(len(p)) - np.repeat(starts, np.diff(np.r_[starts, len(p)])) + 1
    ok = np.where(p <= rank * q / m, rank, 0)
    k = np.maximum.reduceat(ok, starts)
    g = group[starts]
    out[g // C, g % C] = k
    return out / F


def bootstrap_interval(estimate: np.ndarray, replicates: np.ndarray, confidence: float = 0.95):
    """Interval for a proportion from its bootstrap replicates, centred on the estimate.

    estimate : (n,) proportions on the full stimulus set; replicates : (n_boot, n)
    Returns (low, high), each (n,): ``estimate + (quantile - median of the replicates)`` for
    the quantiles (1 -/+ confidence) / 2, clipped to [0, 1].

    Why centred: on a resample a filter's share scatters around its *observed* value, so a
    filter whose observed share lies just short of its critical value passes on about half
    the resamples. Null filters (most of a layer) then pass more often on resamples than
    on fresh stimulus sets, and the replicates sit above the observed proportion (about 5 %
    instead of 1 % at p <= 0.01). Their spread still carries the dependence between
    filters that share the images, which the Wilson interval ignores; it is somewhat too
    wide for null filters, so the interval errs on the wide side (coverage is checked by
    simulation in the tests).
    """
    tail = 100 * (1 - confidence) / 2
    lo_q, mid, hi_q = np.percentile(replicates, [tail, 50, 100 - tail], axis=0)
    return np.clip(estimate + lo_q - mid, 0, 1), np.clip(estimate + hi_q - mid, 0, 1)


def summary_table(result: Selectivity, criterion: str = "p", threshold: float = 0.01,
                  correction: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Per layer and category: selective filters, all filters, the proportion with intervals.

    Columns
    -------
    layer, depth (0 = shallowest), category, n_selective, n_filters, proportion;
    ci_low, ci_high: interval of the proportion from the bootstrap resamples of the images
    (uncertainty from the choice of stimuli; :func:`bootstrap_proportions`,
    :func:`bootstrap_interval`), NaN when the result has no resamples; wilson_low, wilson_high: Wilson interval, which
    treats the filters as independent draws (exact 0 and 1 at the ends); n_unsettled:
    decisions more shuffles could change (:func:`unsettled`; NaN when unknown);
    n_silent; criterion, threshold, correction, confidence (of both intervals), ci_method
    (what ci_low/ci_high are), model.
    The proportion's denominator is all filters of the layer, silent ones included.
    A correction is applied, never only printed: ``correction="bh"`` with
    ``criterion="index"`` raises (see :func:`check_rule`).
    """
    criterion, threshold, correction = check_rule(criterion, threshold, correction)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1); got {confidence!r}.")
    rows = []
    methods = set()
    for depth, (name, layer) in enumerate(result.layers.items()):
        mask = selective(layer, criterion, threshold, correction)
        n = layer.n_filters
        k = mask.sum(axis=0)
        lo, hi = wilson_interval(k, n, confidence)
        C = len(result.categories)
        if layer.boot is not None and (criterion == "index" or layer.crit is not None):
            props = bootstrap_proportions(layer, criterion, threshold, correction, result.n_permutations)
            b_lo, b_hi = bootstrap_interval(k / n, props, confidence)
            methods.add(f"{confidence:.0%} bootstrap interval ({layer.n_boot} resamples of the images "
                        "within each category, centred on the observed proportion)")
        else:
            b_lo = b_hi = np.full(C, np.nan)
            methods.add("none (no bootstrap resamples in this result)")
        if criterion == "p" and layer.n_perm is None:
            open_ = np.full(C, np.nan)
        else:
            open_ = unsettled(layer, criterion, threshold, correction, result.mc_confidence).sum(axis=0)
        for c, cat in enumerate(result.categories):
            rows.append({"layer": name, "depth": depth, "category": cat, "n_selective": int(k[c]),
                         "n_filters": n, "proportion": k[c] / n, "ci_low": b_lo[c], "ci_high": b_hi[c],
                         "wilson_low": lo[c], "wilson_high": hi[c], "n_unsettled": open_[c],
                         "n_silent": int(layer.silent.sum())})
    df = pd.DataFrame(rows)
    df["criterion"], df["threshold"] = criterion, threshold
    df["correction"] = correction or "none"
    df["confidence"] = confidence
    df["ci_method"] = "; ".join(sorted(methods))
    df["model"] = result.model_label
    return df


def most_selective(result: Selectivity, layer: str, category: str, k: int = 5,
                   by: str = "index") -> pd.DataFrame:
    """The ``k`` filters of ``layer`` most selective for ``category`` (fewer if the layer
    has fewer non-silent filters).

    Ranked by eq. 2 share (``by="index"``, ties broken by p) or by p-value
    (``by="p"``, ties broken by share). Silent filters are left out.
    Columns: filter, index, p, rank.
    """
    if by not in RANK_BY:
        raise ValueError(f"Unknown ranking {by!r}; use 'index' (eq. 2 share) or 'p' (p-value).")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive whole number of filters; got {k!r}.")
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


# --------------------------------------------------------------------------- saving


_FIELDS = ("index", "p", "silent", "n_perm", "crit", "boot")


def save_selectivity(result: Selectivity, path: str | Path) -> Path:
    """Write ``result`` to one ``.npz`` file (no pickles), atomically
    (:func:`helpers.cache.atomic_file`): the file appears complete or not at all. Every
    field of every layer is kept, with the version of the statistics
    (:data:`STATS_VERSION`) that :func:`load_selectivity` checks."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"stats_version": STATS_VERSION, "layers": list(result.layers), "categories": result.categories,
              "n_permutations": result.n_permutations, "seed": result.seed, "balanced": result.balanced,
              "meta": result.meta, "resolve_q": list(result.resolve_q), "n_boot": result.n_boot,
              "mc_confidence": result.mc_confidence}
    arrays = {"header": np.array(json.dumps(header, default=str))}
    for i, layer in enumerate(result.layers.values()):
        for name in _FIELDS:
            value = getattr(layer, name)
            if value is not None:
                arrays[f"{name}{i}"] = value
    with atomic_file(path) as f:
        np.savez(f, **arrays)
    return path


def load_selectivity(path: str | Path) -> Selectivity:
    """Read what :func:`save_selectivity` wrote. Raises ValueError if the file is unreadable
    or was written by another version of the statistics (:data:`STATS_VERSION`)."""
    try:
        with np.load(Path(path), allow_pickle=False) as z:
            header = json.loads(str(z["header"]))
            if header.get("stats_version") != STATS_VERSION:
                raise ValueError(f"written by statistics version {header.get('stats_version')}, "
                                 f"this is {STATS_VERSION}")
            layers = {name: LayerSelectivity(**{f: (z[f"{f}{i}"] if f"{f}{i}" in z else None) for f in _FIELDS})
                      for i, name in enumerate(header["layers"])}
    except (OSError, KeyError, json.JSONDecodeError, TypeError) as e:
        raise ValueError(f"unreadable selectivity file {path} ({e})") from None
    return Selectivity(layers, list(header["categories"]), int(header["n_permutations"]), int(header["seed"]),
                       bool(header["balanced"]), dict(header["meta"]), tuple(header["resolve_q"]),
                       int(header["n_boot"]), float(header["mc_confidence"]))
