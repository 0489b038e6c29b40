"""The Colab set-up cell (tools/editions.py writes it into every notebook), run as Colab would
run it: a stand-in `google.colab` module in sys.modules and subprocess.run recording the
commands instead of running them. Outside Colab it must run nothing and print nothing."""

import os
import subprocess
import sys
import types
from pathlib import Path

import jupytext
import pytest

from test_notebooks import LEARNER, PY, REPO, VERSION, editions

ROOT = Path(__file__).resolve().parents[1]
COURSE_DIR = "/content/cnn-selectivity-course"


COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def git_state():
    """What the stand-in git answers: the HEAD of COURSE_DIR and its changed files."""
    return {"head": COMMIT, "changed": "", "fail": None, "exists": False, "git": False}


@pytest.fixture
def recorded(monkeypatch, git_state):
    calls = []

    def fake_run(cmd, *args, **kwargs):
        calls.append(list(cmd))
        if cmd[:2] == ["git", "init"]:
            git_state["exists"] = git_state["git"] = True
        out, code = "", 0
        if "rev-parse" in cmd:
            out = git_state["head"]
            code = 0 if out else 128
        elif "status" in cmd:
            out = git_state["changed"]
        if git_state["fail"] and git_state["fail"] in cmd:
            return subprocess.CompletedProcess(cmd, 128, "", "fatal: remote error: upload-pack: not our ref")
        return subprocess.CompletedProcess(cmd, code, out, "")

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


def _folders(monkeypatch, git_state, exists: bool, git: bool = True):
    """COURSE_DIR (and its .git) present or not (``git init`` makes both); other paths as they are."""
    git_state.update(exists=exists, git=exists and git)
    real_isdir, real_exists = os.path.isdir, os.path.exists
    monkeypatch.setattr("os.path.exists", lambda p: git_state["exists"] if p == COURSE_DIR else real_exists(p))
    monkeypatch.setattr("os.path.isdir", lambda p: git_state["git"] if p == COURSE_DIR + "/.git" else real_isdir(p))


CLONE = [["git", "init", "--quiet", COURSE_DIR],
         ["git", "-C", COURSE_DIR, "fetch", "--quiet", "--depth", "1", "https://github.com/someone/course.git", COMMIT],
         ["git", "-C", COURSE_DIR, "checkout", "--quiet", "--detach", "FETCH_HEAD"]]
CHECK = [["git", "-C", COURSE_DIR, "rev-parse", "HEAD"],
         ["git", "-C", COURSE_DIR, "status", "--porcelain", "--untracked-files=no"]]
INSTALL = [[sys.executable, "-m", "pip", "install", "--quiet", "-e", COURSE_DIR]]
PUBLISHED = editions.colab_cell_source("someone/course", "9.8.7", COMMIT)


@pytest.mark.parametrize("path", [PY[0], LEARNER[-1]], ids=["teacher", "learner"])
def test_in_colab_an_unpublished_course_refuses_in_one_sentence(path, recorded, in_colab, monkeypatch, git_state):
    """While the repository is OWNER/REPO (or no commit is named) nothing is cloned or installed:
    whoever owns that name would run code in every learner's session."""
    assert REPO == "OWNER/REPO"
    _folders(monkeypatch, git_state, exists=False)
    with pytest.raises(SystemExit) as e:
        exec(colab_cell(path), {})
    assert recorded == [] and "not published yet" in str(e.value) and str(e.value).count(". ") == 0
    for repo, commit in [("someone/course", ""), ("someone/course", "v1.0"), ("OWNER/REPO", COMMIT)]:
        with pytest.raises(SystemExit, match="not published yet"):
            exec(editions.colab_cell_source(repo, "1.0", commit), {})
    assert recorded == []


def test_in_colab_it_fetches_the_pinned_commit_checks_its_hash_and_installs(recorded, in_colab, capsys,
                                                                            monkeypatch, git_state):
    _folders(monkeypatch, git_state, exists=False)
    exec(PUBLISHED, {})
    assert recorded == CLONE + CHECK + INSTALL  # a commit, never a movable tag or branch
    assert sys.path[0] == COURSE_DIR, "helpers must be importable in the running kernel"
    assert f"commit {COMMIT[:12]} of github.com/someone/course" in capsys.readouterr().out


def test_in_colab_a_second_run_checks_and_does_not_fetch_again(recorded, in_colab, monkeypatch, git_state):
    _folders(monkeypatch, git_state, exists=True)
    exec(PUBLISHED, {})
    exec(PUBLISHED, {})
    assert recorded == (CHECK + INSTALL) * 2
    assert sys.path.count(COURSE_DIR) == 1


@pytest.mark.parametrize("state, git", [({"head": "f" * 40}, True), ({"changed": " M helpers/course.py"}, True),
                                        ({"head": ""}, True), ({}, False)],
                         ids=["other-commit", "changed-files", "no-head", "not-a-checkout"])
def test_in_colab_an_existing_folder_holding_anything_else_is_never_installed(recorded, in_colab, monkeypatch,
                                                                             git_state, state, git):
    git_state.update(state)
    _folders(monkeypatch, git_state, exists=True, git=git)
    with pytest.raises(SystemExit, match=f"holds something other than commit {COMMIT[:12]}"):
        exec(PUBLISHED, {})
    assert INSTALL[0] not in recorded and not any("fetch" in c for c in recorded)


def test_in_colab_a_failing_git_step_is_one_sentence(recorded, in_colab, monkeypatch, git_state):
    git_state["fail"] = "fetch"
    _folders(monkeypatch, git_state, exists=False)
    with pytest.raises(SystemExit, match="Colab set-up stopped: git .* fetch .* failed .*not our ref"):
        exec(PUBLISHED, {})
    assert INSTALL[0] not in recorded


def test_the_cell_installs_the_version_and_repository_of_pyproject():
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert VERSION == meta["version"]
    assert meta["urls"]["Repository"] == f"https://github.com/{REPO}"
    source = editions.colab_cell_source("someone/course", "9.8.7", COMMIT)
    assert f'"someone/course", "{COMMIT}", "9.8.7"' in source
    assert editions.colab_commit() == ""  # not published yet: the cell refuses (test above)
    assert "--branch" not in source and "clone" not in source


def test_the_cell_is_self_contained():
    """It runs before helpers is installed: it may import only the standard library."""
    import ast

    tree = ast.parse(editions.colab_cell_source(REPO, VERSION))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= {"sys", "os", "re", "subprocess"}, imported
