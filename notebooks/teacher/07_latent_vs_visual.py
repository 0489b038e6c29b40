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
# # 06 · Latent space is not visual space
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/teacher/07_latent_vs_visual.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. check whether a "dog-selective" filter really ranks dogs above everything else, and measure
#    the overlap between categories with the ROC AUC, computed from ranks in NumPy;
# 2. compare a network's representations with pixel space across depth by representational
#    similarity analysis (RDMs, Spearman correlation);
# 3. find pairs of images that look alike in pixels but lie far apart deep in the network, and the
#    reverse;
# 4. look for a selective filter that is *inhibited* by members of its own category, after and
#    before the ReLU;
# 5. state what these analyses can and cannot show when the network is untrained and the images are
#    drawings.
#
# **Estimated time:** about 45 minutes.
#
# **Prerequisites:** notebooks 03–05 (selectivity, layer profiles, representative filters).

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
# ## The essay's claim
#
# The essay in `../shared/seeds/000_…` argues, in short: ImageNet classifiers are trained with
# cross-entropy, which treats all classes as equally far apart, so mistaking a dog for a car costs
# as much as mistaking one dog breed for another. Nothing in that objective asks visually similar
# images to stay close in the deep layers. On the contrary, a unit may be tuned to *separate*
# similar images. The essay gives three symptoms:
#
# 1. images of other categories (cars, cups) can drive a "dog-selective" unit harder than some dogs
#    do;
# 2. visually similar images need not be similar in latent space;
# 3. a unit highly selective for some members of a category can be *inhibited* by other members of
#    the same category.
#
# Each section below turns one symptom into a measurement.
#
# **What the quick profile can show.** Under `quick` the network is *untrained* and the images are
# schematic drawings, so cross-entropy training, the essay's proposed cause, is absent. What you see
# then is how far random weights alone produce the same symptoms: a baseline, not a test of the
# essay. Only the `full` profile (ImageNet-trained VGG16 and photographs, with cups among the
# categories) speaks to the claim itself.

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
model = course.model()
schematic = bool(acts.meta.get("schematic"))
title = plots.title_for(result.model_label, result.trained, schematic)
categories = result.categories
labels = acts.labels
TARGET = "dog" if "dog" in categories else categories[-1]
t = categories.index(TARGET)
print(title)
print(stim)

# %% [markdown]
# ## 1. A "dog-selective" filter and the images that beat dogs
#
# We look for the filter the selectivity measure likes best for dogs in the deep layers
# (`block5_conv3`, `fc1`, `fc2`): among the filters that pass the permutation test for dogs at
# p ≤ 0.01, the one with the largest share of eq. 2. Notebook 05 showed one trap of the share: a
# filter that fires for a handful of images only can reach a share near 1. A detector worth the
# name should respond to typical members of its category, so we also require that the filter
# responds at all (activation above 0) to at least half of the dogs. (If no filter meets both
# conditions we relax them in turn and say so.)

# %%
DEEP = [name for name in ("block5_conv3", "fc1", "fc2") if name in result.layers]
candidates = []
for name in DEEP:
    L = result[name]
    for f in np.flatnonzero(~L.silent):
        responds = float((acts[name][labels == t, f] > 0).mean())
        candidates.append((name, int(f), L.index[f, t], L.p[f, t], responds))
cand = pd.DataFrame(candidates, columns=["layer", "filter", "index", "p", "responds to"])
rules = [("p ≤ 0.01 and responds to ≥ half of them", (cand["p"] <= 0.01) & (cand["responds to"] >= 0.5)),
         ("p ≤ 0.01", cand["p"] <= 0.01),
         ("smallest p-value", cand["p"] == cand["p"].min())]
rule, keep = next((r, k) for r, k in rules if k.any())
row = cand[keep].sort_values(["index", "p"], ascending=[False, True]).iloc[0]
LAYER, FILTER = str(row["layer"]), int(row["filter"])
print(f"{int(keep.sum())} deep filters meet the rule '{rule}' for {TARGET!r}.")
print(f"Chosen: {LAYER} filter {FILTER}: share {row['index']:.3f} (chance {1 / len(categories):.2f}), "
      f"p = {row['p']:.4f}, responds to {row['responds to']:.0%} of the {TARGET} images")

# %% [markdown]
# Now sort all images by this filter's activation. If the filter were a perfect dog detector, every
# dog would rank above every other image. The figure shows the activation of each image, grouped by
# category; the dashed line marks the weakest dog.

# %%
score = acts[LAYER][:, FILTER].astype(np.float64)
is_target = labels == t
weakest = score[is_target].min()

fig, ax = plt.subplots(figsize=(7.5, 3.4))
rng = np.random.default_rng(0)
for c, cat in enumerate(categories):
    y = score[labels == c]
    ax.scatter(c + rng.uniform(-0.2, 0.2, len(y)), y, s=14, alpha=0.8)
ax.axhline(weakest, ls="--", c="0.3", lw=1, label=f"weakest {TARGET}")
ax.set_xticks(range(len(categories)), categories)
ax.set_xlabel("category")
ax.set_ylabel(f"{LAYER} filter {FILTER}\nmaximum activation (a.u.)")
ax.set_title(f"Activation of the chosen '{TARGET}' filter, per image\n{title}", fontsize=8)
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# How much do the categories overlap? Three numbers:
#
# - how many non-dog images score **above the weakest dog**, and how many dogs score **below the
#   strongest non-dog**;
# - the **ROC AUC** of the filter for dogs against everything else: the probability that a randomly
#   drawn dog activates the filter more than a randomly drawn non-dog (ties count one half); 1 means
#   no overlap at all, 0.5 no preference;
# - per other category, the probability that one of its images beats a random dog, which is
#   1 − AUC of dogs against that category alone.

# %%
others = ~is_target
above = int((score[others] > weakest).sum())
strongest_other = score[others].max()
below = int((score[is_target] < strongest_other).sum())
auc = an.roc_auc(score, is_target)
print(f"non-{TARGET} images above the weakest {TARGET}: {above} of {others.sum()}")
print(f"{TARGET} images below the strongest non-{TARGET}: {below} of {is_target.sum()}")
print(f"ROC AUC ({TARGET} vs rest): {auc:.3f}")
beats = {}
for c, cat in enumerate(categories):
    if c == t:
        continue
    pair = (labels == t) | (labels == c)
    beats[cat] = 1 - an.roc_auc(score[pair], labels[pair] == t)
pd.Series(beats, name=f"P(image beats a random {TARGET})").round(3).to_frame()

# %% [markdown]
# The essay's figure 1 in miniature: the non-dog images that drive the filter hardest (top row)
# next to the dogs that drive it least (bottom row), each titled with category and activation.

# %%
k = 6
top_other = np.flatnonzero(others)[np.argsort(-score[others], kind="stable")[:k]]
low_target = np.flatnonzero(is_target)[np.argsort(score[is_target], kind="stable")[:k]]
idx = np.concatenate([top_other, low_target])
fig, axes = plt.subplots(2, k, figsize=(1.8 * k, 5.6))
plots.image_grid(stim.images(idx), titles=[f"{categories[labels[i]]}\n{score[i]:.3g}" for i in idx], axes=axes)
fig.suptitle(f"{LAYER} filter {FILTER}: strongest non-{TARGET} images (top) vs weakest "
             f"{TARGET} images (bottom)\n{title}", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 2. How well does one filter separate its category? AUC across layers
#
# The share of eq. 2 and the AUC answer different questions. The share asks where most of a filter's
# activation goes; the AUC asks whether the filter *orders* the images by category. A filter can put
# most of its activation on dogs because a few dogs drive it very hard, while many dogs leave it
# silent: high share, modest AUC.
#
# `an.roc_auc(scores, positive)` computes the AUC from ranks (the Mann–Whitney statistic divided by
# the number of positive–negative pairs) for all filters of a layer at once. For every filter we
# take the AUC for its *preferred* category, the one with its largest share.

# %%
rows = []
for name, A in acts.items():
    L = result[name]
    alive = np.flatnonzero(~L.silent)
    pref = np.nanargmax(L.index[alive], axis=1)
    aucs = np.column_stack([an.roc_auc(A[:, alive], labels == c) for c in range(len(categories))])
    best_auc = aucs[np.arange(len(alive)), pref]
    rows += [{"layer": name, "filter": f, "preferred": categories[p], "auc": a, "share": L.index[f, p]}
             for f, p, a in zip(alive, pref, best_auc)]
aucs_df = pd.DataFrame(rows)

fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), gridspec_kw={"width_ratios": [2, 1]})
order = list(acts)
axes[0].boxplot([aucs_df.loc[aucs_df["layer"] == n, "auc"] for n in order], showfliers=False)
axes[0].set_xticks(range(1, len(order) + 1), order, rotation=60, ha="right")
axes[0].axhline(0.5, ls="--", c="0.4", lw=1)
axes[0].set_xlabel("layer (shallow → deep)")
axes[0].set_ylabel("ROC AUC for the filter's\npreferred category (0.5 = chance)")
axes[0].set_title(f"Single-filter separation per layer\n{title}", fontsize=8)
deep = aucs_df[aucs_df["layer"] == LAYER]
for cat in categories:
    sub = deep[deep["preferred"] == cat]
    axes[1].scatter(sub["share"], sub["auc"], s=8, alpha=0.6, label=cat)
axes[1].set_xlabel(f"share of eq. 2 for the preferred category ({LAYER})")
axes[1].set_ylabel("ROC AUC")
axes[1].set_title(f"{LAYER}: share vs AUC, one dot per filter", fontsize=8)
axes[1].legend(fontsize=7, title="preferred", title_fontsize=7)
fig.tight_layout()
plt.show()

summary_auc = aucs_df.groupby("layer", sort=False)["auc"].agg(
    median="median", best="max", share_above_0_9=lambda a: (a >= 0.9).mean())
summary_auc.round(3).T

# %% [markdown]
# ## Exercise 1: the AUC from ranks
#
# Write `my_auc(scores, positive)` for one filter (1-D `scores`, boolean `positive`): rank all
# scores (ties get their average rank; `an.rankdata` does that), add up the ranks of the positives,
# subtract n₁(n₁+1)/2 and divide by n₁·n₀. Equivalently, count the positive–negative pairs in which
# the positive scores higher, counting ties as one half. The check compares it with `an.roc_auc` on
# the chosen filter.

# %% tags=["solution"] jupyter={"source_hidden": true}
def my_auc(scores, positive):
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    ...  # your code here: return the AUC, a number between 0 and 1
    ### BEGIN SOLUTION
    r = an.rankdata(scores)
    n1, n0 = positive.sum(), (~positive).sum()
    return (r[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
my_auc = course.check_function(
    my_auc, an.roc_auc, [(score, is_target)],
    "rank with an.rankdata, sum the ranks of the positives, subtract n1*(n1+1)/2, divide by n1*n0",
    "your AUC matches the rank-based AUC.")

# %% [markdown]
# ## 3. Visual similarity across depth: representational similarity analysis
#
# Representational similarity analysis (Kriegeskorte, Mur & Bandettini, 2008, *Frontiers in Systems
# Neuroscience*) compares representations that live in different spaces through the *distances*
# they put between the same items. For each representation we build a representational
# dissimilarity matrix (RDM): entry (i, j) is 1 − the Pearson correlation between the
# representations of images i and j. Two RDMs are then compared by the Spearman correlation of their
# entries above the diagonal.
#
# Pixel space has a layout: two images are similar when the same places have the same colours. The
# paper's per-filter maxima forget *where* a filter fired, so even the first layer would look far from
# pixel space for that reason alone. We therefore also build a layout-preserving representation:
# every activation map averaged over a 4 × 4 grid of regions (`an.pooled_activations`). Finally a
# *category model* RDM (0 for two images of the same category, 1 otherwise) asks how much each
# layer's geometry is organised by category.

# %%
pixels = stim.images().reshape(len(stim), -1)  # uint8; an.rdm converts a slice at a time
rdm_pixels = an.rdm(pixels)
rdm_category = (labels[:, None] != labels[None, :]).astype(np.float64)
# Batches of 8 images keep the forward pass small at 224 px (full profile); speed is the same.
pooled = an.pooled_activations(model, stim, list(acts), grid=4, batch_size=8)
rdms_pooled = {name: an.rdm(X) for name, X in pooled.items()}
rdms_max = {name: an.rdm(A) for name, A in acts.items()}

rsa = pd.DataFrame({
    "pixels ~ 4×4 pooled maps": {n: an.compare_rdms(rdm_pixels, D) for n, D in rdms_pooled.items()},
    "pixels ~ per-filter maxima": {n: an.compare_rdms(rdm_pixels, D) for n, D in rdms_max.items()},
    "category ~ 4×4 pooled maps": {n: an.compare_rdms(rdm_category, D) for n, D in rdms_pooled.items()},
})
rsa.index.name = "layer"

# %%
# NBVAL_CHECK_OUTPUT
print(f"pixel RDM: {rdm_pixels.shape}, from {pixels.shape[1]} pixel values per image")
print({name: X.shape[1] for name, X in list(pooled.items())[::7]})

# %%
fig, ax = plt.subplots(figsize=(9, 3.8))
for col, style in zip(rsa.columns, ["-o", "--o", ":s"]):
    ax.plot(rsa.index, rsa[col], style, ms=4, label=col)
ax.axhline(0, c="0.5", lw=0.8)
ax.set_xlabel("layer (shallow → deep)")
ax.set_ylabel("Spearman correlation\nbetween RDMs")
plt.setp(ax.get_xticklabels(), rotation=60, ha="right")
ax.set_title(f"How each layer's geometry relates to pixel space and to categories\n{title}", fontsize=8)
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
print("Spearman correlation with the pixel RDM, first vs last layer (4×4 pooled): "
      f"{rsa.iloc[0, 0]:.2f} → {rsa.iloc[-1, 0]:.2f}")

# %% [markdown]
# With the layout kept, the agreement with pixel space falls with depth: each stage of the network
# discards more of the pixel arrangement. In a trained network one expects the category curve to rise
# towards the top, the fingerprint of a representation organised for the training objective rather
# than for appearance. Under the quick profile (random weights) watch instead how much of the fall
# needs no training at all.
#
# The RDMs themselves, images sorted by category (the lines mark category borders). Each matrix is
# shown as percentiles of its own distances, the scale RSA compares, so that all panels share one
# colour bar.

# %%
def as_percentiles(D):
    """The RDM with each off-diagonal distance replaced by its percentile among all pairs."""
    iu = np.triu_indices(len(D), k=1)
    P = np.zeros_like(D)
    P[iu] = 100 * an.rankdata(D[iu]) / len(iu[0])
    return P + P.T


show = [name for name in ("block1_conv2", "block3_conv3", "block5_conv3", "fc2") if name in rdms_pooled]
mats = [("pixels", rdm_pixels)] + [(f"{n} (4×4 pooled)", rdms_pooled[n]) for n in show]
fig, axes = plt.subplots(1, len(mats), figsize=(3.2 * len(mats) + 1, 4.1), layout="constrained")
edges = np.flatnonzero(np.diff(labels)) + 0.5
ticks = [np.mean(np.flatnonzero(labels == c)) for c in range(len(categories))]
for ax, (name, D) in zip(axes, mats):
    ax.grid(False)
    im = ax.imshow(as_percentiles(D), cmap="viridis", vmin=0, vmax=100)
    for e in edges:
        ax.axhline(e, c="w", lw=0.8)
        ax.axvline(e, c="w", lw=0.8)
    ax.set_xticks(ticks, categories, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(ticks, categories, fontsize=7)
    ax.set_title(name, fontsize=8)
fig.colorbar(im, ax=axes, fraction=0.015, pad=0.02, label="dissimilarity (percentile of all pairs)")
fig.suptitle(f"Representational dissimilarity matrices (1 − Pearson r)\n{title}", fontsize=8)
plt.show()

# %% [markdown]
# ### Close in pixels, far apart deep in the network (and the reverse)
#
# Distances in different spaces have different scales, so we compare *ranks*: each pair of images
# gets its percentile among all pairs in pixel space and in `fc2`. The pairs whose percentile jumps
# most, up or down, are the clearest cases where the network's geometry departs from appearance.

# %%
DEEP_RSA = "fc2" if "fc2" in rdms_pooled else list(rdms_pooled)[-1]
iu = np.triu_indices(len(stim), k=1)
pct_pixels = an.rankdata(an.upper_triangle(rdm_pixels)) / len(iu[0])
pct_deep = an.rankdata(an.upper_triangle(rdms_pooled[DEEP_RSA])) / len(iu[0])
jump = pct_deep - pct_pixels


def show_pairs(order, heading):
    idx, titles = [], []
    for p in order:
        i, j = iu[0][p], iu[1][p]
        idx += [i, j]
        note = f"pixels {pct_pixels[p]:.0%} · {DEEP_RSA} {pct_deep[p]:.0%}"
        titles += [f"{categories[labels[i]]}\n{note}", f"{categories[labels[j]]}\n(pair)"]
    fig, axes = plt.subplots(1, len(idx), figsize=(1.9 * len(idx), 3.6))
    plots.image_grid(stim.images(idx), titles=titles, axes=axes)
    fig.suptitle(f"{heading} (percentile of the pair's distance among all pairs)\n{title}", fontsize=8)
    fig.tight_layout()
    plt.show()


show_pairs(np.argsort(-jump, kind="stable")[:3], f"Similar in pixels, far apart in {DEEP_RSA}")
show_pairs(np.argsort(jump, kind="stable")[:3], f"Different in pixels, close in {DEEP_RSA}")
same = labels[iu[0]] == labels[iu[1]]
print(f"pairs from the same category among the 100 biggest upward jumps: {same[np.argsort(-jump)[:100]].mean():.0%}; "
      f"among all pairs: {same.mean():.0%}")

# %% [markdown]
# ## 4. A filter inhibited by members of its own category
#
# The essay's strongest claim: a unit highly selective for some members of a category can be
# *inhibited* by other members of that same category. Our activations are post-ReLU maxima over each
# activation map, so they cannot go below zero: for them "inhibited" can only mean **driven to
# zero**, i.e. the filter's input stayed at or below zero at *every* position of the image. To see
# the negative drive itself we read the same filter *before* its ReLU (a module path such as
# `features.28`, the convolution feeding `block5_conv3`), where values can be negative.
#
# As a reference point we also pass one neutral image, a uniform image of the ImageNet mean colour
# (all zeros after normalisation): an image that pushes the filter below that level is actively
# suppressing it, not merely failing to excite it. (In an untrained torchvision VGG16 every bias
# starts at zero, so the neutral image gives exactly 0 everywhere; a trained network has its own
# non-zero baseline.)

# %%
import torch

from helpers import activations
from helpers.activations import forward_to

post_path = acts.meta["layer_modules"][LAYER]
prefix, _, last = post_path.rpartition(".")
pre_path = f"{prefix}.{int(last) - 1}"
# collect() caches on disk like course.activations(); batches of 8 keep memory low at 224 px.
pre = activations.collect(model, stim, layers=[pre_path], batch_size=8, progress=False)[pre_path]
pre = pre[:, FILTER].astype(np.float64)
neutral = torch.zeros(1, 3, stim.preprocess.crop, stim.preprocess.crop)
with torch.inference_mode():
    out = forward_to(model, neutral, [pre_path])[pre_path]
baseline = float(out.flatten(2).amax(-1)[0, FILTER] if out.dim() == 4 else out[0, FILTER])
print(f"{LAYER} is the ReLU {post_path}; its input is {pre_path}. Neutral-image baseline: {baseline:.3g}")

# %%
own = np.flatnonzero(is_target)
lowest = own[np.argsort(score[own], kind="stable")]
table = pd.DataFrame({"image": lowest, "post-ReLU max": score[lowest], "pre-ReLU max": pre[lowest]})
n_zero = int((score[own] == 0).sum())
n_below = int((pre[own] < baseline).sum())
n_negative = int((pre[own] < 0).sum())
print(f"{TARGET} images: {len(own)}; driven to zero after the ReLU: {n_zero}; "
      f"pre-ReLU maximum below zero: {n_negative}; below the neutral image: {n_below}")
table.head(8).round(4)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.3, 1]})
rng = np.random.default_rng(1)
for c, cat in enumerate(categories):
    y = pre[labels == c]
    axes[0].scatter(c + rng.uniform(-0.2, 0.2, len(y)), y, s=14, alpha=0.8)
axes[0].axhline(0, c="0.2", lw=1, label="ReLU threshold (0)")
axes[0].axhline(baseline, c="C3", ls="--", lw=1, label="neutral image")
axes[0].set_xticks(range(len(categories)), categories)
axes[0].set_xlabel("category")
axes[0].set_ylabel(f"{pre_path} filter {FILTER}\npre-ReLU maximum (a.u.)")
axes[0].legend(fontsize=7)
axes[0].set_title(f"Drive before the ReLU, per image\n{title}", fontsize=8)
axes[1].scatter(pre[own], score[own], s=14, c="C3")
axes[1].set_xlabel("pre-ReLU maximum (a.u.)")
axes[1].set_ylabel("post-ReLU maximum (a.u.)")
axes[1].set_title(f"{TARGET} images only: the ReLU clips negative drive to 0", fontsize=8)
fig.tight_layout()
plt.show()

k = min(6, len(own))
pick = np.concatenate([lowest[:k], lowest[::-1][:k]])
fig, axes = plt.subplots(2, k, figsize=(1.9 * k, 5.6))
plots.image_grid(stim.images(pick), axes=axes,
                 titles=[f"{TARGET}\npost {score[i]:.3g} · pre {pre[i]:.3g}" for i in pick])
fig.suptitle(f"{LAYER} filter {FILTER}: its weakest (top) and strongest (bottom) {TARGET} images\n{title}",
             fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Reading the result: if many images of the filter's own category sit *below* the neutral image
# before the ReLU, while others of the same category drive it strongly, the filter does more than
# ignore part of its category; it actively separates members of the category from each other, the
# pattern the essay describes. One filter is an anecdote: to make a claim, repeat the count for every
# selective filter of the layer, and compare it with the untrained control.
#
# ## Exercise 2: how common is own-category suppression?
#
# For every filter of `LAYER` that passes p ≤ 0.01 for `TARGET` (use `sel.selective`), compute the
# fraction of `TARGET` images whose post-ReLU maximum is exactly 0. Store the fractions, one per
# such filter, in a NumPy array `zero_fraction` (empty if no filter passes).

# %% tags=["solution"] jupyter={"source_hidden": true}
zero_fraction = ...  # your code here: one fraction per selective filter, a NumPy array
### BEGIN SOLUTION
chosen = np.flatnonzero(sel.selective(result[LAYER], "p", 0.01)[:, t])
zero_fraction = (acts[LAYER][is_target][:, chosen] == 0).mean(axis=0)
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
zero_fraction = course.check_answer(zero_fraction, course.reference("zero_fraction", result[LAYER], acts[LAYER], labels, t),
                                    "select the filters with sel.selective(result[LAYER], 'p', 0.01)[:, t], then "
                                    "average (activation == 0) over the TARGET rows",
                                    "one fraction per selective filter.")
print(f"{len(zero_fraction)} filters; median fraction of {TARGET} images driven to zero: "
      f"{np.median(zero_fraction) if len(zero_fraction) else float('nan'):.2f}")

# %% [markdown]
# ## What can be concluded, and what cannot
#
# - **Under the full profile** (trained VGG16, photographs): overlap between a "dog" filter's
#   responses to dogs and to cars or cups, falling agreement with pixel space, and own-category
#   suppression are observations about a network trained with cross-entropy on ImageNet. They are
#   consistent with the essay's argument; they do not prove that the loss function *causes* them.
#   That needs networks trained with other objectives or label structures, on the same images.
# - **Under the quick profile** everything above comes from an **untrained** network and
#   **schematic** drawings. Whatever symptom appears here appears *without any training*, so it
#   cannot be attributed to cross-entropy. It tells you how large these effects are by chance and by
#   architecture alone, which is the baseline a trained network must beat.
# - In both profiles, the statistics come from one stimulus set of modest size (the paper: 300
#   images). Percentile jumps of single pairs and one filter's exemplars are illustrations; the AUC
#   distributions and RSA curves are the quantitative part.

# %%
if profile.is_quick:
    print("Reminder: UNTRAINED network and SCHEMATIC stimuli. These numbers rehearse the analysis; "
          "they are not evidence for or against the essay.")

# %% [markdown]
# ## Summary
#
# - A filter can be "selective" for a category (large share, significant) and still rank many images
#   of other categories above some members of its own: the ROC AUC measures that overlap directly.
# - RSA compares representations through their distance structure; with the spatial layout kept,
#   agreement with pixel space falls with depth, and pairs of images swap neighbours between pixel
#   space and the top layers.
# - Post-ReLU "inhibition" can only show as zero; the pre-ReLU value, compared with a neutral image,
#   shows whether a filter is actively pushed down by images of its own category.
#
# **Sources.** The essay on latent representations (`../shared/seeds/000_…`); the short paper on
# category selectivity (`../shared/seeds/002_…`); N. Kriegeskorte, M. Mur & P. Bandettini,
# *Representational similarity analysis: connecting the branches of systems neuroscience*, Frontiers
# in Systems Neuroscience, 2008; J. A. Hanley & B. J. McNeil, *The meaning and use of the area under a
# ROC curve*, Radiology, 1982 (AUC as the Mann–Whitney statistic); K. Simonyan & A. Zisserman, ICLR
# 2015 (VGG16).
#
# **Next:** notebook 07 puts selectivity to work: choosing a layer for feature extraction, and
# measuring the visual complexity of a stimulus set.
