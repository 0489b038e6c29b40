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
# # 04 · Layer profiles: where the category-selective filters sit
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/teacher/05_layer_profiles.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. rebuild the paper's main figure: the proportion of category-selective filters in every layer
#    of VGG16, per category, including the two fully connected layers the paper left off its plot;
# 2. explain how that figure depends on the rule that calls a filter selective (significance level,
#    index threshold, correction for multiple tests), using an interactive threshold slider;
# 3. put a trained network beside an untrained one and say what the comparison can show;
# 4. tell apart "most detectors" (a count) from "densest in detectors" (a proportion) when naming the
#    layer that holds a category's filters.
#
# **Estimated time:** about 30 minutes.
#
# **Prerequisites:** notebook 03 (eq. 1, eq. 2, the permutation test and Benjamini–Hochberg).

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
# ## 1. The data: one selectivity result per layer
#
# The paper passed about 300 images of four categories through VGG16 (Simonyan & Zisserman,
# 2015), kept each filter's largest activation per image, and computed eq. 1 and eq. 2 for every
# filter of every layer. `course.selectivity()` does the same for the profile's network and
# stimulus set and adds the permutation p-values of notebook 03. The activations come from the
# disk cache when an earlier notebook has computed them.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers import plots, widgets
from helpers import selectivity as sel

stim = course.stimuli()
acts = course.activations()
result = course.selectivity(acts)
schematic = bool(acts.meta.get("schematic"))
print(stim)
print(plots.title_for(result.model_label, result.trained, schematic))

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
# `course.control_model()` gives that control. Under the `full` profile it is VGG16 with random
# weights (seed 0) beside the ImageNet-trained VGG16. **Under the `quick` profile the course
# never downloads the trained weights, so both networks are untrained**: random seed 0 against
# random seed 1. The difference between the two panels is then only the spread between two random
# initialisations, a useful yardstick for how much of a pattern is luck of the draw.

# %%
control = course.control_model()
acts_control = course.activations(control)
result_control = course.selectivity(acts_control)

results = {"profile's network": result, "untrained control": result_control}
for name, res in results.items():
    print(f"{name:18s} {res.model_label}")

# %% [markdown]
# ## 3. The figure at the paper's rule
#
# The paper counted filters as selective "with a threshold of 0.01 for selectivity index". As
# notebook 03 argued, a share of 0.01 would lie far below chance, so the course reads 0.01 as a
# significance level: a filter is selective for a category when its permutation p-value is at
# most 0.01. The proportion's denominator is every filter of the layer, silent ones included.
# Error bars are 95 % Wilson intervals for a proportion.

# %%
tables = widgets.profile_tables(results, criterion="p", threshold=0.01)
fig = widgets.draw_profiles(tables, results)
plt.show()

# %% [markdown]
# Read the figure from left (shallow) to right (deep). Three things to look for in the full
# profile: where each category's bars peak; whether the deep convolutional layers
# (`block4_conv3` … `block5_conv3`) hold a sizeable share of detectors, as the paper reports;
# and how the fully connected layers `fc1` and `fc2`, missing from the paper's plot, compare.
# The paper wrote that most face-related units lay in the fully connected layers but that,
# *proportionally*, the last convolutional blocks were rich in them. Both can be true at once:
# `fc1` has 4096 filters, `block5_conv3` only 512.
#
# **Under the quick profile** these bars come from an untrained network and schematic drawings.
# Many filters of a random network still prefer one category of drawings, because the
# categories differ in colour, size and shape statistics that random filters pick up. That is
# exactly why the control matters.

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
# Note the floor of the permutation test: with 1000 shuffles the smallest possible p-value is
# 1/1001 ≈ 0.001, so thresholds below it find no selective filter at all.

# %%
ui, update = widgets.layer_profile_explorer(results, criterion="p", threshold=0.01)
ui

# %% [markdown]
# The widget calls a plain function, `update(criterion, threshold, correction)`: it redraws the
# explorer and returns a `ProfileView` holding the tables it drew, the figure and the summary line.
# Calling it from code moves the explorer's controls as well. The tables themselves come from
# `widgets.profile_tables`, which leaves the explorer alone: here the paper's level with
# Benjamini–Hochberg correction.

# %%
strict = widgets.profile_tables(results, "p", 0.01, "bh")["profile's network"]
print(strict.pivot(index="layer", columns="category", values="n_selective").loc[list(result.layers)])

# %% [markdown]
# A static view of the same question, for readers without a live kernel: the total number of
# selective filters (all layers together) as the significance level varies. Counts can only fall
# as the level tightens.

# %%
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
        ax.plot(sub["threshold"], sub["selective"], marker="o", ms=3, label=cat)
    ax.set_xscale("log")
    ax.set_xlabel("significance level (p threshold, log scale)")
    ax.set_title(f"{name}: " + plots.title_for(res.model_label, res.trained, schematic), fontsize=8)
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
if profile.is_quick:
    print("UNTRAINED networks and SCHEMATIC stimuli: a rehearsal of the method, not the paper's result.")
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
# helped other classes. With the full profile you can check whether the demo photographs give the
# same ordering, and whether it exceeds what the untrained control shows.
#
# One more comparison: the proportion of filters selective for *any* category, per layer, in both
# networks.

# %%
fig, ax = plt.subplots(figsize=(9, 3.6))
for name, res in results.items():
    share = [sel.selective(res[layer], "p", 0.01).any(axis=1).mean() for layer in res.layers]
    ax.plot(list(res.layers), share, marker="o", label=f"{name} ({res.model_label})")
ax.set_xlabel("layer (shallow → deep)")
ax.set_ylabel("proportion of filters selective\nfor at least one category (p ≤ 0.01)")
plt.setp(ax.get_xticklabels(), rotation=60, ha="right")
ax.set_ylim(0, 1)
ax.legend(fontsize=7)
ax.set_title(plots.title_for("Profile's network vs untrained control", result.trained, schematic), fontsize=8)
fig.tight_layout()
plt.show()

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
answer = course.check_answer(answer, expected,
                             "take the column of the mask that belongs to `target` (result.categories.index(target)) "
                             "and average it: the denominator is every filter of the layer",
                             "your proportion equals the bar in the figure.")

# %% [markdown]
# ## Exercise 2: does the deepest layer win under a stricter rule?
#
# With Benjamini–Hochberg correction at q ≤ 0.05, which layer has the largest *proportion* of
# filters selective for `face` (or the first category when the set has no faces) in the
# profile's network? Use `widgets.profile_tables` or `sel.summary_table`, and store the layer
# name in `best_layer` (if several layers tie, the shallowest).

# %% tags=["solution"] jupyter={"source_hidden": true}
cat = "face" if "face" in result.categories else result.categories[0]
best_layer = ...  # your code here: the layer's name, e.g. "block3_conv1"
### BEGIN SOLUTION
t = sel.summary_table(result, criterion="p", threshold=0.05, correction="bh")
best_layer = t[t["category"] == cat].set_index("layer")["proportion"].idxmax()  # idxmax: the first of tied maxima
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
best_layer = course.check_answer(best_layer, course.reference("strongest_layer", result, cat),
                                 "filter the summary table to the category, index it by layer and take idxmax "
                                 "of 'proportion'",
                                 "that layer has the largest corrected proportion.")
print(best_layer)

# %% [markdown]
# ## Summary
#
# - The paper's figure is a table of proportions: selective filters over all filters, per layer and
#   category. Which filters count depends on the rule; the slider shows how much. The shape of the
#   profile (where categories peak) is more trustworthy than any single height.
# - Counts and proportions answer different questions: fully connected layers have eight times more
#   filters than `block5_conv3`, so they can hold the most detectors without being the densest.
# - An untrained network is the baseline any claim about learned detectors must beat (Baek et al.
#   2021). Under the quick profile both panels are untrained (seeds 0 and 1), so everything above is a
#   rehearsal of the method on schematic drawings; run `COURSE_PROFILE=full` for the paper's setting.
#
# **Sources.** The short paper on category selectivity in VGG16 (`../shared/seeds/002_…`);
# K. Simonyan & A. Zisserman, *Very deep convolutional networks for large-scale image recognition*,
# ICLR 2015; S. Baek, M. Song, J. Jang, G. Kim & S.-B. Paik, *Face detection in untrained deep neural
# networks*, Nature Communications 12, 2021; Y. Benjamini & Y. Hochberg, *Controlling the false
# discovery rate*, JRSS B, 1995.
#
# **Next:** notebook 05 looks inside the most selective filters: which images drive them, and what
# image they would like to see.
