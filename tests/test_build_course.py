"""tools/build_course.py never writes over the notebooks it reads, quotes file names in its
links, and reads the profile only through helpers.edge.profiles; failures are one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lesson(folder: Path, name: str, n: int = 1) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# 0{n} · Lesson {n}\n\nText."),
                nbformat.v4.new_code_cell(f"print({n})")]
    path = folder / name
    nbformat.write(nb, path)
    return path


def _run(*args, env=None):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "build_course.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=300, env=env)


def _one_line(proc) -> str:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


@pytest.mark.parametrize("layout", ["out-holds-src", "out-notebooks-is-src", "site-is-src"])
def test_build_refuses_to_write_over_the_notebooks_it_reads(tmp_path, layout):
    """`--notebooks notebooks/teacher --out .` would write solved notebooks over the learner editions."""
    out = tmp_path / "course"
    src = {"out-holds-src": out / "notebooks" / "teacher", "out-notebooks-is-src": out / "notebooks",
           "site-is-src": out / "site"}[layout]
    src.mkdir(parents=True)
    lesson = _lesson(src, "01_lesson.ipynb")
    before = lesson.read_bytes()
    line = _one_line(_run("--notebooks", src, "--out", out, "--no-execute"))
    assert "would overwrite the notebooks it reads" in line
    assert lesson.read_bytes() == before and sorted(p.name for p in src.iterdir()) == ["01_lesson.ipynb"]


def test_links_quote_file_names(tmp_path):
    src, out = tmp_path / "nb", tmp_path / "build"
    src.mkdir()
    _lesson(src, '01_a "quoted" <name> #1.ipynb', 1)
    _lesson(src, "02_plain.ipynb", 2)
    proc = _run("--notebooks", src, "--out", out, "--no-execute", "--binder", "someone/course")
    assert proc.returncode == 0, proc.stderr
    index = (out / "site" / "index.html").read_text()
    assert 'href="01_a%20%22quoted%22%20%3Cname%3E%20%231.html"' in index
    page = (out / "site" / "02_plain.html").read_text()
    assert 'href="01_a%20%22quoted%22%20%3Cname%3E%20%231.html" rel="prev"' in page
    first = (out / "site" / '01_a "quoted" <name> #1.html').read_text()
    assert 'href="notebooks/01_a%20%22quoted%22%20%3Cname%3E%20%231.ipynb" download' in first
    assert "urlpath=lab/tree/notebooks/01_a%2520%2522quoted%2522%2520%253Cname%253E%2520%25231.ipynb" in first
    assert 'href="02_plain.html"' in index


def test_an_unknown_profile_is_one_line(tmp_path):
    import os

    src = tmp_path / "nb"
    src.mkdir()
    _lesson(src, "01_lesson.ipynb")
    env = dict(os.environ, COURSE_PROFILE="fast")
    line = _one_line(_run("--notebooks", src, "--out", tmp_path / "build", "--no-execute", env=env))
    assert "fast" in line


def test_profile_is_read_only_through_helpers_profiles():
    text = (ROOT / "tools" / "build_course.py").read_text()
    assert "COURSE_PROFILE\"" not in text.replace("COURSE_PROFILE``", "") and "get_profile()" in text
    assert 'environ.get("COURSE_PROFILE"' not in text


def test_missing_folder_and_unreadable_notebook_are_one_line(tmp_path):
    assert "is not a folder" in _one_line(_run("--notebooks", tmp_path / "none", "--out", tmp_path / "b"))
    src = tmp_path / "nb"
    src.mkdir()
    (src / "01_broken.ipynb").write_text("{not json")
    _one_line(_run("--notebooks", src, "--out", tmp_path / "b", "--no-execute"))
