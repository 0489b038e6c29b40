"""Per-filter activations, collected with forward hooks.

The paper's measurement is, for every image and every filter, the maximum of the
filter's activation map. :func:`collect` reduces each map to that number *inside*
the forward pass, so memory grows with images x filters and never with map size,
stops the forward pass after the deepest requested layer, and caches the result
on disk under a key of everything that changes it.

Shapes: activations of one layer are float32 arrays (n_images, n_filters).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import shutil
import tempfile
import warnings
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from . import __version__
from .config import cache_dir
from .models import ModelMeta, display_name, fingerprint, layer_names, model_info, resolve_layer
from .stimuli import StimulusSet

CACHE_FORMAT = 1
REDUCTIONS = ("max", "mean")


class _Stop(Exception):
    """Raised from a hook to end the forward pass once every requested layer has run."""


def reduce_map(output: torch.Tensor, reduction: str = "max") -> torch.Tensor:
    """(B, C, H, W) or (B, C, L) -> (B, C) by max or mean over positions; a (B, C) output is
    copied as it is.

    Always a new tensor: a layer's output can be overwritten after the hook returns by an
    in-place operation that follows it (torchvision's ``ReLU(inplace=True)`` after every
    convolution and after ``fc1``/``fc2``), so keeping a reference would return the ReLU's
    output instead of the layer's."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"Unknown reduction {reduction!r}; use one of {REDUCTIONS}.")
    if output.dim() <= 2:
        return output.clone()
    dims = tuple(range(2, output.dim()))
    if reduction == "max":
        return output.amax(dim=dims)
    return output.mean(dim=dims)


def forward_to(model: nn.Module, x: torch.Tensor, layers: Sequence[str],
               reduce: Callable[[torch.Tensor], torch.Tensor] | None = None,
               stop: bool = True) -> dict[str, torch.Tensor]:
    """Run ``model`` on ``x`` just far enough to get the outputs of ``layers``.

    Parameters
    ----------
    layers : layer names or module paths (see :func:`helpers.models.resolve_layer`)
    reduce : applied to each output inside its hook (e.g. :func:`reduce_map`); it must
        return a new tensor, never the output itself, because a later in-place operation
        (torchvision's ``ReLU(inplace=True)``) would otherwise change the tensor we keep.
        When None the output is cloned.
    stop : end the forward pass after the last requested layer has run

    Returns
    -------
    dict from each name in ``layers`` to its (reduced) output. Gradients flow when
    autograd is enabled. Hooks are always removed, also on error.
    """
    resolved = [resolve_layer(model, name) for name in layers]
    out: dict[str, torch.Tensor] = {}
    calls: dict[str, int] = {}
    handles = []

    def make_hook(name):
        def hook(module, inputs, output):
            calls[name] = calls.get(name, 0) + 1
            if calls[name] > 1:
                raise RuntimeError(
                    f"Layer {name!r} ran more than once in one forward pass (its module is shared, "
                    "as ReLUs inside ResNet blocks are); choose the enclosing block instead.")
            out[name] = reduce(output) if reduce is not None else output.clone()
            if stop and len(out) == len(layers):
                raise _Stop
        return hook

    try:
        for name, (_, module) in zip(layers, resolved):
            handles.append(module.register_forward_hook(make_hook(name)))
        try:
            model(x)
        except _Stop:
            pass
    finally:
        for h in handles:
            h.remove()
    missing = [n for n in layers if n not in out]
    if missing:
        raise RuntimeError(f"Layers {missing} never ran in the forward pass; are they used by the model?")
    return out


class Activations(dict, ModelMeta):
    """Mapping layer name -> float32 array (n_images, n_filters), plus metadata.

    Attributes
    ----------
    labels : int64 array (n_images,)
    categories : list of category names (index = label)
    paths : list of image paths (or schematic ids)
    meta : dict: model label, whether trained, reduction, preprocessing, versions, key
    """

    def __init__(self, arrays, labels, categories, paths, meta):
        super().__init__(arrays)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.categories = list(categories)
        self.paths = list(paths)
        self.meta = dict(meta)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {v.shape}" for k, v in self.items())
        return f"Activations({self.model_label}; {shapes})"


# --------------------------------------------------------------------------- model preparation


@contextlib.contextmanager
def _prepared(model: nn.Module, device: torch.device, channels_last: bool):
    """Eval mode, target device and memory format for the run; afterwards the caller's
    model gets back its own tensors (same objects, values, device and layout)."""
    was_training = model.training
    saved = []  # (module, attribute kind, name, original tensor)
    for module in model.modules():
        for kind, store in (("param", module._parameters), ("buffer", module._buffers)):
            for name, t in store.items():
                if t is None:
                    continue
                cur = t.data
                new = cur.to(device)
                if channels_last and new.dim() == 4:
                    new = new.contiguous(memory_format=torch.channels_last)
                if new.device != cur.device or new.data_ptr() != cur.data_ptr() or new.stride() != cur.stride():
                    saved.append((store, name, cur))
                    if kind == "param":
                        t.data = new
                    else:
                        store[name] = new
    model.eval()
    try:
        yield
    finally:
        for store, name, original in saved:
            t = store[name]
            if isinstance(t, nn.Parameter):
                t.data = original
            else:
                store[name] = original
        model.train(was_training)


_CHECKED: "weakref.WeakKeyDictionary[nn.Module, set]" = weakref.WeakKeyDictionary()


def _check_called_once(model: nn.Module, names: Sequence[str], x: torch.Tensor) -> None:
    """A one-image run through the whole network, once per model and layer set.

    Stopping after the last requested layer cannot see a module that runs again
    later (ReLUs shared inside ResNet blocks); this dry run can, and forward_to
    raises for such a layer.
    """
    done = _CHECKED.setdefault(model, set())
    if tuple(names) not in done:
        forward_to(model, x, names, reduce=lambda o: o.sum(), stop=False)
        done.add(tuple(names))


def _release_memory() -> None:
    """Hand freed heap memory back to the OS (glibc only).

    glibc keeps the freed activation maps of a batch in a fragmented heap, so resident
    memory creeps up with the number of batches although nothing is kept; trimming after
    each batch keeps it flat (measured in benchmarks/: about 18 ms a call)."""
    global _MALLOC_TRIM
    if _MALLOC_TRIM is None:
        try:
            import ctypes

            _MALLOC_TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _MALLOC_TRIM = False
    if _MALLOC_TRIM:
        _MALLOC_TRIM(0)


_MALLOC_TRIM = None


def _default_device(device) -> torch.device:
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


# --------------------------------------------------------------------------- cache


def _key_fields(model, stimuli_fp, paths, reduction) -> dict:
    info = model_info(model)
    return {
        "format": CACHE_FORMAT, "helpers": __version__, "torch": torch.__version__,
        "arch": info.arch, "weights": info.weights, "model_hash": fingerprint(model),
        "layers": paths, "reduction": reduction, "stimuli": stimuli_fp,
    }


def _hash_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def save_activations(acts: Activations, folder: str | Path) -> Path:
    """Write ``acts`` to ``folder`` atomically: ``arrays.npz`` (no pickles) and
    ``meta.json``. The folder appears complete or not at all."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        arrays = {f"a{i}": np.ascontiguousarray(v, dtype=np.float32) for i, v in enumerate(acts.values())}
        np.savez(tmp / "arrays.npz", labels=acts.labels, **arrays)
        meta = dict(acts.meta, layers=list(acts.keys()), shapes=[list(v.shape) for v in acts.values()],
                    categories=acts.categories, paths=acts.paths,
                    arrays_sha256=_hash_file(tmp / "arrays.npz"))
        with open(tmp / "meta.json", "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=1, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def load_activations(folder: str | Path, expect_key: dict | None = None) -> Activations:
    """Read what :func:`save_activations` wrote; raise ValueError if anything is off
    (missing file, checksum, shapes, or a key that differs from ``expect_key``)."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"unreadable meta.json ({e})") from None
    if expect_key is not None and meta.get("key") != expect_key:
        raise ValueError("its key does not match this model, stimulus set, layers or code version")
    npz = folder / "arrays.npz"
    if not npz.exists() or _hash_file(npz) != meta.get("arrays_sha256"):
        raise ValueError("arrays.npz is missing or its checksum does not match meta.json")
    with np.load(npz, allow_pickle=False) as z:
        labels = z["labels"]
        arrays = {name: z[f"a{i}"] for i, name in enumerate(meta["layers"])}
    for (name, a), shape in zip(arrays.items(), meta["shapes"]):
        if list(a.shape) != shape or a.shape[0] != len(labels):
            raise ValueError(f"array of {name} has shape {a.shape}, expected {shape}")
    extra = {k: v for k, v in meta.items() if k not in ("layers", "shapes", "categories", "paths", "arrays_sha256")}
    return Activations(arrays, labels, meta["categories"], meta["paths"], extra)


# --------------------------------------------------------------------------- collect


def collect(
    model: nn.Module,
    stimuli: StimulusSet,
    layers: Sequence[str] | None = None,
    batch_size: int | None = None,
    device=None,
    progress: bool = True,
    reduction: str = "max",
    cache: bool | str | Path = True,
    channels_last: bool | None = None,
) -> Activations:
    """Each filter's maximum activation for each image, for every requested layer.

    Parameters
    ----------
    model : a CNN (see :mod:`helpers.models`); left exactly as it was
    stimuli : :class:`helpers.stimuli.StimulusSet`
    layers : layer names (VGG16: ``block1_conv1`` ... ``fc2``) or module paths;
        default :func:`helpers.models.layer_names`
    batch_size : images per forward pass (results do not depend on it); default: the
        profile's (8 at 224 px under ``full``, which fits Binder's memory; 32 under ``quick``)
    device : torch device; default CUDA when available, else CPU
    progress : show a progress bar
    reduction : "max" (the paper's) or "mean" over each activation map
    cache : True (the course cache folder), False, or a folder for the cache
    channels_last : memory format for the run; default: on for CPU, where VGG16's
        convolutions run about 1.9x faster with it on 2 cores

    Returns
    -------
    :class:`Activations`: layer name -> float32 array (n_images, n_filters), in the
    order of ``layers``, with labels, categories, paths and metadata attached.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"Unknown reduction {reduction!r}; use one of {REDUCTIONS}.")
    if batch_size is None:
        from .config import get_profile

        batch_size = get_profile().batch_size
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    names = list(layer_names(model) if layers is None else layers)
    if not names:
        raise ValueError("No layers requested.")
    paths = [resolve_layer(model, n)[0] for n in names]
    names = [display_name(model, p) for p in paths]
    if len(set(paths)) != len(paths):
        raise ValueError(f"Layers {names} name the same module twice.")
    if len(stimuli) == 0:
        raise ValueError("The stimulus set is empty.")
    info = model_info(model)

    key = folder = None
    if cache is not False:
        key = _key_fields(model, stimuli.fingerprint(), paths, reduction)
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]
        root = cache_dir("activations") if cache is True else Path(cache)
        folder = Path(root) / f"{info.arch}-{digest}"
        if folder.exists():
            try:
                return load_activations(folder, expect_key=key)
            except (ValueError, KeyError, OSError) as e:
                warnings.warn(f"Activation cache {folder} is unusable ({e}); recomputing.", stacklevel=2)
                shutil.rmtree(folder, ignore_errors=True)

    device = _default_device(device)
    if channels_last is None:
        channels_last = device.type == "cpu"
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    n = len(stimuli)
    starts = list(range(0, n, batch_size))
    results: dict[str, np.ndarray] = {}

    from tqdm.auto import tqdm

    bar = tqdm(total=n, desc=f"Activations ({info.arch})", unit="img", disable=not progress, leave=False)
    load = lambda s: stimuli.batch(range(s, min(s + batch_size, n)))  # noqa: E731
    with _prepared(model, device, channels_last), torch.inference_mode(), \
            ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(load, starts[0])  # decode the next batch while this one runs
        for k, start in enumerate(starts):
            x = pending.result()
            if k + 1 < len(starts):
                pending = pool.submit(load, starts[k + 1])
            x = x.to(device).contiguous(memory_format=memory_format) if x.dim() == 4 else x.to(device)
            if k == 0:
                _check_called_once(model, names, x[:1])
            outs = forward_to(model, x, names, reduce=lambda o: reduce_map(o, reduction))
            for name, value in outs.items():
                value = value.float().cpu().numpy()
                if value.ndim != 2:
                    raise RuntimeError(f"Layer {name} gave shape {value.shape}; expected (batch, filters).")
                if name not in results:
                    results[name] = np.empty((n, value.shape[1]), np.float32)
                results[name][start:start + len(value)] = value
            del outs, x
            if device.type == "cpu":
                _release_memory()
            bar.update(min(batch_size, n - start))
    bar.close()

    meta = {
        "model": info.label, "arch": info.arch, "weights": info.weights, "trained": info.trained,
        "reduction": reduction, "preprocess": stimuli.preprocess.key(), "schematic": stimuli.schematic,
        "source": stimuli.source, "layer_modules": dict(zip(names, paths)),
        "helpers": __version__, "torch": torch.__version__, "key": key,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    acts = Activations({name: results[name] for name in names}, stimuli.labels, stimuli.categories,
                       stimuli.paths, meta)
    if folder is not None:
        try:
            save_activations(acts, folder)
        except OSError as e:
            warnings.warn(f"Could not write the activation cache {folder} ({e}); results are returned "
                          "but not cached. Set COURSE_CACHE to a writable folder.", stacklevel=2)
    return acts


def collect_maps(model: nn.Module, stimuli: StimulusSet, layer: str, indices: Sequence[int],
                 device=None) -> np.ndarray:
    """Full activation maps of one layer for a few images (e.g. to overlay on them).

    Returns float32 array (len(indices), n_filters, H, W).
    """
    device = _default_device(device)
    with _prepared(model, device, False), torch.inference_mode():
        out = forward_to(model, stimuli.batch(indices).to(device), [layer])[layer]
    return out.float().cpu().numpy()


def filter_counts(acts: Mapping[str, np.ndarray]) -> dict[str, int]:
    """Filters per layer: {layer: n_filters}."""
    return {k: int(v.shape[1]) for k, v in acts.items()}
