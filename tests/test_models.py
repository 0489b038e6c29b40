"""Model loading: cached ImageNet weights without download, loud fallback, seeds, other CNNs."""

from pathlib import Path

import numpy as np
import pytest
import torch

from helpers import UntrainedWarning, download
from helpers.cnn import activations, models
from helpers.stats import selectivity
from helpers.labels import PAPER_CATEGORIES
from helpers.organism.world import measurement_stimuli


def _no_download(*args, **kwargs):
    raise AssertionError("a download was attempted")


def _hub_file(tmp_path, arch="resnet18"):
    import torchvision

    weights = torchvision.models.get_model_weights(arch).DEFAULT
    return weights, tmp_path / "hub" / "checkpoints" / Path(weights.url).name


def test_pretrained_weights_load_from_the_hub_cache_without_download(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(download, "download", _no_download)
    source = models.load_model("resnet18", pretrained=False, seed=123, cache=False)
    weights, target = _hub_file(tmp_path)
    assert target.name == "resnet18-f37072fd.pth"
    target.parent.mkdir(parents=True)
    torch.save(source.state_dict(), target)
    del source

    model = models.load_model("resnet18", pretrained=True)
    info = models.model_info(model)
    assert info.trained and info.weights == "IMAGENET1K_V1" and "ImageNet" in info.label
    assert not model.training
    reference = torch.load(target, weights_only=True)
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, reference[name]), name


def test_missing_weights_fall_back_loudly(tmp_path, monkeypatch, capsys):
    def offline(url, *args, **kwargs):
        raise download.DownloadError(f"Download of {url} failed after 3 attempt(s): no network.")

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(download, "download", offline)
    with pytest.warns(UntrainedWarning, match="Could not download") as record:
        model = models.load_model("alexnet", pretrained=True, seed=0, cache=False)
    message = str(record[0].message)
    assert "COURSE_PROFILE=quick" in message and "UNTRAINED" in message
    assert "!!!!" in capsys.readouterr().err
    assert not models.model_info(model).trained
    assert "UNTRAINED" in models.model_info(model).label
    with pytest.raises(models.WeightsUnavailable, match="copy alexnet-"):
        models.load_model("alexnet", pretrained=True, fallback=False)
    assert not list(tmp_path.rglob("*.pth"))  # nothing half-written left behind


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 a zip cut short", b"\x80\x02 not a pickle"])
def test_corrupt_cached_weights_name_the_file_to_delete(tmp_path, monkeypatch, content):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(download, "download", _no_download)
    weights, target = _hub_file(tmp_path)
    target.parent.mkdir(parents=True)
    target.write_bytes(content)
    with pytest.raises(models.WeightsUnavailable) as e:
        models.load_state_dict(weights)
    text = str(e.value)
    assert str(target) in text and "delete it" in text
    assert "weights_only" not in text and "\n" not in text and text.count(". ") == 0  # one sentence
    with pytest.warns(UntrainedWarning, match="corrupt or incomplete"):
        model = models.load_model("resnet18", pretrained=True, cache=False)
    assert not models.model_info(model).trained


def test_weights_download_times_out(tmp_path, monkeypatch):
    """A server that accepts the connection and never answers: a clear error within the
    timeout, not a hang."""
    import socket
    import time
    from types import SimpleNamespace

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(download, "BACKOFF_SECONDS", 0.0)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    try:
        fake = SimpleNamespace(url=f"http://127.0.0.1:{silent.getsockname()[1]}/vgg16-397923af.pth")
        t0 = time.monotonic()
        with pytest.raises(models.WeightsUnavailable, match="no answer within 1 s"):
            models.load_state_dict(fake, progress=False, timeout=1)
        assert time.monotonic() - t0 < 1 * (models.WEIGHTS_RETRIES + 1) + 3
    finally:
        silent.close()
    assert models.WEIGHTS_TIMEOUT <= 30


def test_untrained_init_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(99)
    before = torch.rand(3)
    torch.manual_seed(99)
    a = models.load_model("resnet18", pretrained=False, seed=0)
    after = torch.rand(3)
    assert torch.equal(before, after)
    b = models.load_model("resnet18", pretrained=False, seed=0)  # read back from the cache
    c = models.load_model("resnet18", pretrained=False, seed=1)
    fresh = models.load_model("resnet18", pretrained=False, seed=0, cache=False)
    assert torch.equal(a.conv1.weight, b.conv1.weight) and torch.equal(a.conv1.weight, fresh.conv1.weight)
    assert not torch.equal(a.conv1.weight, c.conv1.weight)
    assert models.fingerprint(a) == models.fingerprint(b) == models.fingerprint(fresh) != models.fingerprint(c)


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


def test_fingerprint_follows_every_change_of_values():
    m = models.load_model("resnet18", pretrained=False, cache=False)
    f0 = models.fingerprint(m)
    assert models.fingerprint(m) == f0
    with torch.no_grad():
        m.fc.bias.add_(1)
    f1 = models.fingerprint(m)
    assert f1 != f0
    version = m.layer1[0].conv1.weight._version
    m.layer1[0].conv1.weight.data[0] = 0  # a lesion torch's version counter does not see
    assert m.layer1[0].conv1.weight._version == version
    assert models.fingerprint(m) != f1
    m.bn1.running_mean.data += 1  # buffers count too
    assert models.fingerprint(m) not in (f0, f1)


def test_untrained_weights_cache_sweeps_killed_saves(tmp_path, monkeypatch):
    """A save killed outright leaves a hidden temporary file; the next save removes it."""
    import subprocess
    import sys

    from helpers import cache

    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    root = tmp_path / "models"
    root.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = root / f".resnet18-untrained-seed3-torchX{cache._TMP_MARK}{cache._host()}-{dead}-0000"
    stale.mkdir()
    (stale / "weights.pt").write_bytes(b"\0" * 1000)
    models.load_model("resnet18", pretrained=False, seed=3)
    assert not stale.exists()
    assert [p.name for p in root.iterdir()] == [f"resnet18-untrained-seed3-torch{torch.__version__}"]


@pytest.mark.parametrize("arch", ["alexnet", "resnet18"])
def test_other_cnns_run_through_the_same_pipeline(arch):
    model = models.load_model(arch, pretrained=False, cache=False)
    stim = measurement_stimuli(4, 64, seed=0, categories=PAPER_CATEGORIES)
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
