"""Feature visualisation: finds planted features, deterministic, batch-independent,
stops at the layer, revives silent filters, leaves the model alone; exemplar ranking."""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from helpers import featureviz as fv
from helpers.models import ModelInfo
from helpers.stimuli import IMAGENET_MEAN, IMAGENET_STD

K = 7  # planted kernel side, px


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny networks run many small ops: on a busy 2-core machine one thread is faster."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def planted_net():
    """Conv net; layer '1' filter 0 is a red vertical-edge detector, filter 1 the same but
    silent on every image at the start (bias -3), filters 2-3 random.

    The detector's red weights are a horizontal derivative at the scale of the kernel
    (left columns -, right columns +): red increasing from left to right. Green and
    blue weigh negatively everywhere: the filter is inhibited by them.
    """
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, K, padding=K // 2), nn.ReLU(inplace=True),
                        nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(inplace=True),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5), nn.ReLU(inplace=True))
    with torch.no_grad():
        w = net[0].weight
        edge = torch.sign(torch.arange(K) - K // 2).float().expand(K, K) / (K * (K - 1))
        for c in (0, 1):
            w[c, 0], w[c, 1], w[c, 2] = edge, -1 / K ** 2, -1 / K ** 2
        w[2:] = torch.randn(2, 3, K, K) * 0.1
        net[0].bias.zero_()
        net[0].bias[1] = -3.0
    net.eval()
    net.course_info = ModelInfo("planted", "hand-set")
    return net


def _normalise(img):
    """float (H, W, 3) in [0, 1] -> network input (1, 3, H, W)."""
    x = torch.as_tensor(img, dtype=torch.float32).permute(2, 0, 1)[None]
    return (x - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)


def _gradients(img):
    """Mean |horizontal| and |vertical| intensity differences of (H, W, 3)."""
    return np.abs(np.diff(img, axis=1)).mean(), np.abs(np.diff(img, axis=0)).mean()


def test_optimised_image_shows_the_planted_red_vertical_edge():
    net = planted_net()
    res = fv.visualize(net, "1", [0], size=48, steps=96, objective="center", progress=False)
    # What a hand-drawn ideal gives at the centre: black left half, red right half.
    ideal = np.zeros((48, 48, 3), np.float32)
    ideal[:, 24:, 0] = 1.0
    with torch.no_grad():
        best = net[:2](_normalise(ideal))[0, 0, 24, 24].item()
    assert res.initial[0] < 0.1 * best
    assert res.objective[0] > 0.7 * best  # margin: 70% of the ideal edge's response
    assert res.history.shape == (96, 1) and res.history[-1, 0] > res.history[0, 0] + 0.5 * best
    # The centre position sees the 7x7 px around image pixel (24, 24); outside it the
    # image is unconstrained.
    field = res.images_float[0, 20:29, 20:29]
    r, g, b = field.mean(axis=(0, 1))
    assert r > g + 0.15 and r > b + 0.15
    gx, gy = _gradients(field)
    assert gx > 3 * gy
    assert res.images.dtype == np.uint8 and res.images.shape == (1, 48, 48, 3)
    assert "hand-set" in res.model_label and res.layer == "1" and res.filters == [0]


def test_same_seed_same_images_other_seed_other_images():
    net = planted_net()
    kw = dict(size=32, steps=12, progress=False)
    a = fv.visualize(net, "3", [0, 3], seed=0, **kw)
    b = fv.visualize(net, "3", [0, 3], seed=0, **kw)
    c = fv.visualize(net, "3", [0, 3], seed=1, **kw)
    assert np.array_equal(a.images_float, b.images_float) and np.array_equal(a.history, b.history)
    assert np.abs(a.images_float - c.images_float).max() > 0.05


def test_batch_equals_one_filter_at_a_time():
    """Each image's randomness depends on (seed, filter) only, so a batch of 8 gives the
    images of 8 single runs. Tolerance 1e-4 on [0, 1] images: convolutions sum in a
    batch-size-dependent order (~1e-8 apart). Over many steps those differences can
    grow through ReLUs sitting at zero in this random net, so the float32 run is short
    and a float64 copy of the net checks a longer one."""
    net = planted_net()
    batch = fv.visualize(net, "3", list(range(8)), size=32, steps=12, progress=False)
    for f in range(8):
        one = fv.visualize(net, "3", [f], size=32, steps=12, progress=False)
        np.testing.assert_allclose(one.images_float[0], batch.images_float[f], atol=1e-4, rtol=0)
        np.testing.assert_allclose(one.history[:, 0], batch.history[:, f], atol=1e-4, rtol=0)
    assert batch.images_float.std(axis=(1, 2, 3)).min() > 0.01  # the images did change

    net64 = copy.deepcopy(net).double()
    batch = fv.visualize(net64, "3", [0, 3, 5], size=32, steps=40, progress=False)
    for j, f in enumerate([0, 3, 5]):
        one = fv.visualize(net64, "3", [f], size=32, steps=40, progress=False)
        np.testing.assert_allclose(one.images_float[0], batch.images_float[j], atol=1e-4, rtol=0)


def _count_calls(modules):
    calls = {name: 0 for name, _ in modules}
    handles = [m.register_forward_hook(lambda *a, name=name: calls.__setitem__(name, calls[name] + 1))
               for name, m in modules]
    return calls, handles


def test_network_is_not_run_past_the_target_layer(vgg16):
    net = planted_net()
    calls, handles = _count_calls([(n, m) for n, m in net.named_children() if int(n) > 1])
    try:
        fv.visualize(net, "1", [0, 1], size=32, steps=3, progress=False)
    finally:
        for h in handles:
            h.remove()
    assert calls == {n: 0 for n in calls}

    # VGG16: a conv layer stops inside `features`; fc1 needs the conv stack, avgpool and
    # the first linear layer, and nothing of the classifier after its ReLU.
    later = [("features.2", vgg16.features[2]), ("avgpool", vgg16.avgpool),
             ("classifier.2", vgg16.classifier[2]), ("classifier.3", vgg16.classifier[3])]
    calls, handles = _count_calls(later)
    try:
        conv = fv.visualize(vgg16, "block1_conv1", [0, 5], size=32, steps=2, progress=False)
        assert calls == {n: 0 for n in calls}
        fc = fv.visualize(vgg16, "fc1", [0, 7], size=32, steps=2, progress=False)
    finally:
        for h in handles:
            h.remove()
    assert calls["avgpool"] == 2 + 2 and calls["classifier.2"] == 0 and calls["classifier.3"] == 0
    assert conv.layer == "block1_conv1" and fc.layer == "fc1" and fc.module == "classifier.1"
    assert "UNTRAINED" in fc.model_label and not fc.trained
    with pytest.raises(ValueError, match="only objective='mean'"):
        fv.visualize(vgg16, "fc1", [0], size=32, steps=1, objective="center", progress=False)


def test_silent_filter_still_gives_an_image():
    net = planted_net()
    with torch.no_grad():
        grey = net[:2](_normalise(np.full((40, 40, 3), 0.5, np.float32)))
    assert grey[0, 1].max() == 0  # silent at the start
    res = fv.visualize(net, "1", [1], size=32, steps=160, progress=False)
    assert res.initial[0] == 0
    assert res.history[0, 0] < -3  # the warm-up pushes the pre-ReLU value ...
    assert res.objective[0] > 0.01  # ... until the filter fires
    assert res.images_float[0].std() > 0.1  # not a grey image
    assert res.settings["warmup"] == round(0.15 * 160)


def test_caller_model_left_unchanged():
    net = planted_net()
    net.train()
    net[2].weight.requires_grad_(False)
    before = {n: (p, p.detach().clone(), p.requires_grad, p.stride()) for n, p in net.named_parameters()}
    inplace = [m.inplace for m in net.modules() if isinstance(m, nn.ReLU)]
    fv.visualize(net, "3", [0, 2], size=32, steps=4, progress=False)
    fv.visualize(net, "1", [0], size=32, steps=4, progress=False, negative=True)
    assert net.training
    for n, p in net.named_parameters():
        obj, value, flag, stride = before[n]
        assert p is obj and torch.equal(p, value) and p.requires_grad == flag and p.stride() == stride
        assert p.grad is None
    for m in net.modules():
        assert not m._forward_hooks and not m._forward_pre_hooks
    assert [m.inplace for m in net.modules() if isinstance(m, nn.ReLU)] == inplace


def test_objectives_snapshots_and_errors():
    net = planted_net()
    res = fv.visualize(net, "1", [0, 2], size=32, steps=8, snapshots=[0, 4, 8], progress=False)
    assert sorted(res.snapshots) == [0, 4, 8]
    assert all(s.shape == (2, 32, 32, 3) and s.dtype == np.uint8 for s in res.snapshots.values())
    assert np.array_equal(res.snapshots[8], res.images)
    assert res.history.shape == (8, 2) and res.objective.shape == (2,)
    # Negative: what suppresses the filter, read before the ReLU (its output stops at 0).
    neg = fv.visualize(net, "1", [0], size=32, steps=48, negative=True, progress=False)
    assert neg.objective[0] > neg.initial[0] + 0.5
    pos = fv.visualize(net, "1", [0], size=32, steps=6, objective=("position", 10, 12), progress=False)
    assert np.isfinite(pos.objective).all()
    pix = fv.visualize(net, "1", [0], size=32, steps=6, param="pixel", transforms=False, progress=False)
    assert pix.images.shape == (1, 32, 32, 3)
    with pytest.raises(ValueError, match="outside the"):
        fv.visualize(net, "1", [0], size=32, steps=2, objective=("position", 99, 0), progress=False)
    with pytest.raises(ValueError, match="has 4 filters"):
        fv.visualize(net, "1", [4], size=32, steps=2, progress=False)
    with pytest.raises(ValueError, match="Unknown objective"):
        fv.visualize(net, "1", [0], size=32, steps=2, objective="max", progress=False)
    with pytest.raises(ValueError, match="Snapshot steps"):
        fv.visualize(net, "1", [0], size=32, steps=2, snapshots=[3], progress=False)
    with pytest.raises(KeyError, match="Unknown layer"):
        fv.visualize(net, "block9", [0], size=32, steps=2, progress=False)


def test_default_settings_follow_profile_and_device():
    assert fv.default_settings(profile="quick") == {"size": 48, "steps": 24}
    assert fv.default_settings("cpu", profile="full") == {"size": 128, "steps": 128}
    assert fv.default_settings("cuda", profile="full") == {"size": 224, "steps": 512}


def test_exemplar_ranking_matches_brute_force_sort():
    rng = np.random.default_rng(0)
    acts = np.round(rng.normal(size=(50, 6)), 1).astype(np.float32)  # rounding makes ties
    labels = rng.integers(0, 3, 50)
    cats = ["face", "car", "dog"]
    for f in range(6):
        v = acts[:, f].tolist()
        top = fv.top_exemplars(acts, f, k=10, labels=labels, categories=cats)
        low = fv.top_exemplars(acts, f, k=10, bottom=True, labels=labels, categories=cats)
        # The values are the 10 largest (smallest), in order; which of equal values is shown is a draw.
        assert top.values.tolist() == sorted(v, reverse=True)[:10]
        assert low.values.tolist() == sorted(v)[:10]
        assert top.values.tolist() == [v[i] for i in top.indices] and len(set(top.indices)) == 10
        assert top.categories == [cats[labels[i]] for i in top.indices] and low.bottom
        # A tie at the cut is reported with how many images share the value.
        cut = sorted(v, reverse=True)[9]
        n_cut, n_in = v.count(cut), sorted(v, reverse=True)[:10].count(cut)
        assert top.tied == (n_cut if n_cut > n_in else 0)
        if top.tied:
            assert top.tie_value == pytest.approx(cut) and top.tied_shown == n_in
            assert f"{n_cut} images at {cut:.3g}: {n_in} shown, drawn at random" == top.note
    with pytest.raises(ValueError, match="has 6 filters"):
        fv.top_exemplars(acts, 6)
    with pytest.raises(ValueError, match="positive whole number"):
        fv.top_exemplars(acts, 0, k=0)


def test_tied_exemplars_are_a_seeded_draw_not_the_first_images():
    acts = np.zeros((40, 1), np.float32)
    acts[35:] = 1.0  # five images activate the filter; 35 sit at 0 after a ReLU
    low = fv.top_exemplars(acts, 0, k=6, bottom=True)
    assert low.tied == 35 and low.tied_shown == 6 and low.note == "35 images at 0: 6 shown, drawn at random"
    assert low.label == "least\n(35 images at 0: 6 shown, drawn at random)"
    assert sorted(low.indices.tolist()) != list(range(6))  # not the first six by index
    again = fv.top_exemplars(acts, 0, k=6, bottom=True)
    np.testing.assert_array_equal(low.indices, again.indices)
    draws = {tuple(sorted(fv.top_exemplars(acts, 0, k=6, bottom=True, seed=s).indices)) for s in range(20)}
    assert len(draws) > 15 and all(max(d) < 35 for d in draws)
    top = fv.top_exemplars(acts, 0, k=5)
    assert sorted(top.indices.tolist()) == [35, 36, 37, 38, 39] and top.tied == 0 and top.label == "most"


def test_overlays_and_exemplar_figure(coloured):
    import matplotlib.pyplot as plt

    net = planted_net()
    heat = fv.activation_overlay(net, coloured, "1", 0, [0, 5, 20])
    assert heat.shape == (3, 32, 32) and heat.dtype == np.float32
    img = coloured.image(0)
    out = fv.overlay(img, heat[0])
    assert out.shape == img.shape and out.dtype == np.uint8
    assert np.array_equal(fv.overlay(img, heat[0], alpha=0.0), img)
    acts = np.random.default_rng(1).normal(size=(len(coloured), 4)).astype(np.float32)
    fig = fv.plot_exemplars(net, coloured, acts, "1", 0, k=3)
    titles = [ax.get_title() for ax in fig.axes]
    assert any(t.split("\n")[0] in coloured.categories for t in titles)
    assert "hand-set" in fig._suptitle.get_text()
    plt.close(fig)
    fig = fv.plot_visualizations(fv.visualize(net, "1", [0, 1], size=32, steps=2, progress=False))
    plt.close(fig)
