"""The ``i-see-face`` category: pareidolia photographs from "Faces in Things".

Faces in Things (M. Hamilton et al., ECCV 2024) annotates about 5,000 web images
(from LAION) in which people see a face. Its ``metadata.csv`` (repository
``mhamilton723/FacesInThings``) points each image at one file of the GitHub
repository ``3lbom/pareidolia``. There is no archive and no published checksum, so:

- the selection is made from the metadata alone and shipped with the package
  (``helpers/data/pareidolia_set.csv``, rebuilt by ``data/build_pareidolia_list.py``,
  which holds the selection rules): about 75 images with exactly one face, rated
  "Easy" to spot, flagged with nothing but 'Interesting', half "Accident" and half
  "Design";
- every URL names a commit of ``3lbom/pareidolia``, never a branch, so the bytes
  cannot change under the same URL: the pinned commit is the trust anchor;
- each image is fetched on its own with the course's downloader
  (:func:`helpers.download.download`), must decode (:func:`helpers.stimuli.sets.check_image`)
  and have the recorded size, and its SHA-256 goes into the manifest (written
  atomically, before the file takes its place) at first fetch, with the address it
  really came from; every later use checks it. A file that is not the one recorded
  (changed on disk, or never recorded) is not the course's: it is left alone and not
  used (delete it to have it fetched again). When a fetch again gives other bytes than
  the recorded ones, the image is left out.
- a mirror (``COURSE_PAREIDOLIA_URL``) is recorded as the source of what it served: a
  mirror can serve a picture of the right size that is not the pinned one, and without a
  published checksum only a checksum recorded at an earlier fetch can tell.
- a missing image is skipped and reported; with fewer than :data:`MIN_IMAGES`
  images the category is left out with a warning and the course runs without it;
- a contact sheet (one PNG with every image and its file name) is written on first
  fetch: nobody building this course could look at the images, so a teacher should,
  once, before a class; file names listed in ``exclude.txt`` beside it are dropped.

The images stay their owners' property: the course fetches them for the learner and
never redistributes them.

Layout: ``<data>/facesinthings-demo/i-see-face/<file>.jpg``, a hidden
``.manifest.json``, ``contact_sheet.png`` and the optional ``exclude.txt``.

Only files of the selection that the manifest records with their SHA-256 are ever
replaced in that folder; anything else there (and ``exclude.txt``) is left alone.

Environment variables: ``COURSE_DATA`` (where ``<data>`` is, see
:func:`helpers.config.data_root`), ``COURSE_PAREIDOLIA_URL`` (a mirror keeping the
``<commit>/data/<shard>/<file>`` layout).

Public API: :func:`pareidolia_files`, :func:`fetch_pareidolia`, :class:`PareidoliaFetch`,
:func:`read_pareidolia_list`, :func:`read_table`, :func:`contact_sheet`,
:func:`pinned_url`, :func:`shard`.
"""

from __future__ import annotations

import csv
import os
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont, ImageOps

from helpers.cache import atomic_file, checksum, read_json, remove_inside, verify, write_json
from helpers.config import data_root, package_data
from helpers.download import DownloadError, check_writable, say
from helpers.download import download as download_file  # ``download`` below is a flag, as in demo_set
from helpers.stimuli.sets import check_image

METADATA_REPO = "mhamilton723/FacesInThings"
METADATA_COMMIT = "7126735e94e2fda512cb8b7d750c07d9809fa2a6"  # the metadata.csv the extract comes from
IMAGE_REPO = "3lbom/pareidolia"
RAW_BASE = "https://raw.githubusercontent.com/3lbom/pareidolia"
CATEGORY = "i-see-face"
DIRNAME = "facesinthings-demo"
MANIFEST = ".manifest.json"
MANIFEST_FORMAT = 1
SHEET = "contact_sheet.png"
EXCLUDE = "exclude.txt"
MIN_IMAGES = 50
STRATA = ("Accident", "Design")  # values of "Accident or design?", drawn in equal shares
PAREIDOLIA_LIST = package_data("pareidolia_set.csv")
LIST_COLUMNS = ("file", "url", "commit", "width", "height", "accident_or_design", "hard_to_spot", "flags")
URL_HINT = "COURSE_PAREIDOLIA_URL"  # the environment variable naming a mirror

FILE_NAME = re.compile(r"[0-9]{9}\.jpg")  # Faces in Things' image names: nine ASCII digits (\d is any Unicode digit)
COMMIT = re.compile(r"[0-9a-f]{40}")


def shard(file: str) -> str:
    """img2dataset's shard folder of an image: 10,000 keys per shard."""
    return f"{int(file[:9]) // 10_000:05d}"


def pinned_url(file: str, commit: str, base: str = RAW_BASE) -> str:
    """Address of ``file`` in ``3lbom/pareidolia`` at ``commit`` (under ``base``)."""
    return f"{base.rstrip('/')}/{commit}/data/{shard(file)}/{file}"


# --------------------------------------------------------------------------- the selection


def read_table(path: str | os.PathLike, columns: Sequence[str], fix: str) -> list[dict]:
    """The rows of the CSV file ``path`` as dicts; FileNotFoundError or ValueError,
    ending with ``fix`` (what to do), when it is missing or its header is not ``columns``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; {fix}.")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != tuple(columns):
            raise ValueError(f"{path} must have the columns {','.join(columns)}; {fix}.")
        return list(reader)


def read_pareidolia_list(path: str | os.PathLike | None = None) -> list[dict]:
    """The selection shipped with the package (default ``helpers/data/pareidolia_set.csv``),
    each row checked: a nine-digit ``.jpg`` name (it becomes a path), a 40-hex commit,
    the URL of that file at that commit, and a width and height in px (empty when unknown)."""
    path = Path(path or PAREIDOLIA_LIST)
    rows = read_table(path, LIST_COLUMNS, "regenerate it with `python data/build_pareidolia_list.py`")
    seen = set()
    for r in rows:
        ok = (FILE_NAME.fullmatch(r["file"]) and COMMIT.fullmatch(r["commit"]) and r["file"] not in seen
              and r["url"] == pinned_url(r["file"], r["commit"])
              and all(r[k] == "" or (re.fullmatch("[0-9]+", r[k]) and int(r[k]) > 0) for k in ("width", "height")))
        if not ok:
            raise ValueError(f"{path}: malformed row {r}; regenerate it with data/build_pareidolia_list.py.")
        seen.add(r["file"])
    return rows


# --------------------------------------------------------------------------- fetching


@dataclass
class PareidoliaFetch:
    """What :func:`fetch_pareidolia` found.

    Attributes
    ----------
    folder : the ``i-see-face`` folder
    paths : usable images (str paths), sorted by file name
    skipped : (file, reason) for every selected image that is not in ``paths``
    contact_sheet : the contact sheet PNG, or None when no image is usable
    enough : whether ``paths`` reaches the minimum, i.e. the category can be used
    """

    folder: Path
    paths: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    contact_sheet: Path | None = None
    enough: bool = False


def _exclusions(target: Path) -> set[str]:
    try:
        lines = (target / EXCLUDE).read_text("utf-8").splitlines()
    except OSError:
        return set()
    return {s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#")}


def _fetch_one(row: dict, base_url: str, folder: Path, timeout: float, retries: int) -> tuple[Path, str, tuple]:
    """Download one image next to its final place (hidden name), check that it decodes
    and has the recorded size; return (that file, its checksum, (width, height))."""
    dest = folder / f".incoming-{row['file']}"
    remove_inside(dest, folder)  # our own temporary name: never trust a file an interrupted run left
    download_file(pinned_url(row["file"], row["commit"], base_url), dest, progress=False, timeout=timeout,
                  retries=retries, url_hint=URL_HINT)
    try:
        size = check_image(dest)
        want = (int(row["width"]), int(row["height"])) if row["width"] and row["height"] else None
        if want and size != want:
            raise ValueError(f"{size[0]}x{size[1]} px, expected {want[0]}x{want[1]} px")
    except ValueError:
        remove_inside(dest, folder)
        raise
    return dest, checksum(dest), size


def fetch_pareidolia(
    root: str | os.PathLike | None = None,
    selection: Sequence[dict] | None = None,
    base_url: str | None = None,
    progress: bool = True,
    *,
    download: bool = True,
    min_images: int | None = None,
    timeout: float = 20,
    retries: int = 1,
    give_up_after: int = 3,
) -> PareidoliaFetch:
    """Fetch the selected Faces in Things images that are not here yet, check them all.

    Parameters
    ----------
    root : data folder (default ``$COURSE_DATA``, else the course cache's ``data``)
    selection : rows as from :func:`read_pareidolia_list` (default: the committed list)
    base_url : where ``<commit>/data/<shard>/<file>`` is found (default
        ``$COURSE_PAREIDOLIA_URL``, else raw.githubusercontent.com's copy of
        ``3lbom/pareidolia``); a mirror must keep that layout
    progress : status lines on stderr
    download : when False, nothing is fetched; images already here are still checked
    min_images : fewer usable images than this leave the category out (``enough``
        False); default :data:`MIN_IMAGES`
    timeout, retries : per image, passed to the course's downloader
    give_up_after : stop asking the server after this many failures in a row (it is
        down, or the pinned commit is gone); the rest are reported as not tried

    Returns
    -------
    :class:`PareidoliaFetch`. Never raises for a missing or bad image; raises
    DownloadError only when the data folder cannot be written.
    """
    target = data_root(root) / DIRNAME
    folder = target / CATEGORY
    rows = read_pareidolia_list() if selection is None else list(selection)
    base_url = (base_url or os.environ.get(URL_HINT) or RAW_BASE).rstrip("/")
    min_images = MIN_IMAGES if min_images is None else min_images
    result = PareidoliaFetch(folder)
    if download:
        check_writable(folder)
    manifest = read_json(target / MANIFEST) or {}
    if manifest.get("format") != MANIFEST_FORMAT:  # another format: its records do not count
        manifest = {}
    records = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    excluded = _exclusions(target)
    todo = [r for r in rows if r["file"] not in excluded]
    result.skipped += [(r["file"], f"listed in {target / EXCLUDE}") for r in rows if r["file"] in excluded]
    fetched, in_a_row = 0, 0
    mirror = base_url != RAW_BASE
    if download and any(not (folder / r["file"]).is_file() for r in todo):
        say(f"Fetching the i-see-face photographs (Faces in Things, {len(todo)} images) into {folder} ...", progress)
    for row in todo:
        name = row["file"]
        path = folder / name
        rec = records.get(name) if isinstance(records.get(name), dict) else None
        if path.exists() or path.is_symlink():
            if rec and path.is_file() and not path.is_symlink() and verify(path, str(rec.get("checksum"))):
                result.paths.append(str(path))
                continue
            # Not the file the course recorded (changed, or put there by someone): not ours to replace.
            result.skipped.append((name, f"{path} is not the file the course recorded (changed since, or not "
                                         "written by the course); left alone and not used: delete it to have it "
                                         "fetched again"))
            continue
        if not download:
            result.skipped.append((name, "not fetched yet (download=False)"))
            continue
        if in_a_row >= give_up_after:
            result.skipped.append((name, f"not tried: the {give_up_after} images before it failed"))
            continue
        try:
            tmp, digest, size = _fetch_one(row, base_url, folder, timeout, retries)
        except (DownloadError, ValueError) as e:
            result.skipped.append((name, str(e)))
            in_a_row += 1
            continue
        in_a_row = 0
        if rec and rec.get("checksum") != digest:
            remove_inside(tmp, folder)
            result.skipped.append((name, f"the server's copy ({digest[:19]}...) differs from the one recorded at "
                                         f"first fetch ({str(rec.get('checksum'))[:19]}...); left out"))
            continue
        records[name] = {"checksum": digest, "url": pinned_url(name, row["commit"], base_url),
                         "pinned_url": pinned_url(name, row["commit"]), "width": size[0], "height": size[1],
                         "verified": (f"decodes, {size[0]}x{size[1]} px" + (
                             f"; served by the mirror {base_url}, bytes never compared with the pinned original"
                             if mirror and not rec else "; same SHA-256 as the earlier fetch" if rec else "")),
                         "fetched": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        # The record first, then the file: a run killed in between leaves no unrecorded file.
        manifest.update({"format": MANIFEST_FORMAT, "files": records, "source": _source(records)})
        write_json(target / MANIFEST, manifest)
        os.replace(tmp, path)
        result.paths.append(str(path))
        fetched += 1
    result.paths.sort()
    result.enough = len(result.paths) >= min_images
    missing = [(n, r) for n, r in result.skipped if not r.startswith("listed in")]
    if result.paths and download:
        result.contact_sheet = _refresh_sheet(target, result.paths, manifest)
    elif (target / SHEET).is_file():
        result.contact_sheet = target / SHEET
    if missing and (fetched or not download or not result.enough):
        say(f"{len(missing)} of the {len(rows)} i-see-face images are not available, e.g. "
            + "; ".join(f"{n}: {r}" for n, r in missing[:3]), progress)
    if not result.enough:
        warnings.warn(
            f"The i-see-face category is LEFT OUT: only {len(result.paths)} of {len(rows)} Faces in Things images are "
            f"available (at least {min_images} are needed for a fair comparison); reasons, e.g.: "
            + "; ".join(f"{n}: {r}" for n, r in missing[:3])
            + ". The course runs on with the other categories. Run again later, set COURSE_PAREIDOLIA_URL to a "
            "mirror, or add your own photos (see data/README.md).", stacklevel=2)
    return result


def _source(records: dict) -> str:
    """Where the recorded images came from, in words: the pinned host, and every mirror."""
    hosts = sorted({str(r.get("url", "")).rsplit("/", 4)[0] for r in records.values() if isinstance(r, dict)})
    mirrors = [h for h in hosts if h and h != RAW_BASE]
    return (f"{IMAGE_REPO} (files pinned to commits), selected from {METADATA_REPO} metadata.csv at {METADATA_COMMIT}"
            + (f"; some or all fetched from the mirror(s) {', '.join(mirrors)} (see each file's url and verified)"
               if mirrors else ""))


def _refresh_sheet(target: Path, paths: list[str], manifest: dict) -> Path:
    """(Re)draw the contact sheet when the set of images changed; tell the teacher."""
    sheet = target / SHEET
    names = [Path(p).name for p in paths]
    if sheet.is_file() and manifest.get("contact_sheet") == names:
        return sheet
    contact_sheet(paths, sheet, title=f"Faces in Things, course category i-see-face: {len(paths)} images")
    manifest.update({"format": MANIFEST_FORMAT, "contact_sheet": names})
    write_json(target / MANIFEST, manifest)
    say(f"LOOK AT THIS ONCE BEFORE A CLASS: {sheet} shows the {len(paths)} i-see-face photographs with their file "
        "names. They are web images (LAION) that nobody building this course could see; to drop one, add its file "
        f"name to {target / EXCLUDE} (one per line).", True)  # printed even without progress: it is said once
    return sheet


def contact_sheet(paths: Sequence[str | os.PathLike], out: str | os.PathLike, thumb: int = 128, columns: int = 10,
                  title: str = "") -> Path:
    """Draw a grid of thumbnails (``thumb`` px, ``columns`` per row) with each file's
    name below it, and ``title`` on top, into the PNG ``out`` (written atomically)."""
    font = ImageFont.load_default()
    label_h, pad, title_h = 14, 6, 22 if title else 0
    rows = max(1, -(-len(paths) // columns))
    cell_w, cell_h = thumb + pad, thumb + label_h + pad
    sheet = Image.new("RGB", (columns * cell_w + pad, rows * cell_h + pad + title_h), "white")
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((pad, 4), title, fill="black", font=font)
    for i, p in enumerate(paths):
        x, y = pad + (i % columns) * cell_w, title_h + pad + (i // columns) * cell_h
        with Image.open(p) as img:
            tile = ImageOps.contain(ImageOps.exif_transpose(img).convert("RGB"), (thumb, thumb))
        sheet.paste(tile, (x + (thumb - tile.width) // 2, y + (thumb - tile.height) // 2))
        draw.text((x, y + thumb + 1), Path(p).name, fill="black", font=font)
    with atomic_file(out, "wb") as f:
        sheet.save(f, "PNG")
    return Path(out)


def pareidolia_files(root: str | os.PathLike | None = None, download: bool = True,
                     progress: bool = True) -> PareidoliaFetch | None:
    """:func:`fetch_pareidolia` with the committed selection, for the demo set; None
    when it failed as a whole (the data folder or the list; a warning says so). Never
    raises for a network or host problem: pareidolia is best-effort. Use the images
    only when ``enough`` (the warning for too few has been given)."""
    try:
        return fetch_pareidolia(root, download=download, progress=progress)
    except (DownloadError, OSError, ValueError) as e:
        warnings.warn(f"The i-see-face category is LEFT OUT: {e}. The course runs on with the other categories.",
                      stacklevel=2)
        return None
