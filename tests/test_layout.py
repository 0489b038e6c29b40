"""The house rules of the helpers package, checked on its source: the profile is read at
the edges only, names used across modules are public, there is no import cycle, the
statistics (selectivity and the modules below it) and the analyses import without torch,
and the package's data and typing marker ship with it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "helpers"

def _module_name(path: Path) -> str:
    """Dotted name below the package: "stimuli", "featureviz.render", "featureviz" (its __init__)."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top(name: str) -> str:
    """The package's top-level module a dotted name belongs to (a sub-package counts as one)."""
    return name.split(".")[0]


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if p != PACKAGE / "__init__.py"}
EDGES = {"course", "__main__", "envcheck"}  # may read the profile (and the notebooks' first cell)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(top-level module imported, names taken from it) for every import of a helpers module in
    ``path``, module level and inside functions; module names relative to the package, a
    sub-package counting as one module."""
    here = _module_name(path).split(".") if path.is_relative_to(PACKAGE) else []
    if path.is_relative_to(PACKAGE) and path.name != "__init__.py":
        here = here[:-1]  # the package a plain module sits in
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level >= 1:
                base = here[:len(here) - (node.level - 1)] if node.level - 1 <= len(here) else []
                target = ".".join(base + ([mod] if mod else []))
            elif node.level == 0 and (mod == "helpers" or mod.startswith("helpers.")):
                target = mod[len("helpers."):] if mod != "helpers" else ""
            else:
                continue
            names = [a.name for a in node.names]
            if target == "":  # from . import x, y (at the package's top)
                found += [(n, []) for n in names]
            elif "." not in target and target in {_top(m) for m in MODULES} and not mod and node.level >= 1:
                found += [(target, names)]  # from . import part, inside a sub-package
            else:
                found.append((_top(target), names))
        elif isinstance(node, ast.Import):
            found += [(a.name.split(".")[1], []) for a in node.names if a.name.startswith("helpers.")]
    return found


def _private_uses(path: Path, aliases: dict[str, str]) -> list[str]:
    """``x._y`` where ``x`` is a helpers module imported under the name ``x``."""
    bad = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            if node.attr.startswith("_") and not node.attr.startswith("__"):
                bad.append(f"{node.value.id}.{node.attr}")
    return bad


SCRIPTS = sorted(list((ROOT / "benchmarks").glob("*.py")) + list((ROOT / "tools").glob("*.py"))
                 + list((ROOT / "data").glob("*.py")))


@pytest.mark.parametrize("path", list(MODULES.values()) + SCRIPTS,
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_names_cross_module_boundaries(path):
    own = _top(_module_name(path)) if path.is_relative_to(PACKAGE) else None
    crossing = [f"from {mod} import {n}" for mod, names in _imports(path) for n in names
                if n.startswith("_") and mod != own]
    tree = ast.parse(path.read_text("utf-8"))
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level == 1 and not node.module
                                                  or node.module == "helpers"):
            aliases.update({(a.asname or a.name): a.name for a in node.names})
    crossing += _private_uses(path, aliases)
    assert not crossing, f"{path.name} uses private names of other helpers modules: {crossing}"


def test_profile_is_read_only_at_the_edges():
    readers = sorted({_top(name) for name, path in MODULES.items()
                      if any(mod == "profiles" for mod, _ in _imports(path))})
    assert set(readers) <= EDGES, f"only {sorted(EDGES)} may import helpers.profiles; also: {readers}"
    env_readers = sorted(_top(name) for name, path in MODULES.items() if "COURSE_PROFILE\")" in path.read_text()
                         or "COURSE_PROFILE')" in path.read_text())
    assert set(env_readers) <= {"profiles", "envcheck"}, env_readers  # envcheck reports the raw value


def test_no_import_cycles():
    tops = {_top(name) for name in MODULES}
    graph = {top: set() for top in tops}
    for name, path in MODULES.items():
        graph[_top(name)] |= {mod for mod, _ in _imports(path) if mod in tops and mod != _top(name)}
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError(f"import cycle: {' -> '.join(trail + [node, nxt])}")
            if nxt not in state:
                visit(nxt, trail + [node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


@pytest.mark.parametrize("module", ["helpers.selectivity", "helpers.measure", "helpers.rules", "helpers.permutation",
                                    "helpers.bootstrap", "helpers.binomial", "helpers.analysis", "helpers.labels",
                                    "helpers.cache", "helpers.emergence", "helpers.breeds", "helpers.geometry",
                                    "helpers.claims", "helpers.verdicts"])
def test_numpy_modules_import_without_torch(module):
    code = f"import sys, {module}; sys.exit(3 if 'torch' in sys.modules else 0)"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert proc.returncode == 0, proc.stderr or f"importing {module} imported torch"


def test_package_data_and_typing_marker_ship_with_the_package():
    import tomllib

    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["helpers"]
    assert "py.typed" in conf and (PACKAGE / "py.typed").is_file()
    assert "data/*" in conf and "data/**/*" in conf  # sub-folders of helpers/data too
    from helpers import config, datasets, imagenet

    assert datasets.DEMO_LIST.is_file() and imagenet.DATA_FILE.is_file()
    assert config.package_data() == PACKAGE / "data"


def test_profiles_turn_into_explicit_arguments(monkeypatch):
    from helpers import course, profiles
    from helpers.stimuli import Preprocess

    quick, full = profiles.get_profile("quick"), profiles.get_profile("full")
    assert profiles.preprocess(full) == Preprocess() and profiles.preprocess(quick) == Preprocess(64, 64)
    stim = profiles.stimulus_set(quick)
    assert stim.schematic and stim.counts() == {c: 36 for c in stim.categories} and stim.preprocess.crop == 64
    assert stim.subcategories is not None and "miniworld" in stim.source
    assert profiles.load_model(quick).course_info.label.startswith("Mini-VGG16 organism (cross-entropy)")
    assert profiles.load_model(quick, trained=False, seed=2).course_info.seed == 2
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    assert course.featureviz_settings() == {"size": 48, "steps": 24}
    monkeypatch.setenv("COURSE_PROFILE", "nonsense")
    with pytest.raises(ValueError, match="COURSE_PROFILE must be one of full, quick"):
        profiles.get_profile()
