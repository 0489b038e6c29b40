"""Conclusions computed from the evidence: each function turns numbers into a sentence.

A notebook that prints "the filter separates dogs from each other" whatever its numbers
are is not reporting a result. The functions here take the effect a section measured,
its interval or spread, and the baseline it must beat, and return a :class:`Verdict`:
what this run shows and what it does not, the latter naming the control that would be
needed to go further. The wording is chosen by the numbers (which side of the baseline
the interval lies, whether a difference exceeds its spread, whether values sit at a
ceiling), so the sentence changes when the numbers do.

Every function is pure (NumPy only, no plotting) and raises :class:`VerdictError` with a
one-line message for impossible input (a NaN effect, an interval that does not contain
its estimate, a count larger than its total).

``print(verdict)`` gives ``What this run shows: … What it does not show: …``;
``verdict.line()`` gives only the first sentence, for the one-line summaries that close
each analysis section.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Verdict", "VerdictError", "fmt_interval", "against_reference", "difference",
           "rank_agreement", "largest_share", "own_category_split", "depth_trend",
           "feature_reliability", "proportion", "shows"]


class VerdictError(ValueError):
    """Numbers that cannot be turned into a verdict (NaN, an interval not containing its
    estimate, a count above its total). The message says which argument is wrong."""


@dataclass(frozen=True)
class Verdict:
    """What a test shows (``shows``) and what it does not (``does_not_show``), each a
    sentence ending in a full stop; ``branch`` names the case the numbers fell into
    (for tests and for code that acts on the outcome)."""

    shows: str
    does_not_show: str
    branch: str

    def __str__(self) -> str:
        return f"What this run shows: {self.shows} What it does not show: {self.does_not_show}"

    def line(self) -> str:
        """``What this run shows: …`` alone."""
        return f"What this run shows: {self.shows}"


def _finite(name: str, value) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise VerdictError(f"{name} must be a number, got {value!r}.") from None
    if not math.isfinite(x):
        raise VerdictError(f"{name} is {x}: a verdict needs a finite number (drop NaN rows first).")
    return x


def _count(name: str, k, n) -> tuple[int, int]:
    k_, n_ = int(k), int(n)
    if k_ != k or n_ != n or k_ < 0 or n_ < 0:
        raise VerdictError(f"{name}: counts must be non-negative integers, got {k!r} of {n!r}.")
    if k_ > n_:
        raise VerdictError(f"{name}: {k_} of {n_} is impossible (the count exceeds its total).")
    return k_, n_


def _num(x: float, digits: int) -> str:
    return f"{x:.{digits}f}"


def fmt_interval(low, high, digits: int = 2) -> str:
    """``[low, high]`` with ``digits`` decimals."""
    return f"[{_num(_finite('low', low), digits)}, {_num(_finite('high', high), digits)}]"


def against_reference(effect, low, high, reference, *, effect_name: str = "the effect",
                      reference_name: str = "chance", control: str = "a control network",
                      level: str = "95%", digits: int = 2) -> Verdict:
    """An estimate with its interval against a reference value (chance, a control's value).

    effect, low, high : the estimate and its interval (``low <= effect <= high``)
    reference : the value to beat, same units
    control : what would be needed to attribute the effect to a cause (a noun phrase)
    Branches: ``"above"`` (the whole interval above the reference), ``"below"`` (the whole
    interval below it), ``"overlaps"``.
    """
    e, lo, hi, r = (_finite(n, v) for n, v in
                    (("effect", effect), ("low", low), ("high", high), ("reference", reference)))
    if not lo <= e <= hi:
        raise VerdictError(f"the interval {fmt_interval(lo, hi, digits)} does not contain the effect {e:g}.")
    est = f"{effect_name} is {_num(e, digits)} ({level} interval {fmt_interval(lo, hi, digits)})"
    if lo > r:
        return Verdict(f"{est}, above {reference_name} ({_num(r, digits)}) by {_num(e - r, digits)}; "
                       "the whole interval clears it.",
                       f"why it is above: that needs {control}.", "above")
    if hi < r:
        return Verdict(f"{est}, below {reference_name} ({_num(r, digits)}) by {_num(r - e, digits)}; "
                       "the whole interval lies under it.",
                       f"why it is below: that needs {control}.", "below")
    return Verdict(f"{est}: the interval includes {reference_name} ({_num(r, digits)}), so this run cannot "
                   f"tell {effect_name} from {reference_name}.",
                   f"that there is no effect: a larger stimulus set (a narrower interval) would be needed, "
                   f"and then {control}.", "overlaps")


def difference(a, b, spread_a, spread_b, *, names: tuple[str, str] = ("A", "B"),
               quantity: str = "the score", ceiling: float | None = None, margin: float = 0.05,
               spread_name: str = "sd", digits: int = 2) -> Verdict:
    """Two estimates with their spreads (e.g. mean ± sd over folds): is ``a`` above ``b``?

    The difference counts only when it exceeds twice the combined spread
    √(spread_a² + spread_b²). When ``ceiling`` is given and both values are within
    ``margin`` of it, the comparison is at ceiling: the measure cannot rank them.
    Branches: ``"ceiling"``, ``"within spread"``, ``"a higher"``, ``"b higher"``.
    """
    x, y = _finite("a", a), _finite("b", b)
    sx, sy = _finite("spread_a", spread_a), _finite("spread_b", spread_b)
    if sx < 0 or sy < 0:
        raise VerdictError(f"spreads must be ≥ 0, got {sx:g} and {sy:g}.")
    na, nb = names
    d = x - y
    noise = math.hypot(sx, sy)
    vals = (f"{quantity} {_num(x, digits)} ({spread_name} {_num(sx, digits)}) for {na}, "
            f"{_num(y, digits)} ({spread_name} {_num(sy, digits)}) for {nb}")
    if ceiling is not None and min(x, y) >= _finite("ceiling", ceiling) - margin:
        return Verdict(f"{vals}: both within {margin:g} of the ceiling ({ceiling:g}), so this measure cannot "
                       f"rank {na} and {nb} (difference {_num(d, digits)}).",
                       "which of the two is better: a harder task (more categories, fewer training images) "
                       "that keeps the measure off its ceiling would be needed.", "ceiling")
    if abs(d) <= 2 * noise:
        return Verdict(f"{vals}: the difference ({_num(d, digits)}) is within twice its spread "
                       f"({_num(2 * noise, digits)}), so the two cannot be told apart here.",
                       "that they are equal: more images (more folds, a smaller spread) would be needed.",
                       "within spread")
    hi, lo = (na, nb) if d > 0 else (nb, na)
    return Verdict(f"{vals}: {hi} is higher by {_num(abs(d), digits)}, more than twice the spread "
                   f"({_num(2 * noise, digits)}).",
                   f"that {hi} is better in general: one network and one stimulus set; another seed or "
                   "another stimulus set would be needed.", "a higher" if d > 0 else "b higher")


def rank_agreement(rho, n: int, *, names: tuple[str, str] = ("x", "y"), digits: int = 2) -> Verdict:
    """A Spearman correlation between two rankings of the same ``n`` items.

    Branches: ``"identical"`` (|ρ| ≥ 0.995: the same ranking, up to rounding), ``"strong"``
    (|ρ| ≥ 0.8), ``"moderate"`` (|ρ| ≥ 0.5), ``"weak"``; ``"too few"`` when n < 4.
    """
    r = _finite("rho", rho)
    if not -1 - 1e-9 <= r <= 1 + 1e-9:
        raise VerdictError(f"rho must lie in [-1, 1], got {r:g}.")
    _, n_ = _count("n", n, n)
    a, b = names
    head = f"Spearman ρ = {_num(r, digits)} between {a} and {b} over {n_} items"
    sign = "" if r >= 0 else " (in reverse order)"
    if n_ < 4:
        return Verdict(f"{head}: too few items for a ranking to mean much.",
                       "any agreement: at least a handful of items would be needed.", "too few")
    if abs(r) >= 0.995:
        return Verdict(f"{head}: the two put the items in the same order{sign}.",
                       "that they pick the same items at their usual thresholds: the thresholds differ, "
                       "so the counts above them can still differ.", "identical")
    word = "strong" if abs(r) >= 0.8 else "moderate" if abs(r) >= 0.5 else "weak"
    return Verdict(f"{head}: {word} agreement{sign}, the orders differ in places.",
                   "which of the two is right: that needs a criterion outside both (e.g. held-out images).",
                   word)


def largest_share(share, p, n_driving: int, n_category: int, *, alpha: float = 0.01, chance=None,
                  unit: str = "filter", category: str = "the category", digits: int = 3) -> Verdict:
    """The unit with the largest share of eq. 2: is its share backed by the test?

    share : its share (0-1); p : its permutation p-value; n_driving of n_category : how
    many images of the category drive it above zero.
    Branches: ``"trap"`` (p > alpha: a large share that the test does not back),
    ``"backed"`` (p <= alpha).
    """
    s, pv = _finite("share", share), _finite("p", p)
    k, n = _count("n_driving", n_driving, n_category)
    ch = "" if chance is None else f" (chance {_finite('chance', chance):.{digits}f})"
    drive = f"driven above zero by {k} of {n} {category} images"
    if pv > alpha:
        return Verdict(f"the largest share, {s:.{digits}f}{ch} in {unit}, is {drive} and has p = {pv:.2g} > "
                       f"{alpha:g}: a share this large is not more than label shuffles give, the trap of "
                       "ranking by the share alone.",
                       "that the unit is unselective: with more images the test could still find it.", "trap")
    return Verdict(f"the largest share, {s:.{digits}f}{ch} in {unit}, is {drive} and has p = {pv:.2g} ≤ "
                   f"{alpha:g}: here the largest share is also backed by the test, so this layer does "
                   "not show the trap.",
                   "that ranking by the share is safe in general: a filter driven by a handful of images "
                   "can still top the ranking in another layer or network.", "backed")


def own_category_split(n_below: int, n_strong: int, n: int, *, category: str = "dog",
                       objective_separates: bool | None = None, control: str = "the untrained network") -> Verdict:
    """Does a unit split its own category (some members suppress it, others drive it)?

    n_below : members pushed below the neutral image; n_strong : members driving it above
    the median of the other categories; n : members.
    objective_separates : True when the network was trained to tell members of this
    category apart (e.g. breeds are classes of its objective): then a split is what the
    objective asks and is no evidence that latent space leaves visual space.
    Branches: ``"split"``, ``"none suppressed"``, ``"weak"``.
    """
    kb, n_ = _count("n_below", n_below, n)
    ks, _ = _count("n_strong", n_strong, n)
    counts = (f"{kb} of {n_} {category} images push it below the neutral image and {ks} of {n_} drive it "
              f"above the median image of the other categories")
    if kb and ks:
        if objective_separates:
            why = (f"that the split goes beyond the training objective: this network was trained to tell "
                   f"{category}s apart, so separating them is what its objective asks; a network trained "
                   f"without those distinctions, and {control}, would be needed.")
        elif objective_separates is None:
            why = (f"why it splits them: whether the objective asks for it (are {category} subclasses among "
                   f"its classes?) and what {control} does would be needed; and one filter is an anecdote.")
        else:
            why = (f"that this is common: one filter is an anecdote; the count over every selective filter, "
                   f"compared with {control}, would be needed.")
        return Verdict(f"{counts}: this filter separates {category}s from each other.", why, "split")
    if kb == 0:
        return Verdict(f"{counts}: no sign of own-category suppression in this filter.",
                       f"that no filter of the layer does it: the count over every selective filter would be "
                       "needed.", "none suppressed")
    return Verdict(f"{counts}: some {category} images suppress it but none drives it strongly, a weak filter "
                   "rather than a split category.",
                   "anything about the essay's claim: a filter that responds to its category would be needed.",
                   "weak")


def depth_trend(first, last, *, trained: bool, quantity: str = "agreement with the category model",
                control_first=None, control_last=None, margin: float = 0.05, digits: int = 2) -> Verdict:
    """Does ``quantity`` rise from the first layers (``first``) to the last (``last``), and
    does training explain it? Training can only be credited when the same numbers from an
    untrained network (``control_first``, ``control_last``) are given and rise less.
    Branches: ``"flat"`` (change within ``margin``), ``"falls"``, ``"rises, no control"``,
    ``"rises more than control"``, ``"rises like control"``; for an untrained network
    ``"rises, untrained"``.
    """
    f0, f1 = _finite("first", first), _finite("last", last)
    d = f1 - f0
    head = f"{quantity} goes from {_num(f0, digits)} (first layers) to {_num(f1, digits)} (last layers)"
    if abs(d) <= margin:
        return Verdict(f"{head}: no change beyond {margin:g}.", "that depth does nothing else: other "
                       "measures may change.", "flat")
    if d < 0:
        return Verdict(f"{head}: it falls with depth.", "why: a control network and other stimuli would "
                       "be needed.", "falls")
    if not trained:
        return Verdict(f"{head}, although this network is UNTRAINED: the categories differ in low-level "
                       "statistics that random features pick up.", "anything about training: the trained "
                       "network's curve is the comparison.", "rises, untrained")
    if control_first is None or control_last is None:
        return Verdict(f"{head}: it rises with depth in this trained network.",
                       "that training caused the rise: the same curve from the untrained network (notebook "
                       "05's control) would be needed, since categories that differ in colour or size "
                       "separate in random features too.", "rises, no control")
    c0, c1 = _finite("control_first", control_first), _finite("control_last", control_last)
    dc = c1 - c0
    ctl = f"; the untrained network goes from {_num(c0, digits)} to {_num(c1, digits)}"
    if d - dc > margin:
        return Verdict(f"{head}{ctl}: the trained rise exceeds the untrained one by {_num(d - dc, digits)}.",
                       "that the loss, rather than this one training run on these images, produced it: "
                       "other seeds and another loss would be needed.", "rises more than control")
    return Verdict(f"{head}{ctl}: the untrained network rises about as much, so the rise is not specific "
                   "to training.", "what does cause it: stimuli equalised in low-level statistics would be "
                   "needed.", "rises like control")


def feature_reliability(low, high, *, n_splits: int, deterministic: bool = True, digits: int = 2) -> Verdict:
    """What a split-half reliability over *features* (filters × regions) measures.

    low, high : the smallest and largest reliability over layers
    deterministic : True for a network evaluated once (no measurement noise)
    Branches: ``"consistent"`` (low ≥ 0.9), ``"mixed"`` (low ≥ 0.5), ``"unreliable"``.
    """
    lo, hi = _finite("low", low), _finite("high", high)
    if lo > hi:
        raise VerdictError(f"low ({lo:g}) is above high ({hi:g}).")
    span = f"split-half reliability over features {_num(lo, digits)} to {_num(hi, digits)} ({n_splits} random splits)"
    if lo >= 0.9:
        word, branch = "any half of the features gives nearly the same geometry", "consistent"
    elif lo >= 0.5:
        word, branch = "halves of the features agree, some layers less than others", "mixed"
    else:
        word, branch = "in some layers the geometry depends on which features are kept", "unreliable"
    not_noise = ("measurement noise: the network is deterministic, so this is redundancy among features, "
                 "not a noise ceiling; how much the correlations would move with other images needs a "
                 "bootstrap over images." if deterministic else
                 "the spread over other images: that needs a bootstrap over images.")
    return Verdict(f"{span}: {word}.", not_noise, branch)


def proportion(k: int, n: int, *, what: str = "filters", chance=None, confidence: float = 0.95,
               digits: int = 2) -> Verdict:
    """``k`` of ``n`` with its Wilson interval, against an optional chance rate.

    Branches: ``"above chance"``, ``"below chance"``, ``"overlaps chance"``, ``"no chance given"``.
    """
    from helpers.stats.binomial import wilson_interval

    k_, n_ = _count(what, k, n)
    if n_ == 0:
        raise VerdictError(f"{what}: no items counted (n = 0), so no proportion.")
    lo, hi = (float(np.asarray(v).ravel()[0]) for v in wilson_interval(k_, n_, confidence))
    p = k_ / n_
    head = f"{k_} of {n_} {what} ({p:.0%}, {confidence:.0%} Wilson interval {fmt_interval(lo, hi, digits)})"
    if chance is None:
        return Verdict(f"{head}.", "that the count would be the same with other images: the Wilson "
                       "interval treats items as independent draws.", "no chance given")
    c = _finite("chance", chance)
    if lo > c:
        return Verdict(f"{head}, above the chance rate {c:.{digits}f}.",
                       "why: a control network or equalised stimuli would be needed.", "above chance")
    if hi < c:
        return Verdict(f"{head}, below the chance rate {c:.{digits}f}.",
                       "why: a control network or equalised stimuli would be needed.", "below chance")
    return Verdict(f"{head}: the interval includes the chance rate {c:.{digits}f}.",
                   "that there is no effect: more items would be needed.", "overlaps chance")


def shows(text: str) -> str:
    """``What this run shows: text`` — for section summaries whose sentence is built by the
    notebook from its own numbers (pass an f-string whose wording depends on them)."""
    text = str(text).strip()
    if not text:
        raise VerdictError("shows() needs a sentence, got an empty string.")
    return f"What this run shows: {text}"
