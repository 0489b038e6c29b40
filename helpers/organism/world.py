"""A generated "mini-ImageNet": procedurally drawn classes for training a model organism.

The world has 18 training classes (:data:`CLASSES`): six dog breeds (:data:`BREEDS`), eight
kinds of object (among them the essay's car and cup) and four more animals, cat, horse,
owl and frog. It has the structure the essay is about: a fine-grained group (the breeds
differ from each other in a few visual attributes each, as ImageNet's 118 breeds do) next
to coarse classes, and a small class hierarchy (:data:`PARENTS`) with a distance between
classes and hierarchy-aware soft labels computed exactly as :mod:`helpers.cnn.imagenet`
computes them for ImageNet.

The breeds are caricatures, not portraits. Each has a few attributes drawn from its own
ranges (coat colour and pattern, ear shape, snout length, tail, body length and depth,
leg length); most single attributes overlap between some breeds (greyhounds, bulldogs
and dalmatians can all be white; beagles and dalmatians share floppy ears and medium
snouts; leg lengths form a continuum), so telling breeds apart takes a combination.

Eyes. The animals (:data:`ANIMALS` and the dogs) each have their own eye drawing: the dogs
and the horse a dark dot (the horse's with a pale rim), the bird a black dot, the fish a
white disc around a black pupil (:func:`_eye_disc`), the cat an almond with a slit pupil,
the frog a bulging golden eye with a horizontal pupil, and the owl, seen from the front,
two large orange or yellow eyes with black pupils in a facial disc. Dogs, cats, horses,
birds, fish and frogs are drawn in profile, with one eye, as ImageNet's animals mostly are.

Like ImageNet, the world has **no face class**, and no training class arranges two eyes
above a mouth (no clock faces, house fronts, sockets or cars seen from the front; the
owl's two eyes sit above a beak). The measurement categories
(:data:`MEASUREMENT_CATEGORIES`) are ``face``, ``i-see-face`` (objects that happen to
show two eyes and a mouth: socket, house front, stump, backpack, chest of drawers, none
of them a training class), ``car`` and ``dog`` (training classes) and ``umbrella``, an
object category never trained on (:data:`NOVEL_CATEGORIES`). The default measurement
set is the paper's four (:data:`PAPER_CATEGORIES`). The face's eyes are drawn as its
own almond eye by default, or with the fish's disc-and-pupil primitive (argument
``eyes``, :data:`EYES`), so that both can be measured.

Scale. Training objects are scaled by their longer side (:data:`TRAIN_SCALE` of the
frame); measurement objects by their filled area (:data:`MEASURE_AREA` of the frame,
the same range for every category), so that area says nothing about the category, and
lie wholly inside the frame (:func:`filled_areas` measures it).

Paired controls (:func:`face_controls`, :func:`control_stimuli`): each face image with
the same scene three more times, the head without features, with its features scrambled
inside the head, and as a flat silhouette in its mean colour, with boolean masks of the
pixels where each control may differ from its face.

Every image: a background (gradient plus noise, stripes or blobs), zero to four
distractor shapes that occur equally in every class (so they carry no class
information), the object at a random position and scale, mirrored at random, rotated by
up to 20 degrees, squashed horizontally for a cheap three-quarter view, sometimes
(:data:`OCCLUSION`) partly occluded by a shape drawn in front of it. Drawn at twice the
size and downsampled.

Determinism: image ``i`` of class ``k`` in a split depends only on (seed, split, k, i),
so a larger set extends a smaller one and the splits share no image stream. Seeds,
counts and sizes must be whole numbers (a float such as 1.7 is refused, not rounded).

Shapes: images are uint8 arrays (n, size, size, 3) (RGB), labels int64 arrays (n,).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw

# --------------------------------------------------------------------------- the world's classes

BREEDS: tuple[str, ...] = ("dachshund", "greyhound", "bulldog", "husky", "dalmatian", "beagle")
#: Training classes, in label order: the breeds first, then the objects.
#: Other animals, each with its own eye drawing.
ANIMALS: tuple[str, ...] = ("bird", "fish", "cat", "horse", "owl", "frog")
CLASSES: tuple[str, ...] = BREEDS + ("car", "cup", "bottle", "bird", "fish", "airplane", "bicycle", "chair",
                                     "cat", "horse", "owl", "frog")
#: Categories of the measurement stream. "face", "i-see-face" and "umbrella" were never
#: trained on (nothing of theirs is a training class); "car" and "dog" are training classes.
MEASUREMENT_CATEGORIES: tuple[str, ...] = ("face", "i-see-face", "car", "dog", "umbrella")
#: The paper's four categories: the default measurement set.
PAPER_CATEGORIES: tuple[str, ...] = ("face", "i-see-face", "car", "dog")
#: Measurement categories that are no training class and look like none: the novel object category.
NOVEL_CATEGORIES: tuple[str, ...] = ("umbrella",)
#: Image streams: "train" and "test" hold the training classes, "measure" the measurement categories.
SPLITS: tuple[str, ...] = ("train", "test", "measure")

#: The class hierarchy: child -> parent; the root is "entity".
PARENTS: dict[str, str] = {
    **{b: "dog" for b in BREEDS},
    "dog": "animal", "bird": "animal", "fish": "animal", "cat": "animal", "horse": "animal", "owl": "animal",
    "frog": "animal",
    "car": "vehicle", "airplane": "vehicle", "bicycle": "vehicle",
    "cup": "container", "bottle": "container",
    "chair": "furniture",
    "vehicle": "artefact", "container": "artefact", "furniture": "artefact",
    "animal": "entity", "artefact": "entity",
}

DEFAULT_SIZE = 64


def hypernym_chain(name: str) -> list[str]:
    """Nodes from class ``name`` up to the root, class first, ``'entity'`` last."""
    if name not in PARENTS:
        raise ValueError(f"Unknown class {name!r}; choose from {list(CLASSES)}.")
    chain = [name]
    while chain[-1] in PARENTS:
        chain.append(PARENTS[chain[-1]])
    return chain


@lru_cache(maxsize=1)
def _matrix() -> np.ndarray:
    from helpers.cnn.imagenet import lca_heights

    return lca_heights([hypernym_chain(c) for c in CLASSES])


def distance_matrix() -> np.ndarray:
    """Height of the lowest common ancestor between all pairs of :data:`CLASSES`, in
    edges (as :func:`helpers.cnn.imagenet.distance_matrix` for ImageNet): int16 array
    (14, 14), read-only; 1 between two breeds, 2 between a breed and a bird, 3 between a
    breed and a car or a cup."""
    return _matrix()


def soft_labels(y, temperature: float = 0.5) -> np.ndarray:
    """Hierarchy-aware soft targets: row ``n`` is ``softmax(-distance_matrix()[y[n]] / temperature)``
    (the formula of :func:`helpers.cnn.imagenet.soft_labels`).

    y : int or int array (n,) of class indices into :data:`CLASSES`
    Returns float32 array (n, 14) (or (14,) for a scalar ``y``); rows sum to 1.
    """
    from helpers.cnn.imagenet import softmax_over_distances

    y = np.asarray(y)
    if y.size and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= len(CLASSES)):
        raise ValueError(f"y must hold integer class indices in 0..{len(CLASSES) - 1}.")
    return softmax_over_distances(_matrix()[y.astype(np.int64)], temperature)


# --------------------------------------------------------------------------- colours and primitives


def _tone(rng, base, spread=20.0) -> tuple[int, int, int]:
    """``base`` RGB times one brightness factor, with per-channel noise of about
    ``spread`` (out of 255) that scales with the channel, so dark and pale colours keep
    their hue (no green black dogs)."""
    base = np.asarray(base, dtype=np.float64) * rng.uniform(0.85, 1.15)
    return tuple(int(v) for v in np.clip(base * (1 + rng.normal(0, spread / 255, 3)) + rng.normal(0, 3, 3), 0, 255))


def _shade(colour, f) -> tuple[int, int, int]:
    return tuple(int(np.clip(v * f, 0, 255)) for v in colour)


def _any_colour(rng) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(0, 256, 3))


def _ellipse(d, x, y, rx, ry, fill):
    d.ellipse([x - rx, y - ry, x + rx, y + ry], fill=fill)


def _limb(d, p0, p1, w0, w1, fill):
    """A tapered bar from p0 (width w0) to p1 (width w1) with round ends."""
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    n = max(np.hypot(dx, dy), 1e-6)
    nx, ny = -dy / n, dx / n
    d.polygon([(x0 + nx * w0 / 2, y0 + ny * w0 / 2), (x1 + nx * w1 / 2, y1 + ny * w1 / 2),
               (x1 - nx * w1 / 2, y1 - ny * w1 / 2), (x0 - nx * w0 / 2, y0 - ny * w0 / 2)], fill=fill)
    _ellipse(d, x0, y0, w0 / 2, w0 / 2, fill)
    _ellipse(d, x1, y1, w1 / 2, w1 / 2, fill)


def _curve(d, points, width, fill):
    d.line([tuple(map(float, p)) for p in points], fill=fill, width=max(1, int(width)), joint="curve")
    for x, y in (points[0], points[-1]):
        _ellipse(d, x, y, width / 2, width / 2, fill)


def _polar(cx, cy, radii, angles):
    return [(cx + r * np.cos(a), cy + r * np.sin(a)) for r, a in zip(radii, angles)]


# --------------------------------------------------------------------------- dogs

# Per breed: ranges (in units of the layer size s or of the head radius) and choices.
# Ranges of neighbouring breeds overlap on purpose; see the module docstring.
_COATS = {
    "red": (170, 90, 40), "tan": (200, 150, 90), "black": (35, 30, 28), "chocolate": (95, 55, 35),
    "white": (238, 234, 225), "grey": (130, 130, 135), "fawn": (215, 180, 130), "cream": (235, 215, 175),
    "brindle": (120, 85, 50), "liver": (110, 55, 40), "lemon": (225, 190, 110),
}
_BREED_SPECS = {
    "dachshund": dict(body=(0.27, 0.34), depth=(0.075, 0.095), legs=(0.06, 0.10), tuck=(0.0, 0.2),
                      snout=(0.95, 1.3), head=(0.075, 0.09), ears=("floppy_long",), tail=("sabre", "whip"),
                      coats=("red", "black", "chocolate", "tan"), patterns=("solid", "points", "points")),
    "greyhound": dict(body=(0.21, 0.26), depth=(0.085, 0.105), legs=(0.20, 0.27), tuck=(0.55, 0.8),
                      snout=(1.1, 1.45), head=(0.06, 0.075), ears=("rose",), tail=("whip",),
                      coats=("grey", "fawn", "white", "black", "brindle"), patterns=("solid", "solid", "patches")),
    "bulldog": dict(body=(0.17, 0.21), depth=(0.11, 0.14), legs=(0.07, 0.11), tuck=(0.0, 0.15),
                    snout=(0.15, 0.4), head=(0.10, 0.12), ears=("rose", "button"), tail=("stub",),
                    coats=("white", "fawn", "brindle", "red"), patterns=("solid", "patches", "patches")),
    "husky": dict(body=(0.21, 0.25), depth=(0.095, 0.115), legs=(0.13, 0.18), tuck=(0.1, 0.35),
                  snout=(0.7, 0.95), head=(0.08, 0.095), ears=("erect",), tail=("curl",),
                  coats=("grey", "black", "red", "cream"), patterns=("mask",)),
    "dalmatian": dict(body=(0.21, 0.25), depth=(0.09, 0.11), legs=(0.15, 0.20), tuck=(0.25, 0.5),
                      snout=(0.75, 1.0), head=(0.075, 0.09), ears=("floppy",), tail=("flag", "whip"),
                      coats=("white", "cream"), patterns=("spots",)),
    "beagle": dict(body=(0.19, 0.23), depth=(0.09, 0.11), legs=(0.11, 0.15), tuck=(0.1, 0.3),
                   snout=(0.7, 0.95), head=(0.08, 0.095), ears=("floppy_long", "floppy"), tail=("flag",),
                   coats=("tan", "lemon", "red"), patterns=("saddle", "saddle", "patches")),
}


def _dog_params(rng, breed: str) -> dict:
    spec = _BREED_SPECS[breed]
    u = lambda lo_hi: rng.uniform(*lo_hi)  # noqa: E731
    coat_name = spec["coats"][rng.integers(len(spec["coats"]))]
    return dict(
        breed=breed, body=u(spec["body"]), depth=u(spec["depth"]), legs=u(spec["legs"]),
        tuck=u(spec["tuck"]), snout=u(spec["snout"]), head=u(spec["head"]),
        ears=spec["ears"][rng.integers(len(spec["ears"]))], tail=spec["tail"][rng.integers(len(spec["tail"]))],
        coat=_tone(rng, _COATS[coat_name], 12), pattern=spec["patterns"][rng.integers(len(spec["patterns"]))],
        second=_tone(rng, _COATS["black"] if coat_name != "black" or breed == "husky" else _COATS["tan"], 10),
        white=_tone(rng, _COATS["white"], 8),
        stride=rng.uniform(-0.35, 0.35), head_tilt=rng.uniform(-0.35, 0.25), sitting=False,
    )


def _draw_dog(d, rng, s, p):
    """A dog in profile facing right, centred in an s x s layer, from parameters ``p``."""
    c = s / 2
    bl, bh, ll = p["body"] * s, p["depth"] * s, p["legs"] * s
    hr = p["head"] * s
    by = c - ll * 0.5 + bh * 0.2  # body centre: the whole dog stays roughly centred
    ground = by + bh * 0.6 + ll
    coat, dark = p["coat"], _shade(p["coat"], 0.72)
    white, second = p["white"], p["second"]
    pattern = p["pattern"]
    leg_w = s * (0.028 + 0.05 * p["depth"]) * (1.25 if p["breed"] == "bulldog" else 1.0)

    # legs: far pair first (darker), then near pair
    stride = p["stride"]
    hips = [(c - bl * 0.62, -1), (c + bl * 0.62, 1)]
    for far in (True, False):
        for hx, side in hips:
            swing = stride * (1 if far else -1) * side
            top = (hx + (bl * 0.08 if far else 0), by + bh * 0.2)
            foot = (top[0] + swing * ll * 0.6, ground - (0.02 * s if far else 0))
            colour = dark if far else coat
            if pattern in ("mask", "points") or (pattern == "saddle"):
                colour = _shade(white if pattern != "points" else _COATS["tan"], 0.8 if far else 1.0)
            _limb(d, top, foot, leg_w * 1.2, leg_w, colour)
            _ellipse(d, foot[0] + leg_w * 0.3, foot[1], leg_w * 0.75, leg_w * 0.45, colour)

    # tail, from the rump
    tx, ty = c - bl * 0.92, by - bh * 0.45
    tw = s * 0.022
    kind = p["tail"]
    if kind == "sabre":
        pts = [(tx, ty), (tx - s * 0.08, ty + s * 0.02), (tx - s * 0.14, ty + s * 0.08)]
    elif kind == "whip":
        pts = [(tx, ty), (tx - s * 0.06, ty + s * 0.06), (tx - s * 0.08, ty + s * 0.16), (tx - s * 0.05, ty + s * 0.2)]
        tw = s * 0.014
    elif kind == "flag":
        pts = [(tx, ty), (tx - s * 0.04, ty - s * 0.07), (tx - s * 0.05, ty - s * 0.15)]
    elif kind == "curl":
        pts = [(tx, ty), (tx - s * 0.05, ty - s * 0.08), (tx - s * 0.01, ty - s * 0.15), (tx + s * 0.07, ty - s * 0.13)]
        tw = s * 0.045
    else:  # stub
        pts = [(tx, ty), (tx - s * 0.035, ty - s * 0.02)]
        tw = s * 0.03
    _curve(d, pts, tw, coat if kind != "curl" else coat)
    if kind == "flag" and pattern == "saddle":
        x, y = pts[-1]
        _ellipse(d, x, y, tw * 0.8, tw * 0.8, white)

    # body: chest at the front, hips at the back (a deep chest and a tucked waist for sighthounds)
    hip_h = bh * (1 - 0.45 * p["tuck"])
    _ellipse(d, c + bl * 0.35, by, bl * 0.65, bh, coat)
    _ellipse(d, c - bl * 0.45, by - (bh - hip_h) * 0.6, bl * 0.55, hip_h, coat)
    d.polygon([(c - bl * 0.45, by - bh * 0.95), (c + bl * 0.35, by - bh), (c + bl * 0.35, by + bh * 0.5),
               (c - bl * 0.45, by + hip_h * 0.4)], fill=coat)
    if pattern == "mask":  # husky: pale underside
        _ellipse(d, c + bl * 0.2, by + bh * 0.45, bl * 0.7, bh * 0.5, white)
    elif pattern == "saddle":
        _ellipse(d, c - bl * 0.1, by - bh * 0.45, bl * 0.65, bh * 0.55, second)
    elif pattern == "spots":
        spot = _tone(rng, _COATS["black"] if rng.random() < 0.75 else _COATS["liver"], 10)
        p["spot_colour"] = spot
        for _ in range(int(rng.integers(9, 16))):
            x = c + rng.uniform(-0.9, 0.9) * bl
            y = by + rng.uniform(-0.7, 0.7) * bh
            r = s * rng.uniform(0.012, 0.022)
            _ellipse(d, x, y, r, r, spot)
    elif pattern == "patches":
        patch = second if p["coat"][0] > 180 else white
        for _ in range(int(rng.integers(1, 3))):
            x = c + rng.uniform(-0.6, 0.5) * bl
            y = by + rng.uniform(-0.4, 0.3) * bh
            _ellipse(d, x, y, bl * rng.uniform(0.2, 0.35), bh * rng.uniform(0.4, 0.65), patch)

    # neck and head
    tilt = p["head_tilt"]
    neck_len = s * (0.05 + 0.5 * p["head"])
    hx = c + bl * 0.85 + neck_len * 0.35
    hy = by - bh * 0.6 - neck_len * (0.75 + tilt * 0.3)
    d.polygon([(c + bl * 0.45, by - bh * 0.85), (hx - hr * 0.6, hy - hr * 0.2), (hx + hr * 0.4, hy + hr * 0.6),
               (c + bl * 0.95, by + bh * 0.1)], fill=coat if pattern != "mask" else coat)
    _ellipse(d, hx, hy, hr, hr * 0.95, coat)
    # snout: a rounded box pointing forward and slightly down (head_tilt lifts it)
    sl, sh = hr * p["snout"], hr * (0.55 + 0.25 * (p["snout"] < 0.5))
    ang = 0.25 - tilt
    sx0, sy0 = hx + hr * 0.4, hy + hr * 0.25
    sx1, sy1 = sx0 + sl * np.cos(ang), sy0 + sl * np.sin(ang)
    muzzle = white if pattern in ("mask",) else (_tone(rng, _COATS["tan"], 8) if pattern == "points" else coat)
    _limb(d, (sx0, sy0), (sx1, sy1), sh * 1.25, sh * 0.9, muzzle)
    _ellipse(d, sx1 + sh * 0.3, sy1 - sh * 0.1, sh * 0.28, sh * 0.24, (20, 15, 15))  # nose
    if pattern == "spots":
        for _ in range(int(rng.integers(1, 4))):
            x, y, r = hx + rng.uniform(-0.7, 0.5) * hr, hy + rng.uniform(-0.6, 0.4) * hr, s * 0.012
            _ellipse(d, x, y, r, r, p["spot_colour"])
    if pattern == "mask":
        _ellipse(d, hx + hr * 0.3, hy + hr * 0.35, hr * 0.65, hr * 0.5, white)
    # the one eye of a profile
    er = max(hr * 0.14, s * 0.009)
    _ellipse(d, hx + hr * 0.45, hy - hr * 0.25, er, er, (15, 10, 10))
    # ears
    ears = p["ears"]
    ear = second if pattern in ("saddle", "points") and p["coat"] != second else dark
    if pattern == "spots":
        ear = p["spot_colour"] if rng.random() < 0.5 else dark
    if ears == "erect":
        d.polygon([(hx - hr * 0.55, hy - hr * 0.45), (hx + hr * 0.15, hy - hr * 0.75),
                   (hx - hr * 0.35, hy - hr * 2.0)], fill=dark)
    elif ears == "rose":  # small, folded back
        d.polygon([(hx - hr * 0.3, hy - hr * 0.8), (hx - hr * 0.9, hy - hr * 0.95), (hx - hr * 1.3, hy - hr * 0.5),
                   (hx - hr * 0.5, hy - hr * 0.4)], fill=dark)
    elif ears == "button":  # small, folded forward
        d.polygon([(hx - hr * 0.5, hy - hr * 0.75), (hx + hr * 0.2, hy - hr * 0.95), (hx + hr * 0.1, hy - hr * 0.4)],
                  fill=dark)
    else:  # floppy: hanging down behind the eye
        length = 1.6 if ears == "floppy_long" else 1.1
        d.polygon([(hx - hr * 0.45, hy - hr * 0.8), (hx + hr * 0.1, hy - hr * 0.75),
                   (hx - hr * 0.05, hy + hr * length * 0.7), (hx - hr * 0.45, hy + hr * length * 0.8),
                   (hx - hr * 0.7, hy + hr * length * 0.4)], fill=ear)


# --------------------------------------------------------------------------- objects


def _draw_car(d, rng, s):
    """A car in profile facing right: sedan, hatchback, estate, SUV or pick-up."""
    c = s / 2
    body = _tone(rng, [(180, 30, 30), (30, 60, 160), (225, 225, 225), (40, 40, 45), (230, 190, 40),
                       (40, 120, 70), (150, 150, 155), (200, 100, 30)][rng.integers(8)], 22)
    kind = rng.integers(5)
    L = s * rng.uniform(0.40, 0.47)
    H = s * (rng.uniform(0.08, 0.10) if kind < 3 else rng.uniform(0.10, 0.13))
    y0 = c + s * 0.05
    wr = s * rng.uniform(0.065, 0.085) * (1.15 if kind >= 3 else 1.0)
    d.rounded_rectangle([c - L, y0 - H, c + L, y0 + H], radius=H * 0.6, fill=body)
    roof = y0 - H - s * rng.uniform(0.11, 0.15)
    front = rng.uniform(0.25, 0.45)  # where the windscreen meets the bonnet
    back = {0: -0.6, 1: -0.9, 2: -0.95, 3: -0.92, 4: -0.35}[int(kind)] + rng.uniform(-0.05, 0.05)
    rear_roof = back + (0.25 if kind in (0, 4) else 0.05)
    cabin = [(c + L * back, y0 - H), (c + L * rear_roof, roof), (c + L * (front - 0.22), roof), (c + L * front, y0 - H)]
    d.polygon(cabin, fill=body)
    if kind == 4:  # pick-up: open bed behind the cab
        d.rectangle([c - L, y0 - H - s * 0.03, c + L * back, y0 - H], fill=_shade(body, 0.8))
    glass = _tone(rng, (150, 190, 220), 18)
    inset = s * 0.018
    mid = (back + front) / 2 - 0.05
    d.polygon([(c + L * back + inset * 1.5, y0 - H), (c + L * rear_roof + inset, roof + inset),
               (c + L * mid, roof + inset), (c + L * mid, y0 - H)], fill=glass)
    d.polygon([(c + L * mid + inset, y0 - H), (c + L * mid + inset, roof + inset),
               (c + L * (front - 0.22) - inset * 0.5, roof + inset), (c + L * front - inset * 1.5, y0 - H)], fill=glass)
    trim = _shade(body, 0.6)
    d.line([(c + L * mid, y0 - H), (c + L * mid, y0 + H * 0.7)], fill=trim, width=max(1, int(s * 0.008)))
    _ellipse(d, c + L * 0.95, y0 - H * 0.35, s * 0.02, s * 0.015, (250, 240, 180))
    d.rectangle([c - L, y0 - H * 0.55, c - L + s * 0.018, y0 - H * 0.1], fill=(200, 30, 30))
    hub = _tone(rng, (175, 175, 180), 15)
    for wx in (c - L * 0.62, c + L * 0.62):
        _ellipse(d, wx, y0 + H, wr * 1.12, wr * 1.12, _shade(body, 0.35))  # wheel arch
        _ellipse(d, wx, y0 + H, wr, wr, (22, 22, 24))
        _ellipse(d, wx, y0 + H, wr * 0.5, wr * 0.5, hub)


def _draw_cup(d, rng, s):
    """A cup seen from the side: mug, tea cup on a saucer, or a paper take-away cup."""
    c = s / 2
    col = _tone(rng, [(235, 235, 230), (200, 40, 40), (40, 80, 170), (240, 200, 60), (60, 140, 90),
                      (30, 30, 35), (230, 150, 170)][rng.integers(7)], 20)
    kind = rng.integers(3)
    inner = _shade(col, 0.55)
    if kind == 0:  # mug: straight walls and a loop handle
        w, h = s * rng.uniform(0.17, 0.23), s * rng.uniform(0.22, 0.3)
        x0, y0 = c - w - s * 0.04, c - h / 2
        hw = max(2, int(s * rng.uniform(0.03, 0.045)))
        d.ellipse([x0 + 2 * w - s * 0.05, y0 + h * 0.15, x0 + 2 * w + s * 0.12, y0 + h * 0.8], outline=col, width=hw)
        d.rectangle([x0, y0, x0 + 2 * w, y0 + h], fill=col)
        d.ellipse([x0, y0 + h - s * 0.03, x0 + 2 * w, y0 + h + s * 0.03], fill=col)
        d.ellipse([x0, y0 - s * 0.035, x0 + 2 * w, y0 + s * 0.035], fill=inner)
        top, bottom, left, right = y0, y0 + h, x0, x0 + 2 * w
    elif kind == 1:  # tea cup: a bowl on a saucer
        w, h = s * rng.uniform(0.17, 0.22), s * rng.uniform(0.13, 0.17)
        x0, y0 = c - w - s * 0.03, c - h / 2
        hw = max(2, int(s * 0.03))
        d.ellipse([x0 + 2 * w - s * 0.06, y0 + h * 0.1, x0 + 2 * w + s * 0.08, y0 + h * 0.7], outline=col, width=hw)
        d.chord([x0, y0 - h, x0 + 2 * w, y0 + h], 0, 180, fill=col)
        d.ellipse([x0 - s * 0.09, y0 + h * 0.85, x0 + 2 * w + s * 0.09, y0 + h * 1.15], fill=_shade(col, 0.9))
        d.ellipse([x0, y0 - s * 0.03, x0 + 2 * w, y0 + s * 0.03], fill=inner)
        top, bottom, left, right = y0, y0 + h * 0.8, x0 + w * 0.2, x0 + 1.8 * w
    else:  # take-away cup: tapered, with a lid and a sleeve, no handle
        wt, wb, h = s * rng.uniform(0.15, 0.19), s * rng.uniform(0.1, 0.13), s * rng.uniform(0.3, 0.38)
        y0 = c - h / 2
        d.polygon([(c - wt, y0), (c + wt, y0), (c + wb, y0 + h), (c - wb, y0 + h)], fill=col)
        lid = _tone(rng, [(250, 250, 250), (30, 30, 30)][rng.integers(2)], 10)
        d.rounded_rectangle([c - wt * 1.08, y0 - s * 0.04, c + wt * 1.08, y0 + s * 0.01], radius=s * 0.015, fill=lid)
        sleeve = _tone(rng, (150, 110, 70), 20)
        f0, f1 = 0.35, 0.7
        d.polygon([(c - wt + (wt - wb) * f0, y0 + h * f0), (c + wt - (wt - wb) * f0, y0 + h * f0),
                   (c + wt - (wt - wb) * f1, y0 + h * f1), (c - wt + (wt - wb) * f1, y0 + h * f1)], fill=sleeve)
        top, bottom, left, right = y0, y0 + h, c - wb, c + wb
    if kind != 2 and rng.random() < 0.5:  # a band or stripes of a second colour
        band = _any_colour(rng)
        for k in range(int(rng.integers(1, 4))):
            y = top + (bottom - top) * (0.3 + 0.2 * k)
            d.rectangle([left, y, right, y + s * 0.02], fill=band)
    if rng.random() < 0.3:  # steam
        for k in range(int(rng.integers(1, 3))):
            x = c - s * 0.05 + k * s * 0.07
            pts = [(x + s * 0.02 * np.sin(t * 2.5), top - s * 0.05 - t * s * 0.05) for t in range(4)]
            d.line(pts, fill=(235, 235, 240), width=max(1, int(s * 0.012)), joint="curve")


def _draw_bottle(d, rng, s):
    """An upright bottle: wine, beer or water bottle, with a label band."""
    c = s / 2
    kind = rng.integers(3)
    glass = _tone(rng, [(40, 90, 40), (100, 60, 25), (120, 170, 200), (210, 225, 230), (30, 50, 30)][rng.integers(5)], 15)
    w = s * (rng.uniform(0.07, 0.09) if kind < 2 else rng.uniform(0.08, 0.11))
    h = s * rng.uniform(0.6, 0.75)
    top = c - h / 2
    neck_w = w * rng.uniform(0.3, 0.45)
    shoulder = top + h * (rng.uniform(0.3, 0.4) if kind == 0 else rng.uniform(0.38, 0.5))
    neck_end = top + h * (0.12 if kind != 2 else 0.2)
    d.rounded_rectangle([c - w, shoulder, c + w, top + h], radius=w * 0.3, fill=glass)
    d.polygon([(c - w, shoulder + w * 0.2), (c - neck_w, neck_end), (c + neck_w, neck_end), (c + w, shoulder + w * 0.2)],
              fill=glass)
    d.rectangle([c - neck_w, top + h * 0.03, c + neck_w, neck_end + 1], fill=glass)
    cap = _tone(rng, [(200, 170, 60), (180, 30, 30), (240, 240, 240), (30, 30, 30)][rng.integers(4)], 15)
    d.rectangle([c - neck_w * 1.2, top, c + neck_w * 1.2, top + h * 0.06], fill=cap)
    if kind == 2:  # ribbed plastic
        for k in range(4):
            y = shoulder + (top + h - shoulder) * (0.15 + 0.2 * k)
            d.line([(c - w, y), (c + w, y)], fill=_shade(glass, 0.8), width=max(1, int(s * 0.008)))
    if rng.random() < 0.8:
        label = _any_colour(rng)
        y0 = shoulder + (top + h - shoulder) * rng.uniform(0.2, 0.35)
        d.rectangle([c - w, y0, c + w, y0 + (top + h - shoulder) * rng.uniform(0.3, 0.45)], fill=label)
    d.line([(c - w * 0.55, shoulder + w * 0.5), (c - w * 0.55, top + h - w * 0.5)],
           fill=_shade(glass, 1.5), width=max(1, int(s * 0.012)))  # highlight


def _draw_bird(d, rng, s):
    """A small bird in profile facing right, perched on a twig or flying."""
    c = s / 2
    body = _tone(rng, [(120, 80, 50), (60, 90, 160), (200, 60, 40), (90, 90, 90), (230, 200, 60),
                       (40, 40, 40), (90, 140, 70)][rng.integers(7)], 20)
    belly = _tone(rng, [(230, 220, 200), (210, 90, 50), (240, 230, 120)][rng.integers(3)], 15)
    bl, bh = s * rng.uniform(0.16, 0.21), s * rng.uniform(0.1, 0.13)
    flying = rng.random() < 0.35
    by = c + (0.0 if flying else -0.04) * s
    tilt = rng.uniform(-0.5, -0.1) if not flying else rng.uniform(-0.15, 0.15)
    # tail: a fan pointing back (and down when perched)
    ta = np.pi - tilt + (0.5 if not flying else 0.0)
    tx, ty = c - bl * 0.8 * np.cos(tilt), by + bl * 0.8 * np.sin(-tilt)
    tl = s * rng.uniform(0.12, 0.18)
    d.polygon([(tx, ty - bh * 0.3), (tx + tl * np.cos(ta - 0.25), ty + tl * np.sin(ta - 0.25)),
               (tx + tl * np.cos(ta + 0.25), ty + tl * np.sin(ta + 0.25)), (tx, ty + bh * 0.3)], fill=_shade(body, 0.8))
    if not flying:
        twig = _tone(rng, (100, 70, 40), 15)
        d.line([(c - s * 0.3, c + s * 0.2), (c + s * 0.3, c + s * 0.17)], fill=twig, width=max(2, int(s * 0.025)))
        for lx in (c - s * 0.02, c + s * 0.04):
            d.line([(lx, by + bh * 0.7), (lx, c + s * 0.18)], fill=(60, 50, 40), width=max(1, int(s * 0.01)))
    ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    d.polygon(_polar_ellipse(c, by, bl, bh, tilt, ang), fill=body)
    d.polygon(_polar_ellipse(c + bl * 0.15, by + bh * 0.35, bl * 0.7, bh * 0.6, tilt, ang), fill=belly)
    hx, hy = c + bl * 0.85 * np.cos(tilt), by - bl * 0.85 * np.sin(-tilt) - bh * 0.55
    hr = s * rng.uniform(0.065, 0.08)
    _ellipse(d, hx, hy, hr, hr, body)
    bk = s * rng.uniform(0.05, 0.1)
    beak = _tone(rng, [(240, 180, 40), (60, 50, 40), (230, 120, 40)][rng.integers(3)], 10)
    d.polygon([(hx + hr * 0.8, hy - hr * 0.3), (hx + hr * 0.8 + bk, hy + hr * 0.05), (hx + hr * 0.8, hy + hr * 0.35)],
              fill=beak)
    _ellipse(d, hx + hr * 0.35, hy - hr * 0.2, hr * 0.2, hr * 0.2, (10, 10, 10))
    wing = _shade(body, 0.7)
    if flying:  # both wings raised, the far one smaller
        for f, dx in ((0.7, -0.1), (1.0, 0.1)):
            d.polygon([(c - bl * 0.3 + dx * s, by - bh * 0.3), (c + bl * 0.35 + dx * s, by - bh * 0.4),
                       (c - bl * 0.1 + dx * s, by - bh - s * 0.22 * f)], fill=wing if f == 1.0 else _shade(wing, 0.8))
    else:
        d.polygon(_polar_ellipse(c - bl * 0.15, by - bh * 0.1, bl * 0.65, bh * 0.55, tilt - 0.15, ang), fill=wing)


def _polar_ellipse(cx, cy, rx, ry, tilt, ang):
    """Points of an ellipse rotated by ``tilt`` radians (counter-clockwise on screen)."""
    x, y = rx * np.cos(ang), ry * np.sin(ang)
    ct, st = np.cos(tilt), np.sin(tilt)
    return [(cx + a * ct + b * st, cy - a * st + b * ct) for a, b in zip(x, y)]


def _draw_fish(d, rng, s):
    """A fish in profile facing right, with fins, stripes or spots."""
    c = s / 2
    body = _tone(rng, [(240, 140, 40), (80, 130, 190), (190, 190, 200), (230, 210, 60), (120, 150, 90),
                       (200, 70, 80)][rng.integers(6)], 20)
    L, H = s * rng.uniform(0.26, 0.33), s * rng.uniform(0.09, 0.16)
    fin = _shade(body, 0.75)
    tail = s * rng.uniform(0.1, 0.15)
    tx = c - L * 0.9
    if rng.random() < 0.6:  # forked tail
        d.polygon([(tx + s * 0.02, c), (tx - tail, c - tail * 0.9), (tx - tail * 0.6, c), (tx - tail, c + tail * 0.9)], fill=fin)
    else:  # round tail
        _ellipse(d, tx - tail * 0.45, c, tail * 0.55, tail * 0.75, fin)
    d.polygon([(c - L * 0.3, c - H * 0.8), (c + L * 0.1, c - H * 0.9), (c - L * 0.35 + rng.uniform(-1, 1) * s * 0.03,
               c - H - s * rng.uniform(0.07, 0.12))], fill=fin)  # dorsal fin
    d.polygon([(c - L * 0.1, c + H * 0.8), (c + L * 0.15, c + H * 0.8), (c - L * 0.05, c + H + s * 0.06)], fill=fin)
    ang = np.linspace(0, 2 * np.pi, 28, endpoint=False)
    pts = [(c + L * np.cos(a) * (1.0 if np.cos(a) > 0 else 0.95), c + H * np.sin(a) * (1 - 0.25 * np.cos(a)))
           for a in ang]
    d.polygon(pts, fill=body)
    mark = rng.integers(3)
    accent = _any_colour(rng)
    if mark == 0:  # vertical bands
        for k in range(int(rng.integers(2, 4))):
            x = c - L * 0.5 + k * L * 0.35
            d.rectangle([x, c - H * 0.8, x + s * 0.025, c + H * 0.8], fill=accent)
    elif mark == 1:  # spots
        for _ in range(int(rng.integers(4, 9))):
            x, y, r = c + rng.uniform(-0.7, 0.4) * L, c + rng.uniform(-0.5, 0.5) * H, s * 0.012
            _ellipse(d, x, y, r, r, accent)
    d.arc([c + L * 0.3, c - H * 0.6, c + L * 0.55, c + H * 0.6], 110, 250, fill=_shade(body, 0.6),
          width=max(1, int(s * 0.01)))  # gill
    _eye_disc(d, c + L * 0.65, c - H * 0.25, s * rng.uniform(0.018, 0.028))


def _draw_airplane(d, rng, s):
    """An aeroplane seen from the side (airliner) or from below (a cross of wings)."""
    c = s / 2
    hull = _tone(rng, [(235, 235, 240), (190, 195, 200), (60, 90, 160), (200, 60, 50)][rng.integers(4)], 12)
    accent = _any_colour(rng)
    L = s * rng.uniform(0.4, 0.47)
    if rng.random() < 0.6:  # side view
        H = s * rng.uniform(0.045, 0.06)
        d.polygon([(c - L * 0.85, c - H), (c - L, c - H - s * rng.uniform(0.13, 0.18)), (c - L * 0.7, c - H * 0.9)],
                  fill=accent)  # tail fin
        d.rounded_rectangle([c - L, c - H, c + L * 0.85, c + H], radius=H * 0.9, fill=hull)
        _ellipse(d, c + L * 0.82, c + H * 0.15, L * 0.18, H * 0.85, hull)  # nose
        d.polygon([(c - L * 0.1, c + H * 0.3), (c + L * 0.25, c + H * 0.3), (c - L * 0.25, c + H + s * 0.09),
                   (c - L * 0.35, c + H + s * 0.09)], fill=_shade(hull, 0.75))  # wing
        d.rounded_rectangle([c - L * 0.05, c + H * 0.9, c + L * 0.2, c + H * 1.9], radius=H * 0.4,
                            fill=_shade(hull, 0.6))  # engine
        for k in range(int(rng.integers(6, 11))):
            x = c - L * 0.7 + k * L * 0.13
            if x < c + L * 0.65:
                _ellipse(d, x, c - H * 0.3, s * 0.008, s * 0.01, (40, 50, 70))
        d.polygon([(c + L * 0.8, c - H * 0.6), (c + L * 0.93, c - H * 0.2), (c + L * 0.78, c - H * 0.2)], fill=(40, 50, 70))
    else:  # from below: fuselage, swept wings and tailplane
        W = s * rng.uniform(0.035, 0.05)
        sweep = rng.uniform(0.05, 0.2) * s
        span = s * rng.uniform(0.35, 0.45)
        d.polygon([(c + L * 0.15, c - W), (c - sweep, c - span), (c - sweep - s * 0.08, c - span),
                   (c - L * 0.15, c - W), (c - L * 0.15, c + W), (c - sweep - s * 0.08, c + span),
                   (c - sweep, c + span), (c + L * 0.15, c + W)], fill=_shade(hull, 0.85))
        d.polygon([(c - L * 0.75, c - W), (c - L * 0.9, c - span * 0.35), (c - L * 0.98, c - span * 0.35),
                   (c - L * 0.92, c), (c - L * 0.98, c + span * 0.35), (c - L * 0.9, c + span * 0.35),
                   (c - L * 0.75, c + W)], fill=accent)
        d.rounded_rectangle([c - L, c - W, c + L, c + W], radius=W * 0.9, fill=hull)
        for sy in (-1, 1):
            d.rounded_rectangle([c - s * 0.02, c + sy * span * 0.45 - W * 0.6, c + s * 0.08, c + sy * span * 0.45 + W * 0.6],
                                radius=W * 0.3, fill=_shade(hull, 0.6))


def _draw_bicycle(d, rng, s):
    """A bicycle in profile facing right."""
    c = s / 2
    frame = _tone(rng, [(200, 30, 30), (30, 60, 160), (30, 30, 30), (220, 220, 220), (40, 150, 80),
                        (240, 180, 30)][rng.integers(6)], 20)
    wr = s * rng.uniform(0.15, 0.19)
    gap = s * rng.uniform(0.3, 0.36)
    yw = c + s * 0.1
    rear, front = (c - gap / 2, yw), (c + gap / 2, yw)
    tyre = max(2, int(s * rng.uniform(0.015, 0.028)))
    spoke = _tone(rng, (160, 160, 165), 10)
    for x, y in (rear, front):
        for a in np.linspace(0, np.pi, int(rng.integers(3, 6)), endpoint=False) + rng.uniform(0, np.pi):
            d.line([(x - wr * np.cos(a), y - wr * np.sin(a)), (x + wr * np.cos(a), y + wr * np.sin(a))],
                   fill=spoke, width=1)
        d.ellipse([x - wr, y - wr, x + wr, y + wr], outline=(25, 25, 25), width=tyre)
    crank = (c - gap * 0.05, yw)
    seat = (c - gap * 0.2, yw - wr * 1.45)
    head = (c + gap * 0.32, yw - wr * 1.4)
    w = max(2, int(s * 0.022))
    for a, b in ((rear, crank), (rear, seat), (crank, seat), (seat, head), (crank, head), (head, front)):
        d.line([a, b], fill=frame, width=w)
    d.line([seat, (seat[0] - s * 0.01, seat[1] - s * 0.05)], fill=(40, 40, 40), width=w)
    d.rounded_rectangle([seat[0] - s * 0.06, seat[1] - s * 0.07, seat[0] + s * 0.04, seat[1] - s * 0.045],
                        radius=s * 0.01, fill=(30, 30, 30))
    bar = (head[0] - s * 0.01, head[1] - s * 0.07)
    d.line([head, bar], fill=(60, 60, 60), width=w)
    d.line([bar, (bar[0] - s * 0.05, bar[1] + rng.uniform(-0.02, 0.03) * s)], fill=(30, 30, 30), width=w)
    _ellipse(d, crank[0], crank[1], s * 0.03, s * 0.03, (70, 70, 75))


def _draw_chair(d, rng, s):
    """A chair seen from the side or three-quarters: seat, back, legs, sometimes arms."""
    c = s / 2
    wood = _tone(rng, [(140, 90, 50), (90, 55, 30), (200, 160, 110), (200, 40, 40), (40, 90, 160),
                       (230, 230, 225), (30, 30, 30)][rng.integers(7)], 18)
    sw = s * rng.uniform(0.18, 0.24)  # seat half-width
    depth = s * rng.uniform(0.0, 0.1)  # three-quarter offset of the far edge
    sy = c + s * rng.uniform(0.0, 0.05)
    leg = s * rng.uniform(0.2, 0.26)
    back_h = s * rng.uniform(0.25, 0.33)
    lw = max(2, int(s * rng.uniform(0.018, 0.03)))
    far = _shade(wood, 0.75)
    for x in (c - sw + depth, c + sw + depth):  # far legs
        d.line([(x, sy - depth * 0.6), (x, sy - depth * 0.6 + leg)], fill=far, width=lw)
    bx = c - sw
    if rng.random() < 0.5:  # solid back
        d.polygon([(bx, sy), (bx + depth, sy - depth * 0.6), (bx + depth - s * 0.03, sy - depth * 0.6 - back_h),
                   (bx - s * 0.03, sy - back_h)], fill=far)
    else:  # slats between two posts
        for k in range(3):
            y = sy - back_h * (0.35 + 0.3 * k)
            d.line([(bx - s * 0.01 * k, y), (bx + depth - s * 0.01 * k, y - depth * 0.6)], fill=far, width=lw)
        d.line([(bx + depth, sy - depth * 0.6), (bx + depth - s * 0.03, sy - depth * 0.6 - back_h)], fill=far, width=lw)
        d.line([(bx, sy), (bx - s * 0.03, sy - back_h)], fill=wood, width=lw)
    d.polygon([(c - sw, sy), (c + sw, sy), (c + sw + depth, sy - depth * 0.6), (c - sw + depth, sy - depth * 0.6)],
              fill=wood)
    d.rectangle([c - sw, sy, c + sw, sy + s * 0.03], fill=_shade(wood, 0.85))
    for x in (c - sw, c + sw):
        d.line([(x + lw / 2 * (1 if x < c else -1), sy), (x + lw / 2 * (1 if x < c else -1), sy + leg)], fill=wood, width=lw)
    if rng.random() < 0.3:  # arm rest
        d.line([(c - sw, sy - back_h * 0.45), (c + sw * 0.8, sy - back_h * 0.45), (c + sw * 0.8, sy)],
               fill=wood, width=lw)


# --------------------------------------------------------------------------- other animals with eyes
#
# Each has its own eye drawing, so the disc-and-pupil eye of the fish is not the only eye in
# the world: the cat's almond eye with a slit pupil, the horse's dark eye with a pale rim,
# the owl's two large frontal eyes (orange or yellow iris, black pupil, in a facial disc),
# the frog's bulging golden eye with a horizontal pupil.


def _eye_disc(d, x, y, r):
    """The disc-and-pupil eye: a white disc of radius ``1.5 r`` around a black pupil of
    radius ``r`` (the fish's eye; the face's too with ``eyes="disc"``)."""
    _ellipse(d, x, y, r * 1.5, r * 1.5, (245, 245, 245))
    _ellipse(d, x, y, r, r, (10, 10, 10))


def _almond(x, y, rx, ry, k=10):
    """Points of an almond (lens) shape centred at (x, y), half-width rx, half-height ry."""
    t = np.linspace(-1, 1, k)
    top = [(x + rx * u, y - ry * (1 - u * u)) for u in t]
    bottom = [(x + rx * u, y + ry * (1 - u * u)) for u in t[::-1]]
    return top + bottom


def _draw_cat(d, rng, s):
    """A cat in profile facing right, standing or sitting, with a long tail and pointed ears."""
    c = s / 2
    coats = [(210, 120, 50), (35, 32, 30), (140, 140, 145), (240, 236, 228), (190, 160, 120), (95, 70, 50)]
    coat = _tone(rng, coats[rng.integers(len(coats))], 14)
    dark = _shade(coat, 0.7)
    pattern = rng.integers(3)  # 0 solid, 1 tabby stripes, 2 white patches
    sitting = rng.random() < 0.4
    bl, bh = s * rng.uniform(0.16, 0.2), s * rng.uniform(0.075, 0.095)
    ll = s * rng.uniform(0.1, 0.13)
    lw = s * 0.028
    hr = s * rng.uniform(0.065, 0.08)
    if sitting:  # an upright body, haunch at the back, front legs straight down
        bx, by = c - s * 0.02, c + s * 0.02
        _ellipse(d, bx - bl * 0.25, by + bh * 1.3, bl * 0.55, bh * 1.2, coat)  # haunch
        d.polygon([(bx - bl * 0.5, by + bh * 2.2), (bx - bl * 0.1, by - bh * 1.6), (bx + bl * 0.45, by - bh * 1.4),
                   (bx + bl * 0.5, by + bh * 2.2)], fill=coat)
        for dx in (0.25, 0.45):
            _limb(d, (bx + bl * dx, by), (bx + bl * dx, by + bh * 2.3), lw, lw * 0.9, coat if dx > 0.3 else dark)
        tail = [(bx - bl * 0.7, by + bh * 2.0), (bx - bl * 1.2, by + bh * 1.8), (bx - bl * 1.35, by + bh * 0.8)]
        hx, hy = bx + bl * 0.35, by - bh * 1.6 - hr * 0.6
    else:
        bx, by = c - s * 0.03, c
        hips = [(bx - bl * 0.7, -1), (bx + bl * 0.7, 1)]
        stride = rng.uniform(-0.3, 0.3)
        for far in (True, False):
            for hx0, side in hips:
                foot = (hx0 + stride * side * (1 if far else -1) * ll, by + bh * 0.5 + ll)
                _limb(d, (hx0, by + bh * 0.3), foot, lw * 1.2, lw * 0.9, dark if far else coat)
        _ellipse(d, bx, by, bl, bh, coat)
        tail = [(bx - bl * 0.95, by - bh * 0.3), (bx - bl * 1.35, by - bh * 1.2), (bx - bl * 1.25, by - bh * 2.6),
                (bx - bl * 1.0, by - bh * 3.0)]
        hx, hy = bx + bl * 1.05, by - bh * 1.1
    _curve(d, tail, s * 0.026, coat)
    if pattern == 1:  # tabby stripes across the body
        stripe = _shade(coat, 0.55)
        for k in range(int(rng.integers(3, 6))):
            x = bx - bl * 0.6 + k * bl * 0.3
            d.line([(x, by - bh * 0.9), (x - s * 0.01, by + bh * 0.2)], fill=stripe, width=max(1, int(s * 0.014)))
    elif pattern == 2:
        _ellipse(d, bx + bl * 0.3, by + bh * 0.5, bl * 0.4, bh * 0.45, _tone(rng, (240, 236, 228), 8))
    _ellipse(d, hx, hy, hr, hr * 0.9, coat)
    for ex_, lean in ((-0.55, -0.2), (0.2, 0.1)):  # two pointed ears (cats show both in profile)
        x0 = hx + hr * ex_
        d.polygon([(x0 - hr * 0.3, hy - hr * 0.55), (x0 + hr * 0.35, hy - hr * 0.7),
                   (x0 + hr * lean, hy - hr * 1.55)], fill=dark if ex_ < 0 else coat)
    _ellipse(d, hx + hr * 0.85, hy + hr * 0.3, hr * 0.35, hr * 0.28, coat)  # short muzzle
    _ellipse(d, hx + hr * 1.15, hy + hr * 0.2, hr * 0.1, hr * 0.08, (200, 110, 110))  # nose
    iris = _tone(rng, [(120, 190, 60), (220, 180, 40), (90, 160, 200)][rng.integers(3)], 12)
    ex, ey = hx + hr * 0.45, hy - hr * 0.1
    d.polygon(_almond(ex, ey, hr * 0.26, hr * 0.16), fill=iris)
    d.line([(ex, ey - hr * 0.14), (ex, ey + hr * 0.14)], fill=(10, 10, 10), width=max(1, int(hr * 0.09)))
    for k in (-1, 0, 1):  # whiskers
        d.line([(hx + hr * 0.9, hy + hr * 0.35), (hx + hr * 1.7, hy + hr * (0.2 + 0.2 * k))], fill=(235, 235, 235),
               width=1)


def _draw_horse(d, rng, s):
    """A horse in profile facing right: long legs, long neck, mane and tail."""
    c = s / 2
    coat = _tone(rng, [(120, 70, 35), (160, 80, 30), (30, 25, 22), (170, 170, 170), (225, 220, 210),
                       (200, 160, 100)][rng.integers(6)], 14)
    hair = _tone(rng, [(25, 20, 18), (60, 40, 25), (220, 210, 180)][rng.integers(3)], 10)
    dark = _shade(coat, 0.75)
    bl, bh = s * rng.uniform(0.19, 0.23), s * rng.uniform(0.08, 0.095)
    ll = s * rng.uniform(0.17, 0.21)
    by = c - ll * 0.35
    lw = s * 0.03
    stride = rng.uniform(-0.35, 0.35)
    for far in (True, False):
        for hx0, side in ((c - bl * 0.7, -1), (c + bl * 0.7, 1)):
            knee = (hx0 + stride * side * (0.3 if far else -0.3) * ll, by + bh * 0.5 + ll * 0.5)
            foot = (knee[0] + stride * side * 0.2 * ll, by + bh * 0.5 + ll)
            col = dark if far else coat
            _limb(d, (hx0, by + bh * 0.3), knee, lw * 1.3, lw * 0.9, col)
            _limb(d, knee, foot, lw * 0.9, lw * 0.8, col)
            d.rectangle([foot[0] - lw * 0.5, foot[1], foot[0] + lw * 0.6, foot[1] + lw * 0.6], fill=(30, 25, 20))
    _curve(d, [(c - bl * 1.0, by - bh * 0.4), (c - bl * 1.2, by + bh * 0.6), (c - bl * 1.25, by + bh * 2.0)],
           s * 0.035, hair)  # tail
    _ellipse(d, c, by, bl * 1.05, bh, coat)
    # neck rising forward to a long head pointing down and forward
    nx, ny = c + bl * 0.85, by - bh * 0.3
    tx, ty = nx + s * 0.08, ny - s * rng.uniform(0.16, 0.2)
    d.polygon([(nx - bl * 0.3, ny - bh * 0.5), (tx - s * 0.03, ty), (tx + s * 0.035, ty + s * 0.01), (nx + bl * 0.15, ny + bh * 0.5)],
              fill=coat)
    d.line([(nx - bl * 0.3, ny - bh * 0.6), (tx - s * 0.03, ty - s * 0.01)], fill=hair, width=max(2, int(s * 0.025)))  # mane
    ang = rng.uniform(0.6, 1.0)  # head angle below horizontal
    hl = s * rng.uniform(0.12, 0.15)
    mx, my = tx + hl * np.cos(ang), ty + hl * np.sin(ang)
    _limb(d, (tx, ty), (mx, my), s * 0.07, s * 0.045, coat)
    _ellipse(d, mx, my, s * 0.008, s * 0.008, (20, 15, 15))  # nostril
    d.polygon([(tx - s * 0.02, ty - s * 0.02), (tx - s * 0.005, ty - s * 0.07), (tx + s * 0.012, ty - s * 0.015)], fill=dark)
    if rng.random() < 0.5:  # a white blaze down the face
        d.line([(tx + s * 0.01, ty + s * 0.01), (mx - s * 0.01, my - s * 0.005)], fill=(240, 238, 230), width=max(1, int(s * 0.012)))
    ex, ey, er = tx + s * 0.012, ty + s * 0.006, s * 0.014
    _ellipse(d, ex, ey, er * 1.3, er, (200, 190, 175))  # pale rim
    _ellipse(d, ex, ey, er * 0.9, er * 0.75, (20, 12, 10))


def _draw_owl(d, rng, s):
    """An owl seen from the front, perched: a facial disc with two large eyes and a hooked beak."""
    c = s / 2
    plumage = _tone(rng, [(130, 95, 60), (170, 140, 100), (90, 80, 70), (235, 232, 225), (150, 110, 70)][rng.integers(5)], 14)
    disc = _tone(rng, [(225, 205, 170), (200, 180, 150), (245, 240, 232)][rng.integers(3)], 10)
    w, h = s * rng.uniform(0.16, 0.2), s * rng.uniform(0.25, 0.3)
    by = c + s * 0.04
    twig = _tone(rng, (100, 70, 40), 15)
    d.line([(c - s * 0.33, by + h * 0.95), (c + s * 0.33, by + h * 0.9)], fill=twig, width=max(2, int(s * 0.03)))
    _ellipse(d, c, by, w, h, plumage)  # body
    for sx in (-1, 1):  # folded wings at the sides, darker
        _ellipse(d, c + sx * w * 0.8, by + h * 0.2, w * 0.35, h * 0.65, _shade(plumage, 0.75))
    hr = w * rng.uniform(0.9, 1.05)
    hy = by - h * 0.75
    _ellipse(d, c, hy, hr, hr * 0.85, plumage)  # head
    if rng.random() < 0.5:  # ear tufts
        for sx in (-1, 1):
            d.polygon([(c + sx * hr * 0.45, hy - hr * 0.6), (c + sx * hr * 0.95, hy - hr * 0.45),
                       (c + sx * hr * 0.9, hy - hr * 1.3)], fill=_shade(plumage, 0.8))
    er = hr * rng.uniform(0.22, 0.28)
    iris = _tone(rng, [(250, 200, 30), (240, 130, 20), (40, 30, 25)][rng.integers(3)], 10)
    for sx in (-1, 1):
        ex = c + sx * hr * 0.42
        _ellipse(d, ex, hy, hr * 0.5, hr * 0.48, disc)  # the facial disc around each eye
    for sx in (-1, 1):
        ex = c + sx * hr * 0.42
        _ellipse(d, ex, hy, er, er, iris)
        _ellipse(d, ex, hy, er * 0.5, er * 0.5, (8, 8, 8))
    d.polygon([(c - hr * 0.1, hy + hr * 0.15), (c + hr * 0.1, hy + hr * 0.15), (c, hy + hr * 0.5)],
              fill=_tone(rng, (60, 50, 40), 10))  # beak
    spot = _shade(plumage, 0.6)
    for _ in range(int(rng.integers(4, 9))):  # breast markings
        x, y = c + rng.uniform(-0.55, 0.55) * w, by + rng.uniform(-0.2, 0.7) * h
        d.line([(x - s * 0.012, y), (x + s * 0.012, y)], fill=spot, width=max(1, int(s * 0.012)))
    for sx in (-1, 1):  # feet on the twig
        _ellipse(d, c + sx * w * 0.35, by + h * 0.93, s * 0.02, s * 0.012, (200, 170, 60))


def _draw_frog(d, rng, s):
    """A frog in profile facing right, squatting: folded hind leg, bulging eye, wide mouth."""
    c = s / 2
    skin = _tone(rng, [(70, 150, 60), (110, 130, 60), (140, 100, 60), (230, 120, 30), (60, 120, 190),
                       (200, 200, 60)][rng.integers(6)], 16)
    belly = _tone(rng, (230, 225, 190), 10)
    dark = _shade(skin, 0.6)
    bl, bh = s * rng.uniform(0.2, 0.25), s * rng.uniform(0.1, 0.13)
    by = c + s * 0.03
    # hind leg folded into a Z beside the body, toes forward
    hip = (c - bl * 0.6, by + bh * 0.2)
    knee = (c - bl * 0.05, by + bh * 0.2 - s * 0.02)
    ankle = (c - bl * 0.75, by + bh * 1.0)
    toe = (c - bl * 0.1, by + bh * 1.15)
    _limb(d, ankle, toe, s * 0.03, s * 0.02, dark)
    _ellipse(d, c, by, bl, bh, skin)
    d.chord([c - bl * 0.9, by - bh * 0.1, c + bl * 0.9, by + bh * 1.0], 0, 180, fill=belly)
    _limb(d, hip, knee, s * 0.07, s * 0.045, skin)
    _limb(d, knee, ankle, s * 0.045, s * 0.03, skin)
    _limb(d, (c + bl * 0.55, by + bh * 0.3), (c + bl * 0.75, by + bh * 1.2), s * 0.03, s * 0.022, skin)  # front leg
    _ellipse(d, c + bl * 0.85, by + bh * 1.2, s * 0.025, s * 0.01, dark)
    # head: the front of the body, wide mouth line, bulging eye on top
    hx, hy = c + bl * 0.75, by - bh * 0.35
    _ellipse(d, hx, hy, bl * 0.4, bh * 0.7, skin)
    d.line([(hx - bl * 0.2, hy + bh * 0.2), (hx + bl * 0.38, hy + bh * 0.05)], fill=dark, width=max(1, int(s * 0.012)))
    if rng.random() < 0.5:  # dark spots on the back
        for _ in range(int(rng.integers(3, 8))):
            x, y, r = c + rng.uniform(-0.7, 0.4) * bl, by + rng.uniform(-0.8, -0.1) * bh, s * rng.uniform(0.01, 0.02)
            _ellipse(d, x, y, r, r, _shade(skin, 0.4))
    ex, ey, er = hx - bl * 0.02, hy - bh * 0.7, s * rng.uniform(0.028, 0.036)
    _ellipse(d, ex, ey, er * 1.15, er * 1.1, skin)  # the bulge
    _ellipse(d, ex, ey, er * 0.85, er * 0.8, _tone(rng, (210, 170, 50), 12))  # golden iris
    _ellipse(d, ex, ey, er * 0.6, er * 0.25, (8, 8, 8))  # horizontal pupil


def _draw_umbrella(d, rng, s):
    """An open umbrella seen from the side (measurement only: a category never trained on)."""
    c = s / 2
    cols = [_tone(rng, base, 15) for base in [(200, 30, 40), (30, 60, 160), (240, 200, 40), (30, 30, 35),
                                               (240, 240, 240), (40, 140, 80)]]
    a, b = cols[rng.integers(len(cols))], cols[rng.integers(len(cols))]
    r = s * rng.uniform(0.3, 0.38)
    top = c - s * 0.12
    k = int(rng.integers(6, 9))
    ang = np.linspace(np.pi, 2 * np.pi, k + 1)
    for j in range(k):  # panels of the canopy, alternating colours, each ending in a scallop
        a0, a1 = ang[j], ang[j + 1]
        pts = [(c, top - r * 0.55), (c + r * np.cos(a0), top + r * 0.2), (c + r * np.cos(a1), top + r * 0.2)]
        d.polygon(pts, fill=a if j % 2 == 0 else b)
        mid = (np.cos(a0) + np.cos(a1)) / 2 * r
        half = abs(np.cos(a1) - np.cos(a0)) * r / 2
        d.chord([c + mid - half, top + r * 0.2 - half * 0.35, c + mid + half, top + r * 0.2 + half * 0.35], 0, 180,
                fill=a if j % 2 == 0 else b)
    d.line([(c, top - r * 0.55), (c, top - r * 0.7)], fill=(60, 60, 60), width=max(1, int(s * 0.012)))  # ferrule
    shaft = (c, top + s * rng.uniform(0.38, 0.45))
    d.line([(c, top + r * 0.2), shaft], fill=(70, 70, 75), width=max(1, int(s * 0.014)))
    handle = _tone(rng, [(90, 55, 30), (30, 30, 30)][rng.integers(2)], 10)
    hr = s * 0.045
    d.arc([c - 2 * hr, shaft[1] - hr, c, shaft[1] + hr], 0, 180, fill=handle, width=max(2, int(s * 0.022)))


# --------------------------------------------------------------------------- measurement drawings

#: Eye drawings of the face (argument ``eyes``): ``"almond"``, the face's own eye (an
#: almond-shaped white, a coloured iris and pupil, an upper-lid line), drawn by nothing
#: else in the world; ``"disc"``, the fish's disc-and-pupil eye (:func:`_eye_disc`, a
#: white disc around a black pupil), the primitive the face shared with the fish before.
EYES = ("almond", "disc")
#: The parts a featureless or scrambled face loses or moves: both eyes (with glasses),
#: both brows, the nose and the mouth. Head, ears, hair and beard stay.
FACE_FEATURES = ("eye_left", "eye_right", "brow_left", "brow_right", "nose", "mouth")


def _face_params(rng, s) -> dict:
    """Everything random about one face, drawn at once (so that every variant of the face
    consumes the same random numbers and shares everything else in its scene)."""
    tone = np.asarray([(240, 200, 170), (200, 150, 110), (150, 100, 70), (95, 65, 45)][rng.integers(4)], float)
    p = dict(skin=tuple(int(v) for v in np.clip(tone * rng.uniform(0.88, 1.1), 0, 255)),
             hw=s * rng.uniform(0.25, 0.31), hh=s * rng.uniform(0.33, 0.4),
             hair=_tone(rng, [(30, 25, 20), (110, 70, 30), (200, 170, 90), (150, 150, 150), (140, 50, 20)][rng.integers(5)], 12),
             style=int(rng.integers(4)))
    p["turn"] = rng.uniform(-0.12, 0.12) * p["hw"]  # features shift a little for a slight turn of the head
    p["eye_y"] = s / 2 - p["hh"] * rng.uniform(0.05, 0.18)
    p["dx"] = p["hw"] * rng.uniform(0.38, 0.48)
    p["er"] = s * rng.uniform(0.035, 0.05)
    p["iris"] = _tone(rng, [(60, 40, 20), (40, 90, 150), (60, 110, 60)][rng.integers(3)], 12)
    p["brow_tilt"] = rng.uniform(-0.3, 0.3, 2)
    p["glasses"] = bool(rng.random() < 0.2)
    p["nose_y"] = s / 2 + p["hh"] * rng.uniform(0.15, 0.3)
    p["mouth_y"], p["mouth_w"] = s / 2 + p["hh"] * rng.uniform(0.5, 0.62), p["hw"] * rng.uniform(0.3, 0.5)
    p["lips"] = _tone(rng, (170, 70, 70), 15)
    p["beard"] = bool(rng.random() < 0.25)
    p["smile"] = bool(rng.random() < 0.7)
    # the scrambled arrangement (used only by the scrambled variant, drawn for every face):
    # mirrored or not, which eye goes up, which brow goes low
    p["scramble"] = rng.integers(0, 2, 3)
    p["jitter"] = rng.uniform(-1, 1, (len(FACE_FEATURES), 2))
    return p


def _face_anchors(p, s, scrambled: bool) -> dict:
    """Where each feature is drawn: {feature: (x, y)}, at home or scrambled (each moved to
    a place inside the head that is not its own, with a small jitter)."""
    c = s / 2
    x0 = c + p["turn"]
    er = p["er"]
    home = {"eye_left": (x0 - p["dx"], p["eye_y"]), "eye_right": (x0 + p["dx"], p["eye_y"]),
            "brow_left": (x0 - p["dx"], p["eye_y"] - er * 2.0), "brow_right": (x0 + p["dx"], p["eye_y"] - er * 2.0),
            "nose": (x0, (p["eye_y"] + er + p["nose_y"]) / 2), "mouth": (x0, p["mouth_y"])}
    if not scrambled:
        return home
    # Six places inside the head, none a feature's own: one eye on the forehead, the other
    # low on one cheek, the mouth in the middle, the nose beside it, one brow low on the
    # other cheek, one beside the eyes' row. No two eyes side by side above a mouth.
    hw, hh = p["hw"], p["hh"]
    m = 1 if p["scramble"][0] else -1  # mirror
    up, down = ("eye_left", "eye_right") if p["scramble"][1] else ("eye_right", "eye_left")
    low, mid = ("brow_left", "brow_right") if p["scramble"][2] else ("brow_right", "brow_left")
    places = {up: (c, c - hh * 0.55), down: (c + m * hw * 0.5, c + hh * 0.5), "mouth": (c, c + hh * 0.2),
              "nose": (c - m * hw * 0.5, c - hh * 0.05), low: (c - m * hw * 0.5, c + hh * 0.5),
              mid: (c + m * hw * 0.5, c - hh * 0.05)}
    j = p["jitter"] * np.array([hw * 0.06, hh * 0.04])
    return {f: (places[f][0] + j[i, 0], places[f][1] + j[i, 1]) for i, f in enumerate(FACE_FEATURES)}

def _draw_face_feature(d, p, s, feature: str, x: float, y: float, eyes: str) -> None:
    """One feature of the face centred at (x, y)."""
    er = p["er"]
    if feature.startswith("eye"):
        if eyes == "disc":
            _eye_disc(d, x, y, er * 0.75)
        else:
            d.polygon(_almond(x, y, er * 1.5, er), fill=(250, 250, 250))
            _ellipse(d, x, y, er * 0.7, er * 0.7, p["iris"])
            _ellipse(d, x, y, er * 0.3, er * 0.3, (10, 10, 10))
            d.line(_almond(x, y, er * 1.5, er)[:10], fill=_shade(p["skin"], 0.5), width=max(1, int(s * 0.01)))
        if p["glasses"]:
            d.ellipse([x - er * 2, y - er * 1.6, x + er * 2, y + er * 1.6], outline=(30, 30, 30),
                      width=max(1, int(s * 0.012)))
    elif feature.startswith("brow"):
        t = p["brow_tilt"][0 if feature.endswith("left") else 1]
        d.line([(x - er * 1.6, y + er * 0.1), (x + er * 1.6, y - er * (0.1 + t))], fill=_shade(p["hair"], 0.8),
               width=max(1, int(s * 0.018)))
    elif feature == "nose":
        h = (p["nose_y"] - p["eye_y"] - er) / 2
        d.polygon([(x, y - h), (x - s * 0.035, y + h), (x + s * 0.035, y + h)], fill=_shade(p["skin"], 0.75))
    else:  # mouth
        mw = p["mouth_w"]
        if p["smile"]:
            d.chord([x - mw, y - s * 0.04, x + mw, y + s * 0.04], 0, 180, fill=p["lips"])
        else:
            d.line([(x - mw, y), (x + mw, y)], fill=p["lips"], width=max(1, int(s * 0.02)))


def _draw_head(d, p, s) -> None:
    """The head without features: hair behind, ears, skin, hair on top, beard."""
    c = s / 2
    hw, hh, skin, hair = p["hw"], p["hh"], p["skin"], p["hair"]
    if p["style"] == 1:  # long hair behind the head
        d.rounded_rectangle([c - hw * 1.2, c - hh * 1.05, c + hw * 1.2, c + hh * 0.9], radius=hw * 0.6, fill=hair)
    for sx in (-1, 1):  # ears
        _ellipse(d, c + sx * hw, c, s * 0.045, s * 0.07, skin)
    _ellipse(d, c, c, hw, hh, skin)
    if p["style"] != 3:  # hair on top (style 3: bald)
        d.chord([c - hw * 1.03, c - hh * 1.08, c + hw * 1.03, c + hh * 0.3], 180, 360, fill=hair)
    if p["beard"]:
        d.chord([c - hw * 0.95, c + hh * 0.1, c + hw * 0.95, c + hh * 1.02], 20, 160, fill=hair)


def _face_layers(rng, n: int, eyes: str = "almond") -> dict:
    """The layers of one face and its paired controls, n x n RGBA each (see :func:`face_controls`):
    ``face``, ``featureless``, ``scrambled``, and the features alone at their own places
    (``features``) and at the scrambled places (``features_scrambled``), whose alpha says
    where the controls may differ from the face."""
    if eyes not in EYES:
        raise ValueError(f"eyes must be one of {EYES}, got {eyes!r}.")
    p = _face_params(rng, n)
    out = {}
    for name, where in (("face", False), ("featureless", None), ("scrambled", True),
                        ("features", False), ("features_scrambled", True)):
        layer = Image.new("RGBA", (n, n), (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
        if not name.startswith("features"):
            _draw_head(d, p, n)
        if where is not None:
            for f, (x, y) in _face_anchors(p, n, where).items():
                _draw_face_feature(d, p, n, f, x, y, eyes)
        out[name] = layer
    return out


def _draw_face(d, rng, s, eyes: str = "almond"):
    """A frontal human face (measurement only: never a training class)."""
    p = _face_params(rng, s)
    _draw_head(d, p, s)
    for f, (x, y) in _face_anchors(p, s, False).items():
        _draw_face_feature(d, p, s, f, x, y, eyes)


def _draw_pareidolia(d, rng, s):
    """An object whose parts happen to form two eyes and a mouth (measurement only): a
    wall socket, a house front, a tree stump, a backpack, a chest of drawers. None of them
    is, or looks like, a training class (no car seen from the front: cars are trained)."""
    c = s / 2
    kind = rng.integers(5)
    if kind == 0:  # wall socket: two slots, an earth hole below
        plate = _tone(rng, [(235, 235, 225), (200, 200, 190), (60, 60, 60)][rng.integers(3)], 10)
        r = s * rng.uniform(0.22, 0.3)
        d.rounded_rectangle([c - r, c - r, c + r, c + r], radius=r * 0.25, fill=plate)
        hole = _shade(plate, 0.25) if sum(plate) > 300 else (220, 220, 210)
        for sx in (-1, 1):
            x = c + sx * r * 0.4
            d.rounded_rectangle([x - r * 0.08, c - r * 0.45, x + r * 0.08, c - r * 0.05], radius=r * 0.05, fill=hole)
        d.chord([c - r * 0.35, c + r * 0.1, c + r * 0.35, c + r * 0.55], 0, 180, fill=hole)
    elif kind == 1:  # house front: windows as eyes, door as mouth
        wall = _tone(rng, [(200, 190, 160), (170, 80, 60), (120, 140, 160)][rng.integers(3)], 20)
        w, h = s * rng.uniform(0.26, 0.33), s * rng.uniform(0.2, 0.26)
        d.rectangle([c - w, c - h * 0.6, c + w, c + h * 1.3], fill=wall)
        d.polygon([(c - w * 1.15, c - h * 0.6), (c + w * 1.15, c - h * 0.6), (c, c - h * 1.6)], fill=_tone(rng, (110, 50, 40), 20))
        glass = _tone(rng, (40, 50, 70), 15)
        for sx in (-1, 1):
            x = c + sx * w * 0.5
            d.rectangle([x - w * 0.2, c - h * 0.35, x + w * 0.2, c + h * 0.05], fill=glass)
        d.rectangle([c - w * 0.35, c + h * 0.55, c + w * 0.35, c + h * 1.3], fill=_tone(rng, (70, 45, 30), 15))
    elif kind == 2:  # rock or tree stump: two knot holes and a crack
        base = _tone(rng, [(120, 110, 100), (130, 90, 55), (90, 100, 80)][rng.integers(3)], 15)
        ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)
        d.polygon(_polar(c, c, s * 0.3 * rng.uniform(0.8, 1.1, 12), ang), fill=base)
        holes = _shade(base, 0.3)
        for sx in (-1, 1):
            x, y, r = c + sx * s * 0.1, c - s * 0.06, s * rng.uniform(0.035, 0.055)
            _ellipse(d, x, y, r, r * 0.8, holes)
        pts = [(c - s * 0.12 + k * s * 0.06, c + s * 0.1 + rng.uniform(-1, 1) * s * 0.015) for k in range(5)]
        d.line(pts, fill=holes, width=max(1, int(s * 0.022)))
    elif kind == 3:  # backpack from the front: two round buckles as eyes, a curved zip pocket as mouth
        cloth = _tone(rng, [(40, 70, 140), (160, 40, 40), (60, 60, 65), (70, 120, 70), (220, 150, 40)][rng.integers(5)], 20)
        w, h = s * rng.uniform(0.2, 0.25), s * rng.uniform(0.27, 0.32)
        d.arc([c - w * 0.45, c - h - s * 0.08, c + w * 0.45, c - h + s * 0.06], 180, 360, fill=_shade(cloth, 0.6),
              width=max(2, int(s * 0.025)))  # carrying loop
        d.rounded_rectangle([c - w, c - h, c + w, c + h], radius=w * 0.45, fill=cloth)
        buckle = _tone(rng, [(200, 200, 205), (30, 30, 30), (210, 180, 80)][rng.integers(3)], 10)
        for sx in (-1, 1):
            x, y, r = c + sx * w * 0.45, c - h * 0.3, s * rng.uniform(0.03, 0.045)
            _ellipse(d, x, y, r, r, buckle)
            _ellipse(d, x, y, r * 0.45, r * 0.45, _shade(cloth, 0.5))
        d.chord([c - w * 0.6, c + h * 0.05, c + w * 0.6, c + h * 0.65], 0, 180, fill=_shade(cloth, 0.75))
        d.arc([c - w * 0.6, c + h * 0.05, c + w * 0.6, c + h * 0.65], 0, 180, fill=_shade(cloth, 0.4),
              width=max(1, int(s * 0.012)))  # the zip
    else:  # chest of drawers: two knobs above a wide handle
        wood = _tone(rng, [(140, 90, 50), (90, 55, 30), (200, 160, 110), (230, 230, 225)][rng.integers(4)], 15)
        w, h = s * rng.uniform(0.26, 0.32), s * rng.uniform(0.26, 0.32)
        d.rectangle([c - w, c - h, c + w, c + h], fill=wood)
        line = _shade(wood, 0.6)
        d.line([(c - w, c - h * 0.1), (c + w, c - h * 0.1)], fill=line, width=max(1, int(s * 0.012)))
        d.line([(c, c - h), (c, c - h * 0.1)], fill=line, width=max(1, int(s * 0.012)))
        knob = _tone(rng, (200, 180, 90), 20) if rng.random() < 0.5 else _shade(wood, 0.35)
        for sx in (-1, 1):
            _ellipse(d, c + sx * w * 0.5, c - h * 0.55, s * 0.035, s * 0.035, knob)
        d.rounded_rectangle([c - w * 0.4, c + h * 0.35, c + w * 0.4, c + h * 0.5], radius=s * 0.01, fill=knob)


# --------------------------------------------------------------------------- the scene


def _background(rng, n: int) -> Image.Image:
    """A background shared by every class: a colour gradient with low-frequency noise,
    stripes or soft blobs. n x n RGB."""
    a, b = rng.uniform(30, 225, 3), rng.uniform(30, 225, 3)
    angle = rng.uniform(0, 2 * np.pi)
    g = 16  # smooth parts are computed on a g x g grid and upsampled
    ramp = np.linspace(-0.5, 0.5, g)
    t = np.clip(0.5 + np.cos(angle) * ramp[None, :] + np.sin(angle) * ramp[:, None], 0, 1)[..., None]
    img = a * (1 - t) + b * t
    kind = rng.integers(4)
    if kind == 1:  # low-frequency noise
        k = int(rng.integers(3, 9))
        cells = Image.fromarray(rng.integers(0, 256, (k, k, 3), dtype=np.uint8), "RGB").resize((g, g), Image.BILINEAR)
        img = img * 0.65 + np.asarray(cells, dtype=np.float64) * 0.35
    canvas = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB").resize((n, n), Image.BILINEAR)
    if kind == 2:  # stripes: a darker, shifted copy of the background on alternate bands
        period = rng.uniform(0.06, 0.25) * n
        phi = rng.uniform(0, np.pi)
        wave = np.cos(phi) * np.arange(n)[None, :] + np.sin(phi) * np.arange(n)[:, None]
        mask = np.sin(2 * np.pi * wave / period) > rng.uniform(-0.5, 0.5)
        other = canvas.point(lambda v, f=rng.uniform(0.55, 0.85), o=rng.uniform(0, 60): int(min(255, v * f + o)))
        canvas.paste(other, (0, 0), Image.fromarray(mask.astype(np.uint8) * 255, "L"))
    elif kind == 3:  # soft blobs
        draw = ImageDraw.Draw(canvas, "RGBA")
        for _ in range(int(rng.integers(3, 8))):
            x, y = rng.uniform(0, n, 2)
            r = rng.uniform(0.05, 0.25) * n
            draw.ellipse([x - r, y - r * rng.uniform(0.5, 1), x + r, y + r], fill=_any_colour(rng) + (int(rng.uniform(40, 110)),))
    return canvas


def _distractor(draw, rng, n, alpha=255):
    """A shape that occurs equally in every class: polygon, bar, ring, arc or zigzag."""
    col = _any_colour(rng) + (alpha,)
    x, y = rng.uniform(0, n, 2)
    r = rng.uniform(0.04, 0.12) * n
    kind = rng.integers(5)
    if kind == 0:
        k = int(rng.integers(3, 7))
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        draw.polygon(_polar(x, y, r * rng.uniform(0.5, 1.0, k), ang), fill=col)
    elif kind == 1:
        a = rng.uniform(0, np.pi)
        draw.line([(x - r * np.cos(a), y - r * np.sin(a)), (x + r * np.cos(a), y + r * np.sin(a))], fill=col,
                  width=max(1, int(rng.uniform(0.01, 0.04) * n)))
    elif kind == 2:
        draw.ellipse([x - r, y - r, x + r, y + r], outline=col, width=max(1, int(rng.uniform(0.01, 0.03) * n)))
    elif kind == 3:
        start = rng.uniform(0, 360)
        draw.arc([x - r, y - r, x + r, y + r], start, start + rng.uniform(60, 200), fill=col,
                 width=max(1, int(rng.uniform(0.01, 0.03) * n)))
    else:
        pts = [(x - r + 2 * r * j / 4, y + (r * 0.3 if j % 2 else -r * 0.3)) for j in range(5)]
        draw.line(pts, fill=col, width=max(1, int(rng.uniform(0.01, 0.025) * n)))


#: Training images: the object's longer side is this fraction of the frame (uniform).
TRAIN_SCALE = (0.45, 0.95)
#: Measurement images: the object's filled area (its drawn pixels, before occlusion) is
#: this fraction of the frame (uniform), whatever its shape, so area says nothing about
#: the category (scaled by the longer side, a round face would fill twice a car's area).
MEASURE_AREA = (0.10, 0.16)
#: Probability that an occluder is drawn in front of the object.
OCCLUSION = 0.3


def _single(painter: Callable) -> Callable:
    """A painter ``painter(draw, rng, s)`` as a layer maker ``rng, n -> {"object": RGBA layer}``."""
    def layers(rng, n):
        layer = Image.new("RGBA", (n, n), (0, 0, 0, 0))
        painter(ImageDraw.Draw(layer), rng, n)
        return {"object": layer}
    return layers


def _flat(layer: Image.Image) -> Image.Image:
    """The layer's silhouette filled with its mean colour (over its drawn pixels)."""
    px = np.asarray(layer, dtype=np.float64)
    drawn = px[..., 3] > 0
    mean = px[drawn, :3].mean(axis=0) if drawn.any() else np.zeros(3)
    flat = np.zeros_like(px, dtype=np.uint8)
    flat[..., :3] = np.round(mean).astype(np.uint8)
    flat[..., 3] = px[..., 3].astype(np.uint8)
    return Image.fromarray(flat, "RGBA")


def _compose(layers_fn: Callable, rng, size: int, area: tuple | None = None, silhouette: bool = False,
             masks: Sequence[str] = ()) -> dict:
    """Background, clutter, the object, pose, occluder, grain: one scene per layer.

    ``layers_fn(rng, n)`` returns n x n RGBA layers, the first one the object itself (its
    drawn pixels set the crop and the scale); every layer gets the same pose and scene.
    ``area``: None scales the object's longer side to a fraction :data:`TRAIN_SCALE` of the
    frame (training), a (low, high) range scales its filled area to that fraction of the
    frame and keeps it inside the frame (measurement).

    Returns {layer name: uint8 (size, size, 3)} for the layers not named in ``masks``,
    plus ``"silhouette"`` (the first layer flat in its mean colour) when asked,
    ``"footprint"``: bool (size, size), where the object covers at least half a pixel,
    and for each name in ``masks`` and for the first layer (when ``masks`` is given)
    ``"mask:" + name``: bool (size, size), every pixel that layer's drawn pixels can reach
    (after resampling, grown by one pixel).
    """
    n = 2 * size
    canvas = _background(rng, n)
    scene = ImageDraw.Draw(canvas, "RGBA")
    for _ in range(int(rng.integers(0, 5))):
        _distractor(scene, rng, n, alpha=int(rng.uniform(150, 256)))
    layers = layers_fn(rng, n)
    first = next(iter(layers))
    box = layers[first].getbbox() or (0, 0, n, n)
    layers = {k: v.crop(box) for k, v in layers.items()}
    if silhouette:
        layers["silhouette"] = _flat(layers[first])
    w0, h0 = layers[first].size
    squash = rng.uniform(0.7, 1.0) if rng.random() < 0.5 else 1.0  # a cheap three-quarter view
    if area is None:
        scale = n * rng.uniform(*TRAIN_SCALE) / max(w0, h0)
    else:
        filled = max(int((np.asarray(layers[first].getchannel("A")) > 0).sum()), 1)
        scale = np.sqrt(rng.uniform(*area) * n * n / (filled * squash))
    flip = rng.random() < 0.5
    angle = float(rng.uniform(-20, 20))
    target = (max(1, round(w0 * scale * squash)), max(1, round(h0 * scale)))

    def pose(img):
        img = img.resize(target, Image.BILINEAR)
        if flip:
            img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        return img.rotate(angle, resample=Image.BILINEAR, expand=True)

    layers = {k: pose(v) for k, v in layers.items()}
    w, h = layers[first].size
    if area is None:
        x, y = int(rng.uniform(-0.1 * w, n - 0.9 * w)), int(rng.uniform(-0.1 * h, n - 0.9 * h))
    else:  # the whole object in the frame, so its filled area is what was asked
        x, y = int(rng.uniform(0, max(n - w, 0))), int(rng.uniform(0, max(n - h, 0)))
    occluder = None
    if rng.random() < OCCLUSION:  # a bar or blob in front, covering part of the object
        col = _any_colour(rng) + (255,)
        side, f = rng.integers(4), rng.uniform(0.12, 0.3)
        x0, y0, x1, y1 = x, y, x + w, y + h
        start = x0 + rng.uniform(0.2, 0.6) * w
        box = ([x0 - 2, y0, x0 + f * w, y1], [x1 - f * w, y0, x1 + 2, y1], [x0, y1 - f * h, x1, y1 + 2],
               [start, y0, start + f * w * 0.6, y1])[side]
        occluder = (box, col, rng.random() < 0.5)
    grain = rng.integers(-6, 7, (size, size, 1), dtype=np.int16)  # sensor-like grain

    def shrink(img):
        return img.resize((size, size), Image.BILINEAR, reducing_gap=None)

    def alpha(layer):
        full = Image.new("L", (n, n), 0)
        full.paste(layer.getchannel("A"), (x, y))
        return np.asarray(shrink(full))

    def reach(layer):
        hit = alpha(layer) > 0
        grown = hit.copy()  # one pixel more on each side: rounding may reach that far
        grown[1:] |= hit[:-1]
        grown[:-1] |= hit[1:]
        wide = grown.copy()
        wide[:, 1:] |= grown[:, :-1]
        wide[:, :-1] |= grown[:, 1:]
        return wide

    out = {}
    if masks:
        out["mask:" + first] = reach(layers[first])
    for name, layer in layers.items():
        if name in masks:
            out["mask:" + name] = reach(layer)
            continue
        img = canvas.copy()
        img.paste(layer, (x, y), layer)
        if occluder is not None:
            box, col, plain = occluder
            draw_ = ImageDraw.Draw(img, "RGBA")
            if plain:
                draw_.rectangle(box, fill=col)
            else:
                draw_.rounded_rectangle(box, radius=min(box[2] - box[0], box[3] - box[1]) * 0.4, fill=col)
        small = np.asarray(shrink(img), dtype=np.int16) + grain
        out[name] = np.clip(small, 0, 255).astype(np.uint8)
    out["footprint"] = alpha(layers[first]) >= 128
    return out


def _breed_painter(breed: str) -> Callable:
    return lambda d, rng, s: _draw_dog(d, rng, s, _dog_params(rng, breed))


_PAINTERS: dict[str, Callable] = {
    **{b: _breed_painter(b) for b in BREEDS},
    "car": _draw_car, "cup": _draw_cup, "bottle": _draw_bottle, "bird": _draw_bird, "fish": _draw_fish,
    "airplane": _draw_airplane, "bicycle": _draw_bicycle, "chair": _draw_chair,
    "cat": _draw_cat, "horse": _draw_horse, "owl": _draw_owl, "frog": _draw_frog,
    "i-see-face": _draw_pareidolia, "umbrella": _draw_umbrella,
}


def _layers(name: str, eyes: str = "almond") -> Callable:
    """The layer maker of class or category ``name`` (faces: just the face layer)."""
    if name == "face":
        return lambda rng, n: {"face": _face_layers(rng, n, eyes)["face"]}
    return _single(_PAINTERS[name])


def whole_number(name: str, value, minimum: int | None = None) -> int:
    """``value`` as an int, refusing what is not a whole number (a float such as 1.7 or
    0.5, a bool, a string) and values below ``minimum``: ValueError saying which argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a whole number, got {value!r}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    return int(value)


def _check_eyes(eyes: str) -> str:
    if eyes not in EYES:
        raise ValueError(f"eyes must be one of {list(EYES)}, got {eyes!r}.")
    return eyes


def draw(name: str, size: int = DEFAULT_SIZE, rng: np.random.Generator | None = None, eyes: str = "almond",
         measure: bool = False) -> np.ndarray:
    """One image of class or category ``name``: uint8 array (size, size, 3).

    ``name`` is one of :data:`CLASSES` or :data:`MEASUREMENT_CATEGORIES` (``"dog"`` draws
    a breed chosen by ``rng``). ``rng`` defaults to ``numpy.random.default_rng(0)``.
    ``eyes`` picks the face's eye drawing (:data:`EYES`); ``measure=True`` scales the
    object by its filled area as the measurement set does (:data:`MEASURE_AREA`) instead
    of by its longer side as the training set does (:data:`TRAIN_SCALE`).
    """
    rng = np.random.default_rng(0) if rng is None else rng
    size = whole_number("size", size, 16)
    _check_eyes(eyes)
    if name == "dog":
        name = BREEDS[int(rng.integers(len(BREEDS)))]
    if name not in _PAINTERS and name != "face":
        raise ValueError(f"Nothing to draw for {name!r}; choose from {list(CLASSES) + list(MEASUREMENT_CATEGORIES)}.")
    scene = _compose(_layers(name, eyes), rng, size, area=MEASURE_AREA if measure else None)
    return scene["face" if name == "face" else "object"]


def _rng(seed: int, split: str, code: int, i: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), SPLITS.index(split), int(code), int(i)])


def _check(n: int, size: int, seed: int) -> tuple[int, int, int]:
    return whole_number("n_per_class", n, 1), whole_number("size", size, 16), whole_number("seed", seed, 0)


def _names(given: Sequence[str], allowed: Sequence[str], what: str) -> list[str]:
    """``given`` as a list of at least two distinct names from ``allowed``."""
    if isinstance(given, str):
        raise ValueError(f"{what} must be a list of names, got the string {given!r}.")
    given = list(given)
    unknown = [c for c in given if c not in allowed]
    if unknown:
        raise ValueError(f"Unknown {what} {unknown}; choose from {list(allowed)}.")
    if len(given) < 2 or len(set(given)) != len(given):
        raise ValueError(f"Need at least two distinct {what} (a selectivity needs something to compare), got {given}.")
    return given


def dataset(split: str = "train", n_per_class: int = 100, size: int = DEFAULT_SIZE, seed: int = 0,
            classes: Sequence[str] = CLASSES) -> tuple[np.ndarray, np.ndarray]:
    """Images of the training classes, class by class.

    Parameters
    ----------
    split : "train" or "test"; the two draw from different image streams, so no test
        image is a training image
    n_per_class : images per class (a whole number >= 1)
    size : image side in pixels (a whole number >= 16)
    seed : image ``i`` of class ``k`` depends only on (seed, split, k, i)
    classes : at least two of :data:`CLASSES` (labels still index :data:`CLASSES`)

    Returns
    -------
    images : uint8 (n_per_class * len(classes), size, size, 3)
    labels : int64 (n_per_class * len(classes),), indices into :data:`CLASSES`
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    n_per_class, size, seed = _check(n_per_class, size, seed)
    codes = [CLASSES.index(c) for c in _names(classes, CLASSES, "classes")]
    images = np.empty((len(codes) * n_per_class, size, size, 3), np.uint8)
    for j, k in enumerate(codes):
        make = _single(_PAINTERS[CLASSES[k]])
        for i in range(n_per_class):
            images[j * n_per_class + i] = _compose(make, _rng(seed, split, k, i), size)["object"]
    return images, np.repeat(np.asarray(codes, dtype=np.int64), n_per_class)


def _measure(n_per_category, size, seed, categories, eyes):
    """The measurement scenes, category by category: (list of _compose outputs, breeds)."""
    n, size, seed = _check(n_per_category, size, seed)
    categories = _names(categories, MEASUREMENT_CATEGORIES, "measurement categories")
    _check_eyes(eyes)
    scenes, breeds = [], []
    for cat in categories:
        code = MEASUREMENT_CATEGORIES.index(cat)
        for i in range(n):
            name = BREEDS[i % len(BREEDS)] if cat == "dog" else cat
            scenes.append(_compose(_layers(name, eyes), _rng(seed, "measure", code, i), size, MEASURE_AREA))
            breeds.append(name if cat == "dog" else "")
    return scenes, breeds, categories


def measurement_set(n_per_category: int = 24, size: int = DEFAULT_SIZE, seed: int = 0,
                    categories: Sequence[str] = PAPER_CATEGORIES, eyes: str = "almond"
                    ) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """The measurement stimuli (default: face, i-see-face, car, dog), category by category.

    Drawn from their own image stream (split "measure"), so no image is a training or
    test image. Each object is scaled to a filled area drawn from :data:`MEASURE_AREA`
    (the same for every category) and lies wholly inside the frame. Dogs cycle through
    :data:`BREEDS` (image ``i`` is breed ``i % 6``), so every breed is equally represented
    when ``n_per_category`` is a multiple of 6. ``categories``: at least two of
    :data:`MEASUREMENT_CATEGORIES` (add ``"umbrella"``, never trained on, for a novel
    object category). ``eyes``: the face's eye drawing, one of :data:`EYES`.
    Image ``i`` of a category depends only on (seed, category, i, eyes).

    Returns
    -------
    images : uint8 (n_per_category * len(categories), size, size, 3)
    labels : int64 (n,), indices into ``categories``
    categories : list of str, the category names (``categories[label]``)
    breeds : list of str (n,), the breed of each dog image, "" for the other categories
    """
    scenes, breeds, categories = _measure(n_per_category, size, seed, categories, eyes)
    images = np.stack([sc.get("face", sc.get("object")) for sc in scenes])
    labels = np.repeat(np.arange(len(categories), dtype=np.int64), int(n_per_category))
    return images, labels, categories, breeds


def filled_areas(n_per_category: int = 24, size: int = DEFAULT_SIZE, seed: int = 0,
                 categories: Sequence[str] = PAPER_CATEGORIES, eyes: str = "almond") -> np.ndarray:
    """Fraction of the frame each object of :func:`measurement_set` (same arguments)
    covers, occluded parts included: float64 (n,), in [0, 1]."""
    scenes, _, _ = _measure(n_per_category, size, seed, categories, eyes)
    return np.array([sc["footprint"].mean() for sc in scenes])


@dataclass(frozen=True)
class FaceControls:
    """Face images and their paired controls (:func:`face_controls`).

    images : {"face", "featureless", "scrambled", "silhouette"} -> uint8 (n, size, size, 3).
        Image ``i`` of every control is face ``i``'s scene (background, clutter, head,
        pose, occluder, grain) with one change: ``featureless`` without eyes (and
        glasses), brows, nose and mouth; ``scrambled`` with those six features moved to
        other places inside the head; ``silhouette`` the whole head (hair, ears) flat in
        its mean colour.
    masks : {"featureless", "scrambled", "silhouette"} -> bool (n, size, size), the pixels
        where that control may differ from its face (features at home; at home or at
        their scrambled places; the head's footprint), grown by one pixel for resampling.
        Outside its mask a control equals its face exactly.
    footprint : bool (n, size, size), pixels the head covers (at least half a pixel)
    seed, eyes : the arguments that drew them
    """

    images: dict
    masks: dict
    footprint: np.ndarray
    seed: int
    eyes: str


CONTROLS = ("featureless", "scrambled", "silhouette")


def face_controls(n: int = 36, size: int = DEFAULT_SIZE, seed: int = 0, eyes: str = "almond") -> FaceControls:
    """The ``n`` face images of :func:`measurement_set` (same ``size``, ``seed``, ``eyes``:
    identical pixels) with three paired controls each; see :class:`FaceControls`."""
    n, size, seed = _check(n, size, seed)
    _check_eyes(eyes)
    code = MEASUREMENT_CATEGORIES.index("face")
    scenes = [_compose(lambda r, m: _face_layers(r, m, eyes), _rng(seed, "measure", code, i), size, MEASURE_AREA,
                       silhouette=True, masks=("features", "features_scrambled")) for i in range(n)]
    images = {k: np.stack([sc[k] for sc in scenes]) for k in ("face",) + CONTROLS}
    home = np.stack([sc["mask:features"] for sc in scenes])
    away = np.stack([sc["mask:features_scrambled"] for sc in scenes])
    masks = {"featureless": home, "scrambled": home | away, "silhouette": np.stack([sc["mask:face"] for sc in scenes])}
    return FaceControls(images, masks, np.stack([sc["footprint"] for sc in scenes]), seed, eyes)


def measurement_stimuli(n_per_category: int = 36, size: int = DEFAULT_SIZE, seed: int = 0,
                        categories: Sequence[str] = PAPER_CATEGORIES, eyes: str = "almond"):
    """:func:`measurement_set` as a :class:`helpers.stimuli.sets.StimulusSet` (the quick profile's stimuli).

    The images live in memory (``pixels``, already ``size`` px, so the preprocessing only
    normalises), ``schematic=True`` (generated drawings, not photographs), each dog's
    breed in ``subcategories`` ("" for the other categories), paths such as
    ``miniworld:dog/0003``. Deterministic: the same arguments give the same images; other
    ``seed`` values give other images (pool several seeds for more images per category).
    36 per category (the default) is 6 of each breed.
    """
    images, labels, names, breeds = measurement_set(n_per_category, size, seed, categories, eyes)
    return _stimulus_set(images, labels, names, int(n_per_category), int(size), int(seed), eyes, breeds)


def control_stimuli(n: int = 36, size: int = DEFAULT_SIZE, seed: int = 0, eyes: str = "almond"):
    """:func:`face_controls` as a :class:`helpers.stimuli.sets.StimulusSet` with the categories
    ``face``, ``featureless``, ``scrambled``, ``silhouette`` (``n`` each, image ``i`` of
    each category paired with face ``i``)."""
    fc = face_controls(n, size, seed, eyes)
    names = ["face", *CONTROLS]
    images = np.concatenate([fc.images[k] for k in names])
    labels = np.repeat(np.arange(len(names), dtype=np.int64), int(n))
    return _stimulus_set(images, labels, names, int(n), int(size), int(seed), eyes, None)


def _stimulus_set(images, labels, names, n, size, seed, eyes, subcategories):
    from helpers.stimuli.sets import Preprocess, StimulusSet

    paths = [f"miniworld:{names[k]}/{i % n:04d}" for i, k in enumerate(labels)]
    eye_note = "" if eyes == "almond" else f", face eyes {eyes!r}"
    return StimulusSet(names, labels, paths, Preprocess(resize=size, crop=size),
                       source=f"generated drawings (helpers.organism.world, seed {seed}, {size} px{eye_note})",
                       schematic=True, pixels=images, subcategories=subcategories)


def image_hashes(images: np.ndarray) -> list[str]:
    """A short content hash per image (uint8 (n, H, W, 3) -> n hex strings), to check
    that two sets share no image."""
    return [hashlib.blake2b(np.ascontiguousarray(im).tobytes(), digest_size=12).hexdigest() for im in images]
