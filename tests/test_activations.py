"""The activation pipeline: right values, batch/device invariance, early stop, caching."""

import copy
import json
import os
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from helpers.cnn import activations
from helpers.stats import selectivity
from helpers.cnn.models import ModelInfo


def planted_net():
    """Conv net whose first layer holds a red detector (filter 0) and a blue detector (1)."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(inplace=True),
                        nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(inplace=True),
                        nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(24, 5), nn.ReLU(inplace=True))
    with torch.no_grad():
        w = net[0].weight
        w.zero_()
        w[0, 0], w[0, 1], w[0, 2] = 1 / 9, -1 / 9, -1 / 9  # red minus the rest
        w[1, 2], w[1, 0], w[1, 1] = 1 / 9, -1 / 9, -1 / 9  # blue minus the rest
        net[0].bias.zero_()
    net.eval()
    net.course_info = ModelInfo("planted", "hand-set")
    return net


def test_pipeline_finds_planted_filters(coloured):
    acts = activations.collect(planted_net(), coloured, layers=["1"], progress=False, cache=False)
    assert acts["1"].shape == (36, 4) and acts["1"].dtype == np.float32
    res = selectivity.analyze(acts, n_permutations=999)
    L = res["1"]
    red, blue = coloured.categories.index("red"), coloured.categories.index("blue")
    assert L.p[0, red] <= 0.001 and L.p[1, blue] <= 0.001
    assert np.nanargmax(L.index[0]) == red and np.nanargmax(L.index[1]) == blue
    assert L.p[0, blue] > 0.5 and L.p[1, red] > 0.5
    # Filters 2 and 3 have zero weights and bias: silent, reported, never selective.
    assert L.silent.tolist() == [False, False, True, True]
    table = selectivity.summary_table(res).set_index("category")
    assert table.loc["red", "n_selective"] == 1 and table.loc["green", "n_selective"] == 0


def _rerun(net, x, upto):
    """What re-running the layers up to ``upto`` (a Sequential index) gives, with no in-place ops."""
    clean = copy.deepcopy(net)
    for m in clean.modules():
        if isinstance(m, nn.ReLU):
            m.inplace = False
    with torch.no_grad():
        return clean[: upto + 1](x)


def _with_flat_images(stim, n: int = 4):
    """``stim`` plus ``n`` uniform grey images of its size, on which some first-layer filters
    respond negatively everywhere (so their maxima are negative before the ReLU)."""
    from helpers.stimuli.sets import StimulusSet, concatenate

    size = stim.preprocess.crop
    grey = np.broadcast_to(np.linspace(0, 255, n).astype(np.uint8)[:, None, None, None], (n, size, size, 3))
    flat = StimulusSet(list(stim.categories[:1]), np.zeros(n, dtype=np.int64), [f"flat/{i}" for i in range(n)],
                       stim.preprocess, source="uniform grey", schematic=True, pixels=grey.copy())
    return concatenate([stim, flat])


def test_values_equal_rerun_despite_inplace_relu(vgg16, small_stimuli):
    small_stimuli = _with_flat_images(small_stimuli)
    x = small_stimuli.batch(range(len(small_stimuli)))
    acts = activations.collect(vgg16, small_stimuli, layers=["features.0", "block1_conv1", "block2_conv2"],
                               progress=False, cache=False, batch_size=5)
    pre = _rerun(vgg16.features, x, 0).amax(dim=(2, 3)).numpy()
    post = _rerun(vgg16.features, x, 1).amax(dim=(2, 3)).numpy()
    deep = _rerun(vgg16.features, x, 8).amax(dim=(2, 3)).numpy()
    np.testing.assert_allclose(acts["features.0"], pre, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(acts["block1_conv1"], post, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(acts["block2_conv2"], deep, rtol=1e-4, atol=1e-4)
    # The conv output is read before the in-place ReLU overwrites it: negative maxima survive.
    assert (acts["features.0"] < 0).any()


def test_naive_stored_hook_is_corrupted_by_inplace_relu(vgg16, small_stimuli):
    """Why the pipeline reduces inside the hook: a stored reference changes under ReLU(inplace)."""
    kept = {}
    h = vgg16.features[0].register_forward_hook(lambda m, i, o: kept.setdefault("conv", o))
    try:
        with torch.no_grad():
            x = small_stimuli.batch(range(4))
            vgg16.features[:2](x)
    finally:
        h.remove()
    assert kept["conv"].min() >= 0  # the stored "conv output" is really the ReLU output
    assert (_rerun(vgg16.features, x, 0) < 0).any()


def _ranked_net():
    """Pre-ReLU outputs of rank 4 (conv), 3 (1-D conv) and 2 (linear), each followed by an
    in-place ReLU, and a later layer after all of them."""
    torch.manual_seed(3)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(inplace=True), nn.Flatten(2),
                        nn.Conv1d(4, 5, 3, padding=1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool1d(2),
                        nn.Flatten(), nn.Linear(10, 6), nn.ReLU(inplace=True), nn.Linear(6, 3)).eval()
    with torch.no_grad():  # one unit per layer whose maximum stays below zero
        for i in (0, 3, 7):
            net[i].bias[0] = -10.0
    return net


def test_pre_relu_outputs_of_every_rank_survive_the_inplace_relu(small_stimuli):
    net = _ranked_net()
    x = small_stimuli.batch(range(len(small_stimuli)))
    acts = activations.collect(net, small_stimuli, layers=["0", "3", "7", "9"], progress=False, cache=False,
                               batch_size=5)
    expected = {"0": _rerun(net, x, 0).amax(dim=(2, 3)), "3": _rerun(net, x, 3).amax(dim=2),
                "7": _rerun(net, x, 7), "9": _rerun(net, x, 9)}
    for name, want in expected.items():
        np.testing.assert_allclose(acts[name], want.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    for name in ("0", "3", "7"):  # the ReLU after them would have made these non-negative
        assert (acts[name] < 0).any(), name


def test_reduce_map_returns_a_copy_for_every_rank():
    for shape in ((2, 3), (2, 3, 4), (2, 3, 4, 5)):
        out = torch.randn(*shape)
        before = out.clone()
        reduced = activations.reduce_map(out)
        out.clamp_(min=0)  # what an in-place ReLU does after the hook
        expected = before if before.dim() == 2 else before.flatten(2).amax(dim=2)
        torch.testing.assert_close(reduced, expected)
    with pytest.raises(ValueError, match="Unknown reduction"):
        activations.reduce_map(torch.zeros(2, 3), "median")


def test_vgg16_fc1_before_its_relu_alongside_fc2(vgg16, small_stimuli):
    """The issue's case: classifier.0 (fc1 before its in-place ReLU) requested with fc2."""
    alone = activations.collect(vgg16, small_stimuli, ["classifier.0"], progress=False, cache=False)
    both = activations.collect(vgg16, small_stimuli, ["classifier.0", "fc2"], progress=False, cache=False)
    np.testing.assert_allclose(both["classifier.0"], alone["classifier.0"], rtol=1e-5, atol=1e-6)
    assert (both["classifier.0"] < 0).any()


def test_batch_size_and_memory_format_invariance(vgg16, small_stimuli):
    layers = ["block1_conv2", "block3_conv1", "block5_conv3", "fc2"]
    some = small_stimuli.subset([0, 7, 13, 22])  # one image per category: batch 1 runs fc2 four times, not 24
    a1 = activations.collect(vgg16, some, layers, batch_size=1, progress=False, cache=False)
    a64 = activations.collect(vgg16, some, layers, batch_size=64, progress=False, cache=False,
                              channels_last=False)
    for k in layers:
        np.testing.assert_allclose(a1[k], a64[k], rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine: CPU/GPU agreement not checked")
def test_cpu_and_gpu_agree(vgg16, small_stimuli):  # pragma: no cover - needs a GPU
    layers = ["block1_conv1", "block4_conv3", "fc1"]
    cpu = activations.collect(vgg16, small_stimuli, layers, device="cpu", progress=False, cache=False)
    gpu = activations.collect(vgg16, small_stimuli, layers, device="cuda", progress=False, cache=False)
    for k in layers:
        np.testing.assert_allclose(cpu[k], gpu[k], rtol=1e-3, atol=1e-3)
    assert next(vgg16.parameters()).device.type == "cpu"


def test_caller_model_left_as_it_was(small_stimuli):
    net = planted_net()
    net.train()
    params = {n: (p, p.detach().clone(), p.stride()) for n, p in net.named_parameters()}
    activations.collect(net, small_stimuli.subset(range(8)), layers=["1", "3"], progress=False, cache=False,
                        channels_last=True)
    assert net.training
    for n, p in net.named_parameters():
        obj, value, stride = params[n]
        assert p is obj and torch.equal(p, value) and p.stride() == stride
    for m in net.modules():
        assert not m._forward_hooks and not m._forward_pre_hooks


def test_forward_stops_after_deepest_layer(vgg16, small_stimuli):
    calls = {"classifier": 0, "block4": 0}
    hooks = [vgg16.classifier.register_forward_hook(lambda *a: calls.__setitem__("classifier", calls["classifier"] + 1)),
             vgg16.features[17].register_forward_hook(lambda *a: calls.__setitem__("block4", calls["block4"] + 1))]
    try:
        activations.collect(vgg16, small_stimuli, ["block1_conv1", "block2_conv1"], batch_size=4,
                            progress=False, cache=False)
        first = dict(calls)
        activations.collect(vgg16, small_stimuli, ["block1_conv1", "block2_conv1"], batch_size=4,
                            progress=False, cache=False)
    finally:
        for h in hooks:
            h.remove()
    # At most the one-image check of the first call goes deeper; the batches never do.
    assert first["classifier"] <= 1 and first["block4"] <= 1
    assert calls == first


def test_shared_module_is_refused():
    from helpers.cnn.models import load_model
    from helpers.labels import PAPER_CATEGORIES
    from helpers.organism.world import measurement_stimuli

    net = load_model("resnet18", pretrained=False)
    with pytest.raises(RuntimeError, match="more than once"):
        activations.collect(net, measurement_stimuli(2, 32, categories=PAPER_CATEGORIES), ["layer1.0.relu"], progress=False, cache=False)


def test_cache_roundtrip_and_keying(tmp_path, small_stimuli):
    net = planted_net()
    a = activations.collect(net, small_stimuli, ["1", "3"], progress=False, cache=tmp_path)
    (folder,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["categories"] == small_stimuli.categories and meta["layers"] == ["1", "3"]
    assert len(meta["paths"]) == len(small_stimuli)
    b = activations.collect(net, small_stimuli, ["1", "3"], progress=False, cache=tmp_path)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert b.categories == a.categories and np.array_equal(b.labels, a.labels)
    # Anything that changes the result gets its own entry: layers, reduction, weights, pixels.
    activations.collect(net, small_stimuli, ["1"], progress=False, cache=tmp_path)
    activations.collect(net, small_stimuli, ["1", "3"], progress=False, cache=tmp_path, reduction="mean")
    with torch.no_grad():
        net[2].weight.mul_(2)
    c = activations.collect(net, small_stimuli, ["1", "3"], progress=False, cache=tmp_path)
    assert not np.array_equal(c["3"], a["3"])
    other = small_stimuli.subset(range(len(small_stimuli)))
    other.pixels = other.pixels.copy()
    other.pixels[0, 0, 0, 0] ^= 1
    activations.collect(net, other, ["1", "3"], progress=False, cache=tmp_path)
    assert len([p for p in tmp_path.iterdir() if not p.name.startswith(".")]) == 5


def test_corrupt_cache_is_detected_and_recomputed(tmp_path, small_stimuli):
    net = planted_net()
    a = activations.collect(net, small_stimuli, ["1"], progress=False, cache=tmp_path)
    (folder,) = list(tmp_path.iterdir())
    raw = bytearray((folder / "arrays.npz").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (folder / "arrays.npz").write_bytes(bytes(raw))
    with pytest.warns(UserWarning, match="unusable"):
        b = activations.collect(net, small_stimuli, ["1"], progress=False, cache=tmp_path)
    np.testing.assert_array_equal(a["1"], b["1"])
    (folder / "meta.json").write_text("{not json")
    with pytest.warns(UserWarning, match="unusable"):
        activations.collect(net, small_stimuli, ["1"], progress=False, cache=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        activations.collect(net, small_stimuli, ["1"], progress=False, cache=tmp_path)  # repaired


def test_interrupted_write_leaves_nothing(tmp_path, small_stimuli, monkeypatch):
    net = planted_net()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(KeyboardInterrupt):
        activations.collect(net, small_stimuli, ["1"], progress=False, cache=tmp_path)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    a = activations.collect(net, small_stimuli, ["1"], progress=False, cache=tmp_path)
    assert a["1"].shape == (len(small_stimuli), 4)


def test_unknown_layer_lists_valid_names(vgg16, small_stimuli):
    with pytest.raises(KeyError, match="block5_conv3"):
        activations.collect(vgg16, small_stimuli, ["block6_conv1"], progress=False, cache=False)


# --------------------------------------------------------------------------- the cache cannot go stale


def _entries(folder):
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_lesion_through_data_is_not_served_from_cache(tmp_path, small_stimuli):
    """weight.data[...] = 0 does not bump torch's version counter; the key hashes values."""
    net = planted_net()
    before = activations.collect(net, small_stimuli, ["1", "3"], progress=False, cache=tmp_path)
    net[2].weight.data[:3] = 0  # the usual lesion idiom
    after = activations.collect(net, small_stimuli, ["1", "3"], progress=False, cache=tmp_path)
    np.testing.assert_array_equal(after["1"], before["1"])  # upstream of the lesion
    assert not np.array_equal(after["3"], before["3"])
    fresh = activations.collect(net, small_stimuli, ["1", "3"], progress=False, cache=False)
    np.testing.assert_array_equal(after["3"], fresh["3"])
    assert len(_entries(tmp_path)) == 2


@pytest.mark.parametrize("where", ["module", "global"])
def test_model_with_forward_hooks_is_not_cached(tmp_path, small_stimuli, where):
    net = planted_net()
    plain = activations.collect(net, small_stimuli, ["3"], progress=False, cache=tmp_path)

    def double(module, inputs, output):
        return output * 2

    handle = (net[2].register_forward_hook(double) if where == "module"
              else torch.nn.modules.module.register_module_forward_hook(
                  lambda m, i, o: o * 2 if m is net[2] else None))
    try:
        with pytest.warns(UserWarning, match="not cached: the model carries forward hooks"):
            hooked = activations.collect(net, small_stimuli, ["3"], progress=False, cache=tmp_path)
    finally:
        handle.remove()
    assert not np.array_equal(hooked["3"], plain["3"])  # computed with the hook, not read from the cache
    assert len(_entries(tmp_path)) == 1  # and not stored
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = activations.collect(net, small_stimuli, ["3"], progress=False, cache=tmp_path)
    np.testing.assert_array_equal(again["3"], plain["3"])


def test_image_edited_after_loading_is_not_served_stale(tmp_path):
    from PIL import Image

    from helpers.stimuli.sets import Preprocess, load_folder
    from helpers.labels import PAPER_CATEGORIES
    from helpers.organism.world import measurement_stimuli

    measurement_stimuli(3, 32, seed=4, categories=PAPER_CATEGORIES).save(tmp_path / "stim")
    stim = load_folder(tmp_path / "stim", Preprocess(32, 32))
    net = planted_net()
    a = activations.collect(net, stim, ["1"], progress=False, cache=tmp_path / "cache")
    path = stim.paths[0]
    before = os.stat(path)
    Image.new("RGB", (32, 32), (255, 0, 0)).save(path)  # pure red: the red detector fires
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # even with the old modification time
    b = activations.collect(net, stim, ["1"], progress=False, cache=tmp_path / "cache")
    assert not np.array_equal(a["1"][0], b["1"][0])
    np.testing.assert_array_equal(a["1"][1:], b["1"][1:])


def test_stored_layer_list_is_checked(tmp_path, small_stimuli):
    net = planted_net()
    a = activations.collect(net, small_stimuli, ["1", "3"], progress=False, cache=tmp_path)
    (folder,) = [tmp_path / n for n in _entries(tmp_path)]
    meta = json.loads((folder / "meta.json").read_text())
    meta["layers"], meta["shapes"] = meta["layers"][:1], meta["shapes"][:1]  # checksums still valid
    (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match="holds layers"):
        b = activations.collect(net, small_stimuli, ["1", "3"], progress=False, cache=tmp_path)
    assert list(b) == ["1", "3"]
    np.testing.assert_array_equal(a["3"], b["3"])


def test_one_layer_name_is_one_layer(small_stimuli):
    net = planted_net()
    acts = activations.collect(net, small_stimuli, "3", progress=False, cache=False)
    assert list(acts) == ["3"] and acts["3"].shape == (len(small_stimuli), 6)


def test_unusable_cache_folder_costs_only_the_caching(tmp_path, small_stimuli, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("COURSE_CACHE", str(blocker))
    with pytest.warns(UserWarning, match="not cached"):
        acts = activations.collect(planted_net(), small_stimuli, ["1"], progress=False)
    assert acts["1"].shape == (len(small_stimuli), 4) and acts.meta["key"] is None


def test_subcategories_travel_with_the_activations(tmp_path):
    from helpers.labels import PAPER_CATEGORIES
    from helpers.organism.world import measurement_stimuli

    stim = measurement_stimuli(2, 32, seed=1, categories=PAPER_CATEGORIES)
    stim.subcategories = np.array(["a", "b"] * 4)
    first = activations.collect(planted_net(), stim, ["1"], progress=False, cache=tmp_path)
    cached = activations.collect(planted_net(), stim, ["1"], progress=False, cache=tmp_path)
    assert first.subcategories.tolist() == cached.subcategories.tolist() == ["a", "b"] * 4
    stim.subcategories = np.array(["c", "d"] * 4)  # other labels: another entry, not stale ones
    relabelled = activations.collect(planted_net(), stim, ["1"], progress=False, cache=tmp_path)
    assert relabelled.subcategories.tolist() == ["c", "d"] * 4


def test_run_batches_is_the_shared_runner(small_stimuli):
    net = planted_net()
    means = activations.run_batches(net, small_stimuli, ["1"], lambda o: o.mean(dim=(2, 3)), batch_size=5)
    collected = activations.collect(net, small_stimuli, ["1"], reduction="mean", progress=False, cache=False)
    np.testing.assert_allclose(means["1"], collected["1"], rtol=1e-6)
    with pytest.raises(ValueError, match="at least 1"):
        activations.run_batches(net, small_stimuli, ["1"], lambda o: o.mean(dim=(2, 3)), batch_size=0)


def test_channels_last_copies_are_kept_and_never_stale(small_stimuli):
    """The run's channels-last weights are kept between calls, but a lesion of the caller's
    weights, or a write into the kept copy during a run, is never run on stale values."""
    net = planted_net()
    cpu = torch.device("cpu")
    w = net[2].weight
    before = (w, w.detach().clone(), w.stride(), w.requires_grad)
    with activations.prepared(net, cpu, True):
        run_w = net[2].weight.data
        assert run_w.is_contiguous(memory_format=torch.channels_last) and torch.equal(run_w, before[1])
    with activations.prepared(net, cpu, True):
        assert net[2].weight.data.data_ptr() == run_w.data_ptr()  # kept, not converted again
    assert net[2].weight is before[0] and torch.equal(net[2].weight, before[1])
    assert net[2].weight.stride() == before[2] and net[2].weight.requires_grad == before[3]

    some = small_stimuli.subset(range(8))
    contiguous = lambda: activations.collect(net, some, ["3"], progress=False, cache=False,  # noqa: E731
                                             channels_last=False)["3"]
    run = lambda: activations.collect(net, some, ["3"], progress=False, cache=False,  # noqa: E731
                                      channels_last=True)["3"]
    np.testing.assert_allclose(run(), contiguous(), rtol=1e-5, atol=1e-6)
    # A lesion through .data, which torch's version counter does not see.
    intact = run()
    version = w._version
    w.data[0] = 0
    assert w._version == version
    lesioned = run()
    assert not np.allclose(lesioned[:, 0], intact[:, 0])
    np.testing.assert_allclose(lesioned, contiguous(), rtol=1e-5, atol=1e-6)
    # A write into the run's copy stays inside that run.
    with activations.prepared(net, cpu, True):
        net[2].weight.data.mul_(3)
    np.testing.assert_allclose(run(), contiguous(), rtol=1e-5, atol=1e-6)
    assert torch.equal(net[2].weight[1:], before[1][1:]) and (net[2].weight[0] == 0).all()


def test_channels_last_copies_work_under_autograd_and_inference_mode(small_stimuli):
    """A copy made inside torch.inference_mode() is reused later where autograd runs."""
    net = planted_net()
    some = small_stimuli.subset(range(4))
    with torch.inference_mode():
        activations.collect(net, some, ["3"], progress=False, cache=False, channels_last=True)
    x = some.batch(range(4)).contiguous(memory_format=torch.channels_last).requires_grad_(True)
    with activations.prepared(net, torch.device("cpu"), True):
        net[:4](x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
