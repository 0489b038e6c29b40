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

Three copies (:func:`load_organism`):

``"ce"``
    trained with cross-entropy on one-hot labels (what ImageNet models use);
``"soft"``
    trained from the same data, seed, initial weights and schedule on hierarchy-aware
    soft labels (:func:`helpers.organism.world.soft_labels`);
``"untrained"``
    the same architecture with seeded random weights: for the training seed, exactly
    the network both copies started from (batch norms at their initial state, folded).

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
WEIGHT_FILES = {"ce": "ce.pt", "soft": "soft.pt"}

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


# --------------------------------------------------------------------------- files


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


def read_record(folder: str | Path | None = None) -> dict:
    """The training record (``organism.json``) of the weights in ``folder`` (default:
    the committed ones): configuration, sha256 of each file, held-out accuracy, confusions."""
    path = Path(folder or DATA_DIR) / RECORD
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OrganismError(f"{path} is missing: the organism's record ships with the course "
                            "(restore it with git, or retrain with `python tools/train_organism.py`).") from None
    except (OSError, json.JSONDecodeError) as e:
        raise OrganismError(f"{path} is unreadable ({e}); restore it with git or retrain "
                            "with `python tools/train_organism.py`.") from None


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
    seed : for "untrained", the seed of the random initialisation (default: the
        training seed, so the control is the trained copies' starting point); for the
        trained copies it must be the seed they were trained with (or None)
    folder : where the weights and ``organism.json`` are (default: the committed ones)

    Raises
    ------
    OrganismError (one line, naming the file) when a file is missing or its sha256
    does not match the record; ValueError for an unknown ``kind`` or seed.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown organism {kind!r}; choose from {', '.join(KINDS)}.")
    folder = Path(folder or DATA_DIR)
    record = read_record(folder)
    train_seed = int(record["config"]["seed"])
    if kind == "untrained":
        seed = train_seed if seed is None else int(seed)
        arch = record["architecture"]
        model = fold_batch_norm(initial_network(seed, arch["n_classes"], arch["widths"], arch["fc"], arch["dropout"],
                                                arch["pool"]))
    else:
        if seed is not None and int(seed) != train_seed:
            raise ValueError(f"The {kind!r} organism in {folder} was trained with seed {train_seed}, not {seed}; "
                             f"train another with `python tools/train_organism.py --seed {seed} --out DIR`.")
        seed = train_seed
        path = folder / record["files"][kind]["name"]
        if not path.is_file():
            raise OrganismError(f"{path} is missing; restore it with git or retrain with `python tools/train_organism.py`.")
        if sha256_file(path) != record["files"][kind]["sha256"]:
            raise OrganismError(f"{path} does not match the sha256 in {folder / RECORD} (corrupted or replaced); "
                                "restore it with git or retrain with `python tools/train_organism.py`.")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # a file with the right hash should always load; say which one did not
            raise OrganismError(f"{path} could not be read by torch.load ({type(e).__name__}: {e}).") from None
        model = _network_from_record(record)
        model.load_state_dict({k: v.float() for k, v in state.items()})
    model.eval()
    model.course_info = ModelInfo(ORGANISM_ARCH, kind, seed)
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
