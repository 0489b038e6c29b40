# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Layer profiles: where the category-selective filters sit
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/teacher/05_layer_profiles.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. rebuild the paper's main figure: the proportion of category-selective filters in every layer,
#    per category, including the two fully connected layers the paper left off its plot;
# 2. explain how that figure depends on the rule that calls a filter selective (significance level,
#    index threshold, correction for multiple tests), using an interactive threshold slider;
# 3. read its error bars: bootstrap intervals over the images, the uncertainty that comes from the
#    choice of stimuli;
# 4. put a trained network beside an untrained one, and stimuli with equalised luminance and
#    contrast beside the originals, and say which preferences survive;
# 5. tell apart "most detectors" (a count) from "densest in detectors" (a proportion).
#
# **Estimated time:** about 80 minutes (35 reading the text and the code, 45 for the four exercises
# and two Think! prompts; the code runs in under two minutes under `quick`).
#
# **Prerequisites:** notebooks 03 (eq. 1, eq. 2) and 04 (the permutation test, its floor,
# Benjamini–Hochberg, "selective for any category").

# %%
# Google Colab set-up (written by tools/editions.py). Inside Colab this cell fetches the course
# at the commit these notebooks belong to (git checks its hash) and installs its `helpers` package
# (the full profile's photographs and VGG16 weights download on first use). Anywhere else it does nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import re
    import subprocess

    REPO, COMMIT, VERSION, COURSE_DIR = "OWNER/REPO", "", "0.1.0", "/content/cnn-selectivity-course"
    if REPO == "OWNER/REPO" or not re.fullmatch("[0-9a-f]{40}", COMMIT):
        raise SystemExit("This copy of the course is not published yet (its repository is a placeholder or no "
                         "commit is named), so the Colab set-up installs nothing: run it locally or on Binder.")

    def run(*cmd, check=True):
        done = subprocess.run(list(cmd), capture_output=True, text=True)
        if done.returncode != 0 and check:
            why = ((done.stderr or "").strip().splitlines() or ["no message"])[-1]
            raise SystemExit(f"Colab set-up stopped: {' '.join(cmd)} failed ({why}).")
        return (done.stdout or "").strip() if done.returncode == 0 else ""

    if not os.path.exists(COURSE_DIR):
        run("git", "init", "--quiet", COURSE_DIR)
        run("git", "-C", COURSE_DIR, "fetch", "--quiet", "--depth", "1", f"https://github.com/{REPO}.git", COMMIT)
        run("git", "-C", COURSE_DIR, "checkout", "--quiet", "--detach", "FETCH_HEAD")
    ours = os.path.isdir(COURSE_DIR + "/.git")  # git of a folder above must not answer for it
    head = run("git", "-C", COURSE_DIR, "rev-parse", "HEAD", check=False) if ours else ""
    changed = run("git", "-C", COURSE_DIR, "status", "--porcelain", "--untracked-files=no") if head else ""
    if head != COMMIT or changed:
        raise SystemExit(f"{COURSE_DIR} holds something other than commit {COMMIT[:12]} of the course, unchanged, "
                         f"so nothing was installed: delete it (!rm -rf {COURSE_DIR}) and run this cell again.")
    run(sys.executable, "-m", "pip", "install", "--quiet", "-e", COURSE_DIR)
    if COURSE_DIR not in sys.path:
        sys.path.insert(0, COURSE_DIR)
    print(f"Colab: the course's helpers (version {VERSION}, commit {COMMIT[:12]} of github.com/{REPO}) are installed.")

# %%
from helpers.edge import course

profile = course.setup()

# %%
from IPython.display import Markdown, display

display(Markdown(course.describe()))

# %% [markdown]
# ## 1. The data: one selectivity result per layer
#
# The paper passed about 300 images of four categories through VGG16 (Simonyan & Zisserman,
# 2015), kept each filter's largest activation per image, and computed eq. 1 and eq. 2 for every
# filter of every layer. `course.selectivity()` does the same for the profile's network and
# stimulus set, with the resolved permutation test of notebook 04 and 200 bootstrap resamples of
# the images. The activations come from the disk cache when an earlier notebook has computed them.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.present import plots, widgets
from helpers.stats import selectivity as sel

stim = course.stimuli()
acts = course.activations()
result = course.selectivity(acts)
print(stim)
print(plots.title(result))

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'layer':13s} filters")
for name, A in acts.items():
    print(f"{name:13s} {A.shape[1]:5d}")
print("images per category:", stim.counts())

# %% [markdown]
# ## 2. A control: the same architecture with random weights
#
# Selective filters can arise without any learning. Baek et al. (2021, *Face detection in
# untrained deep neural networks*, Nature Communications) found face-selective units in
# randomly initialised networks: the wiring of a deep network alone, fed with face images that
# differ systematically from other images, can produce them. So a count of "face detectors" in a
# trained network means little until it is compared with the same count in an untrained one.
#
# `course.control_model()` gives that control: the profile's architecture with random weights.
# Which pair of networks you are looking at depends on the profile; the next cell says it. When the
# profile's own network is untrained too, the control is a second random draw (another seed), and
# the difference between the panels is only the spread between two random initialisations.

# %%
# The network is not kept in a variable: a VGG16 takes 528 MB, and course.model() and
# course.control_model() load one again (in a fraction of a second) whenever it is needed.
acts_control = course.activations(course.control_model())
result_control = course.selectivity(acts_control)

results = {"profile's network": result, "untrained control": result_control}
for name, res in results.items():
    print(f"{name:18s} {res.model_label} ({'trained' if res.trained else 'untrained'})")
both_untrained = not result.trained and not result_control.trained
print("Both networks are untrained: the panels compare two random initialisations." if both_untrained else
      "Trained against untrained: what learning adds on top of the architecture.")

# %% [markdown]
# ## 3. The figure at the paper's rule
#
# The paper counted filters as selective "with a threshold of 0.01 for selectivity index". As
# notebook 04 argued, a share of 0.01 would lie far below chance, so the course reads 0.01 as a
# significance level: a filter is selective for a category when its permutation p-value is at
# most 0.01. The proportion's denominator is every filter of the layer, silent ones included.
#
# **Error bars** are 95 % bootstrap intervals over the images: the images of each category are
# resampled with replacement (200 times), eq. 1 and eq. 2 recomputed on each resample and every
# filter decided again against its permutation null. They say how much a bar would move with
# another draw of stimuli of the same kind. (A Wilson interval for a proportion would treat the
# layer's filters as independent coin flips; they are neither independent nor the source of the
# uncertainty that matters here. `summary_table` still has it, as `wilson_low`/`wilson_high`.)
#
# **Think!** Before you run the figure: will the untrained control have category-selective
# filters at all? And will the error bars be narrower in deep layers, with few filters, or in
# shallow ones?

# %% [markdown]
# <details><summary>Answer</summary>
#
# Often it does, at least in some layers: random filters still respond more to some images than to others, and when a
# category's images differ from the rest in low-level statistics, many filters pass the test
# (Baek et al. 2021). The error bars are not about the number of filters at all: they come from
# resampling images, and they are widest where a proportion hinges on a few images that drive many
# filters together. The figure shows where that is for this network.
# </details>

# %%
tables = widgets.profile_tables(results, criterion="p", threshold=0.01)
fig = widgets.draw_profiles(tables, results)
plt.show()

# %% [markdown]
# The paper wrote that most face-related units lay in the fully connected layers (missing from its
# plot) but that, *proportionally*, the last convolutional blocks were rich in them. Both can be
# true at once: in VGG16 `fc1` has 4096 filters, `block5_conv3` 512.
#
# How different are the two panels, and is the difference larger than the images' own
# uncertainty? The table compares them at `block5_conv3` (with the bootstrap intervals) and counts,
# over all layers, the bars whose intervals do not overlap:

# %%
L5 = "block5_conv3"
main_t = tables["profile's network"].set_index(["layer", "category"])
ctrl_t = tables["untrained control"].set_index(["layer", "category"])
separate = (main_t["ci_low"] > ctrl_t["ci_high"]) | (ctrl_t["ci_low"] > main_t["ci_high"])
rows = []
for cat in result.categories:
    a, b = main_t.loc[(L5, cat)], ctrl_t.loc[(L5, cat)]
    rows.append({"category": cat,
                 "profile's network": f"{a['proportion']:.3f} [{a['ci_low']:.3f}, {a['ci_high']:.3f}]",
                 "untrained control": f"{b['proportion']:.3f} [{b['ci_low']:.3f}, {b['ci_high']:.3f}]",
                 "ratio": (a["proportion"] / b["proportion"]) if b["proportion"] > 0 else np.nan,
                 "intervals overlap": not separate.loc[(L5, cat)]})
compare = pd.DataFrame(rows).set_index("category")
print(f"{L5}, proportion selective at p ≤ 0.01 [95 % bootstrap interval over images]")
print(compare.to_string(float_format="{:.2f}".format))
print(f"\nall layers: {int(separate.sum())} of {len(separate)} (layer, category) bars have intervals that do not "
      f"overlap between the two networks.")
print("Both networks untrained." if both_untrained else "Profile's network trained, control untrained.")

# %%
from helpers.analyses import verdicts

above = [c for c in result.categories if main_t.loc[(L5, c), "ci_low"] > ctrl_t.loc[(L5, c), "ci_high"]]
print(verdicts.shows(
    f"in {L5} the {'trained' if result.trained else 'untrained'} network's interval lies above the control's for "
    f"{', '.join(above) or 'no category'}"
    + (f" and overlaps it for {', '.join(c for c in result.categories if c not in above)}" if len(above) < len(result.categories) else "")
    + f"; over all layers {int(separate.sum())} of {len(separate)} bars separate from the control's. "
    "One control seed, one stimulus set."))

# %% [markdown]
# **Interpretation.** The two panels can differ a lot at single bars, even several-fold. How to read
# that depends on what the cell above printed:
#
# - **both networks untrained**: the difference is the luck of the initialisation. Where the
#   intervals overlap, the stimuli alone could produce it; where they do not, two random networks
#   really do differ on these images, because each random draw of weights picks up the drawings'
#   low-level differences (contrast, size, colour) in its own proportions. One random network is
#   then no "baseline" by itself: a fair control uses several seeds;
# - **trained against untrained**: a bar whose interval lies above the control's is a candidate
#   for a learned preference; one inside the control's range is not evidence of learning. A
#   candidate is not yet proof: section 6 removes luminance and contrast differences to see whether
#   it survives.
#
# The bootstrap intervals are wide where a proportion rests on few images: a category with a
# couple of dozen images cannot pin a layer's proportion down to a few per cent.

# %% [markdown]
# ## 4. Explore the threshold
#
# Move the slider. With **p-value** the slider sets the significance level (log scale,
# 0.0005–0.2); with **selectivity index** it sets the smallest share of eq. 2 that counts
# (0.25–1; chance is one over the number of categories). **Benjamini–Hochberg** controls the
# false discovery rate within each layer and category instead of testing every filter at the
# raw level. The line above the figure counts selective filters over all layers and names the
# layer with the largest proportion for each category.
#
# Levels below $1/(K+1) = 1/1001$: every filter got 1000 shuffles, and only those whose
# Benjamini–Hochberg decision at q = 0.01 or 0.05 the floor left open got more (notebook 04,
# section 2). A raw threshold below 1/1001 therefore keeps only filters whose p-value was resolved
# below it; for the others, more shuffles could still change the decision, and the line above the
# figure counts those **open decisions** instead of hiding them. With BH at 0.01 or 0.05 the floor
# no longer limits any decision; the decisions still open there rest on p-values close to BH's
# cut-off, which only very many more shuffles would settle (Monte Carlo precision), and are counted
# too. At other BH levels the line says that the p-values were not resolved for them.

# %%
ui, update = widgets.layer_profile_explorer(results, criterion="p", threshold=0.01)
ui

# %% [markdown]
# The widget calls a plain function, `update(criterion, threshold, correction)`: it redraws the
# explorer and returns a `ProfileView` holding the tables it drew, the figure and the summary line.
# Calling it from code moves the explorer's controls as well. The tables themselves come from
# `widgets.profile_tables`, which leaves the explorer alone. Here, for the profile's network, the
# selective filters over all layers at a few levels, with the decisions more shuffles could still
# change:

# %%
levels_table = []
for thr, corr in ((0.01, "none"), (0.01, "bh"), (0.0005, "none"), (0.0005, "bh")):
    t = widgets.profile_tables({"n": result}, "p", thr, corr)["n"]
    levels_table.append({"rule": f"p ≤ {thr:g}" + (" (BH)" if corr == "bh" else ""),
                         "selective (all layers)": int(t["n_selective"].sum()),
                         "open decisions": int(np.nansum(t["n_unsettled"]))})
print(plots.title(result).splitlines()[0])
print(f"floor of the plain test: 1/{result.n_permutations + 1} = {1 / (result.n_permutations + 1):.4f}; "
      f"BH levels resolved: {result.resolve_q}")
print(pd.DataFrame(levels_table).to_string(index=False))

# %%
lv = pd.DataFrame(levels_table).set_index("rule")
print(verdicts.shows(
    f"at p ≤ 0.01 {lv.loc['p ≤ 0.01', 'selective (all layers)']} filter-category pairs are selective "
    f"({lv.loc['p ≤ 0.01', 'open decisions']} open decisions), with BH {lv.loc['p ≤ 0.01 (BH)', 'selective (all layers)']}; "
    f"below the floor, at p ≤ 0.0005, {lv.loc['p ≤ 0.0005', 'open decisions']} decisions stay open, so counts there "
    "say more about the number of shuffles than about the filters."))

# %% [markdown]
# A static view of the same question, for readers without a live kernel: the total number of
# selective filters (all layers together) as the significance level varies. Counts can only fall
# as the level tightens.

# %% jupyter={"source_hidden": true}
levels = np.geomspace(0.0005, 0.2, 13)
rows = []
for thr in levels:
    for name, t in widgets.profile_tables(results, "p", float(thr)).items():
        for cat, n in t.groupby("category", sort=False)["n_selective"].sum().items():
            rows.append({"network": name, "threshold": thr, "category": cat, "selective": n})
sweep = pd.DataFrame(rows)

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
for ax, (name, res) in zip(axes, results.items()):
    for cat, sub in sweep[sweep["network"] == name].groupby("category", sort=False):
        ax.plot(sub["threshold"], sub["selective"], marker="o", ms=3, label=cat, color=plots.category_colour(cat))
    ax.axvline(1 / (res.n_permutations + 1), color="0.5", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("significance level (p threshold, log scale; dotted: 1/(K+1))")
    plots.set_title(ax, f"{name}: " + plots.title(res), fontsize=8)  # wrapped: one line overprints its neighbour
axes[0].set_ylabel("selective filters, all layers (count)")
axes[0].legend(title="category", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 5. Which layers hold the most face and dog detectors?
#
# Two answers, because "most" can mean a count or a proportion. The table lists, for each of the
# two networks, the layer with the largest *number* of selective filters and the layer with the
# largest *proportion*, at p ≤ 0.01.

# %%
focus = [c for c in ("face", "dog") if c in result.categories] or result.categories[:2]
rows = []
for name, t in tables.items():
    for cat in focus:
        sub = t[t["category"] == cat].set_index("layer")
        rows.append({"network": name, "category": cat,
                     "layer with most (count)": sub["n_selective"].idxmax(),
                     "count": int(sub["n_selective"].max()),
                     "layer with most (proportion)": sub["proportion"].idxmax(),
                     "proportion": round(float(sub["proportion"].max()), 3),
                     "all layers (count)": int(sub["n_selective"].sum())})
best = pd.DataFrame(rows)
print(plots.title(result).splitlines()[0], "|", plots.title(result_control).splitlines()[0])
best

# %% [markdown]
# And the layer-by-layer numbers behind it, side by side for the two networks (proportions of
# filters selective at p ≤ 0.01):

# %%
side = pd.concat({name: t[t["category"].isin(focus)].pivot(index="layer", columns="category", values="proportion")
                  for name, t in tables.items()}, axis=1).loc[list(result.layers)]
side.round(3)

# %% [markdown]
# In the paper (trained VGG16, photographs), dog detectors outnumbered face detectors, which the
# author expected: ImageNet has over a hundred dog classes and no class for people, so
# cross-entropy training rewarded dog features directly and face features only where faces
# helped other classes. This run, against that ordering and against the control:

# %%
totals = {name: t.groupby("category", sort=False)["n_selective"].sum() for name, t in tables.items()}
main_n, ctrl_n = totals["profile's network"], totals["untrained control"]
b, a = focus[0], focus[-1]  # face and dog where the profile has them
print(verdicts.shows(
    f"{a} detectors {int(main_n[a])} and {b} detectors {int(main_n[b])} over all layers of the profile's network "
    + ("(the paper's ordering)" if main_n[a] > main_n[b] else "(not the paper's ordering)")
    + f", against {int(ctrl_n[a])} and {int(ctrl_n[b])} in the untrained control. Counts at p ≤ 0.01 on one "
    "stimulus set; the paper's VGG16 is not this network."))

# %% [markdown]
# One more comparison: the proportion of filters selective for *any* category, per layer, in both
# networks. As notebook 04 showed, that question runs one test per category, so it is corrected
# for them (`sel.selective_any`: Bonferroni over the categories).

# %% jupyter={"source_hidden": true}
fig, ax = plt.subplots(figsize=(9, 3.6))
for name, res in results.items():
    share = [sel.selective_any(res[layer], "p", 0.01).mean() for layer in res.layers]
    ax.plot(list(res.layers), share, marker="o", label=f"{name}: {res.model_label}")
ax.set_xlabel("layer (shallow → deep)")
ax.set_ylabel("proportion of filters selective\nfor some category (p ≤ 0.01, Bonferroni)")
plt.setp(ax.get_xticklabels(), rotation=60, ha="right")
ax.set_ylim(0, 1)
ax.legend(fontsize=8)
ax.set_title(plots.title(result), fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 6. Equalised stimuli: what survives when luminance and contrast are the same?
#
# Notebook 03 found that a category's shares can follow low-level properties of its images, such
# as contrast. To separate those from anything else, vision science equalises the stimuli: every
# image gets the same mean luminance and the same RMS contrast (the SHINE toolbox, Willenbockel et
# al., 2010). `helpers.stimuli.equalize.equalize_set` does that (luma mean and standard deviation per image;
# colour differences stay; its `spectrum=True` also matches the Fourier amplitude spectra). We
# measure both networks again on the equalised set, on the last convolutional layer of each block
# (to keep the run short).
#
# **Think!** After equalising, will the untrained control's selective filters mostly vanish, or
# stay? And the profile's network's?

# %% [markdown]
# <details><summary>Answer</summary>
#
# An untrained network can only pick up differences in the pixels; once luminance and contrast
# no longer differ between categories, only the rest (shape, colour, size, spatial frequency) is
# left to drive it. Its proportions should drop where luminance and contrast carried them; but
# rescaling every image's contrast can also amplify other differences, so some may rise. A trained network's learned preferences respond to shape and layout, which
# equalising leaves alone, so if they are real they should survive better than the control's.
# Whether they do is measured below, not assumed.
# </details>

# %%
import warnings

from helpers.stimuli.equalize import equalize, equalize_set, luma
from helpers.stimuli.sets import concatenate

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # the clipping is reported below
    eq_report = equalize(stim.images())
    stim_eq = equalize_set(stim)
print(stim_eq.source)
print(f"clipped pixels: {eq_report.clipped_fraction:.2%} overall; more than 10 % in "
      f"{int((eq_report.clipped > 0.10).sum())} of {len(stim_eq)} images (those miss the targets)")
# Per image, its mean luma and RMS contrast (grey levels), one image at a time: the luma of a whole
# set of photographs at 224 px would hold 150 MB per set.
lum = {kind: np.array([(y.mean(), y.std()) for y in map(luma, s.images())])
       for kind, s in (("original", stim), ("equalised", stim_eq))}
stats = pd.DataFrame({(kind, what): [v[stim.labels == c, j].mean() for c in range(len(stim.categories))]
                      for kind, v in lum.items()
                      for j, what in enumerate(("mean luminance", "RMS contrast"))},
                     index=stim.categories)
print(stats.round(1).to_string())

# %%
first = [int(np.flatnonzero(stim.labels == c)[0]) for c in range(len(stim.categories))]
axes = plots.image_grid(np.concatenate([stim.images(first), stim_eq.images(first)]),
                        titles=[f"{c}" for c in stim.categories] + [f"{c}, equalised" for c in stim.categories],
                        ncols=len(first), size=1.8)
axes[0].figure.suptitle(f"Stimuli before and after equalising: {stim.source}", fontsize=8)
plt.show()

# %%
EQ_LAYERS = [names[-1] for names in pd.Series(list(result.layers)).groupby(
    lambda i: list(result.layers)[i].split("_")[0], sort=False).agg(list) if names[-1].startswith("block")]
# One network at a time: each is loaded, measured and let go (two VGG16s at once, beside this
# notebook's work, would not fit in Binder's 2 GB).
nets = {"profile's network": course.model, "untrained control": course.control_model}
eq_results = {name: course.selectivity(course.activations(net(), layers=EQ_LAYERS, stim=stim_eq))
              for name, net in nets.items()}
eq_tables = widgets.profile_tables(eq_results, "p", 0.01)
print("layers:", ", ".join(EQ_LAYERS))
for name, res in eq_results.items():
    print(f"{name:18s} {res.model_label}; stimuli: {res.stimuli_source}")

# %%
cats = result.categories
fig, axes = plt.subplots(2, len(cats), figsize=(3.1 * len(cats), 5.8), sharex=True, sharey=True,
                         squeeze=False)
x = np.arange(len(EQ_LAYERS))
for row, name in enumerate(results):
    for col, cat in enumerate(cats):
        ax = axes[row, col]
        for kind, t, style in (("original", tables[name], "-"), ("equalised", eq_tables[name], "--")):
            sub = t[(t["category"] == cat) & t["layer"].isin(EQ_LAYERS)].set_index("layer").loc[EQ_LAYERS]
            ax.plot(x, sub["proportion"], style, marker="o", ms=3, color=plots.category_colour(cat), label=kind)
            ax.fill_between(x, sub["ci_low"], sub["ci_high"], color=plots.category_colour(cat),
                            alpha=0.12 if style == "-" else 0.25)
        ax.set_title(f"{name}\n{cat}", fontsize=8)
        ax.set_xticks(x, [n.replace("_", "\n") for n in EQ_LAYERS], fontsize=8)
        if col == 0:
            ax.set_ylabel("proportion selective\n(p ≤ 0.01)", fontsize=9)
axes[0, 0].legend(fontsize=8)
fig.suptitle("Original (solid) vs luminance- and contrast-equalised (dashed) stimuli; "
             "bands: 95 % bootstrap intervals over images\n"
             + plots.title(result).replace("\n", "; ") + "\ncontrol: "
             + plots.title(result_control).replace("\n", "; "), fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# What survives, at `block5_conv3`: for each network and category the proportion before and after
# equalising, whether the equalised proportion's interval still excludes zero, and whether the
# profile's network still exceeds the control after equalising (its interval above the control's).

# %%
def at(t, layer, cat):
    return t.set_index(["layer", "category"]).loc[(layer, cat)]


rows = []
for cat in cats:
    row = {"category": cat}
    for name in results:
        before, after = at(tables[name], L5, cat), at(eq_tables[name], L5, cat)
        row[f"{name}: original"] = round(float(before["proportion"]), 3)
        row[f"{name}: equalised"] = f"{after['proportion']:.3f} [{after['ci_low']:.3f}, {after['ci_high']:.3f}]"
        row[f"{name}: survives (> 0)"] = bool(after["ci_low"] > 0)
    m, c = at(eq_tables["profile's network"], L5, cat), at(eq_tables["untrained control"], L5, cat)
    row["network > control, equalised"] = bool(m["ci_low"] > c["ci_high"])
    rows.append(row)
survival = pd.DataFrame(rows).set_index("category")
print(f"{L5}, p ≤ 0.01 [95 % bootstrap interval]; stimuli: {stim_eq.source}")
print(survival.T.to_string())
kept = [c for c in cats if survival.loc[c, "profile's network: survives (> 0)"]]
beat = [c for c in cats if survival.loc[c, "network > control, equalised"]]
print(f"\nprofile's network ({'trained' if result.trained else 'untrained'}): selective filters survive "
      f"equalising for {', '.join(kept) or 'no category'}; above the untrained control after equalising for "
      f"{', '.join(beat) or 'no category'}.")

# %% [markdown]
# Equalising can also *raise* a proportion: it scales every image's contrast to the same target, so
# a category whose images had less contrast than the target is amplified, and clipping changes
# some images more than others. Which bars rose beyond their original interval, and how much did
# equalising change each category's images?

# %%
gain = stats[("equalised", "RMS contrast")] / stats[("original", "RMS contrast")]
clipped_by_cat = pd.Series([eq_report.clipped[stim.labels == c].mean() for c in range(len(cats))], index=cats)
rose = []
for name in results:
    for cat in cats:
        before, after = at(tables[name], L5, cat), at(eq_tables[name], L5, cat)
        if after["ci_low"] > before["ci_high"]:
            rose.append(f"{name}: {cat} {before['proportion']:.3f} -> {after['proportion']:.3f}")
print(f"{L5}: proportions that rose beyond their original interval after equalising: "
      + ("; ".join(rose) if rose else "none"))
print(pd.DataFrame({"contrast gain (equalised / original)": gain.round(2),
                    "pixels clipped": clipped_by_cat.map("{:.1%}".format)}).to_string())

# %% [markdown]
# If a bar rose, equalising did not remove a low-level difference for that network but created or
# exposed one: the category's images were rescaled more (a gain above 1 amplifies whatever
# structure they have; a gain below 1 flattens it), or clipped more, or their remaining
# differences (spatial frequency, edge density, colour) now stand out against images of equal
# contrast. A rise in the **untrained** control is a warning that its filters follow such pixel
# statistics; it says nothing learned. Equalising is therefore a control to report beside the
# original measurement, not a correction that yields the "true" proportion.
#
# **Interpretation.** Read the printout with these rules:
#
# - a category whose proportion collapses towards zero after equalising, in both networks, was
#   carried by luminance and contrast: no evidence of a learned detector;
# - a category that survives in the **untrained** control is driven by the differences equalising
#   leaves (shape, size, colour, spatial frequency; `spectrum=True` removes the amplitude spectrum
#   too): still no evidence of learning;
# - only a category that survives in a **trained** network *and* stays above the untrained control
#   after equalising is a candidate for a learned preference; the verdict printed below applies these
#   rules to this run's numbers.
#   A candidate is not yet a detector of the category: equalising matches statistics of the *whole*
#   image, and says nothing about which *part* of the image drives the filter (section 6b).
#
# Equalising is not free: clipped pixels (reported above) miss the targets, and some images lose
# contrast they needed to be recognisable.

# %%
# The rules above, applied to this run: per layer and category, does the equalised proportion of
# the profile's network stay above the untrained control's (bootstrap intervals apart)?
trained_name, control_name = list(eq_results)
candidates, collapsed = [], []
for layer in EQ_LAYERS:
    for cat in cats:
        net_eq, ctl_eq = at(eq_tables[trained_name], layer, cat), at(eq_tables[control_name], layer, cat)
        net_orig = at(tables[trained_name], layer, cat)
        if net_eq["ci_low"] > ctl_eq["ci_high"]:
            candidates.append(f"{cat} in {layer} ({net_eq['proportion']:.2f} vs control {ctl_eq['proportion']:.2f})")
        elif net_orig["proportion"] > 0 and net_eq["proportion"] <= ctl_eq["ci_high"]:
            collapsed.append(f"{cat} in {layer}")
print(verdicts.shows(
    (f"after equalising, {len(candidates)} of {len(EQ_LAYERS) * len(cats)} layer-category pairs stay above the "
     f"untrained control: " + "; ".join(candidates[:6]) + (" ..." if len(candidates) > 6 else "")
     if candidates else "after equalising, no layer-category pair of the profile's network stays above the "
     "untrained control's interval")
    + (f"; {len(collapsed)} pairs fall to the control's level" if collapsed else "")
    + ". What it does not show: that a surviving pair is a detector of its category: equalising matches "
    "whole-image statistics only, and local parts (a drawn eye, the outline of a head) remain; section 6b "
    "takes the face apart."))

# %% [markdown]
# ### 6b. What equalising cannot reach: take the face apart
#
# Equalising gives every image the same mean luminance, RMS contrast and amplitude spectrum. It
# cannot touch *local* structure: a small, high-contrast eye inside a face is still there after
# equalising, and so is the outline of the head. **Paired controls** can. For each face drawing the
# model organism's world (`helpers.organism.world.control_stimuli`) draws the same scene three more times,
# with one change each: without the eyes, brows, nose and mouth (*featureless*), with those features
# moved elsewhere on the head (*scrambled*), and as a flat silhouette of the head in its mean colour.
#
# Here we count **face units** in the model organism (always available, under both profiles): units
# whose responses to the faces rank above those to i-see-face, car, dog and umbrella drawings (a one-
# sided Mann–Whitney test per unit, Benjamini–Hochberg at q = 0.05 over the live units;
# `helpers.controls`). Then we count again with each stand-in for the faces: the faces equalised
# together with the other drawings (luminance, contrast and spectrum), and each paired control. The
# cross-entropy organism and its untrained copy, the last convolutional layer of each block and `fc2`.
# Notebook 09 repeats this across training seeds, untrained seeds and stimulus seeds.
#
# > **Think!** If the trained organism's early "face units" respond to the drawn eyes, which stand-in
# > removes them: equalising, or the featureless face?

# %% [markdown]
# <details><summary>Answer</summary>
#
# The featureless face. Equalising rescales the whole image: the eye keeps its place and most of its
# local contrast, so units that respond to it still prefer the faces. Removing the features takes the
# eye away while leaving the head, the background and the image's overall statistics nearly as they
# were; if the count collapses then, the features made those units.
# </details>

# %%
from helpers.analyses import controls
from helpers.organism import world as miniworld, network as organism

ORG_LAYERS = ["block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3", "fc2"]
FACE_OTHERS = ("i-see-face", "car", "dog", "umbrella")
paired = miniworld.control_stimuli(36, seed=0)
rest = miniworld.measurement_stimuli(36, seed=0, categories=FACE_OTHERS)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # clipping: reported in section 6 for the profile's set
    both_eq = equalize_set(concatenate([paired, rest]), spectrum=True)
organisms = {"trained (cross-entropy)": organism.load_organism("ce"), "untrained": organism.load_organism("untrained")}
decomposition = {}
for name, net in organisms.items():
    a_p = course.activations(net, layers=ORG_LAYERS, stim=paired)
    a_r = course.activations(net, layers=ORG_LAYERS, stim=rest)
    a_e = course.activations(net, layers=ORG_LAYERS, stim=both_eq)
    part = {c: {l: a_p[l][paired.labels == k] for l in ORG_LAYERS} for k, c in enumerate(paired.categories)}
    is_face = both_eq.labels == both_eq.categories.index("face")
    is_rest = np.isin(both_eq.labels, [both_eq.categories.index(c) for c in FACE_OTHERS])
    t = controls.control_table(part["face"], {v: part[v] for v in controls.VARIANTS},
                               {l: a_r[l] for l in ORG_LAYERS})
    eq = pd.DataFrame([{"layer": l, "stimuli": "equalised",
                        "proportion": controls.units_preferring(a_e[l][is_face], a_e[l][is_rest]).mean()}
                       for l in ORG_LAYERS])
    decomposition[name] = pd.concat([t[["layer", "stimuli", "proportion", "proportion_live", "n_live"]], eq])
wide = pd.concat({name: d.pivot(index="layer", columns="stimuli", values="proportion")
                  [["face", "equalised", *controls.VARIANTS]] for name, d in decomposition.items()},
                 axis=1).loc[ORG_LAYERS]
print("proportion of face units (all units) with each stand-in for the faces; Mini-VGG16 organism, generated "
      "drawings (36 per category, stimulus seed 0)")
display(wide.round(3))

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), sharey=True)
xo = np.arange(len(ORG_LAYERS))
for ax, (name, d) in zip(axes, decomposition.items()):
    w = d.pivot(index="layer", columns="stimuli", values="proportion").loc[ORG_LAYERS]
    for j, col in enumerate(["face", "equalised", *controls.VARIANTS]):
        ax.plot(xo, w[col], marker="o", ms=3, color=f"C{j}", ls="-" if col == "face" else "--", label=col)
    ax.set_xticks(xo, ORG_LAYERS, rotation=45, fontsize=8)
    ax.set_title(plots.title_for(organisms[name].course_info.label, True).split("\n")[0], fontsize=8)
axes[0].set_ylabel("proportion of face units\n(BH q = 0.05, all units)")
axes[0].legend(fontsize=8, title="faces replaced by", title_fontsize=8)
fig.suptitle("What makes the organism's face units: equalised faces vs paired controls (generated drawings, "
             "not photographs; not the paper's VGG16)", fontsize=9)
fig.tight_layout()
plt.show()

# %%
# NBVAL_IGNORE_OUTPUT
def kept(name, col, layers):
    """Face units left with the stand-in ``col``, as a fraction of those with the faces, over ``layers``."""
    w = wide[name].loc[layers]
    base = w["face"].sum()
    return np.nan if base == 0 else w[col].sum() / base


def share(value):
    """A kept fraction in words: above 1 the stand-in recruits *more* units than the faces."""
    return f"{value:.0%}" if value <= 1 else f"{value:.1f} times as many (equalising created some)"


early = ORG_LAYERS[:4]
lines = []
for name in organisms:
    w = wide[name]
    if w.loc[early, "face"].sum() == 0:
        lines.append(f"- **{name}**: no face units in {', '.join(early)}; nothing for a control to remove there.")
        continue
    lines.append(f"- **{name}**, {early[0]}–{early[-1]}: of the face units counted with the drawn faces, "
                 f"equalising keeps {share(kept(name, 'equalised', early))}; removing the features keeps "
                 f"{share(kept(name, 'featureless', early))}; scrambling them keeps "
                 f"{share(kept(name, 'scrambled', early))}; the flat silhouette keeps "
                 f"{share(kept(name, 'silhouette', early))}.")
trained_name = next(iter(organisms))
if wide[trained_name].loc[early, "face"].sum() > 0:
    eq_k, feat_k = kept(trained_name, "equalised", early), kept(trained_name, "featureless", early)
    lines.append("\n**So:** " + (
        "equalising leaves more of the trained organism's early face units than removing the features does: "
        "they respond to the drawn features, which global statistics do not capture."
        if eq_k > feat_k else
        "removing the features leaves as many of the trained organism's early face units as equalising: here "
        "the features are not what equalising misses."))
display(Markdown("\n".join(lines)))

# %% [markdown]
# **Reading the result.** Compare the *equalised* column with the *featureless* one. Where equalising
# keeps most face units and the featureless faces keep few, the units respond to the drawn features,
# not to the images' global statistics, so equalising could not remove them — and they are not face
# detectors either, only feature detectors (an eye-like blob of high local contrast is enough if
# *scrambled* keeps them). Where the *silhouette* keeps them, an outline of the right size and colour
# suffices. The paper's equalised photographs cannot be taken apart like this; that is why the course
# builds a world whose drawings can (notebook 09).

# %% [markdown]
# ## Exercise 1: one bar by hand
#
# Compute the height of one bar of the figure yourself: the proportion of filters in
# `block5_conv3` that are selective for the category `target` (dog when the set has dogs) at
# p ≤ 0.01, using `sel.selective(result[layer], criterion, threshold)`, which returns a boolean
# array of shape (filters, categories). Store it in `answer`.

# %%
target = "dog" if "dog" in result.categories else result.categories[-1]
layer = "block5_conv3"

# %% tags=["solution"] jupyter={"source_hidden": true}
answer = ...  # your code here: the proportion, a number between 0 and 1
### BEGIN SOLUTION
mask = sel.selective(result[layer], "p", 0.01)
answer = mask[:, result.categories.index(target)].mean()
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
expected = tables["profile's network"].set_index(["layer", "category"]).loc[(layer, target), "proportion"]
answer_used = course.check_answer(answer, expected,
                                  "which column of the mask is `target`'s, and what is the denominator of a "
                                  "proportion of filters (silent ones included)?",
                                  "your proportion equals the bar in the figure.", within=(0, 1), exercise="05.1")

# %% [markdown]
# ## Exercise 2: predict, then verify: does the deepest layer win under a stricter rule?
#
# With Benjamini–Hochberg correction at q ≤ 0.05 instead of p ≤ 0.01, which layer has the largest
# *proportion* of filters selective for `face` (or the first category when the set has no faces) in
# the profile's network?
#
# 1. **Predict** from the figure of section 1 (uncorrected p ≤ 0.01), before computing anything:
#    store your guess in `predicted_layer`.
# 2. **Verify**: compute the proportion per layer yourself with
#    `sel.selective(result[name], "p", 0.05, correction="bh")` (a boolean array, filters × categories)
#    for every `name` in `result.layers`, and store the layer with the largest proportion in
#    `best_layer` (if several layers tie, the shallowest).

# %% tags=["solution"] jupyter={"source_hidden": true}
cat = "face" if "face" in result.categories else result.categories[0]
predicted_layer = ...  # your code here: your prediction, a layer name, written before computing
best_layer = ...  # your code here: the layer's name, e.g. "block3_conv1"
### BEGIN SOLUTION
predicted_layer = "block5_conv3"  # the teacher's guess from the figure; any layer name is a valid prediction
share = {name: sel.selective(result[name], "p", 0.05, correction="bh")[:, result.categories.index(cat)].mean()
         for name in result.layers}
best_layer = max(share, key=share.get)  # max keeps the first (shallowest) of tied maxima
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
best_layer_used = course.check_answer(best_layer, course.reference("strongest_layer", result, cat),
                                      "the proportion of a layer is the mean of one column of its mask; "
                                      "compare the layers by that number",
                                      "that layer has the largest corrected proportion.",
                                      choices=list(result.layers), exercise="05.2")
course.verify_prediction(predicted_layer, best_layer_used, "the strongest layer under BH")

# %% [markdown]
# ## Exercise 3 (challenge): "selective for some category", by hand
#
# Reproduce the curve of the profile's network in the "any category" figure without
# `sel.selective_any`: for every layer, the proportion of its filters whose Bonferroni p-value
# $\min(1, C \cdot \min_c p_c)$ is at most 0.01, where the $p_c$ are the filter's permutation
# p-values (`result[layer].p`, shape (filters, categories), NaN rows for silent filters, which
# are never selective). Store a dict `any_by_hand` of layer name → proportion.

# %% tags=["solution"] jupyter={"source_hidden": true}
any_by_hand = ...  # your code here: {layer name: proportion selective for some category}
### BEGIN SOLUTION
any_by_hand = {}
for name in result.layers:
    p = np.nan_to_num(result[name].p, nan=1.0)  # silent filters: never selective
    bonferroni = np.minimum(1.0, p.shape[1] * p.min(axis=1))
    any_by_hand[name] = float((bonferroni <= 0.01).mean())
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
any_by_hand_used = course.check_answer(
    any_by_hand, {name: float(sel.selective_any(result[name], "p", 0.01).mean()) for name in result.layers},
    "a silent filter must never count (what does NaN compare as?); the denominator is every filter of "
    "the layer",
    "your curve is sel.selective_any's.", exercise="05.3")

# %% [markdown]
# ## Exercise 4 (interpretation): the caption of the figure
#
# Write the caption you would put under this notebook's layer-profile figure: three or four
# sentences, stored in `interpretation`, that state the rule used to count a filter as selective,
# what the error bars are, and how the profile's network compares with its baseline.

# %% tags=["solution"] jupyter={"source_hidden": true}
interpretation = ...  # your code here: a few sentences in quotes, e.g. interpretation = """..."""
### BEGIN SOLUTION
# Rubric (teacher edition only): one point for each of
# (1) the rule: the p-value threshold (0.01) or BH level, permutation test;
# (2) the error bars: bootstrap intervals over images;
# (3) the comparison with the untrained control, in the direction this run shows.
# The check only confirms that the text is there and touches each point; read the argument.
interpretation = """Proportion of filters per layer whose permutation p-value is at most 0.01 for each category.
Error bars are 95 % bootstrap intervals over the images. The trained network is compared with
the untrained control of the same architecture; only where its bar stays above the control's
interval is there evidence of a learned preference."""
### END SOLUTION

# %%
course.check_text(
    interpretation,
    {"the rule that counts a filter": ['p ≤', 'p <=', 'threshold', '0.01', 'BH', 'permutation'],
     "what the error bars are": ['bootstrap', 'interval'],
     "the baseline": ['untrained', 'control']},
    min_words=30, exercise="05.4")

# %% [markdown]
# ## The paper's claims, scored on this run
#
# The paper states four things about VGG16 at its threshold of 0.01 (section 2.2), and the essay on
# latent representations a fifth. "Check in the table" is not a verdict, so `helpers.claims.scorecard`
# computes one per claim from the numbers of this notebook: the trained network and its untrained
# control on the original stimuli, both on the equalised stimuli of section 6, and the essay's
# breed experiment (`helpers.analyses.breeds`, strict rule, cross-fitted) where the stimulus set has dog
# breeds. The texts leave words like "lower layers", "significant" or "the majority" open, so each
# row states the definition the course chose. The verdicts:
#
# - **holds** / **does not hold**: the 95 % bootstrap interval over images lies wholly on one side
#   of the claim's bar (for the comparison with the control: the two intervals do not overlap);
# - **undecided**: it straddles the bar, or the intervals overlap: these images cannot decide;
# - **not scorable**: a category, a layer or a control the claim needs is missing; the row says which.
#
# The control is also scored alone on claims 1–3: a claim the untrained network satisfies too
# describes the architecture and the images, not what training added.

# %%
from helpers.analyses import breeds, claims

ESSAY_LAYERS = [x for x in ("block5_conv1", "block5_conv2", "block5_conv3", "fc1", "fc2") if x in result.layers]
split = claims.essay_classes(stim.labels, stim.categories, stim.subcategories)
essay_runs = {}
if split.reason is None:
    essay_acts = {"network": acts, "control": acts_control,
                  "equalised": course.activations(course.model(), layers=ESSAY_LAYERS, stim=stim_eq)}
    for name, a in essay_acts.items():
        essay_runs[name] = breeds.essay_experiment({x: a[x][split.keep] for x in ESSAY_LAYERS}, split.labels,
                                                   split.classes, split.breeds, compare=split.compare,
                                                   against="each", n_boot=200)
    print(f"essay: breeds {split.breeds} against {split.compare}, layers {ESSAY_LAYERS}")
else:
    print(f"essay: not run ({split.reason})")
card = claims.scorecard(result, result_control, equalised=eq_results["profile's network"],
                        equalised_control=eq_results["untrained control"], essay=essay_runs.get("network"),
                        essay_control=essay_runs.get("control"), essay_equalised=essay_runs.get("equalised"),
                        essay_reason=split.reason and f"not run: {split.reason}")
print(card.to_text())

# %% [markdown]
# The same scorecard as a table, network and control side by side (`card.to_frame()` has every
# column, including the intervals as numbers):

# %%
side_by_side = card.to_frame().set_index("claim")[["verdict", "numbers", "control", "control_verdict"]]
side_by_side.columns = ["verdict (network)", "network", "untrained control", "control scored alone"]
side_by_side

# %% [markdown]
# **Reading the scorecard.** Under the `quick` profile it scores the model organism, a small network
# trained on drawings of dog breeds, cars, cups and other objects, never on faces. It is a rehearsal
# of the method on a network whose training is known, not a test of the paper: the first line after
# the title says so. Under `full` the same cell scores VGG16 on photographs, which reproduces the
# paper. Where the verdict is *undecided*, more images per category would narrow the intervals.
# Where it is *not scorable*, the row names what is missing. Claim 5 needs dog breeds with enough
# images each (the quick profile's six drawings per breed are too few for the strict rule; notebook
# 09 runs the essay's experiment on 40 held-out images per class), comparison objects and, for its
# "not low-level statistics" clause, the equalised stimuli.

# %% [markdown]
# ## Summary
#
# - The paper's figure is a table of proportions: selective filters over all filters, per layer and
#   category. Which filters count depends on the rule; the slider shows how much. Below the
#   permutation test's floor only resolved p-values can pass, and the open decisions are counted.
# - The error bars are bootstrap intervals over images: how much a bar would move with other
#   stimuli of the same kind. Single bars are uncertain; the shape of the profile is more
#   trustworthy than any single height.
# - Counts and proportions answer different questions: fully connected layers have more filters
#   than `block5_conv3` (eight times as many in VGG16), so they can hold the most detectors without
#   being the densest.
# - An untrained network is the baseline any claim about learned detectors must beat (Baek et al.
#   2021), and two random networks can differ a lot. Equalising luminance and contrast removes one
#   family of low-level explanations; a learned preference should survive it and stay above the
#   control. Sections 3 and 6 printed which categories did, for this profile's networks.
#
# **Sources.**
#
# - The paper (the figure reproduced here): K. Malakhova, *Representation of Categories in Filters
#   of Deep Neural Networks*, Proceedings of the IEEE Conference on Computer Vision and Pattern
#   Recognition Workshops (CVPRW), 2018, pp. 1973–1975,
#   doi:[10.1109/CVPRW.2018.00265](https://doi.org/10.1109/CVPRW.2018.00265).
# - The essay (the claim about low-level statistics tested in section 6 and notebook 09): K.
#   Malakhova, *Why Latent Representations in Convolutional Neural Networks Fall Outside Visual
#   Space*, MODVIS Workshop (Computational and Mathematical Models in Vision), St. Petersburg,
#   Florida, 2018, <https://docs.lib.purdue.edu/modvis/2018/session02/3>.
#
# Other sources: K. Simonyan & A. Zisserman, *Very deep convolutional networks for large-scale image recognition*,
# ICLR 2015; S. Baek, M. Song, J. Jang, G. Kim & S.-B. Paik, *Face detection in untrained deep neural
# networks*, Nature Communications 12, 2021; Y. Benjamini & Y. Hochberg, *Controlling the false
# discovery rate*, JRSS B, 1995; V. Willenbockel, J. Sadr, D. Fiset, G. O. Horne, F. Gosselin &
# J. W. Tanaka, *Controlling low-level image properties: the SHINE toolbox*, Behavior Research
# Methods 42, 2010; B. Efron & R. Tibshirani, *An Introduction to the Bootstrap*, Chapman & Hall, 1993.
#
# **Next:** notebook 06 looks inside the most selective filters: which images drive them, and what
# image they would like to see.
