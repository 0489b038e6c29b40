"""A generated "mini-ImageNet": procedurally drawn classes for training a model organism.

The world has 14 training classes (:data:`CLASSES`): six dog breeds (:data:`BREEDS`) and
eight kinds of object, among them the essay's car and cup. It has the structure the
essay is about: a fine-grained group (the breeds differ from each other in a few visual
attributes each, as ImageNet's 118 breeds do) next to coarse classes, and a small class
hierarchy (:data:`PARENTS`) with a distance between classes and hierarchy-aware soft
labels computed exactly as :mod:`helpers.cnn.imagenet` computes them for ImageNet.

The breeds are caricatures, not portraits. Each has a few attributes drawn from its own
ranges (coat colour and pattern, ear shape, snout length, tail, body length and depth,
leg length); most single attributes overlap between some breeds (greyhounds, bulldogs
and dalmatians can all be white; beagles and dalmatians share floppy ears and medium
snouts; leg lengths form a continuum), so telling breeds apart takes a combination.

Like ImageNet, the world has **no face class**, and nothing in it is drawn on purpose as
a face: no training class arranges two eyes and a mouth (no clock faces, house fronts,
sockets or cars seen from the front: those belong to the ``i-see-face`` measurement
category). Dogs, birds and fish are drawn in profile, so their heads carry one eye, as
the heads of ImageNet's animals do.

The measurement categories (:data:`MEASUREMENT_CATEGORIES`: ``face``, ``i-see-face``,
``car``, ``dog``) are drawn by the same family of generators and the same scene
machinery (backgrounds, clutter, occlusion, sizes, poses) and with their own seeds, so
no measurement image is a training image.

Every image: a background (gradient plus noise, stripes or blobs), zero to three
distractor shapes that occur equally in every class (so they carry no class
information), the object at a random position and scale, mirrored at random, rotated by
up to 20 degrees, squashed horizontally for a cheap three-quarter view, sometimes partly
occluded by a shape drawn in front of it. Drawn at twice the size and downsampled.

Determinism: image ``i`` of class ``k`` in a split depends only on (seed, split, k, i),
so a larger set extends a smaller one and the splits share no image stream.

Shapes: images are uint8 arrays (n, size, size, 3) (RGB), labels int64 arrays (n,).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw

# --------------------------------------------------------------------------- the world's classes

BREEDS: tuple[str, ...] = ("dachshund", "greyhound", "bulldog", "husky", "dalmatian", "beagle")
#: Training classes, in label order: the breeds first, then the objects.
CLASSES: tuple[str, ...] = BREEDS + ("car", "cup", "bottle", "bird", "fish", "airplane", "bicycle", "chair")
#: Never trained on; drawn only for measuring selectivity.
MEASUREMENT_CATEGORIES: tuple[str, ...] = ("face", "i-see-face", "car", "dog")
#: Image streams: "train" and "test" hold the training classes, "measure" the measurement categories.
SPLITS: tuple[str, ...] = ("train", "test", "measure")

#: The class hierarchy: child -> parent; the root is "entity".
PARENTS: dict[str, str] = {
    **{b: "dog" for b in BREEDS},
    "dog": "animal", "bird": "animal", "fish": "animal",
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
    ex, ey, er = c + L * 0.65, c - H * 0.25, s * rng.uniform(0.018, 0.028)
    _ellipse(d, ex, ey, er * 1.5, er * 1.5, (245, 245, 245))
    _ellipse(d, ex, ey, er, er, (10, 10, 10))


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


# --------------------------------------------------------------------------- measurement drawings


def _draw_face(d, rng, s):
    """A frontal human face (measurement only: never a training class)."""
    c = s / 2
    tone = np.asarray([(240, 200, 170), (200, 150, 110), (150, 100, 70), (95, 65, 45)][rng.integers(4)], float)
    skin = tuple(int(v) for v in np.clip(tone * rng.uniform(0.88, 1.1), 0, 255))
    hw, hh = s * rng.uniform(0.25, 0.31), s * rng.uniform(0.33, 0.4)
    turn = rng.uniform(-0.12, 0.12) * hw  # features shift a little for a slight turn of the head
    hair = _tone(rng, [(30, 25, 20), (110, 70, 30), (200, 170, 90), (150, 150, 150), (140, 50, 20)][rng.integers(5)], 12)
    style = rng.integers(4)
    if style == 1:  # long hair behind the head
        d.rounded_rectangle([c - hw * 1.2, c - hh * 1.05, c + hw * 1.2, c + hh * 0.9], radius=hw * 0.6, fill=hair)
    for sx in (-1, 1):  # ears
        _ellipse(d, c + sx * hw, c, s * 0.045, s * 0.07, skin)
    _ellipse(d, c, c, hw, hh, skin)
    if style != 3:  # hair on top (style 3: bald)
        d.chord([c - hw * 1.03, c - hh * 1.08, c + hw * 1.03, c + hh * 0.3], 180, 360, fill=hair)
    eye_y = c - hh * rng.uniform(0.05, 0.18)
    dx = hw * rng.uniform(0.38, 0.48)
    er = s * rng.uniform(0.035, 0.05)
    iris = _tone(rng, [(60, 40, 20), (40, 90, 150), (60, 110, 60)][rng.integers(3)], 12)
    brow = _shade(hair, 0.8)
    for sx in (-1, 1):
        ex = c + turn + sx * dx
        _ellipse(d, ex, eye_y, er * 1.5, er, (250, 250, 250))
        _ellipse(d, ex, eye_y, er * 0.7, er * 0.7, iris)
        _ellipse(d, ex, eye_y, er * 0.3, er * 0.3, (10, 10, 10))
        d.line([(ex - er * 1.6, eye_y - er * 1.9), (ex + er * 1.6, eye_y - er * (2.1 + rng.uniform(-0.3, 0.3)))],
               fill=brow, width=max(1, int(s * 0.018)))
    if rng.random() < 0.2:  # glasses
        for sx in (-1, 1):
            ex = c + turn + sx * dx
            d.ellipse([ex - er * 2, eye_y - er * 1.6, ex + er * 2, eye_y + er * 1.6], outline=(30, 30, 30),
                      width=max(1, int(s * 0.012)))
    nose_y = c + hh * rng.uniform(0.15, 0.3)
    d.polygon([(c + turn, eye_y + er), (c + turn - s * 0.035, nose_y), (c + turn + s * 0.035, nose_y)], fill=_shade(skin, 0.75))
    my, mw = c + hh * rng.uniform(0.5, 0.62), hw * rng.uniform(0.3, 0.5)
    lips = _tone(rng, (170, 70, 70), 15)
    if rng.random() < 0.25:  # beard
        d.chord([c - hw * 0.95, c - hh * 0.2, c + hw * 0.95, c + hh * 1.02], 20, 160, fill=hair)
    if rng.random() < 0.7:
        d.chord([c + turn - mw, my - s * 0.04, c + turn + mw, my + s * 0.04], 0, 180, fill=lips)
    else:
        d.line([(c + turn - mw, my), (c + turn + mw, my)], fill=lips, width=max(1, int(s * 0.02)))


def _draw_pareidolia(d, rng, s):
    """An object whose parts happen to form two eyes and a mouth (measurement only):
    a wall socket, a house front, a tree stump, a car seen from the front, a chest of drawers."""
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
    elif kind == 3:  # car from the front: headlights as eyes, grille as mouth
        body = _tone(rng, [(180, 30, 30), (30, 60, 160), (225, 225, 225), (40, 40, 45), (230, 190, 40)][rng.integers(5)], 20)
        w, h = s * rng.uniform(0.3, 0.36), s * rng.uniform(0.13, 0.16)
        y0 = c + s * 0.05
        d.polygon([(c - w * 0.7, y0 - h), (c - w * 0.55, y0 - h - s * 0.13), (c + w * 0.55, y0 - h - s * 0.13),
                   (c + w * 0.7, y0 - h)], fill=body)
        d.polygon([(c - w * 0.6, y0 - h), (c - w * 0.5, y0 - h - s * 0.11), (c + w * 0.5, y0 - h - s * 0.11),
                   (c + w * 0.6, y0 - h)], fill=_tone(rng, (150, 190, 220), 15))
        d.rounded_rectangle([c - w, y0 - h, c + w, y0 + h], radius=h * 0.4, fill=body)
        for sx in (-1, 1):
            _ellipse(d, c + sx * w * 0.62, y0 - h * 0.35, w * 0.16, h * 0.25, (250, 245, 200))
            d.rectangle([c + sx * w * 0.85 - s * 0.03, y0 + h, c + sx * w * 0.85 + s * 0.03, y0 + h + s * 0.06],
                        fill=(20, 20, 20))
        d.rounded_rectangle([c - w * 0.35, y0 + h * 0.05, c + w * 0.35, y0 + h * 0.6], radius=h * 0.2, fill=(30, 30, 35))
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


def _compose(painter: Callable, rng, size: int) -> np.ndarray:
    """Background, clutter, the object drawn by ``painter(draw, rng, s)``, pose, occluder.
    Returns uint8 (size, size, 3)."""
    n = 2 * size
    canvas = _background(rng, n)
    scene = ImageDraw.Draw(canvas, "RGBA")
    for _ in range(int(rng.integers(0, 4))):
        _distractor(scene, rng, n, alpha=int(rng.uniform(150, 256)))
    layer = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    painter(ImageDraw.Draw(layer), rng, n)
    # Every object's longer side becomes `s`, so size says nothing about the class; the
    # squash is a cheap three-quarter view.
    layer = layer.crop(layer.getbbox() or (0, 0, n, n))
    s = n * rng.uniform(0.55, 0.95)
    squash = rng.uniform(0.7, 1.0) if rng.random() < 0.5 else 1.0
    scale = s / max(layer.size)
    layer = layer.resize((max(1, round(layer.size[0] * scale * squash)), max(1, round(layer.size[1] * scale))),
                         Image.BILINEAR)
    if rng.random() < 0.5:
        layer = layer.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    layer = layer.rotate(float(rng.uniform(-20, 20)), resample=Image.BILINEAR, expand=True)
    w, h = layer.size
    x = int(rng.uniform(-0.1 * w, n - 0.9 * w))
    y = int(rng.uniform(-0.1 * h, n - 0.9 * h))
    canvas.paste(layer, (x, y), layer)
    if rng.random() < 0.25:  # an occluder in front: a bar or blob covering part of the object
        scene = ImageDraw.Draw(canvas, "RGBA")
        col = _any_colour(rng) + (255,)
        side = rng.integers(4)
        f = rng.uniform(0.12, 0.3)
        x0, y0, x1, y1 = x, y, x + w, y + h
        if side == 0:
            box = [x0 - 2, y0, x0 + f * w, y1]
        elif side == 1:
            box = [x1 - f * w, y0, x1 + 2, y1]
        elif side == 2:
            box = [x0, y1 - f * h, x1, y1 + 2]
        else:
            start = x0 + rng.uniform(0.2, 0.6) * w
            box = [start, y0, start + f * w * 0.6, y1]
        if rng.random() < 0.5:
            scene.rectangle(box, fill=col)
        else:
            scene.rounded_rectangle(box, radius=min(box[2] - box[0], box[3] - box[1]) * 0.4, fill=col)
    small = np.asarray(canvas.resize((size, size), Image.BILINEAR, reducing_gap=None), dtype=np.int16)
    small = small + rng.integers(-6, 7, (size, size, 1), dtype=np.int16)  # sensor-like grain
    return np.clip(small, 0, 255).astype(np.uint8)


def _breed_painter(breed: str) -> Callable:
    return lambda d, rng, s: _draw_dog(d, rng, s, _dog_params(rng, breed))


_PAINTERS: dict[str, Callable] = {
    **{b: _breed_painter(b) for b in BREEDS},
    "car": _draw_car, "cup": _draw_cup, "bottle": _draw_bottle, "bird": _draw_bird, "fish": _draw_fish,
    "airplane": _draw_airplane, "bicycle": _draw_bicycle, "chair": _draw_chair,
    "face": _draw_face, "i-see-face": _draw_pareidolia,
}


def draw(name: str, size: int = DEFAULT_SIZE, rng: np.random.Generator | None = None) -> np.ndarray:
    """One image of class or category ``name``: uint8 array (size, size, 3).

    ``name`` is one of :data:`CLASSES` or :data:`MEASUREMENT_CATEGORIES` (``"dog"`` draws
    a breed chosen by ``rng``). ``rng`` defaults to ``numpy.random.default_rng(0)``.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    if size < 16:
        raise ValueError(f"size must be at least 16 px, got {size}.")
    if name == "dog":
        name = BREEDS[int(rng.integers(len(BREEDS)))]
    if name not in _PAINTERS:
        raise ValueError(f"Nothing to draw for {name!r}; choose from {list(CLASSES) + list(MEASUREMENT_CATEGORIES)}.")
    return _compose(_PAINTERS[name], rng, int(size))


def _rng(seed: int, split: str, code: int, i: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), SPLITS.index(split), int(code), int(i)])


def _check(n: int, size: int, seed: int) -> None:
    if int(n) < 1:
        raise ValueError(f"Need at least one image per class, got {n}.")
    if int(size) < 16:
        raise ValueError(f"size must be at least 16 px, got {size}.")
    if int(seed) < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}.")


def dataset(split: str = "train", n_per_class: int = 100, size: int = DEFAULT_SIZE, seed: int = 0,
            classes: Sequence[str] = CLASSES) -> tuple[np.ndarray, np.ndarray]:
    """Images of the training classes, class by class.

    Parameters
    ----------
    split : "train" or "test"; the two draw from different image streams, so no test
        image is a training image
    n_per_class : images per class
    size : image side in pixels
    seed : image ``i`` of class ``k`` depends only on (seed, split, k, i)
    classes : a subset of :data:`CLASSES` (labels still index :data:`CLASSES`)

    Returns
    -------
    images : uint8 (n_per_class * len(classes), size, size, 3)
    labels : int64 (n_per_class * len(classes),), indices into :data:`CLASSES`
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    _check(n_per_class, size, seed)
    unknown = [c for c in classes if c not in CLASSES]
    if unknown:
        raise ValueError(f"Unknown classes {unknown}; choose from {list(CLASSES)}.")
    codes = [CLASSES.index(c) for c in classes]
    images = np.empty((len(codes) * n_per_class, size, size, 3), np.uint8)
    for j, k in enumerate(codes):
        for i in range(n_per_class):
            images[j * n_per_class + i] = _compose(_PAINTERS[CLASSES[k]], _rng(seed, split, k, i), size)
    return images, np.repeat(np.asarray(codes, dtype=np.int64), n_per_class)


def measurement_set(n_per_category: int = 24, size: int = DEFAULT_SIZE, seed: int = 0,
                    categories: Sequence[str] = MEASUREMENT_CATEGORIES
                    ) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """The measurement stimuli (face, i-see-face, car, dog), category by category.

    Drawn from their own image stream (split "measure"), so no image is a training or
    test image. Dogs cycle through :data:`BREEDS` (image ``i`` is breed ``i % 6``), so
    every breed is equally represented when ``n_per_category`` is a multiple of 6.

    Returns
    -------
    images : uint8 (n_per_category * len(categories), size, size, 3)
    labels : int64 (n,), indices into ``categories``
    categories : list of str, the category names (``categories[label]``)
    breeds : list of str (n,), the breed of each dog image, "" for the other categories
    """
    _check(n_per_category, size, seed)
    unknown = [c for c in categories if c not in MEASUREMENT_CATEGORIES]
    if unknown:
        raise ValueError(f"Unknown measurement categories {unknown}; choose from {list(MEASUREMENT_CATEGORIES)}.")
    n = int(n_per_category)
    images = np.empty((len(categories) * n, size, size, 3), np.uint8)
    breeds: list[str] = []
    for j, cat in enumerate(categories):
        code = MEASUREMENT_CATEGORIES.index(cat)
        for i in range(n):
            name = BREEDS[i % len(BREEDS)] if cat == "dog" else cat
            images[j * n + i] = _compose(_PAINTERS[name], _rng(seed, "measure", code, i), size)
            breeds.append(name if cat == "dog" else "")
    return images, np.repeat(np.arange(len(categories), dtype=np.int64), n), list(categories), breeds


def measurement_stimuli(n_per_category: int = 36, size: int = DEFAULT_SIZE, seed: int = 0,
                        categories: Sequence[str] = MEASUREMENT_CATEGORIES):
    """:func:`measurement_set` as a :class:`helpers.stimuli.sets.StimulusSet` (the quick profile's stimuli).

    The images live in memory (``pixels``, already ``size`` px, so the preprocessing only
    normalises), ``schematic=True`` (generated drawings, not photographs), each dog's
    breed in ``subcategories`` ("" for the other categories), paths such as
    ``miniworld:dog/0003``. Deterministic: the same arguments give the same images.
    36 per category (the default) is 6 of each breed.
    """
    from helpers.stimuli.sets import Preprocess, StimulusSet

    images, labels, names, breeds = measurement_set(n_per_category, size, seed, categories)
    n = int(n_per_category)
    paths = [f"miniworld:{names[k]}/{i % n:04d}" for i, k in enumerate(labels)]
    return StimulusSet(names, labels, paths, Preprocess(resize=int(size), crop=int(size)),
                       source=f"generated drawings (helpers.organism.world, seed {int(seed)}, {int(size)} px)",
                       schematic=True, pixels=images, subcategories=breeds)


def image_hashes(images: np.ndarray) -> list[str]:
    """A short content hash per image (uint8 (n, H, W, 3) -> n hex strings), to check
    that two sets share no image."""
    return [hashlib.blake2b(np.ascontiguousarray(im).tobytes(), digest_size=12).hexdigest() for im in images]
