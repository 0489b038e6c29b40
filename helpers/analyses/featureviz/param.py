"""Image parameterisations: how a batch of images is computed from the numbers optimised.

An :class:`ImageParam` is a module without inputs: calling it returns float images
(N, 3, H, W) in [0, 1] computed from one leaf tensor, ``params``, which the optimiser
changes. Two are provided:

- :func:`fourier`: the coefficients of each image's 2-D spectrum, scaled by 1/f.
  Equal steps on every coefficient then change coarse structure as much as fine
  structure, where plain pixels let fine structure (noise) grow fastest (Olah,
  Mordvintsev & Schubert, "Feature Visualization", Distill 2017).
- :func:`pixel`: one parameter per pixel and channel.

Both map colour through a decorrelating matrix (``decorrelate=True``) and a sigmoid
into [0, 1]. Initial parameters are small normal numbers drawn from each image's own
stream (:class:`~helpers.analyses.featureviz.streams.ImageStreams`): a nearly uniform grey image.
"""

from __future__ import annotations

import torch
from torch import nn

from helpers.analyses.featureviz.streams import ImageStreams

# Square root of the colour covariance of ImageNet images (rows: R, G, B), the matrix
# published with Lucid (Olah et al. 2017). Optimising in the space it maps from gives
# every direction of colour change a similar natural scale, so the optimiser does not
# favour saturated colours. Divided by its largest column norm so that the mapping
# never amplifies.
_COLOUR_SQRT = torch.tensor([[0.26, 0.09, 0.02],
                             [0.27, 0.00, -0.05],
                             [0.27, -0.09, 0.03]])
COLOUR_DECORRELATION = _COLOUR_SQRT / _COLOUR_SQRT.norm(dim=0).max()

#: Spread of the initial parameters: a nearly uniform grey image.
INIT_STD = 0.01


def spectrum_scale(h: int, w: int) -> torch.Tensor:
    """1/f amplitude of each ``rfft2`` coefficient of an (h, w) image, shape (h, w // 2 + 1).

    f is the frequency in cycles per pixel; the constant term gets the weight of the
    lowest non-zero frequency, 1 / max(h, w), instead of an infinite one.
    """
    fy = torch.fft.fftfreq(h)[:, None]
    fx = torch.fft.rfftfreq(w)[None, :]
    f = torch.sqrt(fy ** 2 + fx ** 2)
    return 1.0 / torch.clamp(f, min=1.0 / max(h, w))


class ImageParam(nn.Module):
    """N images computed from ``params``; ``image_param()`` -> float (N, 3, H, W) in [0, 1].

    Attributes
    ----------
    params : the leaf tensor optimised (an :class:`torch.nn.Parameter`)
    size : (H, W) in px
    name : short description, e.g. "fourier" or "pixel (no colour decorrelation)"

    Subclasses define :meth:`logits`: the (N, 3, H, W) values in decorrelated colour
    space before the sigmoid. Move it with ``.to(device, dtype)`` like any module.
    """

    def __init__(self, params: torch.Tensor, size: tuple[int, int], decorrelate: bool, name: str):
        super().__init__()
        self.params = nn.Parameter(params)
        self.size = (int(size[0]), int(size[1]))
        self.name = name if decorrelate else f"{name} (no colour decorrelation)"
        self.decorrelate = decorrelate
        self.register_buffer("colour", COLOUR_DECORRELATION.to(params.dtype), persistent=False)

    def logits(self) -> torch.Tensor:
        raise NotImplementedError

    def forward(self) -> torch.Tensor:
        z = self.logits()
        if self.decorrelate:
            z = torch.einsum("ij,njhw->nihw", self.colour, z)
        return torch.sigmoid(z)

    def __len__(self) -> int:
        return self.params.shape[0]


class FourierImage(ImageParam):
    """Images from 1/f-scaled spectra; ``params`` is (N, 3, H, W // 2 + 1, 2) (real, imaginary)."""

    def __init__(self, params: torch.Tensor, size: tuple[int, int], decorrelate: bool = True):
        super().__init__(params, size, decorrelate, "fourier")
        self.register_buffer("scale", spectrum_scale(*self.size).to(params.dtype)[..., None], persistent=False)

    def logits(self) -> torch.Tensor:
        # Scaling real and imaginary parts as reals is faster than a complex product.
        spectrum = torch.view_as_complex(self.params * self.scale)
        h, w = self.size
        # "ortho" makes the result independent of the size; /4 keeps the initial image
        # close to grey and the step per coefficient small against the sigmoid's range.
        # An explicit output size only where needed (odd width): on the CPU it makes
        # irfft2 several times slower.
        return torch.fft.irfft2(spectrum, s=(h, w) if w % 2 else None, norm="ortho") / 4


class PixelImage(ImageParam):
    """Images with one parameter per pixel; ``params`` is (N, 3, H, W)."""

    def __init__(self, params: torch.Tensor, size: tuple[int, int], decorrelate: bool = True):
        super().__init__(params, size, decorrelate, "pixel")

    def logits(self) -> torch.Tensor:
        return self.params


def _size(size) -> tuple[int, int]:
    h, w = (size, size) if isinstance(size, int) or not hasattr(size, "__len__") else size
    h, w = int(h), int(w)
    if h < 1 or w < 1:
        raise ValueError(f"Image size must be positive, got {h}x{w}.")
    return h, w


def fourier(size, streams: ImageStreams, *, decorrelate: bool = True, init_std: float = INIT_STD,
            dtype: torch.dtype = torch.float32) -> FourierImage:
    """One Fourier-parameterised image per stream.

    size : side in px, or (height, width)
    streams : the batch's random streams; image i's initial spectrum comes from stream i
    decorrelate : map colour through :data:`COLOUR_DECORRELATION`
    init_std : spread of the initial coefficients
    dtype : float32, or float64 for a float64 model (half precision has no FFT of every size)
    """
    h, w = _size(size)
    init = streams.normal((3, h, w // 2 + 1, 2), dtype=dtype) * init_std
    return FourierImage(init, (h, w), decorrelate)


def pixel(size, streams: ImageStreams, *, decorrelate: bool = True, init_std: float = INIT_STD,
          dtype: torch.dtype = torch.float32) -> PixelImage:
    """One pixel-parameterised image per stream; arguments as :func:`fourier`."""
    h, w = _size(size)
    init = streams.normal((3, h, w), dtype=dtype) * init_std
    return PixelImage(init, (h, w), decorrelate)


#: The parameterisations :func:`helpers.analyses.featureviz.visualize` accepts by name.
BY_NAME = {"fourier": fourier, "pixel": pixel}
