"""helpers.download, offline: a local HTTP server on 127.0.0.1 (tests/conftest.py) that
misbehaves on request: cut connections, ignored ranges, HTTP errors, endless streams,
silence; plus a full disk (/dev/full) and local file:// mirrors. Both the downloader
and the streaming reader (open_stream)."""

from __future__ import annotations

import hashlib
import socket
import time
from pathlib import Path

import pytest

from helpers import download as dl
from helpers.download import DownloadError, download

BLOB = bytes(range(256)) * 400  # 102,400 bytes
BLOB_MD5 = hashlib.md5(BLOB).hexdigest()


@pytest.fixture
def server(http_server):
    http_server.files["/blob.bin"] = BLOB
    return http_server


@pytest.fixture(autouse=True)
def _fast_and_direct(direct_network):
    pass


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_good_download_then_cache_without_request(server, tmp_path):
    dest = tmp_path / "blob.bin"
    out = download(server.url("/blob.bin"), dest, md5=BLOB_MD5, size=len(BLOB), progress=True, timeout=5)
    assert out == dest and dest.read_bytes() == BLOB
    assert _leftovers(tmp_path) == ["blob.bin"]
    n = len(server.requests)
    download(server.url("/blob.bin"), dest, md5=BLOB_MD5, progress=False, timeout=5)
    assert len(server.requests) == n


def test_checksum_mismatch_removes_the_file(server, tmp_path):
    dest = tmp_path / "blob.bin"
    with pytest.raises(DownloadError, match="expected MD5 0{32}, got " + BLOB_MD5) as e:
        download(server.url("/blob.bin"), dest, md5="0" * 32, progress=False, timeout=5, retries=0)
    assert "deleted" in str(e.value)
    assert _leftovers(tmp_path) == []


def test_size_mismatch_removes_the_file(server, tmp_path):
    with pytest.raises(DownloadError, match=f"announces {len(BLOB):,} bytes where 99 were expected"):
        download(server.url("/blob.bin"), tmp_path / "b", size=99, progress=False, timeout=5, retries=0)
    assert _leftovers(tmp_path) == []
    short = len(BLOB) + 10  # the server sends less than expected: the size check after the download
    with pytest.raises(DownloadError, match=f"expected {short:,} bytes, got {len(BLOB):,}"):
        download(server.url("/blob.bin"), tmp_path / "b", size=short, progress=False, timeout=5, retries=0)
    assert _leftovers(tmp_path) == []


def test_cut_connection_resumes_with_range(server, tmp_path):
    server.behaviour["/blob.bin"] = {"cut"}
    dest = download(server.url("/blob.bin"), tmp_path / "blob.bin", md5=BLOB_MD5, progress=False,
                    timeout=5, retries=1)
    assert dest.read_bytes() == BLOB
    assert [r for _, r in server.requests] == [None, f"bytes={len(BLOB) // 2}-"]


def test_cut_connection_restarts_cleanly_when_range_is_ignored(server, tmp_path):
    server.behaviour["/blob.bin"] = {"cut", "ignore_range"}
    dest = download(server.url("/blob.bin"), tmp_path / "blob.bin", md5=BLOB_MD5, progress=False,
                    timeout=5, retries=1)
    assert dest.read_bytes() == BLOB
    assert len(server.requests) == 2 and server.requests[1][1] is not None


def test_failed_resume_keeps_only_the_part_file_and_next_run_finishes(server, tmp_path):
    server.behaviour["/blob.bin"] = {"cut_always"}
    dest = tmp_path / "blob.bin"
    with pytest.raises(DownloadError, match="connection closed .* bytes still to come.*resumes") as e:
        download(server.url("/blob.bin"), dest, md5=BLOB_MD5, progress=False, timeout=5, retries=1)
    assert "2 attempt(s)" in str(e.value)
    assert not dest.exists()  # nothing a later run would trust
    assert (tmp_path / "blob.bin.part").stat().st_size == len(BLOB) // 2 + len(BLOB) // 4
    server.behaviour.clear()
    download(server.url("/blob.bin"), dest, md5=BLOB_MD5, progress=False, timeout=5, retries=0)
    assert dest.read_bytes() == BLOB and _leftovers(tmp_path) == ["blob.bin"]


@pytest.mark.parametrize("status, attempts", [(404, 1), (500, 2)])
def test_http_errors(server, tmp_path, status, attempts):
    server.behaviour["/blob.bin"] = status
    with pytest.raises(DownloadError, match=f"HTTP {status}") as e:
        download(server.url("/blob.bin"), tmp_path / "blob.bin", progress=False, timeout=5, retries=1)
    assert len(server.requests) == attempts  # 4xx is not retried, 5xx is
    assert _leftovers(tmp_path) == []
    assert "COURSE_" not in str(e.value)  # no mirror variable unless the caller names one
    with pytest.raises(DownloadError, match=f"HTTP {status}.*COURSE_SOME_URL"):
        download(server.url("/blob.bin"), tmp_path / "blob.bin", progress=False, timeout=5, retries=0,
                 url_hint="COURSE_SOME_URL")


# --------------------------------------------------------------------------- streaming


def _read_all(stream) -> bytes:
    out = b""
    while chunk := stream.read(7777):
        out += chunk
    return out


def test_stream_hashes_everything_and_resumes_a_cut_connection(server):
    server.behaviour["/blob.bin"] = {"cut"}
    with dl.open_stream(server.url("/blob.bin"), timeout=5, retries=1, progress=False) as stream:
        assert _read_all(stream) == BLOB
    assert stream.hash.hexdigest() == BLOB_MD5 and stream.offset == len(BLOB) and stream.reconnects == 1
    assert [r for _, r in server.requests] == [None, f"bytes={len(BLOB) // 2}-"]


def test_stream_skips_forward_when_the_server_ignores_the_range(server):
    server.behaviour["/blob.bin"] = {"cut", "ignore_range"}
    with dl.open_stream(server.url("/blob.bin"), timeout=5, retries=1, progress=False, algorithm="sha256") as stream:
        assert _read_all(stream) == BLOB
    assert stream.hash.hexdigest() == hashlib.sha256(BLOB).hexdigest()


def test_stream_gives_up_after_its_retries_and_caps_the_size(server):
    server.behaviour["/blob.bin"] = {"cut_always"}
    with pytest.raises(DownloadError, match="connection lost after .* 2 reconnection.*COURSE_X_URL"):
        with dl.open_stream(server.url("/blob.bin"), timeout=5, retries=2, progress=False,
                            url_hint="COURSE_X_URL") as stream:
            _read_all(stream)
    server.behaviour["/blob.bin"] = {"endless"}
    with pytest.raises(DownloadError, match=f"more than the expected {len(BLOB):,} bytes"):
        with dl.open_stream(server.url("/blob.bin"), timeout=5, progress=False, size=len(BLOB)) as stream:
            _read_all(stream)
    server.behaviour["/blob.bin"] = 404
    with pytest.raises(DownloadError, match="HTTP 404.*COURSE_X_URL"):
        dl.open_stream(server.url("/blob.bin"), timeout=5, progress=False, url_hint="COURSE_X_URL")


def test_server_that_never_answers_times_out(tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # accepts connections (backlog) but never replies
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/x.zip"
        t0 = time.monotonic()
        with pytest.raises(DownloadError, match="no answer within 1 s"):
            download(url, tmp_path / "x.zip", progress=False, timeout=1, retries=0)
        assert time.monotonic() - t0 < 5
    finally:
        silent.close()
    assert not (tmp_path / "x.zip").exists()


def test_endless_stream_is_cut_at_the_expected_size(server, tmp_path, monkeypatch):
    """A broken mirror that never stops sending cannot fill the disk."""
    server.behaviour["/blob.bin"] = {"endless"}
    t0 = time.monotonic()
    with pytest.raises(DownloadError, match=f"more than the expected {len(BLOB):,} bytes"):
        download(server.url("/blob.bin"), tmp_path / "blob.bin", size=len(BLOB), progress=False, timeout=5)
    assert _leftovers(tmp_path) == [] and len(server.requests) == 1  # not retried
    monkeypatch.setattr(dl, "MAX_SIZE", 5 * len(BLOB))  # no size given: the general cap
    with pytest.raises(DownloadError, match=f"more than the expected {5 * len(BLOB):,} bytes"):
        download(server.url("/blob.bin"), tmp_path / "blob.bin", progress=False, timeout=5)
    assert _leftovers(tmp_path) == [] and time.monotonic() - t0 < 10


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full to fill a 'disk'")
def test_full_disk_is_reported_as_such_and_not_retried(server, tmp_path):
    (tmp_path / "blob.bin.part").symlink_to("/dev/full")  # every write fails with ENOSPC
    with pytest.raises(DownloadError, match=r"disk holding .* is full.*COURSE_DATA") as e:
        download(server.url("/blob.bin"), tmp_path / "blob.bin", md5=BLOB_MD5, progress=False, timeout=5, retries=3)
    assert "network" not in str(e.value)
    assert len(server.requests) == 1


def test_missing_local_file_is_reported_as_such(tmp_path, capsys):
    missing = tmp_path / "mirror" / "nothing-here.zip"
    t0 = time.monotonic()
    with pytest.raises(DownloadError, match="local file .*nothing-here.zip does not exist") as e:
        download(missing.as_uri(), tmp_path / "out.zip", progress=True, retries=3)
    assert "network" not in str(e.value) and "retrying" not in capsys.readouterr().err
    assert time.monotonic() - t0 < 2


def test_sha256_and_its_prefix_are_checked(server, tmp_path):
    full = hashlib.sha256(BLOB).hexdigest()
    download(server.url("/blob.bin"), tmp_path / "a.bin", sha256=full, progress=False, timeout=5)
    download(server.url("/blob.bin"), tmp_path / "b.bin", sha256=full[:8], progress=False, timeout=5)
    with pytest.raises(DownloadError, match="expected SHA-256 00000000…"):
        download(server.url("/blob.bin"), tmp_path / "c.bin", sha256="0" * 8, progress=False, timeout=5)
    assert _leftovers(tmp_path) == ["a.bin", "b.bin"]
    with pytest.raises(ValueError, match="at least 8"):
        download(server.url("/blob.bin"), tmp_path / "d.bin", sha256="abc", progress=False)


def test_file_url_works_for_local_mirrors(tmp_path):
    src = tmp_path / "mirror" / "blob.bin"
    src.parent.mkdir()
    src.write_bytes(BLOB)
    dest = download(src.as_uri(), tmp_path / "out" / "blob.bin", md5=BLOB_MD5, progress=False)
    assert dest.read_bytes() == BLOB


def test_unsupported_address(tmp_path):
    with pytest.raises(DownloadError, match="only http"):
        download("ftp://127.0.0.1/x.zip", tmp_path / "x.zip", progress=False)


def test_unwritable_destination_names_the_folder(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DownloadError, match=r"a-file.*COURSE_DATA"):
        download("http://127.0.0.1:9/never", blocker / "sub" / "x.zip", progress=False)


