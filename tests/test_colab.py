"""The Colab set-up cell (tools/editions.py writes it into every notebook), run as Colab would
run it: a stand-in `google.colab` module in sys.modules and subprocess.run recording the
commands instead of running them. Outside Colab it must run nothing and print nothing."""

import subprocess
import sys
import types
from pathlib import Path

import jupytext
import pytest

from test_notebooks import LEARNER, PY, REPO, VERSION, editions

ROOT = Path(__file__).resolve().parents[1]
COURSE_DIR = "/content/cnn-selectivity-course"


@pytest.fixture
def recorded(monkeypatch):
    calls = []

    def fake_run(cmd, *args, **kwargs):
        calls.append(list(cmd))
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the cell may add COURSE_DIR: undone after
    return calls


def colab_cell(path):
    first_code = next(c for c in jupytext.read(path).cells if c.cell_type == "code")
    assert editions.is_colab_cell(first_code), f"{path.name}: the first code cell is not the Colab set-up"
    return first_code.source


@pytest.fixture
def in_colab(monkeypatch):
    google = types.ModuleType("google")
    colab = types.ModuleType("google.colab")
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)


@pytest.mark.parametrize("path", [PY[0], LEARNER[-1]], ids=["teacher", "learner"])
def test_outside_colab_the_cell_runs_nothing_and_prints_nothing(path, recorded, capsys, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    before = list(sys.path)
    exec(colab_cell(path), {})
    assert recorded == [] and sys.path == before
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("path", [PY[0], LEARNER[-1]], ids=["teacher", "learner"])
def test_in_colab_it_clones_the_course_at_its_version_and_installs_helpers(path, recorded, in_colab, capsys,
                                                                           monkeypatch):
    monkeypatch.setattr("os.path.isdir", lambda p: False if p == COURSE_DIR else Path(p).is_dir())
    exec(colab_cell(path), {})
    assert recorded == [
        ["git", "clone", "--quiet", "--depth", "1", "--branch", f"v{VERSION}",
         f"https://github.com/{REPO}.git", COURSE_DIR],
        [sys.executable, "-m", "pip", "install", "--quiet", "-e", COURSE_DIR],
    ]
    assert sys.path[0] == COURSE_DIR, "helpers must be importable in the running kernel"
    assert f"v{VERSION} of github.com/{REPO}" in capsys.readouterr().out


def test_in_colab_a_second_run_does_not_clone_again(recorded, in_colab, monkeypatch):
    monkeypatch.setattr("os.path.isdir", lambda p: p == COURSE_DIR or Path(p).is_dir())
    source = colab_cell(PY[0])
    exec(source, {})
    exec(source, {})
    assert recorded == [[sys.executable, "-m", "pip", "install", "--quiet", "-e", COURSE_DIR]] * 2
    assert sys.path.count(COURSE_DIR) == 1


def test_the_cell_installs_the_version_and_repository_of_pyproject():
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert VERSION == meta["version"]
    assert meta["urls"]["Repository"] == f"https://github.com/{REPO}"
    source = editions.colab_cell_source("someone/course", "9.8.7")
    assert '"someone/course", "v9.8.7"' in source


def test_the_cell_is_self_contained():
    """It runs before helpers is installed: it may import only the standard library."""
    import ast

    tree = ast.parse(editions.colab_cell_source(REPO, VERSION))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= {"sys", "os", "subprocess"}, imported
