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
# # 07 · Using selectivity: choosing a layer, measuring visual complexity
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/teacher/10_using_selectivity.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. train and cross-validate a linear read-out of the categories from each layer (multinomial
#    logistic regression on standardised per-filter maxima, stratified k-fold, fixed seed), written
#    with torch and NumPy only;
# 2. test the paper's proposal that the proportion of selective filters points to the best layer for
#    feature extraction, by comparing it with read-out accuracy across layers;
# 3. measure the visual complexity of a stimulus set, as the paper's discussion suggests, by
#    counting strongly responding filters per category and depth, and read a "shift of detectors to
#    lower layers";
# 4. run the whole analysis on a folder of your own images.
#
# **Estimated time:** about 35 minutes.
#
# **Prerequisites:** notebooks 03–04 (selectivity and layer profiles); the idea of cross-validation.

# %%
# Google Colab set-up (written by tools/editions.py). Inside Colab this cell fetches the course
# at the version these notebooks belong to and installs its `helpers` package (the full
# profile's photographs and VGG16 weights download on first use). Anywhere else it does nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import subprocess

    REPO, TAG, COURSE_DIR = "OWNER/REPO", "v0.1.0", "/content/cnn-selectivity-course"
    if not os.path.isdir(COURSE_DIR):
        subprocess.run(["git", "clone", "--quiet", "--depth", "1", "--branch", TAG,
                        f"https://github.com/{REPO}.git", COURSE_DIR], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", COURSE_DIR], check=True)
    if COURSE_DIR not in sys.path:
        sys.path.insert(0, COURSE_DIR)
    print(f"Colab: the course's helpers ({TAG} of github.com/{REPO}) are installed.")

# %%
from helpers import course

profile = course.setup()

# %% [markdown]
# The paper proposes two uses for its measure. First, to find "a particular layer which contains
# sufficient amounts of detectors sensitive to the category of interest", i.e. to choose a layer
# of a pretrained network as a feature extractor. Second, in psychophysics, to check that the image
# categories of an experiment have similar *visual complexity*, measured as the number of filters
# that respond strongly to a category at a given depth. This notebook tries both.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers import analysis as an
from helpers import plots
from helpers import selectivity as sel

stim = course.stimuli()
acts = course.activations()
result = course.selectivity(acts)
schematic = bool(acts.meta.get("schematic"))
title = plots.title_for(result.model_label, result.trained, schematic)
labels, categories = acts.labels, acts.categories
layers = list(acts)
print(title)
print(stim)

# %% [markdown]
# ## 1. Which layer is best for reading out the categories?
#
# The direct test of a layer as a feature extractor is to train a classifier on its features and
# measure how well it generalises to images it has not seen. We use the simplest one, a **linear
# read-out**: multinomial logistic regression on each layer's per-filter maxima (the same numbers
# the selectivity measure uses).
#
# - **Stratified k-fold cross-validation** (k = 5, seed 0): the images of each category are shuffled
#   and dealt into five parts; each part serves once as the test set while the other four train the
#   model. Every test fold holds about a fifth of each category.
# - **Standardisation** with the mean and standard deviation of the *training* images only, so no
#   information from the test images leaks into training.
# - **L2 regularisation** (strength 0.01): with more filters than images (up to 4096 against a
#   few hundred) an unregularised model could fit the training set perfectly and generalise poorly.
#
# `an.readout_accuracy(X, labels, k=5, seed=0)` does all of it with `an.stratified_folds`,
# `an.standardize` and `an.fit_softmax` (full-batch L-BFGS in torch; the problem is convex, so the
# fit is deterministic).

# %%
# NBVAL_CHECK_OUTPUT
folds = an.stratified_folds(labels, k=5, seed=0)
for j, (train, test) in enumerate(folds):
    per_cat = np.bincount(labels[test], minlength=len(categories)).tolist()
    print(f"fold {j}: {len(train)} training, {len(test)} test images; test images per category {per_cat}")

# %%
readout = pd.DataFrame({name: an.readout_accuracy(acts[name], labels, k=5, seed=0) for name in layers}).T
readout.columns = [f"fold {j}" for j in range(readout.shape[1])]
readout["mean"] = readout.mean(axis=1)
readout["sd"] = readout.iloc[:, :5].std(axis=1, ddof=1)
selective_any = pd.Series({name: sel.selective(result[name], "p", 0.01).any(axis=1).mean() for name in layers})
readout["proportion selective"] = selective_any
chance = 1 / len(categories)
readout[["mean", "sd", "proportion selective"]].round(3).T

# %%
rho = an.spearman(readout["mean"].to_numpy(), readout["proportion selective"].to_numpy())
fig, axes = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [1.6, 1]})
ax = axes[0]
ax.errorbar(layers, readout["mean"], yerr=readout["sd"], marker="o", ms=4, capsize=2,
            label="read-out accuracy (mean ± sd over 5 folds)")
ax.plot(layers, readout["proportion selective"], "s--", ms=4,
        label="proportion of filters selective (p ≤ 0.01, any category)")
ax.axhline(chance, c="0.4", ls=":", lw=1, label=f"chance accuracy (1/{len(categories)})")
ax.set_ylim(0, 1.05)
ax.set_xlabel("layer (shallow → deep)")
ax.set_ylabel("accuracy on held-out images /\nproportion of filters")
plt.setp(ax.get_xticklabels(), rotation=60, ha="right")
ax.legend(fontsize=7, loc="lower left")
ax.set_title(f"Linear read-out per layer vs selective filters\n{title}", fontsize=8)
ax = axes[1]
ax.scatter(readout["proportion selective"], readout["mean"], c=np.arange(len(layers)), cmap="viridis")
for name in layers:
    ax.annotate(name, (readout.loc[name, "proportion selective"], readout.loc[name, "mean"]), fontsize=6,
                xytext=(3, 2), textcoords="offset points")
ax.set_xlabel("proportion of filters selective (p ≤ 0.01)")
ax.set_ylabel("read-out accuracy (mean over folds)")
ax.set_title(f"One dot per layer (colour: depth); Spearman ρ = {rho:.2f}", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Two cautions before reading the plot. Fifteen layers are fifteen points: a rank correlation over
# them is a description, not a test with much power. And read-out accuracy depends on more than
# selectivity: the number of filters, how redundant they are, and how they combine. A layer whose
# filters are individually unselective can still support an excellent linear read-out, because a
# linear model combines them.
#
# With the full profile you can ask whether the layers richest in selective filters are also the
# best feature extractors for these categories, as the paper proposed. Under the quick profile the
# network is untrained: layers then differ mainly in how well random features preserve the colour
# and shape statistics that separate the schematic drawings.

# %% [markdown]
# ## Exercise 1: choose a layer
#
# Using the `readout` table, find the layer with the highest mean read-out accuracy; if several
# layers tie, take the shallowest. Store its name in `best_layer`.

# %% tags=["solution"] jupyter={"source_hidden": true}
best_layer = ...  # your code here: the layer's name, e.g. "block3_conv1"
### BEGIN SOLUTION
best_layer = readout["mean"].idxmax()  # idxmax returns the first (shallowest) of tied maxima
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
best_layer = course.check_answer(best_layer, course.reference("best_readout_layer", readout),
                                 "find the largest value of readout['mean'] and the first layer that has it",
                                 "that is the layer a linear read-out prefers.")
print(best_layer, round(readout.loc[best_layer, "mean"], 3))

# %% [markdown]
# ## 2. Visual complexity of a stimulus set
#
# The paper's discussion suggests measuring the visual complexity of a category as **the number of
# filters that respond strongly to it at a given layer**, and reads a *shift of detectors to lower
# layers* as a sign that the category has comparatively simple distinctive features, which might,
# for example, shorten reaction times in a behavioural experiment. If the categories of a
# psychophysics study differ in this way, their difficulty is confounded with their low-level
# simplicity.
#
# We make "responds strongly" concrete. After eq. 1 each filter's activations lie between 0 (its
# weakest image) and 1 (its strongest). For each filter and category we average over the category's
# images; a filter **responds strongly** to a category when that mean is at least `level`, i.e. the
# category's images *typically* drive the filter close to its maximum. We set `level` to the 95th
# percentile of all such means, pooled over every layer and category, so that the same bar applies
# at every depth (`an.strong_filter_counts`, `an.category_means`).

# %%
all_means = np.concatenate([an.category_means(acts[name], labels, len(categories)).ravel() for name in layers])
level = float(np.nanquantile(all_means, 0.95))
strong = an.strong_filter_counts(acts, labels, categories, level)
print(f"level = {level:.3f} (95th percentile of category means of normalised activation)")
strong.pivot(index="layer", columns="category", values="n_strong").loc[layers]

# %%
depth_strong = an.detector_depth(strong, weight="n_strong")
table_sel = sel.summary_table(result, "p", 0.01)
depth_selective = an.detector_depth(table_sel, weight="n_selective")

fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1.6, 1]})
ax = axes[0]
for cat, sub in strong.groupby("category", sort=False):
    ax.plot(sub["layer"], sub["proportion"], marker="o", ms=4, label=cat)
ax.set_xlabel("layer (shallow → deep)")
ax.set_ylabel("proportion of filters that\nrespond strongly to the category")
plt.setp(ax.get_xticklabels(), rotation=60, ha="right")
ax.legend(title="category", fontsize=7, title_fontsize=7)
ax.set_title(f"Strongly responding filters per layer (mean normalised activation ≥ {level:.2f})\n{title}",
             fontsize=8)
ax = axes[1]
x = np.arange(len(categories))
ax.bar(x - 0.2, [depth_strong[c] for c in categories], width=0.4, label="strongly responding filters")
ax.bar(x + 0.2, [depth_selective[c] for c in categories], width=0.4, label="selective filters (p ≤ 0.01)")
ax.set_xticks(x, categories)
ax.set_yticks(range(len(layers)), layers, fontsize=6)
ax.set_ylim(0, len(layers) + 2.5)  # room for the legend above the deepest layer
ax.set_xlabel("category")
ax.set_ylabel("mean depth (count-weighted)")
ax.legend(fontsize=7, loc="upper left")
ax.set_title("Where each category's detectors sit", fontsize=8)
fig.tight_layout()
plt.show()

summary_depth = pd.DataFrame({"mean depth (strong)": depth_strong, "mean depth (selective)": depth_selective,
                              "strong filters, all layers": strong.groupby("category", sort=False)["n_strong"].sum()})
summary_depth.round(2)

# %% [markdown]
# Reading it: a mean depth computed from a handful of filters (see the last column) means little,
# so compare categories that have enough of them. A category whose strongly responding filters sit
# at a smaller mean depth is served by shallower, simpler features; in the paper's terms its
# detectors have shifted to lower layers. The paper observed that cars and face-like objects
# (pareidolia) drove many filters in low layers, perhaps because of distinctive image statistics in
# those categories. For an experiment one would
# compare categories on these profiles and, if they differ, choose other images or model the
# difference. Two cautions: the profile depends on the network (a trained network's, not an
# untrained one's, is the relevant description of learned features), and on the rest of the
# stimulus set, since eq. 1 normalises each filter over all images together.
#
# ## Exercise 2: count by hand
#
# Count the filters of `block3_conv3` that respond strongly to the first category: compute the
# category means with `an.category_means(A, labels, n_categories)` (shape: filters × categories)
# and count those at or above `level` (silent filters are NaN and never count). Store the count in
# `n_strong_first`.

# %% tags=["solution"] jupyter={"source_hidden": true}
n_strong_first = ...  # your code here: the count, an integer
### BEGIN SOLUTION
M = an.category_means(acts["block3_conv3"], labels, len(categories))
n_strong_first = int(np.sum(np.nan_to_num(M[:, 0], nan=-1.0) >= level))
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
_expected = strong.set_index(["layer", "category"]).loc[("block3_conv3", categories[0]), "n_strong"]
n_strong_first = course.check_answer(n_strong_first, int(_expected),
                                     "take column 0 of the category means and count the values >= level "
                                     "(NaN counts as no)",
                                     "your count matches the table.")
print(n_strong_first)

# %% [markdown]
# ## 3. Your own stimuli
#
# Everything in this course runs on any folder with one sub-folder per category:
#
# ```
# my_stimuli/
#     face/       *.jpg, *.png, ...
#     house/
#     tool/
# ```
#
# From the command line (writes `selectivity_by_layer.csv`, a figure and `run.json`):
#
# ```bash
# .venv/bin/python -m helpers report --stimuli my_stimuli --out results/ --profile full
# ```
#
# Add `--criterion index --threshold 0.5`, `--correction bh`, `--layers block5_conv3 fc1` or
# `--untrained` for the control. From Python, the pipeline is four calls. Here we run it on a small
# folder that we first write to disk ourselves: eight images per category of the profile's
# stimulus set, analysed at two layers with fewer permutations to keep it quick.

# %%
import tempfile
from pathlib import Path

from helpers import activations, stimuli

folder = Path(tempfile.mkdtemp(prefix="my_stimuli_"))
picked = np.concatenate([np.flatnonzero(labels == c)[:8] for c in range(len(categories))])
stim.subset(picked).save(folder)
print(sorted(p.name for p in folder.iterdir()))

# %%
# NBVAL_CHECK_OUTPUT
own = stimuli.load_folder(folder, preprocess=stim.preprocess)  # one sub-folder per category, sorted by name
print(own.categories, own.counts())

# %%
own_acts = activations.collect(course.model(), own, layers=["block3_conv3", "block5_conv3"],
                               batch_size=8, progress=False, cache=False)
own_result = sel.analyze(own_acts, n_permutations=200, seed=0)
own_table = sel.summary_table(own_result, criterion="p", threshold=0.01)
own_table[["layer", "category", "n_selective", "n_filters", "proportion", "ci_low", "ci_high", "n_silent"]].round(3)

# %% [markdown]
# With 8 images per category and 200 permutations the smallest attainable p-value is 1/201 and the
# intervals are wide: a real study wants dozens of images per category (the paper used about 75)
# and the default 1000 permutations. Clean up the temporary folder when done:

# %%
import shutil

shutil.rmtree(folder)

# %% [markdown]
# ## Summary
#
# - A layer's suitability as a feature extractor is measured most directly by a cross-validated
#   read-out; the proportion of selective filters is a cheaper, interpretable proxy whose agreement
#   with the read-out you can check layer by layer (here with a rank correlation).
# - The number of strongly responding filters per category and depth gives a profile of a
#   stimulus set's visual complexity; a category whose detectors sit lower in the network has
#   simpler distinctive features, a possible confound in behavioural experiments.
# - `python -m helpers report --stimuli DIR` (or `load_folder` → `collect` → `analyze` →
#   `summary_table`) runs the analysis on your own images.
# - Under the quick profile all numbers come from an **untrained** network and **schematic**
#   drawings; they exercise the methods and say nothing about VGG16 trained on ImageNet.
#
# **Sources.** The short paper on category selectivity (`../shared/seeds/002_…`), its discussion
# section for both uses; K. Simonyan & A. Zisserman, ICLR 2015 (VGG16); L. Fei-Fei, R. Fergus &
# P. Perona, *Learning generative visual models from few training examples*, CVPR Workshop on
# Generative-Model Based Vision, 2004 (Caltech-101, the source of the full profile's photographs).
#
# This is the last notebook of the course. Go back to notebook 04 with `COURSE_PROFILE=full` to see
# the paper's setting, or point the pipeline at your own stimuli.
