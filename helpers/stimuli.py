"""Stimulus sets: labelled images ready for a network.

A :class:`StimulusSet` holds image references (file paths, or generated images in
memory), integer labels and category names, plus the preprocessing that turns an
image into a network input. Two ways to get one:

- :func:`load_folder` reads the layout researchers already use, one sub-folder per
  category (``root/face/*.jpg``, ``root/car/*.png``, ...). Files that cannot be used
  (corrupt, truncated, empty, not images, too small, too large) are skipped and
  reported, never silently dropped.
- :func:`schematic` draws the offline set used by the ``quick`` profile: simple
  procedural drawings of faces, face-like objects (pareidolia), cars and dogs. They
  are *schematic*, not photographs; results on them are a rehearsal of the method,
  not the paper's findings.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFile, ImageOps

from .config import get_profile

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

SCHEMATIC_CATEGORIES = ("face", "i-see-face", "car", "dog")


# --------------------------------------------------------------------------- preprocessing


@dataclass(frozen=True)
class Preprocess:
    """Resize the shorter edge to ``resize`` px, centre-crop ``crop`` px, normalise.

    The defaults match torchvision's ``VGG16_Weights.IMAGENET1K_V1.transforms()``
    (bilinear resize to 256, centre crop 224, ImageNet mean and std).
    """

    resize: int = 256
    crop: int = 224
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD

    def __post_init__(self):
        if self.crop > self.resize:
            raise ValueError(f"crop ({self.crop}) must not exceed resize ({self.resize}).")

    @classmethod
    def for_profile(cls, profile=None) -> "Preprocess":
        p = get_profile(profile) if profile is None or isinstance(profile, str) else profile
        return cls(resize=p.resize, crop=p.image_size)

    @classmethod
    def from_weights(cls, weights) -> "Preprocess":
        """Read resize, crop, mean and std from a torchvision ``Weights`` enum member."""
        t = weights.transforms()
        return cls(resize=int(t.resize_size[0]), crop=int(t.crop_size[0]),
                   mean=tuple(float(v) for v in t.mean), std=tuple(float(v) for v in t.std))

    def key(self) -> dict:
        return {"resize": self.resize, "crop": self.crop, "mean": list(self.mean),
                "std": list(self.std), "interpolation": "bilinear"}

    def resize_crop(self, img: Image.Image) -> np.ndarray:
        """RGB PIL image -> uint8 array (crop, crop, 3), what the network will see."""
        w, h = img.size
        # Like torchvision: the short side becomes `resize`, the long side is truncated.
        if w <= h:
            nw, nh = self.resize, int(self.resize * h / w)
        else:
            nw, nh = int(self.resize * w / h), self.resize
        if (nw, nh) != (w, h):
            img = img.resize((nw, nh), Image.BILINEAR)
        left = int(round((nw - self.crop) / 2.0))
        top = int(round((nh - self.crop) / 2.0))
        img = img.crop((left, top, left + self.crop, top + self.crop))
        return np.asarray(img, dtype=np.uint8)

    def normalize(self, images: np.ndarray):
        """uint8 array (B, H, W, 3) -> float32 torch tensor (B, 3, H, W), normalised."""
        import torch

        images = np.ascontiguousarray(images)
        if not images.flags.writeable:  # torch warns about read-only buffers (PIL's arrays are)
            images = images.copy()
        x = torch.from_numpy(images).permute(0, 3, 1, 2).float().div_(255.0)
        mean = torch.tensor(self.mean, dtype=x.dtype).view(1, 3, 1, 1)
        std = torch.tensor(self.std, dtype=x.dtype).view(1, 3, 1, 1)
        return (x - mean) / std


def to_rgb(img: Image.Image, background=(255, 255, 255)) -> Image.Image:
    """Any PIL image -> 8-bit RGB.

    Transparent pixels are composited on ``background``; 16- and 32-bit greyscale is
    scaled to 8 bits (PIL's own ``convert('RGB')`` would clip it); CMYK and other
    colour spaces are converted; the EXIF orientation of photographs is applied.
    """
    img = ImageOps.exif_transpose(img)
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        if img.mode == "F":
            lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
            arr = (arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)
        else:
            arr = arr * (255.0 / top)
        img = Image.fromarray(np.clip(np.round(arr), 0, 255).astype(np.uint8), "L")
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, tuple(background) + (255,))
        img = Image.alpha_composite(canvas, rgba)
    return img.convert("RGB")


# --------------------------------------------------------------------------- stimulus set


@dataclass
class StimulusSet:
    """Labelled images and the preprocessing that turns them into network inputs.

    Attributes
    ----------
    categories : list of str, category names; ``categories[label]`` names a label
    labels : int64 array, shape (n_images,)
    paths : list of str, one per image: a file path, or ``schematic:<category>/<i>``
    preprocess : :class:`Preprocess`
    skipped : list of (path, reason) for files that could not be used
    source : short description of where the images came from
    subcategories : optional list of str, one per image: a finer label within the
        category (the breed of a dog), ``""`` where there is none; None when unused
    """

    categories: list[str]
    labels: np.ndarray
    paths: list[str]
    preprocess: Preprocess
    skipped: list[tuple[str, str]] = field(default_factory=list)
    source: str = ""
    schematic: bool = False
    _pixels: np.ndarray | None = field(default=None, repr=False)  # uint8 (n, H, W, 3) in memory
    _fingerprint: str | None = field(default=None, repr=False)
    subcategories: list[str] | None = None

    def __post_init__(self):
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if self.labels.shape != (len(self.paths),):
            raise ValueError(f"labels has shape {self.labels.shape}, expected ({len(self.paths)},).")
        if self.subcategories is not None and len(self.subcategories) != len(self.paths):
            raise ValueError(f"subcategories has {len(self.subcategories)} entries, expected {len(self.paths)}.")
        if len(self.labels) and (self.labels.min() < 0 or self.labels.max() >= len(self.categories)):
            raise ValueError("labels must index into categories.")

    def __len__(self) -> int:
        return len(self.paths)

    def __repr__(self) -> str:
        counts = ", ".join(f"{c}: {n}" for c, n in self.counts().items())
        kind = "SCHEMATIC (generated drawings)" if self.schematic else "images"
        return (f"StimulusSet({len(self)} {kind}, {self.preprocess.crop} px; {counts}"
                + (f"; {len(self.skipped)} files skipped" if self.skipped else "") + ")")

    def counts(self) -> dict[str, int]:
        """Images per category, in category order."""
        n = np.bincount(self.labels, minlength=len(self.categories))
        return {c: int(k) for c, k in zip(self.categories, n)}

    @property
    def label_names(self) -> np.ndarray:
        """Category name of each image, shape (n_images,)."""
        return np.asarray(self.categories, dtype=object)[self.labels]

    def images(self, indices: Sequence[int] | None = None) -> np.ndarray:
        """Resized and cropped images as uint8, shape (len(indices), crop, crop, 3)."""
        idx = range(len(self)) if indices is None else indices
        if self._pixels is not None:
            return self._pixels[np.asarray(list(idx), dtype=np.int64)]
        out = np.empty((len(idx), self.preprocess.crop, self.preprocess.crop, 3), np.uint8)
        for j, i in enumerate(idx):
            with Image.open(self.paths[i]) as img:
                out[j] = self.preprocess.resize_crop(to_rgb(img))
        return out

    def image(self, i: int) -> np.ndarray:
        """One image as the network sees it before normalisation, uint8 (crop, crop, 3)."""
        return self.images([i])[0]

    def batch(self, indices: Sequence[int]):
        """Network input for ``indices``: float32 tensor (len(indices), 3, crop, crop)."""
        return self.preprocess.normalize(self.images(indices))

    def subset(self, indices: Sequence[int]) -> "StimulusSet":
        """A new set with the images at ``indices`` (categories kept, even if emptied)."""
        idx = np.asarray(indices, dtype=np.int64)
        return StimulusSet(list(self.categories), self.labels[idx], [self.paths[i] for i in idx],
                           self.preprocess, [], self.source + f" (subset of {len(self)})",
                           self.schematic, None if self._pixels is None else self._pixels[idx],
                           subcategories=None if self.subcategories is None else [self.subcategories[i] for i in idx])

    def fingerprint(self) -> str:
        """Hash of everything that determines the network inputs: pixels or file bytes,
        labels, categories and preprocessing. Used as part of cache keys."""
        if self._fingerprint is None:
            h = hashlib.sha256()
            h.update(repr((self.categories, self.labels.tolist(), self.preprocess.key())).encode())
            if self._pixels is not None:
                h.update(np.ascontiguousarray(self._pixels).tobytes())
            else:
                for p in self.paths:
                    h.update(Path(p).name.encode("utf-8", "surrogatepass"))
                    with open(p, "rb") as f:
                        for chunk in iter(lambda: f.read(1 << 20), b""):
                            h.update(chunk)
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def save(self, root: str | Path) -> Path:
        """Write the images as PNG files in the one-folder-per-category layout."""
        root = Path(root)
        for c in self.categories:
            (root / c).mkdir(parents=True, exist_ok=True)
        for i in range(len(self)):
            name = Path(self.paths[i]).stem if self._pixels is None else f"{i:04d}"
            Image.fromarray(self.image(i)).save(root / self.categories[self.labels[i]] / f"{name}.png")
        return root


# --------------------------------------------------------------------------- folders


def _check_image(path: Path, min_size: int) -> tuple[int, int]:
    """Open and fully decode ``path``; return (width, height) or raise ValueError(reason)."""
    if path.stat().st_size == 0:
        raise ValueError("empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            # PIL only warns between MAX_IMAGE_PIXELS and twice that; treat it as the error it is.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.load()  # full decode: catches truncated files that open() alone accepts
                w, h = img.size
                to_rgb(img)
    except Image.DecompressionBombError as e:
        raise ValueError(f"too large: {e}") from None
    except Image.DecompressionBombWarning as e:
        raise ValueError(f"too large (decompression-bomb guard): {e}") from None
    except Image.UnidentifiedImageError:
        raise ValueError("not an image file PIL can read") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise ValueError(f"corrupt or truncated image ({e})") from None
    if min(w, h) < min_size:
        raise ValueError(f"too small ({w}x{h} px; at least {min_size} px needed on the short side)")
    return w, h


def load_folder(
    root: str | Path,
    preprocess: Preprocess | None = None,
    categories: Sequence[str] | None = None,
    min_size: int = 16,
    max_pixels: int | None = None,
    warn: bool = True,
) -> StimulusSet:
    """Load a stimulus folder with one sub-folder per category.

    Parameters
    ----------
    root : folder whose sub-folders are categories (``root/<category>/<image>``)
    preprocess : resize/crop/normalisation; default: the active profile's
        (ImageNet's 256 -> 224 for ``full``). Use ``Preprocess.from_weights(w)`` for
        other torchvision weights.
    categories : sub-folders to use, in this order (default: all, sorted by name)
    min_size : images whose short side is below this (px) are skipped
    max_pixels : decompression-bomb guard in pixels (default: PIL's, about 89 megapixels)
    warn : emit one warning listing skipped files

    Returns
    -------
    StimulusSet; ``skipped`` lists every file that was not used, with the reason.

    Raises
    ------
    FileNotFoundError if ``root`` does not exist; ValueError if fewer than two
    categories hold usable images (selectivity compares categories).
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"Stimulus folder {root} does not exist; expected one sub-folder per category.")
    preprocess = preprocess or Preprocess.for_profile()
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if categories is not None:
        by_name = {p.name: p for p in folders}
        missing = [c for c in categories if c not in by_name]
        if missing:
            raise FileNotFoundError(f"No sub-folder for categories {missing} in {root}; found {sorted(by_name)}.")
        folders = [by_name[c] for c in categories]
    stray = sorted(p.name for p in root.iterdir() if p.is_file() and not p.name.startswith("."))

    old_limit = Image.MAX_IMAGE_PIXELS
    if max_pixels is not None:
        Image.MAX_IMAGE_PIXELS = max_pixels
    old_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    skipped: list[tuple[str, str]] = []
    kept: list[tuple[str, list[str]]] = []
    try:
        for folder in folders:
            files = []
            for path in sorted(folder.rglob("*")):
                if not path.is_file() or any(part.startswith(".") for part in path.relative_to(folder).parts):
                    continue
                try:
                    _check_image(path, min_size)
                except ValueError as e:
                    skipped.append((str(path), str(e)))
                    continue
                files.append(str(path))
            if files:
                kept.append((folder.name, files))
            else:
                skipped.append((str(folder), "category folder holds no usable image; category left out"))
    finally:
        Image.MAX_IMAGE_PIXELS = old_limit
        ImageFile.LOAD_TRUNCATED_IMAGES = old_truncated

    if warn and (skipped or stray):
        lines = [f"  {p}: {r}" for p, r in skipped[:20]]
        if len(skipped) > 20:
            lines.append(f"  ... and {len(skipped) - 20} more (see StimulusSet.skipped)")
        if stray:
            lines.append(f"  files directly in {root} are not in any category and were ignored: {stray[:5]}")
        warnings.warn(f"{len(skipped)} item(s) in {root} skipped:\n" + "\n".join(lines), stacklevel=2)
    if len(kept) < 2:
        found = [name for name, _ in kept]
        raise ValueError(
            f"{root} has usable images in {len(kept)} categor{'y' if len(kept) == 1 else 'ies'} {found}; "
            "selectivity compares categories, so at least two sub-folders with images are needed "
            "(one sub-folder per category, e.g. root/face/*.jpg and root/car/*.jpg)."
        )
    names = [name for name, _ in kept]
    paths = [p for _, files in kept for p in files]
    labels = np.concatenate([np.full(len(files), k) for k, (_, files) in enumerate(kept)])
    return StimulusSet(names, labels, paths, preprocess, skipped, source=f"folder {root}")


# --------------------------------------------------------------------------- schematic drawings


def _colour(rng, base, spread=40):
    return tuple(int(np.clip(v + rng.normal(0, spread), 0, 255)) for v in base)


def _background(rng, size):
    """Shared by every category: a random colour gradient with faint clutter, so the
    background carries no information about the category."""
    a, b = rng.uniform(40, 220, 3), rng.uniform(40, 220, 3)
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:size, 0:size] / size
    t = (np.cos(angle) * xx + np.sin(angle) * yy)
    t = (t - t.min()) / (np.ptp(t) + 1e-9)
    img = a[None, None] * (1 - t[..., None]) + b[None, None] * t[..., None]
    img += rng.normal(0, 6, img.shape)
    canvas = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(canvas, "RGBA")
    for _ in range(rng.integers(2, 6)):
        x, y = rng.uniform(0, size, 2)
        r = rng.uniform(0.05, 0.2) * size
        col = tuple(int(v) for v in rng.uniform(0, 255, 3)) + (int(rng.uniform(30, 80)),)
        if rng.random() < 0.5:
            draw.ellipse([x - r, y - r, x + r, y + r], fill=col)
        else:
            draw.rectangle([x - r, y - r / 2, x + r, y + r / 2], fill=col)
    return canvas


def _draw_face(d, rng, s):
    """A frontal schematic face centred at (s/2, s/2) in an s x s layer."""
    c = s / 2
    tone = np.array(rng.choice([[240, 200, 170], [200, 150, 110], [140, 95, 65], [90, 60, 45]]))
    skin = tuple(int(v) for v in np.clip(tone * rng.uniform(0.85, 1.12), 0, 255))  # one shift: no green faces
    hw, hh = s * rng.uniform(0.30, 0.36), s * rng.uniform(0.40, 0.46)
    for sx in (-1, 1):  # ears
        d.ellipse([c + sx * hw - s * 0.05, c - s * 0.06, c + sx * hw + s * 0.05, c + s * 0.08], fill=skin)
    d.ellipse([c - hw, c - hh, c + hw, c + hh], fill=skin)
    if rng.random() < 0.8:  # hair
        hair = _colour(rng, rng.choice([[30, 25, 20], [110, 70, 30], [200, 170, 90], [150, 150, 150]]), 15)
        d.chord([c - hw, c - hh, c + hw, c + hh * 0.4], 180, 360, fill=hair)
    eye_y, eye_dx = c - hh * rng.uniform(0.05, 0.2), hw * rng.uniform(0.38, 0.5)
    er = s * rng.uniform(0.045, 0.06)
    iris = _colour(rng, rng.choice([[60, 40, 20], [40, 90, 150], [60, 110, 60]]), 15)
    for sx in (-1, 1):
        ex = c + sx * eye_dx
        d.ellipse([ex - er * 1.5, eye_y - er, ex + er * 1.5, eye_y + er], fill=(250, 250, 250))
        d.ellipse([ex - er * 0.7, eye_y - er * 0.7, ex + er * 0.7, eye_y + er * 0.7], fill=iris)
        d.ellipse([ex - er * 0.3, eye_y - er * 0.3, ex + er * 0.3, eye_y + er * 0.3], fill=(10, 10, 10))
        d.line([ex - er * 1.6, eye_y - er * 2.0, ex + er * 1.6, eye_y - er * 2.2], fill=(50, 35, 25), width=max(1, int(s * 0.02)))
    dark = tuple(int(v * 0.7) for v in skin)
    nose_y = c + hh * rng.uniform(0.15, 0.3)
    d.polygon([(c, eye_y + er), (c - s * 0.04, nose_y), (c + s * 0.04, nose_y)], fill=dark)
    my, mw = c + hh * rng.uniform(0.5, 0.62), hw * rng.uniform(0.35, 0.55)
    lips = _colour(rng, [170, 70, 70], 20)
    d.chord([c - mw, my - s * 0.05, c + mw, my + s * 0.05], 0, 180, fill=lips)


def _draw_pareidolia(d, rng, s):
    """An object whose parts happen to form two eyes and a mouth."""
    c = s / 2
    kind = rng.integers(3)
    if kind == 0:  # house front: windows as eyes, door as mouth
        wall = _colour(rng, rng.choice([[200, 190, 160], [170, 80, 60], [120, 140, 160]]), 25)
        w, h = s * rng.uniform(0.32, 0.4), s * rng.uniform(0.26, 0.32)
        d.rectangle([c - w, c - h * 0.6, c + w, c + h * 1.3], fill=wall)
        d.polygon([(c - w * 1.15, c - h * 0.6), (c + w * 1.15, c - h * 0.6), (c, c - h * 1.6)],
                  fill=_colour(rng, [110, 50, 40], 25))
        glass = _colour(rng, [40, 50, 70], 20)
        for sx in (-1, 1):
            x = c + sx * w * 0.5
            d.rectangle([x - w * 0.2, c - h * 0.35, x + w * 0.2, c + h * 0.05], fill=glass)
        d.rectangle([c - w * 0.35, c + h * 0.55, c + w * 0.35, c + h * 1.3], fill=_colour(rng, [70, 45, 30], 20))
    elif kind == 1:  # wall socket: two slots and a round earth hole
        plate = _colour(rng, rng.choice([[235, 235, 225], [200, 200, 190], [60, 60, 60]]), 12)
        r = s * rng.uniform(0.3, 0.38)
        d.rounded_rectangle([c - r, c - r, c + r, c + r], radius=r * 0.25, fill=plate)
        hole = tuple(int(v * 0.25) for v in plate) if sum(plate) > 300 else (220, 220, 210)
        for sx in (-1, 1):
            x = c + sx * r * 0.4
            d.rounded_rectangle([x - r * 0.08, c - r * 0.45, x + r * 0.08, c - r * 0.05], radius=r * 0.05, fill=hole)
        d.chord([c - r * 0.35, c + r * 0.1, c + r * 0.35, c + r * 0.55], 0, 180, fill=hole)
    else:  # rock or tree stump: two knot holes and a crack
        base = _colour(rng, rng.choice([[120, 110, 100], [130, 90, 55], [90, 100, 80]]), 20)
        n = 12
        ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
        rad = s * 0.36 * rng.uniform(0.8, 1.1, n)
        d.polygon([(c + r_ * np.cos(a_), c + r_ * np.sin(a_)) for a_, r_ in zip(ang, rad)], fill=base)
        holes = tuple(int(v * 0.3) for v in base)
        for sx in (-1, 1):
            x, y, r = c + sx * s * 0.12, c - s * 0.07, s * rng.uniform(0.04, 0.065)
            d.ellipse([x - r, y - r * 0.8, x + r, y + r * 0.8], fill=holes)
        pts = [(c - s * 0.14 + k * s * 0.07, c + s * 0.12 + rng.uniform(-1, 1) * s * 0.02) for k in range(5)]
        d.line(pts, fill=holes, width=max(1, int(s * 0.025)))


def _draw_car(d, rng, s):
    """A side view of a car, facing right (mirrored later at random)."""
    c = s / 2
    body = _colour(rng, rng.choice([[180, 30, 30], [30, 60, 160], [220, 220, 220], [40, 40, 40], [230, 190, 40]]), 25)
    L, H = s * rng.uniform(0.40, 0.46), s * rng.uniform(0.09, 0.12)
    y0 = c + s * 0.02
    d.rounded_rectangle([c - L, y0 - H, c + L, y0 + H], radius=H * 0.6, fill=body)
    roof = y0 - H - s * rng.uniform(0.12, 0.16)
    d.polygon([(c - L * 0.55, y0 - H), (c - L * 0.35, roof), (c + L * 0.25, roof), (c + L * 0.55, y0 - H)], fill=body)
    glass = _colour(rng, [150, 190, 220], 20)
    d.polygon([(c - L * 0.47, y0 - H), (c - L * 0.32, roof + s * 0.02), (c - L * 0.05, roof + s * 0.02), (c - L * 0.05, y0 - H)], fill=glass)
    d.polygon([(c + L * 0.02, y0 - H), (c + L * 0.02, roof + s * 0.02), (c + L * 0.22, roof + s * 0.02), (c + L * 0.45, y0 - H)], fill=glass)
    d.ellipse([c + L * 0.88, y0 - H * 0.6, c + L, y0 - H * 0.1], fill=(250, 240, 180))
    wr = s * rng.uniform(0.07, 0.09)
    for wx in (c - L * 0.6, c + L * 0.6):
        d.ellipse([wx - wr, y0 + H - wr, wx + wr, y0 + H + wr], fill=(20, 20, 20))
        d.ellipse([wx - wr * 0.5, y0 + H - wr * 0.5, wx + wr * 0.5, y0 + H + wr * 0.5], fill=(170, 170, 175))


def _draw_dog(d, rng, s):
    """A side view of a dog, facing right (mirrored later at random)."""
    c = s / 2
    coat = _colour(rng, rng.choice([[150, 100, 50], [40, 30, 25], [230, 220, 200], [200, 160, 90], [110, 110, 110]]), 20)
    dark = tuple(int(v * 0.6) for v in coat)
    bl, bh = s * rng.uniform(0.22, 0.28), s * rng.uniform(0.10, 0.13)
    by = c + s * 0.02
    leg_w, leg_h = s * 0.035, s * rng.uniform(0.14, 0.2)
    for lx in (c - bl * 0.75, c - bl * 0.5, c + bl * 0.5, c + bl * 0.75):
        d.rectangle([lx - leg_w, by, lx + leg_w, by + bh + leg_h], fill=coat if lx > c - bl * 0.6 else dark)
    d.ellipse([c - bl, by - bh, c + bl, by + bh], fill=coat)
    tail_up = rng.uniform(0.1, 0.25) * s
    d.line([(c - bl * 0.95, by - bh * 0.4), (c - bl * 1.35, by - bh * 0.4 - tail_up)], fill=coat, width=max(2, int(s * 0.035)))
    hx, hy, hr = c + bl * 1.0, by - bh - s * rng.uniform(0.04, 0.08), s * rng.uniform(0.08, 0.1)
    d.polygon([(c + bl * 0.6, by - bh * 0.6), (hx - hr * 0.3, hy), (hx + hr * 0.2, hy + hr), (c + bl * 0.9, by)], fill=coat)
    d.ellipse([hx - hr, hy - hr, hx + hr, hy + hr], fill=coat)
    d.ellipse([hx + hr * 0.3, hy - hr * 0.1, hx + hr * 1.9, hy + hr * 0.65], fill=coat)  # snout
    d.ellipse([hx + hr * 1.6, hy - hr * 0.05, hx + hr * 2.0, hy + hr * 0.3], fill=(15, 10, 10))  # nose
    d.ellipse([hx + hr * 0.2, hy - hr * 0.45, hx + hr * 0.5, hy - hr * 0.15], fill=(15, 10, 10))  # eye
    if rng.random() < 0.5:  # floppy ear
        d.ellipse([hx - hr * 0.9, hy - hr * 0.6, hx - hr * 0.1, hy + hr * 0.9], fill=dark)
    else:  # pointed ear
        d.polygon([(hx - hr * 0.7, hy - hr * 0.5), (hx - hr * 0.1, hy - hr * 0.8), (hx - hr * 0.5, hy - hr * 1.9)], fill=dark)
    if rng.random() < 0.3:  # spots
        for _ in range(rng.integers(2, 6)):
            x, y, r = c + rng.uniform(-bl, bl) * 0.7, by + rng.uniform(-bh, bh) * 0.5, s * 0.03
            d.ellipse([x - r, y - r, x + r, y + r], fill=dark)


_DRAWERS = {"face": _draw_face, "i-see-face": _draw_pareidolia, "car": _draw_car, "dog": _draw_dog}


def draw_schematic(category: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """One schematic image of ``category``: uint8 array (size, size, 3).

    Drawn at twice the size and downsampled (anti-aliasing), on a random background,
    with random position, scale, rotation, mirror image and colours.
    """
    if category not in _DRAWERS:
        raise ValueError(f"No drawing for category {category!r}; choose from {list(_DRAWERS)}.")
    big = 2 * size
    canvas = _background(rng, big)
    s = int(big * rng.uniform(0.6, 0.9))
    layer = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    _DRAWERS[category](ImageDraw.Draw(layer), rng, s)
    if rng.random() < 0.5:
        layer = ImageOps.mirror(layer)
    layer = layer.rotate(float(rng.uniform(-15, 15)), resample=Image.BICUBIC)
    x = int(rng.uniform(0, big - s + 1))
    y = int(rng.uniform(0, big - s + 1))
    canvas.paste(layer, (x, y), layer)
    return np.asarray(canvas.resize((size, size), Image.LANCZOS), dtype=np.uint8)


def schematic(
    n_per_category: int | None = None,
    size: int | None = None,
    seed: int = 0,
    categories: Sequence[str] = SCHEMATIC_CATEGORIES,
) -> StimulusSet:
    """The generated offline stimulus set, deterministic for ``seed``.

    Parameters
    ----------
    n_per_category : images per category (default: the profile's; 24 for ``quick``)
    size : image side in pixels (default: the profile's input size)
    seed : image ``i`` of category ``k`` depends only on (seed, k, i), so a larger
        set extends a smaller one
    categories : any of ``face``, ``i-see-face``, ``car``, ``dog``

    Returns
    -------
    StimulusSet with ``schematic=True``; images live in memory.
    """
    prof = get_profile()
    n = prof.n_per_category if n_per_category is None else int(n_per_category)
    size = prof.image_size if size is None else int(size)
    if n < 1 or size < 16:
        raise ValueError("schematic() needs n_per_category >= 1 and size >= 16 px.")
    pixels = np.empty((n * len(categories), size, size, 3), np.uint8)
    paths, labels = [], []
    for k, cat in enumerate(categories):
        code = SCHEMATIC_CATEGORIES.index(cat) if cat in SCHEMATIC_CATEGORIES else k
        for i in range(n):
            pixels[k * n + i] = draw_schematic(cat, size, np.random.default_rng([seed, code, i]))
            paths.append(f"schematic:{cat}/{i:04d}")
            labels.append(k)
    return StimulusSet(list(categories), np.array(labels), paths, Preprocess(resize=size, crop=size),
                       source=f"schematic drawings (seed={seed}, {size} px)", schematic=True, _pixels=pixels)


def default_stimuli(profile=None) -> StimulusSet:
    """The active profile's stimulus set: schematic drawings for ``quick``; for
    ``full``, the demo photographs when available (see ``helpers.datasets``)."""
    prof = get_profile(profile) if profile is None or isinstance(profile, str) else profile
    if prof.stimuli == "schematic":
        return schematic(prof.n_per_category, prof.image_size)
    try:
        from . import datasets
    except ImportError:  # pragma: no cover - datasets arrives with the demo-set issue
        datasets = None
    if datasets is None:
        raise RuntimeError("The demo photographs are not available in this version; "
                           "set COURSE_PROFILE=quick or pass your own folder to load_folder().")
    return datasets.demo_set(preprocess=Preprocess.for_profile(prof))
