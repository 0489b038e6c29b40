"""The ``i-see-face`` category: pareidolia photographs from "Faces in Things".

Faces in Things (M. Hamilton et al., ECCV 2024) annotates about 5,000 web images
(from LAION) in which people see a face. Its ``metadata.csv`` (repository
``mhamilton723/FacesInThings``) points each image at one file of the GitHub
repository ``3lbom/pareidolia``. There is no archive and no published checksum, so:

- the selection is made from the metadata alone and committed
  (``data/pareidolia_set.csv``, rebuilt by ``data/build_pareidolia_list.py``):
  about 75 images with exactly one face, rated "Easy" to spot, flagged with nothing
  but 'Interesting', half "Accident" and half "Design";
- every URL names a commit of ``3lbom/pareidolia``, never a branch, so the bytes
  cannot change under the same URL: the pinned commit is the trust anchor;
- each image is fetched on its own with the course's downloader, must decode and
  have the recorded size, and its SHA-256 goes into the manifest at first fetch;
  every later use checks it. A file changed on disk is fetched again; when the
  server's copy then differs from the recorded one too, the image is left out.
- a missing image is skipped and reported; with fewer than :data:`MIN_IMAGES`
  images the category is left out with a warning and the course runs without it;
- a contact sheet (one PNG with every image and its file name) is written on first
  fetch: nobody building this course could look at the images, so a teacher should,
  once, before a class; file names listed in ``exclude.txt`` beside it are dropped.

The images stay their owners' property: the course fetches them for the learner and
never redistributes them.

Layout: ``<data>/facesinthings-demo/i-see-face/<file>.jpg``, a hidden
``.manifest.json``, ``contact_sheet.png`` and the optional ``exclude.txt``.

Public API: :func:`pareidolia_files`, :func:`fetch_pareidolia`, :class:`PareidoliaFetch`,
:func:`read_pareidolia_list`, :func:`build_pareidolia_list`, :func:`metadata_candidates`,
:func:`read_candidates`, :func:`read_pins`, :func:`keep_row`, :func:`write_rows`,
:func:`contact_sheet`, :func:`pinned_url`.
"""

from __future__ import annotations

import csv
import io
import os
import re
import time
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from . import DownloadError, data_root, image_size, read_manifest, say, sha256_file, write_manifest
from . import download as download_file  # the course's downloader; ``download`` below is a flag

METADATA_REPO = "mhamilton723/FacesInThings"
METADATA_COMMIT = "7126735e94e2fda512cb8b7d750c07d9809fa2a6"  # the metadata.csv the extract comes from
METADATA_PREFIX = 64_000  # characters of metadata.csv whose complete rows form the candidate pool
IMAGE_REPO = "3lbom/pareidolia"
RAW_BASE = "https://raw.githubusercontent.com/3lbom/pareidolia"
CATEGORY = "i-see-face"
DIRNAME = "facesinthings-demo"
MANIFEST = ".manifest.json"
SHEET = "contact_sheet.png"
EXCLUDE = "exclude.txt"
N_IMAGES = 75
SEED = 2024
MIN_IMAGES = 50
STRATA = ("Accident", "Design")  # values of "Accident or design?", drawn in equal shares
KEPT_FLAGS = ("", "['Interesting']")  # any other flag (NSFW, ...) excludes a row

DATA = Path(__file__).resolve().parents[2] / "data"
CANDIDATES = DATA / "facesinthings_candidates.csv"
PINS = DATA / "facesinthings_pins.csv"
PAREIDOLIA_LIST = DATA / "pareidolia_set.csv"

CANDIDATE_COLUMNS = ("file", "url", "Is there a face?", "Hard to spot?", "Accident or design?", "Flags", "num_boxes")
PIN_COLUMNS = ("file", "commit", "width", "height", "status", "evidence")
LIST_COLUMNS = ("file", "url", "commit", "width", "height", "accident_or_design", "hard_to_spot", "flags")

_FILE = re.compile(r"\d{9}\.jpg")
_COMMIT = re.compile(r"[0-9a-f]{40}")


def _shard(file: str) -> str:
    """img2dataset's shard folder of an image: 10,000 keys per shard."""
    return f"{int(file[:9]) // 10_000:05d}"


def pinned_url(file: str, commit: str, base: str = RAW_BASE) -> str:
    """Address of ``file`` in ``3lbom/pareidolia`` at ``commit`` (under ``base``)."""
    return f"{base.rstrip('/')}/{commit}/data/{_shard(file)}/{file}"


# --------------------------------------------------------------------------- the selection


def keep_row(row: dict) -> bool:
    """The metadata filter: one face ("Yes", one box), "Easy" to spot, accident or
    design stated, and no flag other than 'Interesting' (an annotator's remark, not
    a content warning; NSFW and every other flag exclude the row)."""
    return (row.get("Is there a face?") == "Yes" and row.get("num_boxes") == "1"
            and row.get("Hard to spot?") == "Easy" and row.get("Accident or design?") in STRATA
            and row.get("Flags", "") in KEPT_FLAGS)


def metadata_candidates(text: str, prefix: int = METADATA_PREFIX) -> list[dict]:
    """Rows of an upstream ``metadata.csv`` (its text) that lie wholly within its
    first ``prefix`` characters and pass :func:`keep_row`, reduced to
    :data:`CANDIDATE_COLUMNS`, in file order."""
    head = text[:prefix]
    head = head[: head.rfind("\n") + 1]
    rows = csv.DictReader(io.StringIO(head, newline=""))
    missing = [c for c in CANDIDATE_COLUMNS if c not in (rows.fieldnames or [])]
    if missing:
        raise ValueError(f"this is not Faces in Things' metadata.csv: columns {missing} are missing.")
    return [{c: r[c] for c in CANDIDATE_COLUMNS} for r in rows if keep_row(r)]


def write_rows(rows: Iterable[dict], columns: Sequence[str], out) -> None:
    """Write dict rows as CSV (header first, ``\\n`` line ends) to a path or text stream."""
    if not hasattr(out, "write"):
        with open(out, "w", newline="", encoding="utf-8") as f:
            return write_rows(rows, columns, f)
    w = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)


def _read_csv(path: Path, columns: Sequence[str], fix: str) -> list[dict]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; {fix}.")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != tuple(columns):
            raise ValueError(f"{path} must have the columns {','.join(columns)}; {fix}.")
        return list(reader)


def read_candidates(path: str | os.PathLike = CANDIDATES) -> list[dict]:
    """The committed candidate pool (the filtered upstream rows), checked."""
    path = Path(path)
    rows = _read_csv(path, CANDIDATE_COLUMNS, "rebuild it with data/build_pareidolia_list.py --metadata FILE")
    bad = [r["file"] for r in rows if not _FILE.fullmatch(r["file"]) or not keep_row(r)
           or r["url"] != pinned_url(r["file"], "main")]  # upstream's own URLs name the branch
    if bad:
        raise ValueError(f"{path}: rows {bad[:3]} are not Faces in Things candidates; rebuild the file.")
    return rows


def read_pins(path: str | os.PathLike = PINS) -> dict[str, dict]:
    """file -> {commit, width, height, status, evidence} for the images looked up in
    ``3lbom/pareidolia``; status ``ok``, or ``absent`` (no such file there);
    evidence says what the pin rests on (see ``data/README.md``)."""
    path = Path(path)
    rows = _read_csv(path, PIN_COLUMNS, "see data/README.md for how the pins were looked up")
    out = {}
    for r in rows:
        if not _FILE.fullmatch(r["file"]) or r["status"] not in ("ok", "absent") or r["file"] in out or (
                r["status"] == "ok" and not (_COMMIT.fullmatch(r["commit"]) and r["width"].isdigit()
                                             and r["height"].isdigit())):
            raise ValueError(f"{path}: malformed or repeated row {r}.")
        out[r["file"]] = r
    return out


def build_pareidolia_list(candidates: Sequence[dict], pins: dict[str, dict], n: int = N_IMAGES,
                          seed: int = SEED) -> list[dict]:
    """The seeded selection as rows of :data:`LIST_COLUMNS`, sorted by file name.

    The pool is split by "Accident or design?"; the first stratum gets ``ceil(n/2)``
    images, the second the rest (or whatever the first could not fill). Each stratum
    is shuffled with ``numpy.random.default_rng([seed, crc32(stratum)])`` and walked
    in that order, skipping images pinned as ``absent``, until its share is full.
    Raises ValueError naming the first image that still needs a pin.
    """
    strata = {s: [r for r in candidates if r["Accident or design?"] == s] for s in STRATA}
    quota = {STRATA[0]: -(-n // 2), STRATA[1]: n // 2}
    quota[STRATA[1]] += max(0, quota[STRATA[0]] - len(strata[STRATA[0]]))
    chosen = []
    for s in STRATA:
        rng = np.random.default_rng([seed, zlib.crc32(s.encode())])
        taken = 0
        for i in rng.permutation(len(strata[s])):
            if taken == quota[s]:
                break
            row = strata[s][int(i)]
            pin = pins.get(row["file"])
            if pin is None:
                raise ValueError(f"{row['file']} (data/{_shard(row['file'])}/ in {IMAGE_REPO}) has no pin: look up "
                                 f"the commit and size of that file and add a row to {PINS.name}.")
            if pin["status"] == "absent":
                continue
            chosen.append({"file": row["file"], "url": pinned_url(row["file"], pin["commit"]),
                           "commit": pin["commit"], "width": pin["width"], "height": pin["height"],
                           "accident_or_design": s, "hard_to_spot": row["Hard to spot?"], "flags": row["Flags"]})
            taken += 1
    return sorted(chosen, key=lambda r: r["file"])


def read_pareidolia_list(path: str | os.PathLike | None = None) -> list[dict]:
    """The committed selection (default ``data/pareidolia_set.csv``), each row checked:
    a nine-digit ``.jpg`` name, a 40-hex commit, the URL of that file at that
    commit, and a width and height in px (empty when unknown)."""
    path = Path(path or PAREIDOLIA_LIST)
    rows = _read_csv(path, LIST_COLUMNS, "regenerate it with `python data/build_pareidolia_list.py`")
    seen = set()
    for r in rows:
        ok = (_FILE.fullmatch(r["file"]) and _COMMIT.fullmatch(r["commit"]) and r["file"] not in seen
              and r["url"] == pinned_url(r["file"], r["commit"])
              and all(r[k] == "" or (r[k].isdigit() and int(r[k]) > 0) for k in ("width", "height")))
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
    and has the recorded size; return (that file, its SHA-256, (width, height))."""
    dest = folder / f".incoming-{row['file']}"
    dest.unlink(missing_ok=True)  # never trust a file an interrupted run left
    download_file(pinned_url(row["file"], row["commit"], base_url), dest, progress=False, timeout=timeout,
                  retries=retries)
    try:
        size = image_size(dest)
        want = (int(row["width"]), int(row["height"])) if row["width"] and row["height"] else None
        if want and size != want:
            raise ValueError(f"{size[0]}x{size[1]} px, expected {want[0]}x{want[1]} px")
    except ValueError:
        dest.unlink(missing_ok=True)
        raise
    return dest, sha256_file(dest), size


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
    base_url = (base_url or os.environ.get("COURSE_PAREIDOLIA_URL") or RAW_BASE).rstrip("/")
    min_images = MIN_IMAGES if min_images is None else min_images
    result = PareidoliaFetch(folder)
    if download:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DownloadError(f"Cannot create {folder} ({type(e).__name__}: {e}); set COURSE_DATA to a folder "
                                "you can write to.") from None
    manifest = read_manifest(target / MANIFEST)
    records = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    excluded = _exclusions(target)
    todo = [r for r in rows if r["file"] not in excluded]
    result.skipped += [(r["file"], f"listed in {target / EXCLUDE}") for r in rows if r["file"] in excluded]
    fetched, in_a_row, repaired = 0, 0, []
    if download and any(not (folder / r["file"]).is_file() for r in todo):
        say(f"Fetching the i-see-face photographs (Faces in Things, {len(todo)} images) into {folder} ...", progress)
    for row in todo:
        name = row["file"]
        path = folder / name
        rec = records.get(name) if isinstance(records.get(name), dict) else None
        if path.is_file():
            if rec and sha256_file(path) == rec.get("sha256"):
                result.paths.append(str(path))
                continue
            if not download:
                result.skipped.append((name, "differs from the file recorded at first fetch, or was never recorded; "
                                             "not used (download=False)"))
                continue
            if rec:
                say(f"{path} is not the file recorded at first fetch (SHA-256 differs); fetching it again.", progress)
                repaired.append(name)
            path.unlink()  # changed, or never recorded (an interrupted run): fetch again
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
        if rec and rec.get("sha256") != digest:
            tmp.unlink()
            result.skipped.append((name, f"the server's copy (SHA-256 {digest[:12]}...) differs from the one recorded "
                                         f"at first fetch ({str(rec.get('sha256'))[:12]}...); left out"))
            continue
        os.replace(tmp, path)
        records[name] = {"sha256": digest, "url": pinned_url(name, row["commit"]), "width": size[0],
                         "height": size[1], "fetched": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        result.paths.append(str(path))
        fetched += 1
    result.paths.sort()
    result.enough = len(result.paths) >= min_images
    missing = [(n, r) for n, r in result.skipped if not r.startswith("listed in")]
    if fetched or repaired:
        manifest.update({"source": f"{IMAGE_REPO} (files pinned to commits), selected from {METADATA_REPO} "
                                   f"metadata.csv at {METADATA_COMMIT}", "files": records})
        write_manifest(target / MANIFEST, manifest)
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


def _refresh_sheet(target: Path, paths: list[str], manifest: dict) -> Path:
    """(Re)draw the contact sheet when the set of images changed; tell the teacher."""
    sheet = target / SHEET
    names = [Path(p).name for p in paths]
    if sheet.is_file() and manifest.get("contact_sheet") == names:
        return sheet
    contact_sheet(paths, sheet, title=f"Faces in Things, course category i-see-face: {len(paths)} images")
    manifest["contact_sheet"] = names
    write_manifest(target / MANIFEST, manifest)
    say(f"LOOK AT THIS ONCE BEFORE A CLASS: {sheet} shows the {len(paths)} i-see-face photographs with their file "
        "names. They are web images (LAION) that nobody building this course could see; to drop one, add its file "
        f"name to {target / EXCLUDE} (one per line).")  # printed even without progress: it is said once
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
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp.png")
    sheet.save(tmp, "PNG")
    os.replace(tmp, out)
    return out


def pareidolia_files(root: str | os.PathLike | None = None, download: bool = True,
                     progress: bool = True) -> list[str] | None:
    """Paths of the usable i-see-face images, or None when the category is left out
    (fewer than :data:`MIN_IMAGES`; the warning says why). Never raises for a
    network or host problem: pareidolia is best-effort."""
    try:
        got = fetch_pareidolia(root, download=download, progress=progress)
    except (DownloadError, OSError, ValueError) as e:
        warnings.warn(f"The i-see-face category is LEFT OUT: {e}. The course runs on with the other categories.",
                      stacklevel=2)
        return None
    return got.paths if got.enough else None
