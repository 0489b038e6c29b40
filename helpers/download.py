"""Downloading one file: resumable, size-capped, verified before use, with clear errors.

:func:`download` fetches an ``http(s)://`` or ``file://`` address into a ``.part``
file, resumes an interrupted transfer with an HTTP Range request, never reads past
the expected size, and moves the file into place only once its size and checksum
(MD5 and/or SHA-256, or the SHA-256 prefix that torch hub puts in file names) match.
Every failure is a :class:`DownloadError` whose message says what happened and
what to do: HTTP errors, timeouts and cut connections (retried with pauses),
a full disk or an unwritable folder (not retried: waiting does not help), a missing
local file.

Why our own and not pooch or torchvision's utilities
----------------------------------------------------
Decided on their source (pooch 1.9.0 ``downloaders.HTTPDownloader`` and
``core.stream_download``; torchvision 0.28 ``datasets.utils._urlretrieve``):

- Neither resumes: pooch streams each attempt into a fresh temporary file that it
  deletes on failure, torchvision writes straight to the destination. A cut
  connection near the end of a 790 MB archive restarts from zero; on a classroom
  network that is the common failure.
- Neither caps the size: both read until the server stops (pooch takes the length
  only for its progress bar), so a broken mirror can fill a disk.
- torchvision has no timeout (``urlopen`` without one waits forever) and writes
  unverified bytes to the final name; pooch has one, but retries only
  ``requests`` errors and hash mismatches, reports a full disk as the raw OSError,
  and cannot read ``file://`` mirrors (``requests`` has no file adapter).
- pooch verifies after the download, so it cannot check an archive while streaming
  the members we keep out of it, which the course needs for large archives of
  which it keeps a few images; and it would add ``requests``, ``platformdirs`` and
  ``packaging`` to the dependencies.

So this module stays, at about 250 lines, with its behaviour pinned down by
``tests/test_download.py`` against a local server that misbehaves on request.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import os
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

CHUNK = 1 << 16  # bytes per read
BACKOFF_SECONDS = 1.0  # pause before the first retry; doubles each time, at most 8 s
MAX_SIZE = 1 << 33  # 8 GiB: the cap when neither the caller nor the server gives a size
RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


class DownloadError(RuntimeError):
    """A download or extraction failed; the message says what happened and what to do."""


class _LocalError(Exception):
    """Writing the downloaded bytes failed on this machine (not the network's fault)."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


def say(message: str, progress: bool) -> None:
    """A status line on stderr when ``progress``."""
    if progress:
        print(message, file=sys.stderr, flush=True)


def check_writable(folder: Path, env_hint: str = "COURSE_DATA") -> None:
    """Create ``folder`` and a scratch file in it, or raise DownloadError saying how to
    choose another folder (the environment variable ``env_hint``)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as e:
        raise _writable_error(folder, e, env_hint) from None


def _writable_error(folder: Path, err: OSError, env_hint: str) -> DownloadError:
    if err.errno in _DISK_FULL:
        return DownloadError(f"The disk holding {folder} is full ({err.strerror}); free some space or point the "
                             f"environment variable {env_hint} at a folder on another disk.")
    return DownloadError(
        f"Cannot write to the folder {folder} ({type(err).__name__}: {err}). Point the environment variable "
        f"{env_hint} at a folder you can write to (e.g. `export {env_hint}=$HOME/course-data`), or pass root=... ."
    )


def _http_error_message(url: str, code: int, reason: str) -> str:
    hint = ("the file is not at that address; check the URL or set COURSE_DEMO_URL to a mirror"
            if code in (401, 403, 404, 410) else "the server had a problem; try again later or use a mirror "
            "(COURSE_DEMO_URL)")
    return f"Download of {url} failed: the server answered HTTP {code} {reason}; {hint}."


def _fetch_once(url: str, part: Path, size: int | None, timeout: float, progress: bool) -> None:
    """One request: append to ``part`` from its current length (HTTP Range), or start
    again from zero when the server ignores the range. Raises on a short read, and
    DownloadError when the server sends (or announces) more than ``size`` bytes."""
    offset = part.stat().st_size if part.exists() else 0
    limit = MAX_SIZE if size is None else size
    if offset > limit:  # longer than the real file: it cannot be a prefix
        part.unlink()
        offset = 0
    if size is not None and offset == size:
        return  # already complete; the checksum decides
    req = urllib.request.Request(url, headers={"User-Agent": "cnn-selectivity-course", "Accept-Encoding": "identity"})
    if offset:
        req.add_header("Range", f"bytes={offset}-")
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and offset:  # our range starts at or past the end: start over
            e.close()
            part.unlink()
            raise ConnectionError("the server refused to resume (HTTP 416); starting again") from None
        raise
    with resp:
        status = getattr(resp, "status", None) or 200  # file:// answers have no status
        if offset and status != 206:  # the server sent the whole file: restart cleanly
            offset = 0
        elif offset and not (resp.headers.get("Content-Range") or "").startswith(f"bytes {offset}-"):
            part.unlink()  # a range we did not ask for: do not splice it on
            raise ConnectionError(f"the server resumed at the wrong place ({resp.headers.get('Content-Range')})")
        length = resp.headers.get("Content-Length")
        expected = offset + int(length) if length and length.isdigit() else size
        if expected is not None and expected > limit:
            raise DownloadError(f"Download of {url} stopped before it began: the server announces {expected:,} "
                                f"bytes where {limit:,} were expected. The address (or COURSE_DEMO_URL) points at "
                                "another file; check it.")
        from tqdm.auto import tqdm

        bar = tqdm(total=expected, initial=offset, unit="B", unit_scale=True, unit_divisor=1024,
                   desc=part.name[: -len(".part")], disable=not progress, leave=False)
        received = offset
        try:
            try:
                f = open(part, "ab" if offset else "wb")
            except OSError as e:
                raise _LocalError(e) from None
            with f:
                while True:
                    chunk = resp.read(min(CHUNK, limit + 1 - received))
                    if not chunk:
                        break
                    received += len(chunk)
                    if received > limit:
                        f.close()
                        part.unlink()
                        raise DownloadError(f"Download of {url} was stopped: the server sent more than the "
                                            f"expected {limit:,} bytes, so it is not the expected file. Check "
                                            "the address (or COURSE_DEMO_URL).")
                    try:
                        f.write(chunk)
                    except OSError as e:
                        raise _LocalError(e) from None
                    bar.update(len(chunk))
                try:
                    f.flush()
                except OSError as e:
                    raise _LocalError(e) from None
        finally:
            bar.close()
    if expected is not None and received < expected:
        raise http.client.IncompleteRead(b"", expected - received)


def _hash(path: Path, name: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, name).hexdigest()


def download(
    url: str,
    dest: str | os.PathLike,
    md5: str | None = None,
    size: int | None = None,
    progress: bool = True,
    timeout: float = 30,
    retries: int = 3,
    *,
    sha256: str | None = None,
    env_hint: str = "COURSE_DATA",
) -> Path:
    """Download ``url`` to ``dest``, resumably, and verify it before use.

    The bytes go to ``<dest>.part``; an interrupted download resumes from there with
    an HTTP Range request (a server that ignores the range makes it start again from
    zero). Only a file whose size and checksums match is renamed to ``dest``; a
    mismatching one is deleted. An existing ``dest`` that matches is used without
    any request.

    Parameters
    ----------
    url : http(s):// or file:// address
    dest : where the verified file ends up
    md5 : expected MD5 (hex); None skips that check
    size : expected length in bytes; the download stops with an error as soon as the
        server sends more. None: the server's Content-Length, at most :data:`MAX_SIZE`
    progress : show a tqdm progress bar and short status lines (stderr)
    timeout : seconds to wait for the connection and for each read
    retries : further attempts after a timeout, a dropped connection or HTTP 5xx,
        with 1, 2, 4, ... s pauses (at most 8 s); HTTP 4xx, a full disk, an
        unwritable folder and a missing local file are not retried
    sha256 : expected SHA-256 (hex), or a prefix of it of at least 8 digits (torch hub
        file names carry one, e.g. ``vgg16-397923af.pth``)
    env_hint : the environment variable that moves ``dest``'s folder, named in errors

    Returns
    -------
    Path of the verified file.

    Raises
    ------
    DownloadError with what went wrong and what to do.
    """
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https", "file"):
        raise DownloadError(f"Cannot download {url!r}: only http://, https:// and file:// addresses are supported.")
    if sha256 is not None and (len(sha256) < 8 or any(c not in "0123456789abcdef" for c in sha256.lower())):
        raise ValueError(f"sha256 must be hex digits, at least 8 of them; got {sha256!r}.")
    check_writable(dest.parent, env_hint)

    def matches(path: Path) -> str | None:
        """None when ``path`` has the expected checksums, else what differs."""
        if md5 is not None and (got := _hash(path, "md5")) != md5.lower():
            return f"expected MD5 {md5.lower()}, got {got}"
        if sha256 is not None and not (got := _hash(path, "sha256")).startswith(sha256.lower()):
            return f"expected SHA-256 {sha256.lower()}{'…' if len(sha256) < 64 else ''}, got {got}"
        return None

    if dest.exists():
        if matches(dest) is None:
            return dest
        say(f"{dest} does not match the expected checksum; downloading it again.", progress)
        dest.unlink()

    last = None
    for attempt in range(retries + 1):
        if attempt:
            pause = min(8.0, BACKOFF_SECONDS * 2 ** (attempt - 1))
            say(f"Download interrupted ({last}); retrying in {pause:g} s "
                f"(attempt {attempt + 1} of {retries + 1}).", progress)
            time.sleep(pause)
        try:
            _fetch_once(url, part, size, timeout, progress)
            break
        except _LocalError as e:
            kept = (f" The partial file {part} ({part.stat().st_size:,} bytes) is kept: the next run resumes from it."
                    if part.exists() and part.stat().st_size else "")
            raise DownloadError(str(_writable_error(dest.parent, e.error, env_hint)) + kept) from None
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code} {e.reason}"
            e.close()
            if e.code not in RETRY_STATUS or attempt == retries:
                raise DownloadError(_http_error_message(url, e.code, e.reason)) from None
        except (socket.timeout, TimeoutError) as e:
            last = f"no answer within {timeout:g} s"
            if attempt == retries:
                raise DownloadError(f"Download of {url} failed: {last} ({e}); check the network connection, "
                                    "try again later, or use a mirror (COURSE_DEMO_URL).") from None
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, OSError) as e:
            reason = getattr(e, "reason", None) or e
            if scheme == "file":  # a local file: missing or unreadable, retrying will not help
                path = urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
                what = "does not exist" if isinstance(reason, FileNotFoundError) else f"cannot be read ({reason})"
                raise DownloadError(f"Cannot copy {url}: the local file {path} {what}. Check the address "
                                    "(or COURSE_DEMO_URL).") from None
            if isinstance(reason, (socket.timeout, TimeoutError)):
                last = f"no answer within {timeout:g} s"
            elif isinstance(e, http.client.IncompleteRead):
                last = f"connection closed with {e.expected:,} bytes still to come"
            else:
                last = f"{type(e).__name__}: {reason}"
            if isinstance(reason, str):  # e.g. an unknown URL scheme: retrying will not help
                raise DownloadError(f"Cannot download {url}: {reason}.") from None
            if attempt == retries:
                raise DownloadError(
                    f"Download of {url} failed after {retries + 1} attempt(s): {last}. "
                    + (f"The partial file {part} is kept and the next run resumes from it. " if part.exists() else "")
                    + "Check the network connection or use a mirror (COURSE_DEMO_URL)."
                ) from None

    got_size = part.stat().st_size
    if size is not None and got_size != size:
        part.unlink()
        raise DownloadError(f"Download of {url} has the wrong size: expected {size:,} bytes, got {got_size:,}. "
                            "The file was deleted; run again, or check that the URL points at the right file.")
    wrong = matches(part)
    if wrong is not None:
        part.unlink()
        raise DownloadError(f"Download of {url} is corrupt or a different file: {wrong} ({got_size:,} bytes). "
                            "The file was deleted; run again, or check that the URL (or COURSE_DEMO_URL) points "
                            "at the right file.")
    os.replace(part, dest)
    return dest
