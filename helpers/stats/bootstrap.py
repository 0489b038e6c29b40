"""Uncertainty from the stimuli: bootstrap resamples of the images within each category.

The uncertainty a reader of "x % of this layer's filters are face-selective" cares
about comes from the choice of images; the Wilson interval
(:func:`helpers.stats.binomial.wilson_interval`) treats the filters as independent coin flips
instead. Here the images are resampled within each category
(:func:`bootstrap_weights`, seeded), eq. 1 and eq. 2 are recomputed on every resample
(:func:`bootstrap_shares`, vectorised; kept compactly with :func:`pack_shares`), each
resample is decided with the critical shares of the permutation test
(:func:`bootstrap_proportions`, which states its approximations), and the replicates give
an interval on the layer's proportion of selective filters (:func:`bootstrap_interval`).
"""

from __future__ import annotations

import numpy as np

from helpers.stats.measure import check_finite, check_labels
from helpers.stats.permutation import critical_share, replicate_p
from helpers.stats.layer import LayerSelectivity
from helpers.stats.rules import Rule, check_rule, decide

#: Bootstrap resamples of the images kept by :func:`helpers.stats.selectivity.analyze`.
N_BOOT = 200
_BOOT_STREAM = 0xB007  # keeps the bootstrap's random stream apart from the shuffles'
_SHARE_SCALE = 65534  # bootstrap shares are kept as uint16: share * scale; NaN as 65535
_NAN16 = np.uint16(65535)


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
    F = A_sorted.shape[1]
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
    labels, C, counts = check_labels(labels, A.shape[0], n_categories)
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


def pack_shares(S: np.ndarray) -> np.ndarray:
    """Shares in [0, 1] (NaN allowed) -> uint16 of the same shape (share * 65534; 65535 for
    NaN), a resolution of 1.5e-5: a quarter of the memory of float64."""
    packed = np.rint(np.clip(np.nan_to_num(S, nan=0.0), 0, 1) * _SHARE_SCALE).astype(np.uint16)
    packed[np.isnan(S)] = _NAN16
    return packed


def unpack_shares(packed: np.ndarray) -> np.ndarray:
    """What :func:`pack_shares` packed, as float64 (NaN where the share was NaN)."""
    S = packed.astype(np.float64) / _SHARE_SCALE
    S[packed == _NAN16] = np.nan
    return S


def bootstrap_proportions(layer: LayerSelectivity, criterion: "str | Rule" = "p", threshold: float = 0.01,
                          correction: str | None = None, base_permutations: int = 1000) -> np.ndarray:
    """The layer's proportion of selective filters on each bootstrap resample of the images.

    layer : a :class:`helpers.stats.layer.LayerSelectivity` (its ``index``, ``p``,
        ``silent``, ``n_perm``, ``crit`` and ``boot``)
    criterion : a :class:`helpers.stats.rules.Rule` (checked when made), or its criterion
        with ``threshold`` and ``correction``

    Returns float64 (n_boot, n_categories); the denominator is every filter of the layer.
    ``base_permutations``: the shuffles every filter got
    (:attr:`helpers.stats.selectivity.Selectivity.n_permutations`).

    On each resample the shares of eq. 2 are recomputed (eq. 1 included,
    :func:`bootstrap_shares`); the permutation test is not rerun. Approximations, stated:

    - each test keeps the critical share of its null distribution on the full stimulus
      set: the p rule passes on a resample when the resampled share exceeds it;
    - with ``correction="bh"``, BH is redone on each resample over approximate p-values of
      the resampled shares against the kept null shares
      (:func:`helpers.stats.permutation.replicate_p`);
    - critical shares are kept at some ranks of each null
      (:attr:`helpers.stats.permutation.Permutations.crit`) and interpolated between them;
      resampled shares are stored to 1.5e-5 (:func:`pack_shares`);
    - a filter's margin to its critical share is taken as at least zero on the side of
      its decision on the full set, so that an unchanged share repeats that decision.
    """
    criterion, threshold, correction = check_rule(criterion, threshold, correction)
    if not isinstance(layer, LayerSelectivity):
        raise TypeError(f"layer must be a LayerSelectivity (one layer of analyze()'s result); got {type(layer).__name__}.")
    if layer.boot is None:
        raise ValueError("This result has no bootstrap resamples; rerun analyze(..., n_boot=200).")
    S_boot = unpack_shares(layer.boot)  # (B, F, C)
    F = layer.n_filters
    if criterion == "index":
        passed = np.nan_to_num(S_boot, nan=-np.inf) >= threshold
        return passed.sum(axis=1) / F
    if layer.crit is None or layer.n_perm is None:
        raise ValueError("This result keeps no critical shares; rerun analyze() to get bootstrap intervals.")
    level = np.full(layer.p.shape, threshold)
    crit = critical_share(layer.crit, layer.n_perm, level, base_permutations)
    if correction == "bh":
        return _bh_replicates(layer, S_boot, crit, threshold, base_permutations)
    observed = decide(layer.p, threshold, correction)
    with np.errstate(invalid="ignore"):
        margin = layer.index - crit
        margin = np.where(observed & ~(margin > 0), 1e-9, margin)
        margin = np.where(~observed & (margin > 0), 0.0, margin)
        passed = (S_boot - layer.index[None] + margin[None]) > 0
    passed &= ~np.isnan(S_boot) & ~layer.silent[None, :, None]
    return passed.sum(axis=1) / F


def _bh_replicates(layer: LayerSelectivity, S_boot: np.ndarray, crit_q: np.ndarray, q: float, K: int) -> np.ndarray:
    """Benjamini–Hochberg at level q redone on every resample: (n_boot, n_categories) proportions.

    Only resampled shares above the critical share of level q can have p <= q, so only those
    get a p-value (:func:`helpers.stats.permutation.replicate_p`); BH then runs per resample and
    category over the layer's non-silent filters."""
    B, F, C = S_boot.shape
    with np.errstate(invalid="ignore"):
        cand = (S_boot > crit_q[None]) & ~layer.silent[None, :, None]
    b, f, c = np.nonzero(cand)
    out = np.zeros((B, C))
    if b.size == 0:
        return out
    p = replicate_p(layer.crit, layer.n_perm, S_boot[b, f, c], f, c, K)
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
