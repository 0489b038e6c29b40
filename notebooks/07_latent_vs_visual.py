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
# # 07 · Latent vs visual space I: does a "dog" filter see dogs?
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/07_latent_vs_visual.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. check whether a "dog-selective" filter really ranks dogs above everything else, and measure
#    the overlap between categories with the ROC AUC, computed from ranks in NumPy;
# 2. explain why a filter chosen on some images must be scored on *other* images, and do it by
#    cross-fitting (`analysis.crossfit_selection`);
# 3. look for a selective filter that is *inhibited* by members of its own category, after and
#    before the ReLU, and report tied images honestly;
# 4. state what these analyses can and cannot show about the essay's claim.
#
# **Estimated time:** about 75 minutes (30 reading the text and the code, 45 for the four exercises
# and two Think! prompts; the code runs in under two minutes under `quick`).
#
# **Prerequisites:** notebooks 03–06 (selectivity, its statistics, layer profiles, representative
# filters). Notebook 08 continues with the geometry of whole layers.

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
# ## The essay's claim
#
# The essay (K. Malakhova, MODVIS 2018; full reference under Sources) argues, in short: ImageNet classifiers are trained with
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
# This notebook measures symptoms 1 and 3 on single filters; notebook 08 measures symptom 2 on whole
# layers. All of them are *observations*: seeing a symptom in one network does not show that the
# loss function caused it. **Notebook 09 tests this in a network whose training we know**: the same
# architecture trained here with cross-entropy and with soft labels, on generated images.
#
# What the numbers below speak to depends on the network named in the table above: an untrained
# network shows how far random weights alone produce the same symptoms (a baseline, not a test of
# the essay); a trained one shows whether the symptoms appear after training.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.analyses.auc import crossfit_selection, rankdata, roc_auc
from helpers.analyses.depth import category_means
from helpers.analyses.readout import stratified_folds
from helpers.analyses import exemplars, verdicts
from helpers.present import plots
from helpers.stats import selectivity as sel
from helpers.stats.measure import normalize, selectivity_index
from helpers.labels import title as figure_title

stim = course.stimuli()
acts = course.activations()
result = course.selectivity(acts)
model = course.model()
title = figure_title(result)
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
# p ≤ 0.01, the one with the largest share of eq. 2. Notebook 06 showed one trap of the share: a
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
# dog would rank above every other image.
#
# **Think!** The filter passed a permutation test for dogs with a share well above chance. Predict:
# will *any* non-dog image activate it more than the weakest dog does?
#
# <details><summary>Answer</summary>
#
# Almost certainly yes. The share and the permutation test are statements about where the filter's
# activation goes *on average*; a category wins them if its images drive the filter harder in total.
# Nothing stops single cars or faces from beating the weakest dogs, and with a few dozen images per
# category some will. The question is how many: the ROC AUC below measures exactly that.
# </details>

# %% jupyter={"source_hidden": true}
score = acts[LAYER][:, FILTER].astype(np.float64)
is_target = labels == t
weakest = score[is_target].min()

fig, ax = plt.subplots(figsize=(7.5, 3.4))
rng = np.random.default_rng(0)
for c, cat in enumerate(categories):
    y = score[labels == c]
    ax.scatter(c + rng.uniform(-0.2, 0.2, len(y)), y, s=14, alpha=0.8, color=plots.category_colour(cat))
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
auc = roc_auc(score, is_target)
beats = {}
for c, cat in enumerate(categories):
    if c == t:
        continue
    pair = (labels == t) | (labels == c)
    beats[cat] = 1 - roc_auc(score[pair], labels[pair] == t)
beats = pd.Series(beats, name=f"P(image beats a random {TARGET})")
print(f"non-{TARGET} images above the weakest {TARGET}: {above} of {others.sum()}")
print(f"{TARGET} images below the strongest non-{TARGET}: {below} of {is_target.sum()}")
print(f"ROC AUC ({TARGET} vs rest, on the same images that chose the filter): {auc:.3f}")
worst = beats.idxmax()
print(f"The category most likely to beat a random {TARGET}: {worst!r} ({beats[worst]:.0%} of pairs)"
      + (f"; it beats {TARGET} images MORE often than not: the essay's first symptom." if beats[worst] > 0.5 else
         f"; no category beats {TARGET} images in more than half of the pairs."))
beats.round(3).to_frame()

# %% [markdown]
# The essay's figure 1 in miniature: the non-dog images that drive the filter hardest (top row)
# next to the dogs that drive it least (bottom row), each titled with category and activation.
# Many dogs may sit at exactly 0; then the six shown are a seeded random draw among them
# (`exemplars.top_exemplars`, as in notebook 06), and the title says how many tie.

# %% jupyter={"source_hidden": true}
k = 6
strong = exemplars.top_exemplars(np.where(others, score, -np.inf)[:, None], 0, k)
weak = exemplars.top_exemplars(np.where(is_target, score, np.inf)[:, None], 0, k, bottom=True)
idx = np.concatenate([strong.indices, weak.indices])
fig, axes = plt.subplots(2, k, figsize=(1.8 * k, 5.6))
plots.image_grid(stim.images(idx), titles=[f"{categories[labels[i]]}\n{score[i]:.3g}" for i in idx], axes=axes)
fig.suptitle(f"{LAYER} filter {FILTER}: strongest non-{TARGET} images (top) vs weakest {TARGET} images (bottom"
             + (f"; {weak.note}" if weak.note else "") + f")\n{title}", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# **Ties, per category.** A post-ReLU maximum of exactly 0 means the filter never fired anywhere in
# the image. How many images of each category leave the chosen filter at 0?

# %%
ties = pd.DataFrame({"images": np.bincount(labels, minlength=len(categories)),
                     "at exactly 0": np.bincount(labels[score == 0], minlength=len(categories))}, index=categories)
ties["share at 0"] = ties["at exactly 0"] / ties["images"]
print(f"{ties.loc[TARGET, 'at exactly 0']} of the {ties.loc[TARGET, 'images']} {TARGET} images leave the "
      f"'{TARGET}' filter silent" + (", more than some other category does." if
                                     (ties["share at 0"].drop(TARGET) < ties.loc[TARGET, "share at 0"]).any() else "."))
ties.round(2)

# %% [markdown]
# Where the stimulus set names subcategories (dog breeds in the organism's drawings), the same count
# per subcategory shows whether the silent members of the category are a random handful or whole
# kinds of it, the pattern the essay predicts for a unit that separates breeds.

# %%
if stim.subcategories is not None:
    kinds = np.asarray([str(k) for k in stim.subcategories])
    sub = pd.DataFrame({"kind": kinds[is_target], "silent": score[is_target] == 0})
    by_kind = sub.groupby("kind")["silent"].agg(images="size", at_0="sum")
    by_kind["share at 0"] = by_kind["at_0"] / by_kind["images"]
    whole = by_kind.index[by_kind["share at 0"] == 1].tolist()
    print(f"{TARGET} kinds that leave the filter silent in every image: {whole if whole else 'none'}.")
    display(by_kind.round(2))
else:
    print("This stimulus set names no subcategories: no breakdown by kind.")

# %%
print(verdicts.shows(
    f"{above} of {int(others.sum())} non-{TARGET} images drive {LAYER} filter {FILTER} above its weakest {TARGET}, and "
    f"{int((score[is_target] == 0).sum())} of {int(is_target.sum())} {TARGET} images leave it silent; AUC {auc:.3f} on "
    "the images that chose it"
    + (f": the essay's first symptom (other categories beat some {TARGET}s) appears in this filter." if above else
       f": no other image beats the weakest {TARGET}, so no first symptom in this filter.")))

# %% [markdown]
# ## 2. Chosen and scored on the same images: an optimistic AUC
#
# The AUC printed above flatters the filter. We *chose* it because it looked best for dogs on these
# very images; any filter chosen that way benefits from the noise of this sample as well as from
# its real preference (selection bias, "double dipping"). The honest score comes from images that
# played no part in the choice.
#
# **Think!** If we choose the best "dog" filter on half of the images and score it on the other
# half, will its AUC on the held-out half be higher, the same or lower than on the half that chose
# it?
#
# <details><summary>Answer</summary>
#
# Lower on average, the more so the more filters compete and the fewer images choose among them:
# the winner of many noisy comparisons is partly the luckiest. With a genuinely strong detector the
# drop is small; if the held-out AUC is near 0.5, the "detector" was mostly luck.
# </details>
#
# `crossfit_selection(acts, labels, target, k=5)` splits the images into five stratified folds;
# for each fold it chooses the filter on the other four (same rule as above: filters that respond to
# at least half of the training dogs, largest share of eq. 2 computed on the training images) and
# scores it on the held-out fold.

# %%
deep_acts = {name: acts[name] for name in DEEP}
cross = crossfit_selection(deep_acts, labels, t, k=5, seed=0)
print(f"AUC on the images that chose the filter: {cross['train_auc'].mean():.3f} (mean of 5 folds)")
print(f"AUC on held-out images (the honest score): {cross['test_auc'].mean():.3f} "
      f"± {cross['test_auc'].std(ddof=1):.3f} (sd over folds)")
drop = cross["train_auc"].mean() - cross["test_auc"].mean()
print(f"Optimism of scoring on the choosing images: {drop:+.3f}."
      + (" The held-out AUC is close to chance: the chosen filter is no reliable dog detector."
         if cross["test_auc"].mean() < 0.6 else ""))
n_same = cross.groupby(["layer", "filter"]).ngroups
print(f"Different filters chosen across the 5 folds: {n_same}"
      + (" (the choice itself is unstable)" if n_same > 2 else ""))
cross.round(3)

# %%
held = cross["test_auc"]
print(verdicts.shows(
    f"scored on held-out images the chosen filters reach AUC {held.mean():.3f} (sd over folds {held.std(ddof=1):.3f}, "
    f"range {held.min():.3f}–{held.max():.3f}), {abs(drop):.3f} {'below' if drop > 0 else 'above'} the score on the images "
    "that chose them, and "
    f"{n_same} different filters were chosen in 5 folds" + ("." if held.min() > 0.5 else "; some fold is at or below chance.")))

# %% [markdown]
# ### How well does one filter separate its preferred category? All layers, held out
#
# The share of eq. 2 and the AUC answer different questions. The share asks where most of a
# filter's activation goes; the AUC asks whether the filter *orders* the images by category. A
# filter can put most of its activation on dogs because a few dogs drive it very hard, while many
# dogs leave it silent: high share, modest AUC.
#
# For every filter we find its *preferred* category on one half of the images (the largest mean
# normalised activation, `category_means`, which ranks categories as eq. 2 does when they are of
# equal size) and measure the AUC for that category on the other half. `roc_auc(scores,
# positive)` computes the AUC from ranks (the Mann–Whitney statistic divided by the number of
# positive–negative pairs) for all filters of a layer at once.

# %% jupyter={"source_hidden": true}
train, test = stratified_folds(labels, k=2, seed=0)[0]
rows = []
for name, A in acts.items():
    M = category_means(A[train], labels[train], len(categories))
    alive = np.flatnonzero(~np.isnan(M).any(axis=1) & (A[test].max(axis=0) > A[test].min(axis=0)))
    pref = np.argmax(M[alive], axis=1)
    aucs = np.column_stack([roc_auc(A[test][:, alive], labels[test] == c) for c in range(len(categories))])
    rows += [{"layer": name, "filter": f, "preferred": categories[p], "auc": a}
             for f, p, a in zip(alive, pref, aucs[np.arange(len(alive)), pref])]
aucs_df = pd.DataFrame(rows)

fig, ax = plt.subplots(figsize=(9, 3.8))
order = list(acts)
ax.boxplot([aucs_df.loc[aucs_df["layer"] == n, "auc"] for n in order], showfliers=False)
ax.set_xticks(range(1, len(order) + 1), order, rotation=60, ha="right")
ax.axhline(0.5, ls="--", c="0.4", lw=1)
ax.set_xlabel("layer (shallow → deep)")
ax.set_ylabel("held-out ROC AUC for the filter's\npreferred category (0.5 = chance)")
ax.set_title(f"Single-filter separation per layer (preference chosen on half the images, AUC on the other)\n{title}",
             fontsize=8)
fig.tight_layout()
plt.show()

summary_auc = aucs_df.groupby("layer", sort=False)["auc"].agg(
    median="median", best="max", share_above_0_9=lambda a: (a >= 0.9).mean())
first, last = summary_auc["median"].iloc[0], summary_auc["median"].iloc[-1]
print(f"Median held-out AUC: {first:.3f} in {order[0]} → {last:.3f} in {order[-1]}; "
      f"best single filter anywhere: {summary_auc['best'].max():.3f} ({summary_auc['best'].idxmax()}).")
print("Single filters separate their preferred category better in deeper layers."
      if last > first + 0.02 else
      "Deeper filters do NOT separate their preferred category better than the first layer's: "
      "depth alone does not make single-filter detectors here.")
summary_auc.round(3).T

# %% [markdown]
# ## Exercise 1: the AUC from ranks
#
# Write `my_auc(scores, positive)` for one filter (1-D `scores`, boolean `positive`): rank all
# scores (ties get their average rank; `rankdata` does that), add up the ranks of the positives,
# subtract n₁(n₁+1)/2 and divide by n₁·n₀. Equivalently, count the positive–negative pairs in which
# the positive scores higher, counting ties as one half. The check compares it with `roc_auc` on
# the chosen filter.

# %%
def my_auc(scores, positive):
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    ...  # your code here: return the AUC, a number between 0 and 1


# %%
my_auc_used = course.check_function(
    my_auc, roc_auc, [(score, is_target)],
    "the recipe above has four steps; check the rank of a tie and which count is n1",
    "your AUC matches the rank-based AUC.", exercise="07.1")

# %% [markdown]
# ## 3. A filter inhibited by members of its own category
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

from helpers.cnn import activations
from helpers.cnn.activations import forward_to

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
# All own-category images from weakest to strongest; equal values (often many at 0) in the seeded
# random order of notebook 06, not by image index.
ranking = exemplars.top_exemplars(score[own][:, None], 0, len(own), bottom=True)
lowest = own[ranking.indices]
table = pd.DataFrame({"image": lowest, "post-ReLU max": score[lowest], "pre-ReLU max": pre[lowest]})
n_zero = int((score[own] == 0).sum())
n_below = int((pre[own] < baseline).sum())
n_negative = int((pre[own] < 0).sum())
print(f"{TARGET} images: {len(own)}; driven to zero after the ReLU: {n_zero}; "
      f"pre-ReLU maximum below zero: {n_negative}; below the neutral image: {n_below}")
table.head(8).round(4)

# %% jupyter={"source_hidden": true}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.3, 1]})
rng = np.random.default_rng(1)
for c, cat in enumerate(categories):
    y = pre[labels == c]
    axes[0].scatter(c + rng.uniform(-0.2, 0.2, len(y)), y, s=14, alpha=0.8, color=plots.category_colour(cat))
axes[0].axhline(0, c="0.2", lw=1, label="ReLU threshold (0)")
axes[0].axhline(baseline, c="0.45", ls="--", lw=1, label="neutral image")
axes[0].set_xticks(range(len(categories)), categories)
axes[0].set_xlabel("category")
axes[0].set_ylabel(f"{pre_path} filter {FILTER}\npre-ReLU maximum (a.u.)")
axes[0].legend(fontsize=8)
axes[0].set_title(f"Drive before the ReLU, per image\n{title}", fontsize=8)
axes[1].scatter(pre[own], score[own], s=14, color=plots.category_colour(TARGET))
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
# Does this filter split its own category? The sentence below is computed from the two counts, and
# from whether the network's training objective itself asks it to tell members of the category apart
# (several of its output classes are kinds of that category): if it does, a split is what the
# objective asks for, not a sign that latent space leaves visual space.

# %%
strong_own = int((pre[own] > np.median(pre[others])).sum())
# The network's output classes that are kinds of TARGET (ImageNet's dog breeds, the organism's six).
if not acts.trained:
    n_kinds = 0
elif profile.model == "organism":
    from helpers.organism import world as miniworld
    n_kinds = sum(miniworld.PARENTS.get(c) == TARGET for c in miniworld.CLASSES)
else:
    from helpers.cnn import imagenet
    n_kinds = imagenet.coarse_groups().count(TARGET)
print(f"output classes of this network that are kinds of {TARGET}: {n_kinds}")
split = verdicts.own_category_split(n_below, strong_own, len(own), category=TARGET, objective_separates=n_kinds > 1,
                                    control="the untrained network (notebook 05's control)")
print(split)

# %% [markdown]
# One filter is an anecdote: to make a claim, repeat the count for every selective filter of the
# layer, and compare it with the untrained control.
#
# ## Exercise 2: how common is own-category silence?
#
# For every filter of `LAYER` that passes p ≤ 0.01 for `TARGET` (use `sel.selective`), compute the
# fraction of `TARGET` images whose post-ReLU maximum is exactly 0. Store the fractions, one per
# such filter, in a NumPy array `zero_fraction` (empty if no filter passes).

# %%
zero_fraction = ...  # your code here: one fraction per selective filter, a NumPy array

# %%
zero_fraction_used = course.check_answer(
    zero_fraction, course.reference("zero_fraction", result[LAYER], acts[LAYER], labels, t),
    "one value per selective filter (which column of the mask is TARGET's?), each the mean of a boolean "
    "over the TARGET images only",
    "one fraction per selective filter.", exercise="07.2")
print(f"{len(zero_fraction_used)} filters; median fraction of {TARGET} images driven to zero: "
      f"{np.median(zero_fraction_used) if len(zero_fraction_used) else float('nan'):.2f}")

# %% [markdown]
# ## Challenge: one cross-fitted choice by hand
#
# Reproduce the first fold of section 2 for the single layer `LAYER`. Split the images with
# `train, test = stratified_folds(labels, k=5, seed=0)[0]`. On the **training** images only:
# normalise the layer with `normalize`, compute the shares with `selectivity_index(AN,
# labels[train], len(categories))[:, t]`, keep the filters that respond (activation > 0) to at
# least half of the training `TARGET` images (all non-silent filters if none does), and choose the
# one with the largest share. Store the AUC of that filter **on the test images** in
# `heldout_auc`. The check compares it with `crossfit_selection(acts[LAYER], labels, t, k=5,
# seed=0)`.

# %%
heldout_auc = ...  # your code here: a number between 0 and 1

# %%
one_layer = crossfit_selection(acts[LAYER], labels, t, k=5, seed=0)
heldout_auc_used = course.check_answer(heldout_auc, float(one_layer["test_auc"].iloc[0]),
                                       "nothing about the test images may influence the choice of the filter, "
                                       "not even the normalisation",
                                       "that is fold 0 of the cross-fitted estimate.", within=(0, 1),
                                       exercise="07.3")

# %% [markdown]
# ## What can be concluded, and what cannot
#
# - With a **trained network** (the full profile's VGG16, or the organism of notebook 09), overlap
#   between a "dog" filter's responses to dogs and to other categories, and own-category
#   suppression, are observations about a network trained with cross-entropy. They are consistent
#   with the essay's argument; they do not prove that the loss *causes* them. That needs networks
#   trained with other objectives on the same images: **notebook 09 tests this in a network whose
#   training we know**.
# - With an **untrained network**, whatever symptom appears, appears *without any training*, so it
#   cannot be attributed to cross-entropy. It tells you how large these effects are by chance and by
#   architecture alone: the baseline a trained network must beat.
# - Always score a chosen filter on images that did not choose it (section 2). The statistics come
#   from one stimulus set of modest size (the paper: 300 images): single filters and their
#   exemplars are illustrations; held-out AUC distributions are the quantitative part.

# %%
print(f"This notebook's numbers: {result.model_label}; stimuli: {stim.source}.")
if not result.trained:
    print("UNTRAINED network: a baseline for the symptoms, not evidence for or against the essay.")
print(verdicts.shows(
    f"in this {'trained' if result.trained else 'UNTRAINED'} network, {above} non-{TARGET} images beat the chosen "
    f"filter's weakest {TARGET} (symptom 1), its held-out AUC is {held.mean():.2f}, and "
    + ({"split": f"it splits the {TARGET}s (symptom 3)" + (f", which an objective with {n_kinds} {TARGET} classes asks "
                                                            "for" if n_kinds > 1 else ""),
        "none suppressed": f"no {TARGET} image suppresses it (no symptom 3)",
        "weak": "it is a weak filter rather than a split one"}[split.branch])
    + ". One filter of one network: observations, not causes."))

# %% [markdown]
# ## Exercise 3 (interpretation): why held-out images?
#
# In three or four sentences stored in `interpretation`: why must the filter be chosen on training
# images and scored on held-out ones, and what goes wrong if the same images do both?

# %%
interpretation = ...  # your code here: a few sentences in quotes, e.g. interpretation = """..."""

# %%
course.check_text(
    interpretation,
    {"what goes wrong": ['bias', 'inflat', 'optimis', 'overfit', 'circular', 'double dipping'],
     "what held-out images give": ['held-out', 'held out', 'new images', 'unbiased', 'honest', 'test images']},
    min_words=30, exercise="07.4")

# %% [markdown]
# ## Summary
#
# - A filter can be "selective" for a category (large share, significant) and still rank many images
#   of other categories above some members of its own: the ROC AUC measures that overlap directly.
# - A filter chosen on some images must be scored on others: cross-fitting
#   (`crossfit_selection`) gives the honest AUC, and the gap to the same-image AUC is the
#   optimism of double dipping.
# - Post-ReLU "inhibition" can only show as zero, often for many tied images (report how many, and
#   draw the shown ones at random); the pre-ReLU value, compared with a neutral image, shows whether
#   a filter is actively pushed down by images of its own category.
#
# **Sources.**
#
# - The paper (the selectivity measure): K. Malakhova, *Representation of Categories in Filters of
#   Deep Neural Networks*, Proceedings of the IEEE Conference on Computer Vision and Pattern
#   Recognition Workshops (CVPRW), 2018, pp. 1973–1975,
#   doi:[10.1109/CVPRW.2018.00265](https://doi.org/10.1109/CVPRW.2018.00265).
# - The essay (the three symptoms tested here): K. Malakhova, *Why Latent Representations in
#   Convolutional Neural Networks Fall Outside Visual Space*, MODVIS Workshop (Computational and
#   Mathematical Models in Vision), St. Petersburg, Florida, 2018,
#   <https://docs.lib.purdue.edu/modvis/2018/session02/3>.
#
# Other sources: J. A. Hanley & B. J. McNeil, *The meaning and use
# of the area under a ROC curve*, Radiology, 1982 (AUC as the Mann–Whitney statistic);
# N. Kriegeskorte, W. K. Simmons, P. S. F. Bellgowan & C. I. Baker, *Circular analysis in systems
# neuroscience: the dangers of double dipping*, Nature Neuroscience, 2009; K. Simonyan &
# A. Zisserman, ICLR 2015 (VGG16).
#
# **Next:** notebook 08 compares whole layers with visual space (representational similarity),
# and notebook 09 tests the essay's claim in a network trained here.
