"""The learner distribution (tools/learner_dist.py, `make learner-dist`): the course without the
teacher editions, and without any solution in readable form."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load():
    spec = importlib.util.spec_from_file_location("learner_dist", ROOT / "tools" / "learner_dist.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["learner_dist"] = module
    spec.loader.exec_module(module)
    return module


dist = load()


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist") / "learner"
    assert dist.main(["--out", str(out)]) == 0
    return out


def test_the_copy_holds_the_learner_editions_and_no_teacher_edition(copy):
    learner = sorted(p.name for p in (copy / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert learner == sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) and len(learner) >= 8
    assert not (copy / "notebooks" / "teacher").exists() and not (copy / "tests").exists()
    assert (copy / "helpers" / "edge" / "course.py").is_file() and (copy / "binder" / "postBuild").is_file()
    assert (copy / "README.md").is_file() and (copy / "helpers" / "data" / "solutions.json").is_file()


def test_the_copy_holds_no_solution_in_readable_form(copy):
    forbidden = dist.solution_lines()
    assert len(forbidden) >= 20, "the verification must know the solutions it looks for"
    assert "ratio = (224 * 224) / (64 * 64)" in forbidden
    assert dist.verify(copy, forbidden) == []
    text = "\n".join(p.read_text(errors="replace") for p in copy.rglob("*.ipynb"))
    assert "BEGIN SOLUTION" not in text and "(224 * 224) / (64 * 64)" not in text


def test_the_verification_finds_a_leaked_solution(copy, tmp_path):
    leak = copy / "notebooks" / "leak.md"
    leak.write_text('mask = sel.selective(result[layer], "p", 0.01)\n\n'
                    "answer =   mask[:, result.categories.index(target)].mean()\n")
    try:
        problems = dist.verify(copy, dist.solution_lines())
    finally:
        leak.unlink()
    assert len(problems) == 1 and problems[0].startswith("notebooks/leak.md: holds a reference solution: ")


def test_no_solutions_and_safe_folders(tmp_path, capsys):
    out = tmp_path / "exam"
    assert dist.main(["--out", str(out), "--no-solutions"]) == 0
    assert not (out / "helpers" / "data" / "solutions.json").exists()
    assert dist.main(["--out", str(out)]) == 0, "a folder this tool wrote is replaced"
    foreign = tmp_path / "mine"
    (foreign / "keep.txt").parent.mkdir()
    (foreign / "keep.txt").write_text("x")
    assert dist.main(["--out", str(foreign)]) == 2 and (foreign / "keep.txt").exists()
    assert dist.main(["--out", str(ROOT / "notebooks")]) == 2
    err = capsys.readouterr().err
    assert err.count("learner-dist: ") == 2 and "Traceback" not in err


def test_the_site_index_shows_whole_time_estimates():
    import nbformat

    sys.path.insert(0, str(ROOT))
    try:
        from tools import build_course
    finally:
        sys.path.pop(0)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 03 · T\n\n**Estimated time:** about 35 minutes (15 reading and\n"
                                              "running, 20 for the three exercises).\n\nPrerequisites: 02.")]
    assert build_course.time_of(nb) == "about 35 minutes (15 reading and running, 20 for the three exercises)"
    import jupytext

    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shown = build_course.time_of(jupytext.read(path))
        assert shown.startswith("about ") and shown.count("(") == shown.count(")"), f"{path.name}: {shown!r}"


def test_stated_times_agree_between_the_notebooks_and_the_tables():
    import re

    import jupytext

    table = (ROOT / "notebooks" / "README.md").read_text()
    course_map = (ROOT / "notebooks" / "teacher" / "00_start_here.py").read_text()
    for py in sorted((ROOT / "notebooks" / "teacher").glob("[0-9][0-9]_*.py")):
        first = next(c.source for c in jupytext.read(py).cells if c.cell_type == "markdown")
        minutes = re.search(r"\*\*Estimated time:\*\* about (\d+) minutes", first).group(1)
        nn = py.name[:2]
        assert re.search(rf"^\| {nn} \| `{py.stem}` \|.*\| about {minutes} min \|$", table, re.M), f"{nn}: README table"
        assert re.search(rf"^# \| {nn} · .*\| about {minutes} min \|$", course_map, re.M), f"{nn}: 00's course map"
