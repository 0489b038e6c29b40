"""Every learner edition (notebooks/NN_name.ipynb, blank exercises) runs to its end under the
quick profile, and every exercise check in it says "Not yet" instead of stopping the notebook.

(The teacher editions, notebooks/teacher/, are nbval's: `make test` runs them with every check
passing. Each notebook is executed once per edition, never twice.)
"""

import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LEARNER = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHECK_CALL = re.compile(r"\bcourse\.check(?:_answer|_function|_text)?\(")


def stream_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def test_there_are_learner_notebooks():
    assert len(LEARNER) >= 8, "no learner editions: run `python tools/editions.py`"


@pytest.mark.parametrize("path", LEARNER, ids=lambda p: p.stem)
def test_learner_edition_runs_to_the_end_with_every_check_saying_not_yet(path, monkeypatch):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    checks = sum(len(CHECK_CALL.findall(c.source)) for c in nb.cells if c.cell_type == "code")
    assert checks, f"{path.name} has no exercise check"
    # conftest.py has set COURSE_PROFILE=quick and private data folders; the kernel inherits them,
    # and the cache the session's notebooks share. A failing cell raises CellExecutionError with
    # the cell and traceback.
    monkeypatch.setenv("COURSE_CACHE", os.environ["COURSE_TEST_NOTEBOOK_CACHE"])
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    ran = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert all(c.execution_count for c in ran), "a cell did not run"
    text = "".join(stream_text(c) for c in ran)
    not_yet = re.findall(r"^Not yet: ", text, re.M)
    assert len(not_yet) == checks, (f"{path.name}: {checks} checks but {len(not_yet)} said 'Not yet' "
                                    f"(a blank exercise must never pass)")
    passed = [c.source.splitlines()[0] for c in ran if CHECK_CALL.search(c.source) and "✓" in stream_text(c)]
    assert not passed, f"{path.name}: a check passed on a blank exercise: {passed}"
    assert "Traceback" not in text
