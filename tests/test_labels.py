"""helpers.labels: every title says which network and which stimuli produced a result."""

from types import SimpleNamespace

import pytest

from helpers import labels
from helpers.present import plots
from helpers.labels import ModelInfo


def test_model_info_labels():
    assert ModelInfo("vgg16", "IMAGENET1K_V1").label == "VGG16, ImageNet weights (IMAGENET1K_V1)"
    untrained = ModelInfo("vgg16", "untrained", 3)
    assert not untrained.trained and untrained.label == "VGG16, UNTRAINED (random weights, seed 3)"


def test_organism_labels():
    ce = ModelInfo(labels.ORGANISM_ARCH, "ce")
    assert ce.trained and ce.label == ("Mini-VGG16 organism (cross-entropy), trained on generated drawings — "
                                       "not the paper's VGG16")
    control = ModelInfo(labels.ORGANISM_ARCH, "untrained", 0)
    assert not control.trained and control.label == "Mini-VGG16 organism, UNTRAINED (random weights, seed 0)"


def test_title_from_the_result_itself():
    meta = {"model": "VGG16, UNTRAINED (random weights, seed 0)", "trained": False, "schematic": True}
    acts = SimpleNamespace(meta=meta)
    text = plots.title(acts)
    # one caption line, saying UNTRAINED once (the label says it) and that the stimuli were drawings
    assert text == "VGG16, UNTRAINED (random weights, seed 0) · measured on generated drawings"
    assert text.count("UNTRAINED") == 1 and "\n" not in text
    assert text == plots.title_for(meta["model"], False, True)
    trained = SimpleNamespace(meta={"model": "VGG16, ImageNet weights (IMAGENET1K_V1)", "trained": True,
                                    "schematic": False, "source": "folder photos"})
    assert plots.title(trained) == "VGG16, ImageNet weights (IMAGENET1K_V1)"
    organism = SimpleNamespace(meta={"model": ModelInfo(labels.ORGANISM_ARCH, "ce").label, "trained": True,
                                     "schematic": True})
    assert plots.title(organism) == ("Mini-VGG16 organism (cross-entropy), trained on generated drawings — not the "
                                     "paper's VGG16 · measured on generated drawings")
    # a label that does not say UNTRAINED itself gets the note, still on one line
    vis = SimpleNamespace(model_label="my network", trained=False)
    assert plots.title(vis) == "my network · " + labels.UNTRAINED_NOTE
    assert plots.title(vis, schematic=True) == "my network · UNTRAINED (random weights) · " + labels.SCHEMATIC_NOTE
    assert plots.title_for("two\nlines", True) == "two lines"
    with pytest.raises(TypeError, match="Cannot tell which model"):
        plots.title(object())


def test_model_meta_reads_the_meta_dict():
    class Result(labels.ModelMeta):
        def __init__(self, meta):
            self.meta = meta

    r = Result({"model": "m", "trained": True, "schematic": True, "source": "schematic drawings (seed=0, 64 px)"})
    assert (r.model_label, r.trained, r.schematic, r.stimuli_source) == ("m", True, True,
                                                                         "schematic drawings (seed=0, 64 px)")
    assert Result({}).model_label == "unknown model" and not Result({}).trained
