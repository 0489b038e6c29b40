"""The report command never reads its own outputs as inputs, and refuses a stimulus set it
cannot measure; each refusal is one line, before any work."""

import warnings

import numpy as np
import pytest

from helpers.stats import permutation
from helpers.__main__ import main
from helpers.labels import PAPER_CATEGORIES
from helpers.organism.world import measurement_stimuli
from test_cli import _one_error_line, no_work  # noqa: F401 - no_work is a fixture


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "stim"
    measurement_stimuli(3, 40, seed=0, categories=PAPER_CATEGORIES).save(path)
    return path


def _tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("where", ["report", "face/report", ".", "link"])
def test_out_inside_the_stimuli_is_refused(folder, tmp_path, capsys, no_work, where):
    """A second run would measure the first run's figure as a stimulus (a new category
    'report', or one more face)."""
    before = _tree(folder)
    out = folder / where
    if where == "link":
        out = tmp_path / "link"
        out.symlink_to(folder / "face", target_is_directory=True)
    code = main(["report", "--stimuli", str(folder), "--out", str(out), "--profile", "quick"])
    assert code == 2
    assert "lies inside --stimuli" in _one_error_line(capsys)
    assert _tree(folder) == before


def test_out_beside_the_stimuli_is_fine(folder, tmp_path, capsys, no_work):
    code = main(["report", "--stimuli", str(folder), "--out", str(tmp_path / "stim-report"), "--profile", "quick"])
    assert code == 2 and "work started" in _one_error_line(capsys)  # the checks passed; the work began


def test_a_category_with_a_single_image_is_refused(folder, capsys, no_work):
    cups = sorted((folder / "car").iterdir())
    for p in cups[1:]:
        p.unlink()
    code = main(["report", "--stimuli", str(folder), "--out", str(folder.parent / "o"), "--profile", "quick"])
    assert code == 2
    line = _one_error_line(capsys)
    assert "fewer than 2 images: 'car' (1)" in line


def test_bh_at_the_smallest_float_gives_no_overflow_warning():
    p = np.array([[0.01, 0.5, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lo, hi = permutation.p_interval(p, np.array([99]), upto=5e-324)
    assert np.all(lo <= p) and np.all(hi >= p)
    assert np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))


def test_out_inside_the_profiles_photograph_folders_is_refused(tmp_path, capsys, no_work, monkeypatch):
    """Without --stimuli the full profile reads the demo folders and $COURSE_EXTRA_CATEGORIES:
    a report written there would become a category of the next run."""
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("COURSE_EXTRA_CATEGORIES", str(tmp_path / "extra"))
    (tmp_path / "extra").mkdir()
    for out, named in [(tmp_path / "extra" / "report", "COURSE_EXTRA_CATEGORIES"),
                       (tmp_path / "data" / "caltech101-demo" / "report", "COURSE_DATA")]:
        assert main(["report", "--out", str(out), "--profile", "full"]) == 2
        assert named in _one_error_line(capsys) and not out.exists()
