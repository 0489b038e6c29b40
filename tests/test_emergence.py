"""Face emergence (helpers.analyses.emergence): the tidy table and the paired trained-minus-untrained
contrast, on planted activations with known answers (the organism's face units are taken apart
in tests/test_controls.py)."""

import numpy as np
import pandas as pd
import pytest

from helpers.analyses import emergence
from helpers.stats import selectivity
from helpers.labels import ModelInfo

CATS = ["face", "car"]


def planted_acts(n_face_units, n_units=20, n_per=30, seed=0):
    """One layer: the first ``n_face_units`` units fire more for faces; every unit has the same
    random values for both categories before that (no preference by chance)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1], n_per)
    A = np.tile(rng.random((n_per, n_units)), (2, 1))
    A[labels == 0, :n_face_units] += 2.0
    return {"layer": A}, labels


def analyse(n_face_units, seed=0, key="same"):
    acts, labels = planted_acts(n_face_units, seed=seed)
    r = selectivity.analyze(acts, labels, CATS, n_permutations=200, seed=0, n_boot=100)
    r.meta.update(model=f"planted {n_face_units}", trained=True, key={"stimuli": key})
    return r


def test_table_shape_and_values():
    results = {("trained", "drawn"): analyse(8), ("untrained", "drawn"): analyse(0, seed=1)}
    t = emergence.emergence_table(results, ["face"])
    assert len(t) == 2 and list(t.columns[:3]) == ["network", "stimuli", "layer"]
    got = t.set_index("network")["proportion"]
    assert got["trained"] == pytest.approx(8 / 20) and got["untrained"] <= 0.1
    assert (t["ci_low"] <= t["proportion"]).all() and (t["proportion"] <= t["ci_high"]).all()
    with pytest.raises(ValueError, match="no categories"):
        emergence.emergence_table(results, ["dog"])


def test_contrast_finds_the_planted_difference():
    c = emergence.training_contrast(analyse(8), analyse(0, seed=1), ["face"]).iloc[0]
    assert c["difference"] == pytest.approx(c["trained"] - c["control"])
    assert c["trained"] == pytest.approx(0.4) and c["ci_low"] > 0 and c["excludes_zero"]
    same = emergence.training_contrast(analyse(0), analyse(0, seed=1), ["face"]).iloc[0]
    assert same["ci_low"] <= 0 <= same["ci_high"] and not same["excludes_zero"]


def test_contrast_refuses_unpaired_results():
    with pytest.raises(ValueError, match="different stimulus sets"):
        emergence.training_contrast(analyse(8), analyse(0, key="other"))
    acts, labels = planted_acts(3)
    other_seed = selectivity.analyze(acts, labels, CATS, n_permutations=100, seed=5, n_boot=100)
    with pytest.raises(ValueError, match="bootstrap resamples differ"):
        emergence.training_contrast(analyse(8), other_seed)


def test_centred_interval():
    lo, hi = emergence.centred_interval(np.array([0.1]), np.array([[0.0], [0.2], [0.4]]), confidence=0.5)
    assert lo[0] == pytest.approx(0.0) and hi[0] == pytest.approx(0.2)
