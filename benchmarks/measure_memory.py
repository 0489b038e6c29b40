"""Peak memory of each course notebook's kernel: does the course fit in Binder's 2 GB?

    python benchmarks/measure_memory.py [--profile quick|full] [--simulate-full] [--postbuild]
                                   [--only 04] [--cold] [--threads 2] [--out build/memory]

Each notebook runs headless (nbclient) in a fresh kernel, one after the other, with Binder's
thread settings (OMP_NUM_THREADS, MKL_NUM_THREADS, COURSE_THREADS = ``--threads``). Two numbers
per notebook:

- ``peak_rss_mb``: the largest total resident memory of the kernel and its child processes,
  polled every 0.1 s with psutil (and per cell: the highest cells are printed);
- ``maxrss_mb``: the kernel's own high-water mark as the kernel reports it at the end
  (``getrusage``; catches a peak between two polls).

RSS counts the pages of the (memory-mapped) weights file and the shared libraries too, so it
is an upper bound of what the kernel adds to a container's memory. The table's "on Binder"
column is the larger of the two less :data:`CUDA_BUILD_EXTRA_MB` where this machine's PyTorch is
PyPI's CUDA-carrying build (Binder installs the CPU build; :func:`binder_estimate_mb`), judged
against a budget of 1.6 GB per kernel (``--limit-mb``).

``--simulate-full`` measures the ``full`` profile where the real weights and photographs cannot
be downloaded (like CI, or this script's author's sandbox): the stand-ins of
:mod:`tools.standins` (VGG16 with seeded random weights in torchvision's file format, archives
laid out like Caltech-101's, Faces in Things' and Oxford-IIIT Pet's: 372 photographs in 5
categories) are served from 127.0.0.1 through the sources' mirror variables, into empty
``TORCH_HOME``, ``COURSE_DATA`` and ``COURSE_CACHE`` folders. ``--postbuild`` first runs
``binder/postBuild`` (with a ``pip`` that only logs), whose prefetch downloads them and fills
the caches as on Binder, so the notebooks then run as a learner meets them; without it the
first notebook downloads and every notebook computes what it needs (``--cold``: the cache
emptied before every notebook, the worst case).

Memory and time are those of the real full profile; the numbers *in* the notebooks are
meaningless (random weights, noise images). Results: ``<out>/memory.json`` and a markdown
table on stdout (copied into ``binder/README.md``). ``COURSE_FULL_N`` and the other variables
of :mod:`helpers.edge.profiles` shrink the run as in ``tests/test_rehearsal.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: tools/ is imported from the repository root
    sys.path.insert(0, str(ROOT))
NOTEBOOKS = ROOT / "notebooks"
MB = 1024 * 1024
#: Resident memory that PyPI's Linux PyTorch (with CUDA libraries) takes beyond the CPU build,
#: measured with the same VGG16-sized model and forward pass in both builds (binder/README.md:
#: ``import torch`` 502 vs 220 MB, model 1032 vs 749 MB, a 16-image forward pass 1639 vs 1356 MB).
CUDA_BUILD_EXTRA_MB = 280.0
BINDER_BUDGET_MB = 1600.0  # each notebook's kernel, CPU build: leaves room for the server and a second kernel
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
        self.window = 0  # peak since the last reset_window() (one cell's)
        self.cpu: dict[int, float] = {}  # pid -> CPU seconds (user + system) at its last poll
        self.since = time.time() - 1.0  # only processes started from now on count (clock granularity)

    def sample(self) -> int:
        total, n = 0, 0
        for p in self.me.children(recursive=True):
            try:
                if p.create_time() < self.since:  # not started for this notebook (e.g. another
                    continue                      # test's kernel still shutting down)
                total += p.memory_info().rss
                n += 1
                t = p.cpu_times()
                self.cpu[p.pid] = t.user + t.system
            except (self.psutil.NoSuchProcess, self.psutil.AccessDenied):
                pass
        if total > self.peak:
            self.peak, self.peak_procs = total, n
        self.window = max(self.window, total)
        return total

    def reset_window(self) -> int:
        """The peak since the last call (sampled now too), and start a new window."""
        self.sample()
        peak, self.window = self.window, 0
        return peak

    def run(self):
        while not self._done.is_set():
            self.sample()
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
    cells = []  # (cell index, peak MB while it ran, seconds)

    def cell_started(cell, cell_index, **_):
        if cell.cell_type != "code":  # nbclient announces markdown cells too, but never finishes them
            return
        poller.reset_window()
        cells.append([cell_index, 0.0, time.perf_counter()])

    def cell_done(cell, cell_index, **_):
        if cells and cells[-1][0] == cell_index:
            cells[-1][1] = round(poller.reset_window() / MB, 1)
            cells[-1][2] = round(time.perf_counter() - cells[-1][2], 1)

    try:
        poller.start()
        NotebookClient(nb, timeout=timeout, kernel_name="python3", on_cell_start=cell_started,
                       on_cell_executed=cell_done, resources={"metadata": {"path": str(path.parent)}}).execute()
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
    offset = 1 if first else 0
    return {"notebook": path.name, "seconds": round(time.perf_counter() - start, 1),
            "cpu_seconds": round(sum(poller.cpu.values()), 1),
            "peak_rss_mb": round(peak / MB, 1), "maxrss_mb": maxrss, "processes": poller.peak_procs,
            "error": error, "cells": [(i - offset, mb, sec) for i, mb, sec in cells if isinstance(sec, float)],
            "nb": nb}


def cuda_overhead_mb() -> float:
    """What PyPI's CUDA-carrying PyTorch adds to a process's resident memory over the CPU
    build Binder installs (:data:`CUDA_BUILD_EXTRA_MB`), or 0 when this is a CPU build."""
    import torch

    return CUDA_BUILD_EXTRA_MB if torch.version.cuda else 0.0


def binder_estimate_mb(row: dict) -> float:
    """A notebook's peak as it would be with PyTorch's CPU build (Binder's): the polled peak of
    the processes the notebook started, less :func:`cuda_overhead_mb`. The kernel's own
    ``ru_maxrss`` (``maxrss_mb``, kept in the row) is not used: Linux carries it over ``execve``
    from the process that started the kernel, so a kernel started by a large process (a test
    worker that loaded networks before) reports that process's peak as its own."""
    return row["peak_rss_mb"] - cuda_overhead_mb()


# --------------------------------------------------------------------------- simulated full profile


def simulated_full(stack: contextlib.ExitStack, scratch: Path) -> dict:
    """Environment variables under which the full profile runs on stand-in weights and photos
    (:mod:`tools.standins`), served from 127.0.0.1 until ``stack`` closes: the mirror
    variables, and empty ``TORCH_HOME`` and ``COURSE_DATA`` folders that the course's own
    downloaders fill through them (in postBuild's prefetch, or in the first notebook)."""
    from tools import standins

    built = standins.build(scratch / "standins")
    env = stack.enter_context(standins.served(built))
    env.update(TORCH_HOME=str(scratch / "torch"), COURSE_DATA=str(scratch / "data"))
    print(f"simulated full profile: stand-ins in {built['weights'].parent}, served at "
          f"{env['COURSE_DEMO_URL'].rsplit('/', 1)[0]}", flush=True)
    return env


def postbuild(env: dict, scratch: Path) -> dict:
    """Run binder/postBuild (its prefetch fills the caches, as on Binder) with ``env``;
    measure its time and its process tree's peak memory like a notebook's."""
    from tools import standins

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    poller = TreePoller()
    start = time.perf_counter()
    try:
        poller.start()
        proc = standins.run_postbuild(dict(os.environ), scratch)
    finally:
        peak = poller.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    error = None if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stdout.strip().splitlines()[-1:]}"
    return {"notebook": "binder/postBuild", "seconds": round(time.perf_counter() - start, 1),
            "cpu_seconds": round(sum(poller.cpu.values()), 1), "peak_rss_mb": round(peak / MB, 1),
            "maxrss_mb": None, "processes": poller.peak_procs, "error": error}


# --------------------------------------------------------------------------- main


#: A notebook a learner opens should run within this many seconds once Binder's build has filled
#: the caches (issue #23); the table marks longer runs.
WARM_SECONDS = 60


def table(rows: list[dict], limit_mb: float) -> str:
    """The markdown table of ``rows`` (:func:`run_notebook`, :func:`postbuild`). "peak here" is
    the polled peak of the processes a notebook started, the number :func:`binder_estimate_mb`
    corrects; postBuild runs at build time, where no kernel budget applies, and is not judged."""
    extra = cuda_overhead_mb()
    lines = [f"| notebook | time (s) | CPU (s) | peak here (MB) | on Binder (MB, est.) | within {limit_mb / 1000:.1f} GB "
             f"| within {WARM_SECONDS} s | note |", "|---|---:|---:|---:|---:|---|---|---|"]
    for r in rows:
        est = binder_estimate_mb(r)
        build = r["notebook"] == "binder/postBuild"
        ok = "build" if build else "yes" if est <= limit_mb else "**NO**"
        fast = "build" if build else "yes" if r["seconds"] <= WARM_SECONDS else "**NO**"
        lines.append(f"| {r['notebook']} | {r['seconds']:.0f} | {r.get('cpu_seconds', 0):.0f} | {r['peak_rss_mb']:.0f} | "
                     f"{'≈ ' if extra else ''}{est:.0f} | {ok} | {fast} | {r['error'] or ''} |")
    return "\n".join(lines)


def top_cells(row: dict, k: int = 3) -> str:
    """The ``k`` cells of a notebook with the highest peaks: "cell 12: 1850 MB (3.1 s)"."""
    cells = sorted(row.get("cells") or [], key=lambda c: -c[1])[:k]
    return "; ".join(f"cell {i}: {mb:.0f} MB ({sec:.1f} s)" for i, mb, sec in cells)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", choices=["quick", "full"], default=None,
                    help="default: full with --simulate-full, else quick")
    ap.add_argument("--simulate-full", action="store_true",
                    help="full profile on stand-in weights and photographs (see above); implies --profile full")
    ap.add_argument("--only", help="measure only notebooks whose name starts with this (several: 05,06,07)")
    ap.add_argument("--cold", action="store_true", help="empty the activation cache before every notebook")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads, as binder/start sets (default 2)")
    ap.add_argument("--limit-mb", type=float, default=BINDER_BUDGET_MB,
                    help="each kernel's budget, CPU build (default 1600 of Binder's 2048 MB)")
    ap.add_argument("--postbuild", action="store_true",
                    help="run binder/postBuild first (with a pip that only logs), so the notebooks start "
                         "from the caches its prefetch leaves, as on Binder")
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
        stack = contextlib.ExitStack()
        if args.simulate_full:
            env.update(simulated_full(stack, scratch))
        rows = []
        if args.postbuild:
            print("binder/postBuild ...", flush=True)
            r = postbuild(env, scratch)
            rows.append(r)
            print(f"  {r['seconds']:.0f} s, peak RSS {r['peak_rss_mb']:.0f} MB"
                  + (f"; FAILED: {r['error']}" if r["error"] else ""), flush=True)
        for path in paths:
            if args.cold:
                shutil.rmtree(scratch / "cache", ignore_errors=True)
            print(f"{path.name} (profile {profile}{', simulated' if args.simulate_full else ''}) ...", flush=True)
            r = run_notebook(path, env, args.timeout, args.first)
            rows.append(r)
            r.pop("nb")
            print(f"  {r['seconds']:.0f} s, peak RSS {r['peak_rss_mb']:.0f} MB (kernel maxrss {r['maxrss_mb']} MB); "
                  f"highest cells: {top_cells(r)}" + (f"; FAILED: {r['error']}" if r["error"] else ""), flush=True)
        stack.close()
    finally:
        if not args.scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    import psutil
    import torch

    result = {"profile": profile, "simulated": args.simulate_full, "cold_cache": args.cold, "threads": args.threads,
              "exec": args.first, "postbuild": args.postbuild, "cuda_build_extra_mb": cuda_overhead_mb(),
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
    worst = max(binder_estimate_mb(r) for r in rows if r["notebook"].endswith(".ipynb"))
    return 1 if worst > args.limit_mb or any(r["error"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
