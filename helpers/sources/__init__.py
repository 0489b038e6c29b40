"""Image sources added to the Caltech-101 demo set for the paper's categories.

The paper compares faces, face pareidolia ("i-see-face"), cars and dogs; the essay
compares a dog unit's response to other dog breeds with its response to cars and cups.
Caltech-101 (``helpers.datasets``) has faces, cars, cups and one dog breed. Two more
sources fill the gaps, each in its own module:

- :mod:`helpers.sources.facesinthings`: about 75 pareidolia photographs from the
  "Faces in Things" dataset, fetched one by one from URLs pinned to a git commit,
  best-effort (the category is left out, loudly, when fewer than 50 arrive).
- :mod:`helpers.sources.oxford_pet`: 15 photographs of each of five dog breeds from
  Oxford-IIIT Pet, streamed out of its MD5-checked archive without storing it.

:func:`paper_categories` adds both to the Caltech files; ``helpers.datasets.demo_set``
calls it. This module also holds the small pieces both sources share: a check for
names that become paths, SHA-256 of a file, an atomic JSON manifest and a decode check.

Public API: :func:`paper_categories`, :data:`SOURCES`, :func:`check_name`,
:func:`sha256_file`, :func:`read_manifest`, :func:`write_manifest`, :func:`image_size`,
:func:`say`; and, re-exported for the source modules, the course's downloader
(:func:`download`, :class:`DownloadError`, :func:`data_root`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import warnings
from pathlib import Path

from PIL import Image

# The course's downloader, in one line so that moving it is a one-line change here.
from ..datasets import DownloadError, data_root, download  # noqa: F401  (re-exported to the source modules)

__all__ = ["SOURCES", "paper_categories", "check_name", "sha256_file", "read_manifest", "write_manifest",
           "image_size", "say", "download", "DownloadError", "data_root"]

#: The sources :func:`paper_categories` adds by default (``$COURSE_DEMO_SOURCES`` overrides).
SOURCES = ("facesinthings", "oxford-pet")

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def check_name(name: str, what: str = "name") -> str:
    """Return ``name`` if it is safe as one path component, else raise ValueError.

    Safe means: not empty, no path separator, not ``.`` or ``..``, not hidden (no
    leading dot), only letters, digits, ``_``, ``-`` and ``.``. Used for category,
    breed and file names that come from lists or archives before they become paths.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name in (".", ".."):
        raise ValueError(f"{what} {name!r} cannot be used as a file or folder name (only letters, digits, "
                         "'_', '-' and '.', not starting with a dot, no '/' or '\\').")
    return name


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(path: str | os.PathLike) -> dict:
    """The JSON object at ``path``, or ``{}`` when it is missing or unreadable."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_manifest(path: str | os.PathLike, data: dict) -> None:
    """Write ``data`` as JSON to ``path`` atomically (a temporary file, then a rename),
    so that an interrupted run never leaves half a manifest."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), "utf-8")
    os.replace(tmp, path)


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """Fully decode an image file; return (width, height) in px, or raise ValueError
    saying why it cannot be used (not an image, truncated, decompression bomb)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.load()
                return img.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ValueError(f"too large: {e}") from None
    except Image.UnidentifiedImageError:
        raise ValueError("not an image file PIL can read") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise ValueError(f"corrupt or truncated image ({e})") from None


def say(message: str, progress: bool = True) -> None:
    """A status line on stderr (shown under a notebook cell too), when ``progress``."""
    if progress:
        print(message, file=sys.stderr, flush=True)


def _sources_from_env() -> tuple[str, ...]:
    value = os.environ.get("COURSE_DEMO_SOURCES")
    if value is None:
        return SOURCES
    names = tuple(s.strip() for s in value.split(",") if s.strip())
    if names in ((), ("none",)):
        return ()
    unknown = [s for s in names if s not in SOURCES]
    if unknown:
        raise ValueError(f"COURSE_DEMO_SOURCES={value!r} names unknown sources {unknown}; use a comma-separated "
                         f"list of {list(SOURCES)}, or 'none' for Caltech-101 alone.")
    return names


def paper_categories(
    files: dict[str, list[str]],
    root: str | os.PathLike | None = None,
    download: bool = True,
    progress: bool = True,
    sources: tuple[str, ...] | None = None,
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Add the paper's i-see-face category and several dog breeds to the Caltech files.

    Parameters
    ----------
    files : category -> image paths, as found in the Caltech-101 demo folder
        (``dog`` holds the Dalmatians). Not modified.
    root : data folder (default ``$COURSE_DATA``, else the course cache's ``data``)
    download : fetch what is missing; when False, only what is already there is used
    progress : status lines on stderr
    sources : which sources to add (default ``$COURSE_DEMO_SOURCES``, else
        :data:`SOURCES`; ``()`` adds none)

    Returns
    -------
    (files, breeds): a new category -> paths mapping, and image path -> dog breed
    for every image of ``dog`` (empty when Oxford-IIIT Pet is not used).

    Both sources are best-effort: a source that cannot be fetched is reported with a
    warning and left out, and the course runs on without it. An ``i-see-face``
    category already in ``files`` (your own photos) is kept and Faces in Things is
    not fetched. With Oxford-IIIT Pet, ``dog`` becomes 15 images of each of its five
    breeds plus a seeded 15 of the Caltech Dalmatians (six breeds, 90 images);
    without it, ``dog`` stays the Dalmatians.
    """
    from . import facesinthings, oxford_pet

    sources = _sources_from_env() if sources is None else tuple(sources)
    root = data_root(root)
    out = {c: list(p) for c, p in files.items()}
    breeds: dict[str, str] = {}
    if "facesinthings" in sources and not out.get(facesinthings.CATEGORY):
        got = facesinthings.pareidolia_files(root, download=download, progress=progress)
        if got:
            out[facesinthings.CATEGORY] = got
    if "oxford-pet" in sources:
        pet = oxford_pet.pet_dog_files(root, download=download, progress=progress)
        if pet:
            paths, labels = oxford_pet.mix_breeds(pet, out.get(oxford_pet.CATEGORY, []), oxford_pet.PER_BREED)
            out[oxford_pet.CATEGORY] = paths
            breeds.update(zip(paths, labels))
    return out, breeds
