"""Execute every course notebook headless and render the course as static HTML pages.

    python tools/build_course.py [--out build] [--only 03] [--student]

Writes ``<out>/notebooks/*.ipynb`` (executed), ``<out>/site/*.html`` with a table of
contents in ``<out>/site/index.html``, and ``<out>/timings.json`` (seconds per notebook).
The profile comes from ``COURSE_PROFILE`` (``make course`` sets it).
``--student`` also writes ``<out>/student/*.ipynb``: the notebooks without outputs and with
every reference solution (between ``### BEGIN SOLUTION`` and ``### END SOLUTION``) replaced
by a stub for the learner to fill in.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def title_of(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "Untitled"


SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*\n?", re.M | re.S)


def strip_solutions(nb):
    """A learner's copy: solutions replaced by a stub, outputs cleared, solution cells shown."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        if "### BEGIN SOLUTION" in cell.source:
            cell.source = SOLUTION.sub(lambda m: f"{m.group(1)}...  # your code here\n", cell.source)
            cell.metadata.get("jupyter", {}).pop("source_hidden", None)
    return nb


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "build"))
    ap.add_argument("--only", help="execute only notebooks whose name starts with this")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    ap.add_argument("--student", action="store_true", help="also write learner copies without solutions")
    args = ap.parse_args(argv)
    out = Path(args.out)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    (out / "site").mkdir(parents=True, exist_ok=True)
    paths = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if not args.only or p.name.startswith(args.only))
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    profile = os.environ.get("COURSE_PROFILE", "full")
    timings, entries, failed = {}, [], []
    exporter = HTMLExporter(template_name="lab")
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if args.student:
            (out / "student").mkdir(parents=True, exist_ok=True)
            nbformat.write(strip_solutions(nb), out / "student" / path.name)
        start = time.perf_counter()
        print(f"executing {path.name} (profile {profile}) ...", flush=True)
        try:
            NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
        except Exception as e:  # keep going: a teacher wants to see every notebook that works
            failed.append(path.name)
            print(f"  FAILED: {type(e).__name__}: {str(e)[-2000:]}", file=sys.stderr)
        seconds = time.perf_counter() - start
        timings[path.name] = round(seconds, 1)
        print(f"  {seconds:.1f} s", flush=True)
        nbformat.write(nb, out / "notebooks" / path.name)
        body, _ = exporter.from_notebook_node(nb)
        page = path.with_suffix(".html").name
        (out / "site" / page).write_text(body, encoding="utf-8")
        entries.append((page, title_of(nb), seconds))
    timings["total"] = round(sum(v for k, v in timings.items()), 1)
    (out / "timings.json").write_text(json.dumps({"profile": profile, "seconds": timings}, indent=1))
    items = "\n".join(f'<li><a href="{p}">{html.escape(t)}</a> <small>({s:.0f} s to execute)</small></li>'
                      for p, t, s in entries)
    note = ("<p><strong>Profile quick:</strong> numbers come from an UNTRAINED VGG16 and schematic "
            "stimuli, a rehearsal of the method, not the paper's results.</p>" if profile == "quick" else "")
    (out / "site" / "index.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Category selectivity in CNNs</title></head>"
        f"<body style='font-family:sans-serif;max-width:50em;margin:2em auto'>"
        f"<h1>Category selectivity in CNNs</h1>{note}<ol>{items}</ol></body></html>", encoding="utf-8")
    print(f"wrote {out / 'site' / 'index.html'}; total {timings['total']} s")
    if failed:
        print(f"notebooks that failed: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
