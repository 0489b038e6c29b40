"""Execute every course notebook headless and render the course as a static website.

    python tools/build_course.py [--out build] [--only 03] [--no-execute]
                                 [--notebooks notebooks] [--binder OWNER/REPO] [--timeout 900]

By default the notebooks are the **learner editions** (``notebooks/NN_name.ipynb``, blank
exercises; see ``tools/editions.py``): the pages show what a learner sees who runs a notebook
without solving its exercises (each check's hint, and every later result computed from the
reference answer), so a published site gives no solution away. ``--notebooks notebooks/teacher``
renders the teacher editions instead (solutions included), e.g. for a teacher's own copy.

Writes

- ``<out>/notebooks/*.ipynb``: the executed notebooks;
- ``<out>/site/``: the course as static HTML (nbconvert's JupyterLab look): ``index.html``, a
  table of contents with each notebook's title, estimated time and learning objectives, and one
  page per notebook with previous/next links and a note on the profile that produced its
  outputs; ``<out>/site/notebooks/`` holds the notebooks as they are in ``--notebooks`` (not
  executed), for download. The folder is self-contained: copy it to any static host (GitHub
  Pages, a university web space, ...);
- ``<out>/timings.json``: seconds per executed notebook and the profile.

The profile comes from ``helpers.edge.profiles.get_profile`` (``COURSE_PROFILE``; ``make course`` /
``make site`` set it). The output folders ``<out>/notebooks`` and ``<out>/site`` must not be,
nor hold, the ``--notebooks`` folder: the build never writes over what it reads (e.g.
``--notebooks notebooks/teacher --out .`` would write solved notebooks over the learner
editions). File names in links are URL-quoted and HTML-escaped.
``--only 03`` executes only the notebooks whose name starts with ``03``; the others keep their
page from an earlier build (``<out>/notebooks/``) or, failing that, are rendered with their
stored outputs, so the table of contents stays complete. ``--no-execute`` renders every notebook
with its stored outputs (seconds instead of minutes; the learner editions store none, the
teacher editions those of the quick profile). ``--binder OWNER/REPO`` adds a "run it on Binder"
link to every page.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import html
import json
import os
import re
import shutil
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's helpers, also when the package is installed elsewhere
NOTEBOOKS = ROOT / "notebooks"
COURSE_TITLE = "Category selectivity in CNNs"

PROFILE_NOTES = {
    "quick": ("Profile <strong>quick</strong>: the numbers and figures on these pages come from the "
              "<strong>model organism</strong>, a small VGG16-shaped network <strong>trained on generated "
              "drawings</strong> (not the paper's VGG16), beside the same architecture <strong>untrained"
              "</strong> as its control, measured on <strong>generated drawings</strong> of faces, face-like "
              "objects, cars and dogs. They are the organism's results, not the paper's. Run the course with "
              "<code>COURSE_PROFILE=full</code> for the pretrained VGG16 on photographs."),
    "full": ("Profile <strong>full</strong>: VGG16 with ImageNet weights and real photographs, the paper's "
             "set-up (if the weights could not be had, the pages say UNTRAINED in their outputs)."),
    "stored": ("These pages show the outputs stored in the notebooks, without running them (the learner "
               "editions store none); the course's authors produce them under the <strong>quick</strong> "
               "profile: the model organism (a small network trained on generated drawings) and its "
               "<strong>untrained</strong> control on generated drawings, not the paper's results."),
}


def title_of(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "Untitled"


def objectives_of(nb) -> str:
    """The learning objectives (the list under "Learning objectives" in the first markdown
    cells), as markdown; "" when there are none."""
    for cell in nb.cells[:6]:
        if cell.cell_type != "markdown" or not re.search(r"learning objectives", cell.source, re.I):
            continue
        lines = cell.source.splitlines()
        start = next(i for i, l in enumerate(lines) if re.search(r"learning objectives", l, re.I))
        items = []
        for line in lines[start + 1:]:
            if re.match(r"\s*(\d+[.)]|[-*+])\s+", line):
                items.append(line.strip())
            elif items and line.startswith((" ", "\t")) and line.strip():
                items[-1] += " " + line.strip()  # continuation of the item above
            elif items and (line.startswith("#") or line.startswith("**")):
                break
        return "\n".join(items)
    return ""


def time_of(nb) -> str:
    """The estimated time, whole ("about 45 minutes (25 reading, 20 for the three exercises)"),
    or "": the sentence after "Estimated time:", however the markdown wraps it (up to its full
    stop or the end of its paragraph)."""
    for cell in nb.cells[:6]:
        if cell.cell_type == "markdown":
            m = re.search(r"estimated time:?\**:?\s*(.*?\d+\s*(?:min|minutes|h|hours)\b.*?)(?:\.(?=\s|$)|\n\s*\n|$)",
                          cell.source, re.I | re.S)
            if m:
                return " ".join(m.group(1).split()).strip(" *")
    return ""


# --------------------------------------------------------------------------- pages


@dataclass
class Page:
    path: Path  # the source notebook
    nb: object
    profile: str  # "quick", "full" or "stored" (outputs as stored in the notebook)
    seconds: float | None = None
    failed: bool = False
    title: str = field(init=False)

    def __post_init__(self):
        self.title = title_of(self.nb)

    @property
    def short_title(self) -> str:
        """The title up to its first colon ("05 · Representative filters"), for navigation links."""
        return self.title.split(":", 1)[0].strip()

    @property
    def html_name(self) -> str:
        return self.path.with_suffix(".html").name

    @property
    def href(self) -> str:
        """The page's address relative to the site, quoted for an HTML attribute."""
        return link(self.html_name)


def link(*parts: str) -> str:
    """A relative address from path parts (file names as they are on disk), URL-quoted and
    HTML-escaped: a name holding spaces, quotes, ``#``, ``?`` or ``<`` stays one link."""
    return html.escape("/".join(urllib.parse.quote(p) for p in parts), quote=True)


CSS = """
.course-nav{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:15px;display:flex;
  flex-wrap:wrap;gap:.4em 1.2em;align-items:center;padding:.6em 1em;margin:0 0 1em;background:#f3f5f8;
  border-bottom:1px solid #d0d7de}
.course-nav a{color:#0b57a4;text-decoration:none}.course-nav a:hover{text-decoration:underline}
.course-nav .spacer{flex:1}.course-nav.bottom{margin:2em 0 0;border-top:1px solid #d0d7de;border-bottom:0}
.course-note{font-family:system-ui,sans-serif;font-size:14px;margin:0 1em 1em;padding:.5em .8em;
  border-left:4px solid #d4a72c;background:#fff8e5}
.course-note.failed{border-color:#cf222e;background:#ffebe9}
"""

INDEX_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:52em;margin:2em auto;padding:0 1em;
  line-height:1.5;color:#1f2328}
a{color:#0b57a4}.note{padding:.6em .9em;border-left:4px solid #d4a72c;background:#fff8e5}
ol.toc{padding-left:0;list-style:none}ol.toc>li{border:1px solid #d0d7de;border-radius:8px;padding:.7em 1em;
  margin:.8em 0}ol.toc h2{font-size:1.15em;margin:0 0 .2em}.meta{color:#59636e;font-size:.9em}
.failed{color:#cf222e;font-weight:600}footer{margin-top:2em;color:#59636e;font-size:.9em}
"""


def _nav(pages: list[Page], i: int, binder: str | None, bottom: bool = False) -> str:
    prev = (f'<a href="{pages[i - 1].href}" rel="prev">← {html.escape(pages[i - 1].short_title)}</a>'
            if i > 0 else "")
    nxt = (f'<a href="{pages[i + 1].href}" rel="next">{html.escape(pages[i + 1].short_title)} →</a>'
           if i + 1 < len(pages) else "")
    page = pages[i]
    links = [f'<a href="index.html">Contents</a>', prev, '<span class="spacer"></span>']
    if not bottom:
        links.append(f'<a href="{link("notebooks", page.path.name)}" download>Download the notebook</a>')
        if binder:
            url = binder_url(binder, page.path.name)
            links.append(f'<a href="{html.escape(url)}">Run it on Binder</a>')
    links.append(nxt)
    return f'<nav class="course-nav{" bottom" if bottom else ""}">{"".join(l for l in links if l)}</nav>'


def binder_url(binder: str, name: str) -> str:
    """Binder's address opening ``notebooks/<name>`` of the GitHub repository ``binder`` (not escaped)."""
    path = urllib.parse.quote(f"lab/tree/notebooks/{name}", safe="/")
    return f"https://mybinder.org/v2/gh/{urllib.parse.quote(binder, safe='/')}/HEAD?urlpath={urllib.parse.quote(path, safe='/')}"


def render_page(exporter, pages: list[Page], i: int, binder: str | None) -> str:
    """One notebook as a page: nbconvert's lab template with navigation and the profile note."""
    page = pages[i]
    body, _ = exporter.from_notebook_node(page.nb)
    note = f'<div class="course-note">{PROFILE_NOTES.get(page.profile, "")}</div>'
    if page.failed:
        note += ('<div class="course-note failed">This notebook stopped with an error when the course was '
                 'built; the outputs below end where it stopped.</div>')
    header = f"<style>{CSS}</style>{_nav(pages, i, binder)}{note}"
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + header, body, count=1)
    body = body.replace("</body>", _nav(pages, i, binder, bottom=True) + "</body>", 1)
    title = f"<title>{html.escape(page.title)} · {COURSE_TITLE}</title>"
    return re.sub(r"<title>.*?</title>", lambda m: title, body, count=1, flags=re.S)


def render_index(pages: list[Page], profile_line: str, binder: str | None) -> str:
    import mistune

    items = []
    for p in pages:
        meta = [time_of(p.nb) and f"about {time_of(p.nb).removeprefix('about ')}"]
        if p.seconds is not None:
            meta.append(f"executed in {p.seconds:.0f} s")
        status = ' <span class="failed">(stopped with an error when built)</span>' if p.failed else ""
        objectives = objectives_of(p.nb)
        obj_html = (f"<details open><summary>Learning objectives</summary>{mistune.html(objectives)}</details>"
                    if objectives else "")
        items.append(f'<li><h2><a href="{p.href}">{html.escape(p.title)}</a>{status}</h2>'
                     f'<div class="meta">{" · ".join(m for m in meta if m)}</div>{obj_html}</li>')
    binder_line = ""
    if binder:
        url = binder_url(binder, pages[0].path.name)
        binder_line = (f'<p>Run the notebooks yourself, in the browser, without installing anything: '
                       f'<a href="{html.escape(url)}">open the course on Binder</a>.</p>')
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{COURSE_TITLE}</title><style>{INDEX_CSS}</style></head><body>"
            f"<h1>{COURSE_TITLE}</h1>"
            f"<p>A hands-on course: which filters of an ImageNet-trained network respond to faces, dogs, "
            f"cars, ..., layer by layer, and why the network's latent space is not the visual space a "
            f"person sees. Each page below is an executed Jupyter notebook.</p>"
            f"<p class='note'>{profile_line}</p>{binder_line}"
            f"<ol class='toc'>{''.join(items)}</ol>"
            f"<footer>Built {_dt.date.today().isoformat()} by <code>tools/build_course.py</code>. "
            f"Every page offers its notebook for download.</footer></body></html>")


# --------------------------------------------------------------------------- main


class BuildError(ValueError):
    """A bad argument or folder, found before any work; the message is one sentence."""


def check_folders(src: Path, out: Path) -> None:
    """The folders the build writes (``<out>/notebooks``, ``<out>/site``) must neither be nor
    hold ``src``, the folder it reads; ``src`` must be a folder."""
    if not src.is_dir():
        raise BuildError(f"--notebooks {src} is not a folder")
    real_src = src.resolve()
    for written in (out / "notebooks", out / "site"):
        real = written.resolve()
        if real_src == real or real_src.is_relative_to(real):
            raise BuildError(f"--out {out} would write into {written}, which is or holds the --notebooks folder "
                             f"{src}: the build would overwrite the notebooks it reads; choose another --out "
                             "(default: build/)")


def main(argv=None) -> int:
    """Build; every failure is one line on stderr (exit 2), Ctrl-C one line (exit 130)."""
    try:
        return build(argv)
    except KeyboardInterrupt:
        print("build_course: interrupted (Ctrl-C)", file=sys.stderr)
        return 130
    except (BuildError, OSError, ValueError) as e:  # nbformat's unreadable notebooks are ValueErrors
        print(f"build_course: {' '.join(str(e).split())}", file=sys.stderr)
        return 2


def build(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "build"))
    ap.add_argument("--notebooks", default=str(NOTEBOOKS),
                    help="folder of the NN_*.ipynb notebooks (default: the learner editions)")
    ap.add_argument("--only", help="execute only notebooks whose name starts with this")
    ap.add_argument("--no-execute", action="store_true", help="render the notebooks' stored outputs")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    ap.add_argument("--binder", metavar="OWNER/REPO", default=os.environ.get("COURSE_BINDER_REPO"),
                    help="GitHub repository for 'run it on Binder' links (default: $COURSE_BINDER_REPO)")
    args = ap.parse_args(argv)
    from nbconvert import HTMLExporter

    out, src = Path(args.out), Path(args.notebooks)
    check_folders(src, out)
    from helpers.edge.profiles import get_profile

    profile = get_profile().name  # the one reader of COURSE_PROFILE: an unknown name is refused there
    site = out / "site"
    for d in (out / "notebooks", site / "notebooks"):
        d.mkdir(parents=True, exist_ok=True)
    paths = sorted(src.glob("[0-9][0-9]_*.ipynb"))
    selected = [p for p in paths if not args.only or p.name.startswith(args.only)]
    if not selected:
        print(f"no notebooks found in {src}" + (f" starting with {args.only!r}" if args.only else ""), file=sys.stderr)
        return 1
    old = {}
    if (out / "timings.json").exists():
        try:
            old = json.loads((out / "timings.json").read_text()).get("pages", {})
        except (ValueError, AttributeError):
            old = {}
    timings, pages, failed, info = {}, [], [], {}
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        shutil.copyfile(path, site / "notebooks" / path.name)  # the download: as given, not executed
        if args.no_execute or path not in selected:
            executed = out / "notebooks" / path.name
            if not args.no_execute and executed.exists() and path.name in old:  # an earlier build's run
                page = Page(path, nbformat.read(executed, as_version=4), old[path.name].get("profile", "stored"),
                            old[path.name].get("seconds"), old[path.name].get("failed", False))
            else:
                page = Page(path, nb, "stored")
        else:
            from nbclient import NotebookClient

            start = time.perf_counter()
            print(f"executing {path.name} (profile {profile}) ...", flush=True)
            ok = True
            try:
                NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                               resources={"metadata": {"path": str(src)}}).execute()
            except Exception as e:  # keep going: a teacher wants to see every notebook that works
                ok = False
                failed.append(path.name)
                print(f"  FAILED: {type(e).__name__}: {str(e)[-2000:]}", file=sys.stderr)
            seconds = time.perf_counter() - start
            timings[path.name] = round(seconds, 1)
            print(f"  {seconds:.1f} s", flush=True)
            nbformat.write(nb, out / "notebooks" / path.name)
            page = Page(path, nb, profile, round(seconds, 1), not ok)
        pages.append(page)
        info[path.name] = {"profile": page.profile, "seconds": page.seconds, "failed": page.failed}

    exporter = HTMLExporter(template_name="lab")
    for i, page in enumerate(pages):
        (site / page.html_name).write_text(render_page(exporter, pages, i, args.binder), encoding="utf-8")
    profiles = {p.profile for p in pages}
    if len(profiles) == 1:
        profile_line = PROFILE_NOTES[profiles.pop()]
    else:
        profile_line = ("These pages come from different profiles (" + ", ".join(
            f"{p.path.stem}: {p.profile}" for p in pages) + "); each page says which. " + PROFILE_NOTES["quick"])
    (site / "index.html").write_text(render_index(pages, profile_line, args.binder), encoding="utf-8")

    timings["total"] = round(sum(timings.values()), 1)
    (out / "timings.json").write_text(json.dumps({"profile": profile, "seconds": timings, "pages": info}, indent=1))
    print(f"wrote {site / 'index.html'} ({len(pages)} pages); executed {len(timings) - 1} notebook(s) "
          f"in {timings['total']} s")
    if failed:
        print(f"notebooks that failed: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
