"""Which filters count as selective: the rule, validated, and its decisions.

A rule is a criterion, a threshold and an optional correction (:class:`Rule`, :func:`check_rule`
validates it before any work):

- criterion "p": a filter is selective for a category when its permutation p-value
  (:mod:`helpers.stats.permutation`) is at most the threshold, a significance level in
  (0, 1]; with ``correction="bh"``, Benjamini–Hochberg at that level over the layer's
  non-silent filters, per category (:func:`benjamini_hochberg`, :func:`bh_cutoff`);
- criterion "index": a filter's eq. 2 share (:mod:`helpers.stats.measure`) is at least the
  threshold, a share in [0, 1]; no correction applies (asking for one raises).

The paper calls filters selective "with a threshold of 0.01 for selectivity index"
without saying what is thresholded. A share of 0.01 would be far below chance
(0.25 for four categories), so the course reads it as a significance level:
a filter is selective for a category when ``p <= 0.01``. An index threshold is
offered too.

:func:`decide` applies a p rule to a matrix of p-values; :func:`open_decisions` says
which decisions differ between the two ends of intervals around them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: What a rule thresholds: the permutation p-value, or the eq. 2 share.
CRITERIA = ("p", "index")
#: Corrections for testing every filter of a layer: none, or Benjamini–Hochberg.
CORRECTIONS = ("none", "bh")


@dataclass(frozen=True)
class Rule:
    """A rule that calls filters selective, validated once, when it is made.

    criterion "p": ``threshold`` is a significance level in (0, 1]; ``correction`` None,
    "none" or "bh" (Benjamini–Hochberg over the filters of a layer, per category).
    criterion "index": ``threshold`` is an eq. 2 share in [0, 1]; no correction applies.
    Stored normalised (threshold a float, correction None or "bh"); raises ValueError with
    the valid choices otherwise. Functions below the public entries take a Rule and do not
    check it again. Unpacks as ``criterion, threshold, correction``.
    """

    criterion: str = "p"
    threshold: float = 0.01
    correction: str | None = None

    def __post_init__(self):
        criterion, threshold, correction = self.criterion, self.threshold, self.correction
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
        object.__setattr__(self, "threshold", value)
        object.__setattr__(self, "correction", None if corr == "none" else corr)

    def __iter__(self):
        return iter((self.criterion, self.threshold, self.correction))


def check_rule(criterion: "str | Rule", threshold: float = 0.01, correction: str | None = None) -> Rule:
    """The :class:`Rule` of these arguments (validated), or ``criterion`` itself when it is
    already a Rule (validated when it was made: not checked again)."""
    return criterion if isinstance(criterion, Rule) else Rule(criterion, threshold, correction)


def decide(P: np.ndarray, threshold: float, correction: str | None = None, any_category: bool = False) -> np.ndarray:
    """The decisions of a p-value rule (already checked, :func:`check_rule`) for a matrix of
    p-values.

    P : (n_filters, n_categories), NaN rows for silent filters (never selective)
    correction : None, or "bh" for Benjamini–Hochberg at level ``threshold`` per category
    any_category : decide "selective for some category" per filter instead (Bonferroni
        over the categories, then the rule)

    Returns bool (n_filters, n_categories), or (n_filters,) when ``any_category``.
    """
    P = np.asarray(P, dtype=np.float64)
    if any_category:
        # One hypothesis per filter, "selective for some category": Bonferroni over the categories.
        P = np.minimum(1.0, P.shape[1] * np.fmin.reduce(P, axis=1))
    if correction == "bh":
        P = benjamini_hochberg(P)
    return np.nan_to_num(P, nan=np.inf) <= threshold


def open_decisions(lo: np.ndarray, hi: np.ndarray, threshold: float, correction: str | None = None) -> np.ndarray:
    """bool, like ``lo``: decisions of a p-value rule (:func:`decide`) that differ between
    the lower ends ``lo`` and the upper ends ``hi`` of intervals around the p-values (a rule
    can only select more as p-values fall, so values inside the intervals are decided the
    same way wherever the two ends agree)."""
    return decide(lo, threshold, correction) & ~decide(hi, threshold, correction)


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


def bh_cutoff(p: np.ndarray, q: float) -> np.ndarray:
    """Per column of ``p`` (n_tests, n_columns; NaN ignored), the p-value cut-off of
    Benjamini–Hochberg at level q: ``k q / m`` with ``k`` its number of rejections (1
    when it rejects none), so that it rejects exactly the p-values at or below it."""
    p = np.asarray(p, dtype=np.float64)
    k = decide(p, q, "bh").sum(axis=0)
    m = (~np.isnan(p)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.maximum(k, 1) * q / m
