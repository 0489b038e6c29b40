"""The mybinder.org set-up (binder/): pip builds it from the pins CI tests, with PyTorch's CPU
build at the tested versions; scripts that fail loudly; README links (Binder and Colab) that
open the course's learner notebooks."""

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from test_environment import pip_pins

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
BINDER_URL = "https://mybinder.org/v2/gh/"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def commands(path):
    """The script's lines without comments and blank lines."""
    return [l.strip() for l in path.read_text().splitlines() if l.strip() and not l.strip().startswith("#")]


# --------------------------------------------------------------------------- requirements.txt


def test_binder_builds_with_pip_from_binder_only():
    names = {p.name for p in BINDER.iterdir()}
    assert {"requirements.txt", "runtime.txt", "postBuild", "start"} <= names
    # repo2docker tries Dockerfile, Nix, R, conda (environment.yml) and Pipfile before pip: none
    # of them may be here, or requirements.txt is ignored.
    assert not names & {"environment.yml", "Dockerfile", "default.nix", "install.R", "Pipfile", "Pipfile.lock",
                        "Project.toml", "REQUIRE", "requirements3.txt", "setup.py"}


def test_runtime_is_the_python_ci_tests():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    assert 'requires-python = ">=3.11"' in (ROOT / "pyproject.toml").read_text()


def binder_requirements():
    """(option lines, {package: version}, [(flag, path)]) of binder/requirements.txt."""
    options, pins, includes = [], {}, []
    for line in commands(BINDER / "requirements.txt"):
        if line.startswith(("-r ", "-c ")):
            includes.append(tuple(line.split(None, 1)))
        elif line.startswith("-"):
            options.append(line)
        else:
            m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line)
            assert m, f"binder/requirements.txt: {line!r} is not an exact pin"
            pins[m.group(1).lower()] = m.group(2)
    return options, pins, includes


def test_pytorch_is_the_cpu_build_at_the_tested_versions():
    options, pins, _ = binder_requirements()
    assert options == [f"--extra-index-url {CPU_INDEX}"]
    tested = pip_pins("requirements-torch.txt")
    assert pins == {name: f"{tested[name]}+cpu" for name in ("torch", "torchvision")}, \
        f"binder/requirements.txt {pins} must be requirements-torch.txt's {tested} with +cpu"


def test_everything_else_comes_from_the_pins_ci_tests():
    _, pins, includes = binder_requirements()
    assert includes == [("-r", "../requirements.txt"), ("-c", "../constraints.txt")]
    for _, rel in includes:  # pip reads them relative to binder/requirements.txt
        assert (BINDER / rel).resolve().is_file()
    assert set(pins) == {"torch", "torchvision"}, "list other packages in requirements.txt, not here"


def pip_parse(requirements: Path, cwd: Path):
    """pip reading the file for real, offline: it fails at the first package it cannot find
    (fine) or earlier, at an include it cannot open."""
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd), "PIP_CONFIG_FILE": os.devnull,
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "-r", str(requirements)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_pip_resolves_the_includes_relative_to_the_file(tmp_path):
    proc = pip_parse(BINDER / "requirements.txt", tmp_path)  # from elsewhere, as a check
    assert "Could not open requirements file" not in proc.stderr, proc.stderr
    assert "No matching distribution found for torch==" in proc.stderr, proc.stderr
    moved = tmp_path / "elsewhere" / "requirements.txt"  # the same file where ../ holds nothing
    moved.parent.mkdir()
    shutil.copy(BINDER / "requirements.txt", moved)
    assert "Could not open requirements file" in pip_parse(moved, tmp_path).stderr


def test_the_rehearsal_falls_back_to_pypis_build_of_the_same_versions(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("rehearse_binder", ROOT / "tools" / "rehearse_binder.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.cpu_index() == CPU_INDEX
    text = module.pypi_fallback(BINDER / "requirements.txt", tmp_path).read_text()
    tested = pip_pins("requirements-torch.txt")
    lines = commands(tmp_path / "requirements-pypi-fallback.txt")
    assert lines == [f"torch==={tested['torch']}", f"torchvision=={tested['torchvision']}",
                     f"-r {ROOT / 'requirements.txt'}", f"-c {ROOT / 'constraints.txt'}"]
    assert "cannot be reached" in text


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


def colab_links():
    return re.findall(r"\((https://colab\.research\.google\.com/github/[^)\s]+)\)", (ROOT / "README.md").read_text())


def test_readme_badge_opens_the_first_notebook_in_lab():
    links = binder_links()
    badge = re.search(r"\[!\[[^\]]*\]\(https://mybinder\.org/badge_logo\.svg\)\]\((https://mybinder[^)]+)\)",
                      (ROOT / "README.md").read_text())
    assert badge, "README needs a Binder badge"
    assert badge.group(1).endswith("/HEAD?urlpath=lab/tree/notebooks/00_start_here.ipynb"), badge.group(1)
    assert links


def test_readme_links_every_notebook():
    names = notebook_names()
    assert len(names) == 11 and names[0] == "00_start_here", names
    linked = {m.group(1) for l in binder_links() if (m := re.search(r"urlpath=lab/tree/notebooks/(\w+)\.ipynb$", l))}
    assert set(names) <= linked, f"README has no Binder link for {sorted(set(names) - linked)}"
    assert linked <= set(names), f"README links notebooks the course does not list: {sorted(linked - set(names))}"
    existing = {p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert existing <= linked, f"notebooks without a Binder link in README: {sorted(existing - linked)}"
    # One repository for all links, and it is the placeholder or a real owner/name.
    repos = {l[len(BINDER_URL):].split("/HEAD")[0] for l in binder_links()}
    assert len(repos) == 1 and re.fullmatch(r"[\w.-]+/[\w.-]+", repos.pop())


def test_readme_colab_badge_and_links_open_the_learner_editions():
    text = (ROOT / "README.md").read_text()
    badge = re.search(r"\[!\[Open In Colab\]\(https://colab\.research\.google\.com/assets/colab-badge\.svg\)\]"
                      r"\((https://colab[^)]+)\)", text)
    assert badge, "README needs an Open in Colab badge"
    links = colab_links()
    pattern = r"https://colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob/main/notebooks/(\d\d_\w+)\.ipynb"
    parsed = [re.fullmatch(pattern, l) for l in links]
    assert all(parsed), f"Colab links must open notebooks/NN_name.ipynb (the learner editions): {links}"
    assert parsed[0].group(2) == "00_start_here" and badge.group(1) == links[0]
    assert {m.group(2) for m in parsed} == set(notebook_names()), "one Colab link per notebook"
    binder_repos = {l[len(BINDER_URL):].split("/HEAD")[0] for l in binder_links()}
    assert {m.group(1) for m in parsed} == binder_repos, "Binder and Colab links name the same repository"


# --------------------------------------------------------------------------- the full profile's stand-ins


def test_simulated_full_stand_ins_pass_the_sources_own_fetchers(tmp_path, monkeypatch):
    """tools/standins.py (the rehearsal's and measure_memory.py --simulate-full's): the Faces in
    Things mirror and the Oxford-IIIT Pet archive it generates give the demo set's 75 i-see-face images and 15 dogs of each of the
    5 breeds through the course's fetchers (sizes checked against the selection list, MD5)."""
    import hashlib

    from tools import standins as mm
    from helpers.stimuli.sources import facesinthings as fit
    from helpers.stimuli.sources import oxford_pet as pet

    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv(fit.URL_HINT, mm.fake_pareidolia_mirror(tmp_path / "mirror").as_uri())
    got = fit.fetch_pareidolia(progress=False)
    assert got.enough and not got.skipped and len(got.paths) == len(fit.read_pareidolia_list()) == 75
    archive = mm.fake_pet_archive(tmp_path, per_breed=pet.PER_BREED + pet.SPARES)
    dogs = pet.fetch_pet_dogs(url=archive.as_uri(), md5=hashlib.md5(archive.read_bytes()).hexdigest(),
                              progress=False)
    assert sorted(dogs) == sorted(pet.DOG_BREEDS) and {len(v) for v in dogs.values()} == {pet.PER_BREED}


def test_memory_table_judges_kernels_by_budget_and_time_and_leaves_the_build_unjudged(monkeypatch):
    """benchmarks/measure_memory.py's table: the Binder estimate against the kernel budget, the run
    time against WARM_SECONDS; postBuild (build time, no kernel) is shown but not judged."""
    from benchmarks import measure_memory as mm

    monkeypatch.setattr(mm, "cuda_overhead_mb", lambda: 280.0)
    row = dict(cpu_seconds=1.0, maxrss_mb=3000.0, error=None)  # maxrss is inherited over execve: never used
    rows = [dict(row, notebook="binder/postBuild", seconds=900.0, peak_rss_mb=2500.0),
            dict(row, notebook="a.ipynb", seconds=60.0, peak_rss_mb=1880.0),
            dict(row, notebook="b.ipynb", seconds=61.0, peak_rss_mb=1881.0)]
    lines = mm.table(rows, limit_mb=1600).splitlines()
    assert lines[2] == "| binder/postBuild | 900 | 1 | 2500 | ≈ 2220 | build | build |  |"
    assert lines[3] == "| a.ipynb | 60 | 1 | 1880 | ≈ 1600 | yes | yes |  |"
    assert lines[4] == "| b.ipynb | 61 | 1 | 1881 | ≈ 1601 | **NO** | **NO** |  |"
