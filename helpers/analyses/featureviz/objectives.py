"""Objectives: what is maximised, as a function of one filter's activation map.

An objective maps the batch's maps, one per image and each taken from the filter
that image is made for, to one value per image:

- ``maps`` : float (N, h, w) for a convolutional layer, (N,) for a fully connected one
- returns : float (N,), in the units of the layer's activation

Because row i reads only image i's map, each image's gradient comes from its own
term only, and many filters can be optimised at once as independent images.

Objectives combine like numbers (Lucent's objective algebra): ``mean() + 0.5 *
center()``, ``center() - position(3, 3)``, ``-mean()``, ``sum([...])``. Any callable of
the same shape works too (``lambda maps: maps.amax(dim=(1, 2))``); :func:`as_objective`
wraps it.

The pre-ReLU value. Where the layer is a ReLU, its output is 0 wherever the filter is
silent and passes no gradient there. An objective marked ``before_relu`` (see
:meth:`Objective.before_relu`, :func:`negative`) reads the value entering the ReLU
instead: the only way to make a filter respond *less* than 0. Other objectives read
the ReLU's output, and :func:`helpers.analyses.featureviz.render.render` uses the value before
the ReLU during a warm-up and for images still silent after it.
"""

from __future__ import annotations

import numbers
from typing import Callable

import torch

Maps = torch.Tensor


class Objective:
    """A per-image objective; call it on maps (N, h, w) or (N,) for values (N,).

    fn : the callable computing it; name : how results and figures describe it
    reads_before_relu : read the value entering a ReLU layer rather than its output
    """

    def __init__(self, fn: Callable[[Maps], torch.Tensor], name: str = "custom",
                 reads_before_relu: bool = False):
        self.fn = fn
        self.name = name
        self.reads_before_relu = bool(reads_before_relu)

    def __call__(self, maps: Maps) -> torch.Tensor:
        out = self.fn(maps)
        if not isinstance(out, torch.Tensor) or out.shape != maps.shape[:1]:
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(f"Objective {self.name!r} returned {got}; it must return one value per image, "
                             f"shape ({maps.shape[0]},), from maps of shape {tuple(maps.shape)}.")
        return out

    def before_relu(self) -> "Objective":
        """The same objective read on the value entering the ReLU (where the layer is one)."""
        return Objective(self.fn, f"{self.name} (before ReLU)", True)

    # -- algebra: each operation gives a new Objective --------------------------------

    def _combine(self, other, op, symbol: str) -> "Objective":
        other = as_objective(other)
        if other.reads_before_relu != self.reads_before_relu:
            raise ValueError(f"Cannot combine {self.name!r} and {other.name!r}: one reads the value before "
                             "the ReLU and one after; mark both with .before_relu() or neither.")
        a, b = self.fn, other.fn
        return Objective(lambda maps: op(a(maps), b(maps)), f"{self.name} {symbol} {_operand(other.name)}",
                         self.reads_before_relu)

    def __add__(self, other):
        return self._combine(other, torch.add, "+")

    def __radd__(self, other):
        if isinstance(other, numbers.Number) and other == 0:
            return self  # sum([...]) starts from 0
        return NotImplemented

    def __sub__(self, other):
        return self._combine(other, torch.sub, "-")

    def __mul__(self, k):
        if not isinstance(k, numbers.Real):
            return NotImplemented
        fn = self.fn
        return Objective(lambda maps: k * fn(maps), f"{k:g} × {_operand(self.name)}", self.reads_before_relu)

    __rmul__ = __mul__

    def __truediv__(self, k):
        if not isinstance(k, numbers.Real):
            return NotImplemented
        return self * (1.0 / k)

    def __neg__(self):
        fn = self.fn
        return Objective(lambda maps: -fn(maps), f"-{_operand(self.name)}", self.reads_before_relu)

    def __repr__(self) -> str:
        return f"Objective({self.name})"


def _operand(name: str) -> str:
    """A name in parentheses where it is a sum or difference, to read unambiguously."""
    return f"({name})" if " + " in name or " - " in name else name


def _spatial(maps: Maps, what: str) -> tuple[int, int]:
    if maps.dim() != 3:
        raise ValueError(f"The layer has no spatial map (fully connected): only objective='mean' "
                         f"applies to it, not {what}.")
    return maps.shape[1], maps.shape[2]


def mean() -> Objective:
    """The mean of the whole map (the activation itself for a fully connected layer)."""
    def fn(maps):
        return maps if maps.dim() == 1 else maps.flatten(1).mean(1)
    return Objective(fn, "mean")


def position(y: int, x: int) -> Objective:
    """The map's value at row ``y``, column ``x`` (map coordinates: those of the input
    the network sees, padding included)."""
    if not all(isinstance(v, (int, numbers.Integral)) and not isinstance(v, bool) for v in (y, x)):
        raise ValueError(f"position needs integer map coordinates, got ({y!r}, {x!r}).")
    y, x = int(y), int(x)

    def fn(maps):
        h, w = _spatial(maps, f"position ({y}, {x})")
        if not (0 <= y < h and 0 <= x < w):
            raise ValueError(f"Position ({y}, {x}) is outside the {h}x{w} activation map.")
        return maps[:, y, x]
    return Objective(fn, f"position({y}, {x})")


def center() -> Objective:
    """The map's value at its middle position (h // 2, w // 2)."""
    def fn(maps):
        h, w = _spatial(maps, "'center'")
        return maps[:, h // 2, w // 2]
    return Objective(fn, "center")


def negative(objective=None) -> Objective:
    """What suppresses the filter: minus ``objective`` (default :func:`mean`), read before
    the ReLU where the layer is one, since its output cannot go below 0."""
    return -as_objective("mean" if objective is None else objective).before_relu()


def as_objective(spec) -> Objective:
    """An :class:`Objective` from an objective, a callable, or a name.

    Names: "mean", "center", ("position", y, x) or (y, x) in map coordinates.
    """
    if isinstance(spec, Objective):
        return spec
    if isinstance(spec, str) and spec in ("mean", "center"):
        return mean() if spec == "mean" else center()
    if isinstance(spec, (tuple, list)):
        parts = tuple(spec[1:]) if spec and spec[0] == "position" else tuple(spec)
        if len(parts) == 2 and all(isinstance(v, numbers.Integral) for v in parts):
            return position(*parts)
    if callable(spec) and not isinstance(spec, (str, tuple, list)):
        return Objective(spec, getattr(spec, "__name__", "custom"))
    raise ValueError(f"Unknown objective {spec!r}: use 'mean', 'center', ('position', y, x) with integer "
                     "coordinates in the activation map, or an objective / callable maps -> (N,).")
