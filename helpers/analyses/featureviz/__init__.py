"""Feature visualisation: images optimised to make filters fire (activation maximisation).

The parts, one idea per module, composed as in Lucent (``lucent.optvis``):

- :mod:`~helpers.analyses.featureviz.param`       how images are computed from the numbers
  optimised: :func:`~.param.fourier` (1/f spectrum, decorrelated colour) or :func:`~.param.pixel`
- :mod:`~helpers.analyses.featureviz.transform`   random pad, jitter, scale, rotate: a list to change freely
- :mod:`~helpers.analyses.featureviz.objectives`  what is maximised: :func:`~.objectives.mean`,
  :func:`~.objectives.center`, :func:`~.objectives.position`, :func:`~.objectives.negative`,
  any callable maps (N, h, w) -> (N,), and sums and multiples of these
- :mod:`~helpers.analyses.featureviz.streams`     one random stream per image, seeded by (seed, filter)
- :mod:`~helpers.analyses.featureviz.render`      the loop: many filters at once as independent images

:func:`visualize` is the short way in, with constant defaults::

    res = visualize(model, "block5_conv3", [3, 17], size=128, steps=128)
    res = visualize(model, "block4_conv3", 5, objective=objectives.center() + 0.5 * objectives.mean(),
                    transforms=[transform.pad(0.1), transform.jitter(0.05)], param="pixel")

and :func:`~helpers.analyses.featureviz.render.render` the long way, with parts built by hand.
Without the Fourier parameterisation and the transforms the optimiser finds
high-frequency noise (``param="pixel", transforms=[]`` shows it). Images a filter
responds to among real stimuli are another idea: :mod:`helpers.analyses.exemplars`.
"""

from __future__ import annotations

from typing import Sequence

from torch import nn

from helpers.analyses.featureviz import objectives, param, render, streams, transform
from helpers.analyses.featureviz.param import BY_NAME as PARAMETERISATIONS
from helpers.analyses.featureviz.render import FeatureVisResult, filter_list, input_dtype
from helpers.analyses.featureviz.streams import ImageStreams

#: Constant defaults of :func:`visualize` (a CPU-sized run). The course's profiles
#: choose their own sizes and steps: :func:`helpers.edge.course.featureviz_settings`.
SIZE = 128
STEPS = 128
LR = 0.05


def visualize(model: nn.Module, layer: str, filters: int | Sequence[int], objective="mean", *,
              param: str = "fourier", transforms: Sequence | None = None, size: int | tuple[int, int] = SIZE,
              steps: int = STEPS, lr: float = LR, seed: int = 0, snapshots: Sequence[int] = (),
              device=None, progress: bool = True, cache: bool = False, **options) -> FeatureVisResult:
    """Images that make filters of ``layer`` fire most, one image per filter.

    Parameters
    ----------
    model : a CNN (see :mod:`helpers.cnn.models`); it runs only up to ``layer`` and is left
        exactly as it was
    layer : layer name (VGG16: ``block1_conv1`` ... ``fc2``) or module path
    filters : a filter (channel) index or a list of them; all are optimised together
    objective : "mean" (the whole map), "center", ("position", y, x) in the map's
        coordinates (the map of the padded input), or any objective of
        :mod:`~helpers.analyses.featureviz.objectives`, e.g. ``objectives.negative()`` for what
        suppresses the filter; fully connected layers accept only "mean"
    param : "fourier" or "pixel", or a function ``(size, streams, dtype=...) -> ImageParam``
        such as ``functools.partial(param.fourier, decorrelate=False)``
    transforms : list of transforms; None: :func:`~helpers.analyses.featureviz.transform.standard`;
        [] for none
    size : image side in px, or (height, width); steps : Adam updates; lr : its learning rate
    seed : the images depend only on (seed, filter), not on the other filters in the
        batch: optimising filters together or one by one gives the same images (up to
        float rounding). Listing a filter twice gives the same image twice.
    snapshots : steps at which to keep the images (0 = initial image, ``steps`` = final)
    device : torch device, default CPU; progress : show a progress bar
    cache : keep the result in the course cache (``$COURSE_CACHE/featureviz``) and read it
        back next time, under a key of everything that shapes it: the values of every
        weight (:func:`helpers.cnn.models.fingerprint`), the layer, the filters, every argument
        here, the device, and the helpers and torch versions (:func:`cached`). Only for the
        named objectives ("mean", "center") and parameterisations, and the standard
        transforms (a callable cannot be keyed: computed, with a warning)
    options : passed to :func:`~helpers.analyses.featureviz.render.render`: ``warmup``,
        ``channels_last``, ``mean``, ``std``

    Returns
    -------
    :class:`~helpers.analyses.featureviz.render.FeatureVisResult` with uint8 images (N, H, W, 3).
    """
    filters = filter_list(filters)
    if cache:
        return cached(model, layer, filters, objective, param=param, transforms=transforms, size=size, steps=steps,
                      lr=lr, seed=seed, snapshots=snapshots, device=device, progress=progress, **options)
    draws = ImageStreams(seed, filters)
    build = PARAMETERISATIONS.get(param) if isinstance(param, str) else param
    if not callable(build):
        raise ValueError(f"Unknown param {param!r}; use one of {tuple(PARAMETERISATIONS)} "
                         "or a function (size, streams, dtype=...) -> ImageParam.")
    image = build(size, draws, dtype=input_dtype(model))
    transforms = transform.standard() if transforms is None else list(transforms)
    return render.render(model, layer, filters, objective, image, transforms, draws, steps=steps, lr=lr,
                         snapshots=snapshots, device=device, progress=progress, **options)


CACHE_FORMAT = 1  # version of the feature visualisation cache entries


def cached(model: nn.Module, layer: str, filters: Sequence[int], objective="mean", *, param="fourier",
           transforms=None, device=None, progress: bool = True, **settings) -> FeatureVisResult:
    """:func:`visualize` through the course cache (``visualize(..., cache=True)``).

    Feature visualisation is deterministic given the weights, the settings and the seed
    (the images depend on (seed, filter) only), so a result can be kept: the key holds the
    model's content hash (:func:`helpers.cnn.models.fingerprint`, so changed weights never get a
    stale picture), its label, the layer's module, the filters, the objective, the
    parameterisation, every setting (size, steps, lr, seed, snapshots, options), the device
    and the helpers and torch versions. Anything that cannot be keyed (a callable objective,
    parameterisation or transforms) is computed uncached, with a warning; so is everything
    when the cache folder cannot be used.
    """
    import warnings

    import numpy as np
    import torch

    from helpers import __version__
    from helpers.cache import key_digest, load_or_compute
    from helpers.config import cache_dir
    from helpers.cnn.models import fingerprint, model_info, resolve_layer

    def compute():
        return visualize(model, layer, filters, objective, param=param, transforms=transforms, device=device,
                         progress=progress, **settings)

    if not (isinstance(objective, str) and isinstance(param, str) and transforms is None):
        warnings.warn("Feature visualisation is not cached: only named objectives and parameterisations with the "
                      "standard transforms can be keyed.", stacklevel=3)
        return compute()
    try:
        root = cache_dir("featureviz")
    except OSError:
        return compute()
    info = model_info(model)
    key = {"format": CACHE_FORMAT, "helpers": __version__, "torch": torch.__version__, "arch": info.arch,
           "weights": info.weights, "model_hash": fingerprint(model), "module": resolve_layer(model, layer)[0],
           "filters": [int(f) for f in filters], "objective": objective, "param": param,
           "device": str(torch.device(device or "cpu")),
           "settings": {k: (list(v) if isinstance(v, (tuple, list)) else v) for k, v in sorted(settings.items())}}

    def save(res: FeatureVisResult, folder):
        arrays = {f"snapshot_{k}": v for k, v in res.snapshots.items()}
        np.savez(folder / "featureviz.npz", images=res.images, images_float=res.images_float,
                 objective=res.objective, initial=res.initial, history=res.history, **arrays)
        return {"result": {"layer": res.layer, "module": res.module, "filters": list(map(int, res.filters)),
                           "model_label": res.model_label, "trained": bool(res.trained), "settings": res.settings,
                           "snapshots": sorted(int(k) for k in res.snapshots)}}

    def load(folder, meta):
        r = meta["result"]
        with np.load(folder / "featureviz.npz", allow_pickle=False) as z:
            snaps = {int(k): z[f"snapshot_{k}"] for k in r["snapshots"]}
            return FeatureVisResult(z["images"], z["images_float"], z["objective"], z["initial"], z["history"],
                                    snaps, r["layer"], r["module"], list(r["filters"]), r["model_label"],
                                    bool(r["trained"]),  # JSON has no tuples: size (h, w) is one
                                    {k: tuple(v) if isinstance(v, list) else v for k, v in r["settings"].items()})

    return load_or_compute(root / f"{info.arch}-{key_digest(key)}", key, CACHE_FORMAT, load, compute, save,
                           what="feature visualisation cache", root=root)


__all__ = ["FeatureVisResult", "ImageStreams", "cached", "LR", "PARAMETERISATIONS", "SIZE", "STEPS", "objectives", "param",
           "render", "streams", "transform", "visualize"]
