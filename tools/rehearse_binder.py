"""Rehearse mybinder.org's build of the course on this machine, without Docker.

    python tools/rehearse_binder.py [--scratch DIR] [--keep] [--timeout 3600]

What repo2docker does with ``binder/`` (see binder/README.md), step by step:

1. a fresh virtual environment with this interpreter (Binder: the Python of ``runtime.txt``);
2. ``pip install --no-cache-dir -r binder/requirements.txt`` from the repository root: PyTorch's
   CPU build from the PyTorch CPU index, everything else from PyPI at the course's pins. Where
   that index cannot be reached (as where this script was written), the same versions of PyPI's
   build are installed instead, and the script says so: everything but the source of those two
   wheels is rehearsed;
3. ``pip check``: the installed set is consistent;
4. ``binder/postBuild`` with the environment's ``pip``, ``python`` and ``jupyter`` first on
   ``PATH``, under a **simulated full profile** (the stand-ins of ``tools/standins.py``, served
   from 127.0.0.1 through the mirror variables a teacher would set: VGG16 with seeded random
   weights in torchvision's file format, and archives laid out like the demo set's three
   sources), so its strict prefetch downloads and verifies them and its runs of the full
   analysis fill the caches as on Binder;
5. ``binder/start`` running ``python -c ...``: the session's environment (threads, profile).

Everything lives in a scratch folder (default: a temporary one) that is deleted at the end
unless ``--keep``; the log of every step goes to ``build/binder-rehearsal.log``. It downloads and installs a lot (PyPI's Linux PyTorch brings several GB of
CUDA libraries): run it once, when the machine is quiet. Exit status 0 when every step passed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
INDEX_LINE = re.compile(r"^--extra-index-url\s+(\S+)\s*$", re.M)
LOCAL_PIN = re.compile(r"^(torch|torchvision)==([^\s+#]+)\+cpu\s*$", re.M)


def cpu_index(requirements: Path = BINDER / "requirements.txt") -> str:
    m = INDEX_LINE.search(requirements.read_text())
    if not m:
        raise SystemExit(f"{requirements}: no --extra-index-url line (the PyTorch CPU index)")
    return m.group(1)


def reachable(url: str, timeout: float = 5) -> bool:
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/torch/", timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


def pypi_fallback(requirements: Path, dest: Path) -> Path:
    """A copy of Binder's requirements for when the CPU index cannot be reached: no index line,
    ``torch==X+cpu`` becomes PyPI's build of the same version (``torch===X``: exactly that
    build, as in requirements-torch.txt), and the ``-r``/``-c`` paths, relative to the
    original file, become absolute."""
    text = INDEX_LINE.sub("# (the PyTorch CPU index cannot be reached: PyPI's build of the same versions)",
                          requirements.read_text())
    text = LOCAL_PIN.sub(lambda m: f"{m.group(1)}{'===' if m.group(1) == 'torch' else '=='}{m.group(2)}", text)
    text = re.sub(r"^(-[rc])\s+(\S+)", lambda m: f"{m.group(1)} {(requirements.parent / m.group(2)).resolve()}",
                  text, flags=re.M)
    out = dest / "requirements-pypi-fallback.txt"
    out.write_text(text)
    return out


def step(title: str, cmd: list[str], log: Path, **kwargs) -> float:
    """Run one step, its output going to ``log`` (and its tail to the screen on failure)."""
    print(f"== {title}\n   $ {' '.join(map(str, cmd))}", flush=True)
    start = time.perf_counter()
    with open(log, "a") as f:
        f.write(f"\n== {title}\n$ {' '.join(map(str, cmd))}\n")
        f.flush()
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, **kwargs)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        tail = log.read_text().splitlines()[-40:]
        print("\n".join(tail), file=sys.stderr)
        raise SystemExit(f"rehearsal FAILED at: {title} (exit {proc.returncode}); full log: {log}")
    print(f"   ok, {seconds:.0f} s", flush=True)
    return seconds


def load_standins():
    """tools/standins.py, whose stand-ins simulate the full profile's downloads offline."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools import standins

    return standins


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scratch", help="folder for the environment, stand-ins and log (default: temporary)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per step")
    args = ap.parse_args(argv)
    runtime = (BINDER / "runtime.txt").read_text().strip()
    want = runtime.removeprefix("python-")
    have = f"{sys.version_info.major}.{sys.version_info.minor}"
    if have != want:
        print(f"note: binder/runtime.txt asks for Python {want}; rehearsing with {have}", file=sys.stderr)
    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="binder-rehearsal-")).resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    venv = scratch / "venv"
    log = ROOT / "build" / "binder-rehearsal.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"binder rehearsal, {time.strftime('%Y-%m-%d %H:%M')}, Python {have}\n")
    times, started = {}, time.perf_counter()
    stack = contextlib.ExitStack()  # the stand-ins' server, until the end
    try:
        requirements = BINDER / "requirements.txt"
        index = cpu_index(requirements)
        if reachable(index):
            print(f"the PyTorch CPU index {index} answers: installing exactly what Binder installs")
        else:
            requirements = pypi_fallback(requirements, scratch)
            print(f"NOTE: the PyTorch CPU index {index} cannot be reached from here, so this rehearsal installs "
                  f"PyPI's build of the same torch and torchvision versions instead ({requirements.name}); "
                  f"everything else is what Binder installs.", flush=True)
        base = getattr(sys, "_base_executable", sys.executable)
        times["venv"] = step("fresh virtual environment", [base, "-m", "venv", str(venv)], log, timeout=args.timeout)
        py = venv / "bin" / "python"
        env = dict(os.environ, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(venv))
        env.pop("PYTHONPATH", None)  # the environment must stand on its own
        times["pip install"] = step("pip install -r binder/requirements.txt (as repo2docker runs it)",
                                    [str(py), "-m", "pip", "install", "--no-cache-dir", "-r", str(requirements)],
                                    log, cwd=ROOT, env=env, timeout=args.timeout)
        times["pip check"] = step("pip check", [str(py), "-m", "pip", "check"], log, env=env, timeout=300)
        print("== simulated full profile (stand-in weights and photographs)", flush=True)
        standins = load_standins()
        sim = stack.enter_context(standins.served(standins.build(scratch / "full")))
        build_env = dict(env, **sim, COURSE_CACHE=str(scratch / "cache"), TMPDIR=str(scratch),
                         TORCH_HOME=str(scratch / "torch"), COURSE_DATA=str(scratch / "data"),
                         MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
        build_env.pop("COURSE_PROFILE", None)  # postBuild sets it where it needs it
        times["postBuild"] = step("binder/postBuild", ["bash", str(BINDER / "postBuild")], log, cwd=ROOT,
                                  env=build_env, timeout=args.timeout)
        session = ("import os, torch, helpers; from helpers import course; "
                   "print('session:', os.environ['COURSE_PROFILE'], 'profile,', torch.get_num_threads(), "
                   "'threads, torch', torch.__version__); print(course.banner())")
        times["start"] = step("binder/start (a session's environment)",
                              [str(BINDER / "start"), str(py), "-c", session], log, cwd=ROOT, env=build_env,
                              timeout=600)
        freeze = subprocess.run([str(py), "-m", "pip", "freeze"], capture_output=True, text=True, env=env).stdout
        versions = {n: v for n, v in (l.split("==", 1) for l in freeze.splitlines() if "==" in l)}
        size = folder_mb(venv)
        cache = folder_mb(scratch / "cache")
        print("\nREHEARSAL PASSED")
        print(f"  torch {versions.get('torch')}, torchvision {versions.get('torchvision')}, "
              f"jupyterlab {versions.get('jupyterlab')}; {len(versions)} packages")
        print(f"  environment {size:.0f} MB; activation cache after postBuild {cache:.0f} MB")
        print("  " + "; ".join(f"{k} {v:.0f} s" for k, v in times.items())
              + f"; total {time.perf_counter() - started:.0f} s")
        with open(log) as f:
            print("  " + "\n  ".join(l.strip() for l in f if l.startswith(("== postBuild", "helpers OK", "session:"))))
        return 0
    finally:
        stack.close()
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
