"""A learner's copy of the course: everything a class needs, without the teacher editions.

    python tools/learner_dist.py                       # writes build/learner/ (make learner-dist)
    python tools/learner_dist.py --out DIR             # elsewhere (a new folder, or one this tool wrote)
    python tools/learner_dist.py --no-solutions        # also without the solutions the checks reveal

This is the copy the Binder and Colab badges of a class should open (README, "Classroom use"):
publish it as its own repository (or branch) and point the badges there. It holds the committed
files of the course (``git ls-files``; without git, the working tree minus build outputs) except

- ``notebooks/teacher/`` (the teacher editions: solutions, stored outputs),
- ``tests/`` and ``benchmarks/`` (they read the teacher editions),
- with ``--no-solutions``, ``helpers/data/solutions.json``, the reference solutions a check shows,
  collapsed, after a learner's attempt (encoded, not readable by browsing; leave it out for an
  assessed lab: the checks then say that this copy carries no solutions).

After writing, the copy is verified: no teacher edition, no solution block (``### BEGIN
SOLUTION``), and no line of a reference solution in readable form. Exit status 0 when it is
clean, 1 when the verification fails, 2 for a usage error (one line on stderr).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = ".learner-dist"  # written into the copy: a folder holding it may be replaced by a new copy
EXCLUDED = ("notebooks/teacher/", "tests/", "benchmarks/")
SOLUTIONS = "helpers/data/solutions.json"
UNTRACKED_SKIP = {".git", ".venv", "build", "__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".cache"}


class DistError(ValueError):
    """The copy cannot be written where asked; the message says why."""


def course_files(root: Path = ROOT) -> list[str]:
    """The course's files, relative to ``root`` (posix paths), sorted."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True)
        files = [f for f in out.stdout.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = [p.relative_to(root).as_posix() for p in root.rglob("*")
                 if p.is_file() and not UNTRACKED_SKIP & set(p.relative_to(root).parts)]
    return sorted(f for f in files if (root / f).is_file())


def selected(files: list[str], solutions: bool) -> list[str]:
    keep = [f for f in files if not f.startswith(EXCLUDED)]
    return keep if solutions else [f for f in keep if f != SOLUTIONS]


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def solution_lines(root: Path = ROOT) -> set[str]:
    """Every reference solution block of the teacher editions, whitespace squeezed (the text a
    learner's copy must not hold in readable form; single lines recur in helpers and context)."""
    import re

    sys.path.insert(0, str(root))
    try:
        from tools.solutions import exercises
    finally:
        sys.path.pop(0)
    block = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\n(.*?)^[ \t]*### END SOLUTION", re.M | re.S)
    found = set()
    for py in sorted((root / "notebooks" / "teacher").glob("[0-9][0-9]_*.py")):
        for _, answer, _ in exercises(py):
            found.update(_squeeze(b) for b in block.findall(answer) if len(_squeeze(b)) >= 20)
    return found


def verify(out: Path, forbidden: set[str]) -> list[str]:
    """Problems of the copy at ``out``: teacher editions, solution blocks, readable solutions."""
    problems = []
    if (out / "notebooks" / "teacher").exists():
        problems.append("notebooks/teacher/ is present")
    for p in sorted(out.rglob("*")):
        if not p.is_file() or p.suffix not in {".py", ".ipynb", ".md", ".txt", ".json", ".cfg", ".toml", ".html"}:
            continue
        text = p.read_text(encoding="utf-8", errors="replace")
        rel = p.relative_to(out).as_posix()
        if p.suffix in {".py", ".ipynb"} and rel.startswith("notebooks/") and "### BEGIN SOLUTION" in text:
            problems.append(f"{rel}: holds a solution block")
        squeezed = _squeeze(text.replace("\\n", "\n").replace('\\"', '"'))
        leaked = next((s for s in sorted(forbidden) if s in squeezed), None)
        if leaked is not None:
            problems.append(f"{rel}: holds a reference solution: {leaked[:60]!r}")
    return problems


def write(out: Path, solutions: bool = True, root: Path = ROOT) -> list[str]:
    """Write the learner copy to ``out`` (replacing an earlier copy this tool wrote there);
    return the files written. Never deletes a folder it did not write."""
    out = out.resolve()
    if out == root or root in out.parents and not (out.relative_to(root).parts[0] == "build"):
        raise DistError(f"--out {out}: inside the course only under build/ (default build/learner)")
    if out.exists():
        if not (out / MARKER).is_file():
            raise DistError(f"--out {out} exists and was not written by this tool; choose a new folder")
        shutil.rmtree(out)
    files = selected(course_files(root), solutions)
    for f in files:
        target = out / f
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / f, target)
    (out / MARKER).write_text("written by tools/learner_dist.py; this folder is replaced by its next run\n")
    return files


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "learner", help="folder to write (default build/learner)")
    ap.add_argument("--no-solutions", action="store_true", help=f"leave out {SOLUTIONS} (for an assessed lab)")
    args = ap.parse_args(argv)
    try:
        files = write(args.out, solutions=not args.no_solutions)
    except DistError as e:
        print(f"learner-dist: {e}", file=sys.stderr)
        return 2
    problems = verify(args.out.resolve(), solution_lines())
    if problems:
        print("learner-dist: the copy is not clean:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    notebooks = sum(f.startswith("notebooks/") and f.endswith(".ipynb") for f in files)
    print(f"learner-dist: wrote {len(files)} files ({notebooks} learner notebooks, no teacher editions"
          f"{', no solutions' if args.no_solutions else ''}) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
