"""Models: VGG16 (and other torchvision CNNs) with the paper's layer names.

The paper names VGG16's layers as Keras does: ``block1_conv1`` ... ``block5_conv3``,
``fc1``, ``fc2``. Each name here points at the ReLU that follows the layer, so
activations are post-ReLU, as the paper's layer outputs are. Other models use their
module paths (``features.1``, ``layer3.1``, ...); :func:`layer_names` gives a sensible
default list for each.

Untrained networks are a legitimate control (face-selective units have been reported
in randomly initialised networks), but their results must never pass for the
pretrained network's: every model loaded here carries a
:class:`~helpers.labels.ModelInfo` (``model.course_info``) that figures and tables print.

Weights come from torch hub's cache (``$TORCH_HOME/hub/checkpoints``), downloaded
once with :func:`helpers.download.download` (resumable, timed out, checked against
the SHA-256 prefix in the file name); seeded random initialisations are kept in the
course cache (:mod:`helpers.cache`), because VGG16's takes seconds.

``COURSE_VGG16_URL`` (generally ``COURSE_<ARCH>_URL``, e.g. ``COURSE_ALEXNET_URL``) names
another address of the weights file: a classroom mirror, a ``file://`` copy, or a stand-in
(``tools/standins.py``: seeded random weights, for rehearsing the full profile offline).
The file's name must follow torchvision's convention, ``<arch>-<first 8 or more hex digits
of its SHA-256>.pth``; it is kept under that name and verified against it like the
original. A file whose name is not torchvision's own holds other weights than
torchvision's ImageNet ones: such a model is labelled ``STAND-IN weights (<file name>)``,
never "ImageNet weights" (:func:`weights_source`).
"""

from __future__ import annotations

import os
import pickle
import re
import sys
import urllib.parse
import warnings
import zipfile
from pathlib import Path

import torch
from torch import nn

from helpers import download
from helpers.cache import digest_buffers, load_or_compute, remove_inside
from helpers.config import UntrainedWarning, cache_dir
from helpers.labels import ORGANISM_ARCH, STANDIN, ModelInfo  # ORGANISM_ARCH: the organism (helpers.organism) reuses VGG16_LAYERS

# Paper name -> module path of the ReLU after that layer in torchvision's vgg16.
VGG16_LAYERS = {
    "block1_conv1": "features.1", "block1_conv2": "features.3",
    "block2_conv1": "features.6", "block2_conv2": "features.8",
    "block3_conv1": "features.11", "block3_conv2": "features.13", "block3_conv3": "features.15",
    "block4_conv1": "features.18", "block4_conv2": "features.20", "block4_conv3": "features.22",
    "block5_conv1": "features.25", "block5_conv2": "features.27", "block5_conv3": "features.29",
    "fc1": "classifier.1", "fc2": "classifier.4",
}

# The model organism (helpers.organism.network): VGG16's module layout, fewer channels.

# Sensible default layers for other architectures (module paths, post-ReLU where possible).
_DEFAULT_LAYERS = {
    "vgg16": list(VGG16_LAYERS),
    ORGANISM_ARCH: list(VGG16_LAYERS),
    "alexnet": ["features.1", "features.4", "features.7", "features.9", "features.11",
                "classifier.2", "classifier.5"],
    "resnet18": ["relu"] + [f"layer{b}.{k}" for b in range(1, 5) for k in range(2)] + ["avgpool"],
}
_ALIASES = {"vgg16": VGG16_LAYERS, ORGANISM_ARCH: VGG16_LAYERS}

WEIGHTS_TIMEOUT = 20.0  # seconds to wait for the weights server (connection and each read)
WEIGHTS_RETRIES = 2
UNTRAINED_FORMAT = 1  # version of the untrained-weights cache entries
_HUB_NAME = re.compile(r"[a-z0-9_]+-([a-f0-9]{8,64})\.pth")


class WeightsUnavailable(RuntimeError):
    """Pretrained weights could not be found in the cache nor downloaded, or the cached
    file is unusable; the message says what to do."""


def model_info(model: nn.Module) -> ModelInfo:
    """The :class:`~helpers.labels.ModelInfo` of a model loaded by this module (or a generic one)."""
    info = getattr(model, "course_info", None)
    return info if isinstance(info, ModelInfo) else ModelInfo(type(model).__name__.lower(), "custom")


# --------------------------------------------------------------------------- loading


def url_variable(arch: str) -> str:
    """The environment variable naming another address of ``arch``'s weights file
    (``COURSE_VGG16_URL`` for "vgg16")."""
    return f"COURSE_{re.sub(r'[^A-Za-z0-9]', '_', arch).upper()}_URL"


def weights_source(weights, arch: str | None = None) -> tuple[str, str, bool]:
    """(address, file name, stand-in) of a torchvision ``Weights`` member's file: torchvision's
    own, or the one ``$COURSE_<ARCH>_URL`` names (see the module docstring). ``stand-in`` is
    True when that file's name, and so its SHA-256, is not torchvision's: other weights than
    torchvision's ImageNet ones, which must never be labelled as those.

    Raises WeightsUnavailable when the variable's file name does not follow torchvision's
    convention (``<arch>-<hex digits of its SHA-256>.pth``), so it could not be verified.
    """
    official = Path(weights.url).name
    arch = arch or official.split("-")[0]
    var = url_variable(arch)
    url = (os.environ.get(var) or "").strip()
    if not url:
        return weights.url, official, False
    name = Path(urllib.parse.urlsplit(url).path).name
    if not _HUB_NAME.fullmatch(name):
        raise WeightsUnavailable(f"{var}={url} must end in a file name like torchvision's, "
                                 f"<arch>-<first 8 or more hex digits of the file's SHA-256>.pth (e.g. {official}), "
                                 "so that the download can be verified; rename the file and set the variable again.")
    return url, name, name != official


def standin_weights(arch: str = "vgg16") -> str | None:
    """The file name of the stand-in weights ``$COURSE_<ARCH>_URL`` names for ``arch``'s
    default torchvision weights, or None when they are torchvision's own (or there are
    none). For banners that speak before any model is loaded."""
    import torchvision

    try:
        weights = torchvision.models.get_model_weights(arch).DEFAULT
        url, name, standin = weights_source(weights, arch)
    except (ValueError, KeyError, WeightsUnavailable):
        return None
    return name if standin else None


def weights_file(weights, arch: str | None = None) -> Path:
    """Where torch hub keeps the file of a torchvision ``Weights`` member (the file
    ``$COURSE_<ARCH>_URL`` names, when set: see :func:`weights_source`)."""
    return Path(torch.hub.get_dir()) / "checkpoints" / weights_source(weights, arch)[1]


def load_state_dict(weights, progress: bool = True, timeout: float = WEIGHTS_TIMEOUT,
                    arch: str | None = None) -> dict:
    """The state dict of a torchvision ``Weights`` member, from torch hub's cache, downloaded
    there first when missing (see :func:`helpers.download.download`), from torchvision's
    address or the one ``$COURSE_<ARCH>_URL`` names (:func:`weights_source`).

    Raises :class:`WeightsUnavailable` when the download fails or the cached file is
    corrupt, in one sentence that says what to do (never suggesting to turn off
    ``weights_only``, which would run code from the file).
    """
    url, _name, _standin = weights_source(weights, arch)
    path = weights_file(weights, arch)
    if not path.exists():
        match = re.search(r"-([a-f0-9]{8,})\.", path.name)
        try:
            download.download(url, path, progress=progress, timeout=timeout, retries=WEIGHTS_RETRIES,
                              sha256=match.group(1) if match else None, env_hint="TORCH_HOME",
                              url_hint=url_variable(arch or path.name.split("-")[0]))
        except download.DownloadError as e:
            raise WeightsUnavailable(
                f"Could not download the ImageNet weights ({str(e).rstrip('.')}): connect to the internet once "
                f"(they are then cached), or copy {path.name} into {path.parent}, or run the untrained control "
                "with COURSE_PROFILE=quick."
            ) from None
    corrupt = WeightsUnavailable(f"The cached weights file {path} is corrupt or incomplete; delete it and run "
                                 "again to download it anew.")
    try:
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except RuntimeError:  # files saved in torch's legacy format cannot be memory-mapped
        pass
    except (OSError, EOFError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile):
        raise corrupt from None
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - whatever torch says, the file is unusable
        raise corrupt from None


def _shout(message: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}\n{message}\n{bar}\n", file=sys.stderr, flush=True)
    warnings.warn(message, UntrainedWarning, stacklevel=3)


def load_model(arch: str = "vgg16", pretrained: bool = True, seed: int = 0, progress: bool = True,
               fallback: bool = True, cache: bool = True) -> nn.Module:
    """A torchvision CNN in eval mode, with ``model.course_info`` set.

    Parameters
    ----------
    arch : torchvision model name ("vgg16", "alexnet", "resnet18", ...)
    pretrained : load the default ImageNet weights (cached by torch hub under
        ``$TORCH_HOME/hub/checkpoints``; downloaded on first use)
    seed : seed of the random initialisation when untrained (or when falling back)
    progress : show a download progress bar
    fallback : when the weights cannot be had, warn loudly and return the untrained
        network instead of raising :class:`WeightsUnavailable`
    cache : keep a random initialisation in the course cache and read it back next
        time (VGG16: seconds to initialise, milliseconds to read)
    """
    import torchvision

    builder = torchvision.models.get_model_builder(arch)
    if pretrained:
        weights = torchvision.models.get_model_weights(arch).DEFAULT
        try:
            state = load_state_dict(weights, progress, arch=arch)
            _url, name, standin = weights_source(weights, arch)
            with torch.device("meta"):  # no random init for weights we overwrite anyway
                model = builder(weights=None)
            try:
                model.load_state_dict(state, assign=True)
            except (RuntimeError, KeyError, TypeError, AttributeError):
                raise WeightsUnavailable(f"The weights file {weights_file(weights, arch)} does not hold {arch}'s "
                                         "weights; delete it and run again to download it anew.") from None
        except WeightsUnavailable as e:
            if not fallback:
                raise
            _shout(f"{e}\nFALLING BACK TO AN UNTRAINED {arch.upper()} (random weights, seed {seed}). "
                   "Every result below describes random weights, NOT the pretrained network of the paper.")
        else:
            model.eval()
            model.course_info = ModelInfo(arch, f"{STANDIN} {name}" if standin else weights.name)
            return model
    model = _untrained(arch, builder, seed, cache)
    model.eval()
    model.course_info = ModelInfo(arch, "untrained", seed)
    return model


def _untrained(arch: str, builder, seed: int, cache: bool) -> nn.Module:
    """Seeded random initialisation, kept in the course cache under a key of architecture,
    seed and torch version (the init's RNG stream may change between torch releases)."""

    def init():
        with torch.random.fork_rng(devices=[]):  # seed the init without touching the caller's RNG
            torch.manual_seed(seed)
            return builder(weights=None)

    if not cache:
        return init()
    try:
        root = cache_dir("models")
    except OSError:
        return init()  # no cache folder: only costs the init time
    for legacy in root.glob(f"{arch}-untrained-seed{seed}-torch*.pt"):  # single files of the old layout
        try:
            remove_inside(legacy, root)
        except (OSError, ValueError):
            pass

    def load(folder, meta):
        state = torch.load(folder / "weights.pt", map_location="cpu", weights_only=True, mmap=True)
        with torch.device("meta"):
            model = builder(weights=None)
        model.load_state_dict(state, assign=True)
        return model

    def save(model, folder):
        torch.save(model.state_dict(), folder / "weights.pt")

    key = {"arch": arch, "seed": int(seed), "torch": torch.__version__}
    return load_or_compute(root / f"{arch}-untrained-seed{seed}-torch{torch.__version__}", key, UNTRAINED_FORMAT,
                           load, init, save, what=f"cached random initialisation of {arch}", root=root)


def load_vgg16(pretrained: bool = True, seed: int = 0, progress: bool = True, fallback: bool = True,
               cache: bool = True) -> nn.Module:
    """VGG16 (Simonyan & Zisserman 2015) in eval mode; see :func:`load_model`."""
    return load_model("vgg16", pretrained=pretrained, seed=seed, progress=progress, fallback=fallback, cache=cache)


# --------------------------------------------------------------------------- layers


def layer_names(model: nn.Module) -> list[str]:
    """Default layers to analyse, shallow to deep (VGG16: the paper's 15 names)."""
    arch = model_info(model).arch
    if arch in _DEFAULT_LAYERS:
        return list(_DEFAULT_LAYERS[arch])
    return [n for n, m in model.named_modules() if isinstance(m, nn.ReLU)]


def resolve_layer(model: nn.Module, name: str) -> tuple[str, nn.Module]:
    """(module path, module) for a layer name or module path.

    Raises KeyError listing the valid names when ``name`` is unknown.
    """
    aliases = _ALIASES.get(model_info(model).arch, {})
    path = aliases.get(name, name)
    modules = dict(model.named_modules())
    if path in modules and path != "":
        return path, modules[path]
    valid = list(aliases) if aliases else [n for n in modules if n]
    extra = " (or any module path from model.named_modules())" if aliases else ""
    raise KeyError(f"Unknown layer {name!r}. Valid names: {', '.join(valid)}{extra}.")


def display_name(model: nn.Module, path: str) -> str:
    """The paper's name for a module path where one exists (VGG16), else the path."""
    for alias, p in _ALIASES.get(model_info(model).arch, {}).items():
        if p == path:
            return alias
    return path


# --------------------------------------------------------------------------- fingerprint and hooks


def fingerprint(model: nn.Module) -> str:
    """Content hash of the architecture (its repr) and every parameter and buffer value.

    Computed afresh at every call, from the values themselves: a change through
    ``weight.data[...] = 0`` (which torch's version counters do not see) changes it.
    Cost: about 0.02 s for VGG16's 553 MB (XXH3-128, :func:`helpers.cache.digest_buffers`;
    reading them once from memory is most of it). Returns ``"xxh3_128:<32 hex digits>"``.
    """
    buffers = [repr(model).encode()]
    for name, t in model.state_dict(keep_vars=True).items():
        t = t.detach()
        if t.device.type == "meta":
            raise ValueError(f"Tensor {name} of the model is on the meta device and has no values.")
        buffers.append(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
        buffers.append(t.reshape(-1).contiguous().view(torch.uint8).cpu().numpy())
    return digest_buffers(buffers)


def forward_hooks(model: nn.Module) -> list[str]:
    """The forward hooks that could change what ``model`` computes, in words: hooks and
    pre-hooks registered on its modules, and global ones (``register_module_forward_hook``).
    Empty when there are none."""
    from torch.nn.modules import module as torch_module

    found = []
    n_global = sum(len(getattr(torch_module, name, {}) or {}) for name in
                   ("_global_forward_hooks", "_global_forward_pre_hooks"))
    if n_global:
        found.append(f"{n_global} global forward hook(s)")
    for name, m in model.named_modules():
        n = len(m._forward_hooks) + len(m._forward_pre_hooks)
        if n:
            found.append(f"{n} on {name or 'the model itself'}")
    return found
