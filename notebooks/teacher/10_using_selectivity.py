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
# # 10 · Using selectivity: choosing a layer, measuring visual complexity, your own stimuli
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
# 4. run a complete study on a folder of your own images (the capstone): load, equalise, measure
#    with a control network, plot, and report what a reader needs (the checklist in section 3).
#
# **Estimated time:** about 75 minutes with the demonstration folder (30 reading the text and the
# code, 45 for the four exercises and two Think! prompts; the code runs in under two minutes under
# `quick`); measuring a stimulus set of your own takes longer, mostly to collect the images.
#
# **Prerequisites:** notebooks 03–05 (selectivity, its statistics, layer profiles); the idea of
# cross-validation.

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
from IPython.display import Markdown, display

from helpers.edge import course

profile = course.setup()
display(Markdown(course.describe()))

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

from helpers.analyses.depth import category_means, detector_depth, strong_filter_counts
from helpers.analyses.readout import fit_softmax, readout_accuracy, standardize, stratified_folds
from helpers.analyses.rsa import spearman
from helpers.present import plots
from helpers.stats import selectivity as sel
from helpers.analyses import verdicts
from helpers.labels import title as figure_title

stim = course.stimuli()
acts = course.activations()
result = course.selectivity(acts)
title = figure_title(result)
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
# `readout_accuracy(X, labels, k=5, seed=0)` does all of it with `stratified_folds`,
# `standardize` and `fit_softmax` (full-batch L-BFGS in torch; the problem is convex, so the
# fit is deterministic).
#
# **Think!** The paper proposes the proportion of selective filters as a guide to the best layer.
# Predict: will the layer with the most selective filters also give the best read-out?
#
# <details><summary>Answer</summary>
#
# Not necessarily. A linear read-out combines *all* filters of a layer, so many weakly informative
# filters can beat a few strongly selective ones; the read-out also depends on the number of
# filters and their redundancy. The proportion is a cheap, interpretable proxy; the read-out is the
# direct test. The rank correlation below says how well the proxy tracks it in this network.
# </details>

# %%
# NBVAL_CHECK_OUTPUT
folds = stratified_folds(labels, k=5, seed=0)
for j, (train, test) in enumerate(folds):
    per_cat = np.bincount(labels[test], minlength=len(categories)).tolist()
    print(f"fold {j}: {len(train)} training, {len(test)} test images; test images per category {per_cat}")

# %%
readout = pd.DataFrame({name: readout_accuracy(acts[name], labels, k=5, seed=0) for name in layers}).T
readout.columns = [f"fold {j}" for j in range(readout.shape[1])]
readout["mean"] = readout.mean(axis=1)
readout["sd"] = readout.iloc[:, :5].std(axis=1, ddof=1)
# "Selective for some category" asks one question per filter with one p-value per category:
# sel.selective_any corrects for that (Bonferroni over the categories, then the threshold).
any_category = pd.Series({name: sel.selective_any(result[name], "p", 0.01).mean() for name in layers})
readout["proportion selective"] = any_category
chance = 1 / len(categories)
readout[["mean", "sd", "proportion selective"]].round(3).T

# %% jupyter={"source_hidden": true}
rho = spearman(readout["mean"].to_numpy(), readout["proportion selective"].to_numpy())
best_read, most_sel = readout["mean"].idxmax(), readout["proportion selective"].idxmax()
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [1.6, 1]})
ax = axes[0]
ax.errorbar(layers, readout["mean"], yerr=readout["sd"], marker="o", ms=4, capsize=2,
            label="read-out accuracy (mean ± sd over 5 folds)")
ax.plot(layers, readout["proportion selective"], "s--", ms=4,
        label="proportion of filters selective for some category (Bonferroni over categories, p ≤ 0.01)")
ax.axhline(chance, c="0.4", ls=":", lw=1, label=f"chance accuracy (1/{len(categories)})")
ax.set_ylim(0, 1.05)
ax.set_xlabel("layer (shallow → deep)")
ax.set_ylabel("accuracy on held-out images /\nproportion of filters")
plt.setp(ax.get_xticklabels(), rotation=60, ha="right")
ax.legend(fontsize=8, loc="lower left")
plots.set_title(ax, f"Linear read-out per layer vs selective filters\n{title}", fontsize=8)
ax = axes[1]
dots = ax.scatter(readout["proportion selective"], readout["mean"], c=np.arange(len(layers)), cmap="viridis",
                  vmin=-0.5, vmax=len(layers) - 0.5)
# Fifteen names next to fifteen dots overlap; the colour bar names the layers, and only the two
# layers the comparison is about are labelled on the plot.
bar = fig.colorbar(dots, ax=ax, ticks=range(len(layers)), pad=0.02)
bar.ax.set_yticklabels(layers, fontsize=8)
bar.ax.invert_yaxis()
# The labels sit at fixed places in the lower left, with a line to their dot: the dots of the best
# layers crowd near accuracy 1, where labels next to them would run into each other and the title.
marks = ([(best_read, "best read-out and most selective", 0.22)] if best_read == most_sel else
         [(best_read, "best read-out", 0.22), (most_sel, "most selective", 0.08)])
for name, text, y in marks:
    ax.annotate(f"{text}: {name}", (readout.loc[name, "proportion selective"], readout.loc[name, "mean"]),
                xytext=(0.04, y), textcoords="axes fraction", ha="left", va="bottom", fontsize=8,
                arrowprops={"arrowstyle": "-", "lw": 0.6, "color": "0.4"})
ax.set_xlabel("proportion of filters selective for some category")
ax.set_ylabel("read-out accuracy (mean over folds)")
plots.set_title(ax, f"One dot per layer (colour: depth); Spearman ρ = {rho:.2f}", fontsize=8)
fig.tight_layout()
plt.show()
print(f"Best read-out: {best_read} ({readout.loc[best_read, 'mean']:.2f}); most selective filters: {most_sel} "
      f"({readout.loc[most_sel, 'proportion selective']:.0%} of its filters, read-out {readout.loc[most_sel, 'mean']:.2f}).")
# Whether the proxy "disagrees" is a comparison of two read-outs with their spread over folds, and
# it is meaningless where both sit at the ceiling of accuracy 1.
print("The proxy and the read-out point to the same layer." if best_read == most_sel else
      verdicts.difference(readout.loc[best_read, "mean"], readout.loc[most_sel, "mean"],
                          readout.loc[best_read, "sd"], readout.loc[most_sel, "sd"],
                          names=(f"{best_read} (best read-out)", f"{most_sel} (most selective)"),
                          quantity="read-out accuracy", ceiling=1.0, margin=0.05, spread_name="sd over folds"))
at_ceiling = readout.index[readout["mean"] >= 0.95]
print(verdicts.shows(f"{len(at_ceiling)} of {len(layers)} layers read out at 0.95 or more"
                     + (f" (the shallowest of them {at_ceiling[0]}): the read-out separates these categories almost perfectly "
                        "there, so it cannot rank those layers." if len(at_ceiling) else
                        ": no layer is at ceiling, so the read-out can rank them.")))

# %% [markdown]
# Two cautions. Fifteen layers are fifteen points: a rank correlation over them is a description,
# not a test with much power. And a linear read-out combines *all* filters of a layer, so
# individually unselective filters can still support an excellent read-out.

# %% [markdown]
# ## Exercise 1: predict, then verify: choose a layer
#
# The paper proposed that the layers richest in selective filters make the best feature
# extractors. **Predict** from the selectivity profile above, before reading the read-out
# numbers: which layer will a linear read-out prefer? Store it in `predicted_layer`. **Then
# verify**: from the `readout` table, find the layer with the highest mean read-out accuracy (if
# several layers tie, take the shallowest) and store its name in `best_layer`.

# %% tags=["solution"] jupyter={"source_hidden": true}
predicted_layer = ...  # your code here: your prediction, a layer name, written before computing
best_layer = ...  # your code here: the layer's name, e.g. "block3_conv1"
### BEGIN SOLUTION
predicted_layer = "block5_conv3"  # the teacher's guess; any layer name is a valid prediction
best_layer = readout["mean"].idxmax()  # idxmax returns the first (shallowest) of tied maxima
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
best_layer_used = course.check_answer(best_layer, course.reference("best_readout_layer", readout),
                                      "the table's index holds the layers; which pandas method returns the index "
                                      "of the largest value, and which of several equal ones?",
                                      "that is the layer a linear read-out prefers.",
                                      choices=list(readout.index), exercise="10.1")
print(best_layer_used, round(readout.loc[best_layer_used, "mean"], 3))
course.verify_prediction(predicted_layer, best_layer_used, "the read-out's best layer")

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
# at every depth (`strong_filter_counts`, `category_means`).

# %%
all_means = np.concatenate([category_means(acts[name], labels, len(categories)).ravel() for name in layers])
level = float(np.nanquantile(all_means, 0.95))
strong = strong_filter_counts(acts, labels, categories, level)
print(f"level = {level:.3f} (95th percentile of category means of normalised activation)")
strong.pivot(index="layer", columns="category", values="n_strong").loc[layers]

# %% [markdown]
# Where do a category's detectors sit? `detector_depth(table, weight=...)` averages the layers'
# depths (0 = `block1_conv1`), weighting each layer by its **proportion** of detectors. Weighting by
# the *count* instead answers another question ("where does the average detector sit?"), and in
# VGG16 it is dominated by size: fc1 and fc2 hold 8192 of the 12,416 filters.
#
# **Think!** For the same table, will the count-weighted mean depth be larger or smaller than the
# proportion-weighted one?
#
# <details><summary>Answer</summary>
#
# Usually larger (deeper): the deep layers have the most filters (512 in blocks 4–5, 4096 in fc1
# and fc2 against 64 in block 1), so the same proportion of detectors means many more of them
# there. The table below shows both, and how many detectors each mean rests on.
# </details>

# %% jupyter={"source_hidden": true}
table_sel = sel.summary_table(result, "p", 0.01)
depth = pd.DataFrame({
    "strong: proportion-weighted": detector_depth(strong, weight="proportion"),
    "strong: count-weighted": detector_depth(strong, weight="n_strong"),
    "selective: proportion-weighted": detector_depth(table_sel, weight="proportion"),
    "n strong (all layers)": strong.groupby("category", sort=False)["n_strong"].sum(),
    "n selective (all layers)": table_sel.groupby("category", sort=False)["n_selective"].sum()}).loc[categories]
deeper = (depth["strong: count-weighted"] > depth["strong: proportion-weighted"]).sum()
print(f"Count weighting puts the strongly responding filters deeper for {deeper} of "
      f"{depth['strong: count-weighted'].notna().sum()} categories.")

fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1.5, 1]})
ax = axes[0]
for cat, sub in strong.groupby("category", sort=False):
    ax.plot(sub["layer"], sub["proportion"], marker="o", ms=4, label=cat, color=plots.category_colour(cat))
ax.set_xlabel("layer (shallow → deep)")
ax.set_ylabel("proportion of filters that\nrespond strongly to the category")
plt.setp(ax.get_xticklabels(), rotation=60, ha="right")
ax.legend(title="category", fontsize=8, title_fontsize=8)
plots.set_title(ax, f"Strongly responding filters per layer (mean normalised activation ≥ {level:.2f})", fontsize=8)
ax = axes[1]
x = np.arange(len(categories))
for offset, col, n_col, label in ((-0.2, "strong: proportion-weighted", "n strong (all layers)", "strongly responding"),
                                  (0.2, "selective: proportion-weighted", "n selective (all layers)",
                                   "selective (p ≤ 0.01)")):
    values = depth[col].to_numpy(dtype=float)
    # Bars start half a layer below block1_conv1 (depth 0), so that detectors in the first layer
    # still get a visible bar.
    bars = ax.bar(x + offset, np.nan_to_num(values, nan=-0.5) + 0.5, bottom=-0.5, width=0.4, label=label)
    # Every category keeps its bar and says how many filters its mean rests on (n = 0: no bar).
    ax.bar_label(bars, labels=[f"n={n}" if np.isfinite(v) else "none" for v, n in zip(values, depth[n_col])],
                 fontsize=8, padding=2)
ax.set_xticks(x, categories)
ax.set_yticks(range(len(layers)), layers, fontsize=8)
ax.set_ylim(-0.5, len(layers) - 0.5)
ax.set_ylabel("mean depth of the detectors\n(proportion-weighted)")
ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
plots.set_title(ax, "Where each category's detectors sit (n: filters behind each mean)", fontsize=8)
fig.suptitle(title, fontsize=8)
fig.tight_layout()
plt.show()
depth.round(2)

# %% [markdown]
# Reading it: a mean depth computed from a handful of filters (see the n above each bar) means
# little, so compare categories that have enough of them. A category whose strongly responding filters sit
# at a smaller mean depth is served by shallower, simpler features; in the paper's terms its
# detectors have shifted to lower layers. The paper observed that cars and face-like objects
# (pareidolia) drove many filters in low layers, perhaps because of distinctive image statistics in
# those categories. For an experiment one would
# compare categories on these profiles and, if they differ, choose other images or model the
# difference. Two cautions: the profile depends on the network (a trained network's, not an
# untrained one's, is the relevant description of learned features), and on the rest of the
# stimulus set, since eq. 1 normalises each filter over all images together.

# %%
enough = depth[depth["n strong (all layers)"] >= 10]["strong: proportion-weighted"].dropna()
if len(enough) >= 2:
    low, high = enough.idxmin(), enough.idxmax()
    print(verdicts.shows(
        f"among categories with at least 10 strongly responding filters, {low!r} has the shallowest detectors "
        f"(mean depth {enough[low]:.1f}) and {high!r} the deepest ({enough[high]:.1f}), {enough[high] - enough[low]:.1f} "
        "layers apart. No interval was computed: a bootstrap over images would be needed before calling one set "
        "visually simpler."))
else:
    print("Fewer than two categories have 10 or more strongly responding filters: no comparison of depth is "
          "worth making here.")
if not result.trained:
    print("UNTRAINED network: these depths describe random features, not learned ones.")

# %% [markdown]
# ## Exercise 2: count by hand
#
# Count the filters of `block3_conv3` that respond strongly to the first category: compute the
# category means with `category_means(A, labels, n_categories)` (shape: filters × categories)
# and count those at or above `level` (silent filters are NaN and never count). Store the count in
# `n_strong_first`.

# %% tags=["solution"] jupyter={"source_hidden": true}
n_strong_first = ...  # your code here: the count, an integer
### BEGIN SOLUTION
M = category_means(acts["block3_conv3"], labels, len(categories))
n_strong_first = int(np.sum(np.nan_to_num(M[:, 0], nan=-1.0) >= level))
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
_expected = strong.set_index(["layer", "category"]).loc[("block3_conv3", categories[0]), "n_strong"]
n_strong_first_used = course.check_answer(n_strong_first, int(_expected),
                                          "one column of the category means belongs to the first category; "
                                          "how does NaN compare with a number?",
                                          "your count matches the table.", exercise="10.2")
print(n_strong_first_used)

# %% [markdown]
# ## Challenge: the proportion-weighted depth
#
# Write `my_depth(table)`: for a table with columns `category`, `depth` and `proportion` (like
# `strong` or `table_sel`), return a `dict` {category: mean depth}, where each layer's depth is
# weighted by its proportion of detectors, Σ proportion × depth / Σ proportion, and a category
# with no detector anywhere gets `np.nan`. The check compares your function with
# `detector_depth(table, weight="proportion")` on both tables and on a made-up one where one
# category has no detector.

# %% tags=["solution"] jupyter={"source_hidden": true}
def my_depth(table):
    ...  # your code here: return {category: mean depth}
    ### BEGIN SOLUTION
    out = {}
    for cat, sub in table.groupby("category", sort=False):
        w = sub["proportion"].to_numpy(dtype=float)
        out[cat] = float((w * sub["depth"].to_numpy()).sum() / w.sum()) if w.sum() > 0 else np.nan
    return out
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
made_up = pd.DataFrame({"category": ["a", "a", "a", "b", "b", "b"], "depth": [0, 1, 2, 0, 1, 2],
                        "proportion": [0.5, 0.0, 0.25, 0.0, 0.0, 0.0]})
my_depth_used = course.check_function(my_depth, lambda t: detector_depth(t, weight="proportion").to_dict(),
                                      [(strong,), (table_sel,), (made_up,)],
                                      "case 3 is made up so that you can work it out on paper; what is a weighted "
                                      "mean whose weights are all 0?",
                                      "your depths match detector_depth.", exercise="10.3")

# %% [markdown]
# ## 3. Capstone: measure your own stimulus set, end to end
#
# Everything in this course runs on any folder with one sub-folder per category (a further level
# of folders names subcategories, e.g. dog breeds):
#
# ```
# my_stimuli/
#     face/       *.jpg, *.png, ...
#     house/
#     tool/
#     dog/beagle/ ...   (optional: subcategories)
# ```
#
# From the command line (writes `selectivity_by_layer.csv`, a figure and `run.json`):
#
# ```bash
# .venv/bin/python -m helpers report --stimuli my_stimuli --out results/ --profile full
# ```
#
# (add `--criterion index --threshold 0.5`, `--correction bh`, `--layers block5_conv3 fc1`, or
# `--untrained` for the control). From Python, a study is six steps; below they run on a small
# folder we first write to disk ourselves (sixteen images per category of the profile's stimulus
# set, two layers), so replace the folder with yours:
#
# 1. **Load** (`load_folder`): check the categories, the counts and what was skipped.
# 2. **Equalise** (`equalize_set`): give every image the same mean luminance and RMS
#    contrast (optionally the same amplitude spectrum: SHINE, Willenbockel et al. 2010), so that
#    selectivity cannot come from brightness or contrast alone.
# 3. **Collect** the per-filter maxima (`activations.collect`) for the network **and a control**
#    (the same architecture untrained, `course.control_model()`).
# 4. **Analyze** (`selectivity.analyze`): eq. 1, eq. 2, the permutation test, the image bootstrap.
# 5. **Plot** the layer profile of both networks (`plots.plot_layer_profile`).
# 6. **Report** with the checklist below.
#
# **The checklist: what a reader needs to judge your numbers.**
#
# | item | what to state |
# |---|---|
# | network | architecture, weights (which training), the layers measured |
# | stimuli | source, licence, how they were made comparable (equalisation), image size |
# | n per category | images in each category (after skipped files) |
# | test | criterion (p-value of the permutation test, or the share of eq. 2), threshold, permutations |
# | correction | for many filters: Benjamini–Hochberg (q), or none and why |
# | intervals | what the error bars are (bootstrap over images, Wilson over filters) and their level |
# | controls | the untrained network; ideally also unequalised images, or other stimulus sets |

# %%
import tempfile
from pathlib import Path

from helpers.cnn import activations
from helpers.stimuli.equalize import equalize_set, luma
from helpers.stimuli.sets import load_folder

folder = Path(tempfile.mkdtemp(prefix="my_stimuli_"))
N_PER_CATEGORY = 16
picked = np.concatenate([np.flatnonzero(labels == c)[:N_PER_CATEGORY] for c in range(len(categories))])
stim.subset(picked).save(folder)
print(sorted(p.name for p in folder.iterdir()))

# %%
# NBVAL_CHECK_OUTPUT
own = load_folder(folder, preprocess=stim.preprocess)  # one sub-folder per category, sorted by name
print(own.categories, own.counts(), f"skipped: {len(own.skipped)}")

# %%
import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    own_eq = equalize_set(own)
for w in caught:  # report, don't hide: clipped pixels miss the targets
    print("Note:", w.message)
before = luma(own.images())
after = luma(own_eq.images())
print(own_eq.source)
pd.DataFrame({"mean luma before": [before[own.labels == c].mean() for c in range(len(own.categories))],
              "mean luma after": [after[own.labels == c].mean() for c in range(len(own.categories))]},
             index=own.categories).round(1)

# %%
import gc

STUDY_LAYERS = ["block3_conv3", "block5_conv3"]
N_PERM = 1000
# One network at a time: each is loaded, measured and let go (two VGG16s at once, beside this
# notebook's work, would not fit in Binder's 2 GB).
networks = {"network": course.model, "control": course.control_model}
studies = {}
for role, load in networks.items():
    net = load()
    own_acts = activations.collect(net, own_eq, layers=STUDY_LAYERS, batch_size=4, progress=False, cache=False)
    del net
    gc.collect()  # a network's hooks can hold it in a reference cycle: free it before loading the next
    studies[role] = sel.analyze(own_acts, n_permutations=N_PERM, seed=0)
tables = {role: sel.summary_table(r, criterion="p", threshold=0.05, correction="bh") for role, r in studies.items()}
cols = ["layer", "category", "n_selective", "n_filters", "proportion", "ci_low", "ci_high", "wilson_low", "wilson_high"]
tables["network"][cols].round(3)

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 3.8), sharey=True)
for ax, (role, table), legend in zip(axes, tables.items(), ["none", "outside"]):
    plots.plot_layer_profile(table, ax=ax, legend=legend,
                             title=f"{role}: selective filters (BH q ≤ 0.05)\n{figure_title(studies[role])}")
    ax.title.set_fontsize(8)
fig.tight_layout()
plt.show()

# %% [markdown]
# **Why are the error bars so wide?** They are bootstrap intervals over *images*: the images of each
# category are resampled with replacement and the whole measurement repeated, so the interval says
# how much the proportion would move with another draw of stimuli of the same kind. That is the
# uncertainty a reader cares about, and with a handful of images per category (`N_PER_CATEGORY`
# above) it is large. The Wilson interval (columns `wilson_low`, `wilson_high`) treats the filters
# of a layer as independent coin flips and ignores the choice of images, so it answers another
# question; whether it comes out narrower here is printed below, row by row. With more images per
# category (the paper used 75) the bootstrap interval shrinks.

# %%
t = tables["network"]
if (t["n_selective"] == 0).all():
    print(f"No filter passes BH at q ≤ 0.05 with {N_PER_CATEGORY} images per category: the study has too little "
          "power to find anything; collect more images before reading the profile.")
boot_w, wilson_w = (t["ci_high"] - t["ci_low"]), (t["wilson_high"] - t["wilson_low"])
n_wider = int((boot_w > wilson_w).sum())
print(f"With {N_PER_CATEGORY} images per category, the bootstrap interval is wider than Wilson's in {n_wider} of "
      f"{len(t)} rows (median widths {boot_w.median():.3f} vs {wilson_w.median():.3f})"
      + ("." if n_wider in (0, len(t)) else
         f"; in the other {len(t) - n_wider} rows it is not, so 'the bootstrap is wider' is no rule here."))
diff = (tables["network"].set_index(["layer", "category"])["proportion"]
        - tables["control"].set_index(["layer", "category"])["proportion"])
where = diff.abs().idxmax()
print(f"Largest difference in the proportion, network − control: {diff[where]:+.3f} ({where[1]!r} in {where[0]}); "
      + ("both are untrained here, so any difference is chance and initialisation." if not studies["network"].trained
         else "a difference training made, to be read against the intervals above (one control seed, "
              f"{N_PER_CATEGORY} images per category)."))

# %% [markdown]
# The report, filled in from the objects themselves (so it cannot drift from what was run):

# %%
res = studies["network"]
report = {
    "network": f"{res.model_label}; layers {', '.join(STUDY_LAYERS)}",
    "stimuli": own_eq.source,
    "n per category": own.counts(),
    "test": f"permutation test of eq. 2 (p ≤ 0.05), {N_PERM} shuffles per filter (more where BH needed them)",
    "correction": f"Benjamini–Hochberg over the filters of each layer and category ({t['correction'].iloc[0]})",
    "intervals": t["ci_method"].iloc[0],
    "controls": f"{studies['control'].model_label}, same images and settings",
}
for item, value in report.items():
    print(f"- {item}: {value}")

# %% [markdown]
# Last, the paper's claims scored on this study by the function that closes notebook 05
# (`claims.scorecard`): network and control side by side, each claim with its operational
# definition, the numbers, a bootstrap interval and a verdict. With two layers and 16 images per
# category several claims cannot be scored, and each of those rows says what is missing. A study
# that wants a verdict on them needs the layers and the images the rows name.

# %%
from helpers.analyses import claims

missing = claims.paper_categories_missing(own.categories)
if missing:
    print(f"No scorecard: the study lacks the paper's categories {missing}.")
else:
    split = claims.essay_classes(own.labels, own.categories, own.subcategories)
    study_card = claims.scorecard(studies["network"], studies["control"],
                                  essay_reason=f"not run: {split.reason}" if split.reason else
                                  "not run here: notebook 05 shows how (helpers.analyses.breeds.essay_experiment)")
    print(study_card.to_text())

# ## Exercise 3 (capstone deliverable): your report's conclusion
#
# The checklist above is filled in from the objects. The deliverable of the capstone is the part no
# object can write: your **conclusion**, four to six sentences stored in `conclusion`, for your own
# folder (or, as a rehearsal, for the one above). It must state
#
# 1. which network and which layers you measured;
# 2. the main result, with a number from the tables (a proportion, or the difference to the control);
# 3. how it compares with the untrained control;
# 4. how uncertain it is (the intervals);
# 5. one limitation, and what you would do next.
#
# The check looks for each of the five parts (not for right numbers: your teacher reads those).

# %% tags=["solution"] jupyter={"source_hidden": true}
conclusion = ...  # your code here: four to six sentences in quotes, e.g. conclusion = """..."""
### BEGIN SOLUTION
# Rubric (teacher edition only): one point for each of
# (1) network and layers named; (2) a number quoted from the tables, matching them;
# (3) the comparison with the untrained control, in the direction the tables show;
# (4) the bootstrap intervals (their width) mentioned; (5) a real limitation (images per
# category, one control seed, equalisation clipping, drawings) and a next step that addresses it.
# The check only confirms that the text is there and touches each point; read the argument.
conclusion = f"""We measured {res.model_label} in {' and '.join(STUDY_LAYERS)} on {N_PER_CATEGORY}
equalised images per category. The largest difference in the proportion of selective filters
(BH q 0.05), network minus untrained control, is {diff[where]:+.3f}, for {where[1]} in {where[0]}.
The bootstrap intervals over images (median width {boot_w.median():.2f}) are wide, so single bars
are uncertain. The main limitation is the small number of images per category and a single
control seed; next we would collect more images per category and repeat with other control seeds."""
### END SOLUTION

# %%
course.check_text(
    conclusion,
    {"which network and layers": ['block', 'fc1', 'fc2', 'layer'],
     "a number from the tables": ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
     "the comparison with the untrained control": ['untrained', 'control'],
     "how uncertain it is": ['interval', 'bootstrap', 'uncertain', 'CI', 'error bar'],
     "a limitation and a next step": ['limit', 'only', 'few', 'small', 'caveat', 'next', 'more images']},
    min_words=40, exercise="10.4")

# %% [markdown]
# With 16 images per category and two layers this is a rehearsal: a real study wants dozens of
# images per category and every layer. Clean up the temporary folder when done:

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
# - Detector depth is best weighted by each layer's proportion of detectors (`detector_depth`);
#   always show how many filters a mean rests on.
# - A study of your own stimuli: load → equalise → collect (network and untrained control) →
#   analyze → plot → report, with the checklist (network, stimuli, n per category, test,
#   correction, intervals, controls); `python -m helpers report --stimuli DIR` does the middle.
# - Every title names the network and the stimuli: an untrained network's numbers exercise the
#   methods and say nothing about VGG16 trained on ImageNet.
#
# **Sources.**
#
# - The paper (its discussion section proposes both uses): K. Malakhova, *Representation of
#   Categories in Filters of Deep Neural Networks*, Proceedings of the IEEE Conference on Computer
#   Vision and Pattern Recognition Workshops (CVPRW), 2018, pp. 1973–1975,
#   doi:[10.1109/CVPRW.2018.00265](https://doi.org/10.1109/CVPRW.2018.00265).
# - The essay (the limits of reading selectivity as visual): K. Malakhova, *Why Latent
#   Representations in Convolutional Neural Networks Fall Outside Visual Space*, MODVIS Workshop
#   (Computational and Mathematical Models in Vision), St. Petersburg, Florida, 2018,
#   <https://docs.lib.purdue.edu/modvis/2018/session02/3>.
#
# Other sources: V. Willenbockel et al., *Controlling
# low-level image properties: the SHINE toolbox*, Behavior Research Methods, 2010; K. Simonyan &
# A. Zisserman, ICLR 2015 (VGG16); L. Fei-Fei, R. Fergus &
# P. Perona, *Learning generative visual models from few training examples*, CVPR Workshop on
# Generative-Model Based Vision, 2004 (Caltech-101, the source of the full profile's photographs).
#
# This is the last notebook of the course. Go back to notebook 05 with `COURSE_PROFILE=full` to see
# the paper's setting, to notebook 09 for a network whose training we know, or point the pipeline
# at your own stimuli.
