"""The organism's training script (tools/train_organism.py): a smoke run, all-or-nothing
output, folders it must not touch, one-line errors for bad arguments."""

import json
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers.organism import world as miniworld, network as organism

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "train_organism.py"


def _run(*argv, timeout=300):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, argv)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def _committed_state():
    return {p.name: organism.sha256_file(p) for p in sorted(organism.DATA_DIR.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """A smoke run (seed 0, both copies) into a new folder."""
    out = tmp_path_factory.mktemp("smoke") / "organism"
    proc = _run("--smoke", "--out", out, "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "held-out top-1" in proc.stdout and "Wrote organism.json" in proc.stdout
    return out


@pytest.mark.slow
def test_smoke_training_writes_loadable_weights(smoke):
    rec = organism.read_record(smoke)
    assert rec["config"]["smoke"] and rec["config"]["n_train_per_class"] == 2
    assert {k: list(v) for k, v in rec["models"].items()} == {"ce": ["0"], "soft": ["0"]}
    for kind in organism.TRAINED_KINDS:
        entry = organism.model_entry(kind, 0, folder=smoke)
        assert entry["timing"]["train"]["cpu_s"] >= 0 and entry["environment"]["torch"] == torch.__version__
        assert entry["command"] == "python tools/train_organism.py --seed 0 --smoke"
        model = organism.load_organism(kind, folder=smoke)
        assert organism.predict_proba(model, miniworld.draw("car", 64)[None]).shape == (1, len(miniworld.CLASSES))
    # same seed: its untrained control is the committed copies' starting point (same architecture and seed)
    assert rec["untrained_sha256"]["0"] == organism.read_record()["untrained_sha256"]["0"]
    assert not list(smoke.glob(".*")) and not list(smoke.parent.glob(".*"))  # no temporary files left behind


@pytest.mark.slow
def test_a_second_seed_joins_the_folder_and_the_first_stays(smoke, tmp_path):
    import shutil

    folder = tmp_path / "organism"
    shutil.copytree(smoke, folder)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")  # a file the script did not write: kept
    before = organism.sha256_file(folder / organism.weight_name("ce", 0))
    proc = _run("--smoke", "--seed", 1, "--kinds", "ce", "--out", folder, "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert organism.committed_seeds("ce", folder) == [0, 1] and organism.committed_seeds("soft", folder) == [0]
    assert organism.sha256_file(folder / organism.weight_name("ce", 0)) == before
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    organism.load_organism("ce", seed=1, folder=folder)
    # --from: the copies of one folder added to another, checked, without training
    merged = tmp_path / "merged"
    proc = _run("--from", smoke, "--from", folder, "--out", merged, "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert organism.committed_seeds("ce", merged) == [0, 1]
    assert sorted(p.name for p in merged.iterdir()) == ["ce-seed0.pt", "ce-seed1.pt", "organism.json", "soft-seed0.pt"]


@pytest.mark.slow
def test_a_diverging_run_saves_nothing(tmp_path):
    """--lr 1e30: the loss becomes non-finite; exit 1 with one line, no folder written."""
    out = tmp_path / "nan"
    before = _committed_state()
    proc = _run("--smoke", "--lr", "1e30", "--out", out)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "nothing was written" in lines[0], proc.stderr
    assert not out.exists() and not list(tmp_path.glob(".*"))
    assert _committed_state() == before


def test_a_failed_check_leaves_the_folder_as_it_was(smoke, tmp_path, monkeypatch):
    """All or nothing: weights that fail the check after writing (here NaN) are never swapped in."""
    import shutil

    trainer = runpy.run_path(str(SCRIPT))
    folder = tmp_path / "organism"
    shutil.copytree(smoke, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    rec = organism.read_record(folder)
    entry = {k: v for k, v in rec["models"]["ce"]["0"].items() if k not in ("sha256", "bytes")}
    state = {k: v.half() for k, v in organism.load_organism("ce", folder=folder).state_dict().items()}
    first = next(iter(state))
    state[first] = torch.full_like(state[first], float("nan"))
    with pytest.raises(trainer["TrainingFailed"], match="nothing was written"):
        trainer["install"](folder, 0, {"ce": entry}, {"ce": state}, rec["architecture"], None, lambda *a: None)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not list(tmp_path.glob(".*"))


@pytest.fixture(scope="module")
def script():
    return runpy.run_path(str(SCRIPT))  # the script's globals, without running main()


@pytest.mark.parametrize("argv, expected", [
    ([], "say where the weights go"),
    (["--out", str(organism.DATA_DIR)], "is the committed folder; pass --commit"),
    (["--smoke", "--out", str(organism.DATA_DIR)], "is the committed folder"),
    (["--smoke", "--commit"], "--smoke never writes into the committed folder"),
    (["--commit", "--out", "/tmp/x"], "not allowed with argument"),
    (["--out", "X", "--epochs", "0"], "--epochs must be from 1"),
    (["--out", "X", "--epochs", "1000000000"], "--epochs must be from 1"),
    (["--out", "X", "--n-train", "1000000000"], "--n-train must be from 1"),
    (["--out", "X", "--batch-size", "-3"], "--batch-size"),
    (["--out", "X", "--threads", "0"], "--threads"),
    (["--out", "X", "--size", "100000"], "--size"),
    (["--out", "X", "--size", "8"], "--size"),
    (["--out", "X", "--pool", "3"], "--pool must be at most 2"),
    (["--out", "X", "--shift", "1000"], "--shift"),
    (["--out", "X", "--widths", "8,8"], "--widths"),
    (["--out", "X", "--widths", "8,8,8,8,100000"], "--widths"),
    (["--out", "X", "--widths", "a,b"], "--widths"),
    (["--out", "X", "--dropout", "1"], "--dropout"),
    (["--out", "X", "--dropout", "nan"], "--dropout"),
    (["--out", "X", "--lr", "inf"], "--lr"),
    (["--out", "X", "--lr", "nan"], "--lr"),
    (["--out", "X", "--lr", "-1"], "--lr"),
    (["--out", "X", "--weight-decay", "nan"], "--weight-decay"),
    (["--out", "X", "--temperature", "0"], "--temperature"),
    (["--out", "X", "--temperature", "1e308"], "--temperature"),
    (["--out", "X", "--seed", "-1"], "--seed"),
    (["--out", "X", "--seed", "100"], "--seed must be from 0 to 99"),
    (["--out", "X", "--seed", "0.5"], "invalid int value"),
    (["--out", "X", "--seed", "x"], "invalid int value"),
    (["--out", "X", "--kinds", "ce,imagenet"], "--kinds"),
    (["--out", "X", "--kinds", ""], "--kinds"),
    (["--no-such-option"], "unrecognized arguments"),
])
def test_bad_arguments_are_one_line_errors(script, capsys, argv, expected, tmp_path):
    argv = [str(tmp_path / "out") if a == "X" else a for a in argv]
    before = _committed_state()
    assert script["main"](argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], captured.err
    assert not captured.out
    assert _committed_state() == before and not (tmp_path / "out").exists()


def test_folders_the_script_did_not_write_are_refused(script, capsys, tmp_path):
    """--out at someone's folder holding a ce.pt (or anything without this script's record),
    at a file, or at a folder with an unreadable record: refused before any training,
    nothing touched."""
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "ce.pt").write_bytes(b"their weights")
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / organism.RECORD).write_text("{}", encoding="utf-8")
    for out, expected in ((theirs, "holds files this script did not write (ce.pt)"), (a_file, "is not a folder"),
                          (broken, "holds a record this script cannot extend")):
        assert script["main"](["--smoke", "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and expected in err[0], err
    assert (theirs / "ce.pt").read_bytes() == b"their weights" and sorted(p.name for p in theirs.iterdir()) == ["ce.pt"]
    assert (broken / organism.RECORD).read_text(encoding="utf-8") == "{}"
    assert script["main"](["--from", str(theirs), "--out", str(tmp_path / "new")]) == 2
    assert "--from" in capsys.readouterr().err and not (tmp_path / "new").exists()


@pytest.mark.parametrize("n_images", [56, 64])  # batches of 16: 4 steps, the last one partial or full
def test_short_runs_train(n_images, tmp_path):
    """A run of 4 optimiser steps (what the benchmark's quick mode does) trains: OneCycleLR
    would divide by zero with a warm-up of exactly one step."""
    sys.path.insert(0, str(ROOT / "tools"))
    import train_organism as trainer

    images, labels = miniworld.dataset("train", 4, 32, 0)
    images, labels = np.resize(images, (n_images,) + images.shape[1:]), np.resize(labels, n_images)
    args = trainer.parse_args(["--out", str(tmp_path / "unused"), "--quiet", "--epochs", "1", "--batch-size", "16",
                               "--size", "32"])
    init = organism.initial_network(args.seed, len(miniworld.CLASSES), args.widths, args.fc, args.dropout, args.pool)
    state, history = trainer.train_copy("ce", init.state_dict(), images, labels, args, lambda *a: None)[:2]
    assert history and np.isfinite(history[-1]["loss"])
    assert not (tmp_path / "unused").exists()  # parsing writes nothing
