"""Models: VGG16 (and other torchvision CNNs) with the paper's layer names.

The paper names VGG16's layers as Keras does: ``block1_conv1`` ... ``block5_conv3``,
``fc1``, ``fc2``. Each name here points at the ReLU that follows the layer, so
activations are post-ReLU, as the paper's layer outputs are. Other models use their
module paths (``features.1``, ``layer3.1``, ...); :func:`layer_names` gives a sensible
default list for each.

Untrained networks are a legitimate control (face-selective units have been reported
in randomly initialised networks), but their results must never pass for the
pretrained network's: every model loaded here carries a :class:`ModelInfo`
(``model.course_info``) that figures and tables print.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import urllib.error
import warnings
import weakref
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from .config import UntrainedWarning

# Paper name -> module path of the ReLU after that layer in torchvision's vgg16.
VGG16_LAYERS = {
    "block1_conv1": "features.1", "block1_conv2": "features.3",
    "block2_conv1": "features.6", "block2_conv2": "features.8",
    "block3_conv1": "features.11", "block3_conv2": "features.13", "block3_conv3": "features.15",
    "block4_conv1": "features.18", "block4_conv2": "features.20", "block4_conv3": "features.22",
    "block5_conv1": "features.25", "block5_conv2": "features.27", "block5_conv3": "features.29",
    "fc1": "classifier.1", "fc2": "classifier.4",
}
VGG16_CONV_LAYERS = [n for n in VGG16_LAYERS if n.startswith("block")]

# The model organism (helpers.organism): VGG16's module layout, fewer channels.
ORGANISM_ARCH = "mini-vgg16"
_ORGANISM_LOSSES = {"ce": "cross-entropy", "soft": "soft labels"}

# Sensible default layers for other architectures (module paths, post-ReLU where possible).
_DEFAULT_LAYERS = {
    "vgg16": list(VGG16_LAYERS),
    ORGANISM_ARCH: list(VGG16_LAYERS),
    "alexnet": ["features.1", "features.4", "features.7", "features.9", "features.11",
                "classifier.2", "classifier.5"],
    "resnet18": ["relu"] + [f"layer{b}.{k}" for b in range(1, 5) for k in range(2)] + ["avgpool"],
}
_ALIASES = {"vgg16": VGG16_LAYERS, ORGANISM_ARCH: VGG16_LAYERS}


class WeightsUnavailable(RuntimeError):
    """Pretrained weights could not be found in the cache nor downloaded."""


@dataclass(frozen=True)
class ModelInfo:
    """What a model is, for labels and cache keys.

    Attributes
    ----------
    arch : torchvision architecture name, e.g. "vgg16", or "mini-vgg16" (the organism)
    weights : weights name, e.g. "IMAGENET1K_V1", "ce" or "soft" (organism), or "untrained"
    seed : the seed of the random initialisation (untrained models), else None
    """

    arch: str
    weights: str
    seed: int | None = None

    @property
    def trained(self) -> bool:
        return self.weights != "untrained"

    @property
    def label(self) -> str:
        if self.arch == ORGANISM_ARCH:
            if self.trained:
                return (f"Mini-VGG16 organism ({_ORGANISM_LOSSES.get(self.weights, self.weights)}), "
                        "trained on generated drawings — not the paper's VGG16")
            return f"Mini-VGG16 organism, UNTRAINED (random weights, seed {self.seed})"
        name = self.arch.upper() if self.arch.startswith("vgg") else self.arch
        if self.trained:
            return f"{name}, ImageNet weights ({self.weights})"
        return f"{name}, UNTRAINED (random weights, seed {self.seed})"


class ModelMeta:
    """Mixin for results that carry a ``meta`` dict describing the model they came from."""

    meta: dict

    @property
    def trained(self) -> bool:
        return bool(self.meta.get("trained", False))

    @property
    def model_label(self) -> str:
        return str(self.meta.get("model", "unknown model"))


def model_info(model: nn.Module) -> ModelInfo:
    """The :class:`ModelInfo` of a model loaded by this module (or a generic one)."""
    info = getattr(model, "course_info", None)
    return info if isinstance(info, ModelInfo) else ModelInfo(type(model).__name__.lower(), "custom")


# --------------------------------------------------------------------------- loading


def _weights_file(weights) -> Path:
    """Where torch.hub keeps the file of a torchvision ``Weights`` member."""
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name


def _load_state_dict(weights, progress: bool) -> dict:
    path = _weights_file(weights)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        match = re.search(r"-([a-f0-9]{6,})\.", path.name)
        try:
            # torch.hub writes to a temporary file and renames it only after the hash check.
            torch.hub.download_url_to_file(weights.url, str(path), match.group(1) if match else None,
                                           progress=progress)
        except (urllib.error.URLError, OSError, RuntimeError) as e:
            reason = getattr(e, "reason", None) or e
            raise WeightsUnavailable(
                f"Could not download the ImageNet weights from {weights.url} ({reason}): connect to the "
                f"internet once (they are then cached), or copy {path.name} into {path.parent}, "
                "or run the untrained control with COURSE_PROFILE=quick."
            ) from None
    try:
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except RuntimeError:  # files saved in torch's legacy format cannot be memory-mapped
        return torch.load(path, map_location="cpu", weights_only=True)


def _shout(message: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}\n{message}\n{bar}\n", file=sys.stderr, flush=True)
    warnings.warn(message, UntrainedWarning, stacklevel=3)


def load_model(arch: str = "vgg16", pretrained: bool = True, seed: int = 0, progress: bool = True,
               fallback: bool = True) -> nn.Module:
    """A torchvision CNN in eval mode, with ``model.course_info`` set.

    Parameters
    ----------
    arch : torchvision model name ("vgg16", "alexnet", "resnet18", ...)
    pretrained : load the default ImageNet weights (cached by torch.hub under
        ``$TORCH_HOME/hub/checkpoints``; downloaded on first use)
    seed : seed of the random initialisation when untrained (or when falling back)
    progress : show a download progress bar
    fallback : when the weights cannot be had, warn loudly and return the untrained
        network instead of raising :class:`WeightsUnavailable`
    """
    import torchvision

    builder = torchvision.models.get_model_builder(arch)
    if pretrained:
        weights = torchvision.models.get_model_weights(arch).DEFAULT
        try:
            state = _load_state_dict(weights, progress)
        except WeightsUnavailable as e:
            if not fallback:
                raise
            _shout(f"{e}\nFALLING BACK TO AN UNTRAINED {arch.upper()} (random weights, seed {seed}). "
                   "Every result below describes random weights, NOT the pretrained network of the paper.")
        else:
            with torch.device("meta"):  # no random init for weights we overwrite anyway
                model = builder(weights=None)
            model.load_state_dict(state, assign=True)
            model.eval()
            model.course_info = ModelInfo(arch, weights.name)
            return model
    model = _untrained(arch, builder, seed)
    model.eval()
    model.course_info = ModelInfo(arch, "untrained", seed)
    return model


def _untrained(arch: str, builder, seed: int) -> nn.Module:
    """Seeded random initialisation, kept on disk: VGG16's init takes seconds, reading it back
    milliseconds. The file is keyed by architecture, seed and torch version (the init's RNG
    stream may change between torch releases); an unreadable file is rebuilt."""
    from .config import cache_dir

    path = None
    try:
        path = cache_dir("models") / f"{arch}-untrained-seed{seed}-torch{torch.__version__}.pt"
        if path.exists():
            state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
            with torch.device("meta"):
                model = builder(weights=None)
            model.load_state_dict(state, assign=True)
            return model
    except (OSError, RuntimeError, KeyError, ValueError):
        pass  # fall through to a fresh init
    with torch.random.fork_rng(devices=[]):  # seed the init without touching the caller's RNG
        torch.manual_seed(seed)
        model = builder(weights=None)
    if path is not None:
        try:
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            torch.save(model.state_dict(), tmp)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only cache only costs the init time next run
    return model


def load_vgg16(pretrained: bool = True, seed: int = 0, progress: bool = True, fallback: bool = True) -> nn.Module:
    """VGG16 (Simonyan & Zisserman 2015) in eval mode; see :func:`load_model`."""
    return load_model("vgg16", pretrained=pretrained, seed=seed, progress=progress, fallback=fallback)


def load_for_profile(profile=None, arch: str = "vgg16") -> nn.Module:
    """The profile's model: pretrained for ``full`` (falling back loudly), untrained for ``quick``."""
    from .config import get_profile

    prof = get_profile(profile) if profile is None or isinstance(profile, str) else profile
    return load_model(arch, pretrained=prof.pretrained)


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


# --------------------------------------------------------------------------- fingerprint

_FINGERPRINTS: "weakref.WeakKeyDictionary[nn.Module, tuple]" = weakref.WeakKeyDictionary()


def fingerprint(model: nn.Module) -> str:
    """Hash of the architecture and every parameter and buffer value.

    Memoised per model; the memo is invalidated when any tensor changes in place
    (tracked by torch's per-tensor version counters) or is replaced.
    """
    tensors = list(model.state_dict(keep_vars=True).items())
    stamp = tuple((k, id(t), t._version, t.data_ptr()) for k, t in tensors)
    memo = _FINGERPRINTS.get(model)
    if memo is not None and memo[0] == stamp:
        return memo[1]
    h = hashlib.blake2b(digest_size=16)
    h.update(repr(model).encode())
    for name, t in tensors:
        t = t.detach()
        h.update(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
        if t.device.type == "meta":
            raise ValueError(f"Tensor {name} of the model is on the meta device and has no values.")
        h.update(t.reshape(-1).contiguous().view(torch.uint8).cpu().numpy().data)
    digest = h.hexdigest()
    _FINGERPRINTS[model] = (stamp, digest)
    return digest
