"""Downloading one file: resumable, size-capped, verified before use, with clear errors.

:func:`download` fetches an ``http(s)://`` or ``file://`` address into a ``.part``
file, resumes an interrupted transfer with an HTTP Range request, never reads past
the expected size, and moves the file into place only once its size and checksum
(MD5 and/or SHA-256, or the SHA-256 prefix that torch hub puts in file names) match.
Every failure is a :class:`DownloadError` whose message says what happened and
what to do: HTTP errors, timeouts and cut connections (retried with pauses),
a full disk or an unwritable folder (not retried: waiting does not help), a missing
local file. Errors name the environment variables that help: ``env_hint`` moves the
destination folder, ``url_hint`` points at a mirror (each source has its own).

:func:`open_stream` reads an address as a file object instead, for large archives of
which a few members are kept: nothing is stored, every byte goes through a hash
(checked against the archive's published one at the end), a cut connection is
resumed with a Range request within the same run, and the size is capped too.

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

So this module stays, at about 350 lines of code with the streaming reader, with its
behaviour pinned down by ``tests/test_download.py`` and ``tests/test_sources.py``
against a local server that misbehaves on request.
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


def _or(url_hint: str | None) -> str:
    """" (or COURSE_X_URL)" after "the address", or nothing without a mirror variable."""
    return f" (or {url_hint})" if url_hint else ""


def _use_a_mirror(url_hint: str | None) -> str:
    return f"use a mirror ({url_hint})" if url_hint else "use a mirror"


def _http_error_message(url: str, code: int, reason: str, url_hint: str | None) -> str:
    mirror = f" or set {url_hint} to a mirror" if url_hint else ""
    hint = (f"the file is not at that address; check the URL{mirror}" if code in (401, 403, 404, 410)
            else f"the server had a problem; try again later or {_use_a_mirror(url_hint)}")
    return f"Download of {url} failed: the server answered HTTP {code} {reason}; {hint}."


def _request(url: str, offset: int, timeout: float):
    """Open ``url`` from byte ``offset`` (an HTTP Range request when ``offset`` > 0).

    Returns (response, resumed): ``resumed`` is True when the server answered with the
    range asked for, False when it sends the whole file from byte 0 (it ignored the
    range, or ``offset`` is 0). Raises ConnectionError, the response closed, when the
    server resumed at another place than ``offset``; urllib's errors otherwise.
    """
    req = urllib.request.Request(url, headers={"User-Agent": "cnn-selectivity-course", "Accept-Encoding": "identity"})
    if offset:
        req.add_header("Range", f"bytes={offset}-")
    resp = urllib.request.urlopen(req, timeout=timeout)
    status = getattr(resp, "status", None) or 200  # file:// answers have no status
    if not offset or status != 206:
        return resp, False
    if not (resp.headers.get("Content-Range") or "").startswith(f"bytes {offset}-"):
        resp.close()  # a range we did not ask for: never splice it on
        raise ConnectionError(f"the server resumed at the wrong place ({resp.headers.get('Content-Range')})")
    return resp, True


def _announced(resp, offset: int) -> int | None:
    """The file's full length by the response's Content-Length (``offset`` bytes before it), or None."""
    length = resp.headers.get("Content-Length")
    return offset + int(length) if length and length.isascii() and length.isdigit() else None


def _fetch_once(url: str, part: Path, size: int | None, timeout: float, progress: bool,
                url_hint: str | None = None) -> None:
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
    try:
        resp, resumed = _request(url, offset, timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and offset:  # our range starts at or past the end: start over
            e.close()
            part.unlink()
            raise ConnectionError("the server refused to resume (HTTP 416); starting again") from None
        raise
    except ConnectionError:
        part.unlink()  # resumed elsewhere: start again cleanly
        raise
    with resp:
        if not resumed:  # the whole file: restart cleanly
            offset = 0
        expected = _announced(resp, offset) or size
        if expected is not None and expected > limit:
            raise DownloadError(f"Download of {url} stopped before it began: the server announces {expected:,} "
                                f"bytes where {limit:,} were expected. The address{_or(url_hint)} points at "
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
                                            f"the address{_or(url_hint)}.")
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
    url_hint: str | None = None,
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
    url_hint : the environment variable that points at a mirror of ``url`` (e.g.
        ``COURSE_DEMO_URL``), named in errors about the address or the network; None
        when there is none

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
            _fetch_once(url, part, size, timeout, progress, url_hint)
            break
        except _LocalError as e:
            kept = (f" The partial file {part} ({part.stat().st_size:,} bytes) is kept: the next run resumes from it."
                    if part.exists() and part.stat().st_size else "")
            raise DownloadError(str(_writable_error(dest.parent, e.error, env_hint)) + kept) from None
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code} {e.reason}"
            e.close()
            if e.code not in RETRY_STATUS or attempt == retries:
                raise DownloadError(_http_error_message(url, e.code, e.reason, url_hint)) from None
        except (socket.timeout, TimeoutError) as e:
            last = f"no answer within {timeout:g} s"
            if attempt == retries:
                raise DownloadError(f"Download of {url} failed: {last} ({e}); check the network connection, "
                                    f"try again later, or {_use_a_mirror(url_hint)}.") from None
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, OSError) as e:
            reason = getattr(e, "reason", None) or e
            if scheme == "file":  # a local file: missing or unreadable, retrying will not help
                path = urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
                what = "does not exist" if isinstance(reason, FileNotFoundError) else f"cannot be read ({reason})"
                raise DownloadError(f"Cannot copy {url}: the local file {path} {what}. Check the "
                                    f"address{_or(url_hint)}.") from None
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
                    + f"Check the network connection or {_use_a_mirror(url_hint)}."
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
                            f"The file was deleted; run again, or check that the URL{_or(url_hint)} points "
                            "at the right file.")
    os.replace(part, dest)
    return dest


def mirror_checksum(url: str) -> tuple[str, dict[str, str]]:
    """Split a mirror address into the address to fetch and the checksums its fragment gives.

    A mirror variable (``COURSE_DEMO_URL``, ``COURSE_PET_URL``) may serve another file than
    the source's, e.g. a generated stand-in for a rehearsal; it then names that file's own
    checksum after ``#``, as pip's links do: ``http://host/caltech-101.zip#md5=<32 hex>``
    (or ``#sha256=<64 hex>``). The file is verified against that checksum instead of the
    source's published one. Returns (address without the fragment, {"md5": ...} or {}).

    Raises DownloadError for a fragment that is not one such checksum.
    """
    base, _, fragment = url.partition("#")
    if not fragment:
        return url, {}
    name, _, value = fragment.partition("=")
    want = {"md5": 32, "sha256": 64}.get(name.lower())
    value = value.strip().lower()
    if want is None or len(value) != want or any(c not in "0123456789abcdef" for c in value):
        raise DownloadError(f"The address {url} ends in '#{fragment}', which is not a checksum: a mirror of another "
                            "file names its own as #md5=<32 hex digits> or #sha256=<64 hex digits>.")
    return base, {name.lower(): value}


# --------------------------------------------------------------------------- streaming


class Stream:
    """A read-only binary file object over an ``http(s)://`` or ``file://`` address
    that hashes every byte it hands out and survives cut connections.

    For archives of which only a few members are kept (e.g. ``tarfile.open(fileobj=
    stream, mode="r|gz")``): nothing is written to disk, and a dropped connection is
    resumed with an HTTP Range request from the current offset (a server that ignores
    the range is read from the start, the bytes already seen skipped), up to
    ``retries`` times with 1, 2, 4, ... s pauses, so the reader never notices. Open
    one with :func:`open_stream`.

    Attributes
    ----------
    url : the address
    hash : hashlib object (``algorithm``) over all bytes read so far
    offset : bytes read so far
    length : the file's length as the server announced it, or None
    reconnects : how many times the connection was resumed
    """

    def __init__(self, url: str, timeout: float = 30, retries: int = 3, progress: bool = True,
                 size: int | None = None, algorithm: str = "md5", url_hint: str | None = None):
        self.url, self.timeout, self.retries, self.progress = url, timeout, retries, progress
        self.limit = MAX_SIZE if size is None else size
        self.url_hint = url_hint
        self.hash = hashlib.new(algorithm)
        self.offset, self.reconnects = 0, 0
        self.length: int | None = None
        self._resp = self._open(0)
        from tqdm.auto import tqdm

        self._bar = tqdm(total=self.length, unit="B", unit_scale=True, unit_divisor=1024,
                         desc=urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1], disable=not progress, leave=False)

    def _open(self, offset: int):
        resp, resumed = _request(self.url, offset, self.timeout)
        if offset and not resumed:  # the whole file again: skip what was read already
            skip = offset
            while skip:
                got = resp.read(min(skip, CHUNK))
                if not got:
                    resp.close()
                    raise ConnectionError("the server sent less than before")
                skip -= len(got)
        if self.length is None:
            self.length = _announced(resp, offset if resumed else 0)
            if self.length is not None and self.length > self.limit:
                resp.close()
                raise DownloadError(f"Download of {self.url} stopped: the server announces {self.length:,} bytes "
                                    f"where at most {self.limit:,} were expected. The address{_or(self.url_hint)} "
                                    "points at another file; check it.")
        return resp

    def read(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes (a default-sized chunk for ``n`` < 0); b"" at the end.

        Raises DownloadError when the connection cannot be resumed ``retries`` times,
        or when the server sends more than the size given to :func:`open_stream`.
        """
        n = CHUNK * 16 if n is None or n < 0 else n
        while True:
            try:
                if self._resp is None:
                    self._resp = self._open(self.offset)
                chunk = self._resp.read(n)
                if chunk or self.length is None or self.offset >= self.length:
                    break
                raise http.client.IncompleteRead(b"", self.length - self.offset)
            except (http.client.HTTPException, OSError) as e:  # OSError: URLError, timeouts, resets
                if self._resp is not None:
                    self._resp.close()
                    self._resp = None
                if self.reconnects >= self.retries:
                    raise DownloadError(
                        f"Download of {self.url} failed: connection lost after {self.offset:,} bytes and "
                        f"{self.reconnects} reconnection(s) ({type(e).__name__}: {getattr(e, 'reason', e)}). "
                        f"Check the network connection or {_use_a_mirror(self.url_hint)}.") from None
                self.reconnects += 1
                pause = min(8.0, BACKOFF_SECONDS * 2 ** (self.reconnects - 1))
                say(f"Connection lost after {self.offset:,} bytes; resuming in {pause:g} s "
                    f"({self.reconnects} of {self.retries}).", self.progress)
                time.sleep(pause)
        self.offset += len(chunk)
        if self.offset > self.limit:
            raise DownloadError(f"Download of {self.url} was stopped: the server sent more than the expected "
                                f"{self.limit:,} bytes, so it is not the expected file. Check the "
                                f"address{_or(self.url_hint)}.")
        self.hash.update(chunk)
        self._bar.update(len(chunk))
        return chunk

    def drain(self) -> None:
        """Read to the end, so that :attr:`hash` covers the whole file."""
        while self.read(CHUNK * 16):
            pass

    def close(self) -> None:
        if self._resp is not None:
            self._resp.close()
            self._resp = None
        self._bar.close()

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_stream(url: str, timeout: float = 30, retries: int = 3, progress: bool = True, *,
                size: int | None = None, algorithm: str = "md5", url_hint: str | None = None) -> Stream:
    """Start reading ``url`` as a :class:`Stream` (see there).

    Parameters
    ----------
    url : http(s):// or file:// address
    timeout : seconds to wait for the connection and for each read
    retries : reconnections after a dropped connection
    progress : a tqdm progress bar and status lines (stderr)
    size : most bytes the file may have (default :data:`MAX_SIZE`); more is an error
    algorithm : the hashlib name of :attr:`Stream.hash` (the archive's published checksum)
    url_hint : the environment variable that points at a mirror, named in errors

    Raises
    ------
    DownloadError when the first connection fails (not retried: the address or the
    network is wrong), with what to do.
    """
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https", "file"):
        raise DownloadError(f"Cannot download {url!r}: only http://, https:// and file:// addresses are supported.")
    try:
        return Stream(url, timeout, retries, progress, size, algorithm, url_hint)
    except urllib.error.HTTPError as e:
        e.close()
        raise DownloadError(_http_error_message(url, e.code, e.reason, url_hint)) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
        raise DownloadError(f"Cannot download {url} ({type(e).__name__}: {getattr(e, 'reason', e)}); check the "
                            f"network connection or {_use_a_mirror(url_hint)}.") from None
