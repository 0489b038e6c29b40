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
- generated images in memory (``pixels``): the model organism's drawings
  (:func:`helpers.organism.world.measurement_stimuli`) and equalised sets
  (:mod:`helpers.stimuli.equalize`). ``schematic=True`` marks drawings, so that every
  title says they are not photographs.

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
from PIL import Image, ImageFile, ImageOps

from helpers.cache import checksum, digest_buffers

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


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
        256 -> 224 px.
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
