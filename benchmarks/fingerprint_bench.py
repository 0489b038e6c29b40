"""What a content key of VGG16's weights costs: several hashes over its 553 MB of
parameters and buffers (float32), on this machine.

    python benchmarks/fingerprint_bench.py

Activation caches are keyed on a hash of every weight value (``helpers.cnn.models.fingerprint``),
because an in-place change through ``weight.data`` is invisible to torch's version
counters. This script measures the candidates: the standard library's hashes, single and in
two threads (hashlib releases the GIL on large buffers), CRC-32 (fast but only 32 bits and
linear: no sound key), and xxHash's XXH3-128 (the ``xxhash`` package, a dependency since
issue #15: ``helpers.cache.CONTENT_HASH``), in one thread and in two over halves.
Each time is the best of 3 calls after a warm-up; wall and CPU seconds.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PIECE = 1 << 24


def _pieces(views):
    return [v[i:i + PIECE] for v in views for i in range(0, len(v), PIECE)]


def candidates() -> dict:
    def single(name):
        def run(views):
            h = hashlib.new(name)
            for v in views:
                h.update(v)
            return h.hexdigest()
        return run

    def threaded(name):
        def run(views):
            with ThreadPoolExecutor(2) as pool:
                parts = list(pool.map(lambda p: hashlib.new(name, p).digest(), _pieces(views)))
            return hashlib.new(name, b"".join(parts)).hexdigest()
        return run

    def crc_threaded(views):
        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(zlib.crc32, _pieces(views)))

    out = {f"{n}": single(n) for n in ("blake2b", "sha1", "sha256", "md5")}
    out.update({f"{n}, 2 threads": threaded(n) for n in ("blake2b", "sha1", "sha256")})
    out["crc32, 2 threads (32 bits per 16 MiB piece; unsound)"] = crc_threaded
    out["helpers.cache.digest_buffers (the course's)"] = None  # filled in main()
    import xxhash

    def xxh3(views):
        h = xxhash.xxh3_128()
        for v in views:
            h.update(v)
        return h.hexdigest()

    def xxh3_threaded(views):
        with ThreadPoolExecutor(2) as pool:  # xxhash releases the GIL
            return list(pool.map(lambda p: xxhash.xxh3_128(p).digest(), _pieces(views)))
    out["xxh3_128 (xxhash package)"] = xxh3
    out["xxh3_128, 2 threads"] = xxh3_threaded
    return out


def main() -> int:
    import torch

    from helpers.cache import digest_buffers
    from helpers.cnn.models import fingerprint, load_vgg16

    model = load_vgg16(pretrained=False, progress=False)
    views = [t.detach().reshape(-1).view(torch.uint8).numpy() for t in model.state_dict().values()]
    size = sum(v.nbytes for v in views)
    print(f"VGG16: {len(views)} tensors, {size / 1e6:.0f} MB; load average {os.getloadavg()}")
    methods = candidates()
    methods["helpers.cache.digest_buffers (the course's)"] = digest_buffers
    methods["helpers.cnn.models.fingerprint (whole key)"] = lambda _: fingerprint(model)
    for name, run in methods.items():
        run(views)
        wall = cpu = float("inf")
        for _ in range(3):
            t, c = time.perf_counter(), time.process_time()
            run(views)
            wall, cpu = min(wall, time.perf_counter() - t), min(cpu, time.process_time() - c)
        print(f"{name:55s} wall {wall:6.3f} s   cpu {cpu:6.3f} s   {size / wall / 1e9:5.2f} GB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
