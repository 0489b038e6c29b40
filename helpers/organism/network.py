"""The model organism: a small network with VGG16's layer structure, trained on the
generated world of :mod:`helpers.organism.world`.

:class:`MiniVGG16` has VGG16's sequence of layers (Simonyan & Zisserman 2015: blocks of
2, 2, 3, 3 and 3 convolutions with 3x3 kernels, each followed by a ReLU, a 2x2 max-pool
after each block, then fc1, fc2 and the class head) with far fewer channels, and exactly
torchvision's ``vgg16`` module indices (``features.1`` is the ReLU after block1_conv1,
``features.29`` the one after block5_conv3, ``classifier.1`` and ``classifier.4`` the
ReLUs after fc1 and fc2, ``classifier.6`` the head). So
:data:`helpers.cnn.models.VGG16_LAYERS` applies unchanged and every analysis that works on
VGG16 works on it.

It is trained with batch normalisation after each convolution (``tools/train_organism.py``);
each batch norm is then folded into its convolution (:func:`fold_batch_norm`), so the
deployed network has no batch-norm modules and computes the same function.

Three kinds of copy (:func:`load_organism`), each for several seeds:

``"ce"``
    trained with cross-entropy on one-hot labels (what ImageNet models use);
``"soft"``
    trained from the same data, seed, initial weights and schedule on hierarchy-aware
    soft labels (:func:`helpers.organism.world.soft_labels`);
``"untrained"``
    the same architecture with seeded random weights (:func:`untrained_network`, any
    seed; :data:`UNTRAINED_SEEDS` are the course's): for a training seed, exactly the
    network that seed's two copies started from (batch norms at their initial state,
    folded), or, with ``calibrate=images``, with batch-norm statistics measured on images
    before folding.

Every committed training seed of each trained kind (:func:`committed_seeds`; three per
loss) loads by ``load_organism(kind, seed=S)``; ``load_organism(kind)`` gives
:data:`DEFAULT_SEED`. :func:`model_entry` returns a copy's record: file, sha256, held-out
accuracy, training time, configuration and the command that reproduces it.

The trained weights ship with the package (``helpers/data/organism/``) with a JSON
record of how they were trained and how well they do on held-out images. Inputs are
64 x 64 RGB images normalised like ImageNet's (:class:`helpers.stimuli.sets.Preprocess`);
any side of at least 32 px works (an adaptive pool before fc1).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn

from helpers.cache import checksum
from helpers.config import package_data
from helpers.labels import ORGANISM_ARCH, ModelInfo

#: Where the committed weights and their record live.
DATA_DIR = package_data("organism")
RECORD = "organism.json"
KINDS = ("ce", "soft", "untrained")
TRAINED_KINDS = ("ce", "soft")

#: Convolutions per block, as in VGG16.
BLOCKS = (2, 2, 3, 3, 3)
WIDTHS = (16, 32, 64, 96, 128)
FC = 256
POOL = 1  # side of the map fc1 reads (torchvision's VGG16 reads 7 x 7 at 224 px); see MiniVGG16


class OrganismError(RuntimeError):
    """The organism's weights or record are missing, corrupted or do not fit."""


class ConvBN(nn.Module):
    """A 3x3 convolution followed by batch norm: one "convolution" of the training network."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        return self.bn(self.conv(x))

    def folded(self) -> nn.Conv2d:
        """The plain convolution computing what this module computes in eval mode."""
        conv, bn = self.conv, self.bn
        scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
        out = nn.Conv2d(conv.in_channels, conv.out_channels, 3, padding=1, bias=True)
        with torch.no_grad():
            out.weight.copy_(conv.weight * scale[:, None, None, None])
            out.bias.copy_(bn.bias.detach() - bn.running_mean * scale)
        return out


class MiniVGG16(nn.Module):
    """VGG16's layer structure with ``widths`` channels per block and ``fc`` units in fc1/fc2.

    Module paths match torchvision's ``vgg16`` (``features.0`` ... ``features.30``,
    ``avgpool``, ``classifier.0`` ... ``classifier.6``); with ``batch_norm=True`` each
    convolution is a :class:`ConvBN` at the convolution's index.

    ``avgpool`` averages the last max-pool's map to ``pool`` x ``pool`` positions before
    fc1 (torchvision's VGG16: 7 x 7 at 224 px). At 64 px that map is 2 x 2; averaging it
    to 1 x 1 (the default) spares fc1 from learning each class once per position, which
    the generated world, with its objects anywhere in the frame, rewards (measured: it
    learned faster than with 2 x 2 in the same short run).

    Input float32 (B, 3, H, W), H, W >= 32; output logits (B, n_classes).
    """

    def __init__(self, n_classes: int, widths: Sequence[int] = WIDTHS, fc: int = FC,
                 batch_norm: bool = False, dropout: float = 0.3, pool: int = POOL):
        super().__init__()
        if len(widths) != len(BLOCKS):
            raise ValueError(f"widths needs one channel count per block ({len(BLOCKS)}), got {list(widths)}.")
        layers: list[nn.Module] = []
        c = 3
        for n_convs, w in zip(BLOCKS, widths):
            for _ in range(n_convs):
                layers += [ConvBN(c, w) if batch_norm else nn.Conv2d(c, w, 3, padding=1), nn.ReLU(inplace=True)]
                c = w
            layers.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((pool, pool))
        self.classifier = nn.Sequential(
            nn.Linear(c * pool * pool, fc), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(fc, fc), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(fc, n_classes),
        )
        self.config = {"n_classes": int(n_classes), "widths": [int(w) for w in widths], "fc": int(fc),
                       "dropout": float(dropout), "pool": int(pool)}
        # convolutions as torchvision initialises VGG; linear layers keep PyTorch's default
        # (torchvision's N(0, 0.01) makes the first epochs of a small network crawl)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def initial_network(seed: int, n_classes: int, widths: Sequence[int] = WIDTHS, fc: int = FC,
                    dropout: float = 0.3, pool: int = POOL) -> MiniVGG16:
    """The training network (with batch norm) at its seeded initialisation.

    The caller's global RNG is left alone, so the same ``seed`` always gives the same
    weights, however much randomness was drawn before."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return MiniVGG16(n_classes, widths, fc, batch_norm=True, dropout=dropout, pool=pool)


def fold_batch_norm(model: MiniVGG16) -> MiniVGG16:
    """A copy of a batch-norm :class:`MiniVGG16` without batch norm, computing the same
    function in eval mode (each :class:`ConvBN` replaced by its folded convolution)."""
    with torch.random.fork_rng(devices=[]):  # the throw-away initialisations leave the caller's RNG alone
        out = MiniVGG16(batch_norm=False, **model.config)
        for i, m in enumerate(model.features):
            if isinstance(m, ConvBN):
                out.features[i] = m.folded()
    out.classifier.load_state_dict(model.classifier.state_dict())
    return out.eval()


# --------------------------------------------------------------------------- untrained controls


#: Seeds of the untrained controls the course uses (the first three are the trained
#: copies' starting points: :func:`untrained_network` with a training seed is exactly the
#: network that seed's "ce" and "soft" copies started from).
UNTRAINED_SEEDS = (0, 1, 2, 3, 4)


def untrained_network(seed: int = 0, calibrate: np.ndarray | None = None, n_classes: int | None = None,
                      batch_size: int = 128) -> MiniVGG16:
    """The architecture with seeded random weights, batch norm folded, eval mode, float32.

    Parameters
    ----------
    seed : whole number >= 0; with a training seed, exactly the network that seed's
        trained copies started from
    calibrate : None (default) folds each batch norm at its initial state (mean 0,
        variance 1: the folded network is the bare random convolutions); or uint8 images
        (n, H, W, 3), n >= 2, normalised as every network input: each batch norm's
        running mean and variance are first set to the statistics of its input over these
        images (one pass, batches of ``batch_size``, cumulative average), so that every
        unit's input is standardised on images as a trained network's is. Weights are
        untouched; only the folded scale and shift change.
    n_classes : outputs of the head (default: the world's classes, ``len(miniworld.CLASSES)``)

    ``model.course_info`` says "untrained" with the seed; a calibrated network also has
    ``model.calibrated = n`` (images used), else 0.
    """
    seed = _whole("seed", seed, 0)
    if n_classes is None:
        from helpers.organism.world import CLASSES

        n_classes = len(CLASSES)
    net = initial_network(seed, _whole("n_classes", n_classes, 1))
    n = 0
    if calibrate is not None:
        from helpers.stimuli.sets import Preprocess

        images = np.asarray(calibrate)
        if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8 or len(images) < 2:
            raise ValueError(f"calibrate must be uint8 images (n >= 2, H, W, 3), got {images.dtype} {images.shape}.")
        prep = Preprocess(resize=images.shape[1], crop=images.shape[1])
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None  # cumulative average over the batches
        net.train()
        with torch.no_grad():
            for start in range(0, len(images), batch_size):
                net.features(prep.normalize(images[start:start + batch_size]))
        n = len(images)
    model = fold_batch_norm(net.eval())
    model.course_info = ModelInfo(ORGANISM_ARCH, "untrained", seed)
    model.calibrated = n
    return model


# --------------------------------------------------------------------------- record and files


#: Format of ``organism.json`` this module reads (2: every committed seed of every loss).
FORMAT = 2
#: The seed :func:`load_organism` gives when none is named.
DEFAULT_SEED = 0


def weight_name(kind: str, seed: int) -> str:
    """File name of one trained copy's weights, e.g. ``ce-seed0.pt``."""
    return f"{kind}-seed{int(seed)}.pt"


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes (what ``organism.json`` records)."""
    return checksum(path, "sha256").partition(":")[2]


def state_sha256(state: dict) -> str:
    """sha256 over the names, shapes, dtypes and bytes of a state dict's tensors (in key order)."""
    h = hashlib.sha256()
    for name, t in state.items():
        t = t.detach().cpu().contiguous()
        h.update(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().data)
    return h.hexdigest()


def _whole(name: str, value, minimum: int | None = None) -> int:
    from helpers.organism.world import whole_number

    return whole_number(name, value, minimum)


_HEX = set("0123456789abcdef")


def _fail(path: Path, what: str) -> OrganismError:
    return OrganismError(f"{path}: {what}; restore the folder with git or retrain with "
                         "`python tools/train_organism.py` (see helpers/data/organism/README.md).")


def _need(path: Path, obj, key: str, kind, where: str = "the record"):
    """``obj[key]`` when it is of type ``kind``, else OrganismError naming the file and key."""
    if not isinstance(obj, dict) or key not in obj:
        raise _fail(path, f"{where} has no {key!r}")
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise _fail(path, f"{where}'s {key!r} is {type(value).__name__}, not {names}")
    return value


def _plain_name(path: Path, name: str) -> str:
    """A file name that stays inside the record's folder: no folders, no '..', not hidden."""
    if (not name or name != Path(name).name or name in (".", "..") or name.startswith(".") or "/" in name
            or "\\" in name or Path(name).is_absolute()):
        raise _fail(path, f"the record names the file {name!r}, which is not a plain file name inside its folder")
    return name


def _check_record(path: Path, record) -> dict:
    """The record when it has every key this module reads, with the right types."""
    if not isinstance(record, dict):
        raise _fail(path, f"the record is a JSON {type(record).__name__}, not an object")
    fmt = _need(path, record, "format", int)
    if fmt != FORMAT:
        raise _fail(path, f"the record has format {fmt}; this version of the course reads format {FORMAT}")
    arch = _need(path, record, "architecture", dict)
    for key in ("n_classes", "fc", "pool"):
        if _need(path, arch, key, int, "the architecture") < 1:
            raise _fail(path, f"the architecture's {key!r} must be at least 1")
    widths = _need(path, arch, "widths", list, "the architecture")
    if len(widths) != len(BLOCKS) or not all(isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in widths):
        raise _fail(path, f"the architecture's 'widths' must be {len(BLOCKS)} positive integers")
    _need(path, arch, "dropout", (int, float), "the architecture")
    classes = _need(path, record, "classes", list)
    if len(classes) != arch["n_classes"] or not all(isinstance(c, str) for c in classes):
        raise _fail(path, "the record's 'classes' must be n_classes names")
    _need(path, record, "config", dict)
    _need(path, record, "default_seed", int)
    models = _need(path, record, "models", dict)
    for kind, seeds in models.items():
        if kind not in TRAINED_KINDS:
            raise _fail(path, f"the record lists an unknown kind {kind!r}")
        if not isinstance(seeds, dict) or not seeds:
            raise _fail(path, f"the record's models[{kind!r}] must map seeds to entries")
        for s, entry in seeds.items():
            where = f"models[{kind!r}][{s!r}]"
            if not s.isascii() or not s.isdigit():
                raise _fail(path, f"the record's seed {s!r} is not a whole number")
            _plain_name(path, _need(path, entry, "file", str, where))
            sha = _need(path, entry, "sha256", str, where)
            if len(sha) != 64 or not set(sha) <= _HEX:
                raise _fail(path, f"{where}'s 'sha256' is not 64 hex digits")
            top1 = _need(path, _need(path, entry, "heldout", dict, where), "top1", (int, float), where + "['heldout']")
            if not 0 <= top1 <= 1:
                raise _fail(path, f"{where}'s held-out top-1 is not in [0, 1]")
            subset = _need(path, entry, "subset", dict, where)
            _need(path, subset, "n_per_class", int, where + "['subset']")
            _need(path, subset, "images_sha256", str, where + "['subset']")
            preds = _need(path, subset, "predictions", list, where + "['subset']")
            if not all(isinstance(k, int) and not isinstance(k, bool) and 0 <= k < arch["n_classes"] for k in preds):
                raise _fail(path, f"{where}'s subset predictions must be class indices")
            _need(path, subset, "top1", (int, float), where + "['subset']")
            _need(path, entry, "config", dict, where)
    untrained = record.get("untrained_sha256", {})
    if not isinstance(untrained, dict) or not all(isinstance(v, str) for v in untrained.values()):
        raise _fail(path, "the record's 'untrained_sha256' must map seeds to hex digests")
    return record


def read_record(folder: str | Path | None = None) -> dict:
    """The training record (``organism.json``) of the weights in ``folder`` (default:
    the committed ones), checked: every key this module reads present with its type,
    file names confined to the folder. Raises :class:`OrganismError` (one line, naming
    the file) for a missing, unreadable, non-UTF-8 or malformed record.

    Keys: ``architecture``, ``classes``, ``breeds``, ``hierarchy``, ``config`` (the
    shared training configuration), ``default_seed``, ``models`` (kind -> seed (str) ->
    entry with ``file``, ``sha256``, ``bytes``, ``heldout`` (accuracy, per class,
    confusion matrix), ``subset`` (predictions the tests recompute), ``timing`` (wall and
    CPU seconds of training that copy), ``history``, ``config``, ``command``),
    ``untrained_sha256`` (seed (str) -> state hash of the starting point). For the
    default seed, ``files``, ``heldout``, ``subset``, ``timing`` and ``history`` are also
    given per kind at the top level, as earlier records had them (views, not stored).
    """
    path = Path(folder or DATA_DIR) / RECORD
    try:
        text = path.read_bytes().decode("utf-8")
        record = json.loads(text)
    except FileNotFoundError:
        raise OrganismError(f"{path} is missing: the organism's record ships with the course "
                            "(restore it with git, or retrain with `python tools/train_organism.py`).") from None
    except UnicodeDecodeError:
        raise _fail(path, "the record is not UTF-8 text") from None
    except (OSError, ValueError, RecursionError) as e:
        raise OrganismError(f"{path} is unreadable ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}); "
                            "restore it with git or retrain with `python tools/train_organism.py`.") from None
    record = _check_record(path, record)
    default = str(record["default_seed"])
    views = {kind: seeds[default] for kind, seeds in record["models"].items() if default in seeds}
    record["files"] = {k: {"name": e["file"], "sha256": e["sha256"], "bytes": e.get("bytes"), "dtype": "float16"}
                       for k, e in views.items()}
    for key in ("heldout", "subset", "timing", "history"):
        record[key] = {k: e.get(key) for k, e in views.items()}
    return record


def committed_seeds(kind: str = "ce", folder: str | Path | None = None) -> list[int]:
    """The training seeds with weights of ``kind`` ("ce" or "soft") in ``folder``
    (default: the committed ones), ascending."""
    if kind not in TRAINED_KINDS:
        raise ValueError(f"Unknown trained organism {kind!r}; choose from {', '.join(TRAINED_KINDS)}.")
    return sorted(int(s) for s in read_record(folder)["models"].get(kind, {}))


def model_entry(kind: str, seed: int | None = None, folder: str | Path | None = None) -> dict:
    """The record's entry for one trained copy (file, sha256, held-out accuracy, timing,
    config, command), with ``seed`` added. Raises ValueError naming the committed seeds
    for a seed that has none."""
    record = read_record(folder)
    if kind not in TRAINED_KINDS:
        raise ValueError(f"Unknown trained organism {kind!r}; choose from {', '.join(TRAINED_KINDS)}.")
    seed = record["default_seed"] if seed is None else _whole("seed", seed, 0)
    seeds = record["models"].get(kind, {})
    if str(seed) not in seeds:
        raise ValueError(f"No {kind!r} organism with seed {seed} in {Path(folder or DATA_DIR)} (committed seeds: "
                         f"{sorted(int(s) for s in seeds)}); train one with "
                         f"`python tools/train_organism.py --seed {seed} --out DIR`.")
    return {**seeds[str(seed)], "seed": seed}


def _read_weights(path: Path, expected: dict) -> dict:
    """The state dict in ``path`` when it is what ``expected`` (a state dict) says:
    same names, shapes, float16, finite. OrganismError naming the file otherwise."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # a file with the right hash should always load; say which one did not
        raise _fail(path, f"torch.load cannot read it ({type(e).__name__})") from None
    if not isinstance(state, dict):
        raise _fail(path, f"it holds a {type(state).__name__}, not a state dict of named tensors")
    if set(state) != set(expected):
        missing, extra = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
        raise _fail(path, f"its tensors do not fit the architecture (missing {missing[:3]}, unexpected {extra[:3]})")
    for name, t in state.items():
        if not isinstance(t, torch.Tensor):
            raise _fail(path, f"{name!r} is a {type(t).__name__}, not a tensor")
        if tuple(t.shape) != tuple(expected[name].shape):
            raise _fail(path, f"{name!r} has shape {tuple(t.shape)}, the architecture needs {tuple(expected[name].shape)}")
        if t.dtype != torch.float16:
            raise _fail(path, f"{name!r} is {t.dtype}, the committed weights are float16")
        if not torch.isfinite(t).all():
            raise _fail(path, f"{name!r} holds NaN or infinite values")
    return state


def _network_from_record(record: dict) -> MiniVGG16:
    arch = record["architecture"]
    with torch.random.fork_rng(devices=[]):
        return MiniVGG16(arch["n_classes"], arch["widths"], arch["fc"], batch_norm=False, dropout=arch["dropout"],
                         pool=arch["pool"])


def load_organism(kind: str = "ce", seed: int | None = None, folder: str | Path | None = None) -> MiniVGG16:
    """One copy of the organism in eval mode, float32, with ``model.course_info`` set.

    Parameters
    ----------
    kind : "ce" (cross-entropy), "soft" (hierarchy-aware soft labels) or "untrained"
    seed : whole number >= 0. Trained copies: a committed training seed
        (:func:`committed_seeds`; default :data:`DEFAULT_SEED`). "untrained": the seed of
        the random initialisation (default :data:`DEFAULT_SEED`), any seed; see
        :func:`untrained_network` (also for batch-norm statistics calibrated on images)
    folder : where the weights and ``organism.json`` are (default: the committed ones)

    Raises
    ------
    OrganismError (one line, naming the file) when the record or a weight file is
    missing, malformed, or does not match the record's sha256; ValueError for an
    unknown ``kind``, a seed that is not a whole number, or a seed without weights.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown organism {kind!r}; choose from {', '.join(KINDS)}.")
    if seed is not None:
        seed = _whole("seed", seed, 0)
    folder = Path(folder or DATA_DIR)
    record = read_record(folder)
    if kind == "untrained":
        return untrained_network(record["default_seed"] if seed is None else seed,
                                 n_classes=record["architecture"]["n_classes"])
    entry = model_entry(kind, seed, folder)
    path = folder / entry["file"]
    if not path.is_file():
        raise OrganismError(f"{path} is missing; restore it with git or retrain with `python tools/train_organism.py`.")
    if sha256_file(path) != entry["sha256"]:
        raise OrganismError(f"{path} does not match the sha256 in {folder / RECORD} (corrupted or replaced); "
                            "restore it with git or retrain with `python tools/train_organism.py`.")
    model = _network_from_record(record)
    state = _read_weights(path, model.state_dict())
    model.load_state_dict({k: v.float() for k, v in state.items()})
    model.eval()
    model.course_info = ModelInfo(ORGANISM_ARCH, kind, entry["seed"])
    return model


# --------------------------------------------------------------------------- evaluation


def predict_proba(model: nn.Module, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class probabilities for uint8 images (n, H, W, 3): float32 (n, n_classes).

    Images are normalised as the course normalises every network input
    (:meth:`helpers.stimuli.sets.Preprocess.normalize`); the model runs in eval mode,
    channels-last, without gradients, and is left in the mode it was in."""
    from helpers.stimuli.sets import Preprocess

    prep = Preprocess(resize=images.shape[1], crop=images.shape[1])
    was_training = model.training
    model.eval()
    out = []
    try:
        with torch.inference_mode():
            for start in range(0, len(images), batch_size):
                x = prep.normalize(images[start:start + batch_size]).contiguous(memory_format=torch.channels_last)
                out.append(torch.softmax(model(x).float(), dim=1).numpy())
    finally:
        model.train(was_training)
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def confusions(labels: np.ndarray, proba: np.ndarray, classes: Sequence[str] | None = None) -> dict:
    """Accuracy and the confusions the essay is about, from held-out predictions.

    Parameters
    ----------
    labels : int array (n,), true classes (indices into ``classes``)
    proba : float array (n, n_classes), predicted probabilities
    classes : class names (default :data:`helpers.organism.world.CLASSES`)

    Returns
    -------
    dict with ``top1`` (fraction correct), ``per_class`` ({class: fraction correct}),
    ``matrix`` (counts, rows = true class, columns = predicted, as nested lists) and,
    over the breed images: ``breed_as_other_breed`` and ``breed_as_car_or_cup`` (fractions
    predicted as another breed / as car or cup), ``mass_other_breeds`` and
    ``mass_car_cup`` (mean predicted probability on the other breeds / on car and cup),
    and ``car_cup_as_breed`` (fraction of car and cup images predicted as a breed).
    """
    from helpers.organism import world as miniworld

    classes = list(miniworld.CLASSES if classes is None else classes)
    labels = np.asarray(labels, dtype=np.int64)
    proba = np.asarray(proba, dtype=np.float64)
    pred = proba.argmax(axis=1)
    C = len(classes)
    matrix = np.zeros((C, C), dtype=np.int64)
    np.add.at(matrix, (labels, pred), 1)
    breeds = np.array([classes.index(b) for b in miniworld.BREEDS if b in classes])
    carcup = np.array([classes.index(c) for c in ("car", "cup") if c in classes])
    out = {
        "top1": float((pred == labels).mean()),
        "per_class": {c: float(matrix[k, k] / max(matrix[k].sum(), 1)) for k, c in enumerate(classes)},
        "matrix": matrix.tolist(),
    }
    is_breed = np.isin(labels, breeds)
    if is_breed.any() and len(carcup):
        pb, lb, Pb = pred[is_breed], labels[is_breed], proba[is_breed]
        others = np.isin(pb, breeds) & (pb != lb)
        mass_breeds = Pb[:, breeds].sum(axis=1) - Pb[np.arange(len(lb)), lb]
        out.update(
            breed_as_other_breed=float(others.mean()),
            breed_as_car_or_cup=float(np.isin(pb, carcup).mean()),
            mass_other_breeds=float(mass_breeds.mean()),
            mass_car_cup=float(Pb[:, carcup].sum(axis=1).mean()),
        )
        is_cc = np.isin(labels, carcup)
        out["car_cup_as_breed"] = float(np.isin(pred[is_cc], breeds).mean()) if is_cc.any() else None
    return out
