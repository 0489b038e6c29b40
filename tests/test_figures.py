"""Figures: no text over other text or under a legend, no label under 8 pt, one colour per
category (helpers.present.plots.text_problems, category_colours), for every figure the helpers draw;
the notebooks' own figures with COURSE_FIGURE_AUDIT=1 (each teacher notebook is executed)."""

import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402

from helpers.present import diagrams, plots, widgets  # noqa: E402
from helpers.stats import selectivity as sel  # noqa: E402
from helpers.stats.layer import LayerSelectivity
from helpers.stats.selectivity import Selectivity  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2", "block3_conv1", "block3_conv2",
          "block3_conv3", "block4_conv1", "block4_conv2", "block4_conv3", "block5_conv1", "block5_conv2",
          "block5_conv3", "fc1", "fc2"]
CATS = ["face", "i-see-face", "car", "dog"]
# The longest label a course figure carries (the organism's, trained, on drawings).
LONG_LABEL = "Mini-VGG16 organism (cross-entropy), trained on generated drawings — not the paper's VGG16"


def fake_result(seed=0, label=LONG_LABEL, trained=True):
    """A Selectivity over the 15 VGG16 layer names with random shares and p-values."""
    rng = np.random.default_rng(seed)
    layers = {}
    for name in LAYERS:
        n = 32
        index = rng.dirichlet(np.ones(len(CATS)), size=n)
        p = rng.choice(np.arange(1, 1002) / 1001, size=(n, len(CATS))) ** 3
        layers[name] = LayerSelectivity(index=index, p=p, silent=np.zeros(n, bool))
    return Selectivity(layers, list(CATS), 1000, 0, True, {"model": label, "trained": trained, "schematic": True})


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


# ---------------------------------------------------------------- the audit itself

def test_text_problems_finds_overlapping_titles_small_text_and_text_under_a_legend():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_title("a title", fontsize=10)
    ax.text(0.5, 1.02, "an annotation over the title", transform=ax.transAxes, ha="center", fontsize=10)
    ax.text(0.1, 0.1, "tiny", fontsize=6)
    ax.plot([0, 1], [0, 1], label="a long legend entry")
    ax.legend(loc="upper left", fontsize=9)
    ax.text(0.03, 0.95, "128 filters", transform=ax.transAxes, fontsize=9, va="top")
    problems = plots.text_problems(fig)
    assert any("overlap" in p and "a title" in p and "annotation" in p for p in problems)
    assert any("'tiny' is 6 pt" in p for p in problems)
    assert any("overlap" in p and "128 filters" in p and "legend" in p for p in problems)


def test_text_problems_passes_a_clean_figure():
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot([0, 1], [0, 1], label="line")
    ax.set(xlabel="x", ylabel="y")
    ax.set_title("clean", fontsize=10)
    ax.legend(loc="lower right", fontsize=9)
    ax.tick_params(labelsize=9)
    fig.tight_layout()
    assert plots.text_problems(fig) == []


def test_text_problems_ignores_axes_turned_off():
    fig, axes = plt.subplots(1, 2, figsize=(3, 2))
    for ax in axes:
        ax.set_xlim(-0.2, 1.2)
        ax.axis("off")  # tick labels would touch across the two panels
    fig.subplots_adjust(wspace=0)
    assert plots.text_problems(fig) == []


def test_annotations_are_compared_by_their_text_not_their_arrows():
    fig, ax = plt.subplots(figsize=(4, 3))
    for text, y in (("label one", 0.22), ("label two", 0.08)):  # arrows cross, texts apart
        ax.annotate(text, (0.9, 0.9), xytext=(0.05, y), textcoords="axes fraction", fontsize=8,
                    arrowprops={"arrowstyle": "-"})
    assert plots.text_problems(fig) == []
    ax.annotate("label three", (0.8, 0.95), xytext=(0.06, 0.09), textcoords="axes fraction", fontsize=8)
    assert [p for p in plots.text_problems(fig) if "label two" in p and "label three" in p]


def test_category_colours_are_fixed_and_distinct():
    a = plots.category_colours(["dog", "face", "car", "i-see-face"])
    b = plots.category_colours(["face", "dog"])
    assert a["dog"] == b["dog"] == plots.category_colour("dog") and a["face"] == b["face"]
    assert len(set(plots.CATEGORY_COLOURS.values())) == len(plots.CATEGORY_COLOURS)
    own = plots.category_colours(["face", "kettle", "teapot"])
    assert own["kettle"] != own["teapot"] and own["face"] == plots.CATEGORY_COLOURS["face"]
    assert own["kettle"] not in plots.CATEGORY_COLOURS.values()
    with pytest.raises(ValueError, match="extend plots.EXTRA_COLOURS"):
        plots.category_colours([f"c{i}" for i in range(len(plots.EXTRA_COLOURS) + 1)])


# ---------------------------------------------------------------- every helper figure

def test_layer_profile_uses_the_course_colours_and_has_no_text_problem():
    table = sel.summary_table(fake_result(), "p", 0.01)
    for legend in ("inside", "outside"):
        fig, ax = plt.subplots(figsize=(10, 4.2))
        plots.plot_layer_profile(table, ax=ax, title=plots.title(fake_result()), legend=legend)
        fig.tight_layout()
        assert plots.text_problems(fig) == [], legend
        colours = [matplotlib.colors.to_hex(c.patches[0].get_facecolor()) for c in ax.containers
                   if isinstance(c, BarContainer)]
        assert colours == [plots.CATEGORY_COLOURS[c] for c in CATS]
    fig = plots.layer_profile_figure(table, title=plots.title(fake_result()))
    assert plots.text_problems(fig) == []


def test_two_stacked_profiles_do_not_overprint_their_titles():
    """Notebook 05 §4: the explorer's two panels, each titled with a long network label."""
    results = {"profile's network": fake_result(0),
               "untrained control": fake_result(1, "Mini-VGG16 organism, UNTRAINED (random weights, seed 1)", False)}
    fig = widgets.draw_profiles(widgets.profile_tables(results), results)
    assert plots.text_problems(fig) == []


def test_diagrams_have_no_text_problem():
    assert plots.text_problems(diagrams.pipeline_diagram()) == []
    assert plots.text_problems(diagrams.vgg16_diagram()) == []


def test_image_grid_titles_are_large_enough():
    images = np.zeros((6, 16, 16, 3), np.uint8)
    axes = plots.image_grid(images, titles=CATS + ["dog", "car"], ncols=3, size=1.6)
    fig = axes[0].figure
    fig.tight_layout()
    assert plots.text_problems(fig) == []


def test_audit_logs_every_rendered_figure(tmp_path):
    log = tmp_path / "audit.jsonl"
    plots.install_figure_audit(log)
    plots.install_figure_audit(log)  # installing twice wraps once
    fig, ax = plt.subplots()
    ax.set_title("x", fontsize=5)
    fig.savefig(tmp_path / "f.png")
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(rows) == 1 and any("5 pt" in p for p in rows[0]["problems"])


# ---------------------------------------------------------------- the notebooks' figures

NOTEBOOKS = sorted((ROOT / "notebooks" / "teacher").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.skipif(os.environ.get("COURSE_FIGURE_AUDIT") != "1",
                    reason="executes every teacher notebook (minutes): set COURSE_FIGURE_AUDIT=1")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_figures_have_no_text_problem(path, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    log = tmp_path / "audit.jsonl"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        f"from helpers.present import plots as _audit\n_audit.install_figure_audit({str(log)!r})"))
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    rows = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    bad = [f"figure {r['figure']}: {p}" for r in rows for p in r["problems"]]
    assert bad == [], "\n".join(bad)
