"""A real browser: JupyterLab in headless Chromium runs notebook 04, in its learner edition (what
a learner opens, blank exercises and all), and its threshold slider redraws the plot
(tools/browser_check.py does the driving; see its docstring).

Screenshots before and after the slider move, and result.json, land in build/browser/ (the
CI artefact). Chromium is installed when missing and possible (root + apt-get); elsewhere the
test is skipped, saying why.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05_layer_profiles.ipynb"
ARTEFACTS = ROOT / "build" / "browser"


def _load_tool():
    from tools import browser_check

    return browser_check


def _chromium() -> tuple[str | None, str]:
    """(path to Chromium, or None with the reason it could not be had)."""
    wanted = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for candidate in (wanted, shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate, ""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        return None, (f"Chromium is not installed ({wanted}) and cannot be installed here (needs root and "
                      "apt-get); install it (Debian: `apt-get install chromium`) or set CHROMIUM=/path/to/it")
    # The lock timeout lets this wait for another apt-get (e.g. `make test-deps` in a parallel job).
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=120", "-qq"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        subprocess.run([*apt, "update"], env=env, capture_output=True, timeout=300, check=True)
        subprocess.run([*apt, "install", "-y", "--no-install-recommends", "chromium"], env=env,
                       capture_output=True, timeout=600, check=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        out = (getattr(e, "stderr", b"") or b"").decode(errors="replace")[-500:]
        return None, f"Chromium is not installed and `apt-get install chromium` failed: {e}\n{out}"
    return (wanted, "") if os.access(wanted, os.X_OK) else (None, f"apt-get installed chromium but {wanted} is missing")


def test_threshold_slider_redraws_in_a_real_browser():
    pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed "
                        "(it is in requirements.txt: run `make setup`)")
    chromium, why = _chromium()
    if chromium is None:
        pytest.skip(why)
    assert NOTEBOOK.exists(), f"{NOTEBOOK.relative_to(ROOT)} is missing: the browser test drives its slider"
    tool = _load_tool()
    # conftest.py has set COURSE_PROFILE=quick and private COURSE_CACHE/TORCH_HOME/COURSE_DATA
    # folders; the kernel inherits them. One thread: the other pytest worker runs beside it.
    env = dict(os.environ, COURSE_PROFILE="quick", COURSE_THREADS=os.environ.get("COURSE_THREADS", "1"))
    start = time.monotonic()
    result = tool.check_notebook(NOTEBOOK, ARTEFACTS, chromium=chromium, slider_label="threshold",
                                 run_timeout=170, env=env, log=lambda s: print(s, flush=True))
    seconds = time.monotonic() - start
    print(f"browser test: {seconds:.0f} s; {result['seconds']}; screenshots in {ARTEFACTS}")
    assert result["before"]["img_sha1"] != result["after"]["img_sha1"]
    assert result["before"]["summary"] != result["after"]["summary"]
    for name in ("before_widget.png", "after_widget.png", "before_page.png", "after_page.png"):
        assert (ARTEFACTS / name).stat().st_size > 1000, f"screenshot {name} is missing or empty"
    assert seconds < 240, f"the browser test took {seconds:.0f} s; it must stay under 4 minutes"


# --------------------------------------------------------------------------- the rendered course
# (tools/build_course.py: what a browser shows when the course is published as static pages)

LESSON = """\
# 0{n} · Lesson {n}

**Learning objectives.** After this notebook you can

1. do thing {n}a;
2. do thing {n}b, which takes
   two lines.

**Estimated time:** about {n}5 minutes.
"""


def _lesson(folder, n):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(LESSON.format(n=n)), nbformat.v4.new_code_cell(f"print('lesson', {n} * 7)"),
                nbformat.v4.new_markdown_cell("## Summary\n\nDone.")]
    nbformat.write(nb, folder / f"0{n}_lesson_{n}.ipynb")


def _build(src, out, *extra):
    import sys

    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_course.py"), "--notebooks", str(src),
                           "--out", str(out), *extra], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_rendered_course_has_contents_navigation_and_profile(tmp_path):
    import json

    src, out = tmp_path / "nb", tmp_path / "build"
    src.mkdir()
    for n in (1, 2, 3):
        _lesson(src, n)
    _build(src, out, "--binder", "someone/course")
    site = out / "site"
    index = (site / "index.html").read_text()
    for n in (1, 2, 3):
        assert f'href="0{n}_lesson_{n}.html"' in index and f"0{n} · Lesson {n}" in index
        assert f"do thing {n}a" in index and f"do thing {n}b, which takes two lines" in index
        assert f"about {n}5 minutes" in index
    text = " ".join(index.replace("<strong>", "").replace("</strong>", "").split())
    assert "trained on generated drawings" in text and "not the paper's VGG16" in text and "untrained" in text, \
        "the quick profile's pages must say which network: the organism trained on drawings, an untrained control"
    first, middle, last = ((site / f"0{n}_lesson_{n}.html").read_text() for n in (1, 2, 3))
    assert 'rel="prev"' not in first and 'href="02_lesson_2.html" rel="next"' in first
    assert 'href="01_lesson_1.html" rel="prev"' in middle and 'href="03_lesson_3.html" rel="next"' in middle
    assert 'href="02_lesson_2.html" rel="prev"' in last and 'rel="next"' not in last
    assert "lesson 14" in middle, "the page shows the executed output"
    assert 'href="notebooks/02_lesson_2.ipynb"' in middle
    download = (site / "notebooks" / "02_lesson_2.ipynb").read_text()
    assert download == (src / "02_lesson_2.ipynb").read_text(), "the download is the notebook as given, not executed"
    assert "mybinder.org/v2/gh/someone/course/HEAD?urlpath=lab/tree/notebooks/02_lesson_2.ipynb" in middle
    assert "<title>02 · Lesson 2 · " in middle
    timings = json.loads((out / "timings.json").read_text())  # benchmarks/run.py reads this
    assert timings["profile"] == "quick" and set(timings["seconds"]) == {
        "01_lesson_1.ipynb", "02_lesson_2.ipynb", "03_lesson_3.ipynb", "total"}

    # --only re-executes one notebook; the others keep the pages of the earlier build.
    proc = _build(src, out, "--only", "02")
    assert "executing 02_lesson_2" in proc.stdout and "executing 01" not in proc.stdout
    index = (site / "index.html").read_text()
    assert all(f"0{n} · Lesson {n}" in index for n in (1, 2, 3))
    assert "lesson 7" in (site / "01_lesson_1.html").read_text()


def test_rendered_course_from_stored_outputs(tmp_path):
    src, out = tmp_path / "nb", tmp_path / "build"
    src.mkdir()
    _lesson(src, 1)
    proc = _build(src, out, "--no-execute")
    assert "executing" not in proc.stdout
    page = (out / "site" / "01_lesson_1.html").read_text()
    assert "outputs stored in the notebooks" in page and "lesson 7" not in page
