"""Structure of the course notebooks: jupytext pairs in sync, and what every notebook must have.

(Running them is nbval's job: `make test` passes notebooks/ to pytest with --nbval-lax.)
"""

import re
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PY = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
IPYNB = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def cells(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_every_notebook_has_its_pair():
    assert PY, "no notebooks found"
    assert {p.stem for p in PY} == {p.stem for p in IPYNB}, "each notebook needs both .py and .ipynb"


@pytest.mark.parametrize("py", PY, ids=lambda p: p.stem)
def test_pair_in_sync(py):
    """Regenerate the notebook from the .py and compare cell by cell (timestamps are not trusted:
    a fresh clone has none)."""
    a, b = cells(jupytext.read(py)), cells(jupytext.read(py.with_suffix(".ipynb")))
    fix = f"run `jupytext --sync {py.relative_to(NOTEBOOKS.parent)}` after editing one side"
    assert len(a) == len(b), f"{py.name}: {len(a)} cells in .py, {len(b)} in .ipynb; {fix}"
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"{py.name}: cell {i} differs between .py and .ipynb; {fix}"


@pytest.mark.parametrize("py", PY, ids=lambda p: p.stem)
def test_notebook_teaches(py):
    nb = jupytext.read(py)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert re.search(r"learning objectives", md, re.I), "state the learning objectives at the top"
    assert re.search(r"\b\d+\s*(min|minutes)\b", md), "give an estimated time"
    assert re.search(r"^#+\s*Summary", md, re.I | re.M), "end with a Summary section"
    assert re.search(r"^#+\s*Exercise", md, re.I | re.M), "have at least one exercise"
    assert "course.check(" in code, "check an exercise's answer in the notebook"
    assert "course.setup()" in code, "start with course.setup() (seeds, profile banner)"
    assert "sys.path" not in code, "import helpers as an installed package"
