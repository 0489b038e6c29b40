"""The course's two editions of every notebook, from one source, and its Colab set-up.

    python tools/editions.py            # update the teacher notebooks' Colab badge and cell,
                                        # then write every learner edition
    python tools/editions.py --check    # change nothing; exit 1 when something is out of date

- **Teacher edition** (the source of truth): ``notebooks/teacher/NN_name.py`` and its paired
  ``.ipynb`` (jupytext), with the reference solutions between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` and the outputs of a run under the quick profile. nbval runs it.
- **Learner edition** (what learners open: Binder, Colab, ``make lab``, the rendered site):
  ``notebooks/NN_name.ipynb``, generated here from the teacher ``.py``: no outputs, every
  solution block removed (the learner's blank, written by the author just above
  ``### BEGIN SOLUTION``, stays), answer cells shown, no nbval markers, no jupytext pairing
  metadata (JupyterLab would rewrite the text twin on every save). Its text twin
  ``notebooks/NN_name.py`` (percent format, generated from the same notebook) makes it a pair
  like every notebook of the course and shows its changes in a diff. Both committed; a test
  regenerates them and fails when a committed file differs.

Both editions start with an "Open in Colab" badge under the title and a first code cell
that, only inside Google Colab, fetches the course at the commit named in ``pyproject.toml``
(``[tool.cnn-selectivity-course] colab-commit``, of the repository named in ``[project.urls]``),
checks that git's hash of what it holds is that commit, and installs its ``helpers`` package;
while the repository is the ``OWNER/REPO`` placeholder or no commit is named it refuses in
one sentence, and a ``/content`` folder holding anything else is never installed. Anywhere
else the cell does nothing and prints nothing.
New or split notebooks get both the next time this tool runs.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LEARNER = ROOT / "notebooks"
TEACHER = LEARNER / "teacher"
PATTERN = "[0-9][0-9]_*"
PYPROJECT = ROOT / "pyproject.toml"

COLAB_MARKER = "# Google Colab set-up (written by tools/editions.py)"
COLAB_DIR = "/content/cnn-selectivity-course"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_LINE = re.compile(r"\[!\[Open In Colab\]\(" + re.escape(BADGE_IMAGE) + r"\)\]\([^)]*\)[ \t]*")
SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\n.*?^[ \t]*### END SOLUTION[ \t]*(\n|$)", re.M | re.S)
#: Anything that looks like a solution marker, in any spelling (case, spacing, ``#``s, ``_``):
#: a cell mentioning one is stripped by the exact rules of :func:`strip_solution` or refused.
MARKER_LIKE = re.compile(r"(begin|end)[\s_-]*solution", re.I)
EXACT_MARKER = re.compile(r"[ \t]*### (BEGIN|END) SOLUTION[ \t]*")
RECORD = ".editions.json"  # in notebooks/: the learner editions this tool wrote, with their SHA-256
NBVAL_MARK = re.compile(r"\A# NBVAL_[A-Z_]+[ \t]*\n")
BLANK = re.compile(r"(^|[=\s])\.\.\.\s*#")  # "x = ...  # ..." or "...  # ..."


class EditionError(ValueError):
    """A teacher notebook breaks a convention this tool relies on; the message says which."""


def course_release(pyproject: Path = ROOT / "pyproject.toml") -> tuple[str, str]:
    """(GitHub ``owner/name``, version) of the course, from ``pyproject.toml``. The repository
    is ``OWNER/REPO`` until the course is published (see README, "Colab")."""
    meta = tomllib.loads(pyproject.read_text())["project"]
    url = meta.get("urls", {}).get("Repository", "")
    m = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)(\.git)?/?", url)
    if not m:
        raise EditionError(f"{pyproject.name}: [project.urls] Repository must be https://github.com/OWNER/NAME "
                           f"(got {url!r})")
    return m.group(1), meta["version"]


PLACEHOLDER = "OWNER/REPO"


def colab_commit(pyproject: Path | None = None) -> str:
    """The commit the Colab cell installs (``[tool.cnn-selectivity-course] colab-commit``),
    "" while none is named; EditionError when it is not 40 lower-case hex digits."""
    meta = tomllib.loads((pyproject or PYPROJECT).read_text())
    commit = str(meta.get("tool", {}).get("cnn-selectivity-course", {}).get("colab-commit", ""))
    if commit and not re.fullmatch(r"[0-9a-f]{40}", commit):
        raise EditionError(f"pyproject.toml: colab-commit must be a full commit hash (40 hex digits), got {commit!r}")
    return commit


def colab_url(relpath: str, repo: str) -> str:
    """The address that opens ``relpath`` (from the repository root) of ``repo`` in Colab."""
    return f"https://colab.research.google.com/github/{repo}/blob/main/{relpath}"


def colab_badge(relpath: str, repo: str) -> str:
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(relpath, repo)})"


def colab_cell_source(repo: str, version: str, commit: str = "") -> str:
    """The first code cell of every notebook. Self-contained: it runs before ``helpers``
    exists in a Colab session. It installs ``commit`` of ``repo``, never a movable tag or
    branch: git names a commit by the hash of its content, so ``rev-parse HEAD == COMMIT``
    checks what was fetched. It refuses (one sentence, ``SystemExit``: no traceback) while
    ``repo`` is the placeholder or no commit is named, when a git step fails, and when
    ``/content/...`` already holds anything but that commit unchanged. ``pip install -e``
    keeps the package installed after a restart of the kernel; ``sys.path`` makes it
    importable in the running one (an editable install is picked up when Python starts)."""
    return f'''{COLAB_MARKER}. Inside Colab this cell fetches the course
# at the commit these notebooks belong to (git checks its hash) and installs its `helpers` package
# (the full profile's photographs and VGG16 weights download on first use). Anywhere else it does nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import re
    import subprocess

    REPO, COMMIT, VERSION, COURSE_DIR = "{repo}", "{commit}", "{version}", "{COLAB_DIR}"
    if REPO == "{PLACEHOLDER}" or not re.fullmatch("[0-9a-f]{{40}}", COMMIT):
        raise SystemExit("This copy of the course is not published yet (its repository is a placeholder or no "
                         "commit is named), so the Colab set-up installs nothing: run it locally or on Binder.")

    def run(*cmd, check=True):
        done = subprocess.run(list(cmd), capture_output=True, text=True)
        if done.returncode != 0 and check:
            why = ((done.stderr or "").strip().splitlines() or ["no message"])[-1]
            raise SystemExit(f"Colab set-up stopped: {{' '.join(cmd)}} failed ({{why}}).")
        return (done.stdout or "").strip() if done.returncode == 0 else ""

    if not os.path.exists(COURSE_DIR):
        run("git", "init", "--quiet", COURSE_DIR)
        run("git", "-C", COURSE_DIR, "fetch", "--quiet", "--depth", "1", f"https://github.com/{{REPO}}.git", COMMIT)
        run("git", "-C", COURSE_DIR, "checkout", "--quiet", "--detach", "FETCH_HEAD")
    ours = os.path.isdir(COURSE_DIR + "/.git")  # git of a folder above must not answer for it
    head = run("git", "-C", COURSE_DIR, "rev-parse", "HEAD", check=False) if ours else ""
    changed = run("git", "-C", COURSE_DIR, "status", "--porcelain", "--untracked-files=no") if head else ""
    if head != COMMIT or changed:
        raise SystemExit(f"{{COURSE_DIR}} holds something other than commit {{COMMIT[:12]}} of the course, unchanged, "
                         f"so nothing was installed: delete it (!rm -rf {{COURSE_DIR}}) and run this cell again.")
    run(sys.executable, "-m", "pip", "install", "--quiet", "-e", COURSE_DIR)
    if COURSE_DIR not in sys.path:
        sys.path.insert(0, COURSE_DIR)
    print(f"Colab: the course's helpers (version {{VERSION}}, commit {{COMMIT[:12]}} of github.com/{{REPO}}) are installed.")'''


def is_colab_cell(cell) -> bool:
    return cell.cell_type == "code" and cell.source.startswith(COLAB_MARKER)


def stamp(nb, relpath: str, repo: str, version: str):
    """A copy of ``nb`` with the Colab badge (for the notebook at ``relpath``) under the title
    of the first markdown cell and the Colab cell as the first code cell, both replacing any
    earlier version of themselves."""
    nb = copy.deepcopy(nb)
    first_md = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first_md is None or not re.search(r"^# ", first_md.source, re.M):
        raise EditionError(f"{relpath}: the first markdown cell must hold the '# NN · Title' heading")
    lines = first_md.source.split("\n")
    old = next((i for i, line in enumerate(lines) if BADGE_LINE.fullmatch(line)), None)
    if old is not None:  # drop it, and the blank line that follows it
        del lines[old:old + (2 if old + 1 < len(lines) and not lines[old + 1].strip() else 1)]
    heading = next(i for i, line in enumerate(lines) if line.startswith("# "))
    rest = lines[heading + 1:]
    while rest and not rest[0].strip():
        rest.pop(0)
    lines[heading + 1:] = ["", colab_badge(relpath, repo)] + (["", *rest] if rest else [])
    first_md.source = "\n".join(lines)
    source = colab_cell_source(repo, version, colab_commit())
    existing = [c for c in nb.cells if is_colab_cell(c)]
    if existing:
        existing[0].source = source
        nb.cells = [c for c in nb.cells if not is_colab_cell(c) or c is existing[0]]
    else:
        at = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
        nb.cells.insert(at, nbformat.v4.new_code_cell(source))
    return nb


def strip_solution(source: str, where: str = "") -> str:
    """The learner's version of an answer cell: every solution block removed. The author's
    blank (``x = ...  # your code here``, or ``...  # ...`` in a function body) must stand
    outside the block, so that the learner sees what to fill in.

    Fails closed: every line that mentions a solution marker in any spelling
    (:data:`MARKER_LIKE`) must be exactly ``### BEGIN SOLUTION`` or ``### END SOLUTION`` on
    a line of its own, in BEGIN/END pairs, at least one pair; else :class:`EditionError`."""
    lines = [line for line in source.splitlines() if MARKER_LIKE.search(line)]
    odd = [line.strip() for line in lines if not EXACT_MARKER.fullmatch(line)]
    if odd:
        raise EditionError(f"{where}: {odd[0]!r} looks like a solution marker but is not exactly "
                           "'### BEGIN SOLUTION' or '### END SOLUTION' on a line of its own")
    kinds = [line.split()[1] for line in lines]
    if not kinds or kinds != ["BEGIN", "END"] * (len(kinds) // 2):
        raise EditionError(f"{where}: unmatched or missing solution markers (found {kinds or 'none'}); a solution "
                           "cell needs ### BEGIN SOLUTION / ### END SOLUTION pairs, in that order")
    stripped = SOLUTION.sub("", source)
    if MARKER_LIKE.search(stripped):  # cannot happen after the checks above; never let one through
        raise EditionError(f"{where}: a solution marker survived stripping")
    if not BLANK.search(stripped):
        raise EditionError(f"{where}: an answer cell needs the learner's blank outside the solution, "
                           "e.g. `answer = ...  # your code here: <what to compute>`")
    return stripped.rstrip()


def _cell_id(cell, seen: set) -> str:
    """A stable id (the learner edition must come out byte-identical when nothing changed)."""
    base = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:8]
    i, cid = 0, base
    while cid in seen:
        i += 1
        cid = f"{base}-{i}"
    seen.add(cid)
    return cid


def learner_edition(teacher_nb, name: str, repo: str, version: str):
    """The learner edition of a teacher notebook (as read from its ``.py``), for
    ``notebooks/<name>``: no outputs, no solutions, answer cells visible, no pairing."""
    nb = stamp(teacher_nb, f"notebooks/{name}", repo, version)
    nb.metadata = nbformat.from_dict({k: v for k, v in nb.metadata.items() if k != "jupytext"})
    seen: set = set()
    for i, cell in enumerate(nb.cells):
        tagged = any("solution" in str(t).lower() for t in cell.metadata.get("tags", []))
        if cell.cell_type != "code" and (tagged or MARKER_LIKE.search(cell.source)):
            raise EditionError(f"{name}, cell {i}: a {cell.cell_type} cell carries a solution (marker or tag); "
                               "solutions belong in code cells between ### BEGIN SOLUTION and ### END SOLUTION")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.source = NBVAL_MARK.sub("", cell.source)  # nbval's markers concern the teacher edition
            if tagged or MARKER_LIKE.search(cell.source):
                cell.source = strip_solution(cell.source, f"{name}, cell {i}")
                jup = cell.metadata.get("jupyter", {})
                jup.pop("source_hidden", None)
                if not jup:
                    cell.metadata.pop("jupyter", None)
                tags = [t for t in cell.metadata.get("tags", []) if "solution" not in str(t).lower()]
                if tags:
                    cell.metadata["tags"] = tags
                else:
                    cell.metadata.pop("tags", None)
        cell.id = _cell_id(cell, seen)
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def learner_texts(py: Path, repo: str, version: str) -> dict[str, str]:
    """The learner edition of the teacher notebook ``py`` as the texts of its jupytext pair:
    ``{".ipynb": ..., ".py": ...}`` (the ``.py`` in percent format, so that the learner
    edition is a pair like every notebook of the course)."""
    import jupytext

    nb = learner_edition(jupytext.read(py), py.with_suffix(".ipynb").name, repo, version)
    return {".ipynb": nbformat.writes(nb) + "\n", ".py": jupytext.writes(nb, fmt="py:percent")}


def teacher_sources(teacher: Path = TEACHER) -> list[Path]:
    return sorted(teacher.glob(PATTERN + ".py"))


def stamp_teacher(py: Path, repo: str, version: str, write: bool) -> bool:
    """Bring the teacher notebook's badge and Colab cell up to date (in its ``.py``, then the
    paired ``.ipynb`` through ``jupytext --sync``, which keeps the stored outputs); return
    whether anything changed."""
    import jupytext

    nb = jupytext.read(py)
    new = stamp(nb, py.relative_to(ROOT).with_suffix(".ipynb").as_posix(), repo, version)
    if [(c.cell_type, c.source) for c in new.cells] == [(c.cell_type, c.source) for c in nb.cells]:
        return False
    if write:
        jupytext.write(new, py, fmt="py:percent")
        from jupytext.cli import jupytext as jupytext_cli

        jupytext_cli(["--sync", "--quiet", str(py)])
    return True


def _sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def read_record(learner: Path = LEARNER) -> dict[str, str]:
    """file name -> SHA-256 of every learner edition this tool wrote (``notebooks/.editions.json``);
    {} when the record is missing or malformed (then nothing counts as written by this tool)."""
    try:
        files = json.loads((learner / RECORD).read_text("utf-8"))["files"]
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def record_text(files: dict[str, str]) -> str:
    return json.dumps({"written_by": "tools/editions.py", "files": dict(sorted(files.items()))}, indent=1) + "\n"


def orphans(expected: dict[str, Path], learner: Path = LEARNER) -> tuple[list[Path], list[Path]]:
    """``NN_*`` notebooks in ``learner`` without a teacher twin, as (this tool's: written and
    recorded by it, unchanged since, so it may delete them; anyone else's, e.g. a JupyterLab
    copy ``03_selectivity-Copy1.ipynb``: never deleted)."""
    record = read_record(learner)
    found = [p for p in sorted(learner.glob(PATTERN + ".ipynb")) + sorted(learner.glob(PATTERN + ".py"))
             if p.with_suffix(".ipynb").name not in expected]
    ours = [p for p in found if p.is_file() and not p.is_symlink() and record.get(p.name) == _sha256(p)]
    return ours, [p for p in found if p not in ours]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 when an edition is out of date")
    args = ap.parse_args(argv)
    try:
        repo, version = course_release()
        stale = []
        sources = teacher_sources(TEACHER)
        if not sources:
            raise EditionError(f"no teacher notebooks ({PATTERN}.py) in {TEACHER.relative_to(ROOT)}")
        for py in sources:
            if stamp_teacher(py, repo, version, write=not args.check):
                stale.append(f"{py.relative_to(ROOT)} (Colab badge or cell)")
        expected = {py.with_suffix(".ipynb").name: py for py in sources}
        texts = {(LEARNER / name).with_suffix(suffix): text for name, py in expected.items()
                 for suffix, text in learner_texts(py, repo, version).items()}  # all built before any is written
        for target, text in texts.items():
            if target.is_symlink() or (target.exists() and not target.is_file()):
                raise EditionError(f"{target.relative_to(ROOT)} is not a plain file; move it away and run again")
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(str(target.relative_to(ROOT)))
                if not args.check:
                    target.write_text(text, encoding="utf-8")
        ours, others = orphans(expected, LEARNER)
        deleted = [f"{p.relative_to(ROOT)} (a learner edition this tool wrote; its teacher notebook is gone)"
                   for p in ours]
        if not args.check:
            for p in ours:
                p.unlink()
        record = record_text({t.name: "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
                              for t, text in texts.items()})
        if not (LEARNER / RECORD).is_file() or (LEARNER / RECORD).read_text(encoding="utf-8") != record:
            stale.append(f"{(LEARNER / RECORD).relative_to(ROOT)} (the record of what this tool wrote)")
            if not args.check:
                (LEARNER / RECORD).write_text(record, encoding="utf-8")
    except (EditionError, OSError) as e:
        print(f"editions: {e}", file=sys.stderr)
        return 2
    for p in others:
        print(f"left alone {p.relative_to(ROOT)}: no teacher notebook, and not a learner edition this tool wrote "
              "(a copy, or changed since); delete it yourself if you do not need it", file=sys.stderr)
    if args.check:
        if stale or deleted:
            print("out of date: " + ", ".join(stale + deleted) + "\nrun `python tools/editions.py` to regenerate",
                  file=sys.stderr)
            return 1
        print(f"editions: {len(sources)} notebooks up to date")
        return 0
    for s in stale:
        print(f"wrote {s}")
    for s in deleted:
        print(f"deleted {s}")
    if any("Colab" in s for s in stale):
        print("updated the Colab badge or cell of teacher notebooks (their .ipynb synced; the cell prints "
              "nothing outside Colab, so their stored outputs stay valid)")
    print(f"editions: {len(sources)} notebooks up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
