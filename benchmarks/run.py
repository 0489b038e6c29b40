"""Benchmarks of the course's pipeline on this machine (issue #5).

    python benchmarks/run.py            # full run: 224 px, more repeats (tens of minutes on 2 cores)
    python benchmarks/run.py --quick    # under two minutes on an idle 2-core machine
    python benchmarks/run.py --quick --smoke --out /tmp/b   # seconds: what the unit test runs
    python benchmarks/run.py --course   # also execute the course (quick profile) and time it

Writes ``results.json`` and ``results.md`` to ``--out`` (default ``benchmarks/results/``):
one row per measurement with its unit, target and whether the target was met, plus the
machine (CPU model, cores, memory), library versions and date. What each row means and how
the targets are defined: ``benchmarks/README.md``.

The benchmark is not a test: a slow machine misses targets, it never fails. Ratios come
from one process, the compared methods alternating (ABAB..., with the order rotated every
round) after a warm-up; each ratio is the median of the ratios of one round.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as _dt
import inspect
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

SCHEMA = 1
FLOAT_BYTES = 4
MB = 1e6
GB = 1e9

# Sizes of each mode. "quick" must finish in under two minutes on an idle 2-core machine,
# "smoke" in seconds (the unit test: one round of everything, it checks the wiring), "full"
# may take tens of minutes.
MODES = {
    "full": dict(
        px=224, images=32, batch=32, repeats=5, warmup=1,
        mem_px=224, mem_small=64, mem_large=1024, mem_batch=32,
        profile_images=300, batch8_images=64, stat_repeats=7, stat_warmup=1),
    "quick": dict(
        px=224, images=4, batch=4, repeats=4, warmup=1,
        mem_px=32, mem_small=64, mem_large=1024, mem_batch=32,
        profile_images=32, batch8_images=8, stat_repeats=5, stat_warmup=1),
    "smoke": dict(
        px=32, images=1, batch=1, repeats=1, warmup=0,
        mem_px=32, mem_small=2, mem_large=8, mem_batch=8,
        profile_images=0, batch8_images=0, stat_repeats=1, stat_warmup=0),
}
TARGETS = {
    "collect_ratio": 1.05,          # collect() time / fastest plain forward time
    "memory_growth_ratio": 1.5,     # RSS growth / expected result-array growth (allocator noise ±10 MB)
    "profile_peak_bytes": 1.5 * 2**30,  # Binder's limit is 2 GB; keep 1.5 GB
    "permutation_seconds": 1.0,
    "resolved_permutation_seconds": 5.0,
    "quick_seconds": 120.0,
}


# --------------------------------------------------------------------------- rows


def row(section: str, name: str, value, unit: str = "", target: str = "", met=None, note: str = "") -> dict:
    """One line of the results table. ``value`` is a positive number or None (not measured)."""
    if value is not None:
        value = float(value)
    return {"section": section, "name": name, "value": value, "unit": unit, "target": target,
            "met": met, "note": note}


def _median(xs):
    return float(statistics.median(xs))


def _fmt(v) -> str:
    if v is None:
        return "—"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


# --------------------------------------------------------------------------- machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_bytes() -> int | None:
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except ImportError:
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def machine_info() -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    mem = _memory_bytes()
    info = {
        "cpu": _cpu_model(), "logical_cpus": os.cpu_count(), "usable_cpus": usable,
        "torch_threads": torch.get_num_threads(), "memory_gb": round(mem / 2**30, 1) if mem else None,
        "platform": platform.platform(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    with contextlib.suppress(OSError, AttributeError):
        info["load_average_start"] = [round(x, 2) for x in os.getloadavg()]
    # Settings that change the timings (README, "Method": OpenMP's waiting on a shared CPU).
    info["environment"] = {k: os.environ[k] for k in ENV_SETTINGS if k in os.environ}
    return info


def versions() -> dict:
    import torchvision

    import helpers

    v = {"python": platform.python_version(), "torch": torch.__version__,
         "torchvision": torchvision.__version__, "numpy": np.__version__, "helpers": helpers.__version__,
         "cuda_build": torch.version.cuda, "mkldnn": torch.backends.mkldnn.is_available()}
    with contextlib.suppress(Exception):
        v["git_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                                         capture_output=True, timeout=10).stdout.strip() or None
    return v


# --------------------------------------------------------------------------- stimuli


def synthetic_stimuli(n: int, px: int, pool: int = 64, seed: int = 0):
    """A StimulusSet of ``n`` random uint8 images of ``px`` px (4 categories) whose pixels
    come from a fixed pool of ``pool`` images, so that the input takes the same memory
    for 64 images as for 1024 (memory growth is then the result arrays alone)."""
    from helpers.stimuli.sets import Preprocess, StimulusSet

    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (min(pool, n), px, px, 3), dtype=np.uint8)

    class _Pooled(StimulusSet):
        def images(self, indices=None):
            idx = np.arange(len(self)) if indices is None else np.asarray(list(indices), dtype=np.int64)
            return pixels[idx % len(pixels)]

    labels = np.arange(n) % 4
    return _Pooled(["a", "b", "c", "d"], labels, [f"synthetic:{i}" for i in range(n)],
                   Preprocess(resize=px, crop=px), source=f"random pixels, seed {seed}")


# --------------------------------------------------------------------------- 1. throughput

# Section 1's sizes, beside MODES: ``batches``, the batch sizes collect() and the
# channels-last forward and feature extractor run at (the first is the peers' too);
# ``early``, the deepest layer of the early-stop rows; ``peer_mem``, the fresh-process
# memory runs: collect() at each of ``ours`` (batch sizes), each peer at ``batch``, all
# over ``n`` images of ``px`` px; ``parallel``: side by side, for sizes that fit the
# machine; ``only``: the peers to run (default: all available).
COLLECTION_MODES = {
    "full": dict(batches=(32, 8), early="block3_conv3",
                 peer_mem=dict(n=128, px=224, ours=(8, 32), batch=32, parallel=False)),
    "quick": dict(batches=(4,), early="block3_conv3",
                  peer_mem=dict(n=16, px=64, ours=(8,), batch=8, parallel=True)),
    "smoke": dict(batches=(1,), early="block3_conv3",
                  peer_mem=dict(n=4, px=32, ours=(), batch=2, parallel=True, only=("fx_channels_last",))),
}
COLLECTION_TARGETS = {
    "fx_ratio": 1.00,               # collect() time / torchvision feature extractor (channels-last), same batch
    "fixed_cost_seconds": 0.02,     # what a collect() call costs beyond its forward passes
}
ENV_SETTINGS = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "MKL_NUM_THREADS", "MALLOC_MMAP_THRESHOLD_",
                "MALLOC_ARENA_MAX")
PEER_TOLERANCE = 1e-4  # largest difference of a peer's maxima from ours, relative to the layer's maximum


def _sync(device: torch.device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _to_device(model, device, channels_last: bool):
    m = copy.deepcopy(model).to(device)
    if channels_last:
        m = m.to(memory_format=torch.channels_last)
    return m.eval()


def _format(channels_last: bool):
    return torch.channels_last if channels_last else torch.contiguous_format


PEER_LABELS = {
    "fx_channels_last": "torchvision create_feature_extractor + amax, channels-last model converted once",
    "fx_contiguous": "torchvision create_feature_extractor + amax, contiguous (NCHW)",
    "thingsvision": "thingsvision PyTorchExtractor.batch_extraction + amax",
    "captum": "captum LayerActivation (list of layers) + amax",
    "torchlens": "torchlens.extract (module paths) + amax",
}


def throughput_methods(model, cfg: dict, device: torch.device, peer_names=()) -> tuple[dict, dict]:
    """The compared methods, and what they compute.

    Returns ``methods`` (name -> ``run(warm)``: processes the whole stimulus set, or only
    its first batch when ``warm``, and returns ``{layer: (n, C) maxima}`` or None) and
    ``info`` (reference method of each method whose outputs are checked, sizes, layers).
    Names: ``collect_b{B}``, ``plain_channels_last_b{B}`` and ``fx_channels_last_b{B}`` at
    each batch size B of ``cfg["batches"]``; at the first one also ``plain_contiguous``,
    ``fx_contiguous`` and the optional ``peer_names``; the early-stop methods
    ``early_*`` (layers up to ``cfg["early"]``); and the fixed-cost methods ``one_*`` (one
    image: ``one_collect`` uncached, ``one_cached``, ``one_plain``, the forward to fc2)
    and ``prepared``.
    """
    from benchmarks import peers
    from helpers.cnn.activations import collect, prepared
    from helpers.cnn.models import VGG16_LAYERS
    from helpers.stimuli.sets import Preprocess, StimulusSet

    px, n = cfg["px"], cfg["images"]
    batches = list(cfg["batches"])
    if device.type == "cuda":
        n, batches = max(n, 256), [max(batches[0], 32)]
    b0 = batches[0]
    stim = synthetic_stimuli(n, px, pool=n)
    names = list(VGG16_LAYERS)
    early = names[:names.index(cfg["early"]) + 1]
    # The same input for every method. collect() normalises uint8 pixels itself (in a
    # background thread); the other methods get the normalised tensors ready-made.
    xs = {b: [stim.batch(range(s, min(s + b, n))).to(device) for s in range(0, n, b)] for b in batches}
    cl = device.type == "cpu"  # channels-last is the fast layout on the CPU only
    plain_models = {True: _to_device(model, device, True), False: _to_device(model, device, False)}
    cut = int(VGG16_LAYERS[cfg["early"]].split(".")[1]) + 1  # features[:cut] ends with that layer's ReLU
    floor = torch.nn.Sequential(*list(plain_models[cl].features)[:cut]).eval()
    to_fc2 = torch.nn.Sequential(plain_models[cl].features, plain_models[cl].avgpool, torch.nn.Flatten(1),
                                 *list(plain_models[cl].classifier)[:5]).eval()

    def plain(net, b, channels_last):
        def run(warm=False):
            with torch.inference_mode():
                for x in xs[b][:1] if warm else xs[b]:
                    net(x.contiguous(memory_format=_format(channels_last)))
            _sync(device)
        return run

    def ours(layers, b):
        first = synthetic_stimuli(min(b, n), px, pool=n)  # the warm-up's: one batch

        def run(warm=False):
            out = collect(model, first if warm else stim, layers, batch_size=b, device=device, progress=False, cache=False)
            _sync(device)
            return dict(out)
        return run

    def peer(run_peer, b):
        def run(warm=False):
            out = run_peer(xs[b][:1] if warm else xs[b])
            _sync(device)
            return out
        return run

    # The peers' models, one copy each (VGG16: 553 MB), shared by a peer's full and early
    # runs; the feature extractors' graphs share the plain forward's parameters.
    fx_fmt = "fx_channels_last" if cl else "fx_contiguous"
    early_layers = {k: VGG16_LAYERS[k] for k in early}
    peer_models = {"fx_channels_last": plain_models[True], "fx_contiguous": plain_models[False],
                   **{name: copy.deepcopy(model) for name in peer_names}}

    def built(name, layers):
        return peers.make(name, peer_models[name], layers, device, own_copy=False)

    methods, ref = {}, {}
    for b in batches:
        methods[f"collect_b{b}"] = ours(names, b)
        methods[f"plain_channels_last_b{b}"] = plain(plain_models[True], b, True)
    methods["plain_contiguous"] = plain(plain_models[False], b0, False)
    fx_cl = built("fx_channels_last", VGG16_LAYERS) if cl else None
    for b in batches:
        if fx_cl is not None:
            methods[f"fx_channels_last_b{b}"] = peer(fx_cl, b)
            ref[f"fx_channels_last_b{b}"] = f"collect_b{b0}"
        if b != b0:
            ref[f"collect_b{b}"] = f"collect_b{b0}"
    for name in ("fx_contiguous", *peer_names):
        methods[name] = peer(built(name, VGG16_LAYERS), b0)
        ref[name] = f"collect_b{b0}"
    methods["early_floor"] = plain(floor, b0, cl)
    methods["early_collect"] = ours(early, b0)
    for name in (fx_fmt, *peer_names):
        methods[f"early_{name}"] = peer(built(name, early_layers), b0)
        ref[f"early_{name}"] = "early_collect"

    # Fixed costs: one image, its pixels in memory (so that the stimuli's fingerprint, part
    # of the cache key, hashes them as for the course's schematic drawings).
    pixels = np.ascontiguousarray(stim.images([0]))
    one = StimulusSet(["a"], [0], ["synthetic:0"], Preprocess(resize=px, crop=px), pixels=pixels,
                      source="random pixels, seed 0")
    cache_dir = tempfile.mkdtemp(prefix="bench-cache-")

    def one_collect(warm=False):
        collect(model, one, batch_size=1, device=device, progress=False, cache=False)
        _sync(device)

    def one_cached(warm=False):
        collect(model, one, batch_size=1, device=device, progress=False, cache=cache_dir)
        _sync(device)

    def one_plain(warm=False):
        # The same pipeline without collect()'s own work: the image decoded in a worker
        # thread, as collect() does it. (Not only for fairness of the input: on a shared
        # CPU, libgomp spins less once that thread has its own OpenMP team, which changes
        # the forward pass's CPU time by up to 2x; README, "Method".)
        with ThreadPoolExecutor(max_workers=1) as pool:
            x = pool.submit(one.batch, [0]).result().to(device).contiguous(memory_format=_format(cl))
            with torch.inference_mode():
                to_fc2(x)
            _sync(device)

    def prepare(warm=False):
        with prepared(model, device, cl):
            pass
        _sync(device)

    methods.update(one_collect=one_collect, one_cached=one_cached, one_plain=one_plain, prepared=prepare)
    info = {"images": n, "batches": batches, "px": px, "early": cfg["early"], "ref": ref,
            "cache_dir": cache_dir, "fx_format": fx_fmt}
    return methods, info


def alternate(methods: dict, repeats: int, warmup: int = 1) -> tuple[dict, dict, dict]:
    """Wall and CPU seconds per call of each method, and each method's outputs: ``warmup``
    calls of each on its first batch only (``run(warm=True)``: first-call costs), then
    ``repeats`` rounds in which every method runs once on everything, the order rotated
    each round (ABCD, BCDA, ...). The outputs are those of each method's first full call."""
    names = list(methods)
    for _ in range(warmup):
        for name in names:
            methods[name](warm=True)
    wall = {name: [] for name in names}
    cpu = {name: [] for name in names}
    outputs = {}
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            t, c = time.perf_counter(), time.process_time()
            out = methods[name]()
            wall[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
            if name not in outputs:
                outputs[name] = out
    return wall, cpu, outputs


def _rounds_note(wall: dict, cpu: dict, a: str, b: str) -> str:
    rounds = [x / y for x, y in zip(wall[a], wall[b])]
    cpu_ratio = _median([x / y for x, y in zip(cpu[a], cpu[b])])
    return f"CPU-time ratio {cpu_ratio:.3f}; wall, per round: " + ", ".join(f"{r:.3f}" for r in rounds)


def _ratio(wall: dict, a: str, b: str) -> float:
    return _median([x / y for x, y in zip(wall[a], wall[b])])


def bench_throughput(model, cfg: dict, device: torch.device, section: str,
                     peer_names=(), missing: dict | None = None) -> tuple[list, dict]:
    """Section 1 (or 6 on a GPU): collect() against the plain forward, the torchvision
    feature extractor and the importable ``peer_names``; ``missing``: peer -> why it was
    left out (a row each)."""
    from benchmarks import peers

    repeats = cfg["repeats"]
    methods, info = throughput_methods(model, cfg, device, peer_names)
    try:
        times, cpu, outputs = alternate(methods, repeats, cfg.get("warmup", 1))
    finally:
        shutil.rmtree(info["cache_dir"], ignore_errors=True)
    n, px, batches, b0 = info["images"], info["px"], info["batches"], info["batches"][0]
    med = {k: _median(v) for k, v in times.items()}
    checks = {m: peers.compare(outputs[r], outputs[m], PEER_TOLERANCE) for m, r in info["ref"].items()}

    def check(m):
        return checks[m][1] if m in checks else ""

    plain = {b: f"plain_channels_last_b{b}" for b in batches}
    fastest = min((plain[b0], "plain_contiguous"), key=med.get)
    fast_name = "channels_last" if fastest == plain[b0] else "contiguous"
    where = f"{px} px, {n} images per call, median of {repeats} alternating rounds"
    target, fx_target = TARGETS["collect_ratio"], COLLECTION_TARGETS["fx_ratio"]
    rows = []
    for b in batches:
        rows.append(row(section, f"collect(): 15 layers, per-filter max (incl. uint8→float preprocessing), batch {b}",
                        n / med[f"collect_b{b}"], "images/s", note=where + ("; " + check(f"collect_b{b}")
                                                                               if b != b0 else "")))
    for b in batches:
        rows.append(row(section, f"plain forward, channels_last, batch {b}", n / med[plain[b]], "images/s",
                        note="whole VGG16 to the logits, inputs already normalised"))
    rows.append(row(section, f"plain forward, contiguous (NCHW), batch {b0}", n / med["plain_contiguous"],
                    "images/s"))
    for b in batches:
        den = fastest if b == b0 else plain[b]
        ratio = _ratio(times, f"collect_b{b}", den)
        rows.append(row(section, f"ratio collect / fastest plain forward ({fast_name if b == b0 else 'channels_last'}), "
                        f"batch {b}, {n} images per call", ratio, "×", f"≤ {target}", ratio <= target,
                        note=_rounds_note(times, cpu, f"collect_b{b}", den)))
    if device.type == "cpu":
        for b in batches:
            fx = f"fx_channels_last_b{b}"
            ratio = _ratio(times, f"collect_b{b}", fx)
            rows.append(row(section, f"ratio collect / torchvision feature extractor (channels-last), batch {b}",
                            ratio, "×", f"≤ {fx_target:.2f}", ratio <= fx_target,
                            note=_rounds_note(times, cpu, f"collect_b{b}", fx) + "; " + check(fx)))
    # Fixed costs per call.
    fixed_target = COLLECTION_TARGETS["fixed_cost_seconds"]
    diffs = [c - p for c, p in zip(times["one_collect"], times["one_plain"])]
    cpu_diff = _median([c - p for c, p in zip(cpu["one_collect"], cpu["one_plain"])])
    fixed = _median(diffs)
    rows.append(row(section, "collect() fixed cost: cached call, 1 image", med["one_cached"], "s",
                    f"< {fixed_target} s", med["one_cached"] < fixed_target,
                    note=f"CPU {_median(cpu['one_cached']):.4f} s; content keys of the weights (XXH3-128 over "
                    "553 MB) and pixels, reading the entry back with its checksum"))
    rows.append(row(section, "collect() fixed cost: 1-image call (cache=False) − its forward pass to fc2",
                    fixed if fixed > 0 else None, "s", f"< {fixed_target} s", fixed < fixed_target,
                    note=("" if fixed > 0 else f"not measurable: {fixed * 1000:+.1f} ms, the call was not slower "
                          "than the plain forward; ")
                    + f"paired per round; CPU {cpu_diff * 1000:+.1f} ms; 1-image call {med['one_collect']:.3f} s, "
                    f"forward {med['one_plain']:.3f} s"))
    rows.append(row(section, "prepared(): the run's device and memory format (kept channels-last weights, "
                    "checked by content)", med["prepared"], "s",
                    note=f"CPU {_median(cpu['prepared']):.4f} s; part of the fixed cost"))
    big = 300
    per_round_fixed = [max(d, 0.0) for d in diffs]
    projected = [((c - f) / n * big + f) / (p / n * big)
                 for c, f, p in zip(times[f"collect_b{b0}"], per_round_fixed, times[fastest])]
    rows.append(row(section, f"ratio collect / fastest plain forward, one call over {big} images (full profile)",
                    _median(projected), "×", f"≤ {target}", _median(projected) <= target,
                    note=f"from this run's per-image times and fixed cost: ((collect − fixed)·{big}/{n} + fixed) "
                    f"/ (plain·{big}/{n}), batch {b0}"))
    # The peers, in the same rounds.
    peer_rows = ([f"fx_channels_last_b{b0}", "fx_contiguous"] if device.type == "cpu" else ["fx_contiguous"])
    for m in (*peer_rows, *peer_names):
        base = m.removesuffix(f"_b{b0}")
        label = PEER_LABELS[base] + (f" {peers.version(base)}" if peers.version(base) else "")
        rows.append(row(section, f"peer: {label}, batch {b0}", n / med[m], "images/s", note=check(m)))
        rows.append(row(section, f"ratio peer / plain channels_last forward: {base}, batch {b0}",
                        _ratio(times, m, plain[b0]), "×", note=_rounds_note(times, cpu, m, plain[b0])))
    for name, why in (missing or {}).items():
        rows.append(row(section, f"peer: {PEER_LABELS[name]}", None, "images/s", note=why))
    # Early stop: the layers up to cfg["early"].
    early = info["early"]
    for m, label in (("early_floor", f"plain forward to {early} ({'channels_last' if device.type == 'cpu' else 'contiguous'})"),
                     ("early_collect", "collect()"),
                     *((f"early_{p}", PEER_LABELS[p]) for p in (info["fx_format"], *peer_names))):
        rows.append(row(section, f"early stop at {early}: {label} / plain channels_last forward (whole network)",
                        _ratio(times, m, plain[b0]), "×",
                        note=_rounds_note(times, cpu, m, plain[b0]) + ("; " + check(m) if m in checks else "")))
    raw = {"seconds": times, "cpu_seconds": cpu, "images": n, "batches": batches, "px": px,
           "fastest_plain": fastest, "projected_300_rounds": projected, "device": str(device),
           "checks": {m: {"equal": ok, "note": note} for m, (ok, note) in checks.items()},
           "peers": list(peer_names), "peers_missing": dict(missing or {})}
    return rows, raw


# --------------------------------------------------------------------------- 2. memory


def _status_bytes(field: str) -> int | None:
    """A memory field of /proc/self/status (Linux) in bytes, or None."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _peak_rss() -> int:
    """Peak resident memory of this process. On Linux VmHWM, the high-water mark of this
    process's own address space: ``getrusage(...).ru_maxrss`` would not do in a child,
    because Linux carries the parent's RSS at fork time over into the child's ru_maxrss."""
    hwm = _status_bytes("VmHWM")
    if hwm is not None:
        return hwm
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak * (1 if sys.platform == "darwin" else 1024))  # bytes on macOS, KiB elsewhere


def memory_child(n: int, px: int, batch: int, method: str = "collect") -> dict:
    """Runs in a fresh process: ``method`` on the CPU for ``n`` images, all 15 layers of
    VGG16; peak RSS. ``method``: "collect" (``helpers.cnn.activations.collect``) or a peer of
    :mod:`benchmarks.peers` (built before the run, fed one normalised batch at a time)."""
    from benchmarks import peers
    from helpers.cnn.activations import collect
    from helpers.cnn.models import VGG16_LAYERS, load_vgg16

    peers.use_path()  # the parent's --peers-path reaches us through the environment
    imported = _status_bytes("VmRSS")  # Python, torch, numpy and helpers imported
    model = load_vgg16(pretrained=False, progress=False)
    stim = synthetic_stimuli(n, px)
    run = None if method == "collect" else peers.make(method, model, VGG16_LAYERS, own_copy=False)
    before = _status_bytes("VmRSS")
    t = time.perf_counter()
    if run is None:
        acts = collect(model, stim, batch_size=batch, device="cpu", progress=False, cache=False)
    else:
        acts = run(stim.batch(range(s, min(s + batch, n))) for s in range(0, n, batch))
    seconds = time.perf_counter() - t
    return {"n": n, "px": px, "batch": batch, "method": method, "peak_bytes": _peak_rss(),
            "rss_imported_bytes": imported, "rss_before_bytes": before, "rss_after_bytes": _status_bytes("VmRSS"),
            "result_bytes": int(sum(a.nbytes for a in acts.values())), "seconds": seconds,
            "filters": int(sum(a.shape[1] for a in acts.values()))}


def run_children(specs: list[tuple], timeout: float = 7200, parallel: bool = True) -> list[dict]:
    """:func:`memory_child` for each (n, px, batch[, method]) in its own fresh process: all
    at once (peak memory is per process, so running them side by side changes only their
    times), or one after the other when ``parallel`` is False (large runs: their peaks
    together could exceed the machine's memory)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))

    def start(spec):
        n, px, batch, *method = spec
        args = {"n": n, "px": px, "batch": batch, **({"method": method[0]} if method else {})}
        return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--memory-child", json.dumps(args)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)

    def finish(spec, proc):
        out, err = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"memory child {spec} failed:\n{err[-3000:]}")
        return json.loads(out.strip().splitlines()[-1])

    procs, results = [], []
    try:
        if parallel:
            procs = [start(spec) for spec in specs]
            results = [finish(spec, proc) for spec, proc in zip(specs, procs)]
        else:
            for spec in specs:
                procs.append(start(spec))
                results.append(finish(spec, procs[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results


def run_child(n: int, px: int, batch: int, timeout: float = 7200) -> dict:
    """:func:`memory_child` in a fresh process."""
    return run_children([(n, px, batch)], timeout)[0]


def bench_peer_memory(cfg: dict, peer_names=(), section: str = "2. Memory (peak RSS, fresh process each)"):
    """Peak RSS of collect() and of each peer over the same images, each in a fresh process."""
    from benchmarks import peers

    pm = cfg["peer_mem"]
    n, px = pm["n"], pm["px"]
    names = [p for p in (*peers.ALWAYS, *peer_names) if p in pm.get("only", peers.NAMES)]
    specs = [(n, px, b, "collect") for b in pm["ours"]] + [(n, px, pm["batch"], p) for p in names]
    results = run_children(specs, parallel=pm["parallel"])
    ours = {r["batch"]: r for r in results if r["method"] == "collect"}
    rows = []
    for r in results:
        label = "collect()" if r["method"] == "collect" else PEER_LABELS[r["method"]]
        vs = "" if r["method"] == "collect" else "; " + ", ".join(
            f"{r['peak_bytes'] / c['peak_bytes']:.2f}× collect()'s at batch {b}" for b, c in ours.items())
        rows.append(row(section, f"peak RSS, {n} images at {px} px, 15 layers: {label}, batch {r['batch']}",
                        r["peak_bytes"] / MB, "MB", note=f"{r['seconds']:.1f} s; " + _breakdown(r, r["method"]) + vs))
    return rows, {"runs": results}


def bench_memory(cfg: dict) -> tuple[list, dict]:
    s = "2. Memory (peak RSS, fresh process each)"
    px, small, large, batch = cfg["mem_px"], cfg["mem_small"], cfg["mem_large"], cfg["mem_batch"]
    a, b = run_children([(small, px, batch), (large, px, batch)])
    growth = b["peak_bytes"] - a["peak_bytes"]
    expected = (large - small) * a["filters"] * FLOAT_BYTES
    ratio = growth / expected
    target = TARGETS["memory_growth_ratio"]
    rows = [
        row(s, f"peak RSS, {small} images at {px} px (batch {batch})", a["peak_bytes"] / MB, "MB",
            note=f"{a['seconds']:.1f} s; untrained VGG16, all 15 layers; " + _breakdown(a)),
        row(s, f"peak RSS, {large} images at {px} px (batch {batch})", b["peak_bytes"] / MB, "MB",
            note=f"{b['seconds']:.1f} s"),
        row(s, f"growth {small} → {large} images", max(growth, 0) / MB, "MB",
            note=f"measured {growth / MB:+.1f} MB, {(growth - expected) / MB:+.1f} MB beyond the result arrays"),
        row(s, f"expected growth: result arrays, {large - small} images × {a['filters']:,} filters × 4 B",
            expected / MB, "MB",
            note=f"keeping the full maps instead would add {_map_bytes(px) * (large - small) / GB:.1f} GB"),
        row(s, "growth / expected", max(ratio, 0), "×", f"≤ {target}", ratio <= target,
            note=f"at {px} px; the result arrays alone, whatever the map size"),
    ]
    raw = {"small": a, "large": b, "expected_growth_bytes": expected}
    if not cfg["profile_images"]:
        rows.append(row(s, "peak RSS, full profile: 300 images at 224 px, batch 32, 15 layers", None, "MB",
                        note="skipped in --smoke"))
        return rows, raw
    limit = TARGETS["profile_peak_bytes"]
    for key, n, bs in (("profile", cfg["profile_images"], 32), ("profile_batch8", cfg["batch8_images"], 8)):
        c = run_child(n, 224, bs)
        extra = max(0, 300 - n) * c["filters"] * FLOAT_BYTES  # result rows of the images not run
        peak300 = c["peak_bytes"] + extra
        note = f"{c['seconds']:.1f} s; " + _breakdown(c)
        if extra:
            note += (f"; measured with {n} images ({-(-n // bs)} batches), + {extra / MB:.1f} MB of result rows "
                     "for 300; glibc's heap keeps growing over more batches at 224 px (README)")
        if key == "profile":
            note += ("; untrained weights: ImageNet weights have the same size and are memory-mapped "
                     "from the torch hub cache, as these are from the course cache")
        rows.append(row(s, f"peak RSS, full profile: 300 images at 224 px, batch {bs}, 15 layers",
                        peak300 / MB, "MB", f"< {limit / 2**30:.1f} GiB (Binder)", peak300 < limit, note))
        raw[key] = c
    return rows, raw


def _breakdown(c: dict, method: str = "collect") -> str:
    """Where a child's peak went: importing, the loaded model, and the run itself."""
    imported, before, peak = c["rss_imported_bytes"], c["rss_before_bytes"], c["peak_bytes"]
    if not (imported and before):
        return ""
    if method != "collect":
        return (f"of which {imported / MB:.0f} MB after importing torch & co, {(before - imported) / MB:.0f} MB "
                f"loading the model (memory-mapped) and building the peer on it, "
                f"{(peak - before) / MB:.0f} MB during the run (the full maps of a batch)")
    return (f"of which {imported / MB:.0f} MB after importing torch & co, {(before - imported) / MB:.0f} MB "
            f"loading the model (memory-mapped), {(peak - before) / MB:.0f} MB during collect() "
            "(weight pages touched, channels-last copies of the conv weights, one batch's maps)")


def _map_bytes(px: int) -> int:
    """Bytes of the 13 conv layers' full float32 maps for one image of ``px`` px."""
    total, side = 0, px
    for convs, ch in ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512)):
        total += convs * ch * side * side
        side //= 2
    return total * FLOAT_BYTES + 2 * 4096 * FLOAT_BYTES


# --------------------------------------------------------------------------- 3. statistics


def bench_statistics(cfg: dict) -> tuple[list, dict]:
    from helpers.stats.permutation import permutation_test

    s = "3. Statistics"
    rng = np.random.default_rng(0)
    AN = rng.random((300, 4224))
    labels = rng.permutation(np.repeat(np.arange(4), 75))
    for _ in range(cfg["stat_warmup"]):
        permutation_test(AN, labels, n_permutations=1000)
    times = []
    for _ in range(cfg["stat_repeats"]):
        t = time.perf_counter()
        permutation_test(AN, labels, n_permutations=1000)
        times.append(time.perf_counter() - t)
    med = _median(times)
    rows = [row(s, "permutation_test: 1000 permutations, 4224 filters × 300 images × 4 categories", med, "s",
                f"< {TARGETS['permutation_seconds']:.0f} s", med < TARGETS["permutation_seconds"],
                note=f"median of {len(times)}; all: " + ", ".join(f"{t:.3f}" for t in times))]
    rows.append(_bench_resolved(s, cfg))
    return rows, {"seconds": times}


def _bench_resolved(section: str, cfg: dict) -> dict:
    """The permutation test resolved for Benjamini–Hochberg at q = 0.01 on a layer like fc1:
    4096 filters × 300 images, 10 % of them given a category effect (ReLU'd Gaussian noise)."""
    from helpers.stats.measure import normalize
    from helpers.stats.permutation import run_permutations

    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(4), 75)
    A = rng.normal(size=(300, 4096))
    planted = 410
    A[:, :planted] += rng.uniform(0.3, 2.0, planted) * (labels[:, None] == rng.integers(0, 4, planted))
    AN = normalize(np.maximum(A, 0))
    times, cpu = [], []
    for _ in range(max(1, cfg["stat_repeats"] // 2)):
        t, c = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        res = run_permutations(AN, labels, n_permutations=1000, resolve_q=0.01)
        d = resource.getrusage(resource.RUSAGE_SELF)
        times.append(time.perf_counter() - t)
        cpu.append(d.ru_utime + d.ru_stime - c.ru_utime - c.ru_stime)
    med = _median(times)
    return row(section, "run_permutations resolved for BH at q = 0.01: 4096 filters (10 % selective) × 300 images",
               med, "s", f"< {TARGETS['resolved_permutation_seconds']:.0f} s",
               med < TARGETS["resolved_permutation_seconds"],
               note=f"median of {len(times)}; CPU {_median(cpu):.2f} s; {int((res.n_perm > 1000).sum())} filters "
                    f"resolved, up to {int(res.n_perm.max()):,} shuffles; {int(res.unsettled.sum())} left unsettled")


# --------------------------------------------------------------------------- 7. the model organism

#: Sizes of the organism rows: measurement drawings per category collected, training
#: images per class of the short training run (after one warm-up step), rounds.
ORGANISM_MODES = {
    "full": dict(measure_per_category=36, train_per_class=48, organism_repeats=3),
    "quick": dict(measure_per_category=8, train_per_class=16, organism_repeats=1),
    "smoke": dict(measure_per_category=1, train_per_class=1, organism_repeats=1),
}
ORGANISM_TARGETS = {"training_minutes": 15.0}  # issue 10: the training script within 15 min on 2 CPU cores


def _timed(fn):
    """(result, wall s, CPU s of this process, all threads) of ``fn()``."""
    t, c = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    out = fn()
    d = resource.getrusage(resource.RUSAGE_SELF)
    return out, time.perf_counter() - t, d.ru_utime + d.ru_stime - c.ru_utime - c.ru_stime


def _load_note() -> str:
    """``"; load average 3.1"`` (1 min), or "" where the system does not say."""
    try:
        return f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    except (OSError, AttributeError):
        return ""


def training_schedule(config: dict) -> dict:
    """Images the whole training script handles under ``config`` (organism.json's "config"):
    generated (training and test splits of every class), trained (epochs × training
    images, for each of the two copies)."""
    from helpers.organism import world as miniworld, network as organism

    classes = len(miniworld.CLASSES)
    return {"generated": (config["n_train_per_class"] + config["n_test_per_class"]) * classes,
            "trained": config["epochs"] * config["n_train_per_class"] * classes * len(organism.TRAINED_KINDS)}


def bench_organism(cfg: dict, vgg16) -> tuple[list, dict]:
    """Section 7: what the model organism costs. Its training (generation and training-step
    rates of a short run with the committed configuration of ``tools/train_organism.py``,
    extrapolated to the full schedule, beside the times recorded in ``organism.json``), and
    its collection speed on the quick profile's measurement drawings beside ``vgg16``'s on
    the same images."""
    from helpers.cnn import activations
    from helpers.organism import world as miniworld, network as organism
    from tools import train_organism as trainer

    s = "7. Model organism"
    record = organism.read_record()
    conf = record["config"]
    per_class = cfg["train_per_class"]
    rows, raw = [], {}

    # generation: the training split's images of every class, as the script draws them
    _, gen_wall, gen_cpu = _timed(lambda: miniworld.dataset("train", per_class, conf["image_size"], conf["seed"]))
    n_gen = per_class * len(miniworld.CLASSES)
    images, labels = miniworld.dataset("train", per_class, conf["image_size"], conf["seed"])
    # training steps: the committed configuration (the script's defaults), one epoch over these images
    args = trainer.parse_args(["--out", str(Path(tempfile.gettempdir()) / "organism-bench-unused"),
                               "--quiet", "--epochs", "1"])
    init = organism.initial_network(args.seed, len(miniworld.CLASSES), args.widths, args.fc, args.dropout, args.pool)
    state = {k: v.clone() for k, v in init.state_dict().items()}
    quiet = lambda *a: None  # noqa: E731
    warm = min(len(images), args.batch_size)
    trainer.train_copy("ce", state, images[:warm], labels[:warm], args, quiet)  # first-step costs (allocations)
    threads = torch.get_num_threads()
    measured = {}
    # With the script's threads (what a run does), and with one thread: its CPU time is the work
    # itself, which other jobs on the cores do not inflate (two OpenMP threads that wait for each
    # other while descheduled spin, and the spinning counts as CPU time).
    for n_threads in dict.fromkeys((args.threads, 1)):
        torch.set_num_threads(n_threads)
        try:
            timed = [_timed(lambda: trainer.train_copy("ce", state, images, labels, args, quiet))[1:]
                     for _ in range(cfg["organism_repeats"])]
        finally:
            torch.set_num_threads(threads)
        measured[n_threads] = (_median([t[0] for t in timed]), _median([t[1] for t in timed]), timed)
    n = len(images)
    wall, cpu, _ = measured[args.threads]
    cpu_one = measured[1][1]
    sched = training_schedule(conf)
    gen_minutes = sched["generated"] * gen_wall / n_gen / 60
    minutes = gen_minutes + sched["trained"] * wall / n / 60
    idle_minutes = (sched["generated"] * gen_cpu / n_gen + sched["trained"] * cpu_one / n / args.threads) / 60
    load = _load_note()
    rows.append(row(s, "training world: generation", 1000 * gen_wall / n_gen, "ms/image",
                    note=f"{n_gen} images at {conf['image_size']} px (helpers.organism.world, one process, one thread); "
                         f"CPU {1000 * gen_cpu / n_gen:.2f} ms/image"))
    rows.append(row(s, f"training step rate, committed configuration (batch {args.batch_size}, SGD, "
                       f"{args.threads} threads)", n / wall, "images/s",
                    note=f"one epoch over {n} images (forward, backward, step, augmentation), median of "
                         f"{cfg['organism_repeats']}; {1000 * wall / n:.2f} ms wall, {1000 * cpu / n:.2f} ms CPU per "
                         f"image{load}"))
    rows.append(row(s, "training step CPU time, 1 thread (the work itself)", 1000 * cpu_one / n, "ms/image",
                    note=f"{1000 * measured[1][0] / n:.2f} ms wall per image; one thread's CPU time does not "
                         "grow when other jobs share the cores"))
    schedule = (f"{sched['generated']:,} images generated + {sched['trained']:,} trained ({conf['epochs']} epochs × "
                f"{conf['n_train_per_class']} × {len(miniworld.CLASSES)} classes × {len(organism.TRAINED_KINDS)} "
                "copies); evaluation left out (seconds)")
    rows.append(row(s, "training script, whole schedule, at this run's rates", minutes, "min",
                    note=f"{schedule}; generation {gen_minutes:.1f} min; {args.threads}-thread wall rate of this "
                         f"run{load}"))
    rows.append(row(s, f"training script, whole schedule, on {args.threads} idle cores (from the CPU times)",
                    idle_minutes, "min", f"≤ {ORGANISM_TARGETS['training_minutes']:.0f} min on 2 cores",
                    idle_minutes <= ORGANISM_TARGETS["training_minutes"],
                    note=f"{schedule}; generation's CPU time plus the 1-thread training CPU time split over "
                         f"{args.threads} cores (assumes the threads scale perfectly)"))
    # the committed copies' own runs: one seed's whole schedule (generation, both copies) from
    # their recorded CPU times (each copy trained in a process of its own, the recorded threads)
    per_seed, details = [], []
    for seed in organism.committed_seeds("ce"):
        entries = [organism.model_entry(k, seed) for k in organism.TRAINED_KINDS if seed in organism.committed_seeds(k)]
        t = [e["timing"] for e in entries]
        cpu = t[0]["generate_shared"]["cpu_s"] + sum(x["train"]["cpu_s"] + x["evaluate"]["cpu_s"] for x in t)
        per_seed.append(cpu / 60)
        details.append(f"seed {seed}: " + ", ".join(f"{e['file']} {x['train']['wall_s'] / 60:.1f} min wall, "
                                                   f"{x['train']['cpu_s'] / 60:.1f} min CPU"
                                                   for e, x in zip(entries, t)))
    if per_seed:
        threads = entries[0]["config"]["threads"]
        rows.append(row(s, "training script as recorded in organism.json (one seed, both copies, CPU time)",
                        max(per_seed), "min", f"≤ {ORGANISM_TARGETS['training_minutes']:.0f} min on 2 cores",
                        max(per_seed) <= ORGANISM_TARGETS["training_minutes"],
                        note=f"{threads} threads; CPU minutes of generation, training and evaluation of the slowest "
                             f"seed (its wall time on idle cores is at most this); per copy: {'; '.join(details)} "
                             "(wall times: the runs shared 2 cores with other jobs)"))
    else:
        rows.append(row(s, "training script as recorded in organism.json", None, "min",
                        note="organism.json records no timing"))

    # collection: the quick profile's measurement drawings, the organism and VGG16 (64 px, untrained)
    stim = miniworld.measurement_stimuli(cfg["measure_per_category"], conf["image_size"], seed=0)
    net = organism.load_organism("ce")
    rates = {}
    for name, model in (("organism", net), ("vgg16", vgg16)):
        def once():
            return activations.collect(model, stim, batch_size=32, progress=False, cache=False)

        once()  # warm-up
        times = [_timed(once)[1:] for _ in range(cfg["organism_repeats"])]
        rates[name] = len(stim) / _median([t[0] for t in times])
        raw[f"collect_{name}"] = times
    info = net.course_info.label
    rows.append(row(s, "collect(): the organism, 15 layers, measurement drawings", rates["organism"], "images/s",
                    note=f"{info}; {len(stim)} images at {conf['image_size']} px, batch 32, cache off, "
                         f"median of {cfg['organism_repeats']}"))
    rows.append(row(s, "collect(): VGG16 (untrained), 15 layers, the same drawings", rates["vgg16"], "images/s",
                    note=f"{conf['image_size']} px; its weights do not change the cost"))
    rows.append(row(s, "ratio organism / VGG16 collection speed", rates["organism"] / rates["vgg16"], "×"))
    raw.update(generation={"wall_s": gen_wall, "cpu_s": gen_cpu, "images": n_gen},
               training={f"{k}_threads": v[2] for k, v in measured.items()}, images=n,
               extrapolated_minutes={"this_run": minutes, "idle": idle_minutes})
    return rows, raw


# --------------------------------------------------------------------------- 4. feature visualisation


def _load_featureviz_bench():
    """(module, "") or (None, why): a broken neighbour must not break the table."""
    try:
        from benchmarks import featureviz_bench
    except Exception as e:  # noqa: BLE001
        return None, f"not available: importing featureviz_bench failed ({type(e).__name__}: {e})"
    return featureviz_bench, ""


def featureviz_rows(result: dict, section: str) -> list:
    """Rows from what ``featureviz_bench.run`` returned: ``result["rows"]``, a list of
    dicts with name, value, unit, target, met and note (a value that is not a positive
    number becomes None)."""
    rows = []
    for r in result.get("rows", []):
        value = r.get("value")
        rows.append(row(section, str(r.get("name", "?")),
                        value if isinstance(value, (int, float)) and value > 0 else None,
                        str(r.get("unit", "")), str(r.get("target", "") or ""), r.get("met"),
                        str(r.get("note", "") or "")))
    return rows


def bench_featureviz(quick: bool, section: str, device: torch.device | None = None,
                     skip: str = "") -> tuple[list, dict]:
    if skip:
        return [row(section, "feature visualisation", None, note=skip)], {}
    mod, why = _load_featureviz_bench()
    if mod is None:
        return [row(section, "feature visualisation", None, note=why)], {"error": why}
    kwargs = {}
    params = inspect.signature(mod.run).parameters
    if device is not None and device.type != "cpu":
        if "device" not in params:
            why = "featureviz_bench.run() takes no device argument"
            return [row(section, "feature visualisation", None, note=why)], {"error": why}
        kwargs["device"] = str(device)
    try:
        result = mod.run(quick, **kwargs)
    except Exception as e:  # noqa: BLE001
        why = f"featureviz_bench.run failed: {type(e).__name__}: {e}"
        return [row(section, "feature visualisation", None, note=why)], {"error": why}
    rows = featureviz_rows(result, section)
    if not rows:
        rows = [row(section, "feature visualisation", None, note="featureviz_bench.run returned no numbers")]
    return rows, {"result": _jsonable(result)}


def _jsonable(x):
    try:
        return json.loads(json.dumps(x, default=str))
    except (TypeError, ValueError):
        return str(x)


# --------------------------------------------------------------------------- 5. the course


def bench_course(run_it: bool, timings: Path | None = None) -> tuple[list, dict]:
    """Seconds per notebook: execute the course now (``run_it``), or read ``timings``
    (default ``build/timings.json``, written by ``make course``)."""
    s = "5. The course (quick profile)"
    if run_it:
        with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
            env = dict(os.environ, COURSE_PROFILE="quick")
            t = time.perf_counter()
            proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_course.py"), "--out", tmp],
                                  env=env, cwd=ROOT, capture_output=True, text=True)
            wall = time.perf_counter() - t
            path = Path(tmp) / "timings.json"
            data = json.loads(path.read_text()) if path.exists() else None
        source = f"executed by this run: tools/build_course.py under COURSE_PROFILE=quick ({wall:.0f} s wall)"
        if proc.returncode != 0:
            failed = [line for line in proc.stderr.splitlines() if line.startswith("notebooks that failed")]
            source += "; " + (failed[-1] if failed else f"build exited {proc.returncode}: "
                              + proc.stderr.strip()[-300:])
    else:
        path = Path(timings) if timings is not None else ROOT / "build" / "timings.json"
        data = json.loads(path.read_text()) if path.exists() else None
        source = ""
        if data is not None:
            when = _dt.datetime.fromtimestamp(path.stat().st_mtime, _dt.timezone.utc)
            source = (f"read from {_shown(path)} written {when.isoformat(timespec='minutes')} "
                      "(not measured by this run)")
    if data is None:
        why = (f"not measured: the course build wrote no timings ({source})" if run_it else
               f"not measured: no {_shown(path)}; run `make course` first, or pass --course")
        return [row(s, "whole course", None, "s", note=why)], {"error": why}
    seconds = data.get("seconds", {})
    profile = data.get("profile", "?")
    note = source + ("" if profile == "quick" else f"; WARNING: profile {profile!r}, not quick")
    rows = [row(s, f"notebook {name}", sec if sec > 0 else None, "s", note="" if sec > 0 else f"{sec} s")
            for name, sec in seconds.items() if name != "total"]
    rows.append(row(s, "whole course", seconds.get("total") or None, "s", note=note))
    return rows, {"timings": data, "source": source}


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- main


def write_results(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "results.md").write_text(render_markdown(results), encoding="utf-8")


def render_markdown(results: dict) -> str:
    m, v = results["machine"], results["versions"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {results['date']} by `python benchmarks/run.py{results['args']}` "
        f"({results['mode']} mode, {results['wall_seconds']:.0f} s). How to read and regenerate this: "
        "[benchmarks/README.md](../README.md).",
        "",
        f"- **Machine:** {m['cpu']}, {m['usable_cpus']} usable of {m['logical_cpus']} logical CPUs "
        f"(torch threads {m['torch_threads']}), {m['memory_gb']} GiB memory, {m['platform']}; "
        f"GPU: {m['gpu'] or 'none'}",
        f"- **Load average** (1, 5, 15 min) at start {m.get('load_average_start')}, at end "
        f"{m.get('load_average_end')}: above {m['usable_cpus']} means other work shared the CPUs and "
        "absolute times are pessimistic (ratios are paired within rounds).",
        f"- **Versions:** Python {v['python']}, torch {v['torch']}, torchvision {v['torchvision']}, "
        f"numpy {v['numpy']}, helpers {v['helpers']}, commit {v.get('git_commit')}"
        + "".join(f", {p} {ver}" for p, ver in (v.get("peers") or {}).items()),
        f"- **Environment:** {', '.join(f'{k}={x}' for k, x in (m.get('environment') or {}).items()) or 'none of '}"
        f"{'' if m.get('environment') else ', '.join(ENV_SETTINGS) + ' set'}",
        "",
        "| section | measure | value | unit | target | met | notes |",
        "|---|---|---:|---|---|---|---|",
    ]
    for r in results["rows"]:
        met = {True: "✅ met", False: "❌ missed", None: ""}[r["met"]]
        cells = [r["section"], r["name"], _fmt(r["value"]), r["unit"], r["target"], met, r["note"]]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes: under two minutes")
    ap.add_argument("--smoke", action="store_true", help="with --quick: tiny sizes, for the unit test")
    ap.add_argument("--out", help="output folder (default benchmarks/results; required with --smoke)")
    ap.add_argument("--course", action="store_true",
                    help="execute the course (quick profile) and time it, instead of reading build/timings.json")
    ap.add_argument("--no-featureviz", action="store_true", help="leave out the feature-visualisation rows")
    ap.add_argument("--only", help="comma-separated sections to run (throughput, memory, statistics, "
                    "organism, featureviz, course, gpu); the table then holds only those")
    ap.add_argument("--peers-path", help="folder holding thingsvision, captum and torchlens, installed beside the "
                    "environment (default $COURSE_BENCH_PEERS; benchmarks/README.md says how); those importable "
                    "from it join the peers rows")
    ap.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_child:
        print(json.dumps(memory_child(**json.loads(args.memory_child))))
        return 0
    if args.smoke and not args.out:
        ap.error("--smoke writes a table not worth keeping: give --out")
    from benchmarks import peers

    try:
        peers_path = peers.use_path(args.peers_path)
    except ValueError as e:
        ap.error(str(e))
    if args.peers_path:  # the memory children look there too
        os.environ[peers.PEERS_ENV] = peers_path
    found = peers.available()
    peer_names = [p for p in peers.OPTIONAL if not found[p]]
    missing = {p: found[p] for p in peers.OPTIONAL if found[p]}
    mode = "smoke" if args.smoke else ("quick" if args.quick else "full")
    cfg = dict(MODES[mode], **COLLECTION_MODES[mode], **ORGANISM_MODES[mode])
    out = Path(args.out) if args.out else ROOT / "benchmarks" / "results"
    start = time.perf_counter()
    torch.manual_seed(0)
    shown = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--out" and a != args.out]
    results = {"schema": SCHEMA, "mode": mode,
               "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
               "args": "".join(f" {a}" for a in shown), "machine": machine_info(), "versions": versions(),
               "settings": cfg, "targets": {**TARGETS, **COLLECTION_TARGETS, **ORGANISM_TARGETS}, "rows": [], "raw": {}}
    results["versions"]["peers"] = {p: peers.version(p) for p in peer_names}
    results["versions"]["peers_path"] = peers_path

    only = set(args.only.split(",")) if args.only else None

    def section(key, fn, *a):
        if only is not None and key.split("_")[0] not in only:  # gpu_* sections: "gpu"
            return
        t = time.perf_counter()
        print(f"[{time.perf_counter() - start:6.1f} s] {key} ...", flush=True)
        rows, raw = fn(*a)
        results["rows"].extend(rows)
        results["raw"][key] = raw
        for r in rows:
            print(f"    {r['name']}: {_fmt(r['value'])} {r['unit']} {r['note'] if r['value'] is None else ''}")
        print(f"    ({time.perf_counter() - t:.1f} s)", flush=True)

    from helpers.cnn.models import load_vgg16

    model = load_vgg16(pretrained=False, progress=False)  # also puts the weights in the cache for the children
    cpu = torch.device("cpu")
    section("throughput", bench_throughput, model, cfg, cpu, "1. Activation collection (CPU)", peer_names, missing)
    section("memory", bench_memory, cfg)
    section("memory_peers", bench_peer_memory, cfg, peer_names)
    section("statistics", bench_statistics, cfg)
    section("organism", bench_organism, cfg, model)
    fv_skip = ("left out (--no-featureviz)" if args.no_featureviz
               else "skipped in --smoke (benchmarks/featureviz_bench.py --quick takes about 30 s alone)"
               if mode == "smoke" else "")
    section("featureviz", bench_featureviz, mode != "full", "4. Filter visualisation (CPU)", None, fv_skip)
    section("course", bench_course, args.course)
    if torch.cuda.is_available():
        gpu = torch.device("cuda")
        name = torch.cuda.get_device_name(gpu)
        section("gpu_throughput", bench_throughput, model, cfg, gpu, f"6. GPU: activation collection ({name})")
        section("gpu_featureviz", bench_featureviz, mode != "full", f"6. GPU: filter visualisation ({name})",
                gpu, fv_skip)
    elif only is None or "gpu" in only:
        results["rows"].append(row("6. GPU", "collection throughput and visualisation steps/s", None,
                                   note="no GPU on this machine"))
    wall = time.perf_counter() - start
    results["wall_seconds"] = wall
    with contextlib.suppress(OSError, AttributeError):
        results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    if mode == "quick":
        extras = [x for x, on in (("--course", args.course), ("the peers", peer_names)) if on]
        if extras:  # the target is for the benchmark's own rows; these add minutes by design
            wall_row = row("0. This run", "benchmark wall time (--quick)", wall, "s",
                           f"< {TARGETS['quick_seconds']:.0f} s on an idle machine, without --course and the peers",
                           None, note=f"not judged: this run includes {' and '.join(extras)}")
        else:
            wall_row = row("0. This run", "benchmark wall time (--quick)", wall, "s",
                           f"< {TARGETS['quick_seconds']:.0f} s on an idle machine", wall < TARGETS["quick_seconds"],
                           note="other work on the CPUs (see the load average) slows every row")
    else:
        wall_row = row("0. This run", f"benchmark wall time ({mode} mode)", wall, "s")
    results["rows"].insert(0, wall_row)
    write_results(results, out)
    print(f"wrote {out / 'results.md'} and {out / 'results.json'} ({wall:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
