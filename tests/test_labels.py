"""helpers.labels: every title says which network and which stimuli produced a result."""

from types import SimpleNamespace

import pytest

from helpers import labels, plots
from helpers.labels import ModelInfo


def test_model_info_labels():
    assert ModelInfo("vgg16", "IMAGENET1K_V1").label == "VGG16, ImageNet weights (IMAGENET1K_V1)"
    untrained = ModelInfo("vgg16", "untrained", 3)
    assert not untrained.trained and untrained.label == "VGG16, UNTRAINED (random weights, seed 3)"


def test_title_from_the_result_itself():
    meta = {"model": "VGG16, UNTRAINED (random weights, seed 0)", "trained": False, "schematic": True}
    acts = SimpleNamespace(meta=meta)
    text = plots.title(acts)
    assert text.splitlines() == [meta["model"], labels.UNTRAINED_NOTE, labels.SCHEMATIC_NOTE]
    assert text == plots.title_for(meta["model"], False, True)
    trained = SimpleNamespace(meta={"model": "VGG16, ImageNet weights (IMAGENET1K_V1)", "trained": True,
                                    "schematic": False, "source": "folder photos"})
    assert plots.title(trained) == "VGG16, ImageNet weights (IMAGENET1K_V1)"
    vis = SimpleNamespace(model_label="VGG16, UNTRAINED (random weights, seed 0)", trained=False)
    assert labels.UNTRAINED_NOTE in plots.title(vis) and labels.SCHEMATIC_NOTE in plots.title(vis, schematic=True)
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
