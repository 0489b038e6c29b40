"""The model organism: VGG16's layout, the committed weights and their record, the untrained
control, learned structure the analyses can find, and the training script."""

import hashlib
import json
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers.cnn import activations, models
from helpers.analyses import readout as analysis
from helpers.organism import world as miniworld, network as organism
from helpers.stimuli.sets import Preprocess, StimulusSet

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "train_organism.py"


@pytest.fixture(scope="module")
def record():
    return organism.read_record()


@pytest.fixture(scope="module")
def trained():
    return {kind: organism.load_organism(kind) for kind in organism.TRAINED_KINDS}


@pytest.fixture(scope="module")
def untrained():
    return organism.load_organism("untrained")


@pytest.fixture(scope="module")
def subset(record):
    """The first images of each class of the committed copies' test split: what the record scored."""
    cfg = record["config"]
    return miniworld.dataset("test", record["subset"]["n_per_class"], cfg["image_size"], cfg["seed"])


def _stimulus_set(images, labels, names):
    return StimulusSet(list(names), labels, [f"gen:{i}" for i in range(len(labels))],
                       Preprocess(resize=images.shape[1], crop=images.shape[1]), pixels=images)


# --------------------------------------------------------------------------- architecture


def test_module_paths_are_torchvision_vgg16s():
    import torchvision

    with torch.device("meta"):  # no 138 M-parameter init
        reference = torchvision.models.vgg16(weights=None)
    model = organism.MiniVGG16(len(miniworld.CLASSES))
    for part in ("features", "classifier"):
        ours, theirs = getattr(model, part), getattr(reference, part)
        assert [type(m) for m in ours] == [type(m) for m in theirs], part
    for name, path in models.VGG16_LAYERS.items():
        assert isinstance(models.resolve_layer(model, path)[1], torch.nn.ReLU), name
    convs = [m for m in model.features if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [16, 16, 32, 32, 64, 64, 64, 96, 96, 96, 128, 128, 128]
    assert all(c.kernel_size == (3, 3) for c in convs)
    # training layout: a ConvBN at each convolution's index, nothing shifted
    bn = organism.MiniVGG16(len(miniworld.CLASSES), batch_norm=True)
    assert [i for i, m in enumerate(bn.features) if isinstance(m, organism.ConvBN)] == \
           [i for i, m in enumerate(model.features) if isinstance(m, torch.nn.Conv2d)]


def test_folding_batch_norm_keeps_the_function():
    torch.manual_seed(0)
    net = organism.MiniVGG16(len(miniworld.CLASSES), batch_norm=True)
    for m in net.modules():  # batch-norm statistics and affine parameters far from their defaults
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.2, 3)
            m.weight.data.uniform_(0.5, 2)
            m.bias.data.uniform_(-1, 1)
    net.eval()
    folded = organism.fold_batch_norm(net)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    x = torch.randn(4, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(net(x), folded(x), atol=1e-4, rtol=1e-4)


# --------------------------------------------------------------------------- committed weights


def test_committed_weights_match_their_record(record):
    assert record["classes"] == list(miniworld.CLASSES) and record["breeds"] == list(miniworld.BREEDS)
    assert not record["config"]["smoke"]
    total = 0
    for kind in organism.TRAINED_KINDS:
        f = record["files"][kind]
        path = organism.DATA_DIR / f["name"]
        assert organism.sha256_file(path) == f["sha256"]
        state = torch.load(path, map_location="cpu", weights_only=True)
        assert all(t.dtype == torch.float16 for t in state.values())
        total += path.stat().st_size
    assert total <= 10 * 2**20
    assert record["heldout"]["ce"]["top1"] >= 0.90  # the goal the weights were trained to
    assert record["heldout"]["soft"]["top1"] >= 0.85


def test_loaded_copies_are_labelled_and_in_eval_mode(trained, untrained, record):
    for kind, model in trained.items():
        info = models.model_info(model)
        assert info.arch == models.ORGANISM_ARCH and info.trained and info.weights == kind
        assert "not the paper's VGG16" in info.label and "organism" in info.label
        assert not model.training and next(model.parameters()).dtype == torch.float32
    assert "cross-entropy" in models.model_info(trained["ce"]).label
    assert "soft labels" in models.model_info(trained["soft"]).label
    info = models.model_info(untrained)
    assert not info.trained and info.seed == record["config"]["seed"] and "UNTRAINED" in info.label


def test_committed_copies_reproduce_their_recorded_accuracy(trained, record, subset):
    """Tolerance: at most one of the subset's images may flip (float rounding on another CPU)."""
    images, labels = subset
    n = len(labels)
    assert hashlib.sha256(images.tobytes()).hexdigest() == record["subset"]["images_sha256"], \
        "helpers.organism.world now draws other test images than the organism was scored on: retrain it " \
        "(python tools/train_organism.py) or restore the generator"
    for kind, model in trained.items():
        pred = organism.predict_proba(model, images).argmax(1)
        rec = record["subset"][kind]
        assert (pred != np.asarray(rec["predictions"])).sum() <= 1, kind
        assert abs((pred == labels).mean() - rec["top1"]) <= 1 / n + 1e-9, kind


def test_untrained_control_is_the_trained_copies_starting_point(untrained, record):
    seed = record["config"]["seed"]
    assert organism.state_sha256(untrained.state_dict()) == record["untrained_sha256"]
    arch = record["architecture"]
    start = organism.fold_batch_norm(organism.initial_network(seed, arch["n_classes"], arch["widths"], arch["fc"]))
    for (k, a), b in zip(untrained.state_dict().items(), start.state_dict().values()):
        assert torch.equal(a, b), k
    other = organism.load_organism("untrained", seed=seed + 1)
    assert not torch.equal(other.features[0].weight, untrained.features[0].weight)
    assert models.model_info(other).seed == seed + 1


def test_loading_leaves_the_global_rng_alone():
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    organism.load_organism("untrained")
    organism.load_organism("ce")
    assert torch.equal(torch.rand(3), expected)


def test_corrupted_or_missing_files_give_one_line_errors(tmp_path):
    folder = tmp_path / "organism"
    shutil.copytree(organism.DATA_DIR, folder)
    path = folder / organism.WEIGHT_FILES["ce"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(organism.OrganismError) as err:
        organism.load_organism("ce", folder=folder)
    message = str(err.value)
    assert str(path) in message and "sha256" in message and "\n" not in message
    organism.load_organism("soft", folder=folder)  # the intact copy still loads
    path.unlink()
    with pytest.raises(organism.OrganismError, match="missing"):
        organism.load_organism("ce", folder=folder)
    (folder / organism.RECORD).write_text("{not json", encoding="utf-8")
    with pytest.raises(organism.OrganismError, match="unreadable"):
        organism.load_organism("soft", folder=folder)
    with pytest.raises(ValueError, match="choose from"):
        organism.load_organism("imagenet")
    with pytest.raises(ValueError, match="trained with seed"):
        organism.load_organism("ce", seed=12345)


# --------------------------------------------------------------------------- the course's analyses on it


def test_collect_works_under_the_paper_layer_names(trained, subset):
    model = trained["ce"]
    assert models.layer_names(model) == list(models.VGG16_LAYERS)
    assert models.display_name(model, "features.29") == "block5_conv3"
    images, labels = subset
    stimuli = _stimulus_set(images[:28], labels[:28], miniworld.CLASSES)
    acts = activations.collect(model, stimuli, cache=False, progress=False)
    assert list(acts) == list(models.VGG16_LAYERS) and acts.trained and "organism" in acts.model_label
    assert acts["block1_conv1"].shape == (28, 16) and acts["fc2"].shape == (28, 256)
    assert all((a >= 0).all() for a in acts.values())  # post-ReLU, as the paper's layer outputs
    # block1_conv1 by hand: max over positions of relu(conv(x))
    with torch.no_grad():
        x = stimuli.batch(range(28))
        direct = torch.relu(model.features[0](x)).amax(dim=(2, 3)).numpy()
    assert np.allclose(acts["block1_conv1"], direct, atol=1e-5)
    assert not model.training


def test_feature_visualisation_runs_on_it(trained):
    from helpers.analyses import featureviz

    model = trained["ce"]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = featureviz.visualize(model, "block5_conv3", [0, 1], size=64, steps=3, progress=False)
    assert result.images.shape == (2, 64, 64, 3) and result.module == "features.29"
    assert result.trained and "organism" in result.model_label
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert model.features[29].inplace  # the in-place ReLU is restored after the pre-ReLU warm-up


def test_trained_readout_beats_the_untrained_control(trained, untrained, subset):
    """5-fold linear read-out of the 14 classes from 10 held-out images per class
    (chance 1/14): the trained copy beats its own starting point by at least 0.3."""
    images, labels = subset
    stimuli = _stimulus_set(images, labels, miniworld.CLASSES)
    scores = {}
    for name, model in (("ce", trained["ce"]), ("untrained", untrained)):
        acts = activations.collect(model, stimuli, layers=["block5_conv3", "fc2"], cache=False, progress=False)
        scores[name] = {layer: analysis.readout_accuracy(a, labels).mean() for layer, a in acts.items()}
    for layer in ("block5_conv3", "fc2"):
        assert scores["ce"][layer] >= scores["untrained"][layer] + 0.3, (layer, scores)
        assert scores["ce"][layer] >= 0.75, (layer, scores)


def test_mean_colour_does_not_give_the_classes_away(record, subset):
    """A linear read-out from each image's mean and spread of R, G, B stays far below the network."""
    images, labels = subset
    px = images.reshape(len(images), -1, 3).astype(np.float64)
    colour = np.concatenate([px.mean(axis=1), px.std(axis=1)], axis=1)
    acc = analysis.readout_accuracy(colour, labels).mean()
    assert acc <= 0.35 and record["heldout"]["ce"]["top1"] - acc >= 0.5, acc


def test_confusions_known_answer():
    C = len(miniworld.CLASSES)
    i = {c: k for k, c in enumerate(miniworld.CLASSES)}
    labels = np.array([i["husky"], i["husky"], i["beagle"], i["car"]])
    proba = np.full((4, C), 0.01)
    proba[0, i["husky"]] = 0.8  # right
    proba[1, i["beagle"]] = 0.8  # another breed
    proba[2, i["cup"]] = 0.8  # a cup
    proba[3, i["dalmatian"]] = 0.8  # a car called a breed
    proba /= proba.sum(axis=1, keepdims=True)
    out = organism.confusions(labels, proba)
    assert out["top1"] == 0.25
    assert out["breed_as_other_breed"] == pytest.approx(1 / 3) and out["breed_as_car_or_cup"] == pytest.approx(1 / 3)
    assert out["car_cup_as_breed"] == 1.0
    assert out["matrix"][i["husky"]][i["beagle"]] == 1 and sum(map(sum, out["matrix"])) == 4
    assert out["per_class"]["husky"] == 0.5 and out["per_class"]["car"] == 0.0
    p = proba[:3]
    other = [p[0, [i[b] for b in miniworld.BREEDS if b != "husky"]].sum(),
             p[1, [i[b] for b in miniworld.BREEDS if b != "husky"]].sum(),
             p[2, [i[b] for b in miniworld.BREEDS if b != "beagle"]].sum()]
    assert out["mass_other_breeds"] == pytest.approx(np.mean(other))


# --------------------------------------------------------------------------- the training script


def test_smoke_training_writes_loadable_weights(tmp_path):
    out = tmp_path / "smoke"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--out", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "held-out top-1" in proc.stdout
    rec = json.loads((out / organism.RECORD).read_text(encoding="utf-8"))
    assert rec["config"]["smoke"] and rec["config"]["n_train_per_class"] == 2
    assert set(rec["files"]) == set(organism.TRAINED_KINDS)
    assert rec["timing"]["total"]["cpu_s"] >= 0 and rec["environment"]["torch"] == torch.__version__
    for kind in organism.TRAINED_KINDS:
        model = organism.load_organism(kind, folder=out)
        assert organism.predict_proba(model, miniworld.draw("car", 64)[None]).shape == (1, len(miniworld.CLASSES))
    # same seed: its untrained control is the committed copies' (same architecture and seed)
    assert rec["untrained_sha256"] == organism.read_record()["untrained_sha256"]
    assert not list(out.glob(".*"))  # no temporary files left behind


@pytest.fixture(scope="module")
def script():
    return runpy.run_path(str(SCRIPT))  # the script's globals, without running main()


@pytest.mark.parametrize("argv, expected", [
    (["--smoke", "--out", str(organism.DATA_DIR)], "never writes over the committed weights"),
    (["--epochs", "0"], "--epochs must be at least 1"),
    (["--widths", "8,8"], "--widths"),
    (["--dropout", "1"], "--dropout"),
    (["--no-such-option"], "unrecognized arguments"),
    (["--seed", "x"], "invalid int value"),
])
def test_bad_arguments_are_one_line_errors(script, capsys, argv, expected):
    before = organism.sha256_file(organism.DATA_DIR / organism.RECORD)
    assert script["main"](argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], captured.err
    assert not captured.out
    assert organism.sha256_file(organism.DATA_DIR / organism.RECORD) == before


@pytest.mark.parametrize("n_images", [56, 64])  # batches of 16: 4 steps, the last one partial or full
def test_short_runs_train(n_images):
    """A run of 4 optimiser steps (what the benchmark's quick mode does) trains: OneCycleLR
    would divide by zero with a warm-up of exactly one step."""
    sys.path.insert(0, str(ROOT / "tools"))
    import train_organism as trainer

    images, labels = miniworld.dataset("train", 4, 32, 0)
    images, labels = np.resize(images, (n_images,) + images.shape[1:]), np.resize(labels, n_images)
    args = trainer.parse_args(["--quiet", "--epochs", "1", "--batch-size", "16", "--size", "32"])
    init = organism.initial_network(args.seed, len(miniworld.CLASSES), args.widths, args.fc, args.dropout, args.pool)
    state, history = trainer.train_copy("ce", init.state_dict(), images, labels, args, lambda *a: None)[:2]
    assert history and np.isfinite(history[-1]["loss"])
