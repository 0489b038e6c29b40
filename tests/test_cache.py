"""helpers.cache: atomic writes (also under Ctrl-C and SIGKILL), checksummed entries with
format versions, load-or-compute, deleting only inside the cache's own folder, and
telling the course's fetched folders from the ones a learner filled."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from helpers import cache

ROOT = Path(__file__).resolve().parents[1]


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------- atomic writes


def test_atomic_file_appears_whole_or_not_at_all(tmp_path):
    dest = tmp_path / "table.csv"
    with cache.atomic_file(dest, "w") as f:
        f.write("a,b\n")
        assert not dest.exists()  # nothing visible while writing
    assert dest.read_text() == "a,b\n"
    with pytest.raises(KeyboardInterrupt):
        with cache.atomic_file(dest, "w") as f:
            f.write("half")
            raise KeyboardInterrupt
    assert dest.read_text() == "a,b\n" and _names(tmp_path) == ["table.csv"]  # old content kept, no temp


def test_atomic_folder_replaces_whole_and_cleans_up(tmp_path):
    dest = tmp_path / "entry"
    with cache.atomic_folder(dest) as tmp:
        (tmp / "x").write_text("1")
    with pytest.raises(RuntimeError):
        with cache.atomic_folder(dest) as tmp:
            (tmp / "x").write_text("2")
            raise RuntimeError("disk trouble")
    assert (dest / "x").read_text() == "1" and _names(tmp_path) == ["entry"]
    with cache.atomic_folder(dest) as tmp:
        (tmp / "y").write_text("3")
    assert _names(dest) == ["y"] and _names(tmp_path) == ["entry"]


WRITER = """
import signal, sys, time
# A test runner's worker (pytest-xdist) may ignore SIGINT, and children inherit that; a
# user's shell does not, so the writer gets Python's usual Ctrl-C behaviour back.
signal.signal(signal.SIGINT, signal.default_int_handler)
from helpers import cache
with cache.atomic_file(sys.argv[1]) as f:
    f.write(b"x" * 1000)
    f.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_killed_writer_leaves_nothing_for_long(tmp_path, sig):
    """Ctrl-C: the writer removes its temporary itself. SIGKILL: it cannot, so the next
    write into that folder sweeps it (the process that made it is gone)."""
    dest = tmp_path / "weights.pt"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(dest)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "writing"
        assert len(_names(tmp_path)) == 1 and _names(tmp_path)[0].startswith(".weights.pt.tmp-")
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    if sig == signal.SIGINT:
        assert "KeyboardInterrupt" in proc.stderr.read() and _names(tmp_path) == []
    else:
        assert len(_names(tmp_path)) == 1  # the killed run's leftover
        cache.write_text(tmp_path / "other.txt", "next write")
        assert _names(tmp_path) == ["other.txt"]


def test_sweep_leaves_live_writers_alone(tmp_path):
    mine = tmp_path / f".x{cache._TMP_MARK}{cache._host()}-{os.getpid()}-abcd"
    mine.write_text("a live write of this very process")
    other_host = tmp_path / f".y{cache._TMP_MARK}ffffff-1-abcd"
    other_host.write_text("a recent write on another machine sharing the folder")
    old = tmp_path / f".z{cache._TMP_MARK}eeeeee-1-abcd"
    old.write_text("an old one")
    past = time.time() - cache.STALE_SECONDS - 60
    os.utime(old, (past, past))
    assert cache.sweep(tmp_path) == [old]
    assert _names(tmp_path) == sorted([mine.name, other_host.name])


# --------------------------------------------------------------------------- entries


def _entry(folder: Path, key=None, fmt=1):
    def write(tmp: Path) -> dict:
        (tmp / "data.bin").write_bytes(b"abc")
        return {"note": "extra"}

    return cache.write_entry(folder, key or {"k": 1}, fmt, write)


def test_entries_are_verified(tmp_path):
    folder = _entry(tmp_path / "e")
    meta = cache.read_entry(folder, {"k": 1}, 1)
    assert meta["format"] == 1 and meta["note"] == "extra" and meta["checksums"]["data.bin"].startswith("xxh3_128:")
    with pytest.raises(cache.StaleEntry, match="format"):
        cache.read_entry(folder, {"k": 1}, 2)
    with pytest.raises(cache.StaleEntry, match="key"):
        cache.read_entry(folder, {"k": 2}, 1)
    (folder / "data.bin").write_bytes(b"abd")
    with pytest.raises(cache.CacheError, match="checksum"):
        cache.read_entry(folder, {"k": 1}, 1)
    (folder / "data.bin").unlink()
    with pytest.raises(cache.CacheError, match="missing"):
        cache.read_entry(folder, {"k": 1}, 1)
    (folder / "meta.json").write_text("{")
    with pytest.raises(cache.CacheError, match="unreadable"):
        cache.read_entry(folder, {"k": 1}, 1)


def test_checksums_of_both_algorithms(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    # Known answers: SHA-256 (FIPS 180-2's example) and XXH3-128 of b"abc".
    sha = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    import xxhash
    xxh = "xxh3_128:" + xxhash.xxh3_128(b"abc").hexdigest()
    assert cache.checksum(path) == sha and cache.checksum(path, cache.CONTENT_HASH) == xxh
    assert cache.verify(path, sha) and cache.verify(path, xxh)
    assert not cache.verify(path, "nosuchhash:00") and not cache.verify(path, xxh[:-1] + ("1" if xxh[-1] == "0" else "0"))
    # An entry written before the switch (SHA-256 checksums in meta.json) still reads.
    folder = _entry(tmp_path / "e")
    meta = json.loads((folder / "meta.json").read_text())
    meta["checksums"] = {"data.bin": sha}
    (folder / "meta.json").write_text(json.dumps(meta))
    assert cache.read_entry(folder, {"k": 1}, 1)["checksums"]["data.bin"] == sha


def test_load_or_compute(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return "result"

    def load(folder, meta):
        return (folder / "v.txt").read_text()

    def save(result, tmp):
        (tmp / "v.txt").write_text(result)

    folder = tmp_path / "cache" / "entry"
    args = (folder, {"k": 1}, 1, load, compute, save)
    assert cache.load_or_compute(*args) == "result" and cache.load_or_compute(*args) == "result"
    assert len(calls) == 1
    (folder / "v.txt").write_text("tampered")
    with pytest.warns(UserWarning, match="unusable.*checksum"):
        assert cache.load_or_compute(*args) == "result"
    assert len(calls) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a newer format version: silently recomputed
        assert cache.load_or_compute(folder, {"k": 1}, 2, load, compute, save) == "result"
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["format"] == 2


def test_unwritable_cache_only_costs_the_caching(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.warns(UserWarning, match="not cached"):
        out = cache.load_or_compute(blocker / "entry", {"k": 1}, 1, lambda f, m: "never", lambda: 42,
                                    lambda r, tmp: (tmp / "v").write_text(str(r)))
    assert out == 42 and blocker.read_text() == "x"
    assert cache.usable_folder(blocker / "sub") is not None and cache.usable_folder(tmp_path / "new") is None


# --------------------------------------------------------------------------- deleting


def test_remove_inside_never_leaves_its_root(tmp_path):
    root = tmp_path / "cache"
    (root / "entry").mkdir(parents=True)
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "photo.jpg").write_text("mine")
    (root / "link").symlink_to(outside, target_is_directory=True)
    for bad in (root / ".." / "precious", outside, root, root / "entry" / ".." / ".."):
        with pytest.raises(ValueError, match="not inside"):
            cache.remove_inside(bad, root)
    cache.remove_inside(root / "link", root)  # the link goes, what it points at stays
    assert (outside / "photo.jpg").read_text() == "mine" and not (root / "link").exists()
    cache.remove_inside(root / "entry", root)
    assert _names(root) == []


def test_foreign_files_are_found_file_by_file(tmp_path):
    """What the course may delete: only files it wrote and recorded with their checksum."""
    parent = tmp_path / "demo"
    for name in ("ours", "mixed", "changed", "legacy", "nested", "empty"):
        (parent / name).mkdir(parents=True)
    (parent / "ours" / "a.jpg").write_text("a")
    (parent / "ours" / ".DS_Store").write_text("finder")  # a file browser's, nobody's photo
    (parent / "ours" / cache.OWNED).write_text("marker of an earlier version")
    (parent / "mixed" / "a.jpg").write_text("a")
    (parent / "mixed" / "my_own_beagle.jpg").write_text("mine")
    (parent / "changed" / "a.jpg").write_text("edited")
    (parent / "legacy" / "a.jpg").write_text("anything")  # recorded by name only
    (parent / "nested" / "a.jpg").mkdir()
    (parent / "link.jpg").write_text("x")
    (parent / "ours" / "b.jpg").symlink_to(parent / "link.jpg")
    (parent / "file").write_text("a file where a folder should be")
    (parent / "dirlink").symlink_to(parent / "ours", target_is_directory=True)
    digest = "sha256:" + hashlib.sha256(b"a").hexdigest()
    records = {parent / n: {"a.jpg": digest, "b.jpg": digest} for n in ("ours", "mixed", "changed", "nested", "empty")}
    records.update({parent / "legacy": {"a.jpg": None}, parent / "file": {}, parent / "dirlink": {"a.jpg": digest},
                    parent / "absent": {}})
    got = cache.foreign_files(records)
    assert got == sorted([parent / "ours" / "b.jpg", parent / "mixed" / "my_own_beagle.jpg",
                          parent / "changed" / "a.jpg", parent / "nested" / "a.jpg", parent / "file",
                          parent / "dirlink"])
    line = cache.foreign_message(got, "fetch the dogs")
    assert "\n" not in line and str(got[0]) in line and "(and 5 more)" in line


def test_json_manifests_are_written_whole_and_read_leniently(tmp_path):
    path = tmp_path / "m.json"
    assert cache.read_json(path) is None
    cache.write_json(path, {"format": 1, "files": {"ä": [1, 2]}})
    assert cache.read_json(path) == {"format": 1, "files": {"ä": [1, 2]}} and _names(tmp_path) == ["m.json"]
    for junk in ("{half", "[1, 2]", ""):
        path.write_text(junk)
        assert cache.read_json(path) is None


def test_digests_depend_on_content_and_order():
    a = cache.digest_buffers([b"ab", b"cd"])
    assert a == cache.digest_buffers([b"ab", b"cd"]) and a.startswith(f"{cache.CONTENT_HASH}:")
    assert a != cache.digest_buffers([b"cd", b"ab"])
    assert cache.digest_buffers([b"ab"]) != cache.digest_buffers([b"a", b"b"])  # where buffers begin counts
    assert cache.digest_buffers([b"", b"ab"]) != cache.digest_buffers([b"ab"])
    big = os.urandom(40 << 20)
    assert cache.digest_buffers([big]) == cache.digest_buffers([memoryview(big)])
    assert cache.digest_buffers([np.frombuffer(big, np.float32)]) == cache.digest_buffers([big])
    flipped = bytearray(big)
    flipped[-1] ^= 1
    assert cache.digest_buffers([big]) != cache.digest_buffers([bytes(flipped)])
    # Known answer: XXH3-128 of the length prefix and the bytes (xxHash's reference implementation).
    import xxhash
    assert cache.digest_buffers([b"abc"]) == "xxh3_128:" + xxhash.xxh3_128((3).to_bytes(8, "little") + b"abc").hexdigest()
    assert cache.key_digest({"a": 1, "b": [1, 2]}) == cache.key_digest({"b": [1, 2], "a": 1})
