"""The house rules of the helpers package, checked on its source (the AST): imports only go
down the package's floors, the statistics core imports neither torch nor the presentation
layer, the profile is read at the edges only, names used across modules are public, there is
no import cycle, the NumPy modules import without torch, and the package's data and typing
marker ship with it. Each rule is also shown to catch a planted violation."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "helpers"

def _module_name(path: Path) -> str:
    """Dotted name below the package: "stats.measure", "analyses.featureviz.render",
    "analyses.featureviz" (its __init__)."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top(name: str) -> str:
    """The unit a dotted module name belongs to: a module of a floor's sub-package
    ("stats.measure"), a sub-package of its own ("analyses.featureviz", "stimuli.sources"),
    or a ground-floor module ("cache")."""
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if p != PACKAGE / "__init__.py"}


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(unit imported, names taken from it) for every import of a helpers module in ``path``,
    module level and inside functions (see :func:`_top`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level or not (mod == "helpers" or mod.startswith("helpers.")):
                continue  # the house uses absolute imports (a relative one fails the floors test's reading)
            target = mod[len("helpers."):] if mod != "helpers" else ""
            for a in node.names:
                sub = f"{target}.{a.name}" if target else a.name
                if sub in MODULES:
                    found.append((_top(sub), []))
                else:
                    found.append((_top(target), [a.name]))
        elif isinstance(node, ast.Import):
            found += [(_top(a.name[len("helpers."):]), []) for a in node.names if a.name.startswith("helpers.")]
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
                if n.startswith("_") and not n.startswith("__") and mod != own]
    tree = ast.parse(path.read_text("utf-8"))
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
            aliases.update({(a.asname or a.name): a.name for a in node.names
                            if f"{node.module[len('helpers.'):]}.{a.name}".lstrip(".") in MODULES})
    crossing += _private_uses(path, aliases)
    assert not crossing, f"{path.name} uses private names of other helpers modules: {crossing}"


# --------------------------------------------------------------------------- the floors, from the AST

#: The package's floors, lowest first: a module may import from its own floor or lower ones.
FLOORS = ("ground", "stats", "stimuli", "cnn", "organism", "analyses", "present", "edge", "face")
GROUND = {"config", "cache", "download", "labels"}


def floor_of(module: str) -> str:
    """``module`` relative to the package ("stats.measure", "cache", "__main__") -> its floor."""
    top = module.split(".")[0]
    if top in GROUND:
        return "ground"
    if top in ("", "__init__"):
        return "ground"  # the package itself: its __init__ imports only the ground floor
    if top == "__main__":
        return "face"
    if top not in FLOORS:
        raise AssertionError(f"helpers/{top} is on no floor: put it in one of the sub-packages {FLOORS[1:-1]} "
                             "or, if it is ground-floor plumbing, add it to GROUND with a reason")
    return top


def helpers_imports(path: Path, package: Path) -> list[tuple[str, int]]:
    """(module imported, relative to the package; line) for every import of ``helpers`` in ``path``
    (module level and inside functions)."""
    here = list(path.relative_to(package).with_suffix("").parts)
    pkg = here[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[:len(pkg) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module == "helpers" or (node.module or "").startswith("helpers."):
                target = node.module[len("helpers."):] if node.module != "helpers" else ""
            else:
                continue
            for a in node.names:  # a module imported by name counts as itself
                sub = f"{target}.{a.name}" if target else a.name
                is_module = (package / sub.replace(".", "/")).with_suffix(".py").is_file() \
                    or (package / sub.replace(".", "/") / "__init__.py").is_file()
                found.append((sub if is_module else target, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name[len("helpers."):], node.lineno) for a in node.names if a.name.startswith("helpers.")]
    return found


def third_party_imports(path: Path) -> set[str]:
    """Top-level names of the packages ``path`` imports (anywhere in it)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def profile_reads(path: Path, anywhere: bool) -> list[int]:
    """Lines that read ``COURSE_PROFILE`` (``anywhere``: that name it at all, e.g. to pass it on)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Constant) and node.value == "COURSE_PROFILE":
            if anywhere:
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and node.args[0].value == "COURSE_PROFILE" and getattr(node.func, "attr", getattr(node.func, "id", "")) \
                in ("get", "getenv"):
            lines.append(node.lineno)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
                and isinstance(node.slice, ast.Constant) and node.slice.value == "COURSE_PROFILE":
            lines.append(node.lineno)
    return sorted(set(lines))


def layering_violations(root: Path) -> list[str]:
    """Every breach of the house rules in the tree at ``root`` (a checkout: ``root/helpers``,
    ``root/tools``, ``root/benchmarks``), one line each:

    - imports only go down the floors of :data:`FLOORS`;
    - the statistics core (``helpers/stats``) imports neither torch nor the presentation layer;
    - ``COURSE_PROFILE`` is read only at the edges (``helpers/edge``): no other helpers module
      names it, and no script in ``tools/`` or ``benchmarks/`` reads it;
    - ``tools/`` never imports ``benchmarks/`` (the benchmarks may use the tools).
    """
    package, bad = root / "helpers", []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        me = ".".join(rel.with_suffix("").parts)
        mine = floor_of(me)
        for target, line in helpers_imports(path, package):
            theirs = floor_of(target)
            if FLOORS.index(theirs) > FLOORS.index(mine):
                bad.append(f"helpers/{rel}:{line}: the {mine} floor imports helpers.{target} from the {theirs} floor above it")
        if mine == "stats":
            for name in sorted(third_party_imports(path) & {"torch", "torchvision", "matplotlib", "ipywidgets"}):
                bad.append(f"helpers/{rel}: the statistics core imports {name}")
        if mine != "edge":
            bad += [f"helpers/{rel}:{line}: COURSE_PROFILE outside the edges" for line in profile_reads(path, True)]
    for folder in ("tools", "benchmarks"):
        for path in sorted((root / folder).glob("*.py")):
            bad += [f"{folder}/{path.name}:{line}: reads COURSE_PROFILE (use helpers.edge.profiles.get_profile)"
                    for line in profile_reads(path, False)]
    for path in sorted((root / "tools").glob("*.py")):  # benchmarks may use the tools, never the reverse
        if "benchmarks" in third_party_imports(path):
            bad.append(f"tools/{path.name}: imports benchmarks (move what both need into tools/)")
    return bad


def test_the_house_keeps_its_floors():
    assert layering_violations(ROOT) == []


def test_only_the_face_and_the_ground_floor_are_top_level_modules():
    tops = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert set(tops) <= GROUND | {"__init__", "__main__"}, tops


@pytest.mark.parametrize("planted, expected", [
    ({"stats/x.py": "from helpers.present import plots\n"}, "the stats floor imports helpers.present.plots"),
    ({"stats/x.py": "def f():\n    from ..cnn import models\n"}, "the stats floor imports helpers.cnn"),
    ({"cnn/x.py": "from helpers.analyses.auc import roc_auc\n"}, "the cnn floor imports helpers.analyses.auc"),
    ({"stats/x.py": "def f():\n    import torch\n"}, "the statistics core imports torch"),
    ({"stats/x.py": "import matplotlib.pyplot as plt\n"}, "the statistics core imports matplotlib"),
    ({"analyses/x.py": "import os\nP = os.environ.get('COURSE_PROFILE', 'full')\n"}, "COURSE_PROFILE outside the edges"),
    ({"cache.py": "import os\nP = os.environ['COURSE_PROFILE']\n"}, "COURSE_PROFILE outside the edges"),
    ({"../tools/t.py": "import os\nP = os.getenv('COURSE_PROFILE')\n"}, "tools/t.py:2: reads COURSE_PROFILE"),
    ({"newthing.py": "X = 1\n"}, "is on no floor"),
    ({"../tools/u.py": "def f():\n    from benchmarks import run\n"}, "tools/u.py: imports benchmarks"),
])
def test_a_planted_violation_of_each_rule_is_caught(tmp_path, planted, expected):
    for folder in ("helpers/stats", "helpers/cnn", "helpers/analyses", "helpers/present", "helpers/edge", "tools", "benchmarks"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "helpers/edge/profiles.py").write_text("import os\nP = os.environ.get('COURSE_PROFILE')\n")
    (tmp_path / "tools/ok.py").write_text("import os\nenv = {'COURSE_PROFILE': 'quick'}\n")  # passing it on is fine
    (tmp_path / "helpers/present/plots.py").write_text("from helpers.stats import measure\n")  # down: fine
    assert layering_violations(tmp_path) == []
    for rel, text in planted.items():
        (tmp_path / "helpers" / rel).write_text(text)
    try:
        found = layering_violations(tmp_path)
    except AssertionError as e:
        found = [str(e)]
    assert any(expected in line for line in found), found


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


@pytest.mark.parametrize("module", ["helpers.stats.selectivity", "helpers.stats.measure", "helpers.stats.rules", "helpers.stats.permutation",
                                    "helpers.stats.bootstrap", "helpers.stats.binomial", "helpers.analyses.auc", "helpers.analyses.depth", "helpers.labels",
                                    "helpers.cache", "helpers.analyses.emergence", "helpers.analyses.breeds", "helpers.analyses.geometry",
                                    "helpers.analyses.claims", "helpers.analyses.verdicts", "helpers.analyses.replication"])
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
    from helpers import config
    from helpers.stimuli import demo as datasets
    from helpers.cnn import imagenet

    assert datasets.DEMO_LIST.is_file() and imagenet.DATA_FILE.is_file()
    assert config.package_data() == PACKAGE / "data"


def test_profiles_turn_into_explicit_arguments(monkeypatch):
    from helpers.edge import course, profiles
    from helpers.stimuli.sets import Preprocess

    quick, full = profiles.get_profile("quick"), profiles.get_profile("full")
    assert profiles.preprocess(full) == Preprocess() and profiles.preprocess(quick) == Preprocess(64, 64)
    stim = profiles.stimulus_set(quick)
    assert stim.schematic and stim.counts() == {c: 36 for c in stim.categories} and stim.preprocess.crop == 64
    assert stim.subcategories is not None and "generated drawings" in stim.source
    assert profiles.load_model(quick).course_info.label.startswith("Mini-VGG16 organism (cross-entropy)")
    assert profiles.load_model(quick, trained=False, seed=2).course_info.seed == 2
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    assert course.featureviz_settings() == {"size": 48, "steps": 24}
    monkeypatch.setenv("COURSE_PROFILE", "nonsense")
    with pytest.raises(ValueError, match="COURSE_PROFILE must be one of full, quick"):
        profiles.get_profile()
