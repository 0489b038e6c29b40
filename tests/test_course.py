"""Notebook glue: exercise checks and the on-disk cache of selectivity results."""

import numpy as np
import pytest

import torch

from helpers.cnn import activations, models
from helpers.edge import course
from helpers.organism import world as miniworld
from helpers.stats import selectivity
from helpers.stats import bootstrap
from helpers.labels import ORGANISM_ARCH, ModelInfo


def test_check_reports_and_never_raises(capsys):
    assert course.check(1 + 1 == 2, "arithmetic") is True
    assert capsys.readouterr().out == "✓ Correct!\n"
    assert course.check(False, "look at eq. 1", "fine") is False  # a wrong answer is not an error
    assert capsys.readouterr().out == "Not yet: look at eq. 1\n"


def test_check_answer_keeps_a_right_answer(capsys):
    assert course.check_answer(0.25, 1 / 4, "divide", "well done") == 0.25
    assert capsys.readouterr().out == "✓ well done\n"


@pytest.mark.parametrize("answer", [..., None, 0.3, "0.25", [0.25]], ids=["blank", "None", "wrong", "str", "shape"])
def test_check_answer_falls_back_to_the_reference(capsys, answer):
    assert course.check_answer(answer, 0.25, "divide by 4") == 0.25
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Not yet: divide by 4" and course.REFERENCE_NOTE in out[1] and "✓" not in "".join(out)


def test_same_compares_values_arrays_dicts_and_strings():
    a = np.array([[1.0, np.nan], [3.0, 4.0]])
    assert course.same(a.copy(), a) and course.same(a + 1e-9, a)
    assert not course.same(a[:1], a), "shapes must agree"
    assert not course.same(a + 1e-3, a) and course.same(a + 1e-3, a, rtol=0, atol=1e-2)
    assert course.same({"x": a, "y": 2}, {"x": a.copy(), "y": 2.0})
    assert not course.same({"x": a}, {"x": a, "y": 2}), "keys must agree"
    assert course.same("block3_conv1", "block3_conv1") and not course.same("block3_conv", "block3_conv1")
    assert course.same(37, np.int64(37)) and not course.same(36, 37)
    assert not course.same(..., 0) and not course.same(None, None), "a blank is never right"
    assert not course.same(object(), 1.0) and not course.same("x", 1.0)


def test_check_answer_with_its_own_equality(capsys):
    right = course.check_answer("b", "B", "case", equal=lambda a, r: a.upper() == r)
    broken = course.check_answer(3, "B", "case", equal=lambda a, r: a.upper() == r)  # AttributeError: not yet
    assert (right, broken) == ("b", "B")
    assert capsys.readouterr().out.count("Not yet: case") == 1


def test_check_function(capsys):
    def reference(x, k):
        return np.asarray(x) * k

    def mine(x, k):
        return [v * k for v in x]

    def blank(x, k):
        ...  # the learner edition's blank: returns None

    def broken(x, k):
        return x.nope

    cases = [([1.0, 2.0], 2), ([3.0], -1)]
    assert course.check_function(mine, reference, cases, "multiply") is mine
    assert capsys.readouterr().out == "✓ Correct!\n"
    assert course.check_function(lambda x, k: reference(x, k) + (k < 0), reference, cases, "all cases") is reference
    assert capsys.readouterr().out.startswith("Not yet: all cases\n")
    assert course.check_function(blank, reference, cases, "multiply") is reference
    assert course.check_function(broken, reference, cases, "multiply") is reference
    out = capsys.readouterr().out
    assert "Not yet: your function raised AttributeError: 'list' object has no attribute 'nope'. multiply" in out


def test_reference_answers():
    assert course.reference("pixel_ratio") == 12.25
    null = np.array([0.1, 0.5, 0.3, 0.5])
    assert course.reference("permutation_p", null, 0.5) == (1 + 2) / (1 + 4)
    with pytest.raises(KeyError, match="known: "):
        course.reference("no such exercise")


def test_banner_says_what_quick_runs():
    text = course.banner()
    assert "small VGG16-shaped network trained on generated drawings — not the paper's VGG16" in text
    assert "UNTRAINED (random weights, seed 0)" in text and "control" in text
    assert "generated drawings of face, i-see-face, car and dog" in text and "64 px" in text
    full = course.banner(course.get_profile("full"))
    assert "ImageNet weights" in full and "photographs" in full


def test_quick_runs_the_organism_with_its_untrained_control():
    net, control = course.model(), course.control_model()
    assert models.model_info(net) == ModelInfo(ORGANISM_ARCH, "ce", 0)  # trained from seed 0
    assert models.model_info(control) == ModelInfo(ORGANISM_ARCH, "untrained", 0)
    assert course.model(trained=True) is net and course.model(trained=False) is control  # one object each
    assert models.model_info(course.model(trained=False, seed=3)).seed == 3
    # the control is the organism's own starting point: same architecture, other weights
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in control.named_parameters()]
    assert not torch.equal(net.features[0].weight, control.features[0].weight)


def test_quick_stimuli_are_the_measurement_drawings():
    stim = course.stimuli()
    assert stim.categories == ["face", "i-see-face", "car", "dog"] and stim.schematic
    assert stim.counts() == {c: 36 for c in stim.categories} and stim.pixels.shape == (144, 64, 64, 3)
    assert stim.source == "generated drawings (helpers.organism.world, seed 0, 64 px)"
    dogs = stim.subcategories[stim.labels == 3]
    assert sorted(set(dogs)) == sorted(miniworld.BREEDS) and all(list(dogs).count(b) == 6 for b in miniworld.BREEDS)
    assert set(stim.subcategories[stim.labels != 3]) == {""}
    again = miniworld.measurement_stimuli(36, 64, seed=0)
    np.testing.assert_array_equal(again.pixels, stim.pixels)  # deterministic
    assert again.paths == stim.paths and stim.paths[0] == "miniworld:face/0000"


def test_describe_names_the_organism_and_the_breeds():
    text = course.describe()
    assert "Mini-VGG16 organism (cross-entropy)" in text and "never a face" in text
    assert "**dog** (36): 6 kinds (beagle, bulldog, dachshund, dalmatian, greyhound, husky)" in text
    assert "UNTRAINED" in course.describe(course.control_model())


def test_selectivity_results_are_cached_on_disk(vgg16, small_stimuli, monkeypatch):
    acts = activations.collect(vgg16, small_stimuli, ["block1_conv1", "fc2"], progress=False)
    first = course.selectivity(acts)
    fresh = selectivity.analyze(acts, n_permutations=first.n_permutations, seed=course.SEED)

    def no_recompute(*args, **kwargs):
        raise AssertionError("selectivity was recomputed instead of read from the cache")

    monkeypatch.setattr(selectivity, "analyze", no_recompute)
    again = course.selectivity(acts)
    for name in acts:
        np.testing.assert_array_equal(first[name].p, fresh[name].p)
        for field in ("index", "p", "silent", "n_perm", "crit", "boot"):
            np.testing.assert_array_equal(getattr(again[name], field), getattr(first[name], field))
    assert again.categories == acts.categories and not again.trained
    assert again.resolve_q == selectivity.RESOLVE_Q and again.n_boot == bootstrap.N_BOOT


def test_a_new_version_of_the_statistics_is_never_served_stale(vgg16, small_stimuli, monkeypatch):
    acts = activations.collect(vgg16, small_stimuli, ["block1_conv1"], progress=False)
    course.selectivity(acts)
    calls = []
    real = selectivity.analyze

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(selectivity, "analyze", counted)
    course.selectivity(acts)
    assert calls == []  # same version: read from the cache
    monkeypatch.setattr(selectivity, "STATS_VERSION", selectivity.STATS_VERSION + 1)
    course.selectivity(acts)
    assert calls == [1]  # another version: another key, recomputed
