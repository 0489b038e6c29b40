"""The claims scorecard (helpers.claims): every verdict of every claim on planted results with
known answers, the adapter from a real selectivity result, the texts, and the essay's classes."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from helpers.analyses import claims
from helpers.stats import selectivity
from helpers.analyses.claims import FAILS, HOLDS, NOT_SCORABLE, UNDECIDED

CATS = ["face", "i-see-face", "car", "dog"]
LAYERS = ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv3", "block5_conv1", "block5_conv2",
          "block5_conv3", "fc1", "fc2"]
N = 100  # filters per layer
B = 201  # bootstrap replicates: an odd number, so that the median is the middle one


def counts(selected, spread=1.0, layers=LAYERS, cats=CATS, boot=True, trained=True, label="planted network"):
    """Planted Counts: ``selected`` maps (layer, category) -> selective filters (default 0);
    every replicate shifts every count by the same amount, evenly from -spread to +spread, so a
    quantity's centred 95 % interval is its estimate -/+ 0.95 * spread * (its filters' weight)."""
    k = np.zeros((len(layers), len(cats)))
    for (layer, cat), v in selected.items():
        k[layers.index(layer), cats.index(cat)] = v
    shift = np.linspace(-spread, spread, B)
    reps = k[None] + shift[:, None, None] * (k[None] > 0)
    return claims.Counts(list(layers), list(cats), np.full(len(layers), N), k, reps if boot else None, label,
                         trained, label)


def verdict(card, n):
    return card.verdicts()[n]


def row(card, n):
    return next(r for r in card.rows if r.claim == n)


# --------------------------------------------------------------------------- claim 1: lower layers


def test_claim1_holds_when_cars_and_pareidolia_are_denser_in_blocks_1_2():
    net = counts({("block1_conv1", "car"): 40, ("block2_conv1", "car"): 30, ("block1_conv1", "i-see-face"): 20,
                  ("block2_conv1", "i-see-face"): 20, ("block5_conv3", "car"): 20})
    card = claims.scorecard(net)
    assert verdict(card, 1) == HOLDS
    # car: 70 of 200 filters in blocks 1-2, 20 of 400 in blocks 4-5
    assert "car +0.300" in row(card, 1).numbers


def test_claim1_does_not_hold_when_either_category_sits_higher():
    net = counts({("block1_conv1", "car"): 40, ("block5_conv1", "i-see-face"): 60})
    assert verdict(claims.scorecard(net), 1) == FAILS
    assert verdict(claims.scorecard(counts({})), 1) == FAILS  # nothing anywhere: not "vastly represented"


def test_claim1_undecided_when_an_interval_straddles_zero():
    net = counts({("block1_conv1", "car"): 40, ("block1_conv1", "i-see-face"): 2})
    net.boot[:, 0, CATS.index("i-see-face")] += np.linspace(-10, 10, B)  # i-see-face: 2 +/- 11 filters of 200
    card = claims.scorecard(net)
    assert verdict(card, 1) == UNDECIDED and "i-see-face: undecided (interval straddles 0)" in row(card, 1).reason


@pytest.mark.parametrize("kw, why", [({"cats": ["face", "car", "dog"]}, "no 'i-see-face' category"),
                                     ({"layers": ["block3_conv1", "fc1"]}, "blocks 1-2"),
                                     ({"boot": False}, "no bootstrap resamples")])
def test_claim1_not_scorable(kw, why):
    card = claims.scorecard(counts({}, **kw))
    assert verdict(card, 1) == NOT_SCORABLE and why in row(card, 1).reason


# --------------------------------------------------------------------------- claim 2: dogs outnumber faces


def test_claim2_holds_does_not_hold_and_is_undecided():
    assert verdict(claims.scorecard(counts({("fc1", "dog"): 30, ("fc2", "face"): 10})), 2) == HOLDS
    assert verdict(claims.scorecard(counts({("fc1", "dog"): 10, ("fc2", "face"): 30})), 2) == FAILS
    assert verdict(claims.scorecard(counts({("fc1", "dog"): 10, ("fc2", "face"): 10})), 2) == FAILS  # a tie
    # the same planted difference with resamples that move dogs and faces apart by up to 40 filters
    wide = counts({("fc1", "dog"): 30, ("fc2", "face"): 10})
    wide.boot[:, LAYERS.index("fc1"), CATS.index("dog")] += np.linspace(-40, 40, B)
    card = claims.scorecard(wide)
    assert verdict(card, 2) == UNDECIDED
    r = row(card, 2)
    assert r.value == 20 and r.low < 0 < r.high


def test_claim2_not_scorable_without_dogs():
    card = claims.scorecard(counts({}, cats=["face", "i-see-face", "car"]))
    assert verdict(card, 2) == NOT_SCORABLE and "'dog'" in row(card, 2).reason


# --------------------------------------------------------------------------- claim 3: faces in fc


def test_claim3_verdicts():
    fc_heavy = counts({("fc1", "face"): 60, ("fc2", "face"): 20, ("block5_conv3", "face"): 20})
    card = claims.scorecard(fc_heavy)
    assert verdict(card, 3) == HOLDS and row(card, 3).value == pytest.approx(0.8)
    assert row(card, 3).low > 0.5
    conv_heavy = counts({("fc1", "face"): 10, ("block5_conv3", "face"): 60})
    assert verdict(claims.scorecard(conv_heavy), 3) == FAILS
    half = counts({("fc1", "face"): 30, ("block5_conv3", "face"): 30})
    half.boot[:, LAYERS.index("fc1"), 0] += np.linspace(-20, 20, B)  # share 0.25 ... 0.625 on the resamples
    assert verdict(claims.scorecard(half), 3) == UNDECIDED


@pytest.mark.parametrize("net, why", [
    (counts({("block5_conv3", "face"): 5}, layers=LAYERS[:-2]), "no fully connected layers"),
    (counts({}, cats=["i-see-face", "car", "dog"]), "no 'face' category"),
    (counts({("fc1", "dog"): 5}), "no face-selective filter"),
])
def test_claim3_not_scorable(net, why):
    card = claims.scorecard(net)
    assert verdict(card, 3) == NOT_SCORABLE and why in row(card, 3).reason


# --------------------------------------------------------------------------- claim 4: the last blocks vs control


LAST = ["block4_conv3", "block5_conv1", "block5_conv2", "block5_conv3"]


def last_blocks(per_layer, spread=1.0, **kw):
    return counts({(layer, cat): per_layer[cat] for layer in LAST for cat in per_layer}, spread, **kw)


def test_claim4_holds_when_every_category_beats_the_control():
    net = last_blocks({"face": 20, "i-see-face": 20, "car": 20, "dog": 20})
    ctl = last_blocks({"face": 2, "i-see-face": 2, "car": 2, "dog": 2}, trained=False, label="control")
    card = claims.scorecard(net, ctl)
    assert verdict(card, 4) == HOLDS
    assert "face 0.200 [" in row(card, 4).numbers and "face 0.020 [" in row(card, 4).control


def test_claim4_does_not_hold_when_a_category_is_at_or_below_the_control():
    net = last_blocks({"face": 20, "i-see-face": 2, "car": 20, "dog": 20})
    ctl = last_blocks({"face": 2, "i-see-face": 10, "car": 2, "dog": 2}, trained=False)
    card = claims.scorecard(net, ctl)
    assert verdict(card, 4) == FAILS and "i-see-face at or below the control" in row(card, 4).reason


def test_claim4_undecided_when_intervals_overlap():
    net = last_blocks({"face": 20, "i-see-face": 20, "car": 20, "dog": 12}, spread=4)
    ctl = last_blocks({"face": 2, "i-see-face": 2, "car": 2, "dog": 10}, spread=4, trained=False)
    card = claims.scorecard(net, ctl)
    assert verdict(card, 4) == UNDECIDED and "dog overlaps the control" in row(card, 4).reason


@pytest.mark.parametrize("make_control, why", [(lambda: None, "needs the untrained control"),
                                               (lambda: counts({}, boot=False), "no bootstrap resamples")])
def test_claim4_not_scorable(make_control, why):
    card = claims.scorecard(last_blocks({"face": 20}), make_control())
    assert verdict(card, 4) == NOT_SCORABLE and why in row(card, 4).reason


def test_claim4_not_scorable_without_the_paper_categories():
    card = claims.scorecard(counts({}, cats=["face", "car", "dog"]), counts({}, cats=["face", "car", "dog"]))
    assert verdict(card, 4) == NOT_SCORABLE and "'i-see-face'" in row(card, 4).reason


# --------------------------------------------------------------------------- claim 5: the essay


ESSAY_LAYERS = ["block5_conv3", "fc1", "fc2"]


def essay(medians, half_width=0.05, units=10):
    """An essay summary: per layer a median difference (None: no breed units) and its interval."""
    rows = []
    for layer, m in zip(ESSAY_LAYERS, medians):
        if m is None:
            rows.append({"layer": layer, "n_units": 0, "median_difference": np.nan, "median_low": np.nan,
                         "median_high": np.nan})
        else:
            rows.append({"layer": layer, "n_units": units, "median_difference": m, "median_low": m - half_width,
                         "median_high": m + half_width})
    return pd.DataFrame(rows)


def test_claim5_holds_above_zero_above_the_control_and_after_equalising():
    card = claims.scorecard(counts({}), essay=essay([0.3, -0.2, None]), essay_control=essay([0.0, 0.0, 0.0]),
                            essay_equalised=essay([0.2, 0.0, None]))
    assert verdict(card, 5) == HOLDS
    assert "block5_conv3" in row(card, 5).reason and "equalised" in row(card, 5).notes


def test_claim5_does_not_hold_when_breed_units_prefer_other_breeds():
    card = claims.scorecard(counts({}), essay=essay([-0.3, -0.2, None]), essay_control=essay([0.0, 0.0, 0.0]))
    assert verdict(card, 5) == FAILS  # no equalised result needed to refute the first part


def test_claim5_does_not_hold_when_the_control_shows_as_much():
    card = claims.scorecard(counts({}), essay=essay([0.3, None, None]), essay_control=essay([0.6, 0.0, 0.0]),
                            essay_equalised=essay([0.3, None, None]))
    assert verdict(card, 5) == FAILS


def test_claim5_does_not_hold_when_equalising_removes_it():
    card = claims.scorecard(counts({}), essay=essay([0.3, None, None]), essay_control=essay([0.0, 0.0, 0.0]),
                            essay_equalised=essay([-0.2, None, None]))
    assert verdict(card, 5) == FAILS and "low-level statistics can account" in row(card, 5).reason


def test_claim5_undecided():
    straddles = essay([0.02, -0.01, None])
    card = claims.scorecard(counts({}), essay=straddles, essay_control=essay([0.0, 0.0, 0.0]))
    assert verdict(card, 5) == UNDECIDED
    card = claims.scorecard(counts({}), essay=essay([None, None, None]), essay_control=essay([0.0, 0.0, 0.0]))
    assert verdict(card, 5) == UNDECIDED and "no unit passed" in row(card, 5).reason
    card = claims.scorecard(counts({}), essay=essay([0.3, None, None]), essay_control=essay([0.0, 0.0, 0.0]),
                            essay_equalised=essay([0.02, None, None]))
    assert verdict(card, 5) == UNDECIDED and "straddle" in row(card, 5).reason


def test_claim5_not_scorable():
    card = claims.scorecard(counts({}))
    assert verdict(card, 5) == NOT_SCORABLE and "dog breeds" in row(card, 5).reason
    card = claims.scorecard(counts({}), essay_reason="the stimulus set has no 'dog' category")
    assert row(card, 5).reason == "the stimulus set has no 'dog' category"
    card = claims.scorecard(counts({}), essay=essay([0.3, None, None]))
    assert verdict(card, 5) == NOT_SCORABLE and "untrained control" in row(card, 5).reason
    card = claims.scorecard(counts({}), essay=essay([0.3, None, None]), essay_control=essay([0.0, 0.0, 0.0]))
    assert verdict(card, 5) == NOT_SCORABLE and "equalised" in row(card, 5).reason


def test_claim5_takes_an_essay_result_object():
    from helpers.analyses.breeds import EssayResult

    res = EssayResult(units=pd.DataFrame(), summary=essay([-0.3, None, None]))
    card = claims.scorecard(counts({}), essay=res, essay_control=res)
    assert verdict(card, 5) == FAILS
    with pytest.raises(TypeError, match="EssayResult"):
        claims.scorecard(counts({}), essay=pd.DataFrame({"layer": ["fc1"]}), essay_control=res)


# --------------------------------------------------------------------------- the control, notes, texts


def test_control_scored_alone_and_training_not_needed_note():
    both = counts({("fc1", "dog"): 30, ("fc2", "face"): 10})
    card = claims.scorecard(both, counts({("fc1", "dog"): 30, ("fc2", "face"): 10}, trained=False))
    r = row(card, 2)
    assert r.verdict == HOLDS and r.control_verdict == HOLDS and "does not need training" in r.reason
    assert r.control_value == 20


def test_equalised_and_paired_notes():
    net = counts({("fc1", "dog"): 30, ("fc2", "face"): 10})
    eq = counts({("fc1", "dog"): 5, ("fc2", "face"): 10}, layers=["fc1", "fc2"])
    paired = pd.DataFrame({"layer": ["fc1", "fc2", "fc1", "fc2"], "control": ["featureless"] * 2 + ["silhouette"] * 2,
                           "difference": [0.1, 0.0, 0.0, 0.0], "ci_low": [0.05, -0.1, -0.1, -0.1],
                           "ci_high": [0.2, 0.1, 0.1, 0.1]})
    card = claims.scorecard(net, equalised=eq, paired=paired)
    r = row(card, 2)
    assert r.verdict == HOLDS  # the notes never change a verdict
    assert "on equalised stimuli: does not hold" in r.notes
    assert "face − featureless above 0 in 1 of 2 layers" in r.notes and "silhouette above 0 in 0 of 2" in r.notes
    assert "on equalised stimuli: not scorable" in row(card, 1).notes  # no block 1-2 layers equalised
    with pytest.raises(TypeError, match="paired"):
        claims.scorecard(net, paired=pd.DataFrame({"layer": []}))


def test_frame_json_and_text():
    card = claims.scorecard(counts({("fc1", "dog"): 30}), counts({}, trained=False, label="the control"))
    df = card.to_frame()
    assert list(df["claim"]) == [1, 2, 3, 4, 5] and set(df["verdict"]) <= set(claims.VERDICTS)
    assert {"definition", "numbers", "control", "low", "high", "control_value", "reason"} <= set(df.columns)
    j = card.to_json()
    json.dumps(j, allow_nan=False)  # NaN written as null
    assert j["claims"][0]["value"] is None and j["claims"][1]["value"] == 30
    text = card.to_text()
    assert text.splitlines()[0].startswith("Scorecard of the paper's claims · planted network | control: the control")
    for claim in claims.CLAIMS:
        assert f"Claim {claim.number} ({claim.source})" in text
    assert "lower layers" in claims.CLAIMS[0].statement and "blocks 1-2" in claims.CLAIMS[0].definition


def test_scope_says_organism_or_reproduction():
    org = counts({}, label="Mini-VGG16 organism (cross-entropy), trained on generated drawings")
    assert "MODEL ORGANISM" in claims.scorecard(org).scope
    vgg = counts({}, label="VGG16, ImageNet weights (IMAGENET1K_V1)")
    vgg.arch = "vgg16"
    assert "paper's reproduction" in claims.scorecard(vgg).scope
    vgg.trained = False
    assert "not a test of the paper" in claims.scorecard(vgg).scope


def test_mismatched_control_and_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="same stimulus set"):
        claims.scorecard(counts({}), counts({}, cats=["face", "car", "dog", "i-see-face"]))
    with pytest.raises(TypeError, match="Selectivity"):
        claims.scorecard({"fc1": np.zeros(3)})
    with pytest.raises(ValueError, match="confidence"):
        claims.scorecard(counts({}), confidence=1.5)


# --------------------------------------------------------------------------- from a real selectivity result


def test_from_a_selectivity_result_end_to_end():
    """Planted activations: dogs drive 12 of fc1's 30 filters and faces none, so claim 2 holds;
    the counts and replicates agree with summary_table and its bootstrap interval."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 20)
    acts = {layer: rng.random((80, 30)) for layer in LAYERS}
    acts["fc1"][labels == 3, :12] += 2.0
    r = selectivity.analyze(acts, labels, CATS, n_permutations=200, seed=0, n_boot=100)
    r.meta.update(model="planted", trained=True)
    c = claims.selective_counts(r)
    t = selectivity.summary_table(r, "p", 0.01)
    assert np.array_equal(c.k.ravel(), t["n_selective"].to_numpy())
    assert c.boot.shape == (100, len(LAYERS), 4)
    fc1 = t[(t["layer"] == "fc1") & (t["category"] == "dog")].iloc[0]
    p, reps = c.pooled(["fc1"], "dog")
    assert p == pytest.approx(fc1["proportion"])
    lo, hi = np.percentile(reps, [2.5, 97.5]) - np.median(reps) + p
    assert (max(lo, 0), min(hi, 1)) == pytest.approx((fc1["ci_low"], fc1["ci_high"]))
    card = claims.scorecard(r)
    assert verdict(card, 2) == HOLDS and row(card, 2).value > 6  # 12 planted; a few by chance either way
    assert verdict(card, 4) == NOT_SCORABLE  # no control given
    assert card.title.startswith("Scorecard of the paper's claims · planted")


# --------------------------------------------------------------------------- the essay's classes


def test_essay_classes_split_the_dogs_into_breeds():
    cats = ["face", "car", "dog"]
    labels = np.array([0] * 4 + [1] * 4 + [2] * 9)
    subs = np.array([""] * 8 + ["beagle"] * 4 + ["husky"] * 4 + [""])
    ec = claims.essay_classes(labels, cats, subs, min_per_breed=4)
    assert ec.reason is None and ec.classes == ["face", "car", "beagle", "husky"]
    assert ec.breeds == ["beagle", "husky"] and ec.compare == ["car"]
    assert ec.keep.sum() == 16 and not ec.keep[-1]  # the dog without a breed is left out
    assert list(ec.labels) == [0] * 4 + [1] * 4 + [2] * 4 + [3] * 4
    assert "no breed" in claims.essay_classes(labels, cats, None).reason
    assert "no 'dog'" in claims.essay_classes(labels[:8], cats[:2], subs[:8]).reason
    assert "fewer than two breeds" in claims.essay_classes(labels, cats, subs).reason  # 10 per breed by default
    assert "comparison objects" in claims.essay_classes(labels, cats, subs, compare=("cup",), min_per_breed=4).reason
    assert claims.paper_categories_missing(cats) == ["i-see-face"]
    assert math.isclose(claims.CONFIDENCE, 0.95)


def test_scope_of_vgg16_on_drawings():
    vgg = counts({}, label="VGG16, ImageNet weights (IMAGENET1K_V1)")
    vgg.arch, vgg.schematic = "vgg16", True
    assert "measured on generated drawings, not photographs" in claims.scorecard(vgg).scope
