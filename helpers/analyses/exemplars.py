"""Dataset exemplars: the stimuli that drive a filter most and least, and where.

- :func:`top_exemplars` ranks a stimulus set's images by one filter's activation;
- :func:`activation_overlay` and :func:`overlay` lay the filter's activation map over
  an image, to show where in it the filter responds;
- :func:`draw_exemplars` draws a filter's most and least activating images (the one
  drawing function; the notebooks' filter browser uses it too) and
  :func:`plot_exemplars` computes and draws them in one call.

Optimised images (what a filter would like to see, beyond any stimulus set) are
another idea: :mod:`helpers.analyses.featureviz`. Images are uint8 arrays (N, H, W, 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from helpers.cnn.activations import collect_maps
from helpers.labels import title_for
from helpers.cnn.models import display_name, model_info, resolve_layer
from helpers.stimuli.sets import StimulusSet


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
    acts_layer : array (n_images, n_filters), one layer of :func:`helpers.cnn.activations.collect`
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



def draw_exemplars(images: np.ndarray, ranks: Sequence[Exemplars], maps: np.ndarray | None = None,
                   feature_image: np.ndarray | None = None, title: str = "", alpha: float = 0.45,
                   size: float = 1.7):
    """Draw ranked exemplars, one row per ranking, titled by category and activation.

    images : uint8 (sum of the rankings' lengths, H, W, 3), the images of ``ranks[0]``
        then those of ``ranks[1]`` ... in rank order
    ranks : :class:`Exemplars` of equal length (e.g. the top and the bottom ones), each
        with its categories; a row is labelled by :attr:`Exemplars.label` ("most" or
        "least", and a tie at the cut if there is one)
    maps : float (same N, H, W) activation maps to overlay, on one colour scale for all
        images (from min(0, lowest) to the highest value), shown by a colour bar, or None
    feature_image : uint8 (h, w, 3), e.g. the filter's optimised image, drawn in an extra
        first column, or None
    title : the figure's title; size : inches per image
    Returns the matplotlib Figure.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    k = len(ranks[0].indices)
    if any(len(r.indices) != k for r in ranks) or len(images) != k * len(ranks):
        raise ValueError(f"Expected {len(ranks)} rankings of {k} images each and {k * len(ranks)} images, "
                         f"got rankings of {[len(r.indices) for r in ranks]} and {len(images)} images.")
    cmap = "inferno"
    if maps is not None:
        lo, hi = min(0.0, float(maps.min())), float(maps.max())
        images = np.stack([overlay(im, m, alpha, cmap, vmin=lo, vmax=hi) for im, m in zip(images, maps)])
    extra = 0 if feature_image is None else 1
    bar = 0.0 if maps is None else 0.9  # inches for the colour bar
    fig, axes = plt.subplots(len(ranks), k + extra,
                             figsize=((k + extra) * size + bar, len(ranks) * size * 1.25 + 0.7),
                             squeeze=False, layout="constrained")
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    if extra:
        axes[0, 0].imshow(feature_image)
        axes[0, 0].set_title("optimised\nimage", fontsize=8)
        for ax in axes[1:, 0]:
            ax.axis("off")
    for row, r in enumerate(ranks):
        # A tie note is long: break it so that the rotated label fits the row's height.
        axes[row, extra].set_ylabel(r.label.replace(": ", ":\n", 1), fontsize=8 if r.note else 9)
        for j in range(k):
            ax = axes[row, extra + j]
            ax.imshow(images[row * k + j])
            ax.set_title(f"{r.categories[j]}\n{r.values[j]:.3g}", fontsize=8)
    if maps is not None:
        # Without a scale the overlay's colours cannot be read as activations.
        scale = matplotlib.cm.ScalarMappable(matplotlib.colors.Normalize(lo, hi if hi > lo else lo + 1), cmap)
        cb = fig.colorbar(scale, ax=axes, shrink=0.8, pad=0.01)
        cb.set_label("activation map (a.u.;\noverlay colour, same scale for all)", fontsize=8)
        cb.ax.tick_params(labelsize=8)
    fig.suptitle(title, fontsize=9)
    return fig


def plot_exemplars(model: nn.Module, stimuli: StimulusSet, acts_layer: np.ndarray, layer: str, filter: int,
                   k: int = 6, heat: bool = True, alpha: float = 0.45, device=None, size: float = 1.7):
    """Top-k and bottom-k images of one filter, with category and activation in each title.

    acts_layer : (n_images, n_filters) activations of ``layer`` on ``stimuli`` (e.g. the
    paper's per-image maximum from :func:`helpers.cnn.activations.collect`)
    heat : overlay the filter's activation map, on one colour scale for all images
    Returns the matplotlib Figure (drawn by :func:`draw_exemplars`).
    """
    ranks = [top_exemplars(acts_layer, filter, k, bottom=b, labels=stimuli.labels, categories=stimuli.categories)
             for b in (False, True)]
    idx = np.concatenate([r.indices for r in ranks])
    maps = activation_overlay(model, stimuli, layer, filter, idx, device=device) if heat else None
    name = display_name(model, resolve_layer(model, layer)[0])
    note = "; heat: activation map" if heat else ""
    info = model_info(model)
    title = (f"{name} filter {filter}: most and least activating stimuli{note}\n"
             + title_for(info.label, info.trained, stimuli.schematic))
    return draw_exemplars(stimuli.images(idx), ranks, maps, title=title, alpha=alpha, size=size)
