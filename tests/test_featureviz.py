"""Feature visualisation: finds planted features, deterministic, batch-independent,
stops at the layer, revives silent filters, leaves the model alone; its parts
(parameterisations, transforms, objectives) compose with known answers."""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from helpers.analyses import featureviz as fv
from helpers.cnn.models import ModelInfo
from helpers.stimuli.sets import IMAGENET_MEAN, IMAGENET_STD

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
    fv.visualize(net, "1", [0], fv.objectives.negative(), size=32, steps=4, progress=False)
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
    neg = fv.visualize(net, "1", [0], fv.objectives.negative(), size=32, steps=48, progress=False)
    assert neg.objective[0] > neg.initial[0] + 0.5
    pos = fv.visualize(net, "1", [0], size=32, steps=6, objective=("position", 10, 12), progress=False)
    assert np.isfinite(pos.objective).all()
    pix = fv.visualize(net, "1", [0], size=32, steps=6, param="pixel", transforms=[], progress=False)
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


def test_settings_follow_profile_and_device():
    from helpers.edge import profiles

    assert profiles.featureviz_settings(profiles.get_profile("quick")) == {"size": 48, "steps": 24}
    assert profiles.featureviz_settings(profiles.get_profile("full"), "cpu") == {"size": 128, "steps": 128}
    assert profiles.featureviz_settings(profiles.get_profile("full"), "cuda") == {"size": 224, "steps": 512}
    assert (fv.SIZE, fv.STEPS) == (128, 128)  # visualize's own defaults are constants


# --------------------------------------------------------------------------- the parts


class FixedDraws:
    """Stands in for ImageStreams: each image draws ``values`` (a number: all equal),
    the first k of them for a call for k; records how many numbers each call took."""

    def __init__(self, n, values):
        self.n, self.values, self.calls = n, values, []

    def uniform(self, k):
        self.calls.append(k)
        row = torch.full((k,), float(self.values)) if np.isscalar(self.values) else torch.tensor(self.values[:k])
        return row.float().expand(self.n, k)


def test_parameterisations_known_answers():
    from helpers.analyses.featureviz import param

    draws = fv.ImageStreams(0, [5, 7])
    for build in (param.fourier, param.pixel):
        img = build(16, draws)
        first = img().detach()
        assert first.shape == (2, 3, 16, 16) and 0.45 < first.min() and first.max() < 0.55
        with torch.no_grad():
            img.params.zero_()
        assert torch.equal(img(), torch.full((2, 3, 16, 16), 0.5))  # sigmoid(0): grey
    # Pixel: the image is the sigmoid of the parameters, through the colour matrix if asked.
    px = param.pixel((4, 6), draws, decorrelate=False)
    assert torch.equal(px(), torch.sigmoid(px.params)) and px.name == "pixel (no colour decorrelation)"
    px = param.pixel((4, 6), draws)
    expected = torch.sigmoid(torch.einsum("ij,njhw->nihw", param.COLOUR_DECORRELATION, px.params))
    torch.testing.assert_close(px(), expected)
    # Fourier: unit coefficients at 2 and 4 cycles per image along x come out as
    # cosines of amplitude 1/f (times the fixed 1/4): 16/2 / 4 = 2 and 16/4 / 4 = 1.
    fo = param.fourier(16, fv.ImageStreams(0, [0]), decorrelate=False)
    with torch.no_grad():
        fo.params.zero_()
        fo.params[0, 0, 0, 2, 0] = 1.0
        fo.params[0, 0, 0, 4, 0] = 1.0
    spectrum = torch.fft.rfft2(fo.logits().detach(), norm="ortho")[0, 0]
    assert spectrum[0, 2].real.item() == pytest.approx(2.0, abs=1e-5)
    assert spectrum[0, 4].real.item() == pytest.approx(1.0, abs=1e-5)
    spectrum[0, 2] = spectrum[0, 4] = 0
    assert spectrum.abs().max().item() < 1e-5 and fo.logits()[0, 1:].abs().max().item() == 0
    # The initial image of a stream depends on (seed, key) alone.
    a, b = param.fourier(8, fv.ImageStreams(3, [5, 7])), param.fourier(8, fv.ImageStreams(3, [7]))
    assert torch.equal(a.params[1], b.params[0]) and not torch.equal(a.params[0], a.params[1])
    with pytest.raises(ValueError, match="seed must be a non-negative"):
        fv.ImageStreams(-1, [0])


def test_transforms_known_answers():
    from helpers.analyses.featureviz import transform as T

    img = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    # Evaluation (no draws): the standard list only pads, with grey (0.06 * 32 -> 2 px).
    out = T.compose(T.standard())(img, None)
    assert out.shape == (2, 3, 36, 36)
    torch.testing.assert_close(out[:, :, 2:34, 2:34], img, atol=1e-6, rtol=0)
    assert (out[:, :, :2] == 0.5).all() and (out[:, :, :, 34:] == 0.5).all()
    # Jitter by the largest shift (draw 1): 0.125 * 32 = 4 px right and down.
    out = T.jitter(0.125)(img, FixedDraws(2, 1.0))
    torch.testing.assert_close(out[:, :, 4:, 4:], img[:, :, :-4, :-4], atol=1e-6, rtol=0)
    assert (out[:, :, :4] == 0.5).all()
    # Zoom by 0.5: each output pixel averages a 2x2 block, centred on a grey canvas.
    out = T.scale(0.5, 0.5)(img, FixedDraws(2, 0.0))
    torch.testing.assert_close(out[:, :, 8:24, 8:24], torch.nn.functional.avg_pool2d(img, 2), atol=1e-6, rtol=0)
    # Rotation by +90 degrees: a quarter turn, clockwise on screen (y points down).
    out = T.rotate(90)(img, FixedDraws(2, 1.0))
    torch.testing.assert_close(out, torch.rot90(img, 3, (2, 3)), atol=1e-5, rtol=0)
    # Fusing does not change the result: a run split by a plain callable (two
    # resamplings) gives the same image (integer shifts: exact but for the grid's float
    # rounding, 3e-6 here). Fractions refer to the list's input, 32 px: a 4 px border,
    # a shift of -2 px.
    same = lambda images, draws: images  # noqa: E731
    fused = T.compose([T.pad(0.125), T.jitter(0.0625)])(img, FixedDraws(2, 0.0))
    split = T.compose([T.pad(0.125), same, T.jitter(0.0625)])(img, FixedDraws(2, 0.0))
    assert fused.shape == split.shape == (2, 3, 40, 40)
    torch.testing.assert_close(fused, split, atol=1e-5, rtol=0)
    torch.testing.assert_close(fused[:, :, 2:34, 2:34], img, atol=1e-6, rtol=0)
    # One draw per image and fused run, handed out last transform first: jitter takes
    # (1, 1), +4 px right and down; scale takes 0, a zoom of 0.5.
    draws = FixedDraws(2, [1.0, 1.0, 0.0])
    out = T.compose([T.scale(0.5, 1.0), T.jitter(0.125)])(img, draws)
    assert draws.calls == [3]
    torch.testing.assert_close(out[:, :, 12:28, 12:28], torch.nn.functional.avg_pool2d(img, 2), atol=1e-6, rtol=0)
    # A plain callable sits between fused runs, each run drawing once.
    swap = lambda images, draws: images.flip(1)  # noqa: E731  R <-> B
    draws = FixedDraws(2, 0.5)
    out = T.compose([T.pad(0.0625), T.rotate(), T.scale(), swap, T.jitter()])(img, draws)
    assert draws.calls == [2, 2]  # rotate and scale, then the jitter after the callable
    torch.testing.assert_close(out[:, :, 2:34, 2:34], img.flip(1), atol=1e-5, rtol=0)  # draws 0.5: no change
    with pytest.raises(TypeError, match="callables"):
        T.compose([T.pad(), "jitter"])


def test_objective_algebra_known_answers():
    from helpers.analyses.featureviz import objectives as O

    maps = torch.arange(2 * 5 * 5, dtype=torch.float32).reshape(2, 5, 5)
    mean, centre, corner = maps.flatten(1).mean(1), maps[:, 2, 2], maps[:, 0, 1]
    assert torch.equal(O.mean()(maps), mean) and torch.equal(O.center()(maps), centre)
    assert torch.equal(O.position(0, 1)(maps), corner)
    combo = O.mean() + 2 * O.center() - O.position(0, 1) / 4
    torch.testing.assert_close(combo(maps), mean + 2 * centre - corner / 4)
    assert combo.name == "mean + 2 × center - 0.25 × position(0, 1)"
    assert torch.equal(sum([O.center(), O.position(0, 1)])(maps), centre + corner)
    assert torch.equal((-O.mean())(maps), -mean) and torch.equal(O.mean()(maps[:, 0, 0]), maps[:, 0, 0])
    custom = O.as_objective(lambda m: m.amax(dim=(1, 2)))
    assert torch.equal((custom - O.mean())(maps), maps.amax(dim=(1, 2)) - mean)
    neg = O.negative()
    assert neg.reads_before_relu and torch.equal(neg(maps), -mean) and neg.name == "-mean (before ReLU)"
    assert O.as_objective(("position", 3, 4)).name == O.as_objective((3, 4)).name == "position(3, 4)"
    with pytest.raises(ValueError, match="one reads the value before"):
        O.mean() + O.negative()
    with pytest.raises(ValueError, match="one value per image"):
        O.as_objective(lambda m: m.sum())(maps)
    with pytest.raises(ValueError, match="only objective='mean'"):
        O.center()(maps[:, 0, 0])
    with pytest.raises(ValueError, match="Unknown objective"):
        O.as_objective("max")


def test_hand_built_parts_and_custom_objective_give_visualize_s_images():
    """visualize is render on default parts: built by hand they give the same images,
    and a hand-written centre objective the same as the built-in one."""
    from helpers.analyses.featureviz import objectives, param, render, transform

    net = planted_net()
    ref = fv.visualize(net, "1", [0, 2], "center", size=32, steps=8, seed=4, progress=False)
    draws = fv.ImageStreams(4, [0, 2])
    image = param.fourier(32, draws)
    by_hand = render.render(net, "1", [0, 2], lambda m: m[:, m.shape[1] // 2, m.shape[2] // 2], image,
                            transform.standard(), draws, steps=8, progress=False)
    assert np.array_equal(ref.images_float, by_hand.images_float) and np.array_equal(ref.history, by_hand.history)
    assert by_hand.settings["objective"] == "<lambda>" and by_hand.settings["param"] == "fourier"
    # Adam's steps do not depend on the objective's scale: twice the objective, same
    # images, twice the values.
    double = fv.visualize(net, "1", [0, 2], 2 * objectives.center(), size=32, steps=8, seed=4, progress=False)
    np.testing.assert_allclose(double.images_float, ref.images_float, atol=1e-4, rtol=0)
    np.testing.assert_allclose(double.objective, 2 * ref.objective, rtol=1e-3)
    with pytest.raises(ValueError, match="one entry per image"):
        render.render(net, "1", [0], "mean", param.pixel(8, fv.ImageStreams(0, [0, 1])), [], draws, steps=1)
    with pytest.raises(ValueError, match="Unknown param"):
        fv.visualize(net, "1", [0], param="wavelet", size=8, steps=1, progress=False)


@pytest.mark.parametrize("swap", [False, True])
def test_custom_transform_list_and_pixel_parameterisation_find_the_edge(swap):
    """A pixel image without the colour matrix, a custom list: pad, jitter and (when
    ``swap``) a transform exchanging red and blue before the network. The planted red
    detector then asks for a blue edge: what the network sees is red."""
    import functools

    from helpers.analyses.featureviz import param, transform

    net = planted_net()
    flip = lambda images, draws: images.flip(1)  # noqa: E731
    parts = [transform.pad(0.06), transform.jitter(0.04)] + ([flip] if swap else [])
    res = fv.visualize(net, "1", [0], "center", param=functools.partial(param.pixel, decorrelate=False),
                       transforms=parts, size=32, steps=64, progress=False)
    assert res.objective[0] > res.initial[0] + 0.5
    r, g, b = res.images_float[0, 13:20, 13:20].mean(axis=(0, 1))
    seen, other = (b, r) if swap else (r, b)
    assert seen > g + 0.15 and seen > other + 0.15
    gx, gy = _gradients(res.images_float[0, 13:20, 13:20])
    assert gx > 3 * gy
    assert res.settings["param"] == "pixel (no colour decorrelation)"
