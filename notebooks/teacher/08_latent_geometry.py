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
# # 08 · Latent vs visual space II: the geometry of whole layers
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/teacher/08_latent_geometry.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. compare a network's representations with pixel space and with a category model across depth
#    by representational similarity analysis (RDMs, Spearman correlation);
# 2. test an RSA correlation against chance with a permutation (Mantel) test that shuffles whole
#    images, and correct the tests across layers;
# 3. estimate how much a layer's geometry depends on which of its features are kept (split-half
#    reliability over features), and say why that is not a noise ceiling for a deterministic network;
# 4. find pairs of images that look alike in pixels but lie far apart deep in the network, and the
#    reverse.
#
# **Estimated time:** about 55 minutes (20 reading the text and the code, 35 for the three exercises
# and two Think! prompts; the code runs in under two minutes under `quick`).
#
# **Prerequisites:** notebook 07 (the essay's claim, single filters); notebook 04 (permutation
# tests, Benjamini–Hochberg).

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
# The essay's second symptom (notebook 07 listed all three): *visually similar images need not be
# similar in latent space*, because cross-entropy training asks only that the classes be separable,
# not that appearance be kept. Here we measure how each layer's geometry relates to pixel space and
# to the categories. As in notebook 07, this is an observation about one network; **notebook 09
# tests the claim in a network whose training we know.**

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.analyses.auc import rankdata
from helpers.analyses.rsa import (compare_rdms, noise_ceiling, pooled_activations, rdm, rsa_permutation_test,
    split_half_reliability, upper_triangle)
from helpers.present import plots
from helpers.stats import selectivity as sel
from helpers.stats.rules import benjamini_hochberg
from helpers.analyses import verdicts
from helpers.labels import title as figure_title

stim = course.stimuli()
acts = course.activations()
model = course.model()
title = figure_title(acts)
categories = acts.categories
labels = acts.labels
print(title)
print(stim)

# %% [markdown]
# ## 1. Representational similarity analysis across depth
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
# every activation map averaged over a 4 × 4 grid of regions (`pooled_activations`). Finally a
# *category model* RDM (0 for two images of the same category, 1 otherwise) asks how much each
# layer's geometry is organised by category.

# %%
pixels = stim.images().reshape(len(stim), -1)  # uint8; rdm converts a slice at a time
rdm_pixels = rdm(pixels)
rdm_category = (labels[:, None] != labels[None, :]).astype(np.float64)
# Batches of 8 images keep the forward pass small at 224 px (full profile); speed is the same.
# cache=True: kept in the course cache under the model's and the stimuli's content hashes.
pooled = pooled_activations(model, stim, list(acts), grid=4, batch_size=8, cache=True)
rdms_pooled = {name: rdm(X) for name, X in pooled.items()}
rdms_max = {name: rdm(A) for name, A in acts.items()}

# %%
# NBVAL_CHECK_OUTPUT
print(f"pixel RDM: {rdm_pixels.shape}, from {pixels.shape[1]} pixel values per image")
print({name: X.shape[1] for name, X in list(pooled.items())[::7]})

# %% [markdown]
# **Think!** Predict the shape of two curves across the 15 layers: the agreement of each layer's
# (pooled) geometry with pixel space, and its agreement with the category model. Would they differ
# between a trained and an untrained network?
#
# <details><summary>Answer</summary>
#
# Agreement with pixels should fall with depth in *both*: every stage of convolution, ReLU and
# pooling mixes and discards some of the pixel arrangement, trained or not. The category curve is
# where training shows: a network trained to tell categories apart should organise its top layers
# by category, so that curve should rise towards the top. In an untrained network any category
# agreement comes from categories that already differ in low-level statistics (colour, size,
# contrast), and it need not grow with depth.
# </details>
#
# Each correlation gets a **permutation p-value** (`rsa_permutation_test`, a Mantel test: the
# images of one RDM are relabelled at random, rows and columns together, 1000 times), and the 15
# layers' p-values are corrected together with Benjamini–Hochberg (q ≤ 0.01 below).

# %%
N_PERM = 1000
rows = []
for name in pooled:
    for ref, D_ref in (("pixels", rdm_pixels), ("category", rdm_category)):
        rho, p = rsa_permutation_test(D_ref, rdms_pooled[name], n_permutations=N_PERM, seed=0)
        rows.append({"layer": name, "compared with": ref, "rho": rho, "p": p})
rsa = pd.DataFrame(rows)
rsa["q (BH over layers)"] = rsa.groupby("compared with")["p"].transform(lambda p: benjamini_hochberg(p.to_numpy()))
rsa_max = pd.Series({n: compare_rdms(rdm_pixels, D) for n, D in rdms_max.items()}, name="pixels ~ per-filter maxima")
wide = rsa.pivot(index="layer", columns="compared with", values=["rho", "q (BH over layers)"]).loc[list(pooled)]
wide.round(4)

# %%
sig = rsa[rsa["q (BH over layers)"] <= 0.01].groupby("compared with").size().reindex(["pixels", "category"], fill_value=0)
print(verdicts.shows(
    f"{sig['pixels']} of {len(pooled)} layers agree with pixel space and {sig['category']} of {len(pooled)} with the "
    f"category model beyond image relabelling (BH q ≤ 0.01, {N_PERM} permutations); ρ with pixels ranges "
    f"{rsa.loc[rsa['compared with'] == 'pixels', 'rho'].min():.2f}–{rsa.loc[rsa['compared with'] == 'pixels', 'rho'].max():.2f}."))

# %% [markdown]
# ## 2. How much does the geometry depend on which features are kept?
#
# In neuroscience a correlation of 0.3 can be poor or as good as it gets, because recordings are
# noisy: two RDMs of reliabilities r₁ and r₂ cannot agree better than about √(r₁ r₂), the *noise
# ceiling* (`noise_ceiling`). A network evaluated once has no measurement noise: the same image
# gives the same activations. What `split_half_reliability(X)` measures here is different: it
# splits a representation's *features* (filters × regions, or pixels) at random into halves,
# builds an RDM from each, correlates them and steps the result up to the full set with the
# Spearman–Brown formula (mean of 20 random splits). A value near 1 says the geometry is carried
# redundantly by many features; it says nothing about how the correlations would move with other
# images (that needs a bootstrap over images). The band drawn below, √(r₁ r₂), is therefore a
# *feature-split bound*, not a noise ceiling.

# %%
rel_pixels = split_half_reliability(pixels, n_splits=10, seed=0)
reliability = pd.Series({name: split_half_reliability(X, n_splits=20, seed=0) for name, X in pooled.items()},
                        name="split-half reliability")
ceiling = pd.DataFrame({
    "reliability": reliability,
    "ceiling vs pixels": [noise_ceiling(max(r, 0.0), max(rel_pixels, 0.0)) for r in reliability],
    "ceiling vs category": [noise_ceiling(max(r, 0.0)) for r in reliability]}, index=reliability.index)
print(f"split-half reliability of the pixel geometry: {rel_pixels:.3f}")
print(verdicts.feature_reliability(reliability.min(), reliability.max(), n_splits=20, deterministic=True))
ceiling.round(3).T

# %% jupyter={"source_hidden": true}
fig, ax = plt.subplots(figsize=(9.5, 4))
layer_names = list(pooled)
x = np.arange(len(layer_names))
for ref, colour, style in (("pixels", "C0", "-"), ("category", "C2", ":")):
    sub = rsa[rsa["compared with"] == ref].set_index("layer").loc[layer_names]
    sig = sub["q (BH over layers)"].to_numpy() <= 0.01
    ax.plot(x, sub["rho"], style, c=colour, label=f"{ref} ~ 4×4 pooled maps")
    ax.scatter(x[sig], sub["rho"][sig], c=colour, s=22, zorder=3)
    ax.scatter(x[~sig], sub["rho"][~sig], facecolors="white", edgecolors=colour, s=22, zorder=3)
    ax.plot(x, ceiling[f"ceiling vs {ref}"], c=colour, lw=4, alpha=0.2, label=f"feature-split bound ({ref})")
ax.plot(x, rsa_max.loc[layer_names], "--", c="C1", lw=1, label="pixels ~ per-filter maxima")
ax.axhline(0, c="0.5", lw=0.8)
ax.set_xticks(x, layer_names, rotation=60, ha="right")
ax.set_xlabel("layer (shallow → deep)")
ax.set_ylabel("Spearman correlation\nbetween RDMs")
ax.set_title(f"Each layer's geometry vs pixel space and categories (filled: BH q ≤ 0.01)\n{title}", fontsize=8)
ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
fig.tight_layout()
plt.show()

# %% [markdown]
# What the curves say for this network (computed, so it stays true for another network):

# %%
pix = rsa[rsa["compared with"] == "pixels"].set_index("layer")["rho"].loc[layer_names]
cat = rsa[rsa["compared with"] == "category"].set_index("layer")
cat_rho, cat_q = cat["rho"].loc[layer_names], cat["q (BH over layers)"].loc[layer_names]
print(f"Agreement with pixels: {pix.iloc[0]:.2f} in {layer_names[0]} → {pix.iloc[-1]:.2f} in {layer_names[-1]} "
      + ("(falls with depth)." if pix.iloc[-1] < pix.iloc[0] else "(does NOT fall with depth)."))
top3, first3 = cat_rho.iloc[-3:].mean(), cat_rho.iloc[:3].mean()
print(f"Agreement with the category model: mean {first3:.2f} over the first three layers, {top3:.2f} over the "
      f"last three; significant (q ≤ 0.01) in {int((cat_q <= 0.01).sum())} of {len(cat_q)} layers.")
best = (cat_rho / ceiling["ceiling vs category"].replace(0, np.nan)).idxmax()
print(f"Closest to its feature-split bound for the category model: {best} ({cat_rho[best]:.2f} of "
      f"{ceiling.loc[best, 'ceiling vs category']:.2f}).")
# Training can be credited with a rise only against the same curve from the untrained control:
# categories that differ in colour or size separate in random features too.
del model  # one VGG16 in memory at a time (Binder's 2 GB): the trained network is not needed below
control = course.control_model()
pooled_control = pooled_activations(control, stim, list(acts), grid=4, batch_size=8, cache=True)
rdms_control = {name: rdm(X) for name, X in pooled_control.items()}
del pooled_control, control
cat_control = pd.Series({name: compare_rdms(rdm_category, D) for name, D in rdms_control.items()})
print(f"Untrained control, agreement with the category model: mean {cat_control.iloc[:3].mean():.2f} over the "
      f"first three layers, {cat_control.iloc[-3:].mean():.2f} over the last three.")
print(verdicts.depth_trend(first3, top3, trained=acts.trained,
                           control_first=cat_control.iloc[:3].mean() if acts.trained else None,
                           control_last=cat_control.iloc[-3:].mean() if acts.trained else None))

# %% [markdown]
# The RDMs themselves, images sorted by category (the lines mark category borders). Each matrix is
# shown as percentiles of its own distances, the scale RSA compares, so that all panels share one
# colour bar.

# %% jupyter={"source_hidden": true}
def as_percentiles(D):
    """The RDM with each off-diagonal distance replaced by its percentile among all pairs."""
    iu = np.triu_indices(len(D), k=1)
    P = np.zeros_like(D)
    P[iu] = 100 * rankdata(D[iu]) / len(iu[0])
    return P + P.T


show = [name for name in ("block1_conv2", "block3_conv3", "block5_conv3", "fc2") if name in rdms_pooled]
mats = [("pixels", rdm_pixels)] + [(f"{n}\n(4×4 pooled)", rdms_pooled[n]) for n in show]
fig, axes = plt.subplots(1, len(mats), figsize=(3.4 * len(mats) + 1, 4.6), layout="constrained")
edges = np.flatnonzero(np.diff(labels)) + 0.5
ticks = [np.mean(np.flatnonzero(labels == c)) for c in range(len(categories))]
for ax, (name, D) in zip(axes, mats):
    ax.grid(False)
    im = ax.imshow(as_percentiles(D), cmap="viridis", vmin=0, vmax=100)
    for e in edges:
        ax.axhline(e, c="w", lw=0.8)
        ax.axvline(e, c="w", lw=0.8)
    ax.set_xticks(ticks, categories, rotation=60, ha="right", fontsize=9)
    ax.set_yticks(ticks, categories, fontsize=9)
    ax.set_title(name, fontsize=10)
cb = fig.colorbar(im, ax=axes, fraction=0.015, pad=0.02)
cb.set_label("dissimilarity (percentile of all pairs)", fontsize=9)
cb.ax.tick_params(labelsize=9)
fig.suptitle(f"Representational dissimilarity matrices (1 − Pearson r)\n{title}", fontsize=9)
plt.show()

# %% [markdown]
# ## 3. Close in pixels, far apart deep in the network (and the reverse)
#
# Distances in different spaces have different scales, so we compare *ranks*: each pair of images
# gets its percentile among all pairs in pixel space and in `fc2`. The pairs whose percentile jumps
# most, up or down, are the clearest cases where the network's geometry departs from appearance.
#
# **Think!** Among the pairs that move *closer* in the deep layer than in pixels, would you expect
# more pairs from the same category than among all pairs? In a trained network? In an untrained one?
#
# <details><summary>Answer</summary>
#
# In a network trained to classify, yes: its deep layers pull images of one class together whatever
# they look like, so the pairs that move closer should be enriched in same-category pairs. In an
# untrained network there is no such pull; any enrichment comes from low-level features that the
# categories happen to share. The printout below the pictures measures it for pairs that move
# *apart* and *together*.
# </details>

# %% jupyter={"source_hidden": true}
DEEP_RSA = "fc2" if "fc2" in rdms_pooled else list(rdms_pooled)[-1]
iu = np.triu_indices(len(stim), k=1)
pct_pixels = rankdata(upper_triangle(rdm_pixels)) / len(iu[0])
pct_deep = rankdata(upper_triangle(rdms_pooled[DEEP_RSA])) / len(iu[0])
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
apart, together = same[np.argsort(-jump, kind="stable")[:100]].mean(), same[np.argsort(jump, kind="stable")[:100]].mean()
print(f"same-category pairs: {same.mean():.0%} of all pairs; {apart:.0%} of the 100 pairs that move most apart "
      f"in {DEEP_RSA}; {together:.0%} of the 100 that move most together.")
# The same count in the untrained control: how much of the enrichment the architecture gives alone.
jump_control = rankdata(upper_triangle(rdms_control[DEEP_RSA])) / len(iu[0]) - pct_pixels
together_control = same[np.argsort(jump_control, kind="stable")[:100]].mean()
print(verdicts.shows(
    f"same-category pairs are {same.mean():.0%} of all pairs and {together:.0%} of the 100 that move most together in "
    f"{DEEP_RSA} ({apart:.0%} of the 100 that move most apart); in the untrained control {together_control:.0%}: "
    + ("pairs that move together are ENRICHED in same-category pairs beyond what random weights give."
       if acts.trained and together > max(same.mean() * 1.2, together_control + 0.1) else
       "random weights enrich them about as much, so this is not specific to training." if acts.trained else
       "UNTRAINED network: no training pulls categories together.")))

# %% [markdown]
# ## Exercise 1: an RDM by hand
#
# Write `my_rdm(X)` for a representation `X` of shape (images, features): 1 − the Pearson
# correlation between every pair of rows (`np.corrcoef` correlates rows), clipped to [0, 2], with
# an exact 0 on the diagonal. The check compares it with `rdm` on two layers (rows with no
# variance do not occur there).

# %% tags=["solution"] jupyter={"source_hidden": true}
def my_rdm(X):
    X = np.asarray(X, dtype=np.float64)
    ...  # your code here: return the (n, n) dissimilarity matrix
    ### BEGIN SOLUTION
    D = np.clip(1.0 - np.corrcoef(X), 0.0, 2.0)
    np.fill_diagonal(D, 0.0)
    return D
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
my_rdm_used = course.check_function(my_rdm, rdm, [(pooled[layer_names[0]],), (pooled[layer_names[-1]],)],
                                    "the description has three parts: the correlation, the clipping and the "
                                    "diagonal; is each one there?",
                                    "your RDM matches rdm.", exercise="08.1")

# %% [markdown]
# ## Challenge: the Mantel test by hand
#
# Write `mantel(D1, D2, n_permutations, seed)` returning `(rho, p)` as `rsa_permutation_test`
# does for up to 100 permutations: `rho = compare_rdms(D1, D2)`; draw all permutations at once
# as `np.argsort(np.random.default_rng(seed).random((n_permutations, n)), axis=1)`; for each
# permutation `q`, relabel the images of `D2` (rows *and* columns: `D2[np.ix_(q, q)]`) and recompute
# the correlation; then `p = (1 + #{null ≥ rho}) / (1 + n_permutations)`. (Why shuffle images and
# not single distances? The distances that share an image are not independent; shuffling images
# keeps that dependence in the null.) The check uses the category model against the deepest layer
# and the pixels against the first.

# %% tags=["solution"] jupyter={"source_hidden": true}
def mantel(D1, D2, n_permutations=100, seed=0):
    rho = compare_rdms(D1, D2)
    ...  # your code here: return (rho, p)
    ### BEGIN SOLUTION
    perms = np.argsort(np.random.default_rng(seed).random((n_permutations, len(D2))), axis=1)
    null = np.array([compare_rdms(D1, D2[np.ix_(q, q)]) for q in perms])
    return rho, (1 + np.sum(null >= rho - 1e-12)) / (1 + n_permutations)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
def reference_mantel(D1, D2, n_permutations, seed):
    return np.array(rsa_permutation_test(D1, D2, n_permutations, seed))  # (rho, p), compared within rounding


mantel_used = course.check_function(
    mantel, reference_mantel,
    [(rdm_category, rdms_pooled[layer_names[-1]], 100, 0), (rdm_pixels, rdms_pooled[layer_names[0]], 50, 1)],
    "a permutation relabels the images, so it moves the rows and the columns of D2 together; "
    "the p-value is counted as in notebook 04",
    "your Mantel test matches rsa_permutation_test.", exercise="08.2")

# %% [markdown]
# ## What can be concluded, and what cannot
#
# - A significant RSA correlation says that two geometries share more structure than images
#   relabelled at random; it says nothing about *why*. The feature-split bound says how much of
#   the geometry any half of the features carries; it is not a noise ceiling (the network has no
#   measurement noise), and no interval over images was computed here.
# - Falling agreement with pixel space appears in trained and untrained networks alike (compare
#   the profiles). The essay's point concerns what training adds: whether the deep layers organise
#   images by category *instead of* by appearance. That is a comparison between networks trained
#   differently on the same images, which **notebook 09 makes in a network whose training we
#   know**.

# %%
print(f"This notebook's numbers: {acts.model_label}; stimuli: {stim.source}; {N_PERM} permutations per test.")
if not acts.trained:
    print("UNTRAINED network: a baseline for the geometry, not evidence for or against the essay.")

# %% [markdown]
# ## Exercise 2 (interpretation): what the correlation says
#
# A layer's RDM correlates with the category model. In three or four sentences stored in
# `interpretation`: what does that say about the layer's representation, and which comparison
# would you need before calling the structure learned?

# %% tags=["solution"] jupyter={"source_hidden": true}
interpretation = ...  # your code here: a few sentences in quotes, e.g. interpretation = """..."""
### BEGIN SOLUTION
# Rubric (teacher edition only): one point for each of
# (1) RSA compares geometries: images of a category are closer (less dissimilar) in the layer;
# (2) it says nothing about single filters;
# (3) the comparison: the untrained control (or pixel RDM) with the same test.
# The check only confirms that the text is there and touches each point; read the argument.
interpretation = """It says that in this layer images of the same category are less dissimilar than images of
different categories: the geometry of the representation follows the categories. It does not
say that any single filter is a detector. Before calling it learned, the same correlation must
be clearly lower for the untrained control and for the pixels."""
### END SOLUTION

# %%
course.check_text(
    interpretation,
    {"what RSA compares": ['geometry', 'dissimilar', 'distance', 'RDM', 'closer'],
     "the comparison needed": ['untrained', 'control', 'pixel']},
    min_words=30, exercise="08.3")

# %% [markdown]
# ## Summary
#
# - RSA compares representations through their distance structure (RDMs, Spearman correlation of
#   their upper triangles); with the spatial layout kept, agreement with pixel space falls with
#   depth.
# - A Mantel permutation test (shuffle whole images) gives each correlation a p-value; correct
#   across layers (here Benjamini–Hochberg).
# - Split-half reliability over features says how redundantly a layer carries its geometry; in a
#   deterministic network it is not a noise ceiling. Training is credited with a rise in category
#   structure only against the untrained control's curve.
# - Pairs of images swap neighbours between pixel space and the top layers; whether same-category
#   pairs move together is where training, not architecture, should show.
#
# **Sources.**
#
# - The paper (the selectivity measure of notebooks 03–07): K. Malakhova, *Representation of
#   Categories in Filters of Deep Neural Networks*, Proceedings of the IEEE Conference on Computer
#   Vision and Pattern Recognition Workshops (CVPRW), 2018, pp. 1973–1975,
#   doi:[10.1109/CVPRW.2018.00265](https://doi.org/10.1109/CVPRW.2018.00265).
# - The essay (the second symptom, measured here on whole layers): K. Malakhova, *Why Latent
#   Representations in Convolutional Neural Networks Fall Outside Visual Space*, MODVIS Workshop
#   (Computational and Mathematical Models in Vision), St. Petersburg, Florida, 2018,
#   <https://docs.lib.purdue.edu/modvis/2018/session02/3>.
#
# Other sources: N. Kriegeskorte,
# M. Mur & P. Bandettini, *Representational similarity analysis: connecting the branches of systems
# neuroscience*, Frontiers in Systems Neuroscience, 2008; N. Mantel, *The detection of disease
# clustering and a generalized regression approach*, Cancer Research, 1967; H. Nili et al., *A
# toolbox for representational similarity analysis*, PLoS Computational Biology, 2014 (noise
# ceilings); K. Simonyan & A. Zisserman, ICLR 2015 (VGG16).
#
# **Next:** notebook 09 trains the question: the same architecture trained here with cross-entropy
# and with soft labels, and what that does to selectivity and geometry.
