"""The command line runs the whole pipeline on a stimulus folder, checks its arguments
before any work, and ends every failure with one line (exit 2; Ctrl-C: 130)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch

from helpers.cnn import activations, models
from helpers import download
from helpers.organism import network as organism
from helpers.__main__ import main
from helpers.labels import PAPER_CATEGORIES
from helpers.organism.world import measurement_stimuli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "stim"
    measurement_stimuli(5, 40, seed=0, categories=PAPER_CATEGORIES).save(path)
    return path


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


@pytest.fixture
def session_vgg16(vgg16, monkeypatch):
    """The session's untrained VGG16 instead of a fresh load (the real load: test_packaging)."""
    monkeypatch.setattr(models, "load_model", lambda *args, **kwargs: vgg16)


def test_report_on_a_folder(folder, tmp_path, capsys, session_vgg16):
    out = tmp_path / "out"
    code = main(["report", "--stimuli", str(folder), "--out", str(out), "--profile", "quick", "--model", "vgg16",
                 "--untrained", "--layers", "block1_conv1", "block3_conv1", "fc2", "--permutations", "199",
                 "--no-progress"])
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
    assert run["resolve_q"] == [0.01, 0.05]  # the default levels: --correction none
    assert "UNTRAINED" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["claims.csv", "run.json", "selectivity_by_layer.csv",
                                                     "selectivity_by_layer.png"]  # no temporaries


def test_quick_reports_the_trained_organism_on_its_drawings(tmp_path, capsys):
    """No --stimuli, no --model: the quick profile's own model and stimuli, end to end."""
    out = tmp_path / "out"
    code = main(["report", "--out", str(out), "--profile", "quick", "--layers", "block5_conv3", "fc2",
                 "--permutations", "99", "--no-progress"])
    assert code == 0
    run = json.loads((out / "run.json").read_text())
    assert run["trained"] is True and run["arch"] == "mini-vgg16" and run["weights"] == "ce"
    assert run["model"] == ("Mini-VGG16 organism (cross-entropy), trained on generated drawings — not the "
                            "paper's VGG16")
    assert run["stimuli"] == "generated drawings (helpers.organism.world, seed 0, 64 px)" and run["schematic"] is True
    assert run["counts"] == {"face": 36, "i-see-face": 36, "car": 36, "dog": 36}
    table = pd.read_csv(out / "selectivity_by_layer.csv")
    assert dict(table.groupby("layer")["n_filters"].first()) == {"block5_conv3": 128, "fc2": 256}
    text = capsys.readouterr().out
    assert "Model: Mini-VGG16 organism (cross-entropy)" in text and "UNTRAINED" not in text
    assert (out / "selectivity_by_layer.png").stat().st_size > 10_000
    # the control on demand: the same architecture, random weights of --seed
    assert main(["report", "--out", str(tmp_path / "c"), "--profile", "quick", "--untrained", "--seed", "0",
                 "--layers", "fc2", "--permutations", "9", "--no-progress"]) == 0
    run = json.loads((tmp_path / "c" / "run.json").read_text())
    assert run["trained"] is False and run["model"] == "Mini-VGG16 organism, UNTRAINED (random weights, seed 0)"


def test_the_notebooks_read_the_statistics_a_report_computed(tmp_path, monkeypatch):
    """Binder's postBuild runs the report; the notebooks' course.selectivity() must then find its
    statistics in the cache (same activations, layers and settings) instead of recomputing them."""
    from helpers.edge import course
    from helpers.stats import selectivity as sel

    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "cache"))
    args = ["report", "--out", str(tmp_path / "out"), "--profile", "quick", "--layers", "fc2", "--no-progress"]
    assert main(args + ["--no-cache"]) == 0
    assert not (tmp_path / "cache" / "selectivity").exists(), "--no-cache must leave the cache alone"
    assert main(args) == 0
    reported = pd.read_csv(tmp_path / "out" / "selectivity_by_layer.csv")

    def no_analysis(*args, **kwargs):
        raise AssertionError("course.selectivity recomputed what the report had cached")

    monkeypatch.setattr(sel, "analyze", no_analysis)
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    result = course.selectivity(course.activations(layers=["fc2"]))
    table = sel.summary_table(result, criterion="p", threshold=0.01)
    assert table["n_selective"].tolist() == reported["n_selective"].tolist()
    assert len(list((tmp_path / "cache" / "selectivity").iterdir())) == 1


@pytest.fixture
def no_work(monkeypatch):
    """Any model load or forward pass fails the test: the arguments must be refused first."""
    def refuse(*args, **kwargs):
        raise AssertionError("work started before the arguments were checked")

    monkeypatch.setattr(models, "load_model", refuse)
    monkeypatch.setattr(organism, "load_organism", refuse)
    monkeypatch.setattr(activations, "collect", refuse)


@pytest.mark.parametrize("extra, message", [
    (["--threshold", "5"], "no significance level"),
    (["--threshold", "0"], "no significance level"),
    (["--criterion", "index", "--threshold", "1.5"], "no share"),
    (["--criterion", "index", "--threshold", "0.5", "--correction", "bh"], "p-values only"),
    (["--permutations", "0"], "at least 1"),
    (["--batch-size", "0"], "at least 1 image"),
    (["--seed", "-1"], "non-negative"),
    (["--criterion", "median"], "invalid choice"),
    (["--model", "not-a-net"], "not a torchvision image classifier"),
    (["--device", "quantum"], "not a device"),
    (["--layers"], "at least one layer"),
])
def test_bad_arguments_are_refused_before_any_work(folder, tmp_path, capsys, no_work, extra, message):
    code = main(["report", "--stimuli", str(folder), "--out", str(tmp_path / "o"), "--profile", "quick", *extra])
    assert code == 2
    assert message in _one_error_line(capsys)


def test_bh_at_a_level_not_resolved_by_default_is_resolved(folder, tmp_path, monkeypatch, session_vgg16):
    from helpers.stats import selectivity

    seen = []
    real = selectivity.analyze

    def spy(*args, **kwargs):
        seen.append(kwargs.get("resolve_q", "default"))
        return real(*args, **kwargs)

    monkeypatch.setattr(selectivity, "analyze", spy)
    base = ["report", "--stimuli", str(folder), "--profile", "quick", "--model", "vgg16", "--layers", "block1_conv1",
            "--permutations", "99", "--criterion", "p", "--correction", "bh", "--no-progress"]
    assert main([*base, "--threshold", "0.02", "--out", str(tmp_path / "a")]) == 0
    assert main([*base, "--threshold", "0.05", "--out", str(tmp_path / "b")]) == 0
    assert seen == [0.02, "default"]  # 0.05 is one of selectivity.RESOLVE_Q already
    assert json.loads((tmp_path / "a" / "run.json").read_text())["resolve_q"] == [0.02]


def test_missing_or_wrong_stimuli_and_out_folders(folder, tmp_path, capsys, no_work):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    cases = [
        (["--stimuli", str(tmp_path / "missing")], "does not exist"),
        (["--stimuli", str(a_file)], "is a file"),
        (["--out", str(a_file)], "is a file"),
        (["--out", str(a_file / "below")], f"lies below the file {a_file}"),
        (["--out", "/proc/helpers-cannot-write-here"], "cannot be written"),
    ]
    for extra, message in cases:
        args = ["report", "--stimuli", str(folder), "--out", str(tmp_path / "o"), "--profile", "quick"]
        for flag, value in zip(extra[::2], extra[1::2]):
            args[args.index(flag) + 1] = value
        assert main(args) == 2, extra
        assert message in _one_error_line(capsys), extra
    assert a_file.read_text() == "x"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu(folder, tmp_path, capsys, no_work):
    assert main(["report", "--stimuli", str(folder), "--out", str(tmp_path), "--profile", "quick",
                 "--device", "cuda"]) == 2
    assert "no CUDA GPU" in _one_error_line(capsys)


def test_unknown_layer_and_shared_relu_are_one_line(folder, tmp_path, capsys, vgg16, monkeypatch):
    real = models.load_model
    monkeypatch.setattr(models, "load_model", lambda arch, *a, **k: vgg16 if arch == "vgg16" else
                        real(arch, *a, **{**k, "cache": False}))
    assert main(["report", "--stimuli", str(folder), "--out", str(tmp_path / "o"), "--profile", "quick",
                 "--model", "vgg16", "--layers", "block9_conv9", "--no-progress"]) == 2
    assert "Valid names" in _one_error_line(capsys)
    assert main(["report", "--stimuli", str(folder), "--out", str(tmp_path / "o"), "--profile", "quick",
                 "--model", "resnet18", "--layers", "layer1.0.relu", "--no-progress", "--no-cache"]) == 2
    assert "more than once" in _one_error_line(capsys)
    assert not (tmp_path / "o" / "selectivity_by_layer.csv").exists()


def test_full_profile_offline_without_stimuli(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("COURSE_DEMO_URL", (tmp_path / "no-such-mirror.zip").as_uri())
    assert main(["report", "--out", str(tmp_path / "o"), "--profile", "full", "--no-progress"]) == 2
    line = _one_error_line(capsys)
    assert "does not exist" in line and "--stimuli" in line


def test_ctrl_c_exits_130_with_one_line_and_no_partial_outputs(folder, tmp_path, capsys, monkeypatch,
                                                                session_vgg16):
    out = tmp_path / "o"
    real_savefig = __import__("matplotlib.figure", fromlist=["Figure"]).Figure.savefig

    def interrupted(self, f, *args, **kwargs):
        f.write(b"\x89PNG half a figure")
        raise KeyboardInterrupt

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", interrupted)
    code = main(["report", "--stimuli", str(folder), "--out", str(out), "--profile", "quick", "--model", "vgg16",
                 "--layers", "block1_conv1", "--permutations", "9", "--no-progress", "--no-cache"])
    assert code == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "interrupted" in err[0]
    assert sorted(p.name for p in out.iterdir()) == ["selectivity_by_layer.csv"]  # complete; no PNG, no temp
    assert real_savefig is not interrupted


def test_unusable_cache_folder_warns_and_runs_without(folder, tmp_path, capsys, monkeypatch, session_vgg16):
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("x")
    monkeypatch.setenv("COURSE_CACHE", str(blocker))
    seen = {}
    real = activations.collect

    def spy(*args, **kwargs):
        seen["cache"] = kwargs.get("cache")
        return real(*args, **kwargs)

    monkeypatch.setattr(activations, "collect", spy)
    code = main(["report", "--stimuli", str(folder), "--out", str(tmp_path / "o"), "--profile", "quick",
                 "--model", "vgg16", "--layers", "block1_conv1", "--permutations", "9", "--no-progress"])
    assert code == 0 and seen["cache"] is False
    assert "warning: the cache folder" in capsys.readouterr().err


def test_as_a_program_a_failure_is_one_line_without_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "helpers", "report", "--threshold", "5", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr


def test_download_errors_do_not_retry_local_files(tmp_path):
    with pytest.raises(download.DownloadError, match="does not exist"):
        download.download((tmp_path / "x.zip").as_uri(), tmp_path / "y.zip", progress=False)
