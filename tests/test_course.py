"""Notebook glue: exercise checks and the on-disk cache of selectivity results."""

import numpy as np
import pytest

from helpers import activations, course, selectivity


def test_check_passes_and_fails_helpfully(capsys):
    course.check(1 + 1 == 2, "arithmetic")
    assert "✓" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="Not yet: look at eq. 1"):
        course.check(False, "look at eq. 1")


def test_banner_names_untrained_and_schematic_in_quick():
    text = course.banner()
    assert "UNTRAINED" in text and "SCHEMATIC" in text


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
    assert again.resolve_q == selectivity.RESOLVE_Q and again.n_boot == selectivity.N_BOOT


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
