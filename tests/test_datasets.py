"""The demo set, offline: a small archive in Caltech-101's layout served by the local
HTTP server of tests/conftest.py; the file list; what fetch_demo must never delete."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import jpeg_bytes
from data import build_demo_list
from helpers import cache
from helpers.stimuli import demo as datasets
from helpers.edge import profiles
from helpers.stimuli.demo import fetch_demo, select_demo_files
from helpers.download import DownloadError
from helpers.stimuli.sets import Preprocess, StimulusSet, load_folder

# A miniature Caltech-101: folder -> number of images, plus one folder the demo never uses.
SOURCES = (("face", "Faces_easy", 6), ("car", "car_side", 5), ("dog", "dalmatian", 3), ("cup", "cup", 4))
SELECTION = select_demo_files(SOURCES, n_per_category=3, seed=7)


def _jpeg(seed: int, size: int = 24) -> bytes:
    return jpeg_bytes(seed, size)


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


@pytest.fixture
def server(http_server):
    http_server.files["/caltech-101.zip"] = ARCHIVE
    return http_server


@pytest.fixture(autouse=True)
def _fast_and_direct(direct_network, monkeypatch):
    monkeypatch.delenv("COURSE_DEMO_URL", raising=False)
    monkeypatch.delenv("COURSE_EXTRA_CATEGORIES", raising=False)
    monkeypatch.setenv("COURSE_DEMO_SOURCES", "none")  # Caltech alone here; tests/test_sources.py covers the others


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --------------------------------------------------------------------------- the recorded file list


def test_committed_demo_list_is_the_builders_output():
    assert datasets.DEMO_LIST.read_text("utf-8") == build_demo_list.render(), \
        "helpers/data/demo_set.csv is out of date: run `python data/build_demo_list.py`"
    assert datasets.DEMO_LIST.parent.name == "data" and datasets.DEMO_LIST.parent.parent.name == "helpers"
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


def test_missing_file_is_extracted_again_keeping_own_photos(server, tmp_path):
    target = _fetch(server, tmp_path)
    (target / "i-see-face").mkdir()
    (target / "i-see-face" / "socket.jpg").write_bytes(_jpeg(1))
    (target / "face" / SELECTION[0][2]).unlink()
    assert datasets.read_manifest(target) is None
    n = len(server.requests)
    _fetch(server, tmp_path)
    assert len(server.requests) == n + 1
    assert datasets.read_manifest(target) is not None
    assert (target / "i-see-face" / "socket.jpg").is_file()
    Image.open(target / "face" / SELECTION[0][2]).load()


def test_own_photo_in_a_course_folder_survives_a_refetch(server, tmp_path):
    """The course's folder, the learner's photo in it, one course file gone: the re-fetch
    stops with one line naming the photo, before downloading, and deletes nothing."""
    target = _fetch(server, tmp_path)
    (target / "dog" / "my_own_dalmatian.jpg").write_bytes(_jpeg(4))
    (target / "face" / SELECTION[0][2]).unlink()
    n = len(server.requests)
    with pytest.raises(DownloadError, match=r"my_own_dalmatian\.jpg, which it did not write") as e:
        _fetch(server, tmp_path)
    assert "\n" not in str(e.value) and len(server.requests) == n
    assert (target / "dog" / "my_own_dalmatian.jpg").read_bytes() == _jpeg(4)
    assert sorted(p.name for p in (target / "dog").iterdir()) == sorted(
        [n for c, _, n in SELECTION if c == "dog"] + ["my_own_dalmatian.jpg"])


def test_changed_course_file_is_not_the_courses_any_more(server, tmp_path):
    target = _fetch(server, tmp_path)
    victim = target / "face" / SELECTION[0][2]
    victim.write_bytes(_jpeg(11))  # decodes, same name: only the recorded SHA-256 tells
    assert datasets.read_manifest(target) is None
    with pytest.raises(DownloadError, match=re.escape(str(victim))):
        _fetch(server, tmp_path)
    assert victim.read_bytes() == _jpeg(11)


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


def test_full_profile_stimulus_set_is_the_demo_set(demo_env):
    stim = profiles.stimulus_set(profiles.get_profile("full"))
    assert stim.categories == ["face", "car", "dog", "cup"] and stim.preprocess.crop == 224


# --------------------------------------------------------------------------- never delete the user's work


@pytest.mark.parametrize("bad", ["..", ".", "../x", "a/b", ".hidden", "", "a\\b"])
def test_category_names_that_are_paths_are_refused(server, tmp_path, bad):
    own = tmp_path / "i-see-face" / "socket.jpg"
    own.parent.mkdir()
    own.write_bytes(_jpeg(1))
    selection = [(bad, "Faces_easy", SELECTION[0][2])] + SELECTION[1:]
    with pytest.raises(ValueError, match="name"):
        fetch_demo(root=tmp_path, url=server.url("/caltech-101.zip"), progress=False, md5=ARCHIVE_MD5,
                   selection=selection, timeout=5, retries=0)
    assert own.read_bytes() == _jpeg(1) and server.requests == []


def test_demo_list_with_paths_is_refused(tmp_path):
    for row in (["../../x", "Faces_easy", "image_0001.jpg"], ["face", "../Faces_easy", "image_0001.jpg"],
                ["face", "Faces_easy", "../image_0001.jpg"], ["..", "Faces_easy", "image_0001.jpg"]):
        listing = tmp_path / "list.csv"
        datasets.write_demo_list([tuple(row)], listing)
        with pytest.raises(ValueError, match="malformed rows"):
            datasets.read_demo_list(listing)


def test_selection_naming_a_folder_of_own_photos_changes_nothing(server, tmp_path):
    """A selection that names i-see-face must not replace the photos a user put there."""
    target = tmp_path / datasets.DEMO_DIRNAME
    own = target / "i-see-face" / "socket.jpg"
    own.parent.mkdir(parents=True)
    own.write_bytes(_jpeg(2))
    selection = SELECTION + [("i-see-face", "cup", SELECTION[-1][2])]
    with pytest.raises(DownloadError, match=r"socket\.jpg, which it did not write"):
        fetch_demo(root=tmp_path, url=server.url("/caltech-101.zip"), progress=False, md5=ARCHIVE_MD5,
                   selection=selection, timeout=5, retries=0)
    assert own.read_bytes() == _jpeg(2) and server.requests == []
    assert sorted(p.name for p in target.iterdir()) == ["i-see-face"]


def test_category_folder_linking_elsewhere_is_never_followed(server, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.jpg").write_bytes(_jpeg(3))
    target = tmp_path / "data" / datasets.DEMO_DIRNAME
    target.mkdir(parents=True)
    (target / "face").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(DownloadError, match="face, which it did not write"):
        _fetch(server, tmp_path / "data")
    assert (elsewhere / "keep.jpg").read_bytes() == _jpeg(3)


def test_refetch_replaces_only_what_the_manifest_records(server, tmp_path):
    target = _fetch(server, tmp_path)
    assert not any((target / c / cache.OWNED).exists() for c in ("face", "car", "dog", "cup"))
    manifest = json.loads((target / ".manifest.json").read_text())
    assert manifest["complete"] is True and manifest["format"] == datasets.MANIFEST_FORMAT
    assert all(manifest["checksums"][c][n] == cache.checksum(target / c / n) for c, _, n in SELECTION)
    (target / ".manifest.json").unlink()  # no record: nothing there is known to be the course's
    with pytest.raises(DownloadError, match="which it did not write"):
        _fetch(server, tmp_path)
    assert all((target / c / n).is_file() for c, _, n in SELECTION)


def test_manifest_of_the_first_layout_is_still_read(server, tmp_path):
    target = _fetch(server, tmp_path)
    manifest = json.loads((target / ".manifest.json").read_text())
    del manifest["format"]  # written before format versions
    (target / ".manifest.json").write_text(json.dumps(manifest))
    n = len(server.requests)
    _fetch(server, tmp_path)
    assert len(server.requests) == n
    manifest["format"] = 99
    (target / ".manifest.json").write_text(json.dumps(manifest))
    assert datasets.read_manifest(target) is None


def test_folders_of_an_older_version_are_taken_back_by_their_names(server, tmp_path):
    """Earlier versions marked their folders and recorded names only: a marked folder holding
    only files of the selection is the course's; another file in it, or no marker, stops."""
    target = _fetch(server, tmp_path)
    (target / ".manifest.json").unlink()
    for c in ("face", "car", "dog", "cup"):
        (target / c / cache.OWNED).write_text("made by an earlier version")
    (target / "face" / SELECTION[0][2]).unlink()
    _fetch(server, tmp_path)
    assert datasets.read_manifest(target) is not None
    (target / ".manifest.json").unlink()
    for c in ("face", "car", "dog", "cup"):
        (target / c / cache.OWNED).write_text("made by an earlier version")
    (target / "dog" / "mine.jpg").write_bytes(_jpeg(4))
    with pytest.raises(DownloadError, match="mine.jpg"):
        _fetch(server, tmp_path)
    (target / "dog" / "mine.jpg").unlink()
    (target / "dog" / cache.OWNED).unlink()
    with pytest.raises(DownloadError, match="dog"):
        _fetch(server, tmp_path)


def test_readme_states_what_the_course_may_delete():
    """The rule the tests above hold, in the README's words."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    section = text.split("## What the course may delete", 1)[1].split("\n## ", 1)[0]
    flat = " ".join(section.split())
    for words in ("deletes or replaces only files it wrote and recorded", "SHA-256", "stops the fetch with one line "
                  "naming it", "helpers.cache.foreign_files", "03_selectivity-Copy1.ipynb"):
        assert words in flat, words


def test_a_photo_added_during_the_download_stops_the_swap(server, tmp_path, monkeypatch):
    """Ownership is checked again just before the folders are swapped: the download takes minutes."""
    target = _fetch(server, tmp_path)
    (target / "face" / SELECTION[0][2]).unlink()
    real = datasets.download

    def download_while_the_learner_adds_a_photo(*args, **kwargs):
        got = real(*args, **kwargs)
        (target / "dog" / "added_meanwhile.jpg").write_bytes(_jpeg(6))
        return got

    monkeypatch.setattr(datasets, "download", download_while_the_learner_adds_a_photo)
    with pytest.raises(DownloadError, match="added_meanwhile.jpg"):
        _fetch(server, tmp_path)
    assert (target / "dog" / "added_meanwhile.jpg").read_bytes() == _jpeg(6)
    assert all((target / c / n).is_file() for c, _, n in SELECTION[1:])
    assert not list(target.glob(".extract-*"))


def test_a_run_killed_during_the_swap_leaves_every_file_recorded(server, tmp_path, monkeypatch):
    """Old and new files are recorded before the swap: after a crash half-way the next run
    takes everything back (nothing refused, nothing of the learner's touched)."""
    target = _fetch(server, tmp_path)
    (target / "face" / SELECTION[0][2]).unlink()
    (target / "i-see-face").mkdir()
    (target / "i-see-face" / "socket.jpg").write_bytes(_jpeg(1))
    real, calls = datasets.remove_inside, []

    def dying(path, root):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path, root)

    monkeypatch.setattr(datasets, "remove_inside", dying)
    with pytest.raises(KeyboardInterrupt):
        _fetch(server, tmp_path)
    assert json.loads((target / ".manifest.json").read_text())["complete"] is False
    assert datasets.read_manifest(target) is None
    monkeypatch.undo()
    _fetch(server, tmp_path)
    assert datasets.read_manifest(target) is not None
    assert (target / "i-see-face" / "socket.jpg").read_bytes() == _jpeg(1)
