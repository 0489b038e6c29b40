"""The permutation test of eq. 2, resolved for Benjamini–Hochberg.

**The test**: labels are shuffled (class sizes kept) and the share of eq. 2
(:mod:`helpers.stats.measure`) recomputed; ``p = (1 + #{null >= observed}) / (1 + K)`` after
``K`` shuffles (:func:`permutation_test`, :func:`run_permutations`). All filters and a
chunk of shuffles go through one matrix product.

**Its resolution**: the smallest p-value is ``1 / (K + 1)``, and Benjamini–Hochberg (BH)
at level ``q`` over ``m`` filters rejects nothing unless some p-value reaches ``q / m``:
with K = 1000, q = 0.01 and 512 filters, BH could only fire if at least 52 filters sat
at the floor. :func:`run_permutations` therefore *resolves* the decisions at the BH
levels ``resolve_q``: after the first K shuffles, filters whose BH decision is open
because their p-value sits at that floor get more shuffles, until the decision is
settled (an exact Clopper–Pearson interval for each p-value, :func:`p_interval`, puts
the exact p-value on one side of BH's cut-off) or :data:`MAX_PERMUTATIONS` is reached.
Decisions left open are counted, not hidden (:attr:`Permutations.unsettled`).
:func:`is_resolved` says whether a level was one of those resolved.

**Critical shares** for the image bootstrap (:mod:`helpers.stats.bootstrap`): with
``keep_critical`` the test keeps, per filter and category, the null shares at some
ranks (:attr:`Permutations.crit`); :func:`critical_share` turns them into the share a
resample must exceed to pass a rule ``p <= level``, :func:`replicate_p` into the
approximate p-value of a resampled share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from helpers.stats.binomial import clopper_pearson
from helpers.stats.measure import check_labels, selectivity_index
from helpers.stats.rules import bh_cutoff, check_rule, open_decisions

#: Coverage of each p-value's Clopper–Pearson interval when judging whether a decision
#: is settled (per filter, category and round of shuffles).
MC_CONFIDENCE = 0.99
#: Most shuffles any filter receives when decisions are resolved: BH can then fire from
#: ``k q / m >= 1 / 256,001``, e.g. two selective filters of 4096 at q = 0.01.
MAX_PERMUTATIONS = 256_000
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
    reported (:attr:`Permutations.unsettled`; :func:`helpers.stats.selectivity.unsettled`,
    ``n_unsettled`` in :func:`helpers.stats.selectivity.summary_table`).

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
    AN : array (n_images, n_filters) from :func:`helpers.stats.measure.normalize` (NaN columns = silent)
    labels : int array (n_images,)
    resolve_q : BH level(s) in (0, 1] to resolve, or None for the plain test
    max_permutations : the most shuffles any filter receives
    confidence : coverage of each p-value's interval
    keep_critical : also keep each test's critical shares (:attr:`Permutations.crit`),
        which the bootstrap of :func:`helpers.stats.bootstrap.bootstrap_proportions` needs
    stream : a :class:`ShuffleStream` of the same labels and seed to draw the extra
        shuffles from (results do not depend on it; it saves drawing them again)

    Returns
    -------
    :class:`Permutations`
    """
    AN = np.asarray(AN, dtype=np.float64)
    labels, C, counts = check_labels(labels, AN.shape[0], n_categories)
    if int(n_permutations) != n_permutations or n_permutations < 1:
        raise ValueError(f"n_permutations must be a positive integer; got {n_permutations!r}.")
    if int(chunk) != chunk or chunk < 1:
        raise ValueError(f"chunk must be a positive integer; got {chunk!r}.")
    levels = resolve_levels(resolve_q)
    K = int(n_permutations)
    silent = np.isnan(AN).any(axis=0)
    AN0 = np.nan_to_num(AN)
    F = AN.shape[1]
    observed = selectivity_index(AN, labels, C, balanced)[:, None, :]  # (F, 1, C); NaN rows for silent filters
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
            open_ = open_decisions(lo, hi, q, "bh")
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


# --------------------------------------------------------------------------- p-value intervals and critical shares


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
            # logs of the ratios as differences of logs: r / upto overflows for upto near the
            # smallest float (q = 5e-324), the difference does not
            kl = r * (np.log(r) - np.log(upto)) + np.where(r < 1, (1 - r) * (np.log1p(-r) - np.log1p(-upto)), 0.0)
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


def resolve_levels(resolve_q: float | Sequence[float] | None) -> tuple[float, ...]:
    """The BH levels to resolve, checked (:func:`helpers.stats.rules.check_rule`), sorted and
    without repeats: ``()`` for None (the plain test)."""
    if resolve_q is None:
        return ()
    levels = tuple(sorted({float(q) for q in np.atleast_1d(resolve_q)}))
    for q in levels:
        check_rule("p", q, "bh")
    return levels


def is_resolved(q: float, levels: Sequence[float]) -> bool:
    """Whether Benjamini–Hochberg decisions at level ``q`` were resolved, i.e. ``q`` is one
    of the ``levels`` the p-values were resolved for (up to rounding; see
    :func:`run_permutations` and :attr:`helpers.stats.selectivity.Selectivity.resolve_q`)."""
    return any(np.isclose(float(q), float(level), rtol=1e-9, atol=0) for level in levels)


def critical_share(crit: np.ndarray, n_perm: np.ndarray, level, K: int) -> np.ndarray:
    """Each test's critical share (F, C) for the rule ``p <= level``: a share above it passes.

    crit : (FULL_RANKS + len(BASE_RANKS), F, C) kept critical shares (:attr:`Permutations.crit`)
    n_perm : (F,) shuffles behind each filter's p-values; level : scalar or (F, C)
    K : the shuffles every filter got (``n_permutations``)

    Exact where the rank ``floor(level * (n + 1)) - 1`` is below FULL_RANKS; above, linear
    interpolation between the kept ranks of the first K shuffles. For a filter resolved with
    more than K shuffles, ranks beyond its FULL_RANKS largest use the last of those, which is
    stricter than the exact value. +inf where no share can pass (rank < 0)."""
    n = np.asarray(n_perm)[:, None].astype(np.float64)
    lv = np.broadcast_to(level, crit.shape[1:])
    rank_full = np.floor(lv * (n + 1) - 1 + 1e-9)
    rank_base = np.floor(lv * (K + 1) - 1 + 1e-9)
    crit = crit.astype(np.float64)
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


def replicate_p(crit: np.ndarray, n_perm: np.ndarray, share: np.ndarray, f: np.ndarray, c: np.ndarray,
                K: int) -> np.ndarray:
    """Approximate p-values of resampled shares ``share`` (M,) of tests (filter ``f``,
    category ``c``; both (M,)) against each test's kept null shares (``crit``, ``n_perm``
    and ``K`` as in :func:`critical_share`): ``(1 + count) / (1 + n)`` with count the null
    shares at or above the share, exact among a filter's FULL_RANKS largest, interpolated
    between the kept ranks of the first K shuffles beyond; 1 beyond the last kept rank."""
    crit = crit[:, f, c].astype(np.float64)  # (R, M), decreasing along axis 0
    n = np.asarray(n_perm)[f].astype(np.float64)
    above = share[None, :] > crit[:FULL_RANKS]
    small = above.any(axis=0)
    p = np.where(small, (1 + above.argmax(axis=0)) / (1 + n), np.nan)
    resolved = n > K
    p = np.where(~small & resolved, (1 + FULL_RANKS) / (1 + K), p)  # stricter than exact: see critical_share
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
