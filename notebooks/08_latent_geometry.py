# ---
# jupyter:
#   jupytext:
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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/08_latent_geometry.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. compare a network's representations with pixel space and with a category model across depth
#    by representational similarity analysis (RDMs, Spearman correlation);
# 2. test an RSA correlation against chance with a permutation (Mantel) test that shuffles whole
#    images, and correct the tests across layers;
# 3. estimate how reproducible a layer's geometry is (split-half reliability) and read an RSA
#    correlation against the noise ceiling it implies;
# 4. find pairs of images that look alike in pixels but lie far apart deep in the network, and the
#    reverse.
#
# **Estimated time:** about 40 minutes (20 reading and running, 20 for the exercise and the
# challenge).
#
# **Prerequisites:** notebook 07 (the essay's claim, single filters); notebook 04 (permutation
# tests, Benjamini–Hochberg).

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
from IPython.display import Markdown, display

from helpers import course

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

from helpers import analysis as an
from helpers import plots
from helpers import selectivity as sel
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
# every activation map averaged over a 4 × 4 grid of regions (`an.pooled_activations`). Finally a
# *category model* RDM (0 for two images of the same category, 1 otherwise) asks how much each
# layer's geometry is organised by category.

# %%
pixels = stim.images().reshape(len(stim), -1)  # uint8; an.rdm converts a slice at a time
rdm_pixels = an.rdm(pixels)
rdm_category = (labels[:, None] != labels[None, :]).astype(np.float64)
# Batches of 8 images keep the forward pass small at 224 px (full profile); speed is the same.
# cache=True: kept in the course cache under the model's and the stimuli's content hashes.
pooled = an.pooled_activations(model, stim, list(acts), grid=4, batch_size=8, cache=True)
rdms_pooled = {name: an.rdm(X) for name, X in pooled.items()}
rdms_max = {name: an.rdm(A) for name, A in acts.items()}

# %%
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
# Each correlation gets a **permutation p-value** (`an.rsa_permutation_test`, a Mantel test: the
# images of one RDM are relabelled at random, rows and columns together, 1000 times), and the 15
# layers' p-values are corrected together with Benjamini–Hochberg (q ≤ 0.01 below).

# %%
N_PERM = 1000
rows = []
for name in pooled:
    for ref, D_ref in (("pixels", rdm_pixels), ("category", rdm_category)):
        rho, p = an.rsa_permutation_test(D_ref, rdms_pooled[name], n_permutations=N_PERM, seed=0)
        rows.append({"layer": name, "compared with": ref, "rho": rho, "p": p})
rsa = pd.DataFrame(rows)
rsa["q (BH over layers)"] = rsa.groupby("compared with")["p"].transform(lambda p: sel.benjamini_hochberg(p.to_numpy()))
rsa_max = pd.Series({n: an.compare_rdms(rdm_pixels, D) for n, D in rdms_max.items()}, name="pixels ~ per-filter maxima")
wide = rsa.pivot(index="layer", columns="compared with", values=["rho", "q (BH over layers)"]).loc[list(pooled)]
wide.round(4)

# %% [markdown]
# ## 2. How high could the agreement be? The noise ceiling
#
# A correlation of 0.3 can be poor or as good as it gets: it depends on how reproducible the two
# geometries are. `an.split_half_reliability(X)` splits a representation's features (filters ×
# regions, or pixels) at random into halves, builds an RDM from each, correlates them and steps the
# result up to the full set with the Spearman–Brown formula (mean of 20 random splits). Two RDMs of
# reliabilities r₁ and r₂ cannot agree better than about √(r₁ r₂) (`an.noise_ceiling`); the
# category model has no noise (r = 1).

# %%
rel_pixels = an.split_half_reliability(pixels, n_splits=10, seed=0)
reliability = pd.Series({name: an.split_half_reliability(X, n_splits=20, seed=0) for name, X in pooled.items()},
                        name="split-half reliability")
ceiling = pd.DataFrame({
    "reliability": reliability,
    "ceiling vs pixels": [an.noise_ceiling(max(r, 0.0), max(rel_pixels, 0.0)) for r in reliability],
    "ceiling vs category": [an.noise_ceiling(max(r, 0.0)) for r in reliability]}, index=reliability.index)
print(f"split-half reliability of the pixel geometry: {rel_pixels:.3f}")
unreliable = reliability[reliability < 0.5]
print("Every layer's geometry is reproducible from half its features (reliability ≥ 0.5)." if unreliable.empty else
      f"Layers with reliability below 0.5 (their RSA correlations are bounded low): {', '.join(unreliable.index)}")
ceiling.round(3).T

# %%
fig, ax = plt.subplots(figsize=(9.5, 4))
layer_names = list(pooled)
x = np.arange(len(layer_names))
for ref, colour, style in (("pixels", "C0", "-"), ("category", "C2", ":")):
    sub = rsa[rsa["compared with"] == ref].set_index("layer").loc[layer_names]
    sig = sub["q (BH over layers)"].to_numpy() <= 0.01
    ax.plot(x, sub["rho"], style, c=colour, label=f"{ref} ~ 4×4 pooled maps")
    ax.scatter(x[sig], sub["rho"][sig], c=colour, s=22, zorder=3)
    ax.scatter(x[~sig], sub["rho"][~sig], facecolors="white", edgecolors=colour, s=22, zorder=3)
    ax.plot(x, ceiling[f"ceiling vs {ref}"], c=colour, lw=4, alpha=0.2, label=f"noise ceiling ({ref})")
ax.plot(x, rsa_max.loc[layer_names], "--", c="C1", lw=1, label="pixels ~ per-filter maxima")
ax.axhline(0, c="0.5", lw=0.8)
ax.set_xticks(x, layer_names, rotation=60, ha="right")
ax.set_xlabel("layer (shallow → deep)")
ax.set_ylabel("Spearman correlation\nbetween RDMs")
ax.set_title(f"Each layer's geometry vs pixel space and categories (filled: BH q ≤ 0.01)\n{title}", fontsize=8)
ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
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
print(f"Closest to its category ceiling: {best} ({cat_rho[best]:.2f} of a possible "
      f"{ceiling.loc[best, 'ceiling vs category']:.2f}).")
if top3 > first3:
    print("The top layers are organised more by category than the first ones" +
          (": in a trained network, the fingerprint of the training objective." if acts.trained else
           ", although this network is UNTRAINED: the categories differ in low-level statistics that "
           "random features pick up."))
else:
    print("The top layers are NOT organised more by category than the first ones"
          + ("." if acts.trained else ": as expected for an UNTRAINED network."))

# %% [markdown]
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
apart, together = same[np.argsort(-jump, kind="stable")[:100]].mean(), same[np.argsort(jump, kind="stable")[:100]].mean()
print(f"same-category pairs: {same.mean():.0%} of all pairs; {apart:.0%} of the 100 pairs that move most apart "
      f"in {DEEP_RSA}; {together:.0%} of the 100 that move most together.")
print(f"Pairs that move together in {DEEP_RSA} are " + ("ENRICHED in" if together > same.mean() * 1.2 else "not enriched in")
      + " same-category pairs" + ("" if acts.trained else " (UNTRAINED network: no training pulls categories together)") + ".")

# %% [markdown]
# ## Exercise 1: an RDM by hand
#
# Write `my_rdm(X)` for a representation `X` of shape (images, features): 1 − the Pearson
# correlation between every pair of rows (`np.corrcoef` correlates rows), clipped to [0, 2], with
# an exact 0 on the diagonal. The check compares it with `an.rdm` on two layers (rows with no
# variance do not occur there).

# %%
def my_rdm(X):
    X = np.asarray(X, dtype=np.float64)
    ...  # your code here: return the (n, n) dissimilarity matrix


# %%
my_rdm = course.check_function(my_rdm, an.rdm, [(pooled[layer_names[0]],), (pooled[layer_names[-1]],)],
                               "1 - np.corrcoef(X), then np.clip(..., 0, 2) and np.fill_diagonal(D, 0)",
                               "your RDM matches an.rdm.")

# %% [markdown]
# ## Challenge: the Mantel test by hand
#
# Write `mantel(D1, D2, n_permutations, seed)` returning `(rho, p)` as `an.rsa_permutation_test`
# does for up to 100 permutations: `rho = an.compare_rdms(D1, D2)`; draw all permutations at once
# as `np.argsort(np.random.default_rng(seed).random((n_permutations, n)), axis=1)`; for each
# permutation `q`, relabel the images of `D2` (rows *and* columns: `D2[np.ix_(q, q)]`) and recompute
# the correlation; then `p = (1 + #{null ≥ rho}) / (1 + n_permutations)`. (Why shuffle images and
# not single distances? The distances that share an image are not independent; shuffling images
# keeps that dependence in the null.) The check uses the category model against the deepest layer
# and the pixels against the first.

# %%
def mantel(D1, D2, n_permutations=100, seed=0):
    rho = an.compare_rdms(D1, D2)
    ...  # your code here: return (rho, p)


# %%
def reference_mantel(D1, D2, n_permutations, seed):
    return np.array(an.rsa_permutation_test(D1, D2, n_permutations, seed))  # (rho, p), compared within rounding


mantel = course.check_function(
    mantel, reference_mantel,
    [(rdm_category, rdms_pooled[layer_names[-1]], 100, 0), (rdm_pixels, rdms_pooled[layer_names[0]], 50, 1)],
    "draw the permutations exactly as described, permute rows and columns of D2 together, "
    "compare with an.compare_rdms, count null >= rho (allow 1e-12 for rounding)",
    "your Mantel test matches an.rsa_permutation_test.")

# %% [markdown]
# ## What can be concluded, and what cannot
#
# - A significant RSA correlation says that two geometries share more structure than images
#   relabelled at random; it says nothing about *why*. Read it against the noise ceiling: a
#   correlation near its ceiling leaves little unexplained; one far below leaves room for other
#   structure.
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
# ## Summary
#
# - RSA compares representations through their distance structure (RDMs, Spearman correlation of
#   their upper triangles); with the spatial layout kept, agreement with pixel space falls with
#   depth.
# - A Mantel permutation test (shuffle whole images) gives each correlation a p-value; correct
#   across layers (here Benjamini–Hochberg).
# - Split-half reliability bounds how well two geometries can agree (the noise ceiling): report
#   correlations next to it.
# - Pairs of images swap neighbours between pixel space and the top layers; whether same-category
#   pairs move together is where training, not architecture, should show.
#
# **Sources.** The essay on latent representations (`../shared/seeds/000_…`); N. Kriegeskorte,
# M. Mur & P. Bandettini, *Representational similarity analysis: connecting the branches of systems
# neuroscience*, Frontiers in Systems Neuroscience, 2008; N. Mantel, *The detection of disease
# clustering and a generalized regression approach*, Cancer Research, 1967; H. Nili et al., *A
# toolbox for representational similarity analysis*, PLoS Computational Biology, 2014 (noise
# ceilings); K. Simonyan & A. Zisserman, ICLR 2015 (VGG16).
#
# **Next:** notebook 09 trains the question: the same architecture trained here with cross-entropy
# and with soft labels, and what that does to selectivity and geometry.
