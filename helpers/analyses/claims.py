"""The paper's claims, scored by a run: one row per claim, a verdict only where the numbers give one.

The short paper (K. Malakhova, "Representation of Categories in Filters of Deep Neural
Networks", CVPR Workshops 2018, pp. 1973-1975, doi:10.1109/CVPRW.2018.00265, section 2.2)
makes four checkable statements about VGG16 at its threshold of 0.01; the essay (K.
Malakhova, "Why Latent Representations in Convolutional Neural Networks Fall Outside
Visual Space", MODVIS Workshop 2018) makes a fifth. Several words in them ("lower
layers", "significant", "the majority") are left open by the texts, so each claim here
carries the operational definition the course chose (:data:`CLAIMS`), written next to
it in every table.

:func:`scorecard` takes a selectivity result (:func:`helpers.stats.selectivity.analyze`), its
untrained control and, where present, the results on equalised stimuli, paired-control
differences (face minus a control image of the same face) and the essay's experiment
(:func:`helpers.analyses.breeds.essay_experiment`, strict rule, cross-fitted), and returns a
:class:`Scorecard`: per claim the numbers that decide it, a 95 % bootstrap interval over
images, the control's value and one of four verdicts (:data:`VERDICTS`):

- **holds**: the interval lies wholly on the claim's side of its bar;
- **does not hold**: it lies wholly on the other side (or on the bar);
- **undecided**: the interval straddles the bar (for the comparison with the control: the
  two intervals overlap), or nothing was there to measure;
- **not scorable**: a category, a layer, the control or a resample the claim needs is
  missing; the reason says which.

Counts of selective filters use the paper's threshold read as the course reads it
(notebook 04): permutation p-value <= 0.01, no correction (:data:`RULE`). Pooled over
several layers, a proportion is selective filters over all filters of those layers;
its bootstrap replicates pool the per-layer replicates of the same resample of the
images (:func:`helpers.stats.bootstrap.bootstrap_proportions`; one set of resamples serves
every layer of a result), and intervals are centred on the estimate
(:func:`helpers.analyses.emergence.centred_interval`).

NumPy and pandas only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.stats.bootstrap import bootstrap_proportions
from helpers.analyses.emergence import centred_interval
from helpers.labels import ORGANISM_ARCH, PAPER_CATEGORIES, STANDIN, TITLE_SEPARATOR, title
from helpers.stats.rules import check_rule
from helpers.stats.selectivity import Selectivity, selective

__all__ = ["VERDICTS", "HOLDS", "FAILS", "UNDECIDED", "NOT_SCORABLE", "RULE", "CONFIDENCE", "LOWER_BLOCKS",
           "UPPER_BLOCKS", "LAST_BLOCKS", "FC_LAYERS", "ESSAY_COMPARE", "MIN_PER_BREED", "Claim", "CLAIMS", "Counts",
           "ClaimScore", "Scorecard", "selective_counts", "scorecard", "paper_categories_missing", "EssayClasses",
           "essay_classes"]

HOLDS, FAILS, UNDECIDED, NOT_SCORABLE = "holds", "does not hold", "undecided", "not scorable"
#: The verdicts, in the order a table sorts them.
VERDICTS = (HOLDS, FAILS, UNDECIDED, NOT_SCORABLE)
#: The paper's rule, read as the course reads it: permutation p <= 0.01, no correction.
RULE = ("p", 0.01, None)
CONFIDENCE = 0.95
LOWER_BLOCKS = ("block1", "block2")  # "lower layers" (claim 1)
UPPER_BLOCKS = ("block4", "block5")  # what they are compared with
LAST_BLOCKS = ("block4_conv3", "block5_conv1", "block5_conv2", "block5_conv3")  # claim 4, named by the paper
FC_LAYERS = ("fc1", "fc2")  # VGG16's fully connected layers (the class head is not measured)
#: The essay's "totally different categories": the comparison objects a breed unit's
#: response to other breeds is set against (those present in the stimulus set are used).
ESSAY_COMPARE = ("car", "cup")
#: Images a breed needs for the essay's experiment: the strict rule selects on half of them
#: (a one-sided Mann-Whitney test of the breed against each other class, then
#: Benjamini-Hochberg): with 3 images per breed and half its smallest p-value is about 0.04,
#: which BH over a layer's units and breeds passes only if nearly every test reaches it;
#: with 5 it is about 0.006.
MIN_PER_BREED = 10


@dataclass(frozen=True)
class Claim:
    """One claim: its number, where it is made, the text's words and the course's reading."""

    number: int
    source: str
    statement: str
    definition: str


CLAIMS = (
    Claim(1, "CVPRW 2018, sec. 2.2",
          "Filters activated by cars and pareidolia-type images are vastly represented in lower layers.",
          "For car and for i-see-face: the proportion of filters selective at p <= 0.01 pooled over blocks 1-2 "
          "minus that pooled over blocks 4-5. Holds when both differences' intervals lie above 0; does not "
          "hold when either lies at or below 0."),
    Claim(2, "CVPRW 2018, sec. 2.2",
          "Dog detectors outnumbered face-selective filters.",
          "Dog-selective minus face-selective filters (p <= 0.01), counted over every measured layer "
          "(convolutional and fully connected). Holds when the interval lies above 0; does not hold when it "
          "lies at or below 0."),
    Claim(3, "CVPRW 2018, sec. 2.2",
          "The majority of face-related units lay in fully-connected layers.",
          "Share of all face-selective filters (p <= 0.01, every measured layer) that sit in fc1 and fc2. "
          "Holds when the interval lies above 0.5; does not hold when it lies at or below 0.5."),
    Claim(4, "CVPRW 2018, sec. 2.2",
          "Proportionally, the last convolutional blocks (block4_conv3, block5_conv1-conv3) contained "
          "significant amounts of category-specific detectors.",
          "Per category, the proportion selective at p <= 0.01 pooled over block4_conv3 and block5_conv1-3; "
          "'significant' = its interval lies above the untrained control's on the same layers. Holds when "
          "that is so for all four categories; does not hold when, for some category, the interval lies at "
          "or below the control's."),
    Claim(5, "MODVIS 2018 essay",
          "A unit highly selective for some members of a category is inhibited by visually similar members "
          "of the same category (other breeds), and this cannot be attributed to low-level statistics.",
          "Breed units by the strict rule (a breed beats every other class on its own; Mann-Whitney, BH "
          "q = 0.05) chosen on half the images and measured on the other half (cross-fitted; "
          "helpers.analyses.breeds). Per deep layer, the median over units of (response to the comparison objects "
          "minus response to the other breeds), eq. 1 units. Holds when in some layer its interval lies "
          "above 0 and above the untrained control's (where the control has breed units there), and on "
          "equalised stimuli that layer's interval still lies above 0; does not hold when every layer's "
          "interval lies at or below 0 (or the control's), or equalising removes it."),
)


# --------------------------------------------------------------------------- counts of selective filters


@dataclass
class Counts:
    """Selective filters per layer and category, with their bootstrap replicates.

    layers : layer names, shallow to deep; categories : category names
    n_filters : int (n_layers,) filters per layer
    k : int (n_layers, n_categories) selective filters
    boot : float (n_boot, n_layers, n_categories) selective filters on each bootstrap
        resample of the images (the same resamples for every layer), or None
    label : the network, in words; trained : whether it is; heading : a title
        (:func:`helpers.labels.title`); arch : its architecture (e.g. "vgg16");
        schematic : whether the stimuli were generated drawings
    """

    layers: list[str]
    categories: list[str]
    n_filters: np.ndarray
    k: np.ndarray
    boot: np.ndarray | None = None
    label: str = "unknown model"
    trained: bool = True
    heading: str = ""
    arch: str = ""
    schematic: bool = False

    def rows(self, names: Sequence[str]) -> np.ndarray:
        return np.array([self.layers.index(n) for n in names], dtype=np.int64)

    def pooled(self, names: Sequence[str], category: str) -> tuple[float, np.ndarray | None]:
        """Proportion of ``category``'s selective filters over all filters of ``names``, and
        its replicates (n_boot,) or None."""
        r, c = self.rows(names), self.categories.index(category)
        n = float(self.n_filters[r].sum())
        reps = None if self.boot is None else self.boot[:, r, c].sum(axis=1) / n
        return float(self.k[r, c].sum()) / n, reps

    def total(self, names: Sequence[str], category: str) -> tuple[float, np.ndarray | None]:
        """Selective filters of ``category`` summed over ``names`` and its replicates."""
        r, c = self.rows(names), self.categories.index(category)
        return float(self.k[r, c].sum()), None if self.boot is None else self.boot[:, r, c].sum(axis=1)


def selective_counts(result: Selectivity, criterion: str = RULE[0], threshold: float = RULE[1],
                     correction: str | None = RULE[2]) -> Counts:
    """:class:`Counts` of a selectivity result under a rule (default: the paper's, :data:`RULE`).

    The replicates come from :func:`helpers.stats.bootstrap.bootstrap_proportions` (times each
    layer's filters); they are None when any layer lacks bootstrap resamples.
    """
    criterion, threshold, correction = check_rule(criterion, threshold, correction)
    names = list(result.layers)
    n = np.array([result.layers[x].n_filters for x in names], dtype=np.int64)
    k = np.stack([selective(result.layers[x], criterion, threshold, correction).sum(axis=0) for x in names])
    boot = None
    have = all(L.boot is not None and (criterion == "index" or L.crit is not None) for L in result.layers.values())
    if have and names:
        boot = np.stack([bootstrap_proportions(result.layers[x], criterion, threshold, correction,
                                               result.n_permutations) * n[i] for i, x in enumerate(names)], axis=1)
    return Counts(names, list(result.categories), n, k, boot, result.model_label, result.trained, title(result),
                  str(result.meta.get("arch", "")), result.schematic)


# --------------------------------------------------------------------------- one quantity, its interval, a verdict


@dataclass
class _Q:
    """A quantity: estimate, interval (NaN without replicates)."""

    value: float
    low: float = np.nan
    high: float = np.nan

    @property
    def has_interval(self) -> bool:
        return bool(np.isfinite(self.low) and np.isfinite(self.high))

    def text(self, fmt: str = "{:+.3f}") -> str:
        v = fmt.format(self.value)
        return f"{v} [{fmt.format(self.low)}, {fmt.format(self.high)}]" if self.has_interval else f"{v} [no interval]"


def _quantity(value: float, reps: np.ndarray | None, confidence: float, bounds=(-np.inf, np.inf)) -> _Q:
    if reps is None:
        return _Q(float(value))
    reps = np.asarray(reps, dtype=np.float64)
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return _Q(float(value))
    lo, hi = centred_interval(np.array([value]), reps[:, None], confidence, bounds)
    return _Q(float(value), float(lo[0]), float(hi[0]))


def _against(q: _Q, bar: float) -> str:
    """Verdict of "q exceeds bar": above -> holds; at or below -> does not hold; else undecided."""
    if q.low > bar:
        return HOLDS
    if q.high <= bar:
        return FAILS
    return UNDECIDED


def _above_control(q: _Q, control: _Q) -> str:
    """Verdict of "q's interval lies above the control's": overlap -> undecided."""
    if q.low > control.high:
        return HOLDS
    if q.high <= control.low:
        return FAILS
    return UNDECIDED


def _all(verdicts: Sequence[str]) -> str:
    """A claim that needs every part: one part that fails fails it; one undecided leaves it undecided."""
    if FAILS in verdicts:
        return FAILS
    if UNDECIDED in verdicts:
        return UNDECIDED
    return HOLDS


# --------------------------------------------------------------------------- the scorecard


@dataclass
class ClaimScore:
    """One row of the scorecard.

    claim : 1-5; source, statement, definition : see :class:`Claim`
    measure : what ``value`` is; value, low, high : the deciding number of the network and
        its interval (NaN where not scorable or the claim has several numbers: see ``numbers``)
    numbers : every deciding number with its interval, in words
    control : the same numbers for the untrained control (or why there are none)
    control_value, control_low, control_high : the control's deciding number, if any
    verdict : one of :data:`VERDICTS`; reason : why, in words
    control_verdict : the claim scored on the control as if it were the network (claims
        1-3), so a reader sees whether training is needed for it; "" where not applicable
    notes : what the equalised and paired-control results add (they do not change the
        verdict of claims 1-4)
    """

    claim: int
    source: str
    statement: str
    definition: str
    measure: str
    value: float
    low: float
    high: float
    numbers: str
    control: str
    control_value: float
    control_low: float
    control_high: float
    verdict: str
    reason: str
    control_verdict: str = ""
    notes: str = ""


@dataclass
class Scorecard:
    """The scorecard: :attr:`rows` (one :class:`ClaimScore` per claim), a title saying which
    network and stimuli (and the control's), the scope (the paper's reproduction or not) and
    the rule."""

    rows: list[ClaimScore]
    title: str
    scope: str
    rule: str
    confidence: float = CONFIDENCE
    meta: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per claim, the columns of :class:`ClaimScore`."""
        return pd.DataFrame([asdict(r) for r in self.rows])

    def verdicts(self) -> dict[int, str]:
        return {r.claim: r.verdict for r in self.rows}

    def to_json(self) -> dict:
        """A JSON-ready dict (NaN as None): title, scope, rule, confidence, claims."""
        def clean(v):
            return None if isinstance(v, float) and not np.isfinite(v) else v

        return {"title": self.title, "scope": self.scope, "rule": self.rule, "confidence": self.confidence,
                "claims": [{k: clean(v) for k, v in asdict(r).items()} for r in self.rows]}

    def to_text(self, width: int = 100) -> str:
        """The scorecard as plain text: title, scope, rule, then one block per claim."""
        import textwrap

        def wrap(head: str, text: str) -> list[str]:
            return textwrap.wrap(text, width, initial_indent=head, subsequent_indent=" " * len(head)) or [head]

        lines = [self.title, *textwrap.wrap(self.scope, width), *textwrap.wrap(self.rule, width)]
        for r in self.rows:
            lines += ["", *wrap(f"Claim {r.claim} ({r.source}): ", r.statement),
                      *wrap("  definition: ", r.definition),
                      *wrap("  network:    ", r.numbers),
                      *wrap("  control:    ", r.control
                            + (f" (scored alone: {r.control_verdict})" if r.control_verdict else "")),
                      *wrap("  verdict:    ", f"{r.verdict.upper()}: {r.reason}")]
            if r.notes:
                lines += wrap("  notes:      ", r.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def paper_categories_missing(categories: Sequence[str]) -> list[str]:
    """The paper's four categories (:data:`helpers.labels.PAPER_CATEGORIES`) not in ``categories``."""
    return [c for c in PAPER_CATEGORIES if c not in list(categories)]


def _scope(c: Counts) -> str:
    """Whether this scorecard is the paper's reproduction, in words."""
    if c.arch == ORGANISM_ARCH or "organism" in c.label.lower():
        return ("It scores the MODEL ORGANISM (a small VGG16-shaped network trained on generated drawings), not "
                "the paper's VGG16: a rehearsal of the method on a network whose training is known, not a test "
                "of the paper.")
    if c.arch == "vgg16" and c.trained and not c.schematic and STANDIN in c.label:
        return (f"It scores {c.label}: a rehearsal with stand-in weights, not torchvision's ImageNet ones, so "
                "it checks the scorecard's form, not the paper.")
    if c.arch == "vgg16" and c.trained and not c.schematic:
        return ("The paper's reproduction: VGG16 with ImageNet weights, as in the paper, on this run's "
                "photographs of its four categories.")
    why = "measured on generated drawings, not photographs" if c.schematic else \
        "the paper's claims concern VGG16 trained on ImageNet"
    return f"It scores {c.label} ({why}): not a test of the paper."


def _layers_of(c: Counts, prefixes: Sequence[str]) -> list[str]:
    return [x for x in c.layers if any(x == p or x.startswith(p + "_") for p in prefixes)]


def _missing_categories(c: Counts, needed: Sequence[str]) -> str | None:
    missing = [x for x in needed if x not in c.categories]
    if missing:
        return f"the stimulus set has no {', '.join(repr(m) for m in missing)} category (it has {c.categories})"
    return None


def _no_interval(c: Counts) -> str | None:
    if c.boot is None:
        return "the result has no bootstrap resamples, so no interval (rerun analyze with n_boot > 0)"
    return None


# Each _claimN returns (verdict, reason, measure, _Q or None, numbers text) for one network.

def _claim1(c: Counts, conf: float):
    why = _missing_categories(c, ("car", "i-see-face"))
    low, high = _layers_of(c, LOWER_BLOCKS), _layers_of(c, UPPER_BLOCKS)
    if why is None and (not low or not high):
        why = f"the result lacks layers of {'blocks 1-2' if not low else 'blocks 4-5'} (it has {c.layers})"
    why = why or _no_interval(c)
    if why:
        return NOT_SCORABLE, why, None, None, "—"
    qs, parts = {}, []
    for cat in ("car", "i-see-face"):
        a, ra = c.pooled(low, cat)
        b, rb = c.pooled(high, cat)
        qs[cat] = _quantity(a - b, ra - rb, conf, (-1.0, 1.0))
        parts.append(f"{cat} {qs[cat].text()} (blocks 1-2 {a:.3f}, blocks 4-5 {b:.3f})")
    per = {cat: _against(q, 0.0) for cat, q in qs.items()}
    verdict = _all(list(per.values()))
    reason = "; ".join(f"{cat}: " + _words(v, "denser in blocks 1-2 than in blocks 4-5",
                                            "not denser in blocks 1-2 than in blocks 4-5") for cat, v in per.items())
    return verdict, reason, "blocks 1-2 minus blocks 4-5, car and i-see-face", None, "; ".join(parts)


def _words(verdict: str, yes: str, no: str, bar: str = "0") -> str:
    """The verdict of one comparison with its bar, in words."""
    return {HOLDS: f"{yes} (interval above {bar})", FAILS: f"{no} (interval at or below {bar})",
            UNDECIDED: f"undecided (interval straddles {bar})"}[verdict]


def _claim2(c: Counts, conf: float):
    why = _missing_categories(c, ("dog", "face")) or _no_interval(c)
    if why:
        return NOT_SCORABLE, why, None, None, "—"
    d, rd = c.total(c.layers, "dog")
    f, rf = c.total(c.layers, "face")
    q = _quantity(d - f, rd - rf, conf)
    v = _against(q, 0.0)
    numbers = f"dog − face {q.text('{:+.0f}')} filters (dog {d:.0f}, face {f:.0f}, {len(c.layers)} layers)"
    words = _words(v, "dog detectors outnumber face detectors", "dog detectors do not outnumber face detectors")
    return v, words, "dog − face selective filters (count)", q, numbers


def _claim3(c: Counts, conf: float):
    why = _missing_categories(c, ("face",))
    fc = [x for x in c.layers if x in FC_LAYERS]
    if why is None and not fc:
        why = f"the result has no fully connected layers ({', '.join(FC_LAYERS)}); it has {c.layers}"
    why = why or _no_interval(c)
    if why is None and c.total(c.layers, "face")[0] == 0:
        why = "no face-selective filter in any layer: there is no majority to locate"
    if why:
        return NOT_SCORABLE, why, None, None, "—"
    in_fc, r_fc = c.total(fc, "face")
    tot, r_tot = c.total(c.layers, "face")
    with np.errstate(invalid="ignore", divide="ignore"):
        q = _quantity(in_fc / tot, np.where(r_tot > 0, r_fc / np.maximum(r_tot, 1e-300), np.nan), conf, (0.0, 1.0))
    v = _against(q, 0.5)
    numbers = f"share in fc {q.text('{:.3f}')} ({in_fc:.0f} of {tot:.0f} face-selective filters)"
    words = _words(v, "most face-selective filters sit in fc1-fc2", "at most half of them sit in fc1-fc2",
                   "0.5")
    return v, words, "share of face-selective filters in fc", q, numbers


def _claim4_parts(c: Counts, conf: float, cats: Sequence[str]) -> dict[str, _Q]:
    last = [x for x in c.layers if x in LAST_BLOCKS]
    return {cat: _quantity(*c.pooled(last, cat), conf, (0.0, 1.0)) for cat in cats}


def _claim4(c: Counts, control: Counts | None, conf: float):
    why = _missing_categories(c, PAPER_CATEGORIES)
    last = [x for x in c.layers if x in LAST_BLOCKS]
    if why is None and not last:
        why = f"the result has none of the layers {', '.join(LAST_BLOCKS)}"
    if why is None and control is None:
        why = "it needs the untrained control ('significant' = above the control)"
    if why is None and [x for x in control.layers if x in LAST_BLOCKS] != last:
        why = "the control was not measured on the same last-block layers"
    if why is None and _missing_categories(control, PAPER_CATEGORIES):
        why = "the control lacks some of the paper's categories"
    why = why or _no_interval(c) or (control is not None and _no_interval(control)) or None
    if why:
        return NOT_SCORABLE, why, "—", "—"
    net = _claim4_parts(c, conf, PAPER_CATEGORIES)
    ctl = _claim4_parts(control, conf, PAPER_CATEGORIES)
    per = {cat: _above_control(net[cat], ctl[cat]) for cat in PAPER_CATEGORIES}
    verdict = _all(list(per.values()))
    words = {HOLDS: "above the control", FAILS: "at or below the control", UNDECIDED: "overlaps the control"}
    reason = "; ".join(f"{cat} {words[v]}" for cat, v in per.items())
    scope = f"pooled over {', '.join(last)}"
    if len(last) < len(LAST_BLOCKS):
        scope += " (the others were not measured)"
    numbers = "; ".join(f"{cat} {q.text('{:.3f}')}" for cat, q in net.items()) + f" ({scope})"
    control_text = "; ".join(f"{cat} {q.text('{:.3f}')}" for cat, q in ctl.items())
    return verdict, reason, numbers, control_text


def _essay_summary(essay) -> pd.DataFrame | None:
    """The per-layer summary of an essay result (an EssayResult or its summary DataFrame)."""
    if essay is None:
        return None
    s = getattr(essay, "summary", essay)
    need = {"layer", "n_units", "median_difference", "median_low", "median_high"}
    if not isinstance(s, pd.DataFrame) or not need <= set(s.columns):
        raise TypeError("An essay result must be helpers.analyses.breeds.EssayResult or its summary DataFrame "
                        f"(columns {sorted(need)}).")
    return s.set_index("layer")


def _row_q(row) -> _Q | None:
    if row is None or not (row["n_units"] > 0) or not np.isfinite(row["median_difference"]):
        return None
    return _Q(float(row["median_difference"]), float(row["median_low"]), float(row["median_high"]))


def _claim5(essay, essay_control, essay_equalised, essay_reason: str | None):
    net = _essay_summary(essay)
    ctl = _essay_summary(essay_control)
    eq = _essay_summary(essay_equalised)
    if net is None:
        why = essay_reason or ("no essay result: it needs a stimulus set with dog breeds and comparison objects "
                               "(cars, cups), and helpers.analyses.breeds.essay_experiment with the strict rule")
        return NOT_SCORABLE, why, "—", "—", ""
    if ctl is None:
        return NOT_SCORABLE, "it needs the untrained control's essay result (same images, same rule)", "—", "—", ""
    per, parts, cparts = {}, [], []
    for layer, row in net.iterrows():
        q = _row_q(row)
        cq = _row_q(ctl.loc[layer]) if layer in ctl.index else None
        cparts.append(f"{layer} " + (cq.text() if cq else "no breed units"))
        if q is None:
            parts.append(f"{layer} no breed units")
            continue
        if not q.has_interval:
            parts.append(f"{layer} {q.value:+.3f} [no interval]")
            per[layer] = UNDECIDED
            continue
        parts.append(f"{layer} {q.text()} ({int(row['n_units'])} units)")
        v = _against(q, 0.0)
        if cq is not None and cq.has_interval and v == HOLDS:
            v = _above_control(q, cq)
        elif cq is not None and cq.has_interval and v == UNDECIDED and q.high <= cq.low:
            v = FAILS
        per[layer] = v
    numbers, control_text = "; ".join(parts), "; ".join(cparts)
    if not per:
        return UNDECIDED, "no unit passed the strict rule in any layer: nothing to measure", numbers, \
            control_text, ""
    passing = [x for x, v in per.items() if v == HOLDS]
    if not passing:
        if all(v == FAILS for v in per.values()):
            return FAILS, ("in every layer with breed units the median lies at or below 0 or the control's: "
                           "breed units do not respond less to other breeds than to the comparison objects"), \
                numbers, control_text, ""
        return UNDECIDED, "no layer's interval lies wholly above 0 and the control's", numbers, control_text, ""
    first = f"above 0 and the control in {', '.join(passing)}"
    if eq is None:
        return NOT_SCORABLE, (f"the first part holds ({first}); 'cannot be attributed to low-level statistics' "
                              "needs the result on equalised stimuli"), numbers, control_text, ""
    eq_q = {x: _row_q(eq.loc[x]) if x in eq.index else None for x in passing}
    eq_text = "equalised: " + "; ".join(f"{x} " + (q.text() if q else "no breed units") for x, q in eq_q.items())
    ev = {x: (FAILS if q is None else _against(q, 0.0) if q.has_interval else UNDECIDED) for x, q in eq_q.items()}
    if HOLDS in ev.values():
        kept = [x for x, v in ev.items() if v == HOLDS]
        return HOLDS, f"{first}; still above 0 on equalised stimuli in {', '.join(kept)}", numbers, control_text, \
            eq_text
    if all(v == FAILS for v in ev.values()):
        return FAILS, (f"{first}, but on equalised stimuli it vanishes (at or below 0, or no breed units): "
                       "low-level statistics can account for it"), numbers, control_text, eq_text
    return UNDECIDED, f"{first}; on equalised stimuli the intervals straddle 0", numbers, control_text, eq_text


def _paired_note(paired: pd.DataFrame | None) -> str:
    """Paired controls, in words: per control, layers where face minus control lies above 0."""
    if paired is None:
        return ""
    need = {"layer", "control", "difference", "ci_low", "ci_high"}
    if not isinstance(paired, pd.DataFrame) or not need <= set(paired.columns):
        raise TypeError(f"paired must be a DataFrame with columns {sorted(need)} (face minus control, per layer).")
    parts = []
    for name, sub in paired.groupby("control", sort=False):
        up = sub[sub["ci_low"] > 0]["layer"].tolist()
        parts.append(f"face − {name} above 0 in {len(up)} of {len(sub)} layers")
    return ("paired controls (proportion of face-selective filters, faces minus their control images): "
            + "; ".join(parts) + "; where it is not above 0, the counted 'face' filters need no facial features")


def _equalised_note(number: int, eq: Counts | None, eq_control: Counts | None, conf: float) -> str:
    """Claims 1-4 on equalised stimuli, where the equalised result has what the claim needs
    (reported beside the verdict, which stays that of the original stimuli)."""
    if eq is None:
        return ""
    fn = {1: _claim1, 2: _claim2, 3: _claim3}.get(number)
    if fn is not None:
        v, why, _, _, numbers = fn(eq, conf)
        return f"on equalised stimuli: {v} ({why})" + ("" if v == NOT_SCORABLE else f": {numbers}")
    v, why, numbers, control_text = _claim4(eq, eq_control, conf)
    return f"on equalised stimuli: {v} ({why})" + ("" if v == NOT_SCORABLE else
                                                   f": {numbers}; control {control_text}")


def _as_counts(x) -> Counts | None:
    if x is None or isinstance(x, Counts):
        return x
    if isinstance(x, Selectivity):
        return selective_counts(x)
    raise TypeError(f"Expected a helpers.stats.selectivity.Selectivity (or claims.Counts), got {type(x).__name__}.")


def scorecard(network, control=None, *, equalised=None, equalised_control=None, paired: pd.DataFrame | None = None,
              essay=None, essay_control=None, essay_equalised=None, essay_reason: str | None = None,
              confidence: float = CONFIDENCE) -> Scorecard:
    """Score the paper's four claims and the essay's fifth on one run.

    Parameters
    ----------
    network : :class:`helpers.stats.selectivity.Selectivity` (from ``analyze``, with its bootstrap
        resamples) of the network to score, or :class:`Counts`
    control : the same for the untrained control, on the same stimuli (claims 1-3 are also
        scored on it alone, so a reader sees whether training is needed; claim 4 needs it)
    equalised, equalised_control : both networks on luminance- and contrast-equalised
        stimuli (any subset of layers): reported in the notes of claims 1-4
    paired : DataFrame with columns layer, control, difference, ci_low, ci_high: the
        network's proportion of face-selective filters on faces minus on a paired control
        image of each face (e.g. "featureless"), per layer; reported in the notes of
        claims 2 and 3
    essay, essay_control, essay_equalised : :class:`helpers.analyses.breeds.EssayResult` (or its
        ``summary``) of the network, the untrained control and the network on equalised
        stimuli, strict rule (``against="each"``); claim 5 needs the first two, and the
        third for its "not low-level statistics" clause
    essay_reason : why there is no essay result, when there is none (shown as the reason)
    confidence : of the bootstrap intervals of claims 1-4 (the essay's come with its result)

    Returns a :class:`Scorecard`. Raises TypeError for inputs of the wrong kind and
    ValueError when the control's categories differ from the network's.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1); got {confidence!r}.")
    net, ctl = _as_counts(network), _as_counts(control)
    eq, eq_ctl = _as_counts(equalised), _as_counts(equalised_control)
    if ctl is not None and ctl.categories != net.categories:
        raise ValueError(f"The control's categories {ctl.categories} differ from the network's {net.categories}: "
                         "measure both on the same stimulus set.")
    conf = confidence
    rows = []
    pnote = _paired_note(paired)
    for claim in CLAIMS:
        n = claim.number
        cq, cv, ctext = None, "", "no untrained control given"
        if n in (1, 2, 3):
            fn = {1: _claim1, 2: _claim2, 3: _claim3}[n]
            verdict, reason, measure, q, numbers = fn(net, conf)
            if ctl is not None:
                cv, cwhy, _, cq, ctext = fn(ctl, conf)
                ctext = ctext if cv != NOT_SCORABLE else f"not scorable ({cwhy})"
                if verdict == HOLDS and cv == HOLDS:
                    reason += "; the untrained control shows it too, so it does not need training"
            notes = "; ".join(x for x in (_equalised_note(n, eq, eq_ctl, conf),
                                          pnote if n in (2, 3) else "") if x)
        elif n == 4:
            verdict, reason, numbers, ctext = _claim4(net, ctl, conf)
            if ctl is None:
                ctext = "no untrained control given"
            measure, q = "proportion selective, pooled over the last blocks, per category", None
            notes = _equalised_note(4, eq, eq_ctl, conf)
        else:
            verdict, reason, numbers, ctext, notes = _claim5(essay, essay_control, essay_equalised, essay_reason)
            measure, q = "median (comparison objects − other breeds) per deep layer", None
        q = q or _Q(np.nan)
        cq = cq or _Q(np.nan)
        rows.append(ClaimScore(n, claim.source, claim.statement, claim.definition, measure or "—", q.value, q.low,
                               q.high, numbers, ctext, cq.value, cq.low, cq.high, verdict, reason, cv, notes))
    head = net.heading or net.label
    if ctl is not None:
        head += f" | control: {ctl.heading or ctl.label}"
    rule = (f"Rule: permutation p <= {RULE[1]} per filter, no correction (the paper's threshold, read as a "
            f"significance level); intervals: {confidence:.0%} bootstrap over images, centred on the estimate.")
    return Scorecard(rows, f"Scorecard of the paper's claims · {head}", _scope(net), rule, confidence,
                     {"network": net.label, "control": None if ctl is None else ctl.label})


# --------------------------------------------------------------------------- the essay's classes


@dataclass
class EssayClasses:
    """Classes for :func:`helpers.analyses.breeds.essay_experiment` made from a stimulus set whose dogs
    carry their breed: ``keep`` bool (n_images,) the images used (dogs without a breed, or
    of a breed with too few images, are left out); labels int (keep.sum(),) indexing
    ``classes``, for the kept images in order (pass ``A[keep]``); ``breeds`` and ``compare``
    are names in ``classes``; ``reason`` is None, or why the set cannot be used (then the
    other fields are empty)."""

    labels: np.ndarray
    classes: list[str]
    breeds: list[str]
    compare: list[str]
    reason: str | None = None
    keep: np.ndarray | None = None


def essay_classes(labels, categories: Sequence[str], subcategories=None, category: str = "dog",
                  compare: Sequence[str] = ESSAY_COMPARE, min_per_breed: int = MIN_PER_BREED) -> EssayClasses:
    """Split ``category`` into its subcategories (breeds) as classes of their own.

    labels : int (n_images,) indexing ``categories``; subcategories : str (n_images,)
    ("" where none) or None. The other categories stay classes. ``compare``: the comparison
    objects among ``categories`` (at least one must be present).

    Returns :class:`EssayClasses`; its ``reason`` says why not, when the set has no such
    category, fewer than two breeds with ``min_per_breed`` images each (the experiment
    selects on half of them and measures on the other half), or no comparison object.
    """
    categories = list(categories)
    empty = EssayClasses(np.zeros(0, np.int64), [], [], [])
    labels = np.asarray(labels, dtype=np.int64)
    present = [c for c in compare if c in categories]
    if category not in categories:
        empty.reason = f"the stimulus set has no {category!r} category"
        return empty
    if subcategories is None:
        empty.reason = f"the stimulus set's {category!r} images carry no breed (no subcategories)"
        return empty
    subs = np.asarray(subcategories, dtype=str)
    d = categories.index(category)
    names, counts = np.unique(subs[(labels == d) & (subs != "")], return_counts=True)
    breeds = [str(b) for b, k in zip(names, counts) if k >= min_per_breed]
    if len(breeds) < 2:
        empty.reason = (f"the stimulus set has fewer than two breeds with at least {min_per_breed} images each "
                        f"(found {dict(zip(names.tolist(), counts.tolist()))}): the strict rule selects units on "
                        "half of them and cannot reach significance with fewer")
        return empty
    if not present:
        empty.reason = f"the stimulus set has none of the comparison objects {list(compare)}"
        return empty
    others = [c for c in categories if c != category]
    classes = others + breeds
    out = np.full(len(labels), -1, np.int64)
    for i, c in enumerate(others):
        out[labels == categories.index(c)] = i
    for j, b in enumerate(breeds):
        out[(labels == d) & (subs == b)] = len(others) + j
    keep = out >= 0  # dogs without a breed, or of a breed with too few images, are left out
    return EssayClasses(out[keep], classes, breeds, present, None, keep)
