"""benchmarks/run.py: the smallest run writes a well-formed table; its parts read what they are given.

The benchmark itself never fails on a slow machine; these tests only check its wiring.
The end-to-end test runs ``--quick --smoke`` in this process (32 px, one image, one round
of each method without warm-up, among them torchvision's feature extractor as a peer and
any optional peer installed in ``$COURSE_BENCH_PEERS``; three small memory children side
by side, one of them the feature extractor's; no feature visualisation, no full-profile
memory run). How fast the benchmark is, is not tested.
"""

import json
import math

import pytest

from benchmarks import run as bench
from helpers.organism import world as miniworld, network as organism

pytestmark = pytest.mark.slow  # a smoke run of the benchmark


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    assert bench.main(["--quick", "--smoke", "--out", str(out)]) == 0
    return out, json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_smoke_run_writes_json(smoke):
    _, results = smoke
    for key in ("schema", "mode", "date", "machine", "versions", "settings", "targets", "rows", "wall_seconds"):
        assert key in results, key
    assert results["mode"] == "smoke"
    m = results["machine"]
    assert m["cpu"] and m["logical_cpus"] >= 1 and m["memory_gb"] > 0
    assert results["versions"]["torch"] and results["versions"]["numpy"]
    sections = {r["section"].split(".")[0] for r in results["rows"]}
    assert {"1", "2", "3", "4", "5", "6"} <= sections
    for r in results["rows"]:
        assert set(r) == {"section", "name", "value", "unit", "target", "met", "note"}
        assert r["value"] is None or (math.isfinite(r["value"]) and r["value"] >= 0), r
        assert r["met"] in (True, False, None)
        assert r["value"] is not None or r["note"], f"a row without a number says why: {r}"


def test_smoke_run_measures(smoke):
    _, results = smoke
    by_name = {r["name"]: r for r in results["rows"]}
    measured = [r for r in results["rows"] if r["section"].startswith(("1.", "3."))]
    # Every row has a number, except a peer that is not installed and a fixed cost below
    # what the run could resolve: those say why.
    assert measured and all((r["value"] or 0) > 0 or (r["note"] and ("not importable" in r["note"]
                            or "not measurable" in r["note"])) for r in measured)
    core = [r for r in measured if r["name"].startswith(("collect():", "plain forward", "ratio collect",
                                                          "peer: torchvision", "early stop"))]
    assert len(core) >= 10 and all(r["value"] > 0 for r in core)
    ratio = [r for n, r in by_name.items() if n.startswith("ratio collect / fastest plain forward")]
    assert ratio and all(r["met"] in (True, False) for r in ratio)
    fx = [r for n, r in by_name.items() if n.startswith("ratio collect / torchvision feature extractor")]
    assert fx and all(r["met"] in (True, False) and "outputs equal ours" in r["note"] for r in fx)
    assert not any("OUTPUTS DIFFER" in r["note"] for r in results["rows"])
    assert any(n.startswith("collect() fixed cost: cached call") for n in by_name)
    peaks = [r for n, r in by_name.items() if n.startswith("peak RSS") and r["value"] is not None]
    assert len(peaks) == 3 and all(r["value"] > 50 for r in peaks)  # MB: at least the interpreter
    assert any("create_feature_extractor" in r["name"] for r in peaks)  # a peer in a fresh process too
    if not results["machine"]["gpu"]:
        assert any("no GPU on this machine" in r["note"] for r in results["rows"])


def test_smoke_run_writes_markdown(smoke):
    out, results = smoke
    md = (out / "results.md").read_text(encoding="utf-8")
    assert "| section | measure | value | unit | target | met | notes |" in md
    assert results["machine"]["cpu"] in md and results["versions"]["torch"] in md
    table = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("| section")]
    assert len(table) == len(results["rows"])
    for r in results["rows"]:
        assert r["name"].replace("|", "\\|") in md


def test_smoke_needs_out():
    with pytest.raises(SystemExit):
        bench.main(["--quick", "--smoke"])


def test_featureviz_rows_are_taken_over():
    result = {"rows": [{"name": "steps", "value": 2.5, "unit": "steps/s", "note": "n"},
                       {"name": "ratio", "value": 1.1, "unit": "×", "target": "≤ 1.25", "met": True},
                       {"name": "broken", "value": float("nan")}]}
    rows = bench.featureviz_rows(result, "4. x")
    assert [r["name"] for r in rows] == ["steps", "ratio", "broken"]
    assert rows[0]["value"] == 2.5 and rows[1]["met"] is True and rows[1]["target"] == "≤ 1.25"
    assert rows[2]["value"] is None


def test_featureviz_missing_or_broken(monkeypatch):
    monkeypatch.setattr(bench, "_load_featureviz_bench", lambda: (None, "not available: no such file"))
    rows, raw = bench.bench_featureviz(True, "4. x")
    assert rows[0]["value"] is None and rows[0]["note"].startswith("not available")

    class Broken:
        @staticmethod
        def run(quick):
            raise RuntimeError("boom")

    monkeypatch.setattr(bench, "_load_featureviz_bench", lambda: (Broken, ""))
    rows, raw = bench.bench_featureviz(True, "4. x")
    assert rows[0]["value"] is None and "boom" in rows[0]["note"]


def test_course_timings_are_read(tmp_path):
    rows, _ = bench.bench_course(False, tmp_path / "missing.json")
    assert rows[0]["value"] is None and "not measured" in rows[0]["note"]
    path = tmp_path / "timings.json"
    path.write_text(json.dumps({"profile": "quick", "seconds": {"00_a.ipynb": 3.0, "01_b.ipynb": 4.5,
                                                                 "total": 7.5}}))
    rows, _ = bench.bench_course(False, path)
    assert [(r["name"], r["value"]) for r in rows] == [
        ("notebook 00_a.ipynb", 3.0), ("notebook 01_b.ipynb", 4.5), ("whole course", 7.5)]


def test_markdown_escapes_pipes():
    results = {"machine": {"cpu": "c", "usable_cpus": 2, "logical_cpus": 2, "torch_threads": 2,
                           "memory_gb": 1.0, "platform": "p", "gpu": None},
               "versions": {"python": "3", "torch": "t", "torchvision": "tv", "numpy": "n", "helpers": "h"},
               "date": "d", "args": "", "mode": "quick", "wall_seconds": 1.0,
               "rows": [bench.row("1. s", "a | b", 1.5, "s", "< 2 s", True, "x|y")]}
    md = bench.render_markdown(results)
    assert "| 1. s | a \\| b | 1.50 | s | < 2 s | ✅ met | x\\|y |" in md


def test_organism_rows(smoke):
    _, results = smoke
    rows = {r["name"]: r for r in results["rows"] if r["section"] == "7. Model organism"}
    rates = [n for n in rows if n.startswith(("training world: generation", "training step rate",
                                              "training step CPU time, 1 thread", "collect(): the organism",
                                              "collect(): VGG16"))]
    assert len(rates) == 5 and all(rows[n]["value"] > 0 for n in rates)
    whole = [r for n, r in rows.items() if n.startswith("training script, whole schedule")]
    trained = bench.training_schedule(organism.read_record()["config"])["trained"]
    assert len(whole) == 2 and all(r["value"] > 0 and f"{trained:,} trained" in r["note"] for r in whole)
    idle = next(r for r in whole if "idle cores" in r["name"])
    assert idle["met"] is (idle["value"] <= 15) and idle["target"] == "≤ 15 min on 2 cores"
    recorded = next(r for n, r in rows.items() if "organism.json" in n)
    assert recorded["value"] > 0 and "threads; CPU" in recorded["note"]
    assert recorded["met"] is (recorded["value"] <= 15) and recorded["target"] == "≤ 15 min on 2 cores"
    ratio = rows["ratio organism / VGG16 collection speed"]
    assert ratio["value"] > 1  # a network of 1,472 filters against 12,416: faster, whatever the load


def test_training_schedule_counts_the_images_of_the_whole_script():
    config = {"n_train_per_class": 2200, "n_test_per_class": 200, "epochs": 3}
    n = len(miniworld.CLASSES)
    assert bench.training_schedule(config) == {"generated": 2400 * n, "trained": 3 * 2200 * n * 2}
