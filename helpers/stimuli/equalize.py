"""Low-level statistics under control: equalise mean luminance, RMS contrast and the
amplitude spectrum across a stimulus set (SHINE-style), so that what survives cannot be
put down to those statistics.

:func:`equalize` (arrays), :func:`equalize_exact` (float, no rounding),
:func:`equalize_set` (a :class:`helpers.stimuli.sets.StimulusSet`), :func:`luma`.
Images are uint8 (N, H, W, 3) RGB, in grey levels.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from helpers.stimuli.sets import StimulusSet


# --------------------------------------------------------------------------- low-level statistics under control
#
# Equalising mean luminance, RMS contrast and (optionally) the Fourier amplitude
# spectrum across a stimulus set, the approach of the SHINE toolbox (lumMatch and
# specMatch): V. Willenbockel, J. Sadr, D. Fiset, G. O. Horne, F. Gosselin & J. W.
# Tanaka (2010), "Controlling low-level image properties: The SHINE toolbox",
# Behavior Research Methods 42(3), 671-684. SHINE works on greyscale images; colour
# is handled here as follows. Each RGB image is split into its luma Y (BT.601
# weights on the stored values, what MATLAB's rgb2gray, which SHINE uses, computes)
# and its chroma, RGB - Y (the same for all three channels only in a grey image):
#
# - spectrum matching replaces the amplitude spectrum of Y by the set's mean
#   amplitude spectrum, keeping Y's phases, and leaves the chroma as it was;
# - luminance and contrast matching is one affine map per image, RGB' = a (RGB - m) + M,
#   with m the image's mean luma, M the target mean and a = target contrast / the
#   image's contrast: Y gets the target mean and standard deviation exactly and the
#   chroma is scaled by the same factor a, so hues stay and saturation follows
#   contrast. A grey image stays grey.
#
# Spectrum matching comes first: all images then share one amplitude spectrum and
# hence (Parseval) one contrast, so the single factor a of the second step keeps
# their spectra equal. Rounding to uint8 and clipping to [0, 255] come last and are
# what make the result inexact: rounding moves each channel by at most half a grey
# level; clipping is reported (per image and overall) and warned about, as SHINE does.

#: Luma weights of R, G, B (ITU-R BT.601).
LUMA_WEIGHTS = (0.299, 0.587, 0.114)
#: An image whose luma varies by less than this (grey levels, standard deviation) has
#: no contrast to scale and no phases to keep.
FLAT_STD = 1e-6


def luma(images: np.ndarray) -> np.ndarray:
    """Luma of RGB images: (N, H, W, 3) or (H, W, 3) in grey levels -> float64 (N, H, W) or (H, W).

    Converted to float64 a few images at a time: a float64 copy of a whole set of 372
    photographs at 224 px would take 450 MB, three times the result."""
    images = np.asarray(images)
    weights = np.asarray(LUMA_WEIGHTS)
    if images.ndim < 4:
        return np.asarray(images, dtype=np.float64) @ weights
    out = np.empty(images.shape[:-1], np.float64)
    for i in range(0, len(images), 16):
        out[i:i + 16] = np.asarray(images[i:i + 16], dtype=np.float64) @ weights
    return out


@dataclass
class Equalized:
    """What :func:`equalize` returns.

    Attributes
    ----------
    images : uint8 (N, H, W, 3), the equalised images
    mean : the target mean luma, grey levels (0-255)
    contrast : the target RMS contrast: standard deviation of luma, grey levels
    spectrum : whether the luma amplitude spectra were matched
    clipped : float64 (N,), fraction of each image's pixels with a channel clipped to 0 or 255
    flat : int64 indices of the images that had no luma contrast: they got the target
        mean and were otherwise left as they were (not scaled, not spectrum-matched)
    """

    images: np.ndarray
    mean: float
    contrast: float
    spectrum: bool
    clipped: np.ndarray
    flat: np.ndarray

    @property
    def clipped_fraction(self) -> float:
        """Fraction of all pixels of the set with a channel clipped."""
        return float(self.clipped.mean()) if len(self.clipped) else 0.0


def _check_equalize_input(images, uint8_only: bool) -> np.ndarray:
    if not isinstance(images, np.ndarray):
        raise ValueError(f"images must be a NumPy array (N, H, W, 3), got {type(images).__name__}.")
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be RGB with shape (N, H, W, 3), got shape {images.shape}; "
                         "add a batch axis for one image (images[None]).")
    if uint8_only and images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 (grey levels 0-255), got {images.dtype}; "
                         "for float images use equalize_exact.")
    if not (np.issubdtype(images.dtype, np.integer) or np.issubdtype(images.dtype, np.floating)):
        raise ValueError(f"images must hold numbers (grey levels 0-255), got {images.dtype}.")
    if len(images) == 0:
        raise ValueError("The stimulus set is empty: there is nothing to equalise.")
    if images.shape[1] < 2 or images.shape[2] < 2:
        raise ValueError(f"images must be at least 2x2 px, got {images.shape[1]}x{images.shape[2]}.")
    if np.issubdtype(images.dtype, np.floating):
        bad = ~np.isfinite(images).reshape(len(images), -1).all(axis=1)
        if bad.any():
            raise ValueError(f"images must hold finite grey levels: {int(bad.sum())} image(s) hold NaN or infinite "
                             f"values (the first: image {int(np.flatnonzero(bad)[0])}); one such pixel would make "
                             "the whole image NaN.")
    return images


def _equalize_targets(images: np.ndarray, mean, contrast, spectrum: bool):
    """First pass, image by image: flat images, the targets and the mean amplitude spectrum.

    Defaults, as SHINE's: the mean over images of each image's mean luma and of each
    image's luma standard deviation (images with contrast only, for the latter), and
    the mean amplitude spectrum of the images with contrast.
    """
    n, h, w, _ = images.shape
    means, stds = np.empty(n), np.empty(n)
    amp = np.zeros((h, w // 2 + 1)) if spectrum else None
    for i in range(n):
        with np.errstate(over="ignore", invalid="ignore"):  # finite but huge values: refused just below
            y = luma(images[i])
            means[i], stds[i] = y.mean(), y.std()
        if not (np.isfinite(means[i]) and np.isfinite(stds[i])):
            raise ValueError(f"image {i} holds grey levels too large to equalise (its luma mean or standard "
                             "deviation overflows float64); grey levels are about 0-255.")
        if spectrum and stds[i] > FLAT_STD:
            amp += np.abs(np.fft.rfft2(y))
    flat = stds <= FLAT_STD
    live = int((~flat).sum())
    if amp is not None and live:
        amp /= live
    mean = float(means.mean()) if mean is None else float(mean)
    contrast = (float(stds[~flat].mean()) if live else 0.0) if contrast is None else float(contrast)
    if not (np.isfinite(mean) and 0 <= mean <= 255):
        raise ValueError(f"mean must be a grey level between 0 and 255, got {mean}.")
    if not (np.isfinite(contrast) and contrast >= 0):
        raise ValueError(f"contrast must be a standard deviation >= 0 in grey levels, got {contrast}.")
    return mean, contrast, amp, flat


def _equalize_one(image: np.ndarray, mean: float, contrast: float, amp, flat: bool) -> np.ndarray:
    """One image (H, W, 3) -> float64 (H, W, 3), before rounding and clipping."""
    rgb = image.astype(np.float64)
    y = luma(rgb)
    if amp is not None and not flat:
        f = np.fft.rfft2(y)
        size = np.abs(f)
        # Each coefficient keeps its phase; where it has none (amplitude 0), phase 0.
        phase = np.where(size > 0, f / np.where(size > 0, size, 1.0), 1.0)
        y_new = np.fft.irfft2(amp * phase, s=y.shape)
        rgb += (y_new - y)[..., None]  # the chroma, rgb - y, stays as it was
        y = y_new
    gain = 1.0 if flat else contrast / y.std()
    return gain * (rgb - y.mean()) + mean


def equalize_exact(images: np.ndarray, mean: float | None = None, contrast: float | None = None,
                   spectrum: bool = False) -> np.ndarray:
    """The equalised images before rounding and clipping: float64 (N, H, W, 3) in grey levels.

    Arguments as :func:`equalize`; ``images`` may also be float grey levels (e.g. a
    previous result of this function). Every image with contrast then has the target
    mean luma and luma standard deviation up to float rounding, and with ``spectrum``
    the same luma amplitude spectrum, with its own phases. Memory: one float64 copy
    of the set; :func:`equalize` needs only one image at a time.
    """
    images = _check_equalize_input(images, uint8_only=False)
    mean, contrast, amp, flat = _equalize_targets(images, mean, contrast, spectrum)
    return np.stack([_equalize_one(im, mean, contrast, amp, f) for im, f in zip(images, flat)])


def equalize(images: np.ndarray, mean: float | None = None, contrast: float | None = None,
             spectrum: bool = False) -> Equalized:
    """Equalise mean luminance and RMS contrast per image, and optionally the amplitude spectrum.

    Parameters
    ----------
    images : uint8 RGB (N, H, W, 3), the whole set (the targets are set-wide)
    mean : target mean luma, grey levels; default the mean over images of their mean luma
    contrast : target RMS contrast (luma standard deviation, grey levels); default the
        mean over the images with contrast of their luma standard deviation
    spectrum : also give every image the set's mean luma amplitude spectrum, keeping
        its phases (SHINE's specMatch); the luminance and contrast step follows it

    Colour, order and the citation: see the comment above :data:`LUMA_WEIGHTS`. Images
    without luma contrast are shifted to the target mean, otherwise left unchanged, and
    listed in ``flat``.

    Returns
    -------
    :class:`Equalized`: uint8 images, the targets, the clipped fraction per image (a
    ``UserWarning`` says when any pixel was clipped) and the flat images. Before
    rounding the targets are met exactly (:func:`equalize_exact`); after it, each
    image's mean luma and contrast are within half a grey level of them when nothing
    is clipped.
    """
    images = _check_equalize_input(images, uint8_only=True)
    mean, contrast, amp, flat = _equalize_targets(images, mean, contrast, spectrum)
    out = np.empty_like(images)
    clipped = np.empty(len(images))
    for i, (image, f) in enumerate(zip(images, flat)):
        exact = _equalize_one(image, mean, contrast, amp, f)
        clipped[i] = ((exact < 0) | (exact > 255)).any(axis=-1).mean()
        out[i] = np.clip(np.round(exact), 0, 255).astype(np.uint8)
    result = Equalized(out, mean, contrast, spectrum, clipped, np.flatnonzero(flat).astype(np.int64))
    if clipped.any():
        warnings.warn(f"Equalising clipped {result.clipped_fraction:.2%} of the pixels to [0, 255] "
                      f"(up to {clipped.max():.2%} in one image), so those images miss the targets; a lower "
                      "contrast or a mean nearer 127.5 clips less.", UserWarning, stacklevel=2)
    return result


def equalize_set(stimuli: StimulusSet, mean: float | None = None, contrast: float | None = None,
                 spectrum: bool = False) -> StimulusSet:
    """A new in-memory :class:`StimulusSet`: ``stimuli``'s images equalised by :func:`equalize`.

    The images are taken at the set's crop size (what the network sees); categories,
    labels, paths, preprocessing, skipped files and the schematic flag are kept, and
    ``source`` says what was done (targets, spectrum, clipped fraction). Its
    fingerprint differs from the original's, so cached activations are not mixed up.
    """
    eq = equalize(stimuli.images(), mean, contrast, spectrum)
    what = (f"equalised: mean luma {eq.mean:.1f}, RMS contrast {eq.contrast:.1f} grey levels"
            + (", luma amplitude spectra matched" if spectrum else "")
            + f", {eq.clipped_fraction:.2%} of pixels clipped (SHINE, Willenbockel et al. 2010)")
    return _stimulus_set_in_memory(stimuli, eq.images, f"{stimuli.source}; {what}" if stimuli.source else what)


def _stimulus_set_in_memory(like: StimulusSet, pixels: np.ndarray, source: str) -> StimulusSet:
    """A set like ``like`` whose images are ``pixels`` (uint8 (N, crop, crop, 3)).
    (The one place that passes pixels to the constructor.)"""
    return StimulusSet(list(like.categories), like.labels.copy(), list(like.paths), like.preprocess,
                       list(like.skipped), source, like.schematic, pixels=pixels)
