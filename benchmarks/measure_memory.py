"""Peak memory of each course notebook's kernel: does the course fit in Binder's 2 GB?

    python benchmarks/measure_memory.py [--profile quick|full] [--simulate-full] [--only 04]
                                   [--cold] [--threads 2] [--out build/memory]

Each notebook runs headless (nbclient) in a fresh kernel, one after the other, with Binder's
thread settings (OMP_NUM_THREADS, MKL_NUM_THREADS, COURSE_THREADS = ``--threads``). Two numbers
per notebook:

- ``peak_rss_mb``: the largest total resident memory of the kernel and its child processes,
  polled every 0.1 s with psutil;
- ``maxrss_mb``: the kernel's own high-water mark as the kernel reports it at the end
  (``getrusage``; catches a peak between two polls).

RSS counts the pages of the (memory-mapped) weights file and the shared libraries too, so it
is an upper bound of what the kernel adds to a container's memory.

``--simulate-full`` measures the ``full`` profile where the real weights and photographs cannot
be downloaded (like CI, or this script's author's sandbox). It prepares a scratch folder with

- ``TORCH_HOME`` holding an *untrained* VGG16 state dict under the file name torchvision gives
  the ImageNet weights (``vgg16-397923af.pth``): the same 138 M parameters, loaded by the same
  code path as the real file;
- ``COURSE_DATA`` holding the demo set made by the course's own downloaders from generated
  stand-ins of its three sources (same layouts and file names, random JPEGs of typical photo
  sizes): a Caltech-101-shaped archive (682 images, :func:`helpers.stimuli.demo.fetch_demo`, a
  ``file://`` URL with its own checksum), a Faces in Things mirror folder (the 75 files of the
  selection list at their recorded sizes, ``COURSE_PAREIDOLIA_URL``) and an Oxford-IIIT Pet
  shaped ``images.tar.gz`` (``COURSE_PET_URL``, its own MD5): 372 photographs in 5 categories;
- an empty ``COURSE_CACHE``, so activations are computed in the notebooks (``--cold``: emptied
  before every notebook, the worst case; default: shared along the course, as for one learner).

Memory and time are those of the real full profile; the numbers *in* the notebooks are
meaningless (untrained weights, noise images). Results: ``<out>/memory.json`` and a markdown
table on stdout (copied into ``binder/README.md``).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import shutil
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MB = 1024 * 1024
MAXRSS_CELL = ("import resource as _r, json as _j\n"
               "print('MAXRSS_KB', _j.dumps([_r.getrusage(_r.RUSAGE_SELF).ru_maxrss, "
               "_r.getrusage(_r.RUSAGE_CHILDREN).ru_maxrss]))")


class TreePoller(threading.Thread):
    """Polls the summed RSS of every descendant process of this one (the kernel and whatever
    it starts) and keeps the peak."""

    def __init__(self, interval: float = 0.1):
        super().__init__(daemon=True)
        import psutil

        self.psutil, self.me, self.interval = psutil, psutil.Process(), interval
        self.peak, self.peak_procs, self._done = 0, 0, threading.Event()

    def run(self):
        while not self._done.is_set():
            total, n = 0, 0
            for p in self.me.children(recursive=True):
                try:
                    total += p.memory_info().rss
                    n += 1
                except (self.psutil.NoSuchProcess, self.psutil.AccessDenied):
                    pass
            if total > self.peak:
                self.peak, self.peak_procs = total, n
            self._done.wait(self.interval)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def run_notebook(path: Path, env_updates: dict, timeout: int, first: str | None = None) -> dict:
    """Execute one notebook in a fresh kernel with ``env_updates`` set; measure its memory.
    ``first``: code run in the kernel before the notebook's cells (a what-if)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    if first:
        nb.cells.insert(0, nbformat.v4.new_code_cell(first))
    nb.cells.append(nbformat.v4.new_code_cell(MAXRSS_CELL))
    saved = {k: os.environ.get(k) for k in env_updates}
    os.environ.update(env_updates)  # the kernel inherits this process's environment
    poller = TreePoller()
    start = time.perf_counter()
    error = None
    try:
        poller.start()
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    except Exception as e:  # report it and go on with the next notebook
        error = f"{type(e).__name__}: {str(e).strip().splitlines()[-1] if str(e).strip() else ''}"[:300]
    finally:
        peak = poller.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    maxrss = None
    for out in nb.cells[-1].get("outputs", []):
        text = out.get("text", "")
        if "MAXRSS_KB" in text:
            # Linux reports kilobytes. The children's figure is not added: a child forked from the
            # kernel starts with the kernel's pages counted as its own (shared, not extra memory).
            self_kb, _children_kb = json.loads(text.split("MAXRSS_KB", 1)[1])
            maxrss = round(self_kb / 1024, 1)
    return {"notebook": path.name, "seconds": round(time.perf_counter() - start, 1),
            "peak_rss_mb": round(peak / MB, 1), "maxrss_mb": maxrss, "processes": poller.peak_procs,
            "error": error}


# --------------------------------------------------------------------------- simulated full profile


def fake_pretrained_weights(torch_home: Path) -> Path:
    """An untrained VGG16 state dict where torch.hub keeps the ImageNet weights."""
    import torch
    import torchvision

    weights = torchvision.models.VGG16_Weights.DEFAULT
    path = torch_home / "hub" / "checkpoints" / Path(weights.url).name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(0)
        torch.save(torchvision.models.vgg16(weights=None).state_dict(), path)
    return path


def random_jpeg(rng, width: int, height: int) -> bytes:
    """A ``width`` x ``height`` JPEG of coloured noise (quality 85): decodes like a photograph
    of that size, costs about what one costs to store and to read."""
    import numpy as np
    from PIL import Image

    base = rng.integers(0, 256, (1, 1, 3))
    pixels = np.clip(base + rng.normal(0, 60, (height, width, 3)), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def fake_caltech_archive(folder: Path, seed: int = 0) -> Path:
    """A zip laid out like Caltech-101's (a ``101_ObjectCategories.tar.gz`` inside), holding
    random JPEGs under the file names of the folders the demo set draws from."""
    import numpy as np

    from helpers.stimuli import demo as datasets

    rng = np.random.default_rng(seed)
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as tar:
        for _, caltech_folder, count in datasets.DEMO_SOURCES:
            for i in range(1, count + 1):
                w, h = int(rng.integers(240, 320)), int(rng.integers(180, 240))  # Caltech's typical sizes
                _add(tar, f"{datasets.CALTECH_TOP}/{caltech_folder}/image_{i:04d}.jpg", random_jpeg(rng, w, h))
    path = folder / "caltech-101-standin.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"caltech-101/{datasets.CALTECH_INNER}", inner.getvalue())
    return path


def fake_pareidolia_mirror(folder: Path, seed: int = 1) -> Path:
    """A folder laid out like the Faces in Things mirror (``<commit>/data/<shard>/<file>``)
    holding a random JPEG for every row of the committed selection, at the width and height
    the list records (the fetcher checks them). Returns the folder (its ``file://`` URI is
    the base URL, as ``COURSE_PAREIDOLIA_URL`` would give it)."""
    import numpy as np

    from helpers.stimuli.sources import facesinthings as fit

    rng = np.random.default_rng(seed)
    for row in fit.read_pareidolia_list():
        path = folder / row["commit"] / "data" / fit.shard(row["file"]) / row["file"]
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(random_jpeg(rng, int(row["width"] or 512), int(row["height"] or 512)))
    return folder


def fake_pet_archive(folder: Path, per_breed: int = 30, seed: int = 2) -> Path:
    """A tar.gz laid out like Oxford-IIIT Pet's ``images.tar.gz`` (``images/<breed>_<n>.jpg``):
    ``per_breed`` random JPEGs of the pet set's typical sizes (about 500 x 375 px) for each of
    the course's dog breeds, and as many cats (members the fetcher must skip)."""
    import numpy as np

    from helpers.stimuli.sources import oxford_pet

    path = folder / "oxford-pet-standin.tar.gz"
    if path.is_file():
        return path
    rng = np.random.default_rng(seed)
    with tarfile.open(path, "w:gz") as tar:
        for breed in (*oxford_pet.DOG_BREEDS, "Bengal"):
            for i in range(1, per_breed + 1):
                w, h = int(rng.integers(400, 500)), int(rng.integers(300, 400))
                _add(tar, f"images/{breed}_{i}.jpg", random_jpeg(rng, w, h))
    return path


def prepare_simulated_full(scratch: Path) -> dict:
    """Environment variables under which the full profile runs on stand-in weights and photos:
    the demo set (Caltech-101 part, Faces in Things' i-see-face, Oxford-IIIT Pet's dog breeds)
    is fetched from stand-ins by the course's own downloaders into ``scratch/data``."""
    from helpers.stimuli import demo as datasets
    from helpers.stimuli.sources import facesinthings, oxford_pet

    torch_home, data = scratch / "torch", scratch / "data"
    weights = fake_pretrained_weights(torch_home)
    archive = fake_caltech_archive(scratch)
    md5 = hashlib.md5(archive.read_bytes()).hexdigest()
    mirror = fake_pareidolia_mirror(scratch / "pareidolia-mirror")
    pet = fake_pet_archive(scratch)
    env = {"TORCH_HOME": str(torch_home), "COURSE_DATA": str(data),
           # the sources' own mirror variables: a kernel that fetched again would read the stand-ins
           facesinthings.URL_HINT: mirror.as_uri(), oxford_pet.URL_HINT: pet.as_uri()}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        demo = datasets.fetch_demo(url=archive.as_uri(), md5=md5, size=archive.stat().st_size, progress=False)
        fit = facesinthings.fetch_pareidolia(progress=False)
        dogs = oxford_pet.fetch_pet_dogs(md5=hashlib.md5(pet.read_bytes()).hexdigest(), progress=False)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if not fit.enough:
        raise RuntimeError(f"the Faces in Things stand-ins were not all usable: {fit.skipped[:3]}")
    print(f"simulated full profile: weights {weights} ({weights.stat().st_size / MB:.0f} MB, untrained), "
          f"stand-in photographs in {data}: {sum(1 for _ in demo.rglob('*.jpg'))} Caltech-101, "
          f"{len(fit.paths)} Faces in Things, {sum(map(len, dogs.values()))} Oxford-IIIT Pet", flush=True)
    return env


# --------------------------------------------------------------------------- main


def table(rows: list[dict], limit_mb: float) -> str:
    lines = ["| notebook | time (s) | peak RSS, kernel tree (MB) | kernel maxrss (MB) | within limit | note |",
             "|---|---:|---:|---:|---|---|"]
    for r in rows:
        peak = max(r["peak_rss_mb"], r["maxrss_mb"] or 0)
        maxrss = "" if r["maxrss_mb"] is None else f"{r['maxrss_mb']:.0f}"
        ok = "yes" if peak <= limit_mb else "**NO**"
        lines.append(f"| {r['notebook']} | {r['seconds']:.0f} | {r['peak_rss_mb']:.0f} | {maxrss} | {ok} | "
                     f"{r['error'] or ''} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", choices=["quick", "full"], default=None,
                    help="default: full with --simulate-full, else quick")
    ap.add_argument("--simulate-full", action="store_true",
                    help="full profile on stand-in weights and photographs (see above); implies --profile full")
    ap.add_argument("--only", help="measure only notebooks whose name starts with this (several: 05,06,07)")
    ap.add_argument("--cold", action="store_true", help="empty the activation cache before every notebook")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads, as binder/start sets (default 2)")
    ap.add_argument("--limit-mb", type=float, default=2048, help="memory limit to compare with (Binder: 2048)")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    ap.add_argument("--exec", dest="first", metavar="CODE",
                    help="Python code to run in each kernel before the notebook, for a what-if, e.g. "
                         "\"import dataclasses, helpers.edge.profiles as p; p.PROFILES['full'] = "
                         "dataclasses.replace(p.PROFILES['full'], batch_size=8)\"")
    ap.add_argument("--scratch", help="folder for caches and stand-ins (default: a temporary one, deleted)")
    ap.add_argument("--out", default=str(ROOT / "build" / "memory"))
    args = ap.parse_args(argv)
    profile = "full" if args.simulate_full else (args.profile or "quick")
    prefixes = tuple(args.only.split(",")) if args.only else ("",)
    paths = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if p.name.startswith(prefixes))
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    scratch = Path(args.scratch) if args.scratch else Path(tempfile.mkdtemp(prefix="course-memory-"))
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        env = {"COURSE_PROFILE": profile, "COURSE_CACHE": str(scratch / "cache"),
               "OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads),
               "OPENBLAS_NUM_THREADS": str(args.threads), "COURSE_THREADS": str(args.threads),
               "MPLBACKEND": "module://matplotlib_inline.backend_inline", "PYTHONUNBUFFERED": "1"}
        if args.simulate_full:
            env.update(prepare_simulated_full(scratch))
        rows = []
        for path in paths:
            if args.cold:
                shutil.rmtree(scratch / "cache", ignore_errors=True)
            print(f"{path.name} (profile {profile}{', simulated' if args.simulate_full else ''}) ...", flush=True)
            r = run_notebook(path, env, args.timeout, args.first)
            rows.append(r)
            print(f"  {r['seconds']:.0f} s, peak RSS {r['peak_rss_mb']:.0f} MB (kernel maxrss {r['maxrss_mb']} MB)"
                  + (f"; FAILED: {r['error']}" if r["error"] else ""), flush=True)
    finally:
        if not args.scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    import psutil
    import torch

    result = {"profile": profile, "simulated": args.simulate_full, "cold_cache": args.cold, "threads": args.threads,
              "exec": args.first,
              "limit_mb": args.limit_mb, "date": time.strftime("%Y-%m-%d"),
              "machine": {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
                          "platform": platform.platform(), "python": platform.python_version(),
                          "torch": torch.__version__},
              "notebooks": rows}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = (f"memory-{profile}{'-simulated' if args.simulate_full else ''}{'-cold' if args.cold else ''}"
            f"{'-whatif' if args.first else ''}.json")
    (out / name).write_text(json.dumps(result, indent=1))
    print(f"\n{table(rows, args.limit_mb)}\n\nwrote {out / name}")
    worst = max(max(r["peak_rss_mb"], r["maxrss_mb"] or 0) for r in rows)
    return 1 if worst > args.limit_mb or any(r["error"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
