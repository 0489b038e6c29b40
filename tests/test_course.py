"""Notebook glue: exercise checks and the on-disk cache of selectivity results."""

import re

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


@pytest.mark.parametrize("answer, says", [
    (..., "still the blank `...`"), (None, "still the blank `...`"),
    (0.3, "your value 0.3 is too high"), (0.2, "your value 0.2 is too low"),
    (0.2501, "too high but close"), (1.5, "expected a number between 0 and 1, got 1.5"),
    ("0.25", "expected a number between 0 and 1, got a str ('0.25')"),
    ([0.25, 0.5], "got a list of 2 items"), (np.array([0.25]), "got an array of shape (1,)"),
], ids=["blank", "None", "high", "low", "close", "range", "str", "list", "shape"])
def test_check_answer_says_what_is_wrong_and_hands_back_the_reference(capsys, answer, says):
    assert course.check_answer(answer, 0.25, "divide by 4", within=(0, 1)) == 0.25
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Not yet: ") and says in out[0]
    assert not re.search(r"(?<![\d.'])0\.25(?![\d'])", out[0]), "the expected value is never shown"
    assert course.REFERENCE_NOTE in out[-1] and "✓" not in "".join(out)
    assert ("Hint: divide by 4" in "".join(out)) == (answer is not ... and answer is not None)


def test_arrays_dicts_and_names_get_specific_messages(capsys):
    course.check_answer(np.zeros((3, 2)), np.zeros((2, 3)), "h")
    course.check_answer(np.array([[0.0, 1.0], [2.0, 3.0]]), np.array([[0.0, 1.0], [2.0, 3.5]]), "h")
    course.check_answer(np.array([1.0, np.nan]), np.array([1.0, 2.0]), "h")
    course.check_answer({"a": 1.0}, {"a": 1.0, "b": 2.0}, "h")
    course.check_answer({"a": 1.0, "b": 3.0}, {"a": 1.0, "b": 2.0}, "h")
    course.check_answer("block3conv1", "fc2", "h", choices=["block3_conv1", "fc2"])
    course.check_answer("block3_conv1", "fc2", "h", choices=["block3_conv1", "fc2"])
    said = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Not yet")]
    assert said == [
        "Not yet: expected an array of shape (2, 3), got shape (3, 2).",
        "Not yet: 1 of 4 values differ from the expected ones (the largest difference, 0.5, at index (1, 1)).",
        "Not yet: your array has NaN in 1 of 2 places where a number is expected.",
        "Not yet: your dict has missing keys 'b'.",
        "Not yet: for key 'b': your value 3 is too high.",
        "Not yet: 'block3conv1' is not one of the possible answers (block3_conv1, fc2).",
        "Not yet: 'block3_conv1' is a possible answer, but not the one asked for.",
    ]


def test_a_check_never_turns_a_wrong_answer_into_a_pass(capsys):
    """The returned reference goes to its own name: re-running the check re-checks the answer."""
    ns = {"answer": 0.5}
    for _ in range(2):
        ns["answer_used"] = course.check_answer(ns["answer"], 0.25, "h", namespace=ns)
        assert ns["answer_used"] == 0.25 and ns["answer"] == 0.5
    assert capsys.readouterr().out.count("Not yet: your value 0.5 is too high.") == 2


def test_an_answer_cell_that_raised_never_passes(capsys):
    from helpers.edge import exercises

    ns = {"answer": 0.25}
    exercises.note_cell("answer = 0.25\n1 / 0", ZeroDivisionError("division by zero"))
    assert course.check_answer(ns["answer"], 0.25, "h", namespace=ns) == 0.25
    assert "the cell that sets `answer` raised ZeroDivisionError: division by zero" in capsys.readouterr().out
    exercises.note_cell("answer = 0.25", None)  # fixed and run again
    course.check_answer(ns["answer"], 0.25, "h", namespace=ns)
    assert capsys.readouterr().out == "✓ Correct!\n"
    exercises.note_cell("answer = 0.25\nprint(", SyntaxError("'(' was never closed"))
    course.check_answer(ns["answer"], 0.25, "h", namespace=ns)
    assert "raised SyntaxError" in capsys.readouterr().out
    exercises.note_cell("answer = 0.25", None)


def test_assigned_names_reads_the_cell():
    from helpers.edge.exercises import assigned_names

    assert assigned_names("a, b = 1, 2\ndef f(x):\n    y = 2\nclass C: pass\nx: int = 3\nif x == 2: pass") == \
        {"a", "b", "f", "C", "x"}
    assert assigned_names("a = 1\nprint(x)\nb = (\nif x: y = 2") == {"a", "b"}  # a syntax error: line by line


def test_the_reference_solution_appears_only_after_an_attempt(capsys):
    from helpers.edge import exercises

    course.check_answer(..., 12.25, "h", exercise="00.1")
    assert "reference solution" not in capsys.readouterr().out
    course.check_answer(10.0, 12.25, "h", exercise="00.1")
    assert "[reference solution of exercise 00.1: open it in a notebook]" in capsys.readouterr().out
    html = exercises.solution_html("00.1")
    assert html.startswith("<details><summary>") and "(224 * 224) / (64 * 64)" in html and "BEGIN SOLUTION" not in html
    assert "your code here" not in html


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
    assert "could not be compared: AttributeError" in capsys.readouterr().out


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
    out = capsys.readouterr().out
    assert out.startswith("Not yet: for case 2 of 2 (arguments: a list of 1 item, -1), 1 of 1 values differ")
    assert "Hint: all cases" in out
    assert course.check_function(blank, reference, cases, "multiply") is reference
    assert "your function returns None" in capsys.readouterr().out
    assert course.check_function(broken, reference, cases, "multiply") is reference
    out = capsys.readouterr().out
    assert "your function raised AttributeError: 'list' object has no attribute 'nope'" in out


def test_check_text_wants_the_points_not_the_words(capsys):
    need = {"the baseline you compare with": ["untrained", "control"], "the threshold": ["threshold", "p ≤"]}
    assert not course.check_text(..., need, min_words=5)
    assert "still blank" in capsys.readouterr().out
    assert not course.check_text("Deeper layers have more.", need, min_words=5)
    assert "has 4 words; write at least 5" in capsys.readouterr().out
    assert not course.check_text("The trained network beats its untrained twin in deep layers.", need, min_words=5)
    assert "does not yet say the threshold" in capsys.readouterr().out
    assert course.check_text("At the threshold p ≤ 0.01 the trained network beats its untrained\ncontrols.", need,
                             min_words=5)
    assert capsys.readouterr().out.startswith("✓ ")
    assert course.check_text("It controls the false\n  discovery rate at level q.", {"FDR": ["false discovery"]},
                             min_words=5)
    assert capsys.readouterr().out.startswith("✓ ")


def test_verify_prediction(capsys):
    assert course.verify_prediction(0.8, 0.75, "the purity")
    assert not course.verify_prediction("fc2", "block5_conv3", "the layer")
    assert not course.verify_prediction(..., 0.5, "the purity")
    out = capsys.readouterr().out
    assert "close by 0.05" in out and "not what you expected" in out and "no prediction" in out


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
