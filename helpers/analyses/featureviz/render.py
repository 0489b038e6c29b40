"""The render loop: optimise a batch of images, one per filter, through a network.

:func:`render` takes the parts (an image parameterisation from
:mod:`~helpers.analyses.featureviz.param`, a list of transforms from
:mod:`~helpers.analyses.featureviz.transform`, an objective from
:mod:`~helpers.analyses.featureviz.objectives`, the batch's random streams from
:mod:`~helpers.analyses.featureviz.streams`) and runs Adam on them. :func:`session` is the
same set-up without the loop, for code that drives the steps itself (the benchmark).

What the loop guarantees:

- image i is made for filter ``filters[i]`` and its gradient comes from its own term
  only, so many filters are optimised at once as independent images;
- everything random about image i comes from stream i, so the images depend on
  (seed, filter) alone, not on the other filters of the batch;
- the network runs only up to the layer (:func:`helpers.cnn.activations.forward_to`), on
  channels-last tensors on the CPU, where VGG16's convolutions run faster so;
- for a ReLU layer, the objective reads the value entering the ReLU during a short
  warm-up, and afterwards for every image whose objective is still silent, since a
  silent ReLU passes no gradient;
- the caller's model is left exactly as it was: mode, device, memory layout,
  parameters and their ``requires_grad``, hooks, ReLU ``inplace`` flags.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch
from torch import nn

# The one name this package takes from another module's private part: the model
# prepared for a run and restored afterwards. (To be renamed when activations makes it
# public; keep this the only place that imports it.)
from helpers.cnn.activations import prepared as prepared_model
from helpers.cnn.activations import forward_to
from helpers.cnn.models import display_name, model_info, resolve_layer
from helpers.stimuli.sets import IMAGENET_MEAN, IMAGENET_STD
from helpers.analyses.featureviz.objectives import Objective, as_objective
from helpers.analyses.featureviz.param import ImageParam
from helpers.analyses.featureviz.streams import ImageStreams
from helpers.analyses.featureviz.transform import Compose, compose

#: Default warm-up of a ReLU layer: this fraction of the steps reads the pre-ReLU value.
WARMUP_FRACTION = 0.15


@dataclass
class FeatureVisResult:
    """What :func:`render` (and :func:`helpers.analyses.featureviz.visualize`) return.

    Attributes
    ----------
    images : uint8 array (N, H, W, 3), the optimised image of each filter
    images_float : float32 array (N, H, W, 3) in [0, 1], the same before rounding
    objective : float32 array (N,), the objective on the final image as returned (no
        random transform), in the units of the layer's activation
    initial : float32 array (N,), the same on the initial image
    history : float32 array (steps, N), the objective at each step (under that step's
        random transform; pre-ReLU during the warm-up)
    snapshots : dict step -> uint8 array (N, H, W, 3), the images after that many steps
    layer : the layer's display name (paper name for VGG16), module : its module path
    filters : the filter (channel) index of each image
    model_label : :attr:`helpers.cnn.models.ModelInfo.label`; says UNTRAINED for random weights
    trained : whether the model had trained weights
    settings : what shaped the result (size, steps, lr, param, objective, transforms,
        seed, warmup, device, channels_last), as numbers and short descriptions
    """

    images: np.ndarray
    images_float: np.ndarray
    objective: np.ndarray
    initial: np.ndarray
    history: np.ndarray
    snapshots: dict
    layer: str
    module: str
    filters: list
    model_label: str
    trained: bool
    settings: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        n, h, w, _ = self.images.shape
        return (f"FeatureVisResult({self.model_label}; {self.layer} filters {self.filters}; "
                f"{n} images {h}x{w}; objective {[round(float(v), 3) for v in self.objective]})")


def input_dtype(model: nn.Module) -> torch.dtype:
    """The float type to build images in for ``model``: float64 for a float64 model, else
    float32 (cast to the model's own type at its input; half precision has no FFT of
    every size)."""
    first = next(model.parameters(), None)
    return torch.float64 if first is not None and first.dtype == torch.float64 else torch.float32


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """Float images (N, 3, H, W) in [0, 1] -> uint8 array (N, H, W, 3)."""
    return (images.detach().float().clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).cpu().numpy()


def filter_list(filters) -> list[int]:
    """A filter index or a sequence of them -> a non-empty list of non-negative ints."""
    out = [int(filters)] if isinstance(filters, (int, np.integer)) else [int(f) for f in filters]
    if not out or min(out) < 0:
        raise ValueError(f"filters must be a non-empty list of non-negative indices, got {out}.")
    return out


class Session:
    """One optimisation in progress (made by :func:`session`); :meth:`step` is one Adam
    update of every image.

    Attributes: ``model``, ``path`` (module path of the layer), ``layer`` (its display
    name), ``filters``, ``objective``, ``image`` (the :class:`~helpers.analyses.featureviz.param.ImageParam`),
    ``transform`` (the composed list), ``streams``, ``optimizer``, ``warmup``, ``device``,
    ``channels_last``, ``canvas`` ((H, W) of the network's input, known after the first
    :meth:`network_input`).
    """

    def __init__(self, model, path, module, filters, objective, image, transform, streams, lr, warmup,
                 device, channels_last, mean, std, captured):
        self.model, self.path, self.device, self.channels_last = model, path, device, channels_last
        self.layer = display_name(model, path)
        self.filters = filters
        self.objective = objective
        self.image, self.transform, self.streams = image, transform, streams
        self.warmup = warmup
        self.has_pre = isinstance(module, nn.ReLU)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        first = next(model.parameters(), None)
        self.model_dtype = torch.float32 if first is None else first.dtype
        dt = image.params.dtype
        self.mean = torch.tensor(mean, device=device, dtype=dt).view(1, 3, 1, 1)
        self.std = torch.tensor(std, device=device, dtype=dt).view(1, 3, 1, 1)
        self.rows = torch.arange(len(filters), device=device)
        self.channels = torch.tensor(filters, device=device)
        self.optimizer = torch.optim.Adam([image.params], lr=lr)
        self.captured = captured  # filled with the pre-ReLU value by session()'s hook
        self.canvas: tuple[int, int] | None = None

    def network_input(self, images: torch.Tensor, random: bool) -> torch.Tensor:
        """Images (N, 3, H, W) transformed (randomly when ``random``) and normalised for
        the network, in its dtype and memory format."""
        x = self.transform(images, self.streams if random else None)
        self.canvas = tuple(x.shape[2:])
        x = ((x - self.mean) / self.std).to(self.model_dtype)
        return x.contiguous(memory_format=self.memory_format)

    def _objective(self, maps: torch.Tensor) -> torch.Tensor:
        try:
            return self.objective(maps)
        except ValueError as e:
            raise ValueError(f"{e} (layer {self.path!r}; network input {self.canvas[0]}x{self.canvas[1]} px, "
                             "padding included)") from None

    def value(self, x: torch.Tensor, warming_up: bool, fallback: bool = True) -> torch.Tensor:
        """The objective of each image, (N,), running the model up to the layer on ``x``.

        warming_up : read the pre-ReLU value; fallback : read it also for images whose
        objective is silent after the ReLU
        """
        out = forward_to(self.model, x, [self.path], reduce=_same)[self.path]
        if out.shape[1] <= max(self.filters):
            raise ValueError(f"Layer {self.path!r} has {out.shape[1]} filters; filter "
                             f"{max(self.filters)} does not exist (valid: 0..{out.shape[1] - 1}).")
        post_maps = out[self.rows, self.channels]
        if not self.has_pre:
            return self._objective(post_maps)
        pre = self._objective(self.captured["pre"][self.rows, self.channels])
        if warming_up or self.objective.reads_before_relu:
            return pre
        post = self._objective(post_maps)
        if not fallback:
            return post
        # An image is silent when its objective, read on where the filter fires (1) or
        # not (0), is 0: no gradient reaches it. It keeps pushing its pre-ReLU value.
        alive = self._objective((post_maps > 0).to(post_maps.dtype)) != 0
        return torch.where(alive, post, pre)

    def evaluate(self) -> torch.Tensor:
        """The objective on the current images, untransformed but for the deterministic
        part (padding), after the ReLU; (N,)."""
        with torch.no_grad():
            return self.value(self.network_input(self.image(), random=False), warming_up=False, fallback=False)

    def step(self, t: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Update ``t`` (0-based); returns (images before it (N, 3, H, W), objective (N,)), detached."""
        self.optimizer.zero_grad(set_to_none=True)
        img = self.image()
        obj = self.value(self.network_input(img, random=True), warming_up=t < self.warmup)
        (-obj.sum()).backward()  # each image's gradient comes from its own term only
        self.optimizer.step()
        return img.detach(), obj.detach()


def _same(t):
    return t


@contextlib.contextmanager
def session(model: nn.Module, layer: str, filters: Sequence[int], objective, image: ImageParam,
            transforms, streams: ImageStreams, *, lr: float = 0.05, warmup: int = 0, device=None,
            channels_last: bool | None = None, mean: Sequence[float] = IMAGENET_MEAN,
            std: Sequence[float] = IMAGENET_STD):
    """A :class:`Session` on the prepared model; afterwards the model is as the caller had it.

    Arguments as :func:`render`; ``warmup`` here is a number of steps (0: none). The
    model's parameters are frozen (no gradient is computed for, or kept in, them); a
    ReLU target runs out of place and a pre-hook captures its input, the pre-ReLU value.
    ``image`` is moved to ``device`` and optimised in place.
    """
    path, module = resolve_layer(model, layer)
    filters = filter_list(filters)
    objective = as_objective(objective)
    transform = transforms if isinstance(transforms, Compose) else compose(transforms)
    if not (len(image) == len(streams) == len(filters)):
        raise ValueError(f"image ({len(image)}), streams ({len(streams)}) and filters ({len(filters)}) "
                         "must have one entry per image.")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}.")
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}.")
    device = torch.device("cpu" if device is None else device)
    if channels_last is None:
        channels_last = device.type == "cpu"
    grads = [(p, p.requires_grad) for p in model.parameters()]
    relu = module if isinstance(module, nn.ReLU) else None
    was_inplace = relu is not None and relu.inplace
    captured: dict = {}
    handle = None
    with prepared_model(model, device, channels_last), torch.enable_grad():
        try:
            for p, _ in grads:
                p.requires_grad_(False)
            if relu is not None:
                relu.inplace = False  # in place, it would overwrite the captured input
                handle = relu.register_forward_pre_hook(lambda m, inputs: captured.__setitem__("pre", inputs[0]))
            image.to(device)
            yield Session(model, path, module, filters, objective, image, transform, streams, lr, int(warmup),
                          device, channels_last, mean, std, captured)
        finally:
            if handle is not None:
                handle.remove()
            if relu is not None:
                relu.inplace = was_inplace
            for p, flag in grads:
                p.requires_grad_(flag)


def render(model: nn.Module, layer: str, filters: Sequence[int], objective, image: ImageParam, transforms,
           streams: ImageStreams, *, steps: int, lr: float = 0.05, snapshots: Sequence[int] = (),
           warmup: int | None = None, device=None, channels_last: bool | None = None,
           mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD,
           progress: bool = True) -> FeatureVisResult:
    """Optimise ``image`` (one image per filter) so that ``objective`` of each filter grows.

    Parameters
    ----------
    model : a CNN; it runs only up to ``layer`` and is left exactly as it was
    layer : layer name (VGG16: ``block1_conv1`` ... ``fc2``) or module path
    filters : the filter (channel) of each image, (N,)
    objective : an :class:`~helpers.analyses.featureviz.objectives.Objective`, a callable maps -> (N,),
        or a name (see :func:`~helpers.analyses.featureviz.objectives.as_objective`)
    image : N images from :mod:`~helpers.analyses.featureviz.param`, built from ``streams``;
        optimised in place
    transforms : list of transforms (see :mod:`~helpers.analyses.featureviz.transform`); [] for none
    streams : the batch's :class:`~helpers.analyses.featureviz.streams.ImageStreams` (the random
        transforms draw from them)
    steps : Adam updates; lr : its learning rate
    snapshots : steps at which to keep the images (0 = initial image, ``steps`` = final)
    warmup : for a ReLU layer and an objective read after it, the number of first steps
        that read the pre-ReLU value; default 15% of ``steps``. After it, an image whose
        objective is still silent keeps reading the pre-ReLU value until the filter fires.
    device : torch device, default CPU; channels_last : memory format, default on for the CPU
    mean, std : the model's input normalisation (ImageNet's by default)
    progress : show a progress bar with the mean objective

    Returns
    -------
    :class:`FeatureVisResult` with uint8 images (N, H, W, 3).
    """
    from tqdm.auto import tqdm

    steps = int(steps)
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}.")
    objective = as_objective(objective)
    if warmup is None:
        relu = isinstance(resolve_layer(model, layer)[1], nn.ReLU)
        warmup = round(WARMUP_FRACTION * steps) if relu and not objective.reads_before_relu else 0
    if not 0 <= warmup <= steps:
        raise ValueError(f"warmup must be between 0 and steps ({steps}), got {warmup}.")
    snaps = sorted(set(int(s) for s in snapshots))
    bad = [s for s in snaps if not 0 <= s <= steps]
    if bad:
        raise ValueError(f"Snapshot steps {bad} are outside 0..{steps} (0 is the initial image).")
    kept: dict[int, np.ndarray] = {}
    with session(model, layer, filters, objective, image, transforms, streams, lr=lr, warmup=warmup,
                 device=device, channels_last=channels_last, mean=mean, std=std) as run:
        initial = run.evaluate()
        history = torch.empty(steps, len(run.filters), device=run.device)
        every = max(1, steps // 50)  # few progress updates: each one waits for the GPU
        bar = tqdm(range(steps), desc=f"{run.layer} x{len(run.filters)}", disable=not progress, leave=False)
        for t in bar:
            img, history[t] = run.step(t)
            if t in snaps:
                kept[t] = to_uint8(img)
            if progress and (t % every == 0 or t == steps - 1):
                phase = " (pre-ReLU warm-up)" if t < run.warmup else ""
                bar.set_postfix_str(f"objective {history[t].mean().item():.4g}{phase}")
        bar.close()
        with torch.no_grad():
            final = run.image()
        final_obj = run.evaluate()
    if steps in snaps:
        kept[steps] = to_uint8(final)
    info = model_info(model)
    return FeatureVisResult(
        images=to_uint8(final), images_float=final.float().permute(0, 2, 3, 1).cpu().numpy(),
        objective=final_obj.float().cpu().numpy(), initial=initial.float().cpu().numpy(),
        history=history.float().cpu().numpy(), snapshots=kept,
        layer=run.layer, module=run.path, filters=run.filters,
        model_label=info.label, trained=info.trained,
        settings={"size": image.size, "steps": steps, "lr": lr, "param": image.name, "objective": objective.name,
                  "transforms": repr(run.transform), "seed": streams.seed, "warmup": run.warmup,
                  "device": str(run.device), "channels_last": run.channels_last},
    )


__all__ = ["FeatureVisResult", "Objective", "Session", "filter_list", "input_dtype", "render", "session",
           "to_uint8", "WARMUP_FRACTION"]
