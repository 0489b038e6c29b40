"""The course's on-disk caches: atomic writes, checksums, format versions, load-or-compute.

Every cache of the course (activations, selectivity results, untrained weights) and
the demo set's manifest go through this module, so that a result on disk is always
either complete and verified or absent:

- :func:`atomic_file` and :func:`atomic_folder` write to a hidden temporary name in
  the destination's folder, flush and ``fsync`` it, and move it into place with
  ``os.replace`` only when the writing code finished. On any exception, also
  ``KeyboardInterrupt`` (Ctrl-C), the temporary is removed. A run killed outright
  (SIGKILL, power loss) cannot clean up; the next write into that folder sweeps its
  leftovers (:func:`sweep`).
- :func:`digest_buffers` gives content keys of data in memory (model weights, pixels)
  with XXH3-128 (:data:`CONTENT_HASH`), :func:`checksum` the checksums of files:
  SHA-256 (:data:`HASH`) for downloads, whose publishers state SHA-256, XXH3-128 for
  the course's own cache entries (see :data:`CONTENT_HASH` for why and the timings).
- :func:`write_entry` / :func:`read_entry` store a folder of files with a
  ``meta.json`` holding a format version, the key it was computed for and a
  checksum of every file; :func:`read_entry` refuses anything that does not match.
- :func:`load_or_compute` puts these together: read a verified entry, or compute,
  store and return; a broken entry is reported and recomputed, an unusable cache
  folder only costs the caching.
- :func:`remove_inside` deletes a path only when it lies inside a given root, so a
  bad name can never make the course delete anything outside its own folders;
  :func:`foreign_files` finds, file by file, what the course did not write and record
  in a folder it filled earlier: such a folder is never replaced.
- :func:`write_json` / :func:`read_json`: manifests, written atomically, read as
  "absent" when anything is wrong with them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import xxhash

#: Checksums of downloaded files: the algorithm their publishers state (torch hub's file
#: names carry a SHA-256 prefix, datasets list SHA-256 sums), so it must stay SHA-256.
HASH = "sha256"
#: Content keys of data in memory (:func:`digest_buffers`: VGG16's weights for every
#: activation cache key, in-memory pixels) and checksums of the course's own cache entries.
#: Speed matters here, because :func:`helpers.cnn.models.fingerprint` hashes all 553 MB of
#: VGG16's parameters and buffers on every cached ``collect()`` call (an in-place lesion
#: through ``weight.data`` is invisible to torch's version counters, so nothing short of
#: the values will do). Measured with ``benchmarks/fingerprint_bench.py`` on 2 cores: the
#: fastest sound choice of the standard library, SHA-256 in two threads (SHA-NI), took
#: 0.17 s idle and 0.31 s under load 4-5 (SHA-1 0.16 s, BLAKE2b 0.42 s, MD5 0.74 s idle;
#: CRC-32, 0.08 s, gives 32 bits and is linear: no key); XXH3-128 (the ``xxhash``
#: package) took 0.018 s idle and 0.021 s under that load (best of 3; the whole
#: fingerprint 0.022-0.024 s), in one thread: it releases the GIL, but two threads were
#: no faster (0.023 s), as one core already reads about as fast as memory delivers. That
#: is the floor of any key that reads every value once. XXH3 is not cryptographic:
#: someone able to craft colliding weights could make the cache serve another model's
#: activations, but only someone who can already write to the cache folder. Against
#: accidental collisions 128 bits are ample.
CONTENT_HASH = "xxh3_128"
STALE_SECONDS = 24 * 3600  # temporaries of other machines (or recycled pids) older than this are swept
_TMP_MARK = ".tmp-"  # every temporary name holds this, after the destination's name


class CacheError(ValueError):
    """A cache entry is missing, incomplete or corrupt."""


class StaleEntry(CacheError):
    """A cache entry of another format version or computed for another key."""


# --------------------------------------------------------------------------- hashing


def _hasher(algorithm: str):
    """A new hash object (``update``, ``hexdigest``) of ``algorithm``: :data:`CONTENT_HASH`
    or a name of :mod:`hashlib`."""
    if algorithm == CONTENT_HASH:
        return xxhash.xxh3_128()
    return hashlib.new(algorithm)


def digest_buffers(buffers: Iterable) -> str:
    """Content key of a sequence of byte buffers (``bytes``, ``memoryview``, C-contiguous
    arrays), with :data:`CONTENT_HASH`.

    Each buffer's length goes into the hash before its bytes, so the result depends on
    the bytes, their order and where buffers begin (``[b"ab"]`` and ``[b"a", b"b"]``
    differ). One pass, one thread: VGG16's 553 MB in about 0.02 s.

    Returns ``"<CONTENT_HASH>:<hex digest>"``.
    """
    h = xxhash.xxh3_128()
    for buf in buffers:
        view = memoryview(buf)
        if view.format != "B" or view.ndim != 1:
            view = view.cast("B")
        h.update(len(view).to_bytes(8, "little"))
        h.update(view)
    return f"{CONTENT_HASH}:{h.hexdigest()}"


def checksum(path: str | os.PathLike, algorithm: str = HASH) -> str:
    """``"<algorithm>:<hex digest>"`` of a file's bytes, read in chunks; ``algorithm`` is
    a name of :mod:`hashlib` (default SHA-256) or :data:`CONTENT_HASH`."""
    with open(path, "rb") as f:
        return f"{algorithm}:" + hashlib.file_digest(f, lambda: _hasher(algorithm)).hexdigest()


def verify(path: str | os.PathLike, expected: str) -> bool:
    """Whether ``path`` has the checksum ``expected`` (``"<algorithm>:<hex>"``)."""
    algorithm, _, _ = str(expected).partition(":")
    if algorithm != CONTENT_HASH and algorithm not in hashlib.algorithms_available:
        return False
    return checksum(path, algorithm) == expected


def key_digest(fields) -> str:
    """A short, stable name for a key: 24 hex digits of SHA-256 over its canonical JSON."""
    text = json.dumps(fields, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:24]


# --------------------------------------------------------------------------- atomic writes


def _host() -> str:
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]


def _tmp_name(dest: Path) -> str:
    # .<name>.tmp-<host>-<pid>-<random>: sweep() reads the host and pid back
    rand = os.urandom(4).hex()
    return f".{dest.name}{_TMP_MARK}{_host()}-{os.getpid()}-{rand}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def sweep(folder: str | os.PathLike) -> list[Path]:
    """Remove leftovers of killed writes in ``folder``; return what was removed.

    A temporary of this machine is stale when the process that wrote it is gone;
    one of another machine (shared folders) when it is older than
    :data:`STALE_SECONDS`. Temporaries of live writers are left alone.
    """
    removed = []
    host = _host()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith(".") or _TMP_MARK not in name:
            continue
        tail = name.rsplit(_TMP_MARK, 1)[1].split("-")
        if len(tail) != 3:
            continue
        their_host, pid = tail[0], tail[1]
        try:
            if their_host == host:
                stale = pid.isascii() and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid))
            else:
                stale = time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS
        except OSError:
            continue
        if stale:
            path = Path(entry.path)
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed.append(path)
    return removed


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_file(dest: str | os.PathLike, mode: str = "wb", encoding: str | None = None) -> Iterator:
    """Write ``dest`` all at once: yields an open file; ``dest`` appears (or is replaced)
    only when the ``with`` block ends normally.

    ``mode`` is "wb" or "w" (text, ``encoding`` default UTF-8). The parent folder
    must exist. Leftovers of killed writes in that folder are swept first.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', not {mode!r}.")
    dest = Path(dest)
    sweep(dest.parent)
    tmp = dest.with_name(_tmp_name(dest))
    kwargs = {} if mode == "wb" else {"encoding": encoding or "utf-8", "newline": ""}
    try:
        with open(tmp, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(dest.parent)


def write_bytes(dest: str | os.PathLike, data: bytes) -> Path:
    """:func:`atomic_file` for bytes already in memory."""
    with atomic_file(dest, "wb") as f:
        f.write(data)
    return Path(dest)


def write_text(dest: str | os.PathLike, text: str) -> Path:
    """:func:`atomic_file` for text (UTF-8)."""
    with atomic_file(dest, "w") as f:
        f.write(text)
    return Path(dest)


def write_json(dest: str | os.PathLike, data) -> Path:
    """:func:`atomic_file` for a JSON document (UTF-8, indented), e.g. a manifest."""
    return write_text(dest, json.dumps(data, indent=1, ensure_ascii=False, default=str))


def read_json(path: str | os.PathLike) -> dict | None:
    """The JSON object stored at ``path``, or None when it is missing, unreadable, not
    JSON or not an object (a manifest that does not count)."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@contextlib.contextmanager
def atomic_folder(dest: str | os.PathLike) -> Iterator[Path]:
    """Build the folder ``dest`` all at once: yields an empty temporary folder beside it
    whose files are fsync'ed and which replaces ``dest`` (and whatever it held) only
    when the ``with`` block ends normally. Leftovers of killed writes are swept first."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    sweep(dest.parent)
    tmp = dest.with_name(_tmp_name(dest))
    tmp.mkdir()
    old = None
    try:
        yield tmp
        for p in tmp.rglob("*"):
            if p.is_file():
                with open(p, "rb") as f:
                    os.fsync(f.fileno())
        if dest.exists() or dest.is_symlink():
            # A folder cannot be replaced by os.replace: move it aside (a temporary name,
            # swept if we die now), move ours in, then delete the old one.
            old = dest.with_name(_tmp_name(dest))
            os.replace(dest, old)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not dest.exists():
            with contextlib.suppress(OSError):
                os.replace(old, dest)
        raise
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                old.unlink()
    _fsync_dir(dest.parent)


# --------------------------------------------------------------------------- removing


def is_inside(path: str | os.PathLike, root: str | os.PathLike) -> bool:
    """Whether ``path``, symbolic links resolved, lies strictly inside ``root``."""
    try:
        real, base = Path(path).resolve(), Path(root).resolve()
    except (OSError, RuntimeError):
        return False
    return real != base and real.is_relative_to(base)


def remove_inside(path: str | os.PathLike, root: str | os.PathLike) -> None:
    """Delete ``path`` (file or folder tree) if it exists, but only when it lies inside
    ``root`` and is not a symbolic link pointing elsewhere.

    Raises ValueError, deleting nothing, for a path outside ``root`` (or ``root`` itself).
    """
    path = Path(path)
    if not (path.exists() or path.is_symlink()):
        return
    if path.is_symlink():
        if not is_inside(path.parent, root) and Path(path.parent).resolve() != Path(root).resolve():
            raise ValueError(f"Refusing to delete {path}: it is not inside {root}.")
        path.unlink()  # the link only, never what it points at
        return
    if not is_inside(path, root):
        raise ValueError(f"Refusing to delete {path}: it is not inside {root}.")
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


#: Marker file that earlier versions of the course put into every folder they fetched.
#: It is the course's own file (never a photo), but no longer a sign of whose the *other*
#: files are: that is decided file by file, by :func:`foreign_files`.
OWNED = ".fetched-by-course"
#: Files an operating system drops into any folder a person opens in a file browser: nobody's
#: photos, deleted with a folder the course replaces.
SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", OWNED})


def foreign_files(records: Mapping[str | os.PathLike, Mapping[str, str | None]]) -> list[Path]:
    """Everything in the given folders that the course did not write and record.

    The one rule of what the course may delete or replace, applied by every fetcher before
    it touches a folder it filled earlier: ``records`` maps each folder to the files the
    course wrote there, file name -> checksum recorded when it wrote it (``"sha256:<hex>"``;
    None only for manifests of earlier versions, which recorded names alone). An entry is
    foreign when its name is not recorded, when its bytes no longer have the recorded
    checksum (someone changed it), or when it is a folder or a symbolic link; a folder
    that is a symbolic link, or a file where the folder should be, is foreign as a whole.
    :data:`SYSTEM_FILES` are nobody's. Missing folders and files are fine.

    Returns the foreign paths, sorted; empty when every folder may be replaced.
    """
    found = []
    for folder, recorded in records.items():
        folder = Path(folder)
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            found.append(folder)
            continue
        if not folder.exists():
            continue
        for path in sorted(folder.iterdir()):
            if path.name in SYSTEM_FILES and path.is_file() and not path.is_symlink():
                continue
            digest = recorded.get(path.name, False)
            if (digest is False or path.is_symlink() or not path.is_file()
                    or (digest is not None and not verify(path, str(digest)))):
                found.append(path)
    return sorted(found)


def foreign_message(found: Sequence[Path], action: str) -> str:
    """One line for a fetch stopped by :func:`foreign_files`: ``action`` (e.g. "replace the
    Oxford-IIIT Pet dogs") was not done because of ``found``, and what to do."""
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return (f"Stopped before anything was changed: to {action} the course would have to delete {found[0]}{more}, "
            "which it did not write (your own file, or one changed since the course fetched it). Move it "
            "elsewhere (or point COURSE_DATA at another folder) and run again.")


# --------------------------------------------------------------------------- entries


META = "meta.json"


def write_entry(folder: str | os.PathLike, key: dict, fmt: int, write: Callable[[Path], dict | None]) -> Path:
    """Store a cache entry atomically.

    ``write(tmp_folder)`` writes the entry's files into ``tmp_folder`` and may return
    extra fields for ``meta.json``. Then ``meta.json`` gets ``format`` (``fmt``),
    ``key`` and the checksum of every file (:data:`CONTENT_HASH`: read back on every cache
    hit), and the folder is moved into place.
    """
    with atomic_folder(folder) as tmp:
        extra = write(tmp) or {}
        files = sorted(p.name for p in tmp.iterdir() if p.is_file())
        meta = dict(extra, format=fmt, key=key,
                    checksums={name: checksum(tmp / name, CONTENT_HASH) for name in files})
        (tmp / META).write_text(json.dumps(meta, indent=1, ensure_ascii=False, default=str), "utf-8")
    return Path(folder)


def read_entry(folder: str | os.PathLike, key: dict | None, fmt: int) -> dict:
    """The ``meta.json`` of a verified entry: same format, same key (unless ``key`` is
    None), every listed file present with its checksum. Raises :class:`StaleEntry` for
    another format or key, :class:`CacheError` for anything missing or corrupt."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / META).read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise CacheError(f"unreadable {META} ({type(e).__name__}: {e})") from None
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        got = meta.get("format") if isinstance(meta, dict) else None
        raise StaleEntry(f"it has format {got!r}, this code reads format {fmt}")
    if key is not None and meta.get("key") != json.loads(json.dumps(key, default=str)):
        raise StaleEntry("its key does not match this request (model, stimuli, layers or code version)")
    checksums = meta.get("checksums")
    if not isinstance(checksums, dict) or not checksums:
        raise CacheError(f"{META} lists no checksums")
    for name, expected in checksums.items():
        path = folder / name
        if Path(name).name != name or not path.is_file():
            raise CacheError(f"{name} is missing")
        if not verify(path, expected):
            raise CacheError(f"{name} does not match its checksum")
    return meta


def load_or_compute(folder: str | os.PathLike, key: dict, fmt: int, load: Callable[[Path, dict], object],
                    compute: Callable[[], object], save: Callable[[object, Path], dict | None],
                    what: str = "cache entry", root: str | os.PathLike | None = None):
    """Read the entry at ``folder`` computed for ``key``, or compute and store it.

    Parameters
    ----------
    load : ``load(folder, meta)`` -> result; may raise :class:`CacheError`, ValueError,
        KeyError or OSError for an entry it cannot use
    compute : ``compute()`` -> result
    save : ``save(result, tmp_folder)`` writes the files (see :func:`write_entry`)
    what : how warnings name the entry
    root : the cache's own folder (default: ``folder``'s parent); a broken entry is
        deleted only inside it

    A broken entry (wrong checksum, unreadable) is reported with a warning, removed and
    recomputed; a :class:`StaleEntry` (other key or format) is silently replaced. When the result
    cannot be stored (read-only or full disk), a warning says so and it is returned anyway.
    """
    folder = Path(folder)
    root = Path(root) if root is not None else folder.parent
    if folder.exists():
        try:
            meta = read_entry(folder, key, fmt)
            return load(folder, meta)
        except (CacheError, ValueError, KeyError, OSError) as e:
            if not isinstance(e, StaleEntry):
                warnings.warn(f"{what} {folder} is unusable ({e}); recomputing.", stacklevel=3)
            with contextlib.suppress(OSError, ValueError):
                remove_inside(folder, root)
    result = compute()
    try:
        write_entry(folder, key, fmt, lambda tmp: save(result, tmp))
    except OSError as e:
        warnings.warn(f"Could not store the {what} in {folder} ({type(e).__name__}: {e}); the result is "
                      "returned but not cached. Set COURSE_CACHE to a writable folder.", stacklevel=3)
    return result


def usable_folder(path: str | os.PathLike) -> str | None:
    """None when ``path`` is (or can be made) a folder this process can write to; else
    the reason, in words."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as e:
        return f"{type(e).__name__}: {e}"
    return None
