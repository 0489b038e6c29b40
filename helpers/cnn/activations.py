"""Per-filter activations, collected with forward hooks.

The paper's measurement is, for every image and every filter, the maximum of the
filter's activation map. :func:`collect` reduces each map to that number *inside*
the forward pass, so memory grows with images x filters and never with map size,
stops the forward pass after the deepest requested layer, and caches the result
on disk under a key of everything that changes it (the values of every weight, the
stimuli's contents, the layers, the reduction, the code's version).

Shapes: activations of one layer are float32 arrays (n_images, n_filters).

The machinery is public for other measurements: :func:`run_batches` (batches,
prefetching, early stop, any per-layer reduction), :func:`prepared` (eval mode,
device and memory format for a run, the caller's model restored afterwards) and
:func:`default_device`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import warnings
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import numpy as np
import torch
from torch import nn

from helpers import __version__
from helpers.cache import CacheError, digest_buffers, key_digest, load_or_compute
from helpers.config import cache_dir
from helpers.labels import ModelMeta
from helpers.cnn.models import (display_name, fingerprint, forward_hooks, layer_names, model_info,
    resolve_layer)
from helpers.stimuli.sets import StimulusSet

CACHE_FORMAT = 2  # 2: entries written by helpers.cache (checksummed meta.json), subcategories
REDUCTIONS = ("max", "mean")
DEFAULT_BATCH_SIZE = 8  # fits a 224-px VGG16 run in Binder's 2 GB; not slower than 32 on 2 cores


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
    layers : layer names or module paths (see :func:`helpers.cnn.models.resolve_layer`)
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
    subcategories : str array (n_images,) or None, as in the stimulus set
    meta : dict: model label, whether trained, reduction, preprocessing, stimuli source,
        versions, key (see :class:`helpers.labels.ModelMeta` for the properties reading it)
    """

    def __init__(self, arrays, labels, categories, paths, meta, subcategories=None):
        super().__init__(arrays)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.categories = list(categories)
        self.paths = list(paths)
        self.meta = dict(meta)
        self.subcategories = None if subcategories is None else np.asarray(subcategories, dtype=str)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {v.shape}" for k, v in self.items())
        return f"Activations({self.model_label}; {shapes})"


# --------------------------------------------------------------------------- running a model


def default_device(device=None) -> torch.device:
    """``device`` as a torch.device; None: CUDA when available, else the CPU."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


class _LayoutCopy(NamedTuple):
    source: tuple  # (data_ptr, shape, stride, dtype) of the caller's tensor it was made from
    source_digest: str  # content key of the caller's tensor then
    copy: torch.Tensor  # the same values in the run's memory format
    copy_digest: str  # content key of the copy when it was made


# Module -> {parameter or buffer name: its copy in another memory format}, kept from one run to
# the next (see prepared); a copy goes when its module does.
_LAYOUT_COPIES: "weakref.WeakKeyDictionary[nn.Module, dict[str, _LayoutCopy]]" = weakref.WeakKeyDictionary()


def _content_key(t: torch.Tensor) -> str:
    """Content key of a dense CPU tensor's bytes, in the order they lie in memory."""
    order = sorted(range(t.dim()), key=lambda d: (-t.stride(d), d))
    v = t.detach().permute(order)
    if not v.is_contiguous():  # not dense: gaps between the values
        v = v.contiguous()
    return digest_buffers([v.reshape(-1).view(torch.uint8).numpy()])


def _in_layout(module: nn.Module, name: str, t: torch.Tensor, memory_format) -> torch.Tensor:
    """``t`` (a CPU tensor of ``module``) in ``memory_format``: the copy made for an earlier
    run when neither ``t`` nor that copy has changed since, by content, else a new copy."""
    copies = _LAYOUT_COPIES.setdefault(module, {})
    source = (t.data_ptr(), tuple(t.shape), t.stride(), t.dtype)
    source_digest = _content_key(t)
    kept = copies.get(name)
    if (kept is not None and kept.source == source and kept.source_digest == source_digest
            and _content_key(kept.copy) == kept.copy_digest):
        return kept.copy
    with torch.inference_mode(False), torch.no_grad():  # a copy reused later must not be an inference tensor
        new = t.detach().contiguous(memory_format=memory_format)
    copies[name] = _LayoutCopy(source, source_digest, new, _content_key(new))
    return new


@contextlib.contextmanager
def prepared(model: nn.Module, device: torch.device, channels_last: bool):
    """Eval mode, target device and memory format for a run; afterwards the caller's
    model gets back its own tensors (same objects, values, device, layout and
    ``requires_grad``) and mode.

    The run uses other tensors in the caller's parameters' places (``param.data``), and
    puts the caller's back at the end; nothing of the caller's is written to.

    On the CPU, the channels-last copies of the 4-D weights are kept from one run to the
    next (VGG16: its 13 conv weights, 59 MB) and reused while both the caller's tensor and
    the copy hold the values they held when it was made, checked by content key
    (:func:`helpers.cache.digest_buffers`) at every run: a lesion through
    ``weight.data[...] = 0`` between runs, or a write into the copy during a run, makes
    a new copy. Measured on VGG16 (2 shared cores, load 3-5, CPU time per call):
    converting the conv weights afresh, as every call did before, 0.09-0.10 s;
    converting them in place and back afterwards, 0.19 s; checking the kept copies
    against the caller's by ``torch.equal`` (strided reads), 0.08-0.10 s; checking them
    by content key, 0.005-0.006 s. The price is memory: one copy of the conv weights
    stays resident between calls while the model lives (59 MB for VGG16; resident size
    after a call 1.36 instead of 1.30 GB). During a run the copy is there either way, so
    the peak is unchanged (64 images at 224 px, batch 8: 1582 MB, before 1599 MB; 32 at
    batch 32: 2210 MB, before 2207 MB), which is what Binder's 2 GB limit sees. Moves to
    another device are made afresh at every call.
    """
    was_training = model.training
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    saved = []  # (store, name, original tensor)
    for module in model.modules():
        for kind, store in (("param", module._parameters), ("buffer", module._buffers)):
            for name, t in store.items():
                if t is None:
                    continue
                cur = t.data
                new = cur.to(device)
                if channels_last and new.dim() == 4 and not new.is_contiguous(memory_format=memory_format):
                    if new is cur and cur.device.type == "cpu":
                        new = _in_layout(module, name, cur, memory_format)
                    else:
                        new = new.contiguous(memory_format=memory_format)
                if new is not cur:
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


def layer_list(layers) -> list[str]:
    """``layers`` as a list of names: one name (a string) becomes a list of one, never
    a list of its characters."""
    if isinstance(layers, (str, bytes)):
        return [layers.decode() if isinstance(layers, bytes) else layers]
    return list(layers)


def run_batches(model: nn.Module, stimuli: StimulusSet, layers: Sequence[str],
                reduce: Callable[[torch.Tensor], torch.Tensor], batch_size: int = DEFAULT_BATCH_SIZE,
                device=None, channels_last: bool | None = None, progress: bool = False,
                desc: str = "Activations") -> dict[str, np.ndarray]:
    """Run ``stimuli`` through ``model`` batch by batch, just far enough for ``layers``,
    and keep ``reduce(output)`` of each layer.

    Parameters
    ----------
    layers : layer names or module paths (see :func:`helpers.cnn.models.resolve_layer`); a
        module that runs more than once per forward pass (a shared ReLU) is refused
    reduce : applied to each layer's output inside the forward pass; must return a
        (batch, k) tensor that does not share memory with the output (a later in-place
        operation could change it), e.g. a reduction over positions
    batch_size : images per forward pass; results do not depend on it
    device : torch device; default :func:`default_device`
    channels_last : memory format of the run; default on for the CPU, where VGG16's
        convolutions run about 1.9x faster with it on 2 cores
    progress, desc : a progress bar and its label

    The next batch is decoded in a background thread while the current one runs;
    the model is left exactly as it was (see :func:`prepared`).

    Returns
    -------
    layer -> float32 array (n_images, k), in the order of ``layers``.
    """
    names = layer_list(layers)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    if len(stimuli) == 0:
        raise ValueError("The stimulus set is empty.")
    device = default_device(device)
    if channels_last is None:
        channels_last = device.type == "cpu"
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    n = len(stimuli)
    starts = list(range(0, n, batch_size))
    results: dict[str, np.ndarray] = {}

    from tqdm.auto import tqdm

    bar = tqdm(total=n, desc=desc, unit="img", disable=not progress, leave=False)
    load = lambda s: stimuli.batch(range(s, min(s + batch_size, n)))  # noqa: E731
    with prepared(model, device, channels_last), torch.inference_mode(), \
            ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(load, starts[0])  # decode the next batch while this one runs
        for k, start in enumerate(starts):
            x = pending.result()
            if k + 1 < len(starts):
                pending = pool.submit(load, starts[k + 1])
            x = x.to(device).contiguous(memory_format=memory_format) if x.dim() == 4 else x.to(device)
            if k == 0:
                _check_called_once(model, names, x[:1])
            outs = forward_to(model, x, names, reduce=reduce)
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
    return {name: results[name] for name in names}


# --------------------------------------------------------------------------- cache


def key_fields(model, stimuli_fp, paths, reduction) -> dict:
    info = model_info(model)
    return {
        "format": CACHE_FORMAT, "helpers": __version__, "torch": torch.__version__,
        "arch": info.arch, "weights": info.weights, "model_hash": fingerprint(model),
        "layers": paths, "reduction": reduction, "stimuli": stimuli_fp,
    }


def _write_files(acts: Activations, tmp: Path) -> dict:
    arrays = {f"a{i}": np.ascontiguousarray(v, dtype=np.float32) for i, v in enumerate(acts.values())}
    if acts.subcategories is not None:
        arrays["subcategories"] = acts.subcategories
    np.savez(tmp / "arrays.npz", labels=acts.labels, **arrays)
    return {"meta": acts.meta, "layers": list(acts.keys()), "shapes": [list(v.shape) for v in acts.values()],
            "categories": acts.categories, "paths": acts.paths}


def _read_files(folder: Path, meta: dict, layers: Sequence[str] | None) -> Activations:
    try:
        stored, shapes = list(meta["layers"]), meta["shapes"]
        with np.load(folder / "arrays.npz", allow_pickle=False) as z:
            labels = z["labels"]
            arrays = {name: z[f"a{i}"] for i, name in enumerate(stored)}
            subcategories = z["subcategories"] if "subcategories" in z.files else None
        result = Activations(arrays, labels, meta["categories"], meta["paths"], meta["meta"], subcategories)
    except (KeyError, TypeError, ValueError, OSError) as e:
        raise CacheError(f"its contents are incomplete ({type(e).__name__}: {e})") from None
    if layers is not None and stored != list(layers):
        raise CacheError(f"it holds layers {stored}, not the requested {list(layers)}")
    for (name, a), shape in zip(arrays.items(), shapes):
        if list(a.shape) != shape or a.shape[0] != len(labels) or len(labels) != len(result.paths):
            raise CacheError(f"array of {name} has shape {a.shape}, expected {shape}")
    return result


def _cache_root(cache) -> Path | None:
    """The activation cache folder, or None (with a warning) when it cannot be used."""
    try:
        return cache_dir("activations") if cache is True else Path(cache)
    except OSError as e:
        warnings.warn(f"The cache folder cannot be used ({type(e).__name__}: {e}); activations are computed "
                      "but not cached. Set COURSE_CACHE to a writable folder.", stacklevel=3)
        return None


# --------------------------------------------------------------------------- collect


def collect(
    model: nn.Module,
    stimuli: StimulusSet,
    layers: Sequence[str] | str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device=None,
    progress: bool = True,
    reduction: str = "max",
    cache: bool | str | Path = True,
    channels_last: bool | None = None,
) -> Activations:
    """Each filter's maximum activation for each image, for every requested layer.

    Parameters
    ----------
    model : a CNN (see :mod:`helpers.cnn.models`); left exactly as it was
    stimuli : :class:`helpers.stimuli.sets.StimulusSet`
    layers : layer names (VGG16: ``block1_conv1`` ... ``fc2``) or module paths, or one
        such name; default :func:`helpers.cnn.models.layer_names`
    batch_size : images per forward pass (results do not depend on it); default 8,
        which keeps a 224-px VGG16 run within Binder's 2 GB
    device : torch device; default CUDA when available, else CPU
    progress : show a progress bar
    reduction : "max" (the paper's) or "mean" over each activation map
    cache : True (the course cache folder), False, or a folder for the cache. A model
        with forward hooks (which may change its outputs) is never cached, with a
        warning; an unusable cache folder costs only the caching, with a warning
    channels_last : memory format for the run; default: on for CPU, where VGG16's
        convolutions run about 1.9x faster with it on 2 cores

    Returns
    -------
    :class:`Activations`: layer name -> float32 array (n_images, n_filters), in the
    order of ``layers``, with labels, categories, paths and metadata attached.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"Unknown reduction {reduction!r}; use one of {REDUCTIONS}.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    names = layer_names(model) if layers is None else layer_list(layers)
    if not names:
        raise ValueError("No layers requested.")
    paths = [resolve_layer(model, n)[0] for n in names]
    names = [display_name(model, p) for p in paths]
    if len(set(paths)) != len(paths):
        raise ValueError(f"Layers {names} name the same module twice.")
    if len(stimuli) == 0:
        raise ValueError("The stimulus set is empty.")
    info = model_info(model)

    root = None
    if cache is not False:
        hooks = forward_hooks(model)
        if hooks:
            warnings.warn(f"Activations are not cached: the model carries forward hooks ({'; '.join(hooks)}) "
                          "that may change its outputs. Remove them (handle.remove()) to use the cache, or pass "
                          "cache=False to silence this warning.", stacklevel=2)
        else:
            root = _cache_root(cache)

    def compute() -> Activations:
        arrays = run_batches(model, stimuli, names, lambda o: reduce_map(o, reduction), batch_size, device,
                             channels_last, progress, desc=f"Activations ({info.arch})")
        meta = {
            "model": info.label, "arch": info.arch, "weights": info.weights, "trained": info.trained,
            "reduction": reduction, "preprocess": stimuli.preprocess.key(), "schematic": stimuli.schematic,
            "source": stimuli.source, "layer_modules": dict(zip(names, paths)),
            "helpers": __version__, "torch": torch.__version__, "key": key,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        return Activations(arrays, stimuli.labels, stimuli.categories, stimuli.paths, meta, stimuli.subcategories)

    key = None
    if root is None:
        return compute()
    key = key_fields(model, stimuli.fingerprint(), paths, reduction)
    return load_or_compute(Path(root) / f"{info.arch}-{key_digest(key)}", key, CACHE_FORMAT,
                           lambda folder, meta: _read_files(folder, meta, names), compute, _write_files,
                           what="activation cache", root=root)


def collect_maps(model: nn.Module, stimuli: StimulusSet, layer: str, indices: Sequence[int],
                 device=None) -> np.ndarray:
    """Full activation maps of one layer for a few images (e.g. to overlay on them).

    Returns float32 array (len(indices), n_filters, H, W).
    """
    device = default_device(device)
    with prepared(model, device, False), torch.inference_mode():
        out = forward_to(model, stimuli.batch(indices).to(device), [layer])[layer]
    return out.float().cpu().numpy()
