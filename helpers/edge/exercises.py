"""Exercise checks that never lie: what the notebooks' check cells call (through ``course``).

An exercise is an answer cell (the learner's code) and a check cell. A check

- never raises: a wrong answer is not an error;
- never rebinds the learner's names: ``check_answer``/``check_function`` *return* the value the
  rest of the notebook should use (the learner's when right, the reference otherwise), and the
  check cell stores it under its own name (``ratio_used = course.check_answer(ratio, ...)``),
  so re-running the check cell checks the learner's answer again, never the reference;
- says what is wrong: a blank (``...``), the wrong type, the wrong shape, or the wrong value,
  with the learner's value beside what was expected but without the expected value itself
  ("your value 0.5 is too high", "expected a number between 0 and 1, got a list of 3 items");
- never says ✓ for an answer whose cell raised the last time it ran (IPython's
  ``post_run_cell`` event feeds :func:`note_cell`, registered by ``course.setup()``);
- after an attempt (not for a blank) offers the reference solution, collapsed (HTML
  ``<details>``), read from ``helpers/data/solutions.json``, which ``tools/solutions.py`` writes
  from the teacher editions (compressed, so that it is not read by accident).
"""

from __future__ import annotations

import base64
import functools
import html
import json
import keyword
import numbers
import re
import zlib

import numpy as np

from helpers.config import package_data

SOLUTIONS_FILE = package_data("solutions.json")
REFERENCE_NOTE = "(the cells below use the reference answer)"
BLANK_NOTE = ("your answer is still the blank `...`: replace the `...` with your code, run that cell, "
              "then this one")


class Wrong(Exception):
    """Internal: raised by :func:`diagnose` helpers to carry the learner-facing message."""


# --------------------------------------------------------------------------- answer cells that raised
# name -> "ZeroDivisionError: division by zero" for every top-level name of a cell whose last run
# raised; cleared when a cell assigning that name runs without error.
_FAILED: dict[str, str] = {}
# names bound by a learner's answer cell that still holds its blank line (`...  # your code here`)
_STILL_BLANK: set[str] = set()
_BLANK_LINE = re.compile(r"^[ \t]*(?:[\w, ]+=[ \t]*)?\.\.\.[ \t]*#[^\n]*your code here", re.M)
_ASSIGNED = re.compile(r"^(?:(?:async\s+)?def|class)\s+([A-Za-z_]\w*)|^(\(?[A-Za-z_][\w \t,()]*?)[ \t]*(?::[^=\n]*)?=(?!=)",
                       re.M)


def assigned_names(source: str) -> set[str]:
    """Top-level names a cell binds (``x = ...``, ``a, b = ...``, ``def f``, ``class C``); a
    cell with a syntax error (which binds nothing when it runs) is read line by line."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        names: set[str] = set()
        for m in _ASSIGNED.finditer(source):
            found = [m.group(1)] if m.group(1) else [n for n in re.split(r"[ \t,()]+", m.group(2)) if n]
            if not any(keyword.iskeyword(n) for n in found):
                names.update(n for n in found if n.isidentifier())
        return names
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                names.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


def note_cell(source: str, error: BaseException | None) -> None:
    """Record that a cell with text ``source`` ran, and whether it raised ``error``."""
    blank = bool(_BLANK_LINE.search(source)) and "### BEGIN SOLUTION" not in source
    for name in assigned_names(source):
        if blank:
            _STILL_BLANK.add(name)
        else:
            _STILL_BLANK.discard(name)
        if error is None:
            _FAILED.pop(name, None)
        else:
            _FAILED[name] = f"{type(error).__name__}: {error}".rstrip(": ")


def _after_cell(result) -> None:  # IPython's post_run_cell callback
    note_cell(result.info.raw_cell or "", result.error_before_exec or result.error_in_exec)


def watch_cells() -> bool:
    """Register :func:`note_cell` with the running IPython (once); False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        return False
    ip = get_ipython()
    if ip is None:
        return False
    callbacks = ip.events.callbacks.get("post_run_cell", [])
    for cb in list(callbacks):
        if getattr(cb, "__name__", "") == "_after_cell" and getattr(cb, "__module__", "") == __name__:
            ip.events.unregister("post_run_cell", cb)  # a reloaded module: keep one
    ip.events.register("post_run_cell", _after_cell)
    return True


def _failed_cell(answer, namespace: dict | None) -> str | None:
    """The error of the last run of the cell that bound ``answer``'s name, if it raised."""
    if namespace is None or not _FAILED:
        return None
    for name, error in _FAILED.items():
        if name in namespace and namespace[name] is answer:
            return f"the cell that sets `{name}` raised {error} the last time it ran; fix it and run it again"
    return None


def _still_blank(answer, namespace: dict | None) -> bool:
    """Whether ``answer`` was bound by an answer cell that still holds its blank line."""
    return namespace is not None and any(name in namespace and namespace[name] is answer for name in _STILL_BLANK)


def _caller_namespace():
    import sys

    frame = sys._getframe(1)
    here = frame.f_globals.get("__name__")
    while frame is not None and frame.f_globals.get("__name__") in (here, "helpers.edge.course"):
        frame = frame.f_back
    return frame.f_globals if frame is not None else None


# --------------------------------------------------------------------------- describing a difference


def is_blank(answer) -> bool:
    """Whether an answer is still the blank of the learner edition (``...``) or ``None``."""
    return answer is None or answer is Ellipsis


def _is_number(x) -> bool:
    return (isinstance(x, (numbers.Number, np.number, np.bool_)) and not isinstance(x, complex)) or \
        (isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "biuf")


def kind_of(x) -> str:
    """A learner-facing name of ``x``'s kind: "a list of 3 items", "an array of shape (2, 3)"."""
    if x is Ellipsis:
        return "the blank `...`"
    if x is None:
        return "None"
    if isinstance(x, bool):
        return f"a bool ({x})"
    if _is_number(x):
        return f"the number {format_value(x)}"
    if isinstance(x, str):
        return f"a str ({x[:40]!r})"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if isinstance(x, dict):
        return f"a dict with {len(x)} keys"
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of {len(x)} item{'' if len(x) == 1 else 's'}"
    if callable(x):
        return "a function"
    shape = getattr(x, "shape", None)
    return f"a {type(x).__name__}" + (f" of shape {tuple(shape)}" if shape is not None else "")


def format_value(x) -> str:
    x = float(np.asarray(x, dtype=np.float64))
    return f"{x:.4g}" if np.isfinite(x) else str(x)


def _as_array(answer, reference: np.ndarray, what: str) -> np.ndarray:
    if isinstance(answer, (str, bytes, dict)) or callable(answer) or is_blank(answer):
        raise Wrong(f"expected {what}, got {kind_of(answer)}")
    try:
        a = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        raise Wrong(f"expected {what}, got {kind_of(answer)}") from None
    if a.shape != reference.shape:
        raise Wrong(f"expected {what}, got " + (f"shape {a.shape}" if a.ndim else kind_of(answer)))
    return a


def _diagnose_number(answer, reference, rtol, atol, within) -> None:
    lo, hi = within if within is not None else (None, None)
    what = f"a number between {lo:g} and {hi:g}" if within is not None else "a number"
    if not _is_number(answer):
        if isinstance(answer, np.ndarray) and answer.size == 1 and answer.dtype.kind in "biuf":
            raise Wrong(f"expected {what}, got an array of shape {answer.shape}: take the number out, e.g. "
                        "with float(...)")
        raise Wrong(f"expected {what}, got {kind_of(answer)}")
    a, r = float(answer), float(reference)
    if np.isnan(a) and np.isnan(r):
        return
    if np.isnan(a):
        raise Wrong("your value is NaN (a 0/0 or a mean of nothing?)")
    if within is not None and not (lo <= a <= hi):
        raise Wrong(f"expected {what}, got {format_value(a)}")
    if np.isnan(r):
        raise Wrong(f"your value {format_value(a)} is a number, but here no number is defined (NaN expected)")
    if np.isclose(a, r, rtol=rtol, atol=atol):
        return
    side = "too high" if a > r else "too low"
    close = abs(a - r) <= 0.01 * max(abs(r), 1e-12)
    raise Wrong(f"your value {format_value(a)} is {side}"
                + (" but close: rounded, or an approximation too coarse?" if close else ""))


def _diagnose_array(answer, reference, rtol, atol) -> None:
    r = np.asarray(reference, dtype=np.float64)
    a = _as_array(answer, r, f"an array of shape {r.shape}")
    ok = np.isclose(a, r, rtol=rtol, atol=atol, equal_nan=True)
    if ok.all():
        return
    nan_a, nan_r = np.isnan(a) & ~np.isnan(r), np.isnan(r) & ~np.isnan(a)
    if nan_a.any():
        raise Wrong(f"your array has NaN in {int(nan_a.sum())} of {a.size} places where a number is expected")
    if nan_r.any():
        raise Wrong(f"your array has numbers in {int(nan_r.sum())} of {a.size} places where NaN is expected "
                    "(e.g. a filter that never responds)")
    diff = np.where(ok, 0.0, np.abs(a - r))
    worst = np.unravel_index(int(np.argmax(diff)), a.shape)
    raise Wrong(f"{int((~ok).sum())} of {a.size} values differ from the expected ones (the largest "
                f"difference, {format_value(diff[worst])}, at index {tuple(int(i) for i in worst)})")


def _diagnose_str(answer, reference, choices) -> None:
    if not isinstance(answer, str):
        raise Wrong(f"expected a str, got {kind_of(answer)}")
    if answer == reference:
        return
    if choices is not None and answer not in choices:
        shown = ", ".join(map(str, list(choices)[:8])) + (", ..." if len(choices) > 8 else "")
        raise Wrong(f"{answer!r} is not one of the possible answers ({shown})")
    raise Wrong(f"{answer!r} is a possible answer, but not the one asked for")


def _diagnose_dict(answer, reference, rtol, atol, choices) -> None:
    if not isinstance(answer, dict):
        raise Wrong(f"expected a dict with {len(reference)} keys, got {kind_of(answer)}")
    missing = [k for k in reference if k not in answer]
    extra = [k for k in answer if k not in reference]
    if missing or extra:
        parts = ([f"missing keys {', '.join(map(repr, missing[:5]))}"] if missing else []) + \
                ([f"unexpected keys {', '.join(map(repr, extra[:5]))}"] if extra else [])
        raise Wrong("your dict has " + " and ".join(parts))
    for k in reference:
        try:
            diagnose_value(answer[k], reference[k], rtol, atol)
        except Wrong as w:
            raise Wrong(f"for key {k!r}: {w}") from None


def diagnose_value(answer, reference, rtol: float = 1e-5, atol: float = 1e-8, within=None, choices=None) -> None:
    """Raise :class:`Wrong` with a learner-facing message when ``answer`` does not equal
    ``reference`` (numbers and arrays within ``rtol``/``atol``, NaN equals NaN, shapes must
    match; dicts key by key; strings exactly; anything else by ``==``)."""
    if is_blank(answer):
        raise Wrong(BLANK_NOTE)
    if isinstance(reference, dict):
        return _diagnose_dict(answer, reference, rtol, atol, choices)
    if isinstance(reference, str):
        return _diagnose_str(answer, reference, choices)
    if _is_number(reference) and not isinstance(reference, bool):
        return _diagnose_number(answer, reference, rtol, atol, within)
    if isinstance(reference, np.ndarray):
        return _diagnose_array(answer, reference, rtol, atol)
    try:
        if bool(answer == reference):
            return
    except Exception:  # noqa: BLE001 - an answer that cannot be compared is a wrong one
        pass
    raise Wrong(f"your answer ({kind_of(answer)}) does not match")


def same(answer, reference, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    """Whether ``answer`` equals ``reference`` as :func:`diagnose_value` compares them. A blank
    answer, or one that cannot be compared, is never equal."""
    try:
        diagnose_value(answer, reference, rtol, atol)
    except Wrong:
        return False
    except Exception:  # noqa: BLE001
        return False
    return True


def _diagnose(answer, reference, equal, rtol, atol, within, choices) -> None:
    if is_blank(answer):
        raise Wrong(BLANK_NOTE)
    if equal is None:
        return diagnose_value(answer, reference, rtol, atol, within, choices)
    try:
        ok = bool(equal(answer, reference))
    except Exception as e:  # noqa: BLE001 - a malformed answer (wrong type or shape) is a wrong answer
        raise Wrong(f"your answer ({kind_of(answer)}) could not be compared: {type(e).__name__}: {e}") from None
    if not ok:  # say more where the kind or the shape is wrong; the values are compared by `equal` only
        if isinstance(reference, np.ndarray):
            _as_array(answer, reference, f"an array of shape {reference.shape}")
        elif _is_number(reference) and not _is_number(answer):
            raise Wrong(f"expected a number, got {kind_of(answer)}")
        raise Wrong(f"your answer ({kind_of(answer)}) does not match where it is compared")


# --------------------------------------------------------------------------- solutions, revealed after an attempt


def encode_solution(text: str) -> str:
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def decode_solution(blob: str) -> str:
    return zlib.decompress(base64.b64decode(blob)).decode("utf-8")


@functools.lru_cache(maxsize=1)
def _solutions() -> dict:
    try:
        return json.loads(SOLUTIONS_FILE.read_text(encoding="utf-8"))["solutions"]
    except (OSError, ValueError, KeyError):
        return {}


def solution(exercise: str) -> str | None:
    """The reference solution of ``exercise`` ("05.1": notebook 05, answer cell 1), or None
    when this copy of the course carries none."""
    blob = _solutions().get(exercise)
    return decode_solution(blob) if blob else None


def solution_html(exercise: str) -> str:
    """The collapsed reference solution as an HTML ``<details>`` element."""
    text = solution(exercise)
    body = (f"<pre>{html.escape(text)}</pre>" if text is not None else
            "<p>This copy of the course carries no reference solutions (ask your teacher).</p>")
    return (f"<details><summary>Reference solution of exercise {html.escape(exercise)} (open it after you "
            f"have tried)</summary>{body}</details>")


def _display_solution(exercise: str) -> None:
    text = solution(exercise)
    plain = (f"[reference solution of exercise {exercise}: open it in a notebook]" if text is not None else
             f"[exercise {exercise}: this copy of the course carries no reference solutions]")
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display({"text/html": solution_html(exercise), "text/plain": plain}, raw=True)
            return
    except ImportError:  # pragma: no cover
        pass
    print(plain)


# --------------------------------------------------------------------------- the checks


def _report(problem: str | None, hint: str, success: str, exercise: str | None, attempted: bool,
            fallback_note: bool) -> bool:
    if problem is None:
        print(f"✓ {success}")
        return True
    print(f"Not yet: {problem}" + ("" if problem.endswith((".", "?", "!")) else "."))
    if hint:
        print(f"  Hint: {hint}")
    if fallback_note:
        print(f"  {REFERENCE_NOTE}")
    if exercise and attempted:
        _display_solution(exercise)
    return False


def check(condition, hint: str, success: str = "Correct!") -> bool:
    """Report a yes/no exercise check: print ``✓ success`` when ``condition`` holds, else
    ``Not yet: hint``. Never raises; returns whether the condition held."""
    ok = bool(condition)
    print(f"✓ {success}" if ok else f"Not yet: {hint}")
    return ok


def check_answer(answer, reference, hint: str, success: str = "Correct!", *, equal=None,
                 rtol: float = 1e-5, atol: float = 1e-8, within=None, choices=None,
                 exercise: str | None = None, namespace: dict | None = None):
    """Check a value the learner computed against ``reference``; return the value the rest of
    the notebook should use: ``answer`` when it is right, ``reference`` otherwise.

    Store the result under its own name (``ratio_used = course.check_answer(ratio, ...)``),
    never the learner's: a re-run must check the learner's answer again. ``equal(answer,
    reference) -> bool`` replaces the default comparison (:func:`diagnose_value`, with
    ``rtol``/``atol``); ``within=(lo, hi)`` states the range a number must fall in;
    ``choices`` lists the possible answers of a text answer (e.g. layer names), so that a typo
    is told apart from a wrong choice. ``exercise`` ("05.1") names the reference solution
    shown, collapsed, after a wrong attempt. Prints ``✓ success`` or ``Not yet: <what is
    wrong>`` and the hint; never raises.
    """
    namespace = _caller_namespace() if namespace is None else namespace
    problem = None
    try:
        _diagnose(answer, reference, equal, rtol, atol, within, choices)
    except Wrong as w:
        problem = str(w)
    if problem is None:
        problem = _failed_cell(answer, namespace)
    attempted = not is_blank(answer)
    if problem is not None and attempted and _still_blank(answer, namespace):
        problem += " (its answer cell still holds the blank line `...  # your code here`: complete it)"
        attempted = False
    ok = _report(problem, hint if attempted else "", success, exercise, attempted, True)
    return answer if ok else reference


def _args_summary(args) -> str:
    return ", ".join(kind_of(a) if not _is_number(a) else format_value(a) for a in args)


def check_function(function, reference, cases, hint: str, success: str = "Correct!", *, equal=None,
                   rtol: float = 1e-5, atol: float = 1e-8, exercise: str | None = None,
                   namespace: dict | None = None):
    """Check a function the learner wrote against a ``reference`` function on ``cases`` (a list
    of argument tuples); return ``function`` when it is right and ``reference`` otherwise (store
    it under its own name, as with :func:`check_answer`). An exception raised by the learner's
    function is reported with the case that raised it; a function that returns None (its body
    still the blank) is reported as a blank."""
    namespace = _caller_namespace() if namespace is None else namespace
    problem, attempted = None, True
    if is_blank(function) or not callable(function):
        problem, attempted = (BLANK_NOTE if is_blank(function) else
                              f"expected a function, got {kind_of(function)}"), not is_blank(function)
    else:
        for i, args in enumerate(cases, 1):
            where = f"for case {i} of {len(cases)} (arguments: {_args_summary(args)}),"
            try:
                result = function(*args)
            except Exception as e:  # noqa: BLE001 - the learner's code: report, do not stop the notebook
                problem = f"{where} your function raised {type(e).__name__}: {e}"
                break
            expected = reference(*args)
            if result is None and expected is not None:
                problem, attempted = ("your function returns None: its body is still the blank `...`, or it "
                                      "lacks a `return`"), False
                break
            try:
                _diagnose(result, expected, equal, rtol, atol, None, None)
            except Wrong as w:
                problem = f"{where} {w}"
                break
    if problem is None:
        problem = _failed_cell(function, namespace)
    if problem is not None and attempted and _still_blank(function, namespace):
        problem += " (its answer cell still holds the blank line `...  # your code here`: complete it)"
        attempted = False
    ok = _report(problem, hint if attempted else "", success, exercise, attempted, True)
    return function if ok else reference


def check_text(answer, require: dict, success: str = "Your answer covers the points asked for.", *,
               min_words: int = 20, exercise: str | None = None, namespace: dict | None = None) -> bool:
    """Check a free-text interpretation: it must be a non-blank text of at least ``min_words``
    words that mentions each point of ``require`` (``{"what the point is": [words, any of which
    counts]}``, matched case-insensitively as word beginnings, so "control" matches
    "controls"). Reports the points it misses, never the model answer; a teacher reads the
    text with the rubric of the teacher edition. Returns whether every point is covered."""
    namespace = _caller_namespace() if namespace is None else namespace
    if is_blank(answer) or (isinstance(answer, str) and not answer.strip()):
        problem = "your answer is still blank: write a few sentences in the string"
    elif not isinstance(answer, str):
        problem = f"expected a text (a str in quotes), got {kind_of(answer)}"
    else:
        words = re.findall(r"[\w'-]+", answer)
        text = " ".join(answer.lower().split())  # a line break inside a phrase still matches it
        missing = [point for point, terms in require.items()
                   if not any(re.search(r"\b" + re.escape(" ".join(t.lower().split())), text) for t in terms)]
        if len(words) < min_words:
            problem = f"your answer has {len(words)} words; write at least {min_words}"
        elif missing:
            problem = "your answer does not yet say " + "; nor ".join(missing)
        else:
            problem = _failed_cell(answer, namespace)
    attempted = isinstance(answer, str) and bool(answer.strip())
    return _report(problem, "", success, exercise, attempted, False)


def verify_prediction(prediction, measured, what: str) -> bool:
    """The second half of a predict-then-verify exercise: print the learner's prediction next to
    what was measured (numbers: how far off; anything else: whether it matches). A blank
    prediction is reported as missing, not as wrong. Returns whether the prediction matched
    (numbers: within 0.1)."""
    if is_blank(prediction):
        print(f"You made no prediction of {what}: write one in the answer cell before computing; it is "
              "the point of the exercise.")
        return False
    if _is_number(measured) and _is_number(prediction):
        off = float(prediction) - float(measured)
        hit = abs(off) <= 0.1
        print(f"You predicted {what} = {format_value(prediction)}; measured {format_value(measured)} "
              f"({'close' if hit else ('too high' if off > 0 else 'too low')} by {abs(off):.3g}).")
        return hit
    hit = bool(prediction == measured)
    print(f"You predicted {what} = {prediction!r}; measured {measured!r}: "
          + ("your prediction holds." if hit else "not what you expected: which assumption failed?"))
    return hit
