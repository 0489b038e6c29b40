"""What a filter responds to: optimised images and the real stimuli that drive it.

Two complementary views of one filter:

- :func:`visualize` (activation maximisation) optimises an input image so that a
  filter's activation grows (or, with ``negative=True``, shrinks). Many filters are
  optimised at once as one batch of independent images with one vectorised
  objective. The image is parameterised in Fourier space with a 1/f spectrum and
  decorrelated colour, and randomly padded, shifted, scaled and rotated at every
  step; without these the optimiser finds high-frequency noise (``param="pixel"``,
  ``transforms=False`` show this).
- :func:`top_exemplars`, :func:`activation_overlay` and :func:`plot_exemplars` show
  which images of a stimulus set drive a filter most and least, and where in each
  image the filter responds.

Images are uint8 arrays (N, H, W, 3) or float32 arrays in [0, 1] of the same shape.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .activations import _prepared, collect_maps, forward_to
from .config import get_profile
from .models import display_name, model_info, resolve_layer
from .stimuli import IMAGENET_MEAN, IMAGENET_STD, StimulusSet

# Square root of the colour covariance of ImageNet images (rows: R, G, B), the matrix
# published with Lucid (Olah et al. 2017, "Feature Visualization"). Optimising in the
# space it maps from gives every direction of colour change a similar natural scale,
# so the optimiser does not favour saturated colours. Divided by its largest column
# norm so that the mapping never amplifies.
_COLOUR_SQRT = torch.tensor([[0.26, 0.09, 0.02],
                             [0.27, 0.00, -0.05],
                             [0.27, -0.09, 0.03]])
_COLOUR = _COLOUR_SQRT / _COLOUR_SQRT.norm(dim=0).max()

PARAMS = ("fourier", "pixel")
OBJECTIVES = ("mean", "center")

# Robustness transforms, relative to the image side so that they look alike at any size.
_PAD_FRACTION = 0.06      # grey border, fraction of the side
_JITTER_FRACTION = 0.04   # largest shift, fraction of the side
_SCALES = (0.9, 1.1)      # random zoom range
_MAX_DEGREES = 10.0       # largest rotation either way
_INIT_STD = 0.01          # spread of the initial parameters: a nearly uniform grey image
_WARMUP_FRACTION = 0.15


def default_settings(device=None, profile=None) -> dict:
    """Image size (px) and number of steps for the active profile and device.

    ``full``: 224 px and 512 steps on a GPU, 128 px and 128 steps on the CPU (2-3
    minutes for 8 VGG16 ``block4_conv3`` filters on 2 idle cores). ``quick``: 48 px and
    24 steps, enough to run every cell in CI, not to see much.
    """
    prof = get_profile(profile) if profile is None or isinstance(profile, str) else profile
    if prof.is_quick:
        return {"size": 48, "steps": 24}
    if torch.device(device or "cpu").type == "cpu":
        return {"size": 128, "steps": 128}
    return {"size": 224, "steps": 512}


@dataclass
class FeatureVisResult:
    """What :func:`visualize` returns.

    Attributes
    ----------
    images : uint8 array (N, H, W, 3), the optimised image of each filter
    images_float : float32 array (N, H, W, 3) in [0, 1], the same before rounding
    objective : float32 array (N,), the optimised quantity on the final image as
        returned (no random transform), in the units of the layer's activation
    initial : float32 array (N,), the same quantity on the initial image
    history : float32 array (steps, N), the quantity optimised at each step (under
        that step's random transform; pre-ReLU during the warm-up)
    snapshots : dict step -> uint8 array (N, H, W, 3), the images after that many steps
    layer : the layer's display name (paper name for VGG16), module : its module path
    filters : the filter (channel) index of each image
    model_label : :attr:`helpers.models.ModelInfo.label`; says UNTRAINED for random weights
    trained : whether the model had trained weights
    settings : every argument that shaped the result (size, steps, lr, seed, ...)
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


# --------------------------------------------------------------------------- parts


def _parse_objective(objective):
    """-> ("mean",) | ("center",) | ("position", y, x)"""
    if isinstance(objective, str) and objective in OBJECTIVES:
        return (objective,)
    if isinstance(objective, (tuple, list)):
        parts = tuple(objective[1:]) if objective and objective[0] == "position" else tuple(objective)
        if len(parts) == 2 and all(isinstance(v, (int, np.integer)) for v in parts):
            return ("position", int(parts[0]), int(parts[1]))
    raise ValueError(f"Unknown objective {objective!r}: use 'mean', 'center' or ('position', y, x) "
                     "with integer coordinates in the activation map.")


def _image_generator(seed: int, filt: int) -> torch.Generator:
    """The random stream of one image, a function of (seed, filter) alone, so that an
    image comes out the same whichever other filters share its batch."""
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}.")
    hi, lo = np.random.SeedSequence([int(seed), int(filt)]).generate_state(2, np.uint32)
    return torch.Generator("cpu").manual_seed((int(hi) << 32) | int(lo))


def _spectrum_scale(h: int, w: int) -> torch.Tensor:
    """1/f amplitude of each rfft2 coefficient, shape (h, w // 2 + 1).

    Equal parameter steps then change coarse structure as much as fine structure in
    the image, where plain pixels let fine structure (noise) grow fastest.
    """
    fy = torch.fft.fftfreq(h)[:, None]
    fx = torch.fft.rfftfreq(w)[None, :]
    f = torch.sqrt(fy ** 2 + fx ** 2)
    return 1.0 / torch.clamp(f, min=1.0 / max(h, w))


def _affine(draws: torch.Tensor | None, n: int, size: tuple[int, int], canvas: tuple[int, int],
            jitter: float) -> torch.Tensor:
    """(n, 2, 3) sampling matrices for F.affine_grid: image (size) -> canvas (px).

    draws : (n, 4) uniform numbers in [0, 1): shift x, shift y, zoom, rotation; None
        for no transform (the image in the middle of the canvas, pixel for pixel)
    The image lands in the middle of a larger grey canvas (the padding), randomly
    shifted by up to ``jitter`` px, zoomed and rotated: one resampling for all four.
    """
    h, w = size
    ch, cw = canvas
    if draws is not None:
        shift = (draws[:, :2] * 2 - 1) * jitter                                  # px
        scale = _SCALES[0] + draws[:, 2] * (_SCALES[1] - _SCALES[0])
        angle = torch.deg2rad((draws[:, 3] * 2 - 1) * _MAX_DEGREES)
    else:
        shift = torch.zeros(n, 2)
        scale = torch.ones(n)
        angle = torch.zeros(n)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    # Canvas pixel offsets from the centre -> image pixel offsets (inverse rotation and
    # zoom), then both sides expressed in the [-1, 1] units affine_grid works in.
    out_half = torch.tensor([cw / 2, ch / 2])
    in_half = torch.tensor([w / 2, h / 2])
    rot = torch.stack([torch.stack([cos, sin], -1), torch.stack([-sin, cos], -1)], -2)  # (N, 2, 2)
    lin = rot * out_half[None, None, :] / in_half[None, :, None]
    offset = -(rot @ shift[:, :, None])[:, :, 0] / in_half
    return torch.cat([lin, offset[:, :, None]], dim=2)


@contextlib.contextmanager
def _session_model(model: nn.Module, module: nn.Module, device: torch.device, channels_last: bool):
    """The model ready for optimising its input; afterwards exactly as the caller had it.

    Parameters are frozen (no gradient is computed for, or accumulated in, them).
    A ReLU target runs out of place and its input is captured by a pre-hook: the
    pre-ReLU value, which still has a gradient where the ReLU output is zero.
    Yields a dict that holds ``"pre"`` after each forward pass.
    """
    grads = [(p, p.requires_grad) for p in model.parameters()]
    relu = module if isinstance(module, nn.ReLU) else None
    was_inplace = relu is not None and relu.inplace
    captured: dict = {}
    handle = None
    with _prepared(model, device, channels_last):
        try:
            for p, _ in grads:
                p.requires_grad_(False)
            if relu is not None:
                relu.inplace = False  # in place, it would overwrite the captured input
                handle = relu.register_forward_pre_hook(lambda m, inputs: captured.__setitem__("pre", inputs[0]))
            yield captured
        finally:
            if handle is not None:
                handle.remove()
            if relu is not None:
                relu.inplace = was_inplace
            for p, flag in grads:
                p.requires_grad_(flag)


class _Optimisation:
    """State of one :func:`visualize` run; :meth:`step` is one Adam update of all images."""

    def __init__(self, model, path, module, filters, size, lr, param, objective, negative,
                 transforms, seed, device, channels_last, warmup, mean, std, captured):
        self.model, self.path, self.device, self.channels_last = model, path, device, channels_last
        self.filters = list(filters)
        self.size = size
        self.param = param
        self.objective = _parse_objective(objective)
        self.negative = negative
        self.transforms = transforms
        self.warmup = warmup
        self.has_pre = isinstance(module, nn.ReLU)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        h, w = size
        pad = max(1, round(_PAD_FRACTION * max(h, w))) if transforms else 0
        self.canvas = (h + 2 * pad, w + 2 * pad)
        self.jitter = _JITTER_FRACTION * max(h, w)
        # The image is computed in float64 for a float64 model, else in float32 and
        # cast to the model's own type (half precision has no FFT of every size).
        first = next(model.parameters(), None)
        self.model_dtype = torch.float32 if first is None else first.dtype
        dt = torch.float64 if self.model_dtype == torch.float64 else torch.float32
        self.gens = [_image_generator(seed, f) for f in self.filters]
        shape = (3, h, w // 2 + 1, 2) if param == "fourier" else (3, h, w)
        init = torch.stack([torch.randn(shape, generator=g, dtype=dt) for g in self.gens]) * _INIT_STD
        self.params = init.to(device).requires_grad_(True)
        self.scale = _spectrum_scale(h, w).to(device, dt)
        self.colour = _COLOUR.to(device, dt)
        self.mean = torch.tensor(mean, device=device, dtype=dt).view(1, 3, 1, 1)
        self.std = torch.tensor(std, device=device, dtype=dt).view(1, 3, 1, 1)
        self.rows = torch.arange(len(self.filters), device=device)
        self.channels = torch.tensor(self.filters, device=device)
        self.opt = torch.optim.Adam([self.params], lr=lr)
        self.captured = captured  # filled with the pre-ReLU value by _session_model's hook

    def render(self) -> torch.Tensor:
        """Current images, float (N, 3, H, W) in [0, 1]."""
        z = self.params
        if self.param == "fourier":
            # /4 keeps the initial image close to grey and the step per coefficient
            # small against the sigmoid's range; "ortho" makes it size-independent.
            # Scaling the real and imaginary parts as reals is faster than a complex product,
            # and an explicit output size is passed only where it is needed (odd width):
            # on the CPU it makes irfft2 several times slower.
            spectrum = torch.view_as_complex(z * self.scale[..., None])
            z = torch.fft.irfft2(spectrum, s=self.size if self.size[1] % 2 else None, norm="ortho") / 4
        z = torch.einsum("ij,njhw->nihw", self.colour, z)
        return torch.sigmoid(z)

    def network_input(self, img: torch.Tensor, random: bool) -> torch.Tensor:
        """Images on the grey canvas (randomly transformed when ``random``), normalised."""
        if self.transforms:
            draws = torch.stack([torch.rand(4, generator=g) for g in self.gens]) if random else None
            theta = _affine(draws, len(self.gens), self.size, self.canvas, self.jitter).to(img)
            grid = F.affine_grid(theta, [img.shape[0], 3, *self.canvas], align_corners=False)
            # Sampling (img - 0.5) with zero padding puts grey, not black, outside the image.
            img = F.grid_sample(img - 0.5, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + 0.5
        x = ((img - self.mean) / self.std).to(self.model_dtype)
        return x.contiguous(memory_format=self.memory_format)

    def value(self, x: torch.Tensor, pre_phase: bool, fallback: bool = True) -> torch.Tensor:
        """The quantity maximised for each image, shape (N,); runs the model up to the layer.

        pre_phase : use the pre-ReLU value (warm-up); fallback : use it also for
        images whose objective region is silent after the ReLU
        """
        out = forward_to(self.model, x, [self.path], reduce=_same)[self.path]
        if out.shape[1] <= max(self.filters):
            raise ValueError(f"Layer {self.path!r} has {out.shape[1]} filters; filter "
                             f"{max(self.filters)} does not exist (valid: 0..{out.shape[1] - 1}).")
        post = self._reduce(out[self.rows, self.channels])
        if not self.has_pre:
            return -post if self.negative else post
        pre = self._reduce(self.captured["pre"][self.rows, self.channels])
        if self.negative:
            return -pre  # the ReLU output cannot go below 0: suppression is read before it
        if pre_phase:
            return pre
        if not fallback:
            return post
        # An image whose region is silent after the ReLU gives no gradient; keep pushing
        # its pre-ReLU value until the filter fires there.
        alive = self._reduce((out[self.rows, self.channels] > 0).to(post.dtype)) > 0
        return torch.where(alive, post, pre)

    def _reduce(self, maps: torch.Tensor) -> torch.Tensor:
        """(N, h, w) or (N,) -> (N,): the part of each map the objective reads."""
        kind = self.objective[0]
        if maps.dim() == 1:
            if kind != "mean":
                raise ValueError(f"Layer {self.path!r} has no spatial map (fully connected); only "
                                 "objective='mean' applies to it.")
            return maps
        h, w = maps.shape[1:]
        if kind == "mean":
            return maps.flatten(1).mean(1)
        y, x = (h // 2, w // 2) if kind == "center" else self.objective[1:]
        if not (0 <= y < h and 0 <= x < w):
            raise ValueError(f"Position ({y}, {x}) is outside the {h}x{w} activation map of {self.path!r} "
                             f"(the map of a {self.canvas[0]}x{self.canvas[1]} px input, padding included).")
        return maps[:, y, x]

    def evaluate(self) -> torch.Tensor:
        """The final-phase quantity on the current images, untransformed (padding only), (N,)."""
        with torch.no_grad():
            return self.value(self.network_input(self.render(), random=False), pre_phase=False, fallback=False)

    def step(self, t: int) -> tuple[torch.Tensor, torch.Tensor]:
        """One update; returns (images before it (N, 3, H, W), objective (N,)), detached."""
        self.opt.zero_grad(set_to_none=True)
        img = self.render()
        obj = self.value(self.network_input(img, random=True), pre_phase=t < self.warmup)
        (-obj.sum()).backward()  # each image's gradient comes from its own term only
        self.opt.step()
        return img.detach(), obj.detach()


def _same(t):
    return t


def _to_uint8(img: torch.Tensor) -> np.ndarray:
    """(N, 3, H, W) in [0, 1] -> uint8 (N, H, W, 3)."""
    return (img.detach().float().clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).cpu().numpy()


def visualize(
    model: nn.Module,
    layer: str,
    filters: int | Sequence[int],
    size: int | tuple[int, int] | None = None,
    steps: int | None = None,
    lr: float = 0.05,
    param: str = "fourier",
    objective="mean",
    negative: bool = False,
    transforms: bool = True,
    seed: int = 0,
    device=None,
    progress: bool = True,
    snapshots: Sequence[int] | None = None,
    warmup: int | None = None,
    channels_last: bool | None = None,
    mean: Sequence[float] = IMAGENET_MEAN,
    std: Sequence[float] = IMAGENET_STD,
) -> FeatureVisResult:
    """Images that make filters of ``layer`` fire most (or least), one image per filter.

    Parameters
    ----------
    model : a CNN (see :mod:`helpers.models`); it runs only up to ``layer`` and is left
        exactly as it was (mode, device, parameters, ``requires_grad``, hooks, ReLU flags)
    layer : layer name (VGG16: ``block1_conv1`` ... ``fc2``) or module path
    filters : a filter (channel) index or a list of them; all are optimised together
    size : image side in px, or (height, width); default from :func:`default_settings`
    steps : Adam updates; default from :func:`default_settings`
    lr : Adam learning rate (0.05 suits both parameterisations)
    param : "fourier" (1/f-scaled spectrum, gives recognisable images) or "pixel"
    objective : which part of the filter's activation map is maximised: "mean" (the
        whole map), "center" (the middle position), or ("position", y, x) in the map's
        coordinates (the map of the padded input when ``transforms``); fully connected
        layers accept only "mean"
    negative : maximise minus the activation: what suppresses the filter. For a ReLU
        layer the value before the ReLU is used, since the output stops at 0
    transforms : random grey padding, shift, zoom and rotation at each step
    seed : the images depend only on (seed, filter), not on the other filters in the
        batch: optimising filters together or one by one gives the same images (up to
        float rounding). Listing a filter twice gives the same image twice.
    device : torch device, default CPU
    progress : show a progress bar with the mean objective
    snapshots : steps at which to keep the images (0 = initial image, ``steps`` = final)
    warmup : for a ReLU layer, the number of first steps that maximise the pre-ReLU
        value, which has a gradient even where the filter is silent; default 15% of
        ``steps``. After it, an image whose objective region is still silent keeps
        using the pre-ReLU value until the filter fires there.
    channels_last : memory format for the run; default on for the CPU, where VGG16's
        convolutions run faster with it
    mean, std : the model's input normalisation (ImageNet's by default)

    Returns
    -------
    :class:`FeatureVisResult` with uint8 images (N, H, W, 3).
    """
    from tqdm.auto import tqdm

    snaps = sorted(set(int(s) for s in (snapshots or ())))
    kept: dict[int, np.ndarray] = {}
    with _running(model, layer, filters, size, steps, lr, param, objective, negative, transforms, seed,
                  device, warmup, channels_last, mean, std) as run:
        bad = [s for s in snaps if not 0 <= s <= run.steps]
        if bad:
            raise ValueError(f"Snapshot steps {bad} are outside 0..{run.steps} (0 is the initial image).")
        initial = run.evaluate()
        history = torch.empty(run.steps, len(run.filters), device=run.device)
        every = max(1, run.steps // 50)  # few progress updates: each one waits for the GPU
        bar = tqdm(range(run.steps), desc=f"{run.layer} x{len(run.filters)}", disable=not progress, leave=False)
        for t in bar:
            img, history[t] = run.step(t)
            if t in snaps:
                kept[t] = _to_uint8(img)
            if progress and (t % every == 0 or t == run.steps - 1):
                phase = " (pre-ReLU warm-up)" if t < run.warmup else ""
                bar.set_postfix_str(f"objective {history[t].mean().item():.4g}{phase}")
        bar.close()
        with torch.no_grad():
            final = run.render()
        final_obj = run.evaluate()
    if run.steps in snaps:
        kept[run.steps] = _to_uint8(final)
    info = model_info(model)
    return FeatureVisResult(
        images=_to_uint8(final), images_float=final.float().permute(0, 2, 3, 1).cpu().numpy(),
        objective=final_obj.float().cpu().numpy(), initial=initial.float().cpu().numpy(),
        history=history.float().cpu().numpy(), snapshots=kept,
        layer=run.layer, module=run.path, filters=run.filters,
        model_label=info.label, trained=info.trained,
        settings={"size": run.size, "steps": run.steps, "lr": lr, "param": param, "objective": objective,
                  "negative": negative, "transforms": transforms, "seed": seed, "warmup": run.warmup,
                  "device": str(run.device), "channels_last": run.channels_last},
    )


@contextlib.contextmanager
def _running(model, layer, filters, size, steps, lr, param, objective, negative, transforms, seed,
             device, warmup, channels_last, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """An :class:`_Optimisation` with defaults filled in and arguments checked, on the
    prepared model (see :func:`_session_model`); used by :func:`visualize` and the benchmark."""
    path, module = resolve_layer(model, layer)
    filters = [int(filters)] if isinstance(filters, (int, np.integer)) else [int(f) for f in filters]
    if not filters or min(filters) < 0:
        raise ValueError(f"filters must be a non-empty list of non-negative indices, got {filters}.")
    device = torch.device("cpu" if device is None else device)
    defaults = default_settings(device)
    size = size or defaults["size"]
    size = (int(size), int(size)) if isinstance(size, (int, np.integer)) else tuple(int(s) for s in size)
    steps = int(steps or defaults["steps"])
    if warmup is None:
        warmup = round(_WARMUP_FRACTION * steps) if isinstance(module, nn.ReLU) and not negative else 0
    if param not in PARAMS:
        raise ValueError(f"Unknown param {param!r}; use one of {PARAMS}.")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}.")
    if not 0 <= warmup <= steps:
        raise ValueError(f"warmup must be between 0 and steps ({steps}), got {warmup}.")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}.")
    if channels_last is None:
        channels_last = device.type == "cpu"
    with _session_model(model, module, device, channels_last) as captured, torch.enable_grad():
        run = _Optimisation(model, path, module, filters, size, lr, param, objective, negative,
                            transforms, seed, device, channels_last, warmup, mean, std, captured)
        run.layer, run.steps = display_name(model, path), steps
        yield run


def plot_visualizations(result: FeatureVisResult, ncols: int = 8, size: float = 1.6):
    """Show each filter's optimised image, titled by filter and final objective.

    Returns the matplotlib Figure; its title names the model (UNTRAINED where so).
    """
    import matplotlib.pyplot as plt

    n = len(result.images)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.2 + 0.6), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < n:
            ax.imshow(result.images[i])
            ax.set_title(f"filter {result.filters[i]}\n{result.objective[i]:.3g}", fontsize=8)
    what = "suppress" if result.settings.get("negative") else "drive"
    fig.suptitle(f"Images that {what} {result.layer} filters ({result.settings.get('param')}, "
                 f"{result.settings.get('steps')} steps)\n{result.model_label}", fontsize=9)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- dataset exemplars


@dataclass
class Exemplars:
    """The stimuli ranked highest (or lowest) by one filter.

    Attributes
    ----------
    indices : int64 array (k,), image indices into the stimulus set, in rank order
    values : float32 array (k,), the filter's activation for those images
    labels : int64 array (k,) or None, their category labels
    categories : list of str (k,) or None, their category names
    bottom : whether these are the least activating images
    tied : how many images share the value at the cut when not all of them fit in the k
        shown (0 otherwise): e.g. 37 images at 0, of which ``tied_shown`` were drawn at random
    tie_value : that shared value (NaN when ``tied`` is 0)
    tied_shown : how many of the tied images are shown
    """

    indices: np.ndarray
    values: np.ndarray
    labels: np.ndarray | None = None
    categories: list | None = None
    bottom: bool = False
    tied: int = 0
    tie_value: float = float("nan")
    tied_shown: int = 0

    @property
    def label(self) -> str:
        """A row label: "most" or "least", with the tie note on a second line if there is one."""
        return ("least" if self.bottom else "most") + (f"\n({self.note})" if self.note else "")

    @property
    def note(self) -> str:
        """A label for the tie, e.g. "37 images at 0: 6 shown, drawn at random"; "" without one."""
        if not self.tied:
            return ""
        return f"{self.tied} images at {self.tie_value:.3g}: {self.tied_shown} shown, drawn at random"


def top_exemplars(acts_layer: np.ndarray, filter: int, k: int = 8, bottom: bool = False,
                  labels: Sequence[int] | None = None, categories: Sequence[str] | None = None,
                  seed: int = 0) -> Exemplars:
    """The ``k`` images that activate ``filter`` most (or least, ``bottom=True``).

    Parameters
    ----------
    acts_layer : array (n_images, n_filters), one layer of :func:`helpers.activations.collect`
    labels, categories : the stimulus set's labels (n_images,) and category names, to
        report each exemplar's category
    seed : images with equal values are ordered at random (seeded), so that the shown ones
        are a fair draw among them rather than the first by image index (after a ReLU many
        images sit at exactly 0); :attr:`Exemplars.note` reports a tie at the cut

    NaN values rank last.
    """
    acts_layer = np.asarray(acts_layer)
    if acts_layer.ndim != 2:
        raise ValueError(f"acts_layer must be (n_images, n_filters), got shape {acts_layer.shape}.")
    if not 0 <= filter < acts_layer.shape[1]:
        raise ValueError(f"filter {filter} does not exist: the layer has {acts_layer.shape[1]} filters.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive whole number of images; got {k!r}.")
    v = acts_layer[:, filter].astype(np.float64)
    key = np.where(np.isnan(v), np.inf, v if bottom else -v)
    shuffle = np.random.default_rng(seed).random(len(v))
    order = np.lexsort((shuffle, key))[:k]  # last key is primary: value, then a random tie-break
    cut = key[order[-1]]
    tied = int((key == cut).sum())
    shown = int((key[order] == cut).sum())
    truncated = tied > shown and np.isfinite(cut)
    lab = None if labels is None else np.asarray(labels, dtype=np.int64)[order]
    cats = None if lab is None or categories is None else [categories[i] for i in lab]
    return Exemplars(order.astype(np.int64), acts_layer[order, filter].astype(np.float32), lab, cats, bottom,
                     tied if truncated else 0, float(v[order[-1]]) if truncated else float("nan"),
                     shown if truncated else 0)


def activation_overlay(model: nn.Module, stimuli: StimulusSet, layer: str, filter: int,
                       indices: Sequence[int], device=None) -> np.ndarray:
    """The filter's activation map on each image, resized to the image.

    Returns float32 array (len(indices), H, W), H and W the stimulus crop size,
    bilinearly upsampled from the layer's map (activation units, not normalised).
    """
    maps = collect_maps(model, stimuli, layer, list(indices), device=device)
    if maps.ndim != 4:
        raise ValueError(f"Layer {layer!r} has no spatial activation map (shape {maps.shape[1:]}); "
                         "choose a convolutional layer.")
    if not 0 <= filter < maps.shape[1]:
        raise ValueError(f"filter {filter} does not exist: layer {layer!r} has {maps.shape[1]} filters.")
    crop = stimuli.preprocess.crop
    heat = torch.from_numpy(maps[:, filter:filter + 1])
    heat = F.interpolate(heat, size=(crop, crop), mode="bilinear", align_corners=False)
    return heat[:, 0].numpy()


def overlay(image: np.ndarray, heat: np.ndarray, alpha: float = 0.5, cmap: str = "inferno",
            vmin: float | None = None, vmax: float | None = None) -> np.ndarray:
    """Blend a heat map over an image.

    image : uint8 (H, W, 3); heat : (H, W); vmin, vmax : the heat values shown as the
    colour map's ends (default the map's own range; pass shared ones to compare images)
    Returns uint8 (H, W, 3).
    """
    import matplotlib

    if heat.shape != image.shape[:2]:
        raise ValueError(f"heat has shape {heat.shape} but the image is {image.shape[:2]}; "
                         "upsample it first (activation_overlay does).")
    lo = float(np.min(heat)) if vmin is None else vmin
    hi = float(np.max(heat)) if vmax is None else vmax
    norm = np.clip((heat - lo) / (hi - lo), 0, 1) if hi > lo else np.zeros_like(heat, dtype=np.float64)
    colour = matplotlib.colormaps[cmap](norm)[..., :3] * 255.0
    out = (1 - alpha) * image.astype(np.float64) + alpha * colour
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def plot_exemplars(model: nn.Module, stimuli: StimulusSet, acts_layer: np.ndarray, layer: str, filter: int,
                   k: int = 6, heat: bool = True, alpha: float = 0.45, device=None, size: float = 1.7):
    """Top-k and bottom-k images of one filter, with category and activation in each title.

    acts_layer : (n_images, n_filters) activations of ``layer`` on ``stimuli`` (e.g. the
    paper's per-image maximum from :func:`helpers.activations.collect`)
    heat : overlay the filter's activation map, on one colour scale for all images
    Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    ranks = [top_exemplars(acts_layer, filter, k, bottom=b, labels=stimuli.labels, categories=stimuli.categories)
             for b in (False, True)]
    k = len(ranks[0].indices)
    idx = np.concatenate([r.indices for r in ranks])
    images = stimuli.images(idx)
    if heat:
        maps = activation_overlay(model, stimuli, layer, filter, idx, device=device)
        lo, hi = min(0.0, float(maps.min())), float(maps.max())
        images = np.stack([overlay(im, m, alpha, vmin=lo, vmax=hi) for im, m in zip(images, maps)])
    fig, axes = plt.subplots(2, k, figsize=(k * size, 2 * size * 1.25 + 0.7), squeeze=False)
    for row, r in enumerate(ranks):
        axes[row, 0].set_ylabel(r.label, fontsize=7 if r.note else 9)
        for j, ax in enumerate(axes[row]):
            ax.set_xticks([])
            ax.set_yticks([])
            ax.imshow(images[row * k + j])
            ax.set_title(f"{r.categories[j]}\n{r.values[j]:.3g}", fontsize=8)
    name = display_name(model, resolve_layer(model, layer)[0])
    note = "; heat: activation map" if heat else ""
    fig.suptitle(f"{name} filter {filter}: most and least activating stimuli{note}\n"
                 f"{model_info(model).label}" + ("; SCHEMATIC stimuli" if stimuli.schematic else ""), fontsize=9)
    fig.tight_layout()
    return fig
