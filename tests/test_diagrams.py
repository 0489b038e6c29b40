"""The two diagrams draw, name every layer, stay readable, and read the model they are given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from helpers.present import diagrams
from helpers.organism import world as miniworld, network as organism  # noqa: E402


def texts(fig):
    """Every piece of text drawn in a figure (axes texts, titles), drawn once first."""
    fig.canvas.draw()
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def test_pipeline_names_every_step_in_order_and_is_readable():
    fig = diagrams.pipeline_diagram(categories=("face", "dog"), n_permutations=500, alpha=0.05)
    found = texts(fig)
    words = " ".join(t.get_text() for t in found)
    steps = ["Images", "Feature maps", "Per-filter maximum", "Eq. 1", "Eq. 2", "More than chance", "Per layer"]
    positions = [words.index(s) for s in steps]
    assert positions == sorted(positions), "steps in pipeline order"
    assert "face, dog" in words and "500 times" in words and "p ≤ 0.05" in words and "Benjamini-Hochberg" in words
    assert min(t.get_fontsize() for t in found) >= diagrams.MIN_FONTSIZE
    plt.close(fig)


def test_published_layout_is_vgg16s():
    rows = diagrams.vgg16_layout()
    assert [r["name"] for r in rows] == list(diagrams.LAYER_NAMES)
    conv = [r for r in rows if r["block"]]
    assert [r["channels"] for r in conv] == [64] * 2 + [128] * 2 + [256] * 3 + [512] * 6
    assert [r["side"] for r in conv] == [224] * 2 + [112] * 2 + [56] * 3 + [28] * 3 + [14] * 3
    assert [(r["channels"], r["side"]) for r in rows[-3:]] == [(4096, 1), (4096, 1), (1000, 1)]


def test_layout_read_off_torchvision_vgg16_matches_the_published_one():
    from torchvision.models import vgg16

    with torch.random.fork_rng():
        net = vgg16(weights=None)
    assert diagrams.vgg16_layout(net, 224) == diagrams.vgg16_layout()
    assert diagrams.vgg16_layout(net, 64)[-4]["side"] == 4  # block5_conv3: 64 / 2**4 (four pools before it)
    assert not any(m._forward_hooks for m in net.modules()), "hooks removed"


def test_diagram_reads_the_organism_widths_and_names_every_layer():
    net = organism.load_organism("untrained")
    net.train()
    rows = diagrams.vgg16_layout(net)
    assert [r["channels"] for r in rows if r["name"].endswith("conv1")] == [16, 32, 64, 96, 128]
    assert [r["side"] for r in rows if r["name"].endswith("conv1")] == [64, 32, 16, 8, 4]
    assert [r["channels"] for r in rows[-3:]] == [256, 256, len(miniworld.CLASSES)]
    assert net.training, "the model's mode is restored"
    fig = diagrams.vgg16_diagram(net)
    found = texts(fig)
    words = [t.get_text() for t in found]
    for name in diagrams.LAYER_NAMES:
        assert name in words, f"{name} missing from the diagram"
    for width in ("16", "32", "64", "96", "128", "256", str(len(miniworld.CLASSES))):
        assert width in words
    assert "512" not in words and "4,096" not in words, "VGG16's widths must not leak into the organism's drawing"
    title = fig._suptitle.get_text()
    assert "organism" in title and "64-px" in title and "block 5\n4×4 px" in words
    assert min(t.get_fontsize() for t in found) >= diagrams.MIN_FONTSIZE
    plt.close(fig)
    fig = diagrams.vgg16_diagram()
    words = [t.get_text() for t in texts(fig)]
    assert "512" in words and "4,096" in words and "block 1\n224×224 px" in words
    plt.close(fig)


def test_a_model_without_vgg16s_layout_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="lacks VGG16's module paths .*block1_conv1"):
        diagrams.vgg16_layout(nn.Sequential(nn.Conv2d(3, 4, 3)))
