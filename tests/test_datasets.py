"""The demo-set downloader, offline: a small archive in Caltech-101's layout served by
a local HTTP server on 127.0.0.1 (``http_server`` in conftest) that can misbehave on request."""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import datasets
from helpers.datasets import DownloadError, download, fetch_demo, select_demo_files
from helpers.stimuli import Preprocess, StimulusSet, load_folder

ROOT = Path(__file__).resolve().parent.parent

# A miniature Caltech-101: folder -> number of images, plus one folder the demo never uses.
SOURCES = (("face", "Faces_easy", 6), ("car", "car_side", 5), ("dog", "dalmatian", 3), ("cup", "cup", 4))
SELECTION = select_demo_files(SOURCES, n_per_category=3, seed=7)


def _jpeg(seed: int, size: int = 24) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


def _caltech_zip(folders: dict[str, int]) -> bytes:
    """zip holding caltech-101/101_ObjectCategories.tar.gz holding
    101_ObjectCategories/<folder>/image_XXXX.jpg, as the real archive does."""
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w:gz") as tar:
        for k, (folder, n) in enumerate(folders.items()):
            for i in range(1, n + 1):
                data = _jpeg(100 * k + i)
                info = tarfile.TarInfo(f"101_ObjectCategories/{folder}/image_{i:04d}.jpg")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    zip_buf = io.BytesIO()
    with zipfile.ZipFile(zip_buf, "w") as zf:
        zf.writestr("caltech-101/101_ObjectCategories.tar.gz", tar_buf.getvalue())
        zf.writestr("caltech-101/show_annotation.m", b"% not used\n")
    return zip_buf.getvalue()


ARCHIVE = _caltech_zip({folder: n for _, folder, n in SOURCES} | {"BACKGROUND_Google": 2})
ARCHIVE_MD5 = hashlib.md5(ARCHIVE).hexdigest()
BLOB = bytes(range(256)) * 400  # 102,400 bytes for the plain download tests
BLOB_MD5 = hashlib.md5(BLOB).hexdigest()


@pytest.fixture
def server(http_server):
    http_server.files.update({"/caltech-101.zip": ARCHIVE, "/blob.bin": BLOB})
    return http_server


@pytest.fixture(autouse=True)
def _fast_and_direct(loopback_only, monkeypatch):
    """No pauses between retries, no proxy between us and 127.0.0.1."""
    monkeypatch.setattr(datasets, "_BACKOFF", 0.0)
    monkeypatch.delenv("COURSE_DEMO_URL", raising=False)
    monkeypatch.delenv("COURSE_EXTRA_CATEGORIES", raising=False)
    monkeypatch.setenv("COURSE_DEMO_SOURCES", "none")  # Caltech alone here; tests/test_sources.py covers the others


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --------------------------------------------------------------------------- the recorded file list


def test_committed_demo_list_is_the_builders_output():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_demo_list", ROOT / "data" / "build_demo_list.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    assert (ROOT / "data" / "demo_set.csv").read_text("utf-8") == builder.render(), \
        "data/demo_set.csv is out of date: run `python data/build_demo_list.py`"
    rows = datasets.read_demo_list()
    assert rows == select_demo_files()
    counts = {c: sum(r[0] == c for r in rows) for c in ("face", "car", "dog", "cup")}
    assert counts == {"face": 75, "car": 75, "dog": 67, "cup": 57}


def test_selection_is_seeded_sorted_and_per_folder():
    rows = select_demo_files(SOURCES, n_per_category=3, seed=7)
    assert rows == SELECTION
    for category, folder, count in SOURCES:
        files = [f for c, fo, f in rows if c == category and fo == folder]
        numbers = [int(f[6:10]) for f in files]
        assert len(files) == min(3, count) and numbers == sorted(set(numbers))
        assert all(1 <= n <= count for n in numbers)
    # a folder's draw does not depend on the others
    alone = select_demo_files(SOURCES[2:3], n_per_category=3, seed=7)
    assert alone == [r for r in rows if r[0] == "dog"]


# --------------------------------------------------------------------------- download()


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
    with pytest.raises(DownloadError, match=f"expected 99 bytes, got {len(BLOB):,}"):
        download(server.url("/blob.bin"), tmp_path / "b", size=99, progress=False, timeout=5, retries=0)
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
    with pytest.raises(DownloadError, match=f"HTTP {status}"):
        download(server.url("/blob.bin"), tmp_path / "blob.bin", progress=False, timeout=5, retries=1)
    assert len(server.requests) == attempts  # 4xx is not retried, 5xx is
    assert _leftovers(tmp_path) == []


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


# --------------------------------------------------------------------------- fetch_demo()


def _fetch(server, root, **kw):
    return fetch_demo(root=root, url=server.url("/caltech-101.zip"), progress=False, md5=ARCHIVE_MD5,
                      size=len(ARCHIVE), selection=SELECTION, timeout=5, retries=1, **kw)


def test_fetch_demo_extracts_the_selection_once(server, tmp_path):
    target = _fetch(server, tmp_path)
    assert target == tmp_path / datasets.DEMO_DIRNAME
    assert _leftovers(tmp_path) == [datasets.DEMO_DIRNAME]  # archive and .part gone
    assert _leftovers(target) == [".manifest.json", "car", "cup", "dog", "face"]
    for category, _, name in SELECTION:
        assert (target / category / name).is_file()
    assert sum(1 for _ in target.rglob("*.jpg")) == len(SELECTION)
    manifest = json.loads((target / ".manifest.json").read_text())
    assert manifest["md5"] == ARCHIVE_MD5 and manifest["folder_sizes_seen"]["Faces_easy"] == 6
    n = len(server.requests)
    assert _fetch(server, tmp_path) == target
    assert len(server.requests) == n, "a complete demo folder must be used without any request"


def test_folder_without_manifest_is_extracted_again_keeping_own_photos(server, tmp_path):
    target = _fetch(server, tmp_path)
    (target / "i-see-face").mkdir()
    (target / "i-see-face" / "socket.jpg").write_bytes(_jpeg(1))
    (target / ".manifest.json").unlink()
    (target / "face" / SELECTION[0][2]).write_bytes(b"half a jpeg")  # damaged by an earlier crash
    n = len(server.requests)
    _fetch(server, tmp_path)
    assert len(server.requests) == n + 1
    assert (target / ".manifest.json").is_file()
    assert (target / "i-see-face" / "socket.jpg").is_file()
    Image.open(target / "face" / SELECTION[0][2]).load()


def test_changed_file_list_is_extracted_again(server, tmp_path):
    target = _fetch(server, tmp_path)
    fewer = [r for r in SELECTION if r[0] != "cup"]
    n = len(server.requests)
    fetch_demo(root=tmp_path, url=server.url("/caltech-101.zip"), progress=False, md5=ARCHIVE_MD5,
               selection=fewer, timeout=5, retries=0)
    assert len(server.requests) == n + 1
    assert list(json.loads((target / ".manifest.json").read_text())["files"]) == ["face", "car", "dog"]


def test_fetch_demo_reports_images_missing_from_the_archive(server, tmp_path):
    selection = SELECTION + [("cup", "cup", "image_0099.jpg")]
    with pytest.raises(DownloadError, match=r"cup/image_0099.jpg: not in the archive"):
        fetch_demo(root=tmp_path, url=server.url("/caltech-101.zip"), progress=False, md5=ARCHIVE_MD5,
                   selection=selection, timeout=5, retries=0)
    target = tmp_path / datasets.DEMO_DIRNAME
    assert not (target / ".manifest.json").exists()
    assert not any(p.name.startswith(".extract-") for p in target.iterdir())


def test_fetch_demo_checksum_mismatch(server, tmp_path):
    with pytest.raises(DownloadError, match="expected MD5"):
        fetch_demo(root=tmp_path, url=server.url("/caltech-101.zip"), progress=False, md5="f" * 32,
                   selection=SELECTION, timeout=5, retries=0)
    assert not (tmp_path / "caltech-101.zip").exists() and not (tmp_path / "caltech-101.zip.part").exists()
    assert not (tmp_path / datasets.DEMO_DIRNAME / ".manifest.json").exists()


def test_read_only_cache_folder_gives_a_clear_error(server, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file where the cache folder should be")
    with pytest.raises(DownloadError, match=r"not-a-folder.*COURSE_DATA"):
        _fetch(server, blocker / "data")
    assert server.requests == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="runs as root, where chmod does not stop writes (the regular-file case covers it)")
def test_chmod_read_only_cache_folder(server, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(DownloadError, match=r"ro.*COURSE_DATA"):
            _fetch(server, ro)
    finally:
        ro.chmod(0o700)


# --------------------------------------------------------------------------- demo_set()


@pytest.fixture
def demo_env(server, tmp_path, monkeypatch):
    """demo_set() with this module's small archive as 'Caltech-101'."""
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("COURSE_DEMO_URL", server.url("/caltech-101.zip"))
    monkeypatch.setattr(datasets, "CALTECH_MD5", ARCHIVE_MD5)
    monkeypatch.setattr(datasets, "CALTECH_SIZE", len(ARCHIVE))
    listing = tmp_path / "demo_set.csv"
    datasets.write_demo_list(SELECTION, listing)
    monkeypatch.setattr(datasets, "DEMO_LIST", listing)
    return tmp_path / "data" / datasets.DEMO_DIRNAME


def test_demo_set_downloads_and_matches_a_bring_your_own_folder(demo_env):
    with pytest.raises(FileNotFoundError, match="fetch_demo"):
        datasets.demo_set(download=False)
    pre = Preprocess(resize=32, crop=32)
    stim = datasets.demo_set(preprocess=pre, progress=False)
    assert isinstance(stim, StimulusSet) and not stim.schematic
    assert stim.categories == ["face", "car", "dog", "cup"]
    assert stim.counts() == {"face": 3, "car": 3, "dog": 3, "cup": 3}
    assert stim.images([0]).shape == (1, 32, 32, 3)
    own = load_folder(demo_env, pre, categories=stim.categories)
    assert own.paths == stim.paths and np.array_equal(own.labels, stim.labels)
    assert own.fingerprint() == stim.fingerprint()


def test_i_see_face_folder_becomes_the_second_category(demo_env):
    datasets.demo_set(progress=False)
    (demo_env / "i-see-face").mkdir()
    for i in range(2):
        (demo_env / "i-see-face" / f"p{i}.jpg").write_bytes(_jpeg(50 + i))
    stim = datasets.demo_set(preprocess=Preprocess(32, 32), progress=False)
    assert stim.categories == ["face", "i-see-face", "car", "dog", "cup"]
    assert stim.counts()["i-see-face"] == 2


def test_extra_categories_folder(demo_env, tmp_path, monkeypatch):
    extra = tmp_path / "extra"
    for name, n in (("i-see-face", 2), ("toy", 1)):
        (extra / name).mkdir(parents=True)
        for i in range(n):
            (extra / name / f"{i}.jpg").write_bytes(_jpeg(70 + i))
    (extra / "toy" / "broken.jpg").write_bytes(b"not an image")
    monkeypatch.setenv("COURSE_EXTRA_CATEGORIES", str(extra))
    with pytest.warns(UserWarning, match="broken.jpg"):
        stim = datasets.demo_set(preprocess=Preprocess(32, 32), progress=False)
    assert stim.categories == ["face", "i-see-face", "car", "dog", "cup", "toy"]
    assert list(stim.counts().values()) == [3, 2, 3, 3, 3, 1]
    assert [p for p, _ in stim.skipped] == [str(extra / "toy" / "broken.jpg")]
    monkeypatch.setenv("COURSE_EXTRA_CATEGORIES", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="COURSE_EXTRA_CATEGORIES"):
        datasets.demo_set(progress=False)


def test_full_profile_default_stimuli_uses_the_demo_set(demo_env):
    from helpers.stimuli import default_stimuli

    stim = default_stimuli("full")
    assert stim.categories == ["face", "car", "dog", "cup"] and stim.preprocess.crop == 224
