"""The package works when installed from a wheel, away from the repository: a wheel is
built, installed into a fresh virtual environment (which borrows the project's installed
dependencies instead of reinstalling torch), and ``python -m helpers report`` runs under
the quick profile from a folder outside the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds and installs a wheel

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel, built from a copy of what it is made of (setuptools writes build/ and
    *.egg-info next to the sources, which must not happen in the checkout)."""
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    src = build / "src"
    shutil.copytree(ROOT / "helpers", src / "helpers", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "--wheel-dir", str(out), str(src)],
                          capture_output=True, text=True, timeout=300, cwd=build,
                          env=dict(os.environ, PIP_NO_INPUT="1", TMPDIR=str(build)))
    if proc.returncode != 0 and "No module named" in proc.stderr and "setuptools" in proc.stderr:
        pytest.skip("setuptools is not installed here, so no wheel can be built offline")
    assert proc.returncode == 0, proc.stderr[-3000:]
    (path,) = out.glob("cnn_selectivity_course-*.whl")
    return path


def test_wheel_holds_the_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("helpers/py.typed", "helpers/data/demo_set.csv", "helpers/data/imagenet_hierarchy.json",
                   "helpers/data/pareidolia_set.csv", "helpers/__main__.py", "helpers/cache.py",
                   "helpers/stimuli/sources/__init__.py", "helpers/stimuli/sources/facesinthings.py",
                   "helpers/stimuli/sources/oxford_pet.py",
                   *(f"helpers/{sub}/__init__.py" for sub in ("stats", "stimuli", "cnn", "organism", "analyses",
                                                              "analyses/featureviz", "present", "edge"))):
        assert needed in names, needed
    assert not any(n.startswith(("tests/", "notebooks/", "benchmarks/", "tools/", "data/")) for n in names)


def test_installed_wheel_runs_the_report_outside_the_repository(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # The project's installed packages (torch & co) become visible through a .pth line; the
    # project's own editable install is not (its finder lives in a .pth file of that folder,
    # which Python only reads for site folders).
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(site),
                           str(wheel)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COURSE_PROFILE")}
    env.update(COURSE_PROFILE="quick", COURSE_CACHE=str(tmp_path / "cache"), TORCH_HOME=str(tmp_path / "torch"),
               MPLBACKEND="Agg")
    where = subprocess.run([str(python), "-c", "import helpers, helpers.stimuli.demo as d, helpers.cnn.imagenet as i; "
                            "print(helpers.__file__); print(len(d.read_demo_list())); print(i.wnids()[151]); "
                            "print(len(d.facesinthings.read_pareidolia_list()))"],
                           capture_output=True, text=True, env=env, cwd=work, timeout=300)
    assert where.returncode == 0, where.stderr[-3000:]
    location, rows, chihuahua, pareidolia = where.stdout.split("\n")[:4]
    assert Path(location).is_relative_to(site) and int(rows) == 274 and chihuahua == "n02085620"
    assert int(pareidolia) == 75

    out = work / "report"
    proc = subprocess.run([str(python), "-m", "helpers", "report", "--out", str(out), "--model", "resnet18",
                           "--layers", "layer1.0", "layer4.1", "--permutations", "99", "--no-progress"],
                          capture_output=True, text=True, env=env, cwd=work, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = json.loads((out / "run.json").read_text())
    assert run["profile"] == "quick" and run["schematic"] and not run["trained"]
    assert (out / "selectivity_by_layer.csv").read_text().count("\n") == 1 + 2 * 4  # 2 layers x 4 categories
