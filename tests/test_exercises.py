"""Every exercise of every notebook, driven in both editions: a blank says "Not yet" (and shows
no solution), a wrong answer gets a specific message (and the collapsed reference solution), the
right answer gets ✓, re-running the check never turns a wrong answer into ✓, and an answer cell
that raised never passes.

Each notebook is run once, in this process, as a *slice*: only the cells that the exercises need
(found from the names the cells bind and read), in order, with every exercise driven in place
through the sequence blank → right → right again → wrong → wrong again → raised → right, so that
the cells after it see the state a learner with a right answer would. The learner edition's answer
cell is its committed text twin (notebooks/NN_name.py); its other cells must equal the teacher's.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import re
from pathlib import Path

import jupytext
import numpy as np
import pytest

from helpers.edge import exercises

ROOT = Path(__file__).resolve().parents[1]
TEACHER = sorted((ROOT / "notebooks" / "teacher").glob("[0-9][0-9]_*.py"))
CHECK_CALL = re.compile(r"\bcourse\.check(?:_answer|_function|_text)\(")
SPECIFIC = re.compile(r"too high|too low|values differ|expected |not one of|a possible answer|for key|"
                      r"does not match|for case \d+ of \d+|does not yet say|words; write|raised")
REVEAL = "[reference solution of exercise "


# --------------------------------------------------------------------------- slicing a notebook


def _names(src: str) -> tuple[set[str], set[str]]:
    """(names a cell binds at module level, names it reads that it does not bind locally)."""
    tree = ast.parse(src)
    bound, local = set(), set()

    def visit(node, top):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            (bound if top else local).add(node.name)
            local.update(a.arg for a in ast.walk(node) if isinstance(a, ast.arg))
            for child in ast.iter_child_nodes(node):
                visit(child, False)
            return
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            local.update(a.arg for a in ast.walk(node) if isinstance(a, ast.arg))
            local.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            (bound if top else local).update((a.asname or a.name).split(".")[0] for a in node.names)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            (bound if top else local).add(node.id)
        if top and isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            base = node.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name):
                bound.add(base.id)  # x[k] = ... changes x
        for child in ast.iter_child_nodes(node):
            visit(child, top)

    visit(tree, True)
    loads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return bound, loads - local - set(dir(builtins))


NBVAL_MARK = re.compile(r"\A# NBVAL_[A-Z_]+[ \t]*\n")


def _code_cells(py: Path) -> list[str]:
    """The code cells' text, without nbval's markers (which only the teacher edition carries)."""
    return [NBVAL_MARK.sub("", c.source) for c in jupytext.read(py).cells if c.cell_type == "code"]


def _needs(src: str) -> set[str]:
    """Names a cell (or statement) reads from before it: a name it binds itself first (a loop's
    variable, ``n, k = ...`` then ``k``) is not needed from earlier cells; ``x = f(x)`` still
    needs the earlier ``x``."""
    need, bound_so_far = set(), set()
    for node in ast.parse(src).body:
        text = ast.unparse(node)
        bound, reads = _names(text)
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            own = _names(ast.unparse(node.value))[1] if node.value is not None else set()
            if isinstance(node, ast.AugAssign):
                own |= bound
            reads = own | (reads - bound)
        else:
            reads = reads - bound
        reads |= {t.target.id for t in ast.walk(node)  # rows += [...] in a loop reads rows
                  if isinstance(t, ast.AugAssign) and isinstance(t.target, ast.Name)}
        need |= reads - bound_so_far
        bound_so_far |= bound
    return need


def _statements(src: str) -> list[str]:
    """A cell's top-level statements, as source text (the slice's unit: a cell that computes a
    table the exercise needs and then plots it contributes the table only)."""
    tree = ast.parse(src)
    lines = src.splitlines(keepends=True)
    out = []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        out.append("".join(lines[start - 1:node.end_lineno]))
    return out


def _mutated(stmt: str) -> set[str]:
    """Names a statement changes by calling a method on them (``handles.append(...)``, also
    inside a loop's body)."""
    out = set()
    for node in ast.walk(ast.parse(stmt)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name):  # x.append(...), not x[k].register_hook(...)
            out.add(node.func.value.id)
    return out


def _killed(stmt: str) -> set[str]:
    """Names a statement binds afresh whatever they held before (``x = ...``, ``import x``,
    ``def x``): an earlier binding of them is not needed by what follows."""
    node = ast.parse(stmt).body[0]
    if isinstance(node, ast.Assign) and all(isinstance(t, (ast.Name, ast.Tuple)) for t in node.targets):
        return {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
        return _names(stmt)[0]
    return set()


def plan(py: Path):
    """The slice of teacher notebook ``py``: a list of ("cell", source) and ("exercise", dict)
    steps, the cells cut to the top-level statements the exercises need (transitively)."""
    teacher = _code_cells(py)
    learner = _code_cells(ROOT / "notebooks" / py.name)
    assert len(learner) == len(teacher), f"{py.name}: the editions have different cells; run tools/editions.py"
    found = []
    for i, src in enumerate(teacher):
        if "### BEGIN SOLUTION" in src:
            check_at = next(j for j in range(i + 1, len(teacher)) if CHECK_CALL.search(teacher[j]))
            found.append({"answer": src, "blank": learner[i], "check": teacher[check_at],
                          "key": re.search(r'exercise="([\d.]+)"', teacher[check_at]).group(1),
                          "at": i, "check_at": check_at})
        elif not CHECK_CALL.search(src):
            assert learner[i] == src, f"{py.name}: code cell {i} differs between the editions"
    for ex in found:
        assert learner[ex["check_at"]] == ex["check"], f"{py.name}: the editions' check cells differ"
    exercise_cells = {ex["at"] for ex in found} | {ex["check_at"] for ex in found}
    last = max(ex["check_at"] for ex in found)
    units = [(i, stmt) for i in range(last + 1) if i not in exercise_cells
             and not teacher[i].startswith("# Google Colab set-up") for stmt in _statements(teacher[i])]
    setup_cells = {i for i in range(last + 1) if "course.setup()" in teacher[i]}
    needed = set()
    for ex in found:
        needed |= _needs(ex["answer"] + "\n\n" + ex["check"]) | _needs(ex["blank"] + "\n\n" + ex["check"])
    modules = set().union(*(_names(stmt)[0] for _, stmt in units
                            if isinstance(ast.parse(stmt).body[0], (ast.Import, ast.ImportFrom))))
    chosen = set()
    for k in range(len(units) - 1, -1, -1):
        i, stmt = units[k]
        bound = _names(stmt)[0] | (_mutated(stmt) - modules)  # plt.show() changes no state we need
        if bound & needed or i in setup_cells:
            chosen.add(k)
            needed = (needed - _killed(stmt)) | _needs(stmt)
    steps = []
    for i in range(last + 1):
        cut = [stmt for k, (j, stmt) in enumerate(units) if j == i and k in chosen]
        if cut:
            steps.append(("cell", "".join(cut)))
        ex = next((e for e in found if e["check_at"] == i), None)
        if ex is not None:
            steps.append(("exercise", ex))
    return steps


# --------------------------------------------------------------------------- running cells


def run(src: str, ns: dict, name: str) -> str:
    """Run one cell in ``ns`` as the notebook's kernel would (recording for the checks whether it
    raised); return what it printed."""
    import matplotlib.pyplot as plt

    out = io.StringIO()
    error = None
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(src, name, "exec"), ns)
        except Exception as e:  # noqa: BLE001 - recorded like IPython's post_run_cell does
            error = e
    exercises.note_cell(src, error)
    plt.close("all")
    if error is not None and not getattr(error, "_expected", False):
        raise error
    return out.getvalue()


def wrong_version(value):
    """A plausible wrong answer of the same kind as ``value`` (a right one)."""
    if callable(value):
        return lambda *a, **k: wrong_version(value(*a, **k))
    if isinstance(value, str):
        return "Fine, I think." if " " in value else value + "_x"
    if isinstance(value, dict):
        out = dict(value)
        k = next(iter(out))
        out[k] = wrong_version(out[k])
        return out
    if isinstance(value, tuple):
        return tuple(wrong_version(np.asarray(value, dtype=float)))
    if isinstance(value, (bool, np.bool_)):
        return not value
    if isinstance(value, (int, np.integer)):
        return int(value) + max(1, abs(int(value)) // 2)
    if isinstance(value, (float, np.floating)) or (isinstance(value, np.ndarray) and value.ndim == 0):
        v = float(value)
        return v / 2 if v != 0 and np.isfinite(v) else 0.3
    arr = np.array(value, dtype=float, copy=True)
    if arr.size == 0:
        return np.zeros(1)
    flat = arr.reshape(-1)
    i = int(np.flatnonzero(np.isfinite(flat))[0]) if np.isfinite(flat).any() else 0
    flat[i] = (flat[i] if np.isfinite(flat[i]) else 0.0) + 0.5
    return arr


def checked_name(check_src: str) -> str:
    call = next(n for n in ast.walk(ast.parse(check_src)) if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute) and n.func.attr in ("check_answer", "check_function", "check_text"))
    return call.args[0].id


def drive(ex: dict, ns: dict, where: str) -> None:
    key, check = ex["key"], ex["check"]
    name = checked_name(check)

    def checked() -> str:
        return run(check, ns, f"<{where} check>")

    # blank (the learner edition's answer cell)
    run(ex["blank"], ns, f"<{where} blank>")
    out = checked()
    assert out.startswith("Not yet: ") and "✓" not in out, f"{where}: a blank must say Not yet, got {out[:200]!r}"
    assert "blank" in out.splitlines()[0] and REVEAL not in out, f"{where}: a blank must be named, no solution shown: {out[:300]!r}"
    # right (the teacher edition's answer cell), twice
    run(ex["answer"], ns, f"<{where} answer>")
    right = ns[name]
    for _ in range(2):
        out = checked()
        assert out.startswith("✓ "), f"{where}: the reference solution must pass, got {out[:300]!r}"
    # wrong, twice: the second run must not pass on a value the first one handed back
    ns[name] = wrong_version(right)
    exercises.note_cell(f"{name} = None", None)
    for attempt in (1, 2):
        out = checked()
        first = out.splitlines()[0]
        assert first.startswith("Not yet: ") and "✓" not in out, f"{where}: wrong answer, run {attempt}: {out[:300]!r}"
        assert SPECIFIC.search(first) and "blank" not in first, f"{where}: not specific: {first!r}"
        assert REVEAL + key in out, f"{where}: no reference solution offered after an attempt"
    # an answer cell that raised, after it had bound the right value
    ns[name] = right
    exercises.note_cell(f"{name} = None", ZeroDivisionError("division by zero"))
    out = checked()
    assert out.startswith("Not yet: ") and "raised ZeroDivisionError" in out, f"{where}: a raising cell passed"
    # right again: the later cells run on the learner's own right answer
    run(ex["answer"], ns, f"<{where} answer>")
    assert checked().startswith("✓ ")


@pytest.mark.slow
@pytest.mark.parametrize("py", TEACHER, ids=lambda p: p.stem)
def test_every_exercise_in_both_editions(py, monkeypatch):
    monkeypatch.chdir(py.parent.parent)
    steps = plan(py)
    ns: dict = {"__name__": "__main__"}
    driven = 0
    for i, (kind, item) in enumerate(steps):
        if kind == "cell":
            run(item, ns, f"<{py.stem} slice cell {i}>")
        else:
            drive(item, ns, f"{py.stem} exercise {item['key']}")
            driven += 1
    assert driven == sum("### BEGIN SOLUTION" in s for s in _code_cells(py))


# --------------------------------------------------------------------------- the slicer itself


def test_the_solutions_file_is_up_to_date():
    import importlib.util

    spec = importlib.util.spec_from_file_location("solutions", ROOT / "tools" / "solutions.py")
    solutions = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solutions)
    assert solutions.OUT.read_text(encoding="utf-8") == solutions.build(), \
        "helpers/data/solutions.json is out of date: run `python tools/solutions.py`"
    assert exercises.solution("05.1").startswith("mask = sel.selective(") and exercises.solution("99.1") is None


def test_names_sees_bindings_and_reads():
    bound, reads = _names("import numpy as np\nx = np.ones(3)\ndef f(a):\n    b = a + y\n    return b\n"
                          "d[k] = 1\nz = [i for i in x]")
    assert bound >= {"np", "x", "f", "d", "z"} and not bound & {"a", "b", "y"}
    assert reads == {"np", "y", "d", "k", "x"}


def test_needs_leaves_out_what_a_cell_binds_first():
    assert _needs("n, k = len(d), 2\np = comb(n, k)\nfor kind in nets:\n    print(kind, p)") == {"len", "d", "comb", "nets"} - set(dir(builtins))
    assert _needs("x = f(x)") == {"f", "x"} and _needs("t += 1") == {"t"}


def test_wrong_versions_differ_from_the_right_ones():
    for right in (0.25, 0, 3, "block3_conv1", np.arange(3.0), np.array([]), {"a": 1.0}, "some text here"):
        wrong = wrong_version(right)
        assert not exercises.same(wrong, right) or isinstance(right, str) and wrong != right
    assert wrong_version(lambda x: 2 * x)(1) == 3
    assert wrong_version(lambda x: 2.0 * x)(1) == 1.0


# --------------------------------------------------------------------------- in a real kernel


@pytest.mark.slow
def test_in_a_kernel_a_raising_answer_cell_never_passes_and_the_solution_is_html():
    """The IPython hook that course.setup() registers, in a Jupyter kernel (what a learner runs)."""
    import nbformat
    from nbclient import NotebookClient

    cells = ["from helpers import course\nprofile = course.setup()",
             "ratio = (224 * 224) / (64 * 64)",                                   # right
             'ratio_used = course.check_answer(ratio, 12.25, "h", exercise="00.1")',
             "ratio = 12.25\n1 / 0",                                              # right value, then raises
             'ratio_used = course.check_answer(ratio, 12.25, "h", exercise="00.1")',
             "ratio = 10.0",                                                      # wrong
             'ratio_used = course.check_answer(ratio, 12.25, "h", exercise="00.1")',
             'ratio_used = course.check_answer(ratio, 12.25, "h", exercise="00.1")',  # re-run: still wrong
             "import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.show()"]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()

    def text(i):
        return "".join(o.get("text", "") for o in nb.cells[i].outputs if o.output_type == "stream")

    def html(i):
        return "".join(o.get("data", {}).get("text/html", "") for o in nb.cells[i].outputs)

    assert text(2).startswith("✓ ") and not html(2)
    assert "the cell that sets `ratio` raised ZeroDivisionError" in text(4) and "✓" not in text(4)
    for i in (6, 7):
        assert text(i).startswith("Not yet: your value 10 is too low.") and "✓" not in text(i)
        assert html(i).startswith("<details>") and "(224 * 224) / (64 * 64)" in html(i)
    figures = [o for o in nb.cells[8].outputs if "image/png" in o.get("data", {})]
    assert figures, "course.setup() draws figures inline in a kernel, whatever MPLBACKEND says"
