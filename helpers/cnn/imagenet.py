"""The 1000 ImageNet classes: names, WordNet ids, hypernym chains, coarse groups and
a hierarchy-aware distance between classes.

Everything here is read from ``helpers/data/imagenet_hierarchy.json`` (built once by
``data/build_imagenet_hierarchy.py`` from WordNet 3.0) and from torchvision's class
names, so the notebooks need neither WordNet nor nltk.

All functions take class *indices* (0..999, torchvision's order: 151 is
"Chihuahua", 817 "sports car").

The hierarchy
-------------
Each class has one hypernym chain from itself up to ``entity.n.01``. Where WordNet
offers several paths, the builder keeps the longest one (ties broken by name), which
follows the taxonomy: a Chihuahua is reached through ``mammal.n.01`` rather than
``domestic_animal.n.01``, a sports car through ``vehicle.n.01`` rather than
``container.n.01``. The 1000 chains together form one tree.

Distance
--------
For classes ``i`` and ``j`` let ``a`` be their lowest common ancestor in that tree
(the deepest synset on both chains), ``d_i`` the number of edges from ``i`` up to
``a`` and ``d_j`` likewise. :func:`hierarchical_distance` is ``max(d_i, d_j)``, the
height of ``a`` above the two classes: 0 for the same class, 1 for two classes with
the same parent, and large for classes that meet only near the root. This is the
"height of the lowest common ancestor" of Bertinetto et al. (2020), "Making Better
Mistakes", adapted to a tree whose leaves sit at different depths.
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np

from helpers.config import package_data

DATA_FILE = package_data("imagenet_hierarchy.json")
N_CLASSES = 1000

#: Coarse groups, from the first of these WordNet synsets met when walking up a
#: class's chain from the class itself (so ``dog.n.01`` wins over ``mammal.n.01``,
#: and ``edible_fruit.n.01`` over ``plant_part.n.01``). A class meeting none is 'other'.
GROUP_RULES: dict[str, str] = {
    "dog.n.01": "dog",
    "mammal.n.01": "mammal (other)",
    "bird.n.01": "bird",
    "reptile.n.01": "reptile/amphibian",
    "amphibian.n.03": "reptile/amphibian",
    "fish.n.01": "fish",
    "insect.n.01": "insect",
    "invertebrate.n.01": "invertebrate (other)",
    "person.n.01": "person",
    "food.n.01": "food",
    "food.n.02": "food",
    "edible_fruit.n.01": "food",
    "beverage.n.01": "food",
    "plant.n.02": "plant/fungus",
    "plant_part.n.01": "plant/fungus",
    "fungus.n.01": "plant/fungus",
    "vehicle.n.01": "vehicle",
    "conveyance.n.03": "vehicle",
    "clothing.n.01": "clothing",
    "footwear.n.02": "clothing",
    "headdress.n.01": "clothing",
    "container.n.01": "container",
    "crockery.n.01": "container",
    "furniture.n.01": "furniture",
    "structure.n.01": "structure",
    "device.n.01": "instrument/device",
    "instrument.n.01": "instrument/device",
    "equipment.n.01": "instrument/device",
    "implement.n.01": "instrument/device",
    "appliance.n.02": "instrument/device",
    "system.n.01": "instrument/device",
    "geological_formation.n.01": "natural scene",
}
#: All group names, in display order.
GROUPS: tuple[str, ...] = (
    "dog", "mammal (other)", "bird", "reptile/amphibian", "fish", "insect", "invertebrate (other)",
    "person", "food", "plant/fungus", "vehicle", "clothing", "container", "furniture", "structure",
    "instrument/device", "natural scene", "other",
)


@lru_cache(maxsize=1)
def _data() -> dict:
    if not DATA_FILE.is_file():
        raise FileNotFoundError(f"{DATA_FILE} is missing; it ships with the course repository "
                                "(rebuild it with `python data/build_imagenet_hierarchy.py`).")
    doc = json.loads(DATA_FILE.read_text("utf-8"))
    if len(doc["classes"]) != N_CLASSES:
        raise ValueError(f"{DATA_FILE} lists {len(doc['classes'])} classes, expected {N_CLASSES}.")
    return doc


def _index(i) -> int:
    k = int(i)
    if not 0 <= k < N_CLASSES or k != i:
        raise IndexError(f"ImageNet class index must be an integer in 0..{N_CLASSES - 1}, got {i!r}.")
    return k


@lru_cache(maxsize=1)
def _names() -> tuple[str, ...]:
    from torchvision.models import VGG16_Weights

    return tuple(VGG16_Weights.IMAGENET1K_V1.meta["categories"])


def class_names() -> list[str]:
    """The 1000 class names torchvision uses (``class_names()[151] == 'Chihuahua'``)."""
    return list(_names())


def wnids() -> list[str]:
    """WordNet 3.0 ids of the 1000 classes, e.g. ``'n02085620'`` for index 151."""
    return [c["wnid"] for c in _data()["classes"]]


def hypernym_chain(i: int, wnid: bool = False) -> list[str]:
    """Synsets from class ``i`` up to the root, class first, ``'entity.n.01'`` last.

    Names are nltk synset names (``'chihuahua.n.03'``, ``'toy_dog.n.01'``, ...), or
    WordNet ids with ``wnid=True``.
    """
    chain = _data()["classes"][_index(i)]["chain"]
    return list(chain) if wnid else [_data()["synsets"][w] for w in chain]


@lru_cache(maxsize=1)
def _groups() -> tuple[str, ...]:
    out = []
    for k in range(N_CLASSES):
        out.append(next((GROUP_RULES[s] for s in hypernym_chain(k) if s in GROUP_RULES), "other"))
    return tuple(out)


def coarse_group(i: int) -> str:
    """The coarse group of class ``i``, one of :data:`GROUPS` (see :data:`GROUP_RULES`).

    ``'dog'`` holds exactly the 118 dog breeds, indices 151..268; wolves, foxes and
    other canids are ``'mammal (other)'``.
    """
    return _groups()[_index(i)]


def coarse_groups() -> list[str]:
    """:func:`coarse_group` of every class, a list of 1000 strings."""
    return list(_groups())


def lca_heights(chains) -> np.ndarray:
    """Height of the lowest common ancestor between all pairs of leaves of a tree.

    Parameters
    ----------
    chains : sequence of n chains, one per leaf, each a list of hashable node names
        from the leaf up to the root (leaf first, the same root last); together they
        must form one tree

    Returns
    -------
    int16 array (n, n), symmetric, 0 on the diagonal, read-only: entry (i, j) is
    ``max(d_i, d_j)``, where ``d_i`` is the number of edges from leaf ``i`` up to the
    deepest node on both chains (see the module docstring).
    """
    n = len(chains)
    depth = max(len(c) for c in chains)
    ids: dict = {}
    # chains root first, padded with distinct negative numbers so padding never matches
    paths = -1 - np.arange(n)[:, None] * np.ones(depth, dtype=np.int64)
    lengths = np.empty(n, dtype=np.int64)
    for k, c in enumerate(chains):
        chain = [ids.setdefault(w, len(ids)) for w in reversed(c)]
        paths[k, :len(chain)] = chain
        lengths[k] = len(chain)
    common = np.zeros((n, n), dtype=np.int64)  # length of the shared prefix
    still = np.ones((n, n), dtype=bool)
    for level in range(depth):
        still &= paths[:, level][:, None] == paths[:, level][None, :]
        common += still
    common = np.minimum(common, np.minimum.outer(lengths, lengths))  # a row meets its own padding
    dist = np.maximum(lengths[:, None] - common, lengths[None, :] - common)
    dist = dist.astype(np.int16)
    dist.flags.writeable = False
    return dist


@lru_cache(maxsize=1)
def _matrix() -> np.ndarray:
    return lca_heights([c["chain"] for c in _data()["classes"]])


def distance_matrix() -> np.ndarray:
    """:func:`hierarchical_distance` between all pairs: int16 array (1000, 1000),
    symmetric, 0 on the diagonal. Computed once and cached; read-only."""
    return _matrix()


def hierarchical_distance(i: int, j: int) -> int:
    """Height of the lowest common ancestor of classes ``i`` and ``j``, in edges:
    the longer of the two walks from the classes up to it (0 when ``i == j``)."""
    return int(_matrix()[_index(i), _index(j)])


def mistake_severity(y_true, y_pred) -> np.ndarray:
    """:func:`hierarchical_distance` element-wise for arrays of class indices of
    the same shape; int array of that shape (0 where the prediction is right)."""
    t = np.asarray(y_true)
    p = np.asarray(y_pred)
    if t.shape != p.shape:
        raise ValueError(f"y_true has shape {t.shape} but y_pred has shape {p.shape}.")
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.size and (not np.issubdtype(a.dtype, np.integer) or a.min() < 0 or a.max() >= N_CLASSES):
            raise ValueError(f"{name} must hold integer class indices in 0..{N_CLASSES - 1}.")
    return _matrix()[t.astype(np.int64), p.astype(np.int64)].astype(np.int64)


def soft_labels(y, temperature: float = 0.5) -> np.ndarray:
    """Hierarchy-aware soft targets (Bertinetto et al. 2020, "soft labels").

    Row ``n`` is ``softmax(-distance_matrix()[y[n]] / temperature)``: the true class
    gets the most mass and classes close to it in the hierarchy more than distant
    ones. ``temperature`` is ``1 / beta`` in the paper's notation; as it goes to 0
    the targets become one-hot. Mass left on the true class, averaged over the 1000
    classes: about 0.96 at temperature 0.25, 0.70 at 0.5 (the default), 0.22 at 1.

    Parameters
    ----------
    y : int or int array of shape (n,), class indices
    temperature : positive float, in units of hierarchy edges

    Returns
    -------
    float32 array of shape (n, 1000) (or (1000,) for a scalar ``y``); rows sum to 1.
    """
    y = np.asarray(y)
    if y.size and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= N_CLASSES):
        raise ValueError(f"y must hold integer class indices in 0..{N_CLASSES - 1}.")
    return softmax_over_distances(_matrix()[y.astype(np.int64)], temperature)


def softmax_over_distances(distances, temperature: float) -> np.ndarray:
    """``softmax(-distances / temperature)`` along the last axis: soft targets from rows
    of a class-distance matrix (the formula of :func:`soft_labels`, for any hierarchy).

    distances : array (..., n_classes), in hierarchy edges
    temperature : positive float
    Returns float32 array of the same shape; each row sums to 1.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}.")
    logits = -np.asarray(distances, dtype=np.float64) / temperature
    logits -= logits.max(axis=-1, keepdims=True)
    w = np.exp(logits)
    return (w / w.sum(axis=-1, keepdims=True)).astype(np.float32)
