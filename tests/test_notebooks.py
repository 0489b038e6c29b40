"""Structure of the course notebooks: the teacher edition's jupytext pairs in sync, the learner
edition regenerated from it, and what every notebook must have.

(Running them is left to nbval, which runs the teacher editions in notebooks/teacher/, and to
tests/test_learner_notebooks.py, which runs the learner editions.)
"""

import importlib.util
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
TEACHER = ROOT / "notebooks" / "teacher"
PY = sorted(TEACHER.glob("[0-9][0-9]_*.py"))
IPYNB = sorted(TEACHER.glob("[0-9][0-9]_*.ipynb"))
LEARNER = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHECK_CALL = re.compile(r"\bcourse\.check(?:_answer|_function|_text)?\(")
REGENERATE = "run `python tools/editions.py` to regenerate the learner editions"


def load_editions():
    spec = importlib.util.spec_from_file_location("editions", ROOT / "tools" / "editions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


editions = load_editions()
REPO, VERSION = editions.course_release()


def cells(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def stream_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


# --------------------------------------------------------------------------- teacher edition


def test_every_teacher_notebook_has_its_pair():
    assert len(PY) >= 8, "no teacher notebooks found in notebooks/teacher/"
    assert {p.stem for p in PY} == {p.stem for p in IPYNB}, "each notebook needs both .py and .ipynb"
    learner_py = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    assert {p.stem for p in learner_py} == {p.stem for p in IPYNB}, \
        "each learner edition is a generated pair (.ipynb + .py): run `python tools/editions.py`"


@pytest.mark.parametrize("py", PY, ids=lambda p: p.stem)
def test_pair_in_sync(py):
    """Regenerate the notebook from the .py and compare cell by cell (timestamps are not trusted:
    a fresh clone has none)."""
    a, b = cells(jupytext.read(py)), cells(jupytext.read(py.with_suffix(".ipynb")))
    fix = f"run `jupytext --sync {py.relative_to(ROOT)}` after editing one side"
    assert len(a) == len(b), f"{py.name}: {len(a)} cells in .py, {len(b)} in .ipynb; {fix}"
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"{py.name}: cell {i} differs between .py and .ipynb; {fix}"


@pytest.mark.parametrize("py", PY, ids=lambda p: p.stem)
def test_notebook_teaches(py):
    nb = jupytext.read(py)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code" and not editions.is_colab_cell(c))
    assert re.search(r"learning objectives", md, re.I), "state the learning objectives at the top"
    assert re.search(r"\b\d+\s*(min|minutes)\b", md), "give an estimated time"
    assert re.search(r"^#+\s*Summary", md, re.I | re.M), "end with a Summary section"
    assert re.search(r"^#+\s*Exercise", md, re.I | re.M), "have at least one exercise"
    assert CHECK_CALL.search(code), "check an exercise's answer in the notebook (course.check_answer & co.)"
    assert "course.setup()" in code, "start with course.setup() (seeds, profile banner)"
    assert "sys.path" not in code, "import helpers as an installed package"


@pytest.mark.parametrize("py", PY, ids=lambda p: p.stem)
def test_every_exercise_has_a_blank_a_solution_and_a_check(py):
    nb = jupytext.read(py)
    answers = [c for c in nb.cells if c.cell_type == "code" and "### BEGIN SOLUTION" in c.source]
    checks = [c for c in nb.cells if c.cell_type == "code" and CHECK_CALL.search(c.source)]
    assert answers and len(answers) == len(checks), f"{py.name}: {len(answers)} answer cells, {len(checks)} checks"
    for c in answers:
        assert "solution" in c.metadata.get("tags", []), "tag answer cells `solution`"
        editions.strip_solution(c.source, py.name)  # raises without the learner's blank


@pytest.mark.parametrize("ipynb", IPYNB, ids=lambda p: p.stem)
def test_teacher_edition_passes_every_check(ipynb):
    """The stored outputs are those of a run with the solutions: every check says ✓."""
    nb = nbformat.read(ipynb, as_version=4)
    for c in nb.cells:
        if c.cell_type == "code" and CHECK_CALL.search(c.source):
            out = stream_text(c)
            assert out.startswith("✓ "), (f"{ipynb.name}: check cell says {out[:120]!r}; fix the solution and "
                                          f"re-execute (notebooks/README.md)")


# --------------------------------------------------------------------------- learner edition


def test_every_teacher_notebook_has_a_learner_edition():
    assert {p.name for p in LEARNER} == {p.name for p in IPYNB}, REGENERATE


@pytest.mark.parametrize("py", PY, ids=lambda p: p.stem)
def test_learner_edition_is_regenerated_from_the_teacher_edition(py):
    for suffix, text in editions.learner_texts(py, REPO, VERSION).items():
        committed = ROOT / "notebooks" / py.with_suffix(suffix).name
        assert committed.exists(), REGENERATE
        assert committed.read_text(encoding="utf-8") == text, f"{committed.relative_to(ROOT)} is out of date; {REGENERATE}"


@pytest.mark.parametrize("path", LEARNER, ids=lambda p: p.stem)
def test_learner_edition_has_no_solutions_and_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    text = path.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert "jupytext" not in nb.metadata, "a learner edition must not be paired (JupyterLab would write a .py)"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    blanks = [c for c in code if editions.BLANK.search(c.source) and "your code here" in c.source]
    checks = [c for c in code if CHECK_CALL.search(c.source)]
    assert blanks and len(blanks) == len(checks), f"{len(blanks)} blank answers for {len(checks)} checks"
    assert all("source_hidden" not in c.metadata.get("jupyter", {}) for c in blanks), "show the answer cells"


def test_learner_edition_of_a_made_up_notebook():
    """The transformation itself, on a notebook whose answer is known."""
    nb = nbformat.v4.new_notebook(metadata={"jupytext": {"formats": "ipynb,py:percent"}})
    answer = nbformat.v4.new_code_cell("def f(x):\n    ...  # your code here: double x\n    ### BEGIN SOLUTION\n"
                                       "    return 2 * x\n    ### END SOLUTION",
                                       metadata={"tags": ["solution"], "jupyter": {"source_hidden": True}})
    check = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nf = course.check_function(f, g, [(1,)], 'hint')")
    check.outputs = [nbformat.v4.new_output("stream", text="✓ Correct!\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# 09 · Test\n\nText."), answer, check]
    out = editions.learner_edition(nb, "09_test.ipynb", "me/course", "1.2.3")
    title, colab, answer, check = out.cells
    assert title.source == ("# 09 · Test\n\n[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                            "(https://colab.research.google.com/github/me/course/blob/main/notebooks/09_test.ipynb)\n\nText.")
    assert editions.is_colab_cell(colab) and '"me/course", "", "1.2.3"' in colab.source  # no commit named yet
    assert answer.source == "def f(x):\n    ...  # your code here: double x" and answer.metadata == {}
    assert check.source == "f = course.check_function(f, g, [(1,)], 'hint')" and check.outputs == []
    assert "jupytext" not in out.metadata
    again = editions.learner_edition(editions.stamp(nb, "notebooks/teacher/09_test.ipynb", "me/course", "1.2.3"),
                                     "09_test.ipynb", "me/course", "1.2.3")
    assert nbformat.writes(again) == nbformat.writes(out), "stamping twice changes nothing"


def test_an_answer_cell_without_a_blank_is_refused():
    with pytest.raises(editions.EditionError, match="learner's blank"):
        editions.strip_solution("x = None\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "09")
    with pytest.raises(editions.EditionError, match="unmatched"):
        editions.strip_solution("x = ...  # here\n### BEGIN SOLUTION\nx = 1\n", "09")


# --------------------------------------------------------------------------- both: Colab


@pytest.mark.parametrize("path", PY + LEARNER, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_notebook_opens_in_colab(path):
    nb = jupytext.read(path)
    relpath = path.relative_to(ROOT).with_suffix(".ipynb").as_posix()
    first_md = next(c for c in nb.cells if c.cell_type == "markdown")
    assert editions.colab_badge(relpath, REPO) in first_md.source.splitlines(), \
        f"{relpath}: no Colab badge for itself under the title; run `python tools/editions.py`"
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source == editions.colab_cell_source(REPO, VERSION), \
        f"{relpath}: the first code cell must be the current Colab set-up; run `python tools/editions.py`"
