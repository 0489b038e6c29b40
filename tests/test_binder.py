"""The mybinder.org set-up (binder/): files that parse, scripts that fail loudly, the same pinned
packages as the top-level environment, and README links that open the course's notebooks."""

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from test_environment import conda_pins

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
BINDER_URL = "https://mybinder.org/v2/gh/"


def commands(path):
    """The script's lines without comments and blank lines."""
    return [l.strip() for l in path.read_text().splitlines() if l.strip() and not l.strip().startswith("#")]


# --------------------------------------------------------------------------- environment.yml


def test_environment_parses_as_yaml():
    yaml = pytest.importorskip("yaml")  # PyYAML comes with jupyter (jupyter-events)
    ours = yaml.safe_load((BINDER / "environment.yml").read_text())
    top = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert ours["channels"] == ["conda-forge"], "conda-forge only: its PyTorch CPU build, no mix of channels"
    # The same list, entry by entry (python, the CPU build string, the pip section).
    assert ours["dependencies"] == top["dependencies"], "binder/environment.yml and environment.yml differ"


def test_same_packages_and_versions_as_environment_yml():
    ours, top = conda_pins("binder/environment.yml"), conda_pins("environment.yml")
    assert ours == top, (f"only in binder/: {sorted(set(ours) - set(top))}; only in environment.yml: "
                         f"{sorted(set(top) - set(ours))}; different versions: "
                         f"{ {k: (ours[k], top[k]) for k in set(ours) & set(top) if ours[k] != top[k]} }")
    assert {"torch", "torchvision", "jupyterlab", "jupytext", "ipywidgets"} <= set(ours)


def test_pytorch_is_the_cpu_build():
    text = (BINDER / "environment.yml").read_text()
    assert re.search(r"^\s+- pytorch=[\d.]+=cpu_\*\s*$", text, re.M), "pin conda-forge's CPU build: pytorch=X=cpu_*"
    assert not re.search(r"cuda|cudnn|nvidia", "\n".join(commands(BINDER / "environment.yml")), re.I)


# --------------------------------------------------------------------------- postBuild and start


@pytest.mark.parametrize("name", ["postBuild", "start"])
def test_scripts_are_executable_bash(name):
    path = BINDER / name
    lines = path.read_text().splitlines()
    assert lines[0] in ("#!/usr/bin/env bash", "#!/bin/bash"), f"{name} must start with a bash shebang"
    assert path.stat().st_mode & stat.S_IXUSR, f"{name} must be executable (chmod +x binder/{name})"
    tracked = subprocess.run(["git", "ls-files", "-s", f"binder/{name}"], cwd=ROOT, capture_output=True, text=True)
    if tracked.stdout:  # committed: git must record the executable bit too, or a clone loses it
        assert tracked.stdout.startswith("100755"), f"git records binder/{name} as not executable"
    subprocess.run(["bash", "-n", str(path)], check=True)


def test_postbuild_fails_loudly_and_installs_helpers():
    cmds = commands(BINDER / "postBuild")
    assert cmds[0] == "set -euo pipefail", "postBuild's first command must be `set -euo pipefail`"
    assert "pip install --no-deps -e ." in cmds


def test_start_sets_threads_and_profile_then_execs():
    cmds = commands(BINDER / "start")
    assert cmds[-1] == 'exec "$@"', "start must end with exec \"$@\" (it wraps the server's command)"
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    out = subprocess.run([str(BINDER / "start"), "env"], env=env, capture_output=True, text=True, check=True).stdout
    seen = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "COURSE_THREADS"):
        assert seen.get(var) == "2", f"start must set {var}=2 (got {seen.get(var)!r})"
    assert seen.get("COURSE_PROFILE") == "full", "Binder runs the paper's analysis (full) by default"
    # A value given to the container wins (e.g. a teacher's COURSE_PROFILE=quick).
    out = subprocess.run([str(BINDER / "start"), "env"], env=dict(env, COURSE_PROFILE="quick"),
                         capture_output=True, text=True, check=True).stdout
    assert "COURSE_PROFILE=quick" in out.splitlines()


@pytest.fixture
def fake_tools(tmp_path):
    """pip, python and jupyter stand-ins that log their arguments; `python` fails when its
    arguments contain $FAIL_ON (e.g. fetch_demo: a download that does not work)."""
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    scripts = {
        "pip": 'echo "pip $*" >> "$CALLS"',
        "python": 'echo "python $*" >> "$CALLS"\n'
                  'if [ -n "${FAIL_ON:-}" ] && [[ "$*" == *"$FAIL_ON"* ]]; then echo "download failed" >&2; exit 3; fi',
        "jupyter": 'echo "jupyter $*" >> "$CALLS"; printf "jupyterlab-jupytext v1 enabled OK\\n'
                   '@jupyter-widgets/jupyterlab-manager v5 enabled OK\\n"',
    }
    for name, body in scripts.items():
        p = bin_dir / name
        p.write_text(f"#!/usr/bin/env bash\n{body}\n")
        p.chmod(0o755)

    def run(**extra):
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "CALLS": str(log), "HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
        env.update(extra)
        log.write_text("")
        proc = subprocess.run(["bash", str(BINDER / "postBuild")], cwd=ROOT, env=env, capture_output=True, text=True)
        return proc, log.read_text().splitlines()

    return run


def test_postbuild_prefetches_strictly_by_default(fake_tools):
    proc, calls = fake_tools()
    assert proc.returncode == 0, proc.stderr
    assert "pip install --no-deps -e ." in calls
    fetch = [c for c in calls if "load_vgg16(fallback=False" in c and "fetch_demo(" in c]
    assert fetch, f"postBuild must fetch the weights (no silent fallback) and the demo set; calls: {calls}"
    assert any("helpers report" in c for c in calls), "postBuild fills the activation cache"

    proc, calls = fake_tools(FAIL_ON="fetch_demo")
    assert proc.returncode != 0, "a failed download must fail the build (COURSE_PREFETCH=strict)"
    assert "download failed" in proc.stderr
    assert not any("helpers report" in c for c in calls), "nothing runs after a failed step"


def test_postbuild_fails_when_helpers_do_not_import(fake_tools):
    for mode in ("strict", "best-effort", "skip"):
        proc, calls = fake_tools(FAIL_ON="import helpers", COURSE_PREFETCH=mode)
        assert proc.returncode != 0, f"a broken install must fail the build (COURSE_PREFETCH={mode})"


def test_postbuild_prefetch_can_be_relaxed_or_skipped(fake_tools):
    proc, calls = fake_tools(FAIL_ON="fetch_demo", COURSE_PREFETCH="best-effort")
    assert proc.returncode == 0, proc.stderr
    assert "WARNING: the prefetch failed" in proc.stderr
    assert not any("helpers report" in c for c in calls), "the analysis needs what the failed fetch did not bring"
    proc, calls = fake_tools(COURSE_PREFETCH="skip")
    assert proc.returncode == 0, proc.stderr
    assert not any("fetch_demo" in c or "helpers report" in c for c in calls)
    proc, _ = fake_tools(COURSE_PREFETCH="sometimes")
    assert proc.returncode != 0 and "COURSE_PREFETCH must be" in proc.stderr


# --------------------------------------------------------------------------- README links


def notebook_names():
    """The notebooks the course lists in notebooks/README.md's table, e.g. 00_start_here."""
    text = (ROOT / "notebooks" / "README.md").read_text()
    return re.findall(r"^\|\s*\d\d\s*\|\s*`(\d\d_[a-z0-9_]+)`", text, re.M)


def binder_links():
    return re.findall(r"\((https://mybinder\.org/v2/gh/[^)\s]+)\)", (ROOT / "README.md").read_text())


def test_readme_badge_opens_the_first_notebook_in_lab():
    links = binder_links()
    badge = re.search(r"\[!\[[^\]]*\]\(https://mybinder\.org/badge_logo\.svg\)\]\((https://mybinder[^)]+)\)",
                      (ROOT / "README.md").read_text())
    assert badge, "README needs a Binder badge"
    assert badge.group(1).endswith("/HEAD?urlpath=lab/tree/notebooks/00_start_here.ipynb"), badge.group(1)
    assert links


def test_readme_links_every_notebook():
    names = notebook_names()
    assert len(names) == 8 and names[0] == "00_start_here", names
    linked = {m.group(1) for l in binder_links() if (m := re.search(r"urlpath=lab/tree/notebooks/(\w+)\.ipynb$", l))}
    assert set(names) <= linked, f"README has no Binder link for {sorted(set(names) - linked)}"
    assert linked <= set(names), f"README links notebooks the course does not list: {sorted(linked - set(names))}"
    existing = {p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert existing <= linked, f"notebooks without a Binder link in README: {sorted(existing - linked)}"
    # One repository for all links, and it is the placeholder or a real owner/name.
    repos = {l[len(BINDER_URL):].split("/HEAD")[0] for l in binder_links()}
    assert len(repos) == 1 and re.fullmatch(r"[\w.-]+/[\w.-]+", repos.pop())
