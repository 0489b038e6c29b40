"""The command line's claims scorecard (helpers.claims): written as claims.csv and a section of
run.json when the stimulus set has the paper's four categories, and a one-line reason otherwise."""

import pytest
import json

import numpy as np
import pandas as pd
from PIL import Image

from helpers.analyses import claims
from helpers.__main__ import main


@pytest.mark.slow
def test_quick_scores_the_claims_with_the_control(tmp_path, capsys):
    out = tmp_path / "out"
    layers = ["block1_conv1", "block2_conv1", "block4_conv3", "block5_conv1", "block5_conv2", "block5_conv3", "fc1",
              "fc2"]  # what claims 1-4 need
    assert main(["report", "--out", str(out), "--profile", "quick", "--control", "--layers", *layers,
                 "--permutations", "99", "--no-progress"]) == 0
    card = pd.read_csv(out / "claims.csv")
    assert list(card["claim"]) == [1, 2, 3, 4, 5]
    assert set(card["verdict"]) <= set(claims.VERDICTS)
    run = json.loads((out / "run.json").read_text())["claims"]
    assert run["scored"] is True and "MODEL ORGANISM" in run["scope"]
    assert [c["verdict"] for c in run["claims"]] == list(card["verdict"])
    assert "control: Mini-VGG16 organism, UNTRAINED" in run["title"]
    # claim 4 compares with the control, which --control measured; claim 5 is not run here
    assert card.loc[3, "verdict"] != claims.NOT_SCORABLE and "UNTRAINED" not in card.loc[3, "numbers"]
    assert card.loc[4, "verdict"] == claims.NOT_SCORABLE and "command-line" in card.loc[4, "reason"]
    text = capsys.readouterr().out
    assert "Scorecard of the paper's claims · Mini-VGG16 organism (cross-entropy)" in text
    assert "claims.csv" in text


def test_without_the_control_claim_4_says_how_to_get_it(tmp_path):
    out = tmp_path / "out"
    assert main(["report", "--out", str(out), "--profile", "quick", "--layers", "block4_conv3", "fc1", "fc2",
                 "--permutations", "19", "--no-progress"]) == 0
    card = pd.read_csv(out / "claims.csv").set_index("claim")
    assert card.loc[4, "verdict"] == claims.NOT_SCORABLE and "rerun with --control" in card.loc[4, "reason"]
    assert card.loc[1, "verdict"] == claims.NOT_SCORABLE and "blocks 1-2" in card.loc[1, "reason"]


def test_other_categories_say_why_there_is_no_scorecard(tmp_path, capsys):
    folder = tmp_path / "stim"
    rng = np.random.default_rng(0)
    for cat in ("house", "tool"):
        (folder / cat).mkdir(parents=True)
        for i in range(6):
            Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(folder / cat / f"{i}.png")
    out = tmp_path / "out"
    assert main(["report", "--stimuli", str(folder), "--out", str(out), "--profile", "quick", "--untrained",
                 "--layers", "fc2", "--permutations", "9", "--no-progress"]) == 0
    assert not (out / "claims.csv").exists()
    run = json.loads((out / "run.json").read_text())["claims"]
    assert run["scored"] is False and "lacks the paper's categories" in run["why"]
    assert "No claims scorecard: the stimulus set lacks the paper's categories" in capsys.readouterr().out
