"""The model organism: VGG16's layout, the committed weights and their record, the untrained
control, learned structure the analyses can find, and the training script."""

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers.cnn import activations, models
from helpers.analyses import readout as analysis
from helpers.organism import world as miniworld, network as organism
from helpers.stimuli.sets import Preprocess, StimulusSet



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
    """The first images of each class of the default seed's test split: what the record scored."""
    cfg = record["config"]
    return miniworld.dataset("test", record["subset"]["ce"]["n_per_class"], cfg["image_size"], record["default_seed"])


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


def _copies():
    """Every committed (kind, seed) (none when the record is unreadable: the tests above say why)."""
    try:
        rec = organism.read_record()
    except organism.OrganismError:
        return []
    return [(kind, int(s)) for kind in organism.TRAINED_KINDS for s in rec["models"].get(kind, {})]


def test_committed_weights_match_their_record(record):
    assert record["classes"] == list(miniworld.CLASSES) and record["breeds"] == list(miniworld.BREEDS)
    assert record["format"] == organism.FORMAT and record["default_seed"] == organism.DEFAULT_SEED
    total = 0
    for kind in organism.TRAINED_KINDS:
        seeds = organism.committed_seeds(kind)
        assert len(seeds) >= 3 and organism.DEFAULT_SEED in seeds, (kind, seeds)  # replication: >= 3 seeds per loss
        for seed in seeds:
            f = organism.model_entry(kind, seed)
            assert f["file"] == organism.weight_name(kind, seed) and not f["config"]["smoke"]
            path = organism.DATA_DIR / f["file"]
            assert organism.sha256_file(path) == f["sha256"] and path.stat().st_size == f["bytes"]
            state = torch.load(path, map_location="cpu", weights_only=True)
            assert all(t.dtype == torch.float16 for t in state.values())
            total += path.stat().st_size
            # off the ceiling, as the world was made harder for (issue 20: 80-95 % held-out top-1)
            assert 0.80 <= f["heldout"]["top1"] <= 0.95, (kind, seed, f["heldout"]["top1"])
            assert f["command"].startswith(f"python tools/train_organism.py --seed {seed} ")
            assert f["timing"]["train"]["wall_s"] > 0 and f["timing"]["train"]["cpu_s"] > 0
    assert total <= 12 * 2**20  # all committed weights together


def test_loaded_copies_are_labelled_and_in_eval_mode(trained, untrained, record):
    for kind, model in trained.items():
        info = models.model_info(model)
        assert info.arch == models.ORGANISM_ARCH and info.trained and info.weights == kind
        assert "not the paper's VGG16" in info.label and "organism" in info.label
        assert not model.training and next(model.parameters()).dtype == torch.float32
    assert "cross-entropy" in models.model_info(trained["ce"]).label
    assert "soft labels" in models.model_info(trained["soft"]).label
    info = models.model_info(untrained)
    assert not info.trained and info.seed == record["default_seed"] and "UNTRAINED" in info.label


@pytest.mark.parametrize("kind, seed", _copies())
def test_every_committed_copy_reproduces_its_recorded_accuracy(kind, seed):
    """Loads (sha256 checked), and on the first images of each class of its own test
    split gives the recorded predictions: at most one of them may flip (float rounding on
    another CPU), so the subset's accuracy is the recorded one within one image."""
    entry = organism.model_entry(kind, seed)
    sub = entry["subset"]
    images, labels = miniworld.dataset("test", sub["n_per_class"], entry["config"]["image_size"], seed)
    assert hashlib.sha256(images.tobytes()).hexdigest() == sub["images_sha256"], \
        "helpers.organism.world now draws other test images than the organism was scored on: retrain it " \
        f"({entry['command']}) or restore the generator"
    model = organism.load_organism(kind, seed=seed)
    assert models.model_info(model).seed == seed
    pred = organism.predict_proba(model, images).argmax(1)
    assert (pred != np.asarray(sub["predictions"])).sum() <= 1
    assert abs((pred == labels).mean() - sub["top1"]) <= 1 / len(labels) + 1e-9
    # the subset's accuracy is in line with the whole held-out set's (10 of 200 per class)
    assert abs(sub["top1"] - entry["heldout"]["top1"]) <= 0.12


def test_untrained_control_is_the_trained_copies_starting_point(untrained, record):
    for s, sha in record["untrained_sha256"].items():
        assert organism.state_sha256(organism.untrained_network(int(s)).state_dict()) == sha, s
    seed = record["default_seed"]
    arch = record["architecture"]
    start = organism.fold_batch_norm(organism.initial_network(seed, arch["n_classes"], arch["widths"], arch["fc"]))
    for (k, a), b in zip(untrained.state_dict().items(), start.state_dict().values()):
        assert torch.equal(a, b), k
    other = organism.load_organism("untrained", seed=seed + 1)
    assert not torch.equal(other.features[0].weight, untrained.features[0].weight)
    assert models.model_info(other).seed == seed + 1
    assert len(organism.UNTRAINED_SEEDS) >= 5 and len(set(organism.UNTRAINED_SEEDS)) == len(organism.UNTRAINED_SEEDS)


def test_calibrated_untrained_network_standardises_its_inputs():
    """Known answer: after calibration each folded convolution of block1 computes, on the
    calibration images, pre-activations with mean 0 and variance 1 per channel (the batch
    norm's statistics are those images' own: one batch, so exactly, up to the unbiased
    variance's n/(n-1)); uncalibrated, they are far from that."""
    images, _ = miniworld.dataset("test", 4, 64, 3)
    net = organism.untrained_network(3, calibrate=images, batch_size=len(images))
    bare = organism.untrained_network(3)
    assert net.calibrated == len(images) and bare.calibrated == 0
    assert torch.equal(net.classifier[0].weight, bare.classifier[0].weight)  # only the folded batch norms change
    x = Preprocess(resize=64, crop=64).normalize(images)
    with torch.no_grad():
        z = net.features[0](x)
        z0 = bare.features[0](x)
    mean, var = z.mean(dim=(0, 2, 3)), z.var(dim=(0, 2, 3), unbiased=False)
    n = z.numel() / z.shape[1]
    assert torch.allclose(mean, torch.zeros_like(mean), atol=1e-3)
    assert torch.allclose(var, torch.full_like(var, (n - 1) / n), atol=1e-3)
    assert (z0.var(dim=(0, 2, 3)) - 1).abs().max() > 0.2
    assert models.model_info(net).seed == 3 and not models.model_info(net).trained
    with pytest.raises(ValueError, match="calibrate"):
        organism.untrained_network(3, calibrate=images[:1])


def test_loading_leaves_the_global_rng_alone():
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    organism.load_organism("untrained")
    organism.load_organism("ce")
    assert torch.equal(torch.rand(3), expected)


@pytest.fixture()
def copy(tmp_path):
    """A copy of the committed folder (record and the default seed's weights)."""
    folder = tmp_path / "organism"
    folder.mkdir()
    shutil.copy2(organism.DATA_DIR / organism.RECORD, folder)
    for kind in organism.TRAINED_KINDS:
        shutil.copy2(organism.DATA_DIR / organism.weight_name(kind, organism.DEFAULT_SEED), folder)
    return folder


def _one_line(err, path):
    message = str(err.value)
    assert str(path) in message and "\n" not in message, message
    return message


def test_corrupted_or_missing_files_give_one_line_errors(copy):
    folder = copy
    path = folder / organism.weight_name("ce", 0)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(organism.OrganismError) as err:
        organism.load_organism("ce", folder=folder)
    assert "sha256" in _one_line(err, path)
    organism.load_organism("soft", folder=folder)  # the intact copy still loads
    path.unlink()
    with pytest.raises(organism.OrganismError, match="missing"):
        organism.load_organism("ce", folder=folder)
    (folder / organism.RECORD).write_text("{not json", encoding="utf-8")
    with pytest.raises(organism.OrganismError, match="unreadable"):
        organism.load_organism("soft", folder=folder)
    with pytest.raises(ValueError, match="choose from"):
        organism.load_organism("imagenet")
    with pytest.raises(ValueError, match="committed seeds"):
        organism.load_organism("ce", seed=12345)


def _edit(record, path, value):
    """``record`` with the key at ``path`` (a tuple of keys) set to ``value`` (or deleted for ...)."""
    rec = json.loads(json.dumps(record))
    node = rec
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return rec


SEED0 = ("models", "ce", "0")


@pytest.mark.parametrize("path, value, expected", [
    (("models",), ..., "no 'models'"),
    (("architecture",), ..., "no 'architecture'"),
    (("architecture", "widths"), "16,32", "is str, not list"),
    (("architecture", "widths"), [16, 32], "widths"),
    (("architecture", "n_classes"), "18", "is str, not int"),
    (("architecture", "n_classes"), True, "is bool"),
    (("format",), 1, "format 1"),
    (("default_seed",), 0.5, "is float, not int"),
    (SEED0 + ("file",), ..., "no 'file'"),
    (SEED0 + ("file",), 7, "is int, not str"),
    (SEED0 + ("file",), "../x.pt", "not a plain file name"),
    (SEED0 + ("file",), "/etc/passwd", "not a plain file name"),
    (SEED0 + ("file",), "sub/ce.pt", "not a plain file name"),
    (SEED0 + ("file",), ".hidden.pt", "not a plain file name"),
    (SEED0 + ("sha256",), "abc", "64 hex digits"),
    (SEED0 + ("heldout",), [], "is list, not dict"),
    (SEED0 + ("heldout", "top1"), 2.0, "not in [0, 1]"),
    (SEED0 + ("subset", "predictions"), [0, "1"], "class indices"),
    (SEED0 + ("subset",), ..., "no 'subset'"),
    (("models", "ce"), {"zero": {}}, "not a whole number"),
    (("models", "imagenet"), {"0": {}}, "unknown kind"),
    (("untrained_sha256",), [1], "untrained_sha256"),
])
def test_malformed_records_are_organism_errors_naming_the_file(copy, path, value, expected):
    record = json.loads((copy / organism.RECORD).read_text(encoding="utf-8"))
    (copy / organism.RECORD).write_text(json.dumps(_edit(record, path, value)), encoding="utf-8")
    with pytest.raises(organism.OrganismError) as err:
        organism.load_organism("ce", folder=copy)
    assert expected in _one_line(err, copy / organism.RECORD)


@pytest.mark.parametrize("content", [b"\xff\xfe{}", b"[1, 2]", b"", b"[" * 100000])
def test_unreadable_records_are_organism_errors(copy, content):
    (copy / organism.RECORD).write_bytes(content)
    with pytest.raises(organism.OrganismError) as err:
        organism.read_record(copy)
    _one_line(err, copy / organism.RECORD)


def _bad_states():
    good = organism.load_organism("ce").state_dict()
    half = {k: v.half() for k, v in good.items()}
    first = next(iter(half))
    return {
        "a tensor": (torch.zeros(3), "not a state dict"),
        "a list": ([1, 2, 3], "not a state dict"),
        "wrong shapes": ({**half, first: torch.zeros(2, 2, dtype=torch.float16)}, "has shape"),
        "missing tensors": ({k: v for k, v in list(half.items())[1:]}, "do not fit"),
        "float32": ({k: v.float() for k, v in half.items()}, "float16"),
        "not tensors": ({**half, first: [0.0]}, "not a tensor"),
        "NaN": ({**half, first: torch.full_like(half[first], float("nan"))}, "NaN"),
    }


@pytest.mark.parametrize("case", ["a tensor", "a list", "wrong shapes", "missing tensors", "float32", "not tensors",
                                  "NaN", "not torch"])
def test_malformed_weights_are_organism_errors_naming_the_file(copy, case):
    """Weights of the wrong form, with a matching sha256 (a record rewritten to match):
    the check is of the content, not only of the hash."""
    path = copy / organism.weight_name("ce", 0)
    if case == "not torch":
        path.write_bytes(b"not a torch file")
        expected = "torch.load"
    else:
        state, expected = _bad_states()[case]
        torch.save(state, path)
    record = json.loads((copy / organism.RECORD).read_text(encoding="utf-8"))
    record["models"]["ce"]["0"]["sha256"] = organism.sha256_file(path)
    (copy / organism.RECORD).write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(organism.OrganismError) as err:
        organism.load_organism("ce", folder=copy)
    assert expected in _one_line(err, path)


@pytest.mark.parametrize("call", [
    lambda: organism.load_organism("ce", seed=0.5),
    lambda: organism.load_organism("untrained", seed=1.7),
    lambda: organism.load_organism("untrained", seed="1"),
    lambda: organism.untrained_network(0.5),
    lambda: organism.untrained_network(True),
    lambda: organism.model_entry("ce", 2.0),
])
def test_seeds_must_be_whole_numbers(call):
    with pytest.raises(ValueError, match="whole number"):
        call()


def test_i_see_face_holds_no_training_class_object():
    """Issue 20: the earlier i-see-face category held front-view cars, a training class
    (the CE organism called 9 of 96 of its drawings "car"). Now none of its objects is a
    training class: every committed CE copy calls at most 3 % of 96 i-see-face drawings
    (32 from each of 3 stimulus seeds) "car", the class it was confused with."""
    images = np.concatenate([miniworld.measurement_set(32, 64, seed=s, categories=("i-see-face", "umbrella"))[0][:32]
                             for s in (0, 7, 21)])
    car = miniworld.CLASSES.index("car")
    for seed in organism.committed_seeds("ce"):
        pred = organism.predict_proba(organism.load_organism("ce", seed=seed), images).argmax(1)
        assert (pred == car).mean() <= 0.03, (seed, np.bincount(pred, minlength=len(miniworld.CLASSES)))


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
    """5-fold linear read-out of the 18 classes from 10 held-out images per class
    (chance 1/18): the trained copy beats its own starting point by at least 0.3."""
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
