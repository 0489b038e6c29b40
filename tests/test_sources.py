"""The paper's extra sources, offline: Faces in Things images served one by one and an
Oxford-IIIT Pet-like archive streamed, both from the local server of tests/conftest.py
(127.0.0.1) that can misbehave on request; the selection list and its builder; the
demo set with both sources."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import jpeg_bytes
from data import build_pareidolia_list as builder
from helpers import cache
from helpers.stimuli import demo as datasets
from helpers.download import DownloadError
from helpers.stimuli.sources import facesinthings as fit
from helpers.stimuli.sources import oxford_pet as pet
from helpers.stimuli.sets import Preprocess

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _jpeg(seed: int, size: int = 40) -> bytes:
    return jpeg_bytes(seed, size)


@pytest.fixture
def server(http_server):
    return http_server


@pytest.fixture(autouse=True)
def _fast_and_direct(direct_network, monkeypatch):
    """No pauses before retries; none of the course's source variables set."""
    for var in ("COURSE_PAREIDOLIA_URL", "COURSE_PET_URL", "COURSE_DEMO_SOURCES", "COURSE_DEMO_URL",
                "COURSE_EXTRA_CATEGORIES"):
        monkeypatch.delenv(var, raising=False)


# --------------------------------------------------------------------------- the committed lists


def test_committed_pareidolia_list_is_the_builders_output():
    assert fit.PAREIDOLIA_LIST.read_text("utf-8") == builder.render(), \
        "helpers/data/pareidolia_set.csv is out of date: run `python data/build_pareidolia_list.py`"
    assert builder.main(["--check"]) == 0
    assert fit.PAREIDOLIA_LIST.parent == Path(datasets.DEMO_LIST).parent  # shipped with the package
    rows = fit.read_pareidolia_list()
    pool = {r["file"]: r for r in builder.read_candidates()}
    assert len(rows) == 75 and len(pool) == 147
    assert [sum(r["accident_or_design"] == s for r in rows) for s in fit.STRATA] == [38, 37]
    for r in rows:
        assert r["file"] in pool and builder.keep_row(pool[r["file"]])
        assert r["flags"] in ("", "['Interesting']") and r["hard_to_spot"] == "Easy"
        assert f"/{r['commit']}/data/" in r["url"] and "/main/" not in r["url"]
        assert (r["width"], r["height"]) == ("512", "512")


def test_metadata_filter_and_prefix_rule(tmp_path):
    header = ("file,url,boxes,is_primary,Is there a face?,Hard to spot?,Accident or design?,Emotion?,"
              "Person or creature?,Gender?,Amusing?,Common?,Flags,num_boxes,train,split\n")

    def row(key, face="Yes", hard="Easy", acc="Design", flags="", boxes=1):
        f = f"{key:09d}.jpg"
        return (f'{f},{fit.pinned_url(f, "main")},"[[1, 2, 3, 4]]",[True],{face},{hard},{acc},Happy,Other,Neutral,'
                f'No,Common,{flags},{boxes},True,0\n')

    lines = [row(1), row(2, flags="['NSFW']"), row(3, face="Several", boxes=2), row(4, hard="Hard"),
             row(5, acc=""), row(6, acc="Accident", flags="['Interesting']"), row(7, boxes=2),
             row(8, flags="['Interesting', 'NSFW']"), row(9)]
    text = header + "".join(lines)
    cut = len(text) - len(lines[-1]) // 2  # the last row straddles the prefix: not in the pool
    got = builder.metadata_candidates(text, prefix=cut)
    assert [r["file"] for r in got] == ["000000001.jpg", "000000006.jpg"]
    assert [r["file"] for r in builder.metadata_candidates(text, prefix=len(text))][-1] == "000000009.jpg"
    with pytest.raises(ValueError, match="not Faces in Things"):
        builder.metadata_candidates("a,b\n1,2\n")


def test_selection_is_stratified_seeded_and_skips_absent_pins():
    pool = [{"file": f"{i:09d}.jpg", "Accident or design?": "Accident" if i % 3 else "Design",
             "Hard to spot?": "Easy", "Flags": ""} for i in range(1, 31)]
    pins = {r["file"]: {"commit": COMMIT, "width": "9", "height": "9", "status": "ok"} for r in pool}
    rows = builder.build_pareidolia_list(pool, pins, n=8, seed=3)
    assert rows == builder.build_pareidolia_list(pool, pins, n=8, seed=3)
    assert [sum(r["accident_or_design"] == s for r in rows) for s in fit.STRATA] == [4, 4]
    absent = rows[0]["file"]
    pins[absent]["status"] = "absent"
    again = builder.build_pareidolia_list(pool, pins, n=8, seed=3)
    assert absent not in [r["file"] for r in again] and len(again) == 8
    del pins[again[0]["file"]]
    with pytest.raises(ValueError, match="has no pin"):
        builder.build_pareidolia_list(pool, pins, n=8, seed=3)


# --------------------------------------------------------------------------- Faces in Things


def _fit_rows(n: int, size: int = 40) -> list[dict]:
    rows = []
    for i in range(1, n + 1):
        f = f"{i:09d}.jpg"
        rows.append({"file": f, "url": fit.pinned_url(f, COMMIT), "commit": COMMIT, "width": str(size),
                     "height": str(size), "accident_or_design": fit.STRATA[i % 2], "hard_to_spot": "Easy",
                     "flags": ""})
    return rows


def _serve_fit(server, rows, missing=()):
    for i, r in enumerate(rows):
        if r["file"] not in missing:
            server.files[f"/{COMMIT}/data/00000/{r['file']}"] = _jpeg(i, int(r["width"] or 40))


def _fetch(server, root, rows, **kw):
    kw.setdefault("min_images", 3)
    return fit.fetch_pareidolia(root, rows, base_url=server.url(), progress=False, timeout=5, **kw)


def test_fetch_from_pinned_urls_skips_a_missing_image_and_reuses_without_requests(server, tmp_path, capsys):
    rows = _fit_rows(5)
    _serve_fit(server, rows, missing={"000000003.jpg"})
    got = _fetch(server, tmp_path, rows, download=True)
    assert got.enough and len(got.paths) == 4
    assert [n for n, _ in got.skipped] == ["000000003.jpg"] and "HTTP 404" in got.skipped[0][1]
    assert "COURSE_PAREIDOLIA_URL" in got.skipped[0][1] and "COURSE_DEMO_URL" not in got.skipped[0][1]
    assert all(p.startswith(f"/{COMMIT}/data/00000/") for p, _ in server.requests)  # the commit, not a branch
    folder = tmp_path / fit.DIRNAME
    manifest = json.loads((folder / fit.MANIFEST).read_text())
    assert manifest["format"] == fit.MANIFEST_FORMAT
    for p in got.paths:
        digest = "sha256:" + hashlib.sha256(Path(p).read_bytes()).hexdigest()
        assert manifest["files"][Path(p).name]["checksum"] == digest
    with Image.open(got.contact_sheet) as sheet:  # a real PNG with one tile per image
        assert sheet.format == "PNG" and sheet.width >= 10 * 128
    assert "LOOK AT THIS ONCE BEFORE A CLASS" in capsys.readouterr().err
    assert sorted(p.name for p in (folder / fit.CATEGORY).iterdir()) == sorted(Path(p).name for p in got.paths)
    n = len(server.requests)
    again = fit.fetch_pareidolia(tmp_path, rows, base_url=server.url(), progress=False, min_images=3,
                                 download=False)
    assert again.paths == got.paths and len(server.requests) == n


def test_file_changed_on_disk_is_left_alone_and_a_deleted_one_is_checked_against_the_manifest(server, tmp_path):
    rows = _fit_rows(3)
    _serve_fit(server, rows)
    got = _fetch(server, tmp_path, rows)
    victim = Path(got.paths[0])
    original = victim.read_bytes()
    victim.write_bytes(_jpeg(99))  # a decodable but different image: only the SHA-256 notices
    n = len(server.requests)
    again = _fetch(server, tmp_path, rows, min_images=1)
    assert len(server.requests) == n and victim.read_bytes() == _jpeg(99)  # not the course's any more: kept
    assert str(victim) not in again.paths and "left alone and not used" in dict(again.skipped)[victim.name]
    victim.unlink()  # the learner's way to have it fetched again
    assert _fetch(server, tmp_path, rows).paths == got.paths and victim.read_bytes() == original
    # Now the server's copy changes: it no longer matches what was recorded at first fetch.
    victim.unlink()
    server.files[f"/{COMMIT}/data/00000/{victim.name}"] = _jpeg(97)
    third = _fetch(server, tmp_path, rows, min_images=1)
    assert str(victim) not in third.paths and not victim.exists()
    assert "differs from the one recorded at first fetch" in dict(third.skipped)[victim.name]
    record = json.loads((tmp_path / fit.DIRNAME / fit.MANIFEST).read_text())["files"][victim.name]
    assert record["checksum"] == "sha256:" + hashlib.sha256(original).hexdigest()  # the anchor is kept


def test_a_file_the_course_did_not_record_is_never_replaced(server, tmp_path):
    rows = _fit_rows(3)
    _serve_fit(server, rows)
    folder = tmp_path / fit.DIRNAME / fit.CATEGORY
    folder.mkdir(parents=True)
    (folder / rows[1]["file"]).write_bytes(_jpeg(77))  # same name as a selected image, but nobody recorded it
    (folder / "my_socket.jpg").write_bytes(_jpeg(78))
    got = _fetch(server, tmp_path, rows, min_images=1)
    assert (folder / rows[1]["file"]).read_bytes() == _jpeg(77) and (folder / "my_socket.jpg").read_bytes() == _jpeg(78)
    assert [Path(p).name for p in got.paths] == [rows[0]["file"], rows[2]["file"]]
    assert "not written by the course" in dict(got.skipped)[rows[1]["file"]]


def test_a_mirror_is_recorded_as_the_source_of_what_it_served(server, tmp_path):
    """A mirror can serve a right-size picture that is not the pinned one: the record says
    where the bytes came from and that they were never compared with the original."""
    rows = _fit_rows(3)
    _serve_fit(server, rows)
    server.files[f"/{COMMIT}/data/00000/{rows[0]['file']}"] = _jpeg(55)  # right size, wrong picture
    _fetch(server, tmp_path, rows)
    manifest = json.loads((tmp_path / fit.DIRNAME / fit.MANIFEST).read_text())
    record = manifest["files"][rows[0]["file"]]
    assert record["url"] == fit.pinned_url(rows[0]["file"], COMMIT, server.url())
    assert record["pinned_url"] == fit.pinned_url(rows[0]["file"], COMMIT) != record["url"]
    assert "never compared with the pinned original" in record["verified"]
    assert f"mirror(s) {server.url().rstrip('/')}" in manifest["source"]


@pytest.mark.parametrize("field, value", [("file", "\u0660" * 8 + "\u0661.jpg"), ("file", "\uff10" * 8 + "\uff11.jpg"),
                                          ("width", "\u0664\u0660"), ("height", "\u00b2")])
def test_pin_list_accepts_ascii_digits_only(tmp_path, field, value):
    rows = _fit_rows(2)
    rows[1][field] = value
    if field == "file":
        rows[1]["url"] = fit.RAW_BASE + "/" + COMMIT + "/data/00000/" + value
    builder.write_rows(rows, fit.LIST_COLUMNS, tmp_path / "list.csv")
    with pytest.raises(ValueError, match="malformed row"):
        fit.read_pareidolia_list(tmp_path / "list.csv")


def test_wrong_size_and_non_images_are_skipped(server, tmp_path):
    rows = _fit_rows(3)
    _serve_fit(server, rows)
    server.files[f"/{COMMIT}/data/00000/000000001.jpg"] = _jpeg(1, size=32)  # 40 x 40 expected
    server.files[f"/{COMMIT}/data/00000/000000002.jpg"] = b"<html>not an image</html>"
    got = _fetch(server, tmp_path, rows, min_images=1)
    reasons = dict(got.skipped)
    assert "32x32 px, expected 40x40 px" in reasons["000000001.jpg"]
    assert "not an image" in reasons["000000002.jpg"]
    assert [Path(p).name for p in got.paths] == ["000000003.jpg"]
    assert sorted(p.name for p in (tmp_path / fit.DIRNAME / fit.CATEGORY).iterdir()) == ["000000003.jpg"]


def test_exclude_file_drops_an_image(server, tmp_path):
    rows = _fit_rows(3)
    _serve_fit(server, rows)
    (tmp_path / fit.DIRNAME).mkdir()
    (tmp_path / fit.DIRNAME / fit.EXCLUDE).write_text("# not for class\n000000002.jpg\n")
    got = _fetch(server, tmp_path, rows, min_images=1)
    assert [Path(p).name for p in got.paths] == ["000000001.jpg", "000000003.jpg"]
    assert all("000000002" not in p for p, _ in server.requests)


def test_unreachable_host_gives_up_quickly(tmp_path):
    rows = _fit_rows(20)
    t0 = time.monotonic()
    with pytest.warns(UserWarning, match="i-see-face category is LEFT OUT: only 0 of 20"):
        got = fit.fetch_pareidolia(tmp_path, rows, base_url="http://127.0.0.1:9", progress=False, timeout=2,
                                   give_up_after=3)
    assert time.monotonic() - t0 < 10 and not got.enough
    assert sum(r.startswith("not tried") for _, r in got.skipped) == 17


# --------------------------------------------------------------------------- Oxford-IIIT Pet


def _tar_gz(members) -> bytes:
    """members: (name, bytes) for files, or (name, ('symlink'|'hardlink', target)), (name, 'dir')."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, what in members:
            info = tarfile.TarInfo(name)
            if what == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif isinstance(what, tuple):
                info.type = tarfile.SYMTYPE if what[0] == "symlink" else tarfile.LNKTYPE
                info.linkname = what[1]
                tar.addfile(info)
            else:
                info.size = len(what)
                tar.addfile(info, io.BytesIO(what))
    return buf.getvalue()


PET_MEMBERS = ([(f"images/beagle_{i}.jpg", _jpeg(10 + i)) for i in range(1, 8)]
               + [(f"images/pug_{i}.jpg", _jpeg(30 + i)) for i in range(1, 6)]
               + [("images/Abyssinian_1.jpg", _jpeg(50)), ("images/Abyssinian_101.mat", b"matlab"),
                  ("images/samoyed_1.jpg", _jpeg(51))])
HOSTILE = [("../../escape_beagle_1.jpg", _jpeg(60)), ("images/../../beagle_2.jpg", _jpeg(61)),
           ("/tmp/images/beagle_3.jpg", _jpeg(62)), ("images/beagle_90.jpg", ("symlink", "/etc/passwd")),
           ("images/beagle_91.jpg", ("hardlink", "images/beagle_1.jpg")), ("images/beagle_92.jpg", "dir"),
           ("images/sub/beagle_93.jpg", _jpeg(63)), ("images/beagle_94.jpg.exe", b"MZ")]
PET_ARCHIVE = _tar_gz(PET_MEMBERS + HOSTILE)
PET_ARCHIVE_MD5 = hashlib.md5(PET_ARCHIVE).hexdigest()


def _expected(breed: str, k: int) -> list[str]:
    names = [n for n, _ in PET_MEMBERS if re.fullmatch(rf"images/{breed}_\d+\.jpg", n)]
    return sorted(Path(n).name for n in sorted(names, key=pet.rank)[:k])


def _pet(server, root, **kw):
    server.files.setdefault("/images.tar.gz", PET_ARCHIVE)
    kw.setdefault("md5", PET_ARCHIVE_MD5)
    return pet.fetch_pet_dogs(root, server.url("/images.tar.gz"), progress=False, breeds=("beagle", "pug"),
                              per_breed=2, timeout=5, **kw)


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_pet_archive_is_streamed_and_only_the_selection_is_kept(server, tmp_path):
    got = _pet(server, tmp_path, retries=0)
    target = tmp_path / pet.DIRNAME
    assert {b: [Path(p).name for p in ps] for b, ps in got.items()} == {"beagle": _expected("beagle", 2),
                                                                       "pug": _expected("pug", 2)}
    assert _tree(target) == sorted([".manifest.json", "dog", "dog/beagle", "dog/pug"]
                                   + [f"dog/{b}/{n}" for b in ("beagle", "pug") for n in _expected(b, 2)])
    assert _tree(tmp_path) == [pet.DIRNAME] + [f"{pet.DIRNAME}/{t}" for t in _tree(target)]  # nothing escaped
    manifest = json.loads((target / pet.MANIFEST).read_text())
    assert manifest["md5"] == PET_ARCHIVE_MD5 and manifest["archive_bytes"] == len(PET_ARCHIVE)
    n = len(server.requests)
    assert _pet(server, tmp_path) == got and len(server.requests) == n  # reuse: no request


def test_pet_md5_mismatch_keeps_nothing(server, tmp_path):
    with pytest.raises(DownloadError, match="expected MD5 f{32}.*Nothing was kept"):
        _pet(server, tmp_path, md5="f" * 32, retries=0)
    assert _tree(tmp_path / pet.DIRNAME) == ["dog"]  # the (empty) folder checked for writing


def test_pet_errors_name_the_pet_mirror_variable(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404.*COURSE_PET_URL") as e:
        pet.fetch_pet_dogs(tmp_path, server.url("/nothing.tar.gz"), progress=False, timeout=5, retries=0)
    assert "COURSE_DEMO_URL" not in str(e.value)


def test_pet_never_replaces_a_breed_folder_the_user_filled(server, tmp_path):
    own = tmp_path / pet.DIRNAME / "dog" / "pug"
    own.mkdir(parents=True)
    (own / "my_pug.jpg").write_bytes(_jpeg(3))
    with pytest.raises(DownloadError, match=r"delete \S*my_pug\.jpg, which it did not write") as e:
        _pet(server, tmp_path)
    assert "\n" not in str(e.value)
    assert server.requests == [] and [p.name for p in own.iterdir()] == ["my_pug.jpg"]
    (own / "my_pug.jpg").unlink()  # an empty folder may be filled
    got = _pet(server, tmp_path)
    assert [Path(p).name for p in got["pug"]] == _expected("pug", 2)
    # a folder holding only what the course wrote and recorded is replaced on a re-fetch
    Path(got["pug"][0]).unlink()
    (own / ".DS_Store").write_bytes(b"finder")  # what a file browser leaves is nobody's photo
    assert _pet(server, tmp_path) == got


def test_pet_own_photo_in_a_breed_folder_the_course_filled_survives_a_refetch(server, tmp_path):
    """The course's folder, the learner's photo in it, a course file gone: the re-fetch
    stops, naming the photo, and deletes nothing (ownership is by file, not by folder)."""
    got = _pet(server, tmp_path)
    beagle = tmp_path / pet.DIRNAME / "dog" / "beagle"
    (beagle / "my_own_beagle.jpg").write_bytes(_jpeg(8))
    Path(got["beagle"][0]).unlink()
    n = len(server.requests)
    with pytest.raises(DownloadError, match=r"my_own_beagle\.jpg, which it did not write"):
        _pet(server, tmp_path)
    assert (beagle / "my_own_beagle.jpg").read_bytes() == _jpeg(8) and len(server.requests) == n
    assert Path(got["beagle"][1]).is_file()
    with pytest.warns(UserWarning, match="my_own_beagle.jpg"):  # the demo set runs on without the breeds
        assert pet.pet_dog_files(tmp_path, progress=False) is None


def test_pet_refuses_a_link_or_folder_inside_a_breed_folder(server, tmp_path):
    got = _pet(server, tmp_path)
    beagle = tmp_path / pet.DIRNAME / "dog" / "beagle"
    elsewhere = tmp_path / "elsewhere.jpg"
    elsewhere.write_bytes(_jpeg(9))
    (beagle / "linked.jpg").symlink_to(elsewhere)
    Path(got["beagle"][0]).unlink()
    with pytest.raises(DownloadError, match="linked.jpg"):
        _pet(server, tmp_path)
    (beagle / "linked.jpg").unlink()
    (beagle / "album").mkdir()
    with pytest.raises(DownloadError, match="album"):
        _pet(server, tmp_path)
    assert elsewhere.read_bytes() == _jpeg(9)


def test_pet_run_killed_during_the_swap_leaves_every_file_recorded(server, tmp_path, monkeypatch):
    """The old and new files are recorded before the swap: after a crash half-way, the next
    run may replace everything the course wrote (nothing is refused, nothing is lost)."""
    got = _pet(server, tmp_path)
    Path(got["pug"][0]).unlink()
    calls = []

    def dying(dest):
        calls.append(dest)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return cache.atomic_folder(dest)

    monkeypatch.setattr(pet, "atomic_folder", dying)
    with pytest.raises(KeyboardInterrupt):
        _pet(server, tmp_path)
    manifest = json.loads((tmp_path / pet.DIRNAME / pet.MANIFEST).read_text())
    assert manifest["complete"] is False
    monkeypatch.undo()
    assert _pet(server, tmp_path) == got


def test_pet_cut_connection_resumes_with_a_range_request(server, tmp_path):
    server.behaviour["/images.tar.gz"] = {"cut"}
    got = _pet(server, tmp_path, retries=2)
    assert [r for _, r in server.requests] == [None, f"bytes={len(PET_ARCHIVE) // 2}-"]
    assert [Path(p).name for p in got["beagle"]] == _expected("beagle", 2)


def test_pet_connection_that_keeps_failing_leaves_nothing_and_a_later_run_succeeds(server, tmp_path):
    server.behaviour["/images.tar.gz"] = {"cut_always"}
    with pytest.raises(DownloadError, match="connection lost .* Nothing was kept"):
        _pet(server, tmp_path, retries=2)
    assert _tree(tmp_path / pet.DIRNAME) == ["dog"]
    server.behaviour.clear()
    assert len(_pet(server, tmp_path, retries=0)["pug"]) == 2


def test_pet_undecodable_image_is_replaced_by_a_spare(server, tmp_path):
    first = sorted((n for n, _ in PET_MEMBERS if n.startswith("images/pug_")), key=pet.rank)[0]
    broken = [(n, b"\xff\xd8 truncated" if n == first else d) for n, d in PET_MEMBERS]
    archive = _tar_gz(broken)
    server.files["/images.tar.gz"] = archive
    got = _pet(server, tmp_path, md5=hashlib.md5(archive).hexdigest())
    names = [Path(p).name for p in got["pug"]]
    assert Path(first).name not in names and len(names) == 2


def test_pet_changed_file_stops_the_fetch_and_is_kept(server, tmp_path):
    got = _pet(server, tmp_path)
    Path(got["pug"][0]).write_bytes(_jpeg(5))  # not what the course wrote any more: not the course's
    n = len(server.requests)
    with pytest.raises(DownloadError, match=re.escape(Path(got["pug"][0]).name)):
        _pet(server, tmp_path)
    assert len(server.requests) == n and Path(got["pug"][0]).read_bytes() == _jpeg(5)
    Path(got["pug"][0]).unlink()
    assert _pet(server, tmp_path) == got and len(server.requests) == n + 1
    assert Path(got["pug"][0]).read_bytes() == dict(PET_MEMBERS)[f"images/{Path(got['pug'][0]).name}"]


def test_pet_archive_with_padded_and_plain_numbers_keeps_both(server, tmp_path):
    """beagle_3 and beagle_003 are two members, two files (no raw FileNotFoundError); the
    same member twice is a clear one-line error."""
    members = [("images/beagle_3.jpg", _jpeg(70)), ("images/beagle_003.jpg", _jpeg(71)),
               ("images/beagle_03.jpg", _jpeg(72)), ("images/pug_1.jpg", _jpeg(73)), ("images/pug_2.jpg", _jpeg(74))]
    archive = _tar_gz(members)
    server.files["/images.tar.gz"] = archive
    got = _pet(server, tmp_path, md5=hashlib.md5(archive).hexdigest())
    assert len(got["beagle"]) == 2 and len(set(got["beagle"])) == 2
    twice = _tar_gz(members + [("images/beagle_3.jpg", _jpeg(75))])
    server.files["/images.tar.gz"] = twice
    with pytest.raises(DownloadError, match="holds the member images/beagle_3.jpg twice.*Nothing was kept") as e:
        _pet(server, tmp_path / "other", md5=hashlib.md5(twice).hexdigest())
    assert "\n" not in str(e.value)


def test_pet_member_names_with_unicode_digits_are_never_kept():
    assert pet.member_breed("images/beagle_\u0661\u0662.jpg") is None
    assert pet.member_breed("images/beagle_12.jpg") == ("beagle", "beagle_12.jpg")


def test_mix_breeds_balances_the_dalmatians():
    dal = [f"/c/dog/image_{i:04d}.jpg" for i in range(1, 68)]
    paths, breeds = pet.mix_breeds({"pug": ["/p/pug_1.jpg"], "beagle": ["/p/beagle_1.jpg"]}, dal, per_breed=15)
    assert breeds.count("dalmatian") == 15 and sorted(set(breeds)) == ["beagle", "dalmatian", "pug"]
    assert paths == pet.mix_breeds({"pug": ["/p/pug_1.jpg"], "beagle": ["/p/beagle_1.jpg"]}, dal[::-1], 15)[0]
    assert pet.mix_breeds({}, dal[:3], per_breed=15) == (sorted(dal[:3]), ["dalmatian"] * 3)


# --------------------------------------------------------------------------- the demo set


@pytest.fixture
def demo(server, tmp_path, monkeypatch):
    """A complete Caltech demo folder (as fetch_demo leaves it), and both sources served."""
    data = tmp_path / "data"
    target = data / datasets.DEMO_DIRNAME
    cats = ("face", "car", "dog", "cup")
    selection = [(c, "x", f"image_{i:04d}.jpg") for c in cats for i in range(1, 4)]
    for k, (c, _, n) in enumerate(selection):
        (target / c).mkdir(parents=True, exist_ok=True)
        (target / c / n).write_bytes(_jpeg(200 + k))
    listing = tmp_path / "demo_set.csv"
    datasets.write_demo_list(selection, listing)
    monkeypatch.setattr(datasets, "DEMO_LIST", listing)
    files = {c: sorted(n for cc, _, n in selection if cc == c) for c in cats}
    checksums = {c: {n: cache.checksum(target / c / n) for n in names} for c, names in files.items()}
    (target / datasets.MANIFEST).write_text(json.dumps({"format": datasets.MANIFEST_FORMAT, "complete": True,
                                                        "files": files, "checksums": checksums}))
    monkeypatch.setenv("COURSE_DATA", str(data))
    rows = _fit_rows(55)
    builder.write_rows(rows, fit.LIST_COLUMNS, tmp_path / "pareidolia.csv")
    monkeypatch.setattr(fit, "PAREIDOLIA_LIST", tmp_path / "pareidolia.csv")
    monkeypatch.setenv("COURSE_PAREIDOLIA_URL", server.url())
    server.files["/images.tar.gz"] = PET_ARCHIVE
    monkeypatch.setenv("COURSE_PET_URL", server.url("/images.tar.gz"))
    monkeypatch.setattr(pet, "PET_MD5", PET_ARCHIVE_MD5)
    monkeypatch.setattr(pet, "DOG_BREEDS", ("beagle", "pug"))
    monkeypatch.setattr(pet, "PER_BREED", 2)
    return rows, data


def test_demo_set_has_the_papers_categories_and_dog_breeds(server, demo):
    rows, _ = demo
    _serve_fit(server, rows)
    stim = datasets.demo_set(preprocess=Preprocess(32, 32), progress=False)
    assert stim.categories == ["face", "i-see-face", "car", "dog", "cup"]
    assert stim.counts() == {"face": 3, "i-see-face": 55, "car": 3, "dog": 6, "cup": 3}
    dog = [s for s, k in zip(stim.subcategories, stim.labels) if stim.categories[k] == "dog"]
    assert dog == ["beagle", "beagle", "dalmatian", "dalmatian", "pug", "pug"]
    assert set(s for s, k in zip(stim.subcategories, stim.labels) if stim.categories[k] != "dog") == {""}
    sub = stim.subset(np.flatnonzero(stim.labels == stim.categories.index("dog")))
    assert sub.subcategories.tolist() == dog
    assert "Faces in Things" in stim.source and "Oxford-IIIT Pet" in stim.source
    assert stim.images([0]).shape == (1, 32, 32, 3)


def test_too_few_pareidolia_images_leave_the_category_out_loudly(server, demo, monkeypatch):
    rows, _ = demo
    _serve_fit(server, rows, missing={r["file"] for r in rows[::5]})  # 44 of 55 available
    monkeypatch.setenv("COURSE_DEMO_SOURCES", "facesinthings")
    with pytest.warns(UserWarning, match="i-see-face category is LEFT OUT: only 44 of 55"):
        stim = datasets.demo_set(preprocess=Preprocess(32, 32), progress=False)
    assert stim.categories == ["face", "car", "dog", "cup"] and stim.subcategories is None
    assert stim.images([len(stim) - 1]).shape == (1, 32, 32, 3)  # the course runs on


def test_own_i_see_face_photos_are_kept_and_nothing_is_fetched_for_them(server, demo, monkeypatch):
    _, data = demo
    own = data / datasets.DEMO_DIRNAME / "i-see-face"
    own.mkdir()
    (own / "socket.jpg").write_bytes(_jpeg(7))
    monkeypatch.setenv("COURSE_DEMO_SOURCES", "facesinthings")
    stim = datasets.demo_set(preprocess=Preprocess(32, 32), progress=False)
    assert stim.counts()["i-see-face"] == 1 and server.requests == []
    assert (own / "socket.jpg").read_bytes() == _jpeg(7)


def test_own_i_see_face_in_extra_categories_is_kept_and_nothing_is_fetched_for_it(server, demo, tmp_path,
                                                                                  monkeypatch):
    extra = tmp_path / "extra" / "i-see-face"
    extra.mkdir(parents=True)
    (extra / "kettle.jpg").write_bytes(_jpeg(8))
    monkeypatch.setenv("COURSE_EXTRA_CATEGORIES", str(extra.parent))
    stim = datasets.demo_set(preprocess=Preprocess(32, 32), progress=False, sources=["facesinthings"])
    assert stim.counts()["i-see-face"] == 1 and server.requests == []


def test_demo_set_reuses_both_sources_without_requests(server, demo):
    rows, _ = demo
    _serve_fit(server, rows)
    first = datasets.demo_set(preprocess=Preprocess(32, 32), progress=False)
    n = len(server.requests)
    again = datasets.demo_set(preprocess=Preprocess(32, 32), progress=False, download=False)
    assert again.paths == first.paths and len(server.requests) == n
    assert again.fingerprint() == first.fingerprint()


def test_unknown_source_name_is_a_clear_error(demo, monkeypatch):
    monkeypatch.setenv("COURSE_DEMO_SOURCES", "facesinthings,imagenet")
    with pytest.raises(ValueError, match="COURSE_DEMO_SOURCES=.*unknown sources \\['imagenet'\\]"):
        datasets.demo_set(progress=False)
    with pytest.raises(ValueError, match="sources= names unknown sources \\['pets'\\]"):
        datasets.demo_set(progress=False, sources=["pets"])


def test_a_link_named_like_a_selected_image_is_left_alone(server, tmp_path):
    rows = _fit_rows(3)
    _serve_fit(server, rows)
    folder = tmp_path / fit.DIRNAME / fit.CATEGORY
    folder.mkdir(parents=True)
    precious = tmp_path / "precious.jpg"
    precious.write_bytes(_jpeg(66))
    (folder / rows[0]["file"]).symlink_to(precious)
    got = _fetch(server, tmp_path, rows, min_images=1)
    assert (folder / rows[0]["file"]).is_symlink() and precious.read_bytes() == _jpeg(66)
    assert str(folder / rows[0]["file"]) not in got.paths and len(got.paths) == 2
