"""The command line runs the whole pipeline on a stimulus folder."""

import json

import pandas as pd

from helpers.__main__ import main
from helpers.stimuli import schematic


def test_report_on_a_folder(tmp_path, capsys):
    schematic(5, 40, seed=0).save(tmp_path / "stim")
    out = tmp_path / "out"
    code = main(["report", "--stimuli", str(tmp_path / "stim"), "--out", str(out), "--profile", "quick",
                 "--layers", "block1_conv1", "block3_conv1", "fc2", "--permutations", "199", "--no-progress"])
    assert code == 0
    table = pd.read_csv(out / "selectivity_by_layer.csv")
    assert list(table["layer"].unique()) == ["block1_conv1", "block3_conv1", "fc2"]
    assert set(table["category"]) == {"face", "i-see-face", "car", "dog"}
    assert (table.loc[table.layer == "fc2", "n_filters"] == 4096).all()
    # The CSV carries the intervals of summary_table: bootstrap over images and Wilson.
    assert {"ci_low", "ci_high", "wilson_low", "wilson_high", "n_unsettled", "ci_method"} <= set(table.columns)
    assert ((table["ci_low"] <= table["proportion"]) & (table["proportion"] <= table["ci_high"])).all()
    assert (out / "selectivity_by_layer.png").stat().st_size > 10_000
    run = json.loads((out / "run.json").read_text())
    assert run["trained"] is False and "UNTRAINED" in run["model"]
    assert "UNTRAINED" in capsys.readouterr().out


def test_report_errors_are_clear(tmp_path, capsys):
    assert main(["report", "--stimuli", str(tmp_path / "missing"), "--out", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err
    schematic(2, 32).save(tmp_path / "s")
    assert main(["report", "--stimuli", str(tmp_path / "s"), "--out", str(tmp_path / "o"), "--profile", "quick",
                 "--layers", "block9_conv9", "--no-progress"]) == 2
    assert "Valid names" in capsys.readouterr().err
