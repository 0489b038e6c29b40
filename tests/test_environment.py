"""The pip requirements (what CI tests) and the conda environment (for conda users, untested)
list the same packages; the versions agree, except PyTorch's, which conda-forge's builds trail:
there the conda file gives a range that must contain the tested version."""

import re
from pathlib import Path

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch", "pytorch-cpu": "torch", "python-xxhash": "xxhash"}  # conda-forge names that differ from PyPI's
NOT_PACKAGES = {"python", "pip"}
RANGES = {"torch", "torchvision"}  # conda-forge lags PyPI for these (issue 13)


def pip_pins(*files):
    pins = {}
    for f in files:
        for line in (ROOT / f).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                m = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*={2,3}\s*([^\s;]+)", line)
                assert m, f"{f}: {line!r} is not an exact pin (name==version)"
                pins[m.group(1).lower()] = m.group(2)
    return pins


def conda_specs(path):
    """The dependency list of an environment.yml, conda specs and the pip section:
    {pip name: version spec}. ``name=1.2`` gives "==1.2", ``name >=1,<2`` gives ">=1,<2"."""
    specs, in_pip = {}, False
    for raw in (ROOT / path).read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if re.match(r"\s+- pip:\s*$", line):
            in_pip = True
            continue
        m = re.match(r"(\s+)- (.+)$", line)
        if not m:
            in_pip = False if not raw.startswith(" ") else in_pip
            continue
        item = m.group(2).strip()
        if in_pip:
            name, spec = item.split("==", 1)
            spec = "==" + spec
        else:
            parts = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", item)
            name, spec = parts.group(1), parts.group(2).strip()
            if spec.startswith("=") and not spec.startswith("=="):
                spec = "==" + spec[1:].split("=")[0]  # name=version[=build]
        name = CONDA_TO_PIP.get(name.strip().lower(), name.strip().lower())
        if name in NOT_PACKAGES or name == "conda-forge":
            continue
        specs[name] = spec or None
    return specs


def test_environment_yml_matches_requirements():
    pip = pip_pins("requirements-torch.txt", "requirements.txt")
    conda = conda_specs("environment.yml")
    assert set(conda) == set(pip), (f"only in requirements: {sorted(set(pip) - set(conda))}; "
                                    f"only in environment.yml: {sorted(set(conda) - set(pip))}")
    different = {k: (pip[k], conda[k]) for k in set(pip) - RANGES if conda[k] != f"=={pip[k]}"}
    assert not different, f"versions differ (pip, conda): {different}"
    for name in RANGES:
        spec = SpecifierSet(conda[name])
        assert pip[name] in spec, f"environment.yml's {name} {conda[name]} leaves out the tested {pip[name]}"
        assert not any(s.operator in ("==", "===") for s in spec), f"{name}: a range, not a pin (conda-forge lags)"


def test_pytorch_is_conda_forges_cpu_build():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+- pytorch-cpu\s", text, re.M), "conda-forge's CPU-only metapackage: pytorch-cpu"
    assert "conda-forge" in text and not re.search(r"cuda|cudnn|nvidia", text.split("dependencies:")[1], re.I)


def test_parser_sees_every_line():
    # Guard against a parser that silently drops entries: count the dash lines by hand.
    text = (ROOT / "environment.yml").read_text()
    dashes = [l for l in text.splitlines() if re.match(r"\s+- ", l.split("#")[0]) and "conda-forge" not in l]
    assert len(conda_specs("environment.yml")) == len(dashes) - 3  # python, pip, "pip:" header
    assert conda_specs("environment.yml")["numpy"] == "==" + pip_pins("requirements.txt")["numpy"]
