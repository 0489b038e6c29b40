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
import statistics
import subprocess
import sys
import tempfile
import time
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
    from helpers.stimuli import Preprocess, StimulusSet

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


def _sync(device: torch.device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _to_device(model, device, channels_last: bool):
    m = copy.deepcopy(model).to(device)
    if channels_last:
        m = m.to(memory_format=torch.channels_last)
    return m.eval()


def throughput_methods(model, stim, batch: int, device: torch.device) -> tuple[dict, str]:
    """The compared methods; each processes the whole stimulus set and returns nothing."""
    from torchvision.models.feature_extraction import create_feature_extractor

    from helpers.activations import collect, prepared
    from helpers.models import VGG16_LAYERS

    n = len(stim)
    # The same input for every method. collect() normalises uint8 pixels itself (in a
    # background thread); the other methods get the normalised tensors ready-made.
    xs = [stim.batch(range(s, min(s + batch, n))).to(device) for s in range(0, n, batch)]
    fast = {"contiguous": _to_device(model, device, False), "channels_last": _to_device(model, device, True)}
    # Naive extraction: the full post-ReLU maps of all 15 layers (torch.fx graph pruned after
    # fc2, so it does the same work as collect), reduced to maxima afterwards.
    naive_fmt = "channels_last" if device.type == "cpu" else "contiguous"
    extractor = create_feature_extractor(fast[naive_fmt], return_nodes={p: k for k, p in VGG16_LAYERS.items()})

    def fmt(name):
        return torch.channels_last if name == "channels_last" else torch.contiguous_format

    def plain(name):
        m = fast[name]

        def run():
            with torch.inference_mode():
                for x in xs:
                    m(x.contiguous(memory_format=fmt(name)))
            _sync(device)
        return run

    def naive():
        results = {}
        with torch.inference_mode():
            for k, x in enumerate(xs):
                maps = extractor(x.contiguous(memory_format=fmt(naive_fmt)))  # every full map of the batch
                for name, a in maps.items():
                    v = (a.amax(dim=(2, 3)) if a.dim() == 4 else a).float().cpu().numpy()
                    results.setdefault(name, np.empty((n, v.shape[1]), np.float32))[k * batch:k * batch + len(v)] = v
        _sync(device)

    def collected():
        collect(model, stim, batch_size=batch, device=device, progress=False, cache=False)
        _sync(device)

    def fixed_cost():
        # What collect() does once per call whatever the number of images: move the model to
        # the device and memory format of the run, and back.
        with prepared(model, device, device.type == "cpu"):
            pass
        _sync(device)

    return {"collect": collected, "plain_channels_last": plain("channels_last"),
            "plain_contiguous": plain("contiguous"), "naive": naive, "collect_fixed_cost": fixed_cost}, naive_fmt


def alternate(methods: dict, repeats: int, warmup: int = 1) -> tuple[dict, dict]:
    """Wall and CPU seconds per call of each method: warm-up, then ``repeats`` rounds in
    which every method runs once, the order rotated each round (ABCD, BCDA, ...)."""
    names = list(methods)
    for _ in range(warmup):
        for name in names:
            methods[name]()
    wall = {name: [] for name in names}
    cpu = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            t, c = time.perf_counter(), time.process_time()
            methods[name]()
            wall[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
    return wall, cpu


def bench_throughput(model, cfg: dict, device: torch.device, section: str) -> tuple[list, dict]:
    px, n, batch, repeats = cfg["px"], cfg["images"], cfg["batch"], cfg["repeats"]
    if device.type == "cuda":
        n, batch = max(n, 256), max(batch, 32)
    stim = synthetic_stimuli(n, px, pool=n)
    methods, naive_fmt = throughput_methods(model, stim, batch, device)
    times, cpu = alternate(methods, repeats, cfg.get("warmup", 1))
    med = {k: _median(v) for k, v in times.items()}
    fastest = min(("plain_channels_last", "plain_contiguous"), key=med.get)
    plain = times[fastest]
    ratios = [c / p for c, p in zip(times["collect"], plain)]
    cpu_ratio = _median([c / p for c, p in zip(cpu["collect"], cpu[fastest])])
    # One call of collect() over the full profile's 300 images pays the fixed cost once:
    # per-image cost from this round, fixed cost from this round, against the plain pass.
    big = 300
    projected = [((c - f) / n * big + f) / (p / n * big)
                 for c, f, p in zip(times["collect"], times["collect_fixed_cost"], plain)]
    target = TARGETS["collect_ratio"]
    where = f"{px} px, {n} images per call in batches of {batch}, median of {repeats} alternating rounds"
    name_fast = fastest.replace("plain_", "")
    rows = [
        row(section, "collect(): 15 layers, per-filter max (incl. uint8→float preprocessing)",
            n / med["collect"], "images/s", note=where),
        row(section, "plain forward, channels_last", n / med["plain_channels_last"], "images/s",
            note="whole VGG16 to the logits, inputs already normalised"),
        row(section, "plain forward, contiguous (NCHW)", n / med["plain_contiguous"], "images/s"),
        row(section, f"naive extraction: full maps of 15 layers, then amax ({naive_fmt})",
            n / med["naive"], "images/s", note="torchvision create_feature_extractor; maps of a batch all kept"),
        row(section, f"ratio collect / fastest plain forward ({name_fast}), {n} images per call", _median(ratios),
            "×", f"≤ {target}", _median(ratios) <= target,
            note="median of per-round ratios: " + ", ".join(f"{r:.3f}" for r in ratios)
            + f"; CPU-time ratio {cpu_ratio:.3f}"),
        row(section, "collect() fixed cost per call (weights to the run's memory format and back)",
            med["collect_fixed_cost"], "s", note="paid once per call, whatever the number of images"),
        row(section, f"ratio collect / fastest plain forward, one call over {big} images (full profile)",
            _median(projected), "×", f"≤ {target}", _median(projected) <= target,
            note=f"from this run's per-image times and fixed cost: ((collect − fixed)·{big}/{n} + fixed) "
            f"/ (plain·{big}/{n})"),
        row(section, "ratio naive / fastest plain forward", _median([a / p for a, p in zip(times["naive"], plain)]),
            "×"),
    ]
    raw = {"seconds": times, "cpu_seconds": cpu, "images": n, "batch": batch, "px": px, "fastest_plain": fastest,
           "ratio_rounds": ratios, "projected_300_rounds": projected, "device": str(device)}
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


def memory_child(n: int, px: int, batch: int) -> dict:
    """Runs in a fresh process: collect() on the CPU for ``n`` images; peak RSS."""
    from helpers.activations import collect
    from helpers.models import load_vgg16

    imported = _status_bytes("VmRSS")  # Python, torch, numpy and helpers imported
    model = load_vgg16(pretrained=False, progress=False)
    stim = synthetic_stimuli(n, px)
    before = _status_bytes("VmRSS")
    t = time.perf_counter()
    acts = collect(model, stim, batch_size=batch, device="cpu", progress=False, cache=False)
    seconds = time.perf_counter() - t
    return {"n": n, "px": px, "batch": batch, "peak_bytes": _peak_rss(), "rss_imported_bytes": imported,
            "rss_before_bytes": before, "rss_after_bytes": _status_bytes("VmRSS"),
            "result_bytes": int(sum(a.nbytes for a in acts.values())), "seconds": seconds,
            "filters": int(sum(a.shape[1] for a in acts.values()))}


def run_children(specs: list[tuple[int, int, int]], timeout: float = 7200) -> list[dict]:
    """:func:`memory_child` for each (n, px, batch) in its own fresh process, all at once
    (peak memory is per process, so running them side by side changes only their times)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    procs = [subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--memory-child",
                               json.dumps({"n": n, "px": px, "batch": batch})],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
             for n, px, batch in specs]
    results = []
    try:
        for (n, px, _), proc in zip(specs, procs):
            out, err = proc.communicate(timeout=timeout)
            if proc.returncode != 0:
                raise RuntimeError(f"memory child ({n} images, {px} px) failed:\n{err[-3000:]}")
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results


def run_child(n: int, px: int, batch: int, timeout: float = 7200) -> dict:
    """:func:`memory_child` in a fresh process."""
    return run_children([(n, px, batch)], timeout)[0]


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


def _breakdown(c: dict) -> str:
    """Where a child's peak went: importing, the loaded model, and the run itself."""
    imported, before, peak = c["rss_imported_bytes"], c["rss_before_bytes"], c["peak_bytes"]
    if not (imported and before):
        return ""
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
    from helpers.selectivity import permutation_test

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
    from helpers.selectivity import normalize, run_permutations

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
        f"numpy {v['numpy']}, helpers {v['helpers']}, commit {v.get('git_commit')}",
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
                    "featureviz, course, gpu); the table then holds only those")
    ap.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_child:
        print(json.dumps(memory_child(**json.loads(args.memory_child))))
        return 0
    if args.smoke and not args.out:
        ap.error("--smoke writes a table not worth keeping: give --out")
    mode = "smoke" if args.smoke else ("quick" if args.quick else "full")
    cfg = dict(MODES[mode])
    out = Path(args.out) if args.out else ROOT / "benchmarks" / "results"
    start = time.perf_counter()
    torch.manual_seed(0)
    shown = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--out" and a != args.out]
    results = {"schema": SCHEMA, "mode": mode,
               "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
               "args": "".join(f" {a}" for a in shown), "machine": machine_info(), "versions": versions(),
               "settings": cfg, "targets": TARGETS, "rows": [], "raw": {}}

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

    from helpers.models import load_vgg16

    model = load_vgg16(pretrained=False, progress=False)  # also puts the weights in the cache for the children
    cpu = torch.device("cpu")
    section("throughput", bench_throughput, model, cfg, cpu, "1. Activation collection (CPU)")
    section("memory", bench_memory, cfg)
    section("statistics", bench_statistics, cfg)
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
