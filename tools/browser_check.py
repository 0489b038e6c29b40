"""Drive a course notebook in a real browser: JupyterLab + headless Chromium (Playwright).

    python tools/browser_check.py [notebooks/05_layer_profiles.ipynb] [--out build/browser]
                                  [--chromium /usr/bin/chromium] [--slider threshold] [--demo]

What it does, as a learner would:

1. starts JupyterLab from this Python environment on 127.0.0.1 (free port, random token,
   news and update checks off, autosave off, private settings/workspace/runtime folders);
   the notebook is *copied* into a scratch root folder, so the repository is never written;
2. opens the notebook in Chromium, clears all outputs (Edit menu), runs all cells
   (Run menu > Run All Cells) and waits until every cell has run and the kernel is idle;
3. checks that ipywidgets rendered (a ``.jupyter-widgets`` element and the slider are
   visible, no "Loading widget..." placeholder remains, no traceback);
4. moves the slider whose label is ``--slider`` with the keyboard (focus its handle, press
   PageUp, or PageDown when it sits in the upper half), and checks that the plot in the
   widget's Output redraws with other data (the ``<img>`` source changes) and that the
   widget's HTML summary text changes;
5. saves screenshots (the page, and the outputs of the widget's cell, before and after the
   move) and a ``result.json`` under ``--out``.

Exit status 0 when every check passed. ``tests/test_browser.py`` runs the same code under
pytest (``make test``), on the learner edition of notebook 05 (the default here too). The
profile comes from ``COURSE_PROFILE`` (default here: quick).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NOTEBOOK = ROOT / "notebooks" / "05_layer_profiles.ipynb"
CHROMIUM = "/usr/bin/chromium"
# --disable-background-networking & co: on a closed network Chromium's own background
# requests fail and slow everything down; none of them is needed to test a local page.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]

# JupyterLab user settings for the run: never save (the notebook stays as it was), no news or
# update pop-ups, and every cell kept in the page (no virtual scrolling) so they can be checked.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none",
                                                                    "autoStartDefaultKernel": True},
}


class CheckFailed(AssertionError):
    """A check of the browser run failed; the message says which and what was seen."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """A JupyterLab server in a subprocess, for a ``with`` block.

    ``root`` is the server's root folder; ``scratch`` holds its private config, settings,
    workspaces and runtime folders and its log (``lab.log``).
    """

    def __init__(self, root: Path, scratch: Path, env: dict | None = None, startup_timeout: float = 90):
        self.root, self.scratch = Path(root), Path(scratch)
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ if env is None else env)
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.log_path = self.scratch / "lab.log"

    def _prepare(self) -> dict:
        env = self.env
        for name, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                          ("JUPYTERLAB_SETTINGS_DIR", "settings"), ("JUPYTERLAB_WORKSPACES_DIR", "workspaces")):
            (self.scratch / sub).mkdir(parents=True, exist_ok=True)
            env[name] = str(self.scratch / sub)
        for rel, value in LAB_SETTINGS.items():
            path = self.scratch / "settings" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        env.setdefault("COURSE_PROFILE", "quick")
        # Figures must reach the page: the kernel draws inline, whatever MPLBACKEND says here
        # (the test suite sets Agg for itself).
        env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def __enter__(self) -> "JupyterLab":
        env = self._prepare()
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly", "--ServerApp.terminals_enabled=False",
               "--LanguageServerManager.autodetect=False"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI often run as root
            cmd.append("--allow-root")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, env=env, cwd=self.root, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CheckFailed(f"JupyterLab exited with status {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=5) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise CheckFailed(f"JupyterLab did not answer within {self.startup_timeout:.0f} s:\n{self.log_tail()}")

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # The server shuts its kernels down on SIGTERM; kill the group if it hangs.
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()

    def kernel_state(self, path: str) -> str | None:
        """The execution state of the kernel of the notebook at ``path`` (None: no kernel yet)."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/sessions?token={self.token}", timeout=5) as r:
                sessions = json.load(r)
        except (OSError, ValueError):
            return None
        for s in sessions:
            if s.get("path") == path and s.get("kernel"):
                return s["kernel"].get("execution_state")
        return None

    def wait_kernel_idle(self, path: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.kernel_state(path) == "idle":
                return True
            time.sleep(0.5)
        return False

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no log)"


# JavaScript run in the page ---------------------------------------------------------------

# Every non-empty code cell has an execution count, none is queued/running, the kernel is idle;
# or a traceback appeared (Run All stops there). Returns "done", "error" or false.
JS_RUN_FINISHED = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return false;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell')].map(cell => {
    const src = (cell.querySelector('.cm-content') || {}).textContent || '';
    const p = (cell.querySelector('.jp-InputPrompt') || {}).textContent || '';
    return {empty: src.trim() === '', p};
  });
  if (prompts.some(x => x.p.includes('*'))) return false;
  const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const idle = !status || status.getAttribute('data-status') === 'idle';
  if (!idle) return false;
  const err = [...panel.querySelectorAll('.jp-OutputArea-output')]
    .some(o => /Traceback \\(most recent call last\\)|^\\S*(Error|Exception)\\b/m.test(o.textContent || '')
               && o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr');
  if (err) return 'error';
  return prompts.every(x => x.empty || /\\[\\d+\\]/.test(x.p)) ? 'done' : false;
}"""

JS_ERRORS = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')]
  .filter(o => o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr'
               && /Traceback \\(most recent call last\\)/.test(o.textContent || ''))
  .map(o => o.textContent.slice(-1500))"""


def _digest(src: str | None) -> str:
    return hashlib.sha1((src or "").encode()).hexdigest()[:12]


# The state of the widget's cell: its slider readout, the figure in its Output, its HTML text.
JS_WIDGET_STATE = """([cell, label]) => {
  const slider = [...cell.querySelectorAll('.widget-slider')]
    .find(s => ((s.querySelector('.widget-label') || {}).textContent || '').toLowerCase().includes(label));
  const img = cell.querySelector('.widget-output img');
  return {value: slider ? (slider.querySelector('.widget-readout') || {}).textContent || null : null,
          img: img ? img.getAttribute('src') : null,
          summary: [...cell.querySelectorAll('.widget-html, .widget-htmlmath')]
                     .map(e => e.textContent.trim()).filter(t => t).join(' | ') || null};
}"""

JS_WIDGET_CHANGED = """([cell, before]) => {
  const img = cell.querySelector('.widget-output img');
  const summary = [...cell.querySelectorAll('.widget-html, .widget-htmlmath')]
    .map(e => e.textContent.trim()).filter(t => t).join(' | ') || null;
  return !!img && img.getAttribute('src') !== before.img && summary !== before.summary;
}"""


def check_notebook(notebook: str | Path, out: str | Path, chromium: str = CHROMIUM, slider_label: str = "threshold",
                   run_timeout: float = 180, env: dict | None = None, log=print) -> dict:
    """Run the browser check on ``notebook``; return a dict of what was seen (also written to
    ``out/result.json``). Raises :class:`CheckFailed` when a check fails (a screenshot of the
    failure, ``out/failure.png``, is saved first)."""
    from playwright.sync_api import Error as PWError
    from playwright.sync_api import sync_playwright

    notebook, out = Path(notebook).resolve(), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("*.png"), out / "result.json"]:
        old.unlink(missing_ok=True)
    inside = notebook.is_relative_to(ROOT)
    # Same relative place as in the repository, so relative paths in the notebook still work.
    rel = notebook.relative_to(ROOT) if inside else Path(notebook.name)
    env = dict(os.environ if env is None else env)
    result: dict = {"notebook": rel.as_posix() if inside else str(notebook),
                    "profile": env.setdefault("COURSE_PROFILE", "quick"), "seconds": {}}
    t0 = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="course-browser-") as tmp:
        tmp = Path(tmp)
        root = tmp / "root"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(notebook, root / rel)
        if inside and (ROOT / "data").is_dir():
            (root / "data").symlink_to(ROOT / "data", target_is_directory=True)
        log(f"starting JupyterLab for {result['notebook']} (profile {result['profile']}) ...")
        with JupyterLab(root, tmp / "lab", env=env) as lab, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
                                         timeout=60_000)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1300})
                page.set_default_timeout(60_000)
                console: list[str] = []
                page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
                try:
                    _drive(page, lab, rel.as_posix(), out, slider_label, run_timeout, result, t0, log)
                except (CheckFailed, PWError) as e:
                    message = str(e) if isinstance(e, CheckFailed) else f"browser step failed: {e}"
                    try:
                        page.screenshot(path=str(out / "failure.png"), full_page=True)
                    except PWError:
                        pass
                    result["failure"] = message
                    (out / "result.json").write_text(json.dumps(result, indent=1))
                    errors = "\n".join(console[-10:]) or "(none)"
                    raise CheckFailed(f"{message}\n(screenshot {out / 'failure.png'}; browser console errors: "
                                      f"{errors}; JupyterLab log:\n{lab.log_tail(2000)})") from None
            finally:
                browser.close()
    result["seconds"]["total"] = round(time.monotonic() - t0, 1)
    result["screenshots"] = sorted(p.name for p in out.glob("*.png"))
    (out / "result.json").write_text(json.dumps(result, indent=1))
    return result


def _drive(page, lab: JupyterLab, path: str, out: Path, label: str, run_timeout: float, result: dict,
           t: float, log) -> None:
    """The learner's steps; raises CheckFailed (or a Playwright error) on the first failure."""
    from playwright.sync_api import TimeoutError as PWTimeout

    def lap(name: str) -> None:
        nonlocal t
        now = time.monotonic()
        result["seconds"][name] = round(now - t, 1)
        log(f"  {name}: {now - t:.1f} s")
        t = now

    lap("start_lab")
    page.goto(f"{lab.url}/lab/tree/{path}?token={lab.token}", wait_until="domcontentloaded")
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(state="visible", timeout=120_000)
    # Wait for the kernel, asked from the server rather than read off the page.
    if not lab.wait_kernel_idle(path, 120):
        accept_dialog(page)  # e.g. "Select Kernel", should the auto-start preference not apply
        if not lab.wait_kernel_idle(path, 60):
            raise CheckFailed(f"no idle kernel for {path} after 180 s (state {lab.kernel_state(path)})")
    lap("open_notebook")

    # Stored outputs first go, so every output checked below comes from this run.
    page.locator("#jp-main-dock-panel .jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
    menu(page, "Edit", "Clear Outputs of All Cells")
    menu(page, "Run", "Run All Cells")
    try:
        state = page.wait_for_function(JS_RUN_FINISHED, timeout=run_timeout * 1000, polling=500).json_value()
    except PWTimeout:
        raise CheckFailed(f"Run All did not finish within {run_timeout:.0f} s") from None
    if state == "error":
        raise CheckFailed("a cell raised an error:\n" + "\n---\n".join(page.evaluate(JS_ERRORS)))
    lap("run_all")

    # Did the widgets render at all?
    slider = page.locator(".widget-slider").filter(has=page.locator(".widget-label", has_text=label)).first
    loading = page.get_by_text("Loading widget", exact=False)
    try:
        page.locator(".jupyter-widgets").first.wait_for(state="visible", timeout=30_000)
        slider.wait_for(state="visible", timeout=30_000)
        loading.first.wait_for(state="detached", timeout=30_000)
    except PWTimeout:
        raise CheckFailed(f"widgets did not render: no visible slider labelled {label!r}, "
                          f"{loading.count()} 'Loading widget...' placeholder(s) on the page") from None
    result["widgets"] = page.locator(".jupyter-widgets").count()
    cell = page.locator(".jp-CodeCell").filter(has=slider).last
    try:
        cell.locator(".widget-output img").first.wait_for(state="visible", timeout=30_000)
    except PWTimeout:
        raise CheckFailed("the widget's Output shows no figure (<img>) after Run All") from None
    cell_el = cell.element_handle()
    before = page.evaluate(JS_WIDGET_STATE, [cell_el, label.lower()])
    if not before["summary"]:
        raise CheckFailed("the widget's cell has no HTML summary (.widget-html) with text")
    widget = cell.locator(".jp-Cell-outputArea").first  # the cell's outputs, without its code
    widget.scroll_into_view_if_needed()
    page.screenshot(path=str(out / "before_page.png"))
    widget.screenshot(path=str(out / "before_widget.png"))
    result["before"] = {"value": before["value"], "img_sha1": _digest(before["img"]), "summary": before["summary"]}
    log(f"  before: value {before['value']!r}, summary {before['summary']!r}")
    lap("widgets_rendered")

    # Move the slider with the keyboard, away from the end it is nearer to: one PageUp/PageDown
    # (a large step), so the kernel redraws exactly once.
    knob = slider.locator(".noUi-handle").first
    lo, hi, now = (float(knob.get_attribute(a) or "nan") for a in ("aria-valuemin", "aria-valuemax", "aria-valuenow"))
    key = "PageDown" if now - lo > hi - now else "PageUp"
    knob.focus()
    knob.press(key)
    try:
        page.wait_for_function(JS_WIDGET_CHANGED, arg=[cell_el, before], timeout=60_000, polling=250)
    except PWTimeout:
        now = page.evaluate(JS_WIDGET_STATE, [cell_el, label.lower()])
        what = [w for w in ("img", "summary") if now[w] == before[w]]
        raise CheckFailed(f"{' and '.join(what) or 'the widget'} did not change within 60 s of pressing {key} "
                          f"on the slider (readout {before['value']!r} -> {now['value']!r})") from None
    # Read the final state once nothing has changed for 2 s and the kernel is idle.
    settled, last, deadline = time.monotonic(), None, time.monotonic() + 60
    while time.monotonic() < deadline:
        state = page.evaluate(JS_WIDGET_STATE, [cell_el, label.lower()])
        if state != last:
            settled, last = time.monotonic(), state
        elif time.monotonic() - settled >= 2 and lab.kernel_state(path) == "idle":
            break
        page.wait_for_timeout(250)
    cell.locator(".widget-output img").first.wait_for(state="visible", timeout=30_000)
    after = page.evaluate(JS_WIDGET_STATE, [cell_el, label.lower()])
    widget.scroll_into_view_if_needed()
    page.screenshot(path=str(out / "after_page.png"))
    widget.screenshot(path=str(out / "after_widget.png"))
    result["after"] = {"value": after["value"], "img_sha1": _digest(after["img"]), "summary": after["summary"],
                       "key": key}
    log(f"  after {key}: value {after['value']!r}, summary {after['summary']!r}")
    for what in ("value", "img", "summary"):
        if after[what] == before[what]:
            raise CheckFailed(f"the widget's {what} is the same after moving the slider: {before[what]!r:.200}")
    if page.evaluate(JS_ERRORS):
        raise CheckFailed("moving the slider raised an error:\n" + "\n".join(page.evaluate(JS_ERRORS)))
    lap("slider")


def accept_dialog(page) -> bool:
    """Press the default (accept) button of an open JupyterLab dialog, if there is one."""
    button = page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").first
    if button.count() and button.is_visible():
        button.click()
        return True
    return False


def menu(page, title: str, label: str) -> None:
    """Click a main-menu entry by its title, then its item labelled ``label``."""
    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text=title).first.click()
    item = page.locator(".lm-Menu .lm-Menu-item").filter(
        has=page.locator(".lm-Menu-itemLabel", has_text=label)).first
    item.wait_for(state="visible", timeout=10_000)
    item.click()
    page.locator(".lm-Menu").first.wait_for(state="detached", timeout=10_000)


DEMO_CODE = """\
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

data = np.random.default_rng(0).random((15, 64))
slider = widgets.FloatSlider(value=0.5, min=0, max=1, step=0.01, description="threshold")
out, summary = widgets.Output(), widgets.HTML()


def draw(t):
    counts = (data > t).sum(1)
    out.clear_output(wait=True)
    with out:
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.bar(range(15), counts)
        ax.set_title(f"threshold {t:.2f}")
        plt.show()
    summary.value = f"<b>{counts.sum()}</b> values above {t:.2f}"
    return counts


slider.observe(lambda change: draw(change["new"]), names="value")
draw(slider.value)
display(widgets.VBox([slider, summary, out]))
"""


def demo_notebook(folder: Path) -> Path:
    """A one-widget notebook (slider + HTML + Output with a figure) to check the browser set-up
    itself, apart from the course's notebooks."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Browser check: one widget"), nbformat.v4.new_code_cell(DEMO_CODE)]
    path = Path(folder) / "widget_demo.ipynb"
    nbformat.write(nb, path)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebook", nargs="?", default=str(DEFAULT_NOTEBOOK))
    ap.add_argument("--out", default=str(ROOT / "build" / "browser"))
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", CHROMIUM))
    ap.add_argument("--slider", default="threshold", help="label of the slider to move")
    ap.add_argument("--timeout", type=float, default=180, help="seconds allowed for Run All")
    ap.add_argument("--demo", action="store_true",
                    help="check a generated one-widget notebook instead (tests the browser set-up itself)")
    args = ap.parse_args(argv)
    if not Path(args.chromium).exists():
        print(f"Chromium not found at {args.chromium}: install it (Debian: apt-get install chromium) "
              "or pass --chromium.", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory() as tmp:
            notebook = demo_notebook(Path(tmp)) if args.demo else args.notebook
            result = check_notebook(notebook, args.out, chromium=args.chromium, slider_label=args.slider,
                                    run_timeout=args.timeout)
    except CheckFailed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
