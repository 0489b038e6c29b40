"""tools/editions.py fails closed: no solution reaches a learner edition in any spelling, and
the generator deletes only learner editions it wrote and recorded."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from test_notebooks import REPO, ROOT, VERSION, editions

BLANK = "answer = ...  # your code here: the mean\n"


@pytest.mark.parametrize("marker", ["###  BEGIN SOLUTION", "### begin solution", "## BEGIN SOLUTION",
                                    "#### BEGIN SOLUTION", "# BEGIN_SOLUTION", "### BEGIN SOLUTION # ok?",
                                    "x = 1  ### BEGIN SOLUTION"])
def test_near_miss_markers_are_refused(marker):
    source = f"{BLANK}{marker}\nanswer = secret()\n### END SOLUTION"
    with pytest.raises(editions.EditionError, match="looks like a solution marker"):
        editions.strip_solution(source, "nb")


@pytest.mark.parametrize("source", ["### END SOLUTION", f"{BLANK}### END SOLUTION\nsecret()\n### BEGIN SOLUTION",
                                    f"{BLANK}answer = secret()", f"{BLANK}### BEGIN SOLUTION\nsecret()"])
def test_unpaired_or_missing_markers_are_refused(source):
    with pytest.raises(editions.EditionError, match="pairs"):
        editions.strip_solution(source, "nb")


def test_exact_markers_are_stripped():
    source = f"{BLANK}### BEGIN SOLUTION\nanswer = secret()\n### END SOLUTION\nprint(answer)"
    assert editions.strip_solution(source, "nb") == f"{BLANK}print(answer)"


def _teacher(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 99 · Test\n\nText.")] + list(cells)
    return nb


def _code(source, tags=()):
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


@pytest.mark.parametrize("cell, match", [
    (_code(f"{BLANK}answer = secret()", tags=["solution"]), "pairs"),  # tagged, no markers
    (_code(f"{BLANK}answer = secret()", tags=["Solution"]), "pairs"),
    (_code("### END SOLUTION"), "pairs"),  # a cell holding only an END marker
    (_code(f"{BLANK}### Begin Solution\nanswer = secret()\n### End Solution"), "looks like"),
    (nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\nThe answer is 42.\n### END SOLUTION"), "markdown cell"),
    (nbformat.v4.new_markdown_cell("The answer is 42 (## begin solution)"), "markdown cell"),
    (nbformat.v4.new_raw_cell("### BEGIN SOLUTION\n42\n### END SOLUTION"), "raw cell"),
])
def test_learner_edition_refuses_what_it_cannot_strip(cell, match):
    if "tags" not in cell.metadata and cell.cell_type == "markdown" and "42." in cell.source:
        cell.metadata["tags"] = ["solution"]
    with pytest.raises(editions.EditionError, match=match):
        editions.learner_edition(_teacher(cell), "99_test.ipynb", REPO, VERSION)


def test_learner_edition_strips_a_proper_solution_cell():
    cell = _code(f"{BLANK}### BEGIN SOLUTION\nanswer = secret()\n### END SOLUTION", tags=["solution", "keep"])
    nb = editions.learner_edition(_teacher(cell), "99_test.ipynb", REPO, VERSION)
    text = nbformat.writes(nb)
    assert "secret" not in text and "SOLUTION" not in text.upper().replace("SOLUTIONS", "")
    assert nb.cells[-1].metadata["tags"] == ["keep"]


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A copy of one teacher notebook pair and its learner edition, with the tool pointed at it."""
    teacher = tmp_path / "notebooks" / "teacher"
    teacher.mkdir(parents=True)
    for suffix in (".py", ".ipynb"):
        shutil.copy(ROOT / "notebooks" / "teacher" / f"03_selectivity{suffix}", teacher)
    monkeypatch.setattr(editions, "ROOT", tmp_path)
    monkeypatch.setattr(editions, "LEARNER", tmp_path / "notebooks")
    monkeypatch.setattr(editions, "TEACHER", teacher)
    monkeypatch.setattr(editions, "PYPROJECT", ROOT / "pyproject.toml")
    assert editions.main([]) == 0
    return tmp_path / "notebooks"


def test_generator_never_deletes_a_file_it_did_not_write(course, capsys):
    learner = course
    copy = learner / "03_selectivity-Copy1.ipynb"  # what JupyterLab's "Duplicate" makes
    shutil.copy(learner / "03_selectivity.ipynb", copy)
    (learner / "04_mine.py").write_text("# my notes\n")
    capsys.readouterr()
    assert editions.main([]) == 0
    out, err = capsys.readouterr()
    assert copy.is_file() and (learner / "04_mine.py").is_file()
    assert "left alone notebooks/03_selectivity-Copy1.ipynb" in err and "deleted" not in out
    assert editions.main(["--check"]) == 0  # someone else's file is not the tool's to call stale


def test_generator_deletes_its_own_edition_once_its_teacher_is_gone_and_says_so(course, capsys):
    learner = course
    (learner / "teacher" / "03_selectivity.py").unlink()
    (learner / "teacher" / "03_selectivity.ipynb").unlink()
    shutil.copy(ROOT / "notebooks" / "teacher" / "08_latent_geometry.py", learner / "teacher")
    shutil.copy(ROOT / "notebooks" / "teacher" / "08_latent_geometry.ipynb", learner / "teacher")
    (learner / "03_selectivity.py").write_text("# changed by hand\n")  # no longer what the tool wrote
    capsys.readouterr()
    assert editions.main(["--check"]) == 1
    assert editions.main([]) == 0
    out, err = capsys.readouterr()
    assert not (learner / "03_selectivity.ipynb").exists()
    assert "deleted notebooks/03_selectivity.ipynb (a learner edition this tool wrote" in out
    assert (learner / "03_selectivity.py").read_text() == "# changed by hand\n"
    assert "left alone notebooks/03_selectivity.py" in err
    assert "wrote notebooks/03_selectivity" not in out
