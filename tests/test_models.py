"""Model loading: cached ImageNet weights without download, loud fallback, seeds, other CNNs."""

import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers import UntrainedWarning, activations, models, selectivity
from helpers.stimuli import schematic


def _no_download(*args, **kwargs):
    raise AssertionError("a download was attempted")


def test_full_profile_loads_weights_from_the_hub_cache_without_download(tmp_path, monkeypatch):
    from torchvision.models import VGG16_Weights

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "download_url_to_file", _no_download)
    source = models.load_model("vgg16", pretrained=False, seed=123)
    target = tmp_path / "hub" / "checkpoints" / Path(VGG16_Weights.IMAGENET1K_V1.url).name
    assert target.name == "vgg16-397923af.pth"
    target.parent.mkdir(parents=True)
    torch.save(source.state_dict(), target)
    del source

    model = models.load_for_profile("full")
    info = models.model_info(model)
    assert info.trained and info.weights == "IMAGENET1K_V1" and "ImageNet" in info.label
    assert not model.training
    reference = torch.load(target, weights_only=True)
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, reference[name]), name


def test_missing_weights_fall_back_loudly(tmp_path, monkeypatch, capsys):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.warns(UntrainedWarning, match="Could not download") as record:
        model = models.load_model("alexnet", pretrained=True, seed=0)
    message = str(record[0].message)
    assert "COURSE_PROFILE=quick" in message and "UNTRAINED" in message
    assert "!!!!" in capsys.readouterr().err
    assert not models.model_info(model).trained
    assert "UNTRAINED" in models.model_info(model).label
    with pytest.raises(models.WeightsUnavailable, match="copy alexnet-"):
        models.load_model("alexnet", pretrained=True, fallback=False)
    assert not list(tmp_path.rglob("*.pth"))  # nothing half-written left behind


def test_untrained_init_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(99)
    before = torch.rand(3)
    torch.manual_seed(99)
    a = models.load_model("alexnet", pretrained=False, seed=0)
    after = torch.rand(3)
    assert torch.equal(before, after)
    b = models.load_model("alexnet", pretrained=False, seed=0)
    c = models.load_model("alexnet", pretrained=False, seed=1)
    assert torch.equal(a.features[0].weight, b.features[0].weight)
    assert not torch.equal(a.features[0].weight, c.features[0].weight)
    assert models.fingerprint(a) == models.fingerprint(b) != models.fingerprint(c)


def test_vgg16_layer_names(vgg16):
    names = models.layer_names(vgg16)
    assert names[0] == "block1_conv1" and names[12] == "block5_conv3" and names[13:] == ["fc1", "fc2"]
    assert len(names) == 15
    for name in names:
        path, module = models.resolve_layer(vgg16, name)
        assert isinstance(module, torch.nn.ReLU), name  # post-ReLU values, as in the paper
        assert models.display_name(vgg16, path) == name
    with pytest.raises(KeyError) as err:
        models.resolve_layer(vgg16, "conv9")
    assert "block1_conv1" in str(err.value) and "fc2" in str(err.value)


def test_fingerprint_follows_in_place_changes():
    m = models.load_model("alexnet", pretrained=False)
    f0 = models.fingerprint(m)
    assert models.fingerprint(m) == f0
    with torch.no_grad():
        m.classifier[-1].bias.add_(1)
    assert models.fingerprint(m) != f0


@pytest.mark.parametrize("arch", ["alexnet", "resnet18"])
def test_other_cnns_run_through_the_same_pipeline(arch):
    model = models.load_model(arch, pretrained=False)
    stim = schematic(4, 64, seed=0)
    acts = activations.collect(model, stim, progress=False, cache=False)
    assert list(acts) == models.layer_names(model)
    widths = [a.shape[1] for a in acts.values()]
    assert all(a.shape[0] == len(stim) for a in acts.values())
    if arch == "resnet18":
        assert widths == [64, 64, 64, 128, 128, 256, 256, 512, 512, 512]
    result = selectivity.analyze(acts, n_permutations=99)
    table = selectivity.summary_table(result)
    assert len(table) == len(acts) * 4
    assert np.isfinite(table["proportion"]).all()
