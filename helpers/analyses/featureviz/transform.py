"""Random transforms applied to the images before each step of the network.

Only patterns that survive small random changes of the image are reinforced, which
keeps the optimiser from exploiting pixel-exact high-frequency patterns (Olah,
Mordvintsev & Schubert, "Feature Visualization", Distill 2017; Lucent's
``transform`` module is the model for this one).

A transform is any callable ``t(images, draws) -> images``:

- ``images`` : float (N, 3, H, W) in [0, 1]; the result may have another H, W
- ``draws`` : the batch's :class:`~helpers.analyses.featureviz.streams.ImageStreams`, to take
  each image's random numbers from its own stream, or ``None`` when the final image
  is evaluated: the transform must then be deterministic (no random change), as
  :func:`pad` still pads but :func:`jitter` does nothing.

Geometric transforms (:func:`pad`, :func:`jitter`, :func:`scale`, :func:`rotate`, all
:class:`Affine`) are applied in list order but resampled once: :func:`compose` fuses
each run of neighbouring ones into a single bilinear resampling of the image onto a
grey canvas. Their sizes are fractions of the longer side of the image entering the
list (of their own input when called alone), so that they look alike at any image
size and fusing does not change them. Within a fused run the random numbers are drawn from the last
transform to the first, the order in which an output pixel is traced back to the image.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn.functional as F

from helpers.analyses.featureviz.streams import ImageStreams

Transform = Callable[[torch.Tensor, "ImageStreams | None"], torch.Tensor]


class Affine:
    """A geometric transform; see :func:`pad`, :func:`jitter`, :func:`scale`, :func:`rotate`.

    Coordinates are pixel offsets (x, y) from the centre. Each transform maps an output
    pixel back to where it comes from in its input, ``input = a @ output + b``;
    subclasses set :attr:`n_uniform` and define :meth:`canvas` (the output size),
    :meth:`params` (this step's random parameters) and :meth:`chain` (how the inverse
    map grows by theirs).
    """

    #: Uniform random numbers per image and step.
    n_uniform = 0

    def canvas(self, size: tuple[int, int], side: int) -> tuple[int, int]:
        """Output (H, W) for an input of ``size``; ``side`` is the image's longer side (px)."""
        return size

    def params(self, u: torch.Tensor | None, side: int):
        """This step's parameters from ``u``, float (n, n_uniform) in [0, 1); None when
        ``u`` is None (evaluation: no change)."""
        return None

    def chain(self, A, b, params):
        """(A, b) of the map from the previous output to the image -> that of this output.

        A : (n, 2, 2) or None for the identity; b : (n, 2) px or None for no shift.
        """
        return A, b

    def __call__(self, images: torch.Tensor, draws: ImageStreams | None) -> torch.Tensor:
        return resample([self], images, draws)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__.lower()}({args})"


class Pad(Affine):
    def __init__(self, fraction: float):
        if fraction < 0:
            raise ValueError(f"pad fraction must be >= 0, got {fraction}.")
        self.fraction = fraction

    def pixels(self, side: int) -> int:
        """Border width in px: at least one pixel unless the fraction is 0."""
        return max(1, round(self.fraction * side)) if self.fraction > 0 else 0

    def canvas(self, size, side):
        p = self.pixels(side)
        return size[0] + 2 * p, size[1] + 2 * p  # the image stays centred: no change to (A, b)


class Jitter(Affine):
    def __init__(self, fraction: float):
        if fraction < 0:
            raise ValueError(f"jitter fraction must be >= 0, got {fraction}.")
        self.fraction = fraction

    n_uniform = 2

    def params(self, u, side):
        return None if u is None else (u * 2 - 1) * (self.fraction * side)  # px (x, y)

    def chain(self, A, b, shift):
        if shift is None:
            return A, b
        back = -shift if A is None else (A @ -shift[:, :, None])[:, :, 0]
        return A, back if b is None else b + back


class Scale(Affine):
    def __init__(self, low: float, high: float):
        if not 0 < low <= high:
            raise ValueError(f"scale needs 0 < low <= high, got ({low}, {high}).")
        self.low, self.high = low, high

    n_uniform = 1

    def params(self, u, side):
        return None if u is None else self.low + u[:, 0] * (self.high - self.low)

    def chain(self, A, b, zoom):
        if zoom is None:
            return A, b
        return (torch.eye(2).expand(len(zoom), 2, 2) if A is None else A) / zoom[:, None, None], b


class Rotate(Affine):
    def __init__(self, degrees: float):
        self.degrees = degrees

    n_uniform = 1

    def params(self, u, side):
        return None if u is None else torch.deg2rad((u[:, 0] * 2 - 1) * self.degrees)

    def chain(self, A, b, angle):
        if angle is None:
            return A, b
        cos, sin = torch.cos(angle), torch.sin(angle)
        rot = torch.stack([torch.stack([cos, sin], -1), torch.stack([-sin, cos], -1)], -2)
        return rot if A is None else A @ rot, b


def pad(fraction: float = 0.06) -> Pad:
    """A grey border ``fraction`` of the image side wide on every side (at least 1 px).

    It gives the other transforms room, and it also pads the final evaluation, so an
    objective's positions refer to the padded input.
    """
    return Pad(fraction)


def jitter(fraction: float = 0.04) -> Jitter:
    """A random shift of up to ``fraction`` of the image side along each axis."""
    return Jitter(fraction)


def scale(low: float = 0.9, high: float = 1.1) -> Scale:
    """A random zoom about the centre by a factor drawn uniformly from [low, high]."""
    return Scale(low, high)


def rotate(degrees: float = 10.0) -> Rotate:
    """A random rotation about the centre by up to ``degrees`` either way."""
    return Rotate(degrees)


def standard() -> list:
    """The default list: ``[pad(0.06), rotate(10), scale(0.9, 1.1), jitter(0.04)]``.

    Rotation and zoom act about the centre and commute; the shift comes last, so it is
    not itself zoomed or rotated. Returns a new list each call, to change freely.
    """
    return [pad(), rotate(), scale(), jitter()]


def resample(run: Sequence[Affine], images: torch.Tensor, draws: ImageStreams | None,
             side: int | None = None) -> torch.Tensor:
    """Apply a run of :class:`Affine` transforms in one bilinear resampling.

    images : float (N, 3, H, W) in [0, 1]; returns (N, 3, H', W'), H', W' the canvas
    after the run's padding. Grey (0.5) fills whatever lies outside the image.
    side : the length (px) the transforms' fractions refer to; default max(H, W)
    """
    n, _, h, w = images.shape
    side = max(h, w) if side is None else side
    sizes = [(h, w)]
    for t in run:
        sizes.append(t.canvas(sizes[-1], side))
    ch, cw = sizes[-1]
    # One draw per image for the whole run (cheaper than one per transform), handed out
    # from the last transform to the first: the order in which an output pixel is
    # traced back to the image.
    total = sum(t.n_uniform for t in run)
    u = draws.uniform(total) if draws is not None and total else None
    params, start = [], 0
    for t in reversed(run):
        params.append(t.params(None if u is None else u[:, start:start + t.n_uniform], side))
        start += t.n_uniform
    A, b = None, None  # the map from the output canvas back to the image
    for t, p in zip(run, reversed(params)):
        A, b = t.chain(A, b, p)
    A = torch.eye(2).expand(n, 2, 2) if A is None else A
    # Both sides in the [-1, 1] units affine_grid works in.
    out_half = torch.tensor([cw / 2, ch / 2])
    in_half = torch.tensor([w / 2, h / 2])
    lin = A * out_half[None, None, :] / in_half[None, :, None]
    offset = torch.zeros(n, 2) if b is None else b / in_half
    theta = torch.cat([lin, offset[:, :, None]], dim=2).to(images)
    grid = F.affine_grid(theta, [n, 3, ch, cw], align_corners=False)
    # Sampling (images - 0.5) with zero padding puts grey, not black, outside the image.
    return F.grid_sample(images - 0.5, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + 0.5


class Compose:
    """A list of transforms applied in order, neighbouring :class:`Affine` ones fused.

    ``Compose(ts)(images, draws)``; an empty list returns the images unchanged.
    """

    def __init__(self, transforms: Sequence[Transform]):
        self.transforms = list(transforms)
        bad = [t for t in self.transforms if not callable(t)]
        if bad:
            raise TypeError(f"Transforms must be callables t(images, draws) -> images; got {bad!r}.")
        self.groups: list = []  # runs of Affine transforms as lists, other transforms alone
        for t in self.transforms:
            if isinstance(t, Affine) and self.groups and isinstance(self.groups[-1], list):
                self.groups[-1].append(t)
            else:
                self.groups.append([t] if isinstance(t, Affine) else t)

    def __call__(self, images: torch.Tensor, draws: ImageStreams | None) -> torch.Tensor:
        side = max(images.shape[2:])
        for g in self.groups:
            images = resample(g, images, draws, side) if isinstance(g, list) else g(images, draws)
        return images

    def __repr__(self) -> str:
        return f"[{', '.join(describe(t) for t in self.transforms)}]"


def compose(transforms: Sequence[Transform]) -> Compose:
    """One callable for a list of transforms; see :class:`Compose`."""
    return Compose(transforms)


def describe(t) -> str:
    """A short name for a transform, for a result's settings."""
    if isinstance(t, (Affine, Compose)):
        return repr(t)
    return getattr(t, "__name__", None) or repr(t)
