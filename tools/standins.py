"""Stand-ins for every download of the ``full`` profile, served from 127.0.0.1.

The full profile downloads four things: VGG16's ImageNet weights (torchvision's file, 528 MB),
a Caltech-101 archive (137 MB), 75 Faces in Things images and Oxford-IIIT Pet's image archive
(790 MB, streamed). Where they cannot be downloaded (CI, a sandbox) the full profile's code
can still run unchanged on generated stand-ins of the same kind, fetched by the course's own
downloaders through the mirror variables a teacher would set for a classroom server:

=========================  ============================================================
variable                   stand-in
=========================  ============================================================
``COURSE_VGG16_URL``       a VGG16 state dict with seeded random weights, saved by
                           ``torch.save`` as torchvision's file is, under torchvision's
                           name convention ``vgg16-<first 8 hex of its SHA-256>.pth``
                           (so the download is verified as the real one is, and the
                           model is labelled STAND-IN, never ImageNet: its name is not
                           torchvision's ``vgg16-397923af.pth``)
``COURSE_DEMO_URL``        a zip laid out like Caltech-101's (a ``101_ObjectCategories.tar.gz``
                           inside), random JPEGs of Caltech's typical sizes under the file
                           names of the four folders the demo set draws from; its MD5 after
                           ``#md5=`` (:func:`helpers.download.mirror_checksum`)
``COURSE_PAREIDOLIA_URL``  a folder laid out like the Faces in Things mirror, a random
                           JPEG at the recorded size for each of the 75 listed files
``COURSE_PET_URL``         a tar.gz laid out like Oxford-IIIT Pet's ``images.tar.gz``
                           (dogs of the course's five breeds, and cats to skip), ``#md5=``
=========================  ============================================================

Used by ``tests/test_rehearsal.py`` (every learner notebook under ``full``, in ``make test``),
``benchmarks/measure_memory.py --simulate-full`` and ``tools/rehearse_binder.py``. The numbers
computed on stand-ins mean nothing; their memory and run time are those of the real profile.

    with standins.served(standins.build(folder)) as env:   # env: the four mirror variables
        ...
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS_SEED = 20261207  # seed of the stand-in VGG16's random weights


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


def md5_of(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "md5").hexdigest()


def fake_vgg16_weights(folder: Path, seed: int = WEIGHTS_SEED) -> Path:
    """A VGG16 state dict with seeded random weights (torchvision's initialisation), saved by
    ``torch.save`` like torchvision's file, named by torchvision's convention after its own
    SHA-256: ``vgg16-<8 hex>.pth``. Reused when already in ``folder``."""
    import torch
    import torchvision

    for old in folder.glob("vgg16-*.pth"):
        return old
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "vgg16-standin.tmp"
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.save(torchvision.models.vgg16(weights=None).state_dict(), tmp)
    with open(tmp, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return tmp.replace(folder / f"vgg16-{digest[:8]}.pth")


def fake_caltech_archive(folder: Path, seed: int = 0) -> Path:
    """A zip laid out like Caltech-101's (a ``101_ObjectCategories.tar.gz`` inside), holding
    random JPEGs under the file names of the folders the demo set draws from (682 images)."""
    import numpy as np

    from helpers.stimuli import demo as datasets

    path = folder / "caltech-101-standin.zip"
    if path.is_file():
        return path
    rng = np.random.default_rng(seed)
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz", compresslevel=1) as tar:
        for _, caltech_folder, count in datasets.DEMO_SOURCES:
            for i in range(1, count + 1):
                w, h = int(rng.integers(240, 320)), int(rng.integers(180, 240))  # Caltech's typical sizes
                _add(tar, f"{datasets.CALTECH_TOP}/{caltech_folder}/image_{i:04d}.jpg", random_jpeg(rng, w, h))
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"caltech-101/{datasets.CALTECH_INNER}", inner.getvalue())
    return path


def fake_pareidolia_mirror(folder: Path, seed: int = 1) -> Path:
    """A folder laid out like the Faces in Things mirror (``<commit>/data/<shard>/<file>``)
    holding a random JPEG for every row of the committed selection, at the width and height
    the list records (the fetcher checks them). Returns the folder (the base address that
    ``COURSE_PAREIDOLIA_URL`` names, served or as a ``file://`` URI)."""
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
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for breed in (*oxford_pet.DOG_BREEDS, "Bengal"):
            for i in range(1, per_breed + 1):
                w, h = int(rng.integers(400, 500)), int(rng.integers(300, 400))
                _add(tar, f"images/{breed}_{i}.jpg", random_jpeg(rng, w, h))
    return path


def build(folder: str | os.PathLike) -> dict[str, Path]:
    """Every stand-in, written once into ``folder`` (reused when there): name -> path."""
    folder = Path(folder)
    return {"weights": fake_vgg16_weights(folder), "caltech": fake_caltech_archive(folder),
            "pareidolia": fake_pareidolia_mirror(folder / "pareidolia-mirror"),
            "pet": fake_pet_archive(folder)}


def mirror_env(built: dict[str, Path], base: str) -> dict[str, str]:
    """The four mirror variables pointing at the stand-ins of :func:`build`, which lie under
    the folder served at ``base`` (an ``http://`` address, no trailing slash)."""
    from helpers.cnn.models import url_variable
    from helpers.stimuli.sources import facesinthings, oxford_pet

    return {url_variable("vgg16"): f"{base}/{built['weights'].name}",
            "COURSE_DEMO_URL": f"{base}/{built['caltech'].name}#md5={md5_of(built['caltech'])}",
            facesinthings.URL_HINT: f"{base}/{built['pareidolia'].name}",
            oxford_pet.URL_HINT: f"{base}/{built['pet'].name}#md5={md5_of(built['pet'])}"}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the notebooks' output, not the server's, matters
        pass


@contextlib.contextmanager
def served(built: dict[str, Path]):
    """Serve the folder of :func:`build`'s stand-ins on 127.0.0.1 (a free port, a thread of
    this process) while the block runs; yields the mirror variables (:func:`mirror_env`)."""
    folder = built["weights"].parent
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield mirror_env(built, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


def session_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment ``binder/start`` gives a Binder session (threads, profile), on top
    of ``env`` (default: this process's): what its kernels inherit."""
    base = dict(os.environ if env is None else env)
    out = subprocess.run(["bash", str(ROOT / "binder" / "start"), "env", "-0"], env=base, check=True,
                         capture_output=True).stdout.decode()
    return dict(item.split("=", 1) for item in out.split("\0") if "=" in item)


def run_postbuild(env: dict[str, str], workdir: Path, timeout: float = 3600) -> subprocess.CompletedProcess:
    """Run ``binder/postBuild`` from the repository root with ``env`` as Binder's build would,
    but with a ``pip`` that only logs (this environment has the ``helpers`` package already,
    and must not be changed): its checks of the JupyterLab extensions and its prefetch (with
    ``env``'s mirror variables: the stand-ins) run for real. Output in the returned
    CompletedProcess (stdout and stderr together)."""
    bin_dir = workdir / "postbuild-bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    pip = bin_dir / "pip"
    pip.write_text('#!/usr/bin/env bash\necho "(rehearsal: pip $* skipped; helpers is importable already)"\n')
    pip.chmod(0o755)
    # this interpreter's python and jupyter first, as the image's are on Binder
    path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), env.get("PATH", "")])
    run_env = dict(env, PATH=path, TMPDIR=str(workdir))
    return subprocess.run(["bash", str(ROOT / "binder" / "postBuild")], cwd=ROOT, env=run_env, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
