"""The pip requirements and the conda environment list the same packages and versions."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch"}  # conda-forge names that differ from PyPI's
NOT_PACKAGES = {"python", "pip"}


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


def conda_pins(path):
    """Parse the dependency list of an environment.yml (conda specs and the pip section)."""
    pins, in_pip = {}, False
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
        spec = m.group(2).strip()
        if in_pip and "==" in spec:
            name, version = spec.split("==", 1)
        elif "=" in spec:
            name, version = spec.split("=")[:2]
        else:
            name, version = spec, None
        name = CONDA_TO_PIP.get(name.strip().lower(), name.strip().lower())
        if name in NOT_PACKAGES or (name == "conda-forge"):
            continue
        pins[name] = version
    return pins


def test_environment_yml_matches_requirements():
    pip = pip_pins("requirements-torch.txt", "requirements.txt")
    conda = conda_pins("environment.yml")
    assert conda == pip, (
        f"only in requirements: {sorted(set(pip) - set(conda))}; only in environment.yml: "
        f"{sorted(set(conda) - set(pip))}; different versions: "
        f"{ {k: (pip[k], conda[k]) for k in set(pip) & set(conda) if pip[k] != conda[k]} }")


def test_parser_sees_every_line():
    # Guard against a parser that silently drops entries: count the dash lines by hand.
    text = (ROOT / "environment.yml").read_text()
    dashes = [l for l in text.splitlines() if re.match(r"\s+- ", l.split("#")[0]) and "conda-forge" not in l]
    assert len(conda_pins("environment.yml")) == len(dashes) - 3  # python, pip, "pip:" header
