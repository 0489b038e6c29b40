"""Stimulus sets: labelled images ready for a network.

A :class:`StimulusSet` holds image references (file paths, or generated images in
memory), integer labels and category names, optional subcategory names (a dog's
breed), plus the preprocessing that turns an image into a network input. Two ways
to get one:

- :func:`load_folder` reads the layout researchers already use, one sub-folder per
  category (``root/face/*.jpg``, ``root/car/*.png``, ...; a further level of folders,
  ``root/dog/beagle/*.jpg``, names subcategories). Everything that is not used
  (corrupt, truncated, empty, not images, too small, too large, broken links,
  pipes, unreadable folders, stray files) is skipped and reported with its reason,
  never silently dropped.
- :func:`schematic` draws the offline set used by the ``quick`` profile: simple
  procedural drawings of faces, face-like objects (pareidolia), cars and dogs. They
  are *schematic*, not photographs; results on them are a rehearsal of the method,
  not the paper's findings.

:func:`concatenate` joins sets; :func:`check_name` is the rule for category names
(they become folder names).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFile, ImageOps

from .cache import checksum, digest_buffers

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


def check_name(name, what: str = "category") -> str:
    """``name`` if it can be a folder name of its own, else ValueError saying why.

    Category and subcategory names become folder names (:meth:`StimulusSet.save`,
    the demo set), so they must be non-empty text without path separators, not
    ``.`` or ``..``, not hidden (a leading ``.``) and without control characters.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"A {what} name must be non-empty text, got {name!r}.")
    bad = [c for c in ("/", "\\", "\0") if c in name] + (["control characters"]
                                                          if any(ord(c) < 32 for c in name) else [])
    if bad or name in (".", "..") or name.startswith(".") or name != name.strip():
        raise ValueError(f"{what.capitalize()} name {name!r} cannot be a folder name: use no path separators, "
                         "no leading dot, not '.' or '..', no surrounding spaces or control characters.")
    return name


# --------------------------------------------------------------------------- stimulus set


@dataclass(eq=False)
class StimulusSet:
    """Labelled images and the preprocessing that turns them into network inputs.

    Attributes
    ----------
    categories : list of str, category names (unique); ``categories[label]`` names a label
    labels : int64 array, shape (n_images,)
    paths : list of str, one per image: a file path, or an id such as ``schematic:face/0003``
        for images held in ``pixels``
    preprocess : :class:`Preprocess`
    skipped : list of (path, reason) for everything that was found but not used
    source : short description of where the images came from
    schematic : whether the images are the generated schematic drawings
    pixels : uint8 array (n_images, H, W, 3) with the images themselves (already at the
        network's size; ``preprocess`` then only normalises), or None when the images
        are the files at ``paths``
    subcategories : str array (n_images,), e.g. each dog's breed ("" for an image
        without one), or None when the set has no subcategories
    """

    categories: list[str]
    labels: np.ndarray
    paths: list[str]
    preprocess: Preprocess
    skipped: list[tuple[str, str]] = field(default_factory=list)
    source: str = ""
    schematic: bool = False
    pixels: np.ndarray | None = field(default=None, repr=False)
    subcategories: np.ndarray | None = None
    # file path -> ((size, mtime_ns, ctime_ns, inode, device), content checksum)
    _file_digests: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        self.categories = list(self.categories)
        self.paths = [str(p) for p in self.paths]
        self.labels = np.asarray(self.labels, dtype=np.int64)
        n = len(self.paths)
        if self.labels.shape != (n,):
            raise ValueError(f"labels has shape {self.labels.shape}, expected ({n},).")
        if len(self.labels) and (self.labels.min() < 0 or self.labels.max() >= len(self.categories)):
            raise ValueError("labels must index into categories.")
        dupes = sorted({c for c in self.categories if self.categories.count(c) > 1})
        if dupes:
            raise ValueError(f"Duplicate category names {dupes}: each category must be named once "
                             "(otherwise the same images would count for two labels).")
        if self.pixels is not None:
            self.pixels = np.asarray(self.pixels)
            if self.pixels.dtype != np.uint8 or self.pixels.ndim != 4 or self.pixels.shape[-1] != 3 \
                    or len(self.pixels) != n:
                raise ValueError(f"pixels must be a uint8 array ({n}, H, W, 3); got {self.pixels.dtype} "
                                 f"{self.pixels.shape}.")
        if self.subcategories is not None:
            self.subcategories = np.asarray(self.subcategories, dtype=str)
            if self.subcategories.shape != (n,):
                raise ValueError(f"subcategories has shape {self.subcategories.shape}, expected ({n},).")

    def __len__(self) -> int:
        return len(self.paths)

    def __repr__(self) -> str:
        counts = ", ".join(f"{c}: {n}" for c, n in self.counts().items())
        kind = "generated drawings" if self.schematic else "images"
        subs = ""
        if self.subcategories is not None:
            names = sorted({s for s in self.subcategories.tolist() if s})
            subs = f"; {len(names)} subcategories ({', '.join(names[:4])}{', ...' if len(names) > 4 else ''})"
        return (f"StimulusSet({len(self)} {kind}, {self.preprocess.crop} px; {counts}{subs}"
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
        if self.pixels is not None:
            return self.pixels[np.asarray(list(idx), dtype=np.int64)]
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
                           self.preprocess, [], self.source + f" (subset of {len(self)})", self.schematic,
                           None if self.pixels is None else self.pixels[idx],
                           None if self.subcategories is None else self.subcategories[idx])

    def fingerprint(self) -> str:
        """Hash of everything that determines the network inputs and the labels: pixels or
        file contents, labels, categories, subcategories and preprocessing. Used as part of
        cache keys.

        In-memory pixels are hashed at every call (an array edited in place is seen). A
        file's content hash is remembered together with its size, modification and
        status-change times and inode, and computed again whenever one of them changed,
        so an image edited after the set was loaded is never served stale.
        """
        head = repr((self.categories, self.labels.tolist(), self.preprocess.key(),
                     None if self.subcategories is None else self.subcategories.tolist())).encode()
        if self.pixels is not None:
            return digest_buffers([head, np.ascontiguousarray(self.pixels)])
        parts = [head]
        for p in self.paths:
            st = os.stat(p)
            stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
            memo = self._file_digests.get(p)
            if memo is None or memo[0] != stamp:
                memo = (stamp, checksum(p))
                self._file_digests[p] = memo
            parts.append(f"{Path(p).name}\0{memo[1]}\0".encode("utf-8", "surrogatepass"))
        return digest_buffers(parts)

    def save(self, root: str | Path) -> Path:
        """Write the images as PNG files in the one-folder-per-category layout
        (``root/<category>/[<subcategory>/]<name>.png``), which :func:`load_folder` reads back."""
        root = Path(root)
        for c in self.categories:
            check_name(c)
        used: set[Path] = set()
        for i in range(len(self)):
            folder = root / self.categories[self.labels[i]]
            sub = "" if self.subcategories is None else str(self.subcategories[i])
            if sub:
                folder = folder / check_name(sub, "subcategory")
            folder.mkdir(parents=True, exist_ok=True)
            stem = Path(self.paths[i]).stem if self.pixels is None else f"{i:04d}"
            out = folder / f"{stem}.png"
            if out in used:  # two files of one category with the same name in different folders
                out = folder / f"{stem}-{i:04d}.png"
            used.add(out)
            Image.fromarray(self.image(i)).save(out)
        return root


def concatenate(sets: Sequence[StimulusSet], categories: Sequence[str] | None = None,
                source: str | None = None) -> StimulusSet:
    """One set with the images of ``sets``, in order; categories of the same name merge.

    Parameters
    ----------
    sets : stimulus sets with the same preprocessing, all file-based or all in memory
        (the latter with images of one size)
    categories : the category order of the result (must name exactly the categories of
        ``sets``); default: first appearance
    source : description of the result; default: the sources joined with " + "

    Subcategories are kept; a set without them contributes "" for each image when
    another set has them. ``skipped`` lists are joined.
    """
    sets = list(sets)
    if not sets:
        raise ValueError("concatenate() needs at least one stimulus set.")
    first = sets[0]
    if any(s.preprocess != first.preprocess for s in sets):
        raise ValueError("Stimulus sets with different preprocessing cannot be concatenated.")
    in_memory = {s.pixels is not None for s in sets}
    if len(in_memory) > 1:
        raise ValueError("Cannot concatenate file-based and in-memory stimulus sets; save() the in-memory "
                         "one to a folder and load_folder() it first.")
    seen = list(dict.fromkeys(c for s in sets for c in s.categories))
    order = seen if categories is None else list(categories)
    if sorted(order) != sorted(seen):
        raise ValueError(f"categories {order} must name exactly the sets' categories {seen}.")
    labels = np.concatenate([np.asarray([order.index(s.categories[k]) for k in s.labels], dtype=np.int64)
                             for s in sets])
    pixels = None
    if in_memory == {True}:
        shapes = {s.pixels.shape[1:] for s in sets}
        if len(shapes) > 1:
            raise ValueError(f"In-memory sets hold images of different sizes {sorted(shapes)}.")
        pixels = np.concatenate([s.pixels for s in sets])
    subs = None
    if any(s.subcategories is not None for s in sets):
        subs = np.concatenate([s.subcategories if s.subcategories is not None else np.full(len(s), "")
                               for s in sets]).astype(str)
    return StimulusSet(order, labels, [p for s in sets for p in s.paths], first.preprocess,
                       [x for s in sets for x in s.skipped],
                       " + ".join(s.source for s in sets) if source is None else source,
                       all(s.schematic for s in sets), pixels, subs)


# --------------------------------------------------------------------------- folders


def check_image(path: str | Path, min_size: int = 16) -> tuple[int, int]:
    """Open and fully decode ``path``; return (width, height) or raise ValueError(reason).

    Reasons: empty file, unreadable, not an image PIL can read, corrupt or truncated,
    too large (PIL's decompression-bomb guard, ``Image.MAX_IMAGE_PIXELS``), or a short
    side below ``min_size`` px.
    """
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise ValueError("empty file (0 bytes)")
    except OSError as e:
        raise ValueError(f"cannot be read ({e.strerror or e})") from None
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
    except PermissionError as e:
        raise ValueError(f"cannot be read ({e.strerror or e})") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise ValueError(f"corrupt or truncated image ({e})") from None
    if min(w, h) < min_size:
        raise ValueError(f"too small ({w}x{h} px; at least {min_size} px needed on the short side)")
    return w, h


def _entries(folder: Path, skipped: list) -> list[Path]:
    """Every regular file below ``folder`` (symbolic links followed, loops refused),
    hidden names left out; everything else goes to ``skipped`` with its reason."""
    found: list[Path] = []

    def walk(d: Path, ancestors: frozenset) -> None:
        try:
            with os.scandir(d) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            skipped.append((str(d), f"folder cannot be read ({e.strerror or e}); its contents were left out"))
            return
        for e in entries:
            if e.name.startswith("."):
                continue  # hidden files (.DS_Store, the demo set's markers) are not stimuli
            p = Path(e.path)
            try:
                if e.is_dir():
                    real = os.path.realpath(p)
                    if real in ancestors:
                        skipped.append((str(p), "symbolic link back to a folder above it (a loop); left out"))
                    else:
                        walk(p, ancestors | {real})
                elif e.is_file():
                    found.append(p)
                elif e.is_symlink():
                    skipped.append((str(p), "broken symbolic link (its target does not exist)"))
                else:
                    skipped.append((str(p), "not a regular file (a pipe, socket or device)"))
            except OSError as err:
                skipped.append((str(p), f"cannot be read ({err.strerror or err})"))

    walk(folder, frozenset({os.path.realpath(folder)}))
    return sorted(found)


def scan_folder(folder: str | Path, min_size: int = 16) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """The usable images of one category folder.

    Returns (files, subcategories, skipped): image paths sorted by path; for each, the
    name of the first-level sub-folder it lies in ("" directly in ``folder``); and
    (path, reason) for every file or folder that was found but not used.
    """
    folder = Path(folder)
    skipped: list[tuple[str, str]] = []
    files, subs = [], []
    for path in _entries(folder, skipped):
        try:
            check_image(path, min_size)
        except ValueError as e:
            skipped.append((str(path), str(e)))
            continue
        files.append(str(path))
        rel = path.relative_to(folder).parts
        subs.append(rel[0] if len(rel) > 1 else "")
    return files, subs, skipped


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
    root : folder whose sub-folders are categories (``root/<category>/<image>``); a
        further level of folders names subcategories (``root/dog/beagle/<image>``)
    preprocess : resize/crop/normalisation; default ``Preprocess()``, ImageNet's
        256 -> 224 px. Use ``Preprocess.from_weights(w)`` for other torchvision weights.
    categories : sub-folders to use, in this order (default: all, sorted by name)
    min_size : images whose short side is below this (px) are skipped
    max_pixels : decompression-bomb guard in pixels (default: PIL's, about 89 megapixels)
    warn : emit one warning listing what was skipped

    Returns
    -------
    StimulusSet; ``skipped`` lists every file and folder that was not used, with the
    reason (hidden names, starting with ".", are not stimuli and not listed);
    ``subcategories`` is None unless some image lies in a sub-folder of its category.

    Raises
    ------
    FileNotFoundError if ``root`` does not exist or a requested category has no
    folder; NotADirectoryError if ``root`` is a file; ValueError for duplicate
    category names or fewer than two categories with usable images.
    """
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"Stimulus folder {root} does not exist; expected one sub-folder per category.")
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is a file, not a folder; pass the folder that holds one sub-folder "
                                 "per category (root/face/*.jpg, root/car/*.jpg, ...).")
    preprocess = preprocess or Preprocess()
    skipped: list[tuple[str, str]] = []
    folders = []
    try:
        with os.scandir(root) as it:
            top = sorted(it, key=lambda e: e.name)
    except OSError as e:
        raise OSError(f"Cannot read the stimulus folder {root} ({e.strerror or e}).") from None
    for e in top:
        if e.name.startswith("."):
            continue
        p = Path(e.path)
        if e.is_dir():
            folders.append(p)
        elif e.is_file():
            skipped.append((str(p), "file directly in the stimulus folder, not in a category sub-folder"))
        elif e.is_symlink():
            skipped.append((str(p), "broken symbolic link (its target does not exist)"))
        else:
            skipped.append((str(p), "not a regular file (a pipe, socket or device)"))
    if categories is not None:
        categories = [check_name(c) for c in categories]
        dupes = sorted({c for c in categories if categories.count(c) > 1})
        if dupes:
            raise ValueError(f"Categories {dupes} are listed more than once; name each category once.")
        by_name = {p.name: p for p in folders}
        missing = [c for c in categories if c not in by_name]
        if missing:
            raise FileNotFoundError(f"No sub-folder for categories {missing} in {root}; found {sorted(by_name)}.")
        folders = [by_name[c] for c in categories]

    old_limit = Image.MAX_IMAGE_PIXELS
    if max_pixels is not None:
        Image.MAX_IMAGE_PIXELS = max_pixels
    old_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    kept: list[tuple[str, list[str], list[str]]] = []
    try:
        for folder in folders:
            files, subs, bad = scan_folder(folder, min_size)
            skipped += bad
            if files:
                kept.append((folder.name, files, subs))
            else:
                skipped.append((str(folder), "category folder holds no usable image; category left out"))
    finally:
        Image.MAX_IMAGE_PIXELS = old_limit
        ImageFile.LOAD_TRUNCATED_IMAGES = old_truncated

    if warn and skipped:
        lines = [f"  {p}: {r}" for p, r in skipped[:20]]
        if len(skipped) > 20:
            lines.append(f"  ... and {len(skipped) - 20} more (see StimulusSet.skipped)")
        warnings.warn(f"{len(skipped)} item(s) in {root} skipped:\n" + "\n".join(lines), stacklevel=2)
    if len(kept) < 2:
        found = [name for name, _, _ in kept]
        raise ValueError(
            f"{root} has usable images in {len(kept)} categor{'y' if len(kept) == 1 else 'ies'} {found}; "
            "selectivity compares categories, so at least two sub-folders with images are needed "
            "(one sub-folder per category, e.g. root/face/*.jpg and root/car/*.jpg)."
        )
    names = [name for name, _, _ in kept]
    paths = [p for _, files, _ in kept for p in files]
    subs = [s for _, _, ss in kept for s in ss]
    labels = np.concatenate([np.full(len(files), k) for k, (_, files, _) in enumerate(kept)])
    return StimulusSet(names, labels, paths, preprocess, skipped, source=f"folder {root}",
                       subcategories=np.asarray(subs, dtype=str) if any(subs) else None)


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
    n_per_category: int = 24,
    size: int = 64,
    seed: int = 0,
    categories: Sequence[str] = SCHEMATIC_CATEGORIES,
) -> StimulusSet:
    """The generated offline stimulus set, deterministic for ``seed``.

    Parameters
    ----------
    n_per_category : images per category (24, the quick profile's, by default)
    size : image side in pixels (64, the quick profile's network input, by default)
    seed : image ``i`` of category ``k`` depends only on (seed, k, i), so a larger
        set extends a smaller one
    categories : any of ``face``, ``i-see-face``, ``car``, ``dog``

    Returns
    -------
    StimulusSet with ``schematic=True``; images live in memory (``pixels``).
    """
    n, size = int(n_per_category), int(size)
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
                       source=f"schematic drawings (seed={seed}, {size} px)", schematic=True, pixels=pixels)


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
class Equalised:
    """What :func:`equalise` returns.

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


def _check_equalise_input(images, uint8_only: bool) -> np.ndarray:
    if not isinstance(images, np.ndarray):
        raise ValueError(f"images must be a NumPy array (N, H, W, 3), got {type(images).__name__}.")
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be RGB with shape (N, H, W, 3), got shape {images.shape}; "
                         "add a batch axis for one image (images[None]).")
    if uint8_only and images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 (grey levels 0-255), got {images.dtype}; "
                         "for float images use equalise_exact.")
    if not (np.issubdtype(images.dtype, np.integer) or np.issubdtype(images.dtype, np.floating)):
        raise ValueError(f"images must hold numbers (grey levels 0-255), got {images.dtype}.")
    if len(images) == 0:
        raise ValueError("The stimulus set is empty: there is nothing to equalise.")
    if images.shape[1] < 2 or images.shape[2] < 2:
        raise ValueError(f"images must be at least 2x2 px, got {images.shape[1]}x{images.shape[2]}.")
    return images


def _equalise_targets(images: np.ndarray, mean, contrast, spectrum: bool):
    """First pass, image by image: flat images, the targets and the mean amplitude spectrum.

    Defaults, as SHINE's: the mean over images of each image's mean luma and of each
    image's luma standard deviation (images with contrast only, for the latter), and
    the mean amplitude spectrum of the images with contrast.
    """
    n, h, w, _ = images.shape
    means, stds = np.empty(n), np.empty(n)
    amp = np.zeros((h, w // 2 + 1)) if spectrum else None
    for i in range(n):
        y = luma(images[i])
        means[i], stds[i] = y.mean(), y.std()
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


def _equalise_one(image: np.ndarray, mean: float, contrast: float, amp, flat: bool) -> np.ndarray:
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


def equalise_exact(images: np.ndarray, mean: float | None = None, contrast: float | None = None,
                   spectrum: bool = False) -> np.ndarray:
    """The equalised images before rounding and clipping: float64 (N, H, W, 3) in grey levels.

    Arguments as :func:`equalise`; ``images`` may also be float grey levels (e.g. a
    previous result of this function). Every image with contrast then has the target
    mean luma and luma standard deviation up to float rounding, and with ``spectrum``
    the same luma amplitude spectrum, with its own phases. Memory: one float64 copy
    of the set; :func:`equalise` needs only one image at a time.
    """
    images = _check_equalise_input(images, uint8_only=False)
    mean, contrast, amp, flat = _equalise_targets(images, mean, contrast, spectrum)
    return np.stack([_equalise_one(im, mean, contrast, amp, f) for im, f in zip(images, flat)])


def equalise(images: np.ndarray, mean: float | None = None, contrast: float | None = None,
             spectrum: bool = False) -> Equalised:
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
    :class:`Equalised`: uint8 images, the targets, the clipped fraction per image (a
    ``UserWarning`` says when any pixel was clipped) and the flat images. Before
    rounding the targets are met exactly (:func:`equalise_exact`); after it, each
    image's mean luma and contrast are within half a grey level of them when nothing
    is clipped.
    """
    images = _check_equalise_input(images, uint8_only=True)
    mean, contrast, amp, flat = _equalise_targets(images, mean, contrast, spectrum)
    out = np.empty_like(images)
    clipped = np.empty(len(images))
    for i, (image, f) in enumerate(zip(images, flat)):
        exact = _equalise_one(image, mean, contrast, amp, f)
        clipped[i] = ((exact < 0) | (exact > 255)).any(axis=-1).mean()
        out[i] = np.clip(np.round(exact), 0, 255).astype(np.uint8)
    result = Equalised(out, mean, contrast, spectrum, clipped, np.flatnonzero(flat).astype(np.int64))
    if clipped.any():
        warnings.warn(f"Equalising clipped {result.clipped_fraction:.2%} of the pixels to [0, 255] "
                      f"(up to {clipped.max():.2%} in one image), so those images miss the targets; a lower "
                      "contrast or a mean nearer 127.5 clips less.", UserWarning, stacklevel=2)
    return result


def equalise_set(stimuli: StimulusSet, mean: float | None = None, contrast: float | None = None,
                 spectrum: bool = False) -> StimulusSet:
    """A new in-memory :class:`StimulusSet`: ``stimuli``'s images equalised by :func:`equalise`.

    The images are taken at the set's crop size (what the network sees); categories,
    labels, paths, preprocessing, skipped files and the schematic flag are kept, and
    ``source`` says what was done (targets, spectrum, clipped fraction). Its
    fingerprint differs from the original's, so cached activations are not mixed up.
    """
    eq = equalise(stimuli.images(), mean, contrast, spectrum)
    what = (f"equalised: mean luma {eq.mean:.1f}, RMS contrast {eq.contrast:.1f} grey levels"
            + (", luma amplitude spectra matched" if spectrum else "")
            + f", {eq.clipped_fraction:.2%} of pixels clipped (SHINE, Willenbockel et al. 2010)")
    return _stimulus_set_in_memory(stimuli, eq.images, f"{stimuli.source}; {what}" if stimuli.source else what)


def _stimulus_set_in_memory(like: StimulusSet, pixels: np.ndarray, source: str) -> StimulusSet:
    """A set like ``like`` whose images are ``pixels`` (uint8 (N, crop, crop, 3)).
    (The one place that passes pixels to the constructor.)"""
    return StimulusSet(list(like.categories), like.labels.copy(), list(like.paths), like.preprocess,
                       list(like.skipped), source, like.schematic, pixels=pixels)
