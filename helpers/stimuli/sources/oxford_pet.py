"""Dogs of several breeds from Oxford-IIIT Pet, streamed out of its archive.

Oxford-IIIT Pet (O. M. Parkhi, A. Vedaldi, A. Zisserman and C. V. Jawahar, "Cats and
Dogs", CVPR 2012; CC BY-SA 4.0) has about 200 photographs of each of 25 dog and 12
cat breeds in one archive, ``images.tar.gz`` (about 790 MB, MD5
``5c4f3ee8e5d25df40f4fd59a7f44e54c``, as in torchvision's ``OxfordIIITPet``), whose
members are ``images/<breed>_<n>.jpg`` (dog breeds in lower case).

The course keeps :data:`PER_BREED` images of each of :data:`DOG_BREEDS`, without
ever storing the archive: the HTTP stream (:func:`helpers.download.open_stream`) goes
through an MD5 and a streaming ``tarfile`` reader at once; the selected members are
written to a hidden staging folder and moved into place only after the MD5 of the
whole archive matched. A dropped connection is resumed in the same run with an HTTP
Range request (the decoder state is still in memory); a run that fails leaves nothing
behind, and the next run starts again cleanly.

Which images: the list of members is not known before the archive has passed, so
the selection is a pure function of the verified archive. Within a breed, every
member is ranked by ``sha256("<seed>/<member name>")``; the lowest-ranked ones that
decode are kept (a few spares are staged in case one does not decode). The result is
the same for everyone with the same archive, whatever order its members come in, and
is recorded in the manifest.

Layout: ``<data>/oxford-pet-demo/dog/<breed>/<breed>_<n>.jpg`` plus a hidden
``.manifest.json`` (written atomically; files and their SHA-256, checked on every use;
a missing file makes the next fetch stream the archive again). Each breed folder is
replaced as a whole (:func:`helpers.cache.atomic_folder`), and only when everything in it
is a file the manifest records there with its SHA-256 (:func:`helpers.cache.foreign_files`):
a breed folder holding anything else (your own photo, a changed file) stops the fetch with
one line naming it, before anything is downloaded and again before the swap.

Environment variables: ``COURSE_DATA`` (where ``<data>`` is, see
:func:`helpers.config.data_root`), ``COURSE_PET_URL`` (a mirror or ``file://`` copy of
``images.tar.gz``; the MD5 is still checked).

Public API: :func:`pet_dog_files`, :func:`fetch_pet_dogs`, :func:`mix_breeds`,
:func:`member_breed`, :func:`rank`, :data:`DOG_BREEDS`, :data:`PET_URL`, :data:`PET_MD5`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tarfile
import tempfile
import time
import warnings
import zlib
from pathlib import Path
from typing import Sequence

import numpy as np

from helpers.cache import (atomic_folder, checksum, foreign_files, foreign_message, read_json, remove_inside,
    verify, write_json)
from helpers.config import data_root
from helpers.download import DownloadError, check_writable, mirror_checksum, open_stream, say
from helpers.stimuli.sets import check_image, check_name

PET_URL = "https://www.robots.ox.ac.uk/~vgg/data/pets/data/images.tar.gz"
PET_MD5 = "5c4f3ee8e5d25df40f4fd59a7f44e54c"
#: Five breeds that differ in size, coat, colour and face; all are ImageNet classes too.
DOG_BREEDS = ("beagle", "chihuahua", "newfoundland", "pug", "samoyed")
CALTECH_BREED = "dalmatian"  # what the Caltech-101 dogs are
PER_BREED = 15
SPARES = 3
SEED = 2012
CATEGORY = "dog"
DIRNAME = "oxford-pet-demo"
MANIFEST = ".manifest.json"
MANIFEST_FORMAT = 1
URL_HINT = "COURSE_PET_URL"  # the environment variable naming a mirror

_MEMBER = re.compile(r"images/([a-z_]+)_([0-9]{1,5})\.jpg")  # [0-9], not \d: \d matches any Unicode digit


def member_breed(name: str, breeds: Sequence[str] = DOG_BREEDS) -> tuple[str, str] | None:
    """(breed, file name) when the archive member ``name`` is exactly
    ``images/<breed>_<n>.jpg`` for one of ``breeds``, else None. Anything else
    (other breeds, cats, ``..``, absolute or nested paths) is never kept, and the
    member name itself never becomes a path. The file name keeps the member's digits as
    they are (``beagle_3`` and ``beagle_003`` are two images, two files)."""
    m = _MEMBER.fullmatch(name)
    if not m or m.group(1) not in breeds:
        return None
    return m.group(1), f"{m.group(1)}_{m.group(2)}.jpg"


def rank(name: str, seed: int = SEED) -> str:
    """Selection key of an archive member: hex SHA-256 of ``"<seed>/<name>"``."""
    return hashlib.sha256(f"{seed}/{name}".encode()).hexdigest()


def _stage_members(stream, stage: Path, breeds: Sequence[str], keep: int, seed: int) -> dict[str, list[tuple]]:
    """Read the tar.gz from ``stream`` once; write the ``keep`` lowest-ranked members
    of each breed to ``stage/<breed>/``. Returns breed -> sorted [(rank, file name)]."""
    kept: dict[str, list[tuple]] = {b: [] for b in breeds}
    seen: set[str] = set()
    with tarfile.open(fileobj=stream, mode="r|gz") as tar:
        for member in tar:
            hit = member_breed(member.name, breeds) if member.isfile() else None
            if hit is None:
                continue
            breed, fname = hit
            if fname in seen:  # two members, one file: not the archive the course expects
                raise tarfile.TarError(f"it holds the member {member.name} twice")
            seen.add(fname)
            key = (rank(member.name, seed), fname)
            slots = kept[breed]
            if len(slots) == keep and key >= slots[-1]:
                continue
            out = stage / breed / fname  # our own path, built from checked parts only
            out.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
            slots.append(key)
            slots.sort()
            if len(slots) > keep:
                (stage / breed / slots.pop()[1]).unlink()
    return kept


def _complete(target: Path, breeds: Sequence[str], per_breed: int, seed: int) -> dict | None:
    """breed -> paths from the manifest in ``target`` when its files are all present and
    unchanged and it was made for the same breeds, count and seed; else None."""
    try:
        return _complete_files(target, read_json(target / MANIFEST) or {}, breeds, per_breed, seed)
    except (ValueError, TypeError, AttributeError, OSError):  # a damaged or hand-edited manifest
        return None


def _complete_files(target: Path, manifest: dict, breeds: Sequence[str], per_breed: int, seed: int) -> dict | None:
    files = manifest.get("files")
    if (not isinstance(files, dict) or manifest.get("format") != MANIFEST_FORMAT
            or manifest.get("complete", True) is not True
            or manifest.get("breeds") != list(breeds) or manifest.get("per_breed") != per_breed
            or manifest.get("seed") != seed):
        return None
    out = {}
    for breed in breeds:
        recs = files.get(breed)
        if not isinstance(recs, dict) or len(recs) != per_breed:
            return None
        paths = []
        for fname, digest in sorted(recs.items()):
            path = target / CATEGORY / check_name(breed, "breed") / check_name(fname, "file name")
            if not path.is_file() or not verify(path, str(digest)):
                return None
            paths.append(str(path))
        out[breed] = paths
    return out


def fetch_pet_dogs(
    root: str | os.PathLike | None = None,
    url: str | None = None,
    md5: str | None = None,
    progress: bool = True,
    *,
    breeds: Sequence[str] = DOG_BREEDS,
    per_breed: int = PER_BREED,
    seed: int = SEED,
    timeout: float = 30,
    retries: int = 3,
) -> dict[str, list[str]]:
    """Stream Oxford-IIIT Pet's image archive once and keep ``per_breed`` dogs per breed.

    Parameters
    ----------
    root : data folder (default ``$COURSE_DATA``, else the course cache's ``data``)
    url : archive address (default ``$COURSE_PET_URL``, else the authors' server);
        a mirror or ``file://`` copy works, the MD5 is still checked; a ``#md5=<hex>``
        fragment gives another file's MD5 (a stand-in: :func:`helpers.download.mirror_checksum`)
    md5 : expected MD5 of the whole archive, hex (default :data:`PET_MD5`)
    progress : status lines on stderr
    breeds : Oxford-IIIT Pet dog breeds (lower case, as in the member names)
    per_breed : images kept per breed
    seed : selection seed (see the module docstring)
    timeout : seconds to wait for the connection and for each read
    retries : reconnections (HTTP Range) after a dropped connection

    Returns
    -------
    breed -> sorted image paths (str). Files already there and matching the manifest
    are used without any request.

    Raises
    ------
    DownloadError when the archive cannot be fetched, is not the expected file (MD5),
    or lacks enough images of a breed (nothing from that attempt is kept), or when a
    breed folder holds files the course did not put there (nothing is downloaded).
    """
    asked_md5 = md5
    md5 = PET_MD5 if md5 is None else md5
    for b in breeds:
        check_name(b, "breed")
    target = data_root(root) / DIRNAME
    done = _complete(target, breeds, per_breed, seed)
    if done is not None:
        return done
    url, given = mirror_checksum(url or os.environ.get(URL_HINT) or PET_URL)
    if asked_md5 is None:  # a stand-in mirror's own MD5, unless the caller gave one
        md5 = given.get("md5", md5)
    dog = target / CATEGORY
    check_writable(dog)
    _check_ours(target, breeds)
    for stale in target.glob(".stage-*"):  # left by a run that was killed
        remove_inside(stale, target)
    stage = Path(tempfile.mkdtemp(prefix=".stage-", dir=target))
    say(f"Fetching {per_breed} dogs of each of {len(breeds)} breeds from Oxford-IIIT Pet ({url}, about 790 MB, "
        f"streamed; only the selected {per_breed * len(breeds)} images are kept) into {target} ...", progress)
    try:
        with open_stream(url, timeout, retries, progress, algorithm="md5", url_hint=URL_HINT) as stream:
            try:
                staged = _stage_members(stream, stage, breeds, per_breed + SPARES, seed)
                stream.drain()
            except DownloadError as e:
                raise DownloadError(f"{e} Nothing was kept; run again (it starts from the beginning).") from None
            except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
                raise DownloadError(f"{url} could not be read as a tar.gz archive ({type(e).__name__}: {e}). "
                                    "Nothing was kept; check that the URL (or COURSE_PET_URL) points at "
                                    "Oxford-IIIT Pet's images.tar.gz.") from None
        got = stream.hash.hexdigest()
        if got != md5.lower():
            raise DownloadError(f"Download of {url} is corrupt or a different file: expected MD5 {md5.lower()}, got "
                                f"{got} ({stream.offset:,} bytes). Nothing was kept; run again, or check the URL "
                                f"(or {URL_HINT}).")
        chosen, problems = {}, []
        for breed in breeds:
            good = []
            for _, fname in staged[breed]:
                if len(good) == per_breed:
                    break
                try:
                    check_image(stage / breed / fname)
                    good.append(fname)
                except ValueError as e:
                    problems.append(f"{breed}/{fname}: {e}")
            if len(good) < per_breed:
                raise DownloadError(f"The archive {url} (MD5 verified) has only {len(good)} usable images of the "
                                    f"breed {breed!r}, {per_breed} needed ({problems[:3]}). Nothing was kept; is the "
                                    "breed name right?")
            chosen[breed] = good
        old = _check_ours(target, breeds)  # again: streaming took a while
        records = {b: {f: checksum(stage / b / f) for f in names} for b, names in chosen.items()}
        # Record the old and the new files before the swap, so that a run killed half-way leaves
        # nothing unrecorded; "complete": False makes the next run stream again.
        write_json(target / MANIFEST, {"format": MANIFEST_FORMAT, "complete": False,
                                       "files": {b: {**old[dog / b], **records[b]} for b in breeds}})
        for breed, names in chosen.items():
            with atomic_folder(dog / breed) as fresh:  # replaces <data>/oxford-pet-demo/dog/<breed>: ours only
                for fname in names:
                    os.replace(stage / breed / fname, fresh / fname)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    write_json(target / MANIFEST, {
        "format": MANIFEST_FORMAT, "source": url, "md5": md5.lower(), "archive_bytes": stream.offset,
        "breeds": list(breeds), "per_breed": per_breed, "seed": seed, "files": records, "complete": True,
        "unreadable_skipped": problems, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })
    say(f"Oxford-IIIT Pet dogs ready in {target / CATEGORY} ({', '.join(breeds)}).", progress)
    return {b: [str(dog / b / f) for f in sorted(records[b])] for b in breeds}


def _check_ours(target: Path, breeds: Sequence[str]) -> dict[Path, dict[str, str]]:
    """Breed folder -> {file name: SHA-256} the manifest records as written there; raises
    DownloadError naming the first thing in a breed folder that the course did not write."""
    files = (read_json(target / MANIFEST) or {}).get("files")
    files = files if isinstance(files, dict) else {}
    written = {target / CATEGORY / b: {str(f): str(d) for f, d in files[b].items()}
               if isinstance(files.get(b), dict) else {} for b in breeds}
    found = foreign_files(written)
    if found:
        raise DownloadError(foreign_message(found, "fetch the Oxford-IIIT Pet dogs"))
    return written


def pet_dog_files(root: str | os.PathLike | None = None, download: bool = True,
                  progress: bool = True) -> dict[str, list[str]] | None:
    """breed -> paths of the Oxford-IIIT Pet dogs, or None (with a warning) when they
    cannot be had; the demo set then keeps the Caltech Dalmatians alone."""
    if not download:
        return _complete(data_root(root) / DIRNAME, DOG_BREEDS, PER_BREED, SEED)
    try:
        return fetch_pet_dogs(root, progress=progress, breeds=DOG_BREEDS, per_breed=PER_BREED, seed=SEED)
    except (DownloadError, OSError, ValueError) as e:
        warnings.warn(f"Oxford-IIIT Pet dogs left out: {e} The dog category keeps the Caltech-101 Dalmatians only, "
                      "so breeds cannot be compared.", stacklevel=2)
        return None


def mix_breeds(pet: dict[str, list[str]], dalmatians: Sequence[str], per_breed: int | None = None,
               seed: int = SEED) -> tuple[list[str], list[str]]:
    """The dog category with several breeds: the Oxford-IIIT Pet breeds plus a seeded
    ``per_breed`` of the Caltech Dalmatians (all of them when there are fewer), so
    that every breed has the same weight.

    ``per_breed`` defaults to the largest number of images of a ``pet`` breed.
    Returns (paths, breed of each path), breeds in sorted order, Dalmatians included.
    """
    if per_breed is None:
        per_breed = max((len(v) for v in pet.values()), default=PER_BREED)
    dal = sorted(dalmatians)
    if len(dal) > per_breed:
        rng = np.random.default_rng([seed, zlib.crc32(CALTECH_BREED.encode())])
        dal = [dal[i] for i in sorted(rng.choice(len(dal), size=per_breed, replace=False))]
    groups = dict(pet)
    if dal:
        groups[CALTECH_BREED] = dal
    paths, labels = [], []
    for breed in sorted(groups):
        paths += groups[breed]
        labels += [breed] * len(groups[breed])
    return paths, labels
