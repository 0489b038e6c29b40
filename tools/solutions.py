"""The reference solutions a check shows, collapsed, after a learner's attempt.

    python tools/solutions.py            # write helpers/data/solutions.json from the teacher editions
    python tools/solutions.py --check    # change nothing; exit 1 when it is out of date

Exercise ``NN.k`` is the k-th answer cell (a cell with ``### BEGIN SOLUTION``) of teacher notebook
``NN_*.py``; its check cell passes ``exercise="NN.k"``. The stored text is the teacher's answer
cell without the learner's blank and without the solution markers, compressed and base64-encoded
(:func:`helpers.exercises.encode_solution`) so that it is not read by accident while browsing the
package; ``tools/learner_dist.py --no-solutions`` leaves the file out of a learner copy.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEACHER = ROOT / "notebooks" / "teacher"
OUT = ROOT / "helpers" / "data" / "solutions.json"
MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)
BLANK_LINE = re.compile(r"^.*(^|[=\s])\.\.\.\s*#.*your code here.*\n?", re.M)
CHECK_CALL = re.compile(r"\bcourse\.check(?:_answer|_function|_text)?\(")
EXERCISE_ARG = re.compile(r"""exercise\s*=\s*["'](\d\d\.\d+)["']""")


class SolutionsError(ValueError):
    """A teacher notebook's exercises break the convention; the message says which."""


def shown_solution(source: str) -> str:
    """The answer cell as the learner sees it after an attempt: the teacher's solution without
    the blank line and the markers."""
    return MARKER.sub("", BLANK_LINE.sub("", source)).strip("\n") + "\n"


def exercises(py: Path) -> list[tuple[str, str, str]]:
    """``(key, answer cell source, check cell source)`` of every exercise of teacher notebook ``py``,
    in order; raises :class:`SolutionsError` when an answer cell has no check cell passing its key."""
    import jupytext

    nb = jupytext.read(py)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    out, k = [], 0
    for i, src in enumerate(code):
        if "### BEGIN SOLUTION" not in src:
            continue
        k += 1
        key = f"{py.name[:2]}.{k}"
        check = next((s for s in code[i + 1:] if CHECK_CALL.search(s)), None)
        if check is None or key not in EXERCISE_ARG.findall(check):
            raise SolutionsError(f"{py.name}: the check cell after answer cell {k} must pass exercise=\"{key}\"")
        out.append((key, src, check))
    return out


def build(teacher: Path = TEACHER) -> str:
    from helpers.edge.exercises import encode_solution

    solutions = {}
    for py in sorted(teacher.glob("[0-9][0-9]_*.py")):
        for key, answer, _ in exercises(py):
            solutions[key] = encode_solution(shown_solution(answer))
    doc = {"about": "Reference solutions shown after an attempt (helpers.exercises); written by "
                    "tools/solutions.py from notebooks/teacher/. Do not edit.",
           "solutions": dict(sorted(solutions.items(), key=lambda kv: tuple(map(int, kv[0].split(".")))))}
    return json.dumps(doc, indent=1) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 when the file is out of date")
    args = ap.parse_args(argv)
    try:
        text = build()
    except SolutionsError as e:
        print(f"solutions: {e}", file=sys.stderr)
        return 2
    current = OUT.read_text(encoding="utf-8") if OUT.exists() else None
    if current == text:
        return 0
    if args.check:
        print(f"out of date: {OUT.relative_to(ROOT)}; run `python tools/solutions.py`", file=sys.stderr)
        return 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
