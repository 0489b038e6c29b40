"""What a user might pick instead of ``helpers.cnn.activations.collect``: the same per-filter
maxima of the same layers, computed with other libraries, for the benchmark's peers rows.

Each peer is built once, outside the timing, by :func:`make` and is then a function
``run(batches) -> {layer name: float32 array (n_images, n_filters)}`` over a list of
normalised input batches (float32 tensors (B, 3, H, W)); it reduces every layer's map to
each filter's maximum after the library returned it, as a user of that library would.

- ``fx_channels_last``, ``fx_contiguous``: torchvision's
  ``create_feature_extractor`` (torch.fx; the graph is pruned after the deepest requested
  node, so it stops early too) on a copy of the model converted once into the memory
  format, then ``amax``. Always available (torchvision is a dependency).
- ``thingsvision``: its ``PyTorchExtractor`` with ``batch_extraction`` (forward hooks that
  clone each requested module's output; the whole network runs).
- ``captum``: ``captum.attr.LayerActivation`` on a list of layers (forward hooks; the whole
  network runs).
- ``torchlens``: ``torchlens.extract`` with a mapping of names to module paths (it traces
  every operation of the forward pass).

The last three are not dependencies of the course. They are looked for in the folder named
by ``$COURSE_BENCH_PEERS`` (or the benchmark's ``--peers-path``), installed there beside
the virtual environment without touching its pins (``benchmarks/README.md`` says how).
That folder goes at the *end* of ``sys.path``, so the environment's own torch and numpy
are used. thingsvision's package ``__init__`` imports TensorFlow, Keras, timm and
open_clip for its other back ends (and ``np.AxisError``, gone in NumPy 2); its PyTorch
extractor needs none of them, so :func:`_thingsvision_extractor` loads that one module
under empty parent packages instead.

The libraries run the model as their users would: ``torch.no_grad()`` (thingsvision sets
it itself), contiguous (NCHW) layout, the model in eval mode.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import io
import importlib.util
import os
import sys
import types
from pathlib import Path
from typing import Callable

import numpy as np
import torch

PEERS_ENV = "COURSE_BENCH_PEERS"
ALWAYS = ("fx_channels_last", "fx_contiguous")
OPTIONAL = ("thingsvision", "captum", "torchlens")
NAMES = ALWAYS + OPTIONAL
# The distribution each optional peer comes from (its version goes into the table).
DISTRIBUTIONS = {"thingsvision": "thingsvision", "captum": "captum", "torchlens": "torchlens"}


def use_path(path: str | os.PathLike | None = None) -> str | None:
    """Put the peers' folder (``path``, else ``$COURSE_BENCH_PEERS``) at the end of
    ``sys.path`` and return it; None when neither names one. Raises ValueError for a
    folder that does not exist."""
    path = path or os.environ.get(PEERS_ENV) or None
    if path is None:
        return None
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise ValueError(f"The peers folder {folder} does not exist; install the peers there first "
                         "(benchmarks/README.md, 'Peers').")
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
    return str(folder)


def available() -> dict[str, str]:
    """Peer name -> "" when it can be used here, else why not (in words)."""
    out = {name: "" for name in NAMES}
    for name in OPTIONAL:
        try:
            if name == "thingsvision":
                _thingsvision_extractor()
            else:  # the modules the peer needs, not only the package's lazy front
                importlib.import_module({"captum": "captum.attr", "torchlens": "torchlens.user_funcs"}[name])
        except Exception as e:  # noqa: BLE001 - any failure to import means: not available
            out[name] = (f"not importable ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}); "
                         f"install it into a folder and name it with --peers-path or ${PEERS_ENV}")
    return out


def version(name: str) -> str | None:
    """The installed version of an optional peer, or None."""
    from importlib import metadata

    dist = DISTRIBUTIONS.get(name)
    if dist is None:
        return None
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _thingsvision_extractor():
    """thingsvision's ``PyTorchExtractor`` class, imported without running the package's
    ``__init__`` (which imports TensorFlow and the other back ends)."""
    loaded = sys.modules.get("thingsvision.core.extraction.torch")
    if loaded is not None:
        return loaded.PyTorchExtractor
    spec = importlib.util.find_spec("thingsvision")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("No module named 'thingsvision'")
    root = Path(list(spec.submodule_search_locations)[0])
    for name, folder in (("thingsvision", root), ("thingsvision.core", root / "core"),
                         ("thingsvision.core.extraction", root / "core" / "extraction"),
                         ("thingsvision.utils", root / "utils")):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = [str(folder)]
            sys.modules[name] = package
    return importlib.import_module("thingsvision.core.extraction.torch").PyTorchExtractor


def _maxima(maps: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """Each filter's maximum over positions: (B, C, H, W) -> (B, C); (B, C) unchanged."""
    return {k: (a.amax(dim=(2, 3)) if a.dim() == 4 else a).float().cpu().numpy() for k, a in maps.items()}


def _gather(per_batch: Callable[[torch.Tensor], dict[str, np.ndarray]], names: list[str]):
    """A ``run(batches)`` that stacks the per-batch maxima into one array per layer."""

    def run(batches: list[torch.Tensor]) -> dict[str, np.ndarray]:
        parts: dict[str, list] = {name: [] for name in names}
        for x in batches:
            for name, v in per_batch(x).items():
                parts[name].append(v)
        return {name: np.concatenate(parts[name]) for name in names}

    return run


def make(name: str, model: torch.nn.Module, layers: dict[str, str], device: str | torch.device = "cpu",
         own_copy: bool = True) -> Callable[[list], dict[str, np.ndarray]]:
    """A peer ``run(batches)`` for ``layers`` (layer name -> module path, shallow to deep) of
    ``model`` on ``device``, converted once; the batches (any iterable of tensors) must be
    on ``device`` too. With ``own_copy`` (the default) the peer works on a copy and leaves
    ``model`` alone; without, it takes ``model`` over, as a user's script would (one copy of
    the weights in memory, for the memory runs).

    Raises ImportError when an optional peer is not importable, KeyError for an unknown name.
    """
    names = list(layers)
    model = (copy.deepcopy(model) if own_copy else model).to(device).eval()
    if name in ("fx_channels_last", "fx_contiguous"):
        from torchvision.models.feature_extraction import create_feature_extractor

        fmt = torch.channels_last if name == "fx_channels_last" else torch.contiguous_format
        model = model.to(memory_format=fmt)
        extractor = create_feature_extractor(model, return_nodes={path: k for k, path in layers.items()})

        def fx(x):
            with torch.inference_mode():
                return _maxima(extractor(x.contiguous(memory_format=fmt)))  # every full map of the batch
        return _gather(fx, names)
    if name == "thingsvision":
        with contextlib.redirect_stdout(io.StringIO()):  # it prints the device
            extractor = _thingsvision_extractor()(model_name=type(model).__name__.lower(), pretrained=False,
                                                  device=str(device), model=model)
        paths = {path: k for k, path in layers.items()}

        def tv_run(batches):
            with extractor.batch_extraction(module_names=list(paths), output_type="tensor") as e:
                return _gather(lambda x: {paths[p]: v for p, v in _maxima(
                    e.extract_batch(x.contiguous(), flatten_acts=False)).items()}, names)(batches)
        return tv_run
    if name == "captum":
        from captum.attr import LayerActivation

        modules = dict(model.named_modules())
        attribution = LayerActivation(model, [modules[path] for path in layers.values()])

        def cap(x):
            with torch.no_grad():
                acts = attribution.attribute(x.contiguous())
            return _maxima(dict(zip(names, acts)))
        return _gather(cap, names)
    if name == "torchlens":
        import torchlens

        def lens(x):
            with torch.no_grad():
                return _maxima(torchlens.extract(model, x.contiguous(), dict(layers)))
        return _gather(lens, names)
    raise KeyError(f"Unknown peer {name!r}; one of {', '.join(NAMES)}.")


def compare(ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray], rtol: float = 1e-4) -> tuple[bool, str]:
    """Whether two sets of per-filter maxima agree, layer by layer, and how closely in words.

    Equal means: the same layers with the same shapes, and for every value
    ``|theirs - ours| <= rtol * max|ours of that layer|`` (float32 sums in another order,
    another memory layout or another convolution algorithm differ in the last bits).
    """
    if list(ours) != list(theirs):
        return False, f"other layers: {list(theirs)[:3]}…, not {list(ours)[:3]}…"
    worst, where = 0.0, ""
    for k in ours:
        a, b = ours[k], theirs[k]
        if a.shape != b.shape:
            return False, f"{k}: shape {b.shape}, not {a.shape}"
        scale = float(np.abs(a).max()) or 1.0
        dev = float(np.abs(a - b).max()) / scale
        if dev > worst:
            worst, where = dev, k
    ok = worst <= rtol
    return ok, (f"outputs equal ours: same {len(ours)} layers and shapes, largest difference "
                f"{worst:.1e} of the layer's maximum ({where or 'none'}; tolerance {rtol:g})" if ok else
                f"OUTPUTS DIFFER from ours: {worst:.1e} of the layer's maximum at {where} (tolerance {rtol:g})")
