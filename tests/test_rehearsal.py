"""The full profile rehearsed end to end: what a class runs on Binder is what CI runs.

Every download of the ``full`` profile is served from 127.0.0.1 by stand-ins
(:mod:`tools.standins`: VGG16 with seeded random weights in torchvision's file format and
name convention, archives laid out like Caltech-101's, Faces in Things' and Oxford-IIIT Pet's),
reached through the mirror variables a teacher would set (``COURSE_VGG16_URL``,
``COURSE_DEMO_URL``, ``COURSE_PAREIDOLIA_URL``, ``COURSE_PET_URL``). Then, as on Binder:

1. ``binder/postBuild`` runs (with a ``pip`` that only logs): its extension checks, and its
   strict prefetch, which downloads and verifies the stand-ins and fills the caches;
2. every **learner** notebook (blank exercises) runs in a fresh kernel in the environment
   ``binder/start`` gives a session (``COURSE_PROFILE=full``; 2 threads unless the environment
   sets them, as ``make test`` does: 1 per worker, two workers on 2 cores), from that cache.

``binder/postBuild`` runs once per test session (:func:`build_once`); notebooks 00-05 run here,
06-10 in test_rehearsal_later.py, so that ``make test``'s two processes can share the work.
Each must run to its end with every check saying "Not yet", say in its banner and labels that
the weights are stand-ins (never ImageNet's), and keep its kernel's peak memory within its
budget (below). The rehearsal is smaller than a class's run, by the documented variables of
:mod:`helpers.edge.profiles`: ``COURSE_FULL_N`` images per category (:data:`FULL_N`, instead of
all 372 photographs) and a smaller feature visualisation (``COURSE_FEATUREVIZ_SIZE``,
``COURSE_FEATUREVIZ_STEPS``); the networks (VGG16 and its untrained control, 224 px inputs,
batches of 8) are the real ones.

Memory budget. On Binder each notebook's kernel must stay within 1.6 GB with PyTorch's CPU
build (:data:`benchmarks.measure_memory.BINDER_BUDGET_MB`); this machine's measurement is turned
into that estimate by :func:`benchmarks.measure_memory.binder_estimate_mb` (less 280 MB where
PyTorch is PyPI's CUDA-carrying build). Most of a kernel's memory does not depend on the number
of images (PyTorch, one VGG16 at a time, a forward pass in batches of 8); what does is what a
notebook keeps per image. With fewer images a kernel needs less, so the rehearsal's budget is
scaled to its size: ``1600 MB - (372 - n) * PER_IMAGE_MB``, ``n`` the rehearsal's image count and
:data:`PER_IMAGE_MB` what a notebook holds per photograph at 224 px: the image itself and its
equalised copy, 224 * 224 * 3 bytes each. A notebook over its rehearsal budget would not leave
room for the images the rehearsal leaves out. This is a heuristic: a notebook keeping more per
image (08's pooled maps: 0.3 MB) is judged at full size by ``benchmarks/measure_memory.py
--simulate-full --postbuild`` (binder/README.md), not here.
"""

import os
import re
import time
from pathlib import Path

import pytest

from test_learner_notebooks import CHECK_CALL, LEARNER, stream_text

pytestmark = pytest.mark.slow  # the whole full profile on stand-ins: minutes

FULL_N = 8  # images per category in the rehearsal (5 categories: 40 images)
FULL_IMAGES = 372  # the full profile's demo set
#: What a notebook holds per photograph (module docstring): two uint8 copies at 224 px, in MB.
PER_IMAGE_MB = 2 * 224 * 224 * 3 / 2**20
REHEARSAL = {"COURSE_FULL_N": str(FULL_N), "COURSE_FEATUREVIZ_SIZE": "64", "COURSE_FEATUREVIZ_STEPS": "16"}
# A model label that claims torchvision's ImageNet weights (helpers.labels.ModelInfo.label), and
# the banner of the real full profile: neither may appear when the weights are stand-ins.
PRETRAINED_CLAIMS = re.compile(r"ImageNet weights \(IMAGENET|PROFILE full: VGG16 with ImageNet weights|"
                               r"VGG16 with ImageNet weights")
TIMES: dict[str, float] = {}  # step -> wall seconds
CPU: dict[str, float] = {}  # step -> CPU seconds of the processes it started and waited for


def children_cpu() -> float:
    """CPU seconds (user + system) of every child process this one has waited for so far."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def output_text(cell) -> str:
    """Everything a cell showed in words: streams, and the text and markdown of its results."""
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        data = out.get("data", {})
        parts += [data.get("text/plain", ""), data.get("text/markdown", "")]
    return "".join(p if isinstance(p, str) else "".join(p) for p in parts)


def budget_mb(n_images: int) -> float:
    """The rehearsal's memory budget for a notebook on ``n_images`` photographs (module docstring)."""
    from benchmarks import measure_memory as mm

    return mm.BINDER_BUDGET_MB - max(FULL_IMAGES - n_images, 0) * PER_IMAGE_MB


# --------------------------------------------------------------------------- the parts, one by one


def test_a_mirrored_weights_file_is_verified_by_its_name_and_labelled_stand_in(tmp_path, monkeypatch,
                                                                              http_server, direct_network):
    """COURSE_RESNET18_URL (COURSE_<ARCH>_URL): a file named by torchvision's convention after its own
    SHA-256 is downloaded, verified and loaded by load_model's real path; the model is labelled
    STAND-IN, never ImageNet; a wrong prefix or a name without one is refused in one sentence."""
    import hashlib
    import io

    import torch

    from helpers.cnn import models

    source = models.load_model("resnet18", pretrained=False, seed=5, cache=False)
    buf = io.BytesIO()
    torch.save(source.state_dict(), buf)
    data = buf.getvalue()
    name = f"resnet18-{hashlib.sha256(data).hexdigest()[:8]}.pth"
    http_server.files = {f"/{name}": data, "/resnet18-00000000.pth": data, "/resnet18.pth": data}
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setenv("COURSE_RESNET18_URL", http_server.url(f"/{name}"))
    assert models.standin_weights("resnet18") == name and models.standin_weights("vgg16") is None
    model = models.load_model("resnet18", pretrained=True, fallback=False, progress=False)
    info = models.model_info(model)
    assert info.standin and info.trained and "STAND-IN" in info.label and "ImageNet weights (" not in info.label
    assert (tmp_path / "hub" / "checkpoints" / name).is_file()
    assert all(torch.equal(t, source.state_dict()[k]) for k, t in model.state_dict().items())

    monkeypatch.setenv("COURSE_RESNET18_URL", http_server.url("/resnet18-00000000.pth"))
    with pytest.raises(models.WeightsUnavailable, match="corrupt or a different file"):
        models.load_model("resnet18", pretrained=True, fallback=False, progress=False)
    monkeypatch.setenv("COURSE_RESNET18_URL", http_server.url("/resnet18.pth"))
    with pytest.raises(models.WeightsUnavailable, match="COURSE_RESNET18_URL=.* must end in a file name"):
        models.load_model("resnet18", pretrained=True, fallback=False, progress=False)


def test_mirror_checksums_in_the_fragment():
    from helpers.download import DownloadError, mirror_checksum

    assert mirror_checksum("https://x.org/a.zip") == ("https://x.org/a.zip", {})
    assert mirror_checksum("http://h/a.zip#md5=" + "AB" * 16) == ("http://h/a.zip", {"md5": "ab" * 16})
    assert mirror_checksum("file:///a.tgz#sha256=" + "0" * 64) == ("file:///a.tgz", {"sha256": "0" * 64})
    for bad in ("http://h/a.zip#md5=123", "http://h/a.zip#top", "http://h/a.zip#crc=" + "0" * 32):
        with pytest.raises(DownloadError, match="not a checksum"):
            mirror_checksum(bad)


def test_rehearsal_variables_shrink_the_full_profile_only(monkeypatch):
    import numpy as np

    from helpers.edge import profiles
    from helpers.stimuli.sets import Preprocess, StimulusSet

    monkeypatch.setenv("COURSE_FULL_N", "3")
    monkeypatch.setenv("COURSE_FEATUREVIZ_STEPS", "16")
    full = profiles.get_profile("full")
    assert (full.max_per_category, full.featureviz_size, full.featureviz_steps) == (3, 128, 16)
    assert "COURSE_FULL_N" in profiles.reductions(full)
    assert profiles.get_profile("quick") == profiles.PROFILES["quick"]
    monkeypatch.setenv("COURSE_FULL_N", "three")
    with pytest.raises(ValueError, match="COURSE_FULL_N='three' must be a positive whole number"):
        profiles.get_profile("full")
    labels = np.repeat([0, 1], [10, 2])
    stim = StimulusSet(["a", "b"], labels, [f"p{i}" for i in range(12)], Preprocess(), source="s",
                       subcategories=np.array(["x"] * 5 + ["y"] * 5 + ["", ""]))
    small = profiles.limit_per_category(stim, 3)
    assert small.counts() == {"a": 3, "b": 2} and small.paths == ["p0", "p4", "p9", "p10", "p11"]
    assert set(small.subcategories[:3]) == {"x", "y"} and "COURSE_FULL_N" in small.source


def test_course_lets_go_of_a_network_nobody_holds(monkeypatch):
    import gc

    from helpers.edge import course

    monkeypatch.setenv("COURSE_PROFILE", "quick")
    net = course.model()
    assert course.model() is net and course.control_model() is not net
    key = next(k for k, v in course._MODELS.items() if v is net)
    del net
    gc.collect()
    assert key not in course._MODELS, "a network no notebook variable refers to must be freed"


def test_feature_visualisation_and_pooled_activations_are_cached_by_model_content(tmp_path, monkeypatch):
    """Computed once, read back the same; a change to one weight computes afresh."""
    import numpy as np
    import torch

    from helpers.analyses import rsa as analysis, featureviz
    from helpers.cnn.models import load_vgg16
    from helpers.labels import PAPER_CATEGORIES
    from helpers.organism.world import measurement_stimuli

    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    net = load_vgg16(pretrained=False, seed=0, cache=False)
    args = dict(size=32, steps=3, seed=0, snapshots=[0, 3], progress=False, cache=True)
    a = featureviz.visualize(net, "block2_conv1", [1, 4], **args)
    b = featureviz.visualize(net, "block2_conv1", [1, 4], **args)
    assert len(list((tmp_path / "featureviz").iterdir())) == 1
    assert np.array_equal(a.images, b.images) and np.array_equal(a.history, b.history)
    assert sorted(b.snapshots) == [0, 3] and b.model_label == a.model_label and b.settings == a.settings
    stim = measurement_stimuli(n_per_category=2, size=32, seed=0, categories=PAPER_CATEGORIES)
    p1 = analysis.pooled_activations(net, stim, ["block1_conv1", "fc2"], grid=2, batch_size=4, cache=True)
    p2 = analysis.pooled_activations(net, stim, ["block1_conv1", "fc2"], grid=2, batch_size=4, cache=True)
    assert list(p2) == ["block1_conv1", "fc2"] and all(np.array_equal(p1[k], p2[k]) for k in p1)
    with torch.no_grad():
        net.features[0].weight[0, 0, 0, 0] += 1.0
    c = featureviz.visualize(net, "block2_conv1", [1, 4], **args)
    analysis.pooled_activations(net, stim, ["block1_conv1", "fc2"], grid=2, batch_size=4, cache=True)
    assert len(list((tmp_path / "featureviz").iterdir())) == 2 and not np.array_equal(c.images_float, a.images_float)
    assert len(list((tmp_path / "pooled").iterdir())) == 2


# --------------------------------------------------------------------------- the rehearsal


#: The session environment's own variables (beside this process's), as binder/start gives them.
SESSION_VARIABLES = ("COURSE_PROFILE", "COURSE_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def build_once(tmp_path_factory) -> dict:
    """Stand-ins built and ``binder/postBuild`` run once per test session, by the first test
    process that asks (the others wait on a lock, then read its record): the notebooks are split
    over two files (this one and test_rehearsal_later.py), which ``make test`` may hand to its
    two processes. Returns the record: the rehearsal's variables (folders, sizes, session), the
    stand-ins' paths, postBuild's exit code and the tail of its output, and its wall and CPU
    seconds."""
    import fcntl
    import json

    from tools import standins

    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "rehearsal"
    root.mkdir(exist_ok=True)
    record_path = root / "postbuild.json"
    with open(root.parent / "rehearsal.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not record_path.exists():
            start, cpu0 = time.perf_counter(), time.process_time()
            built = standins.build(root / "standins")
            record = {"times": {"stand-ins": time.perf_counter() - start}, "cpu": {"stand-ins": time.process_time() - cpu0}}
            own = dict(**REHEARSAL, TORCH_HOME=str(root / "torch"), COURSE_DATA=str(root / "data"),
                       COURSE_CACHE=str(root / "cache"), MPLBACKEND="module://matplotlib_inline.backend_inline",
                       PYTHONUNBUFFERED="1")
            with standins.served(built) as mirrors:
                base_env = {k: v for k, v in os.environ.items() if k != "COURSE_PROFILE"}  # binder/start sets it
                env = standins.session_env({**base_env, **mirrors, **own})
                t0, c0 = time.perf_counter(), children_cpu()
                proc = standins.run_postbuild(env, root)
                record["times"]["postBuild"], record["cpu"]["postBuild"] = time.perf_counter() - t0, children_cpu() - c0
            own.update({k: env[k] for k in SESSION_VARIABLES})
            record.update(own=own, built={k: str(v) for k, v in built.items()}, returncode=proc.returncode,
                          output=proc.stdout[-3000:])
            record_path.write_text(json.dumps(record))
    return json.loads(record_path.read_text())


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    """The session's environment after postBuild (:func:`build_once`): what binder/start gives a
    kernel, with the stand-ins served again by this process (should a notebook download again)."""
    from tools import standins

    record = build_once(tmp_path_factory)
    TIMES.update(record["times"])
    CPU.update(record["cpu"])
    assert record["returncode"] == 0, f"binder/postBuild failed:\n{record['output']}"
    assert "postBuild: done" in record["output"]
    with standins.served({k: Path(v) for k, v in record["built"].items()}) as mirrors:
        env = {k: v for k, v in os.environ.items() if k not in SESSION_VARIABLES}
        env.update(**mirrors, **record["own"])
        # binder/start keeps thread settings the environment gives (make test: 1 per worker, two
        # workers on 2 cores); its default of 2 is checked in test_binder.py.
        assert env["COURSE_PROFILE"] == "full" and env["COURSE_THREADS"] == os.environ.get("COURSE_THREADS", "2")
        yield env
    print("\nrehearsal, wall seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in TIMES.items())
          + "\nrehearsal, CPU seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in CPU.items()))


def test_postbuild_downloaded_and_verified_every_stand_in(rehearsal):
    from helpers.cnn.models import url_variable

    weights = Path(rehearsal["TORCH_HOME"]) / "hub" / "checkpoints" / rehearsal[url_variable("vgg16")].rsplit("/", 1)[1]
    assert weights.is_file(), "postBuild's prefetch did not fetch the weights through COURSE_VGG16_URL"
    data = Path(rehearsal["COURSE_DATA"])
    for folder in ("caltech101-demo", "facesinthings", "oxford-pet-demo"):
        assert any(data.glob(f"{folder}*")), f"postBuild's prefetch did not fetch {folder}"
    assert any((Path(rehearsal["COURSE_CACHE"]) / "activations").iterdir()), "no activations prefetched"


#: The notebooks this file runs; test_rehearsal_later.py runs the others.
FIRST = [p for p in LEARNER if p.stem[:2] <= "05"]


@pytest.mark.parametrize("path", FIRST, ids=lambda p: p.stem)
def test_learner_notebook_runs_under_full_on_stand_ins(rehearsal, path):
    check_learner_notebook(rehearsal, path)


def check_learner_notebook(rehearsal: dict, path: Path) -> None:
    """Run one learner notebook in a fresh kernel with the session's environment: it must end
    with every check saying "Not yet", name the stand-ins in its banner and labels, and keep its
    peak within the rehearsal's budget (module docstring)."""
    from benchmarks import measure_memory as mm

    c0 = children_cpu()
    row = mm.run_notebook(path, rehearsal, timeout=600)
    TIMES[path.stem[:2]], CPU[path.stem[:2]] = row["seconds"], children_cpu() - c0
    print(f"\n{path.name}: {row['seconds']:.0f} s, CPU {CPU[path.stem[:2]]:.0f} s, peak {mm.binder_estimate_mb(row):.0f} MB "
          f"(Binder estimate); highest cells: {mm.top_cells(row)}")
    assert row["error"] is None, f"{path.name} failed under full: {row['error']}"
    nb = row["nb"]
    ran = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    text = "".join(stream_text(c) for c in ran)
    checks = sum(len(CHECK_CALL.findall(c.source)) for c in ran)
    assert len(re.findall(r"^Not yet: ", text, re.M)) == checks, f"{path.name}: a blank exercise did not say Not yet"
    shown = "".join(output_text(c) for c in ran)
    assert "PROFILE full, REHEARSAL: VGG16 with STAND-IN weights" in shown, "the banner must name the stand-ins"
    claims = sorted(set(PRETRAINED_CLAIMS.findall(shown)))
    assert not claims, f"{path.name} labels stand-in weights as ImageNet's: {claims}"
    n_images = FULL_N * 5
    peak = mm.binder_estimate_mb(row)
    assert peak <= budget_mb(n_images), (
        f"{path.name}: kernel peak {peak:.0f} MB (Binder estimate) > budget {budget_mb(n_images):.0f} MB at "
        f"{n_images} images; highest cells: {mm.top_cells(row)}")
