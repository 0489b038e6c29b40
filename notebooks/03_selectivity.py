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
# # 03 · Selectivity I: eq. 1 and eq. 2 by hand
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/03_selectivity.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. compute the paper's selectivity index yourself: min–max normalisation (eq. 1) and the share of
#    activation per category (eq. 2), and check your code against the course's helpers;
# 2. say what value a filter without any preference gets (chance), and what happens to filters that
#    never vary (silent filters);
# 3. explain why unequal category sizes bias the plain share, and how the balanced share fixes it;
# 4. read a layer's distribution of shares, and name the low-level differences between stimulus
#    categories that can push it away from chance without any learning.
#
# **Estimated time:** about 65 minutes (20 reading the text and the code, 45 for the four exercises
# and three Think! prompts; the code runs in under two minutes under `quick`).
#
# **Prerequisites:** notebook 02 (where the per-filter maxima come from); NumPy broadcasting and
# boolean indexing. Whether a share is *more than luck* is the subject of notebook 04.

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

# %% [markdown]
# Which network and which stimuli produce the numbers below (read off the loaded model and data):

# %%
from IPython.display import Markdown, display

display(Markdown(course.describe()))

# %% [markdown]
# We start from the per-filter maxima of notebook 02: for every image and every filter of a
# layer, the largest value of its post-ReLU activation map. `course.activations()` returns them
# for all layers (read from the disk cache after the first time). We work with one layer,
# `block5_conv3`, the last convolutional layer of VGG16, which the paper singles out.

# %%
import numpy as np
import pandas as pd

from helpers.present import plots
from helpers.stats import selectivity as sel
from helpers.stats.measure import normalize, selectivity_index, silent_filters

acts = course.activations()
stim = course.stimuli()
LAYER = "block5_conv3"
A = acts[LAYER]
labels, categories = acts.labels, acts.categories
C = len(categories)
title = plots.title(acts)
print(title)

# %%
print(f"{LAYER}: A has shape {A.shape} (images, filters)")
print("images per category:", dict(zip(categories, np.bincount(labels, minlength=C).tolist())))

# %% [markdown]
# ## 1. Eq. 1: put every filter on the same scale
#
# Filters differ wildly in how strongly they respond, so the paper first rescales each filter
# (each **column** of $A$) to the range 0–1 over the images:
#
# $$A_N = \frac{A - \min(A)}{\max(A) - \min(A) + \epsilon},$$
#
# where min and max are taken over the images, separately for each filter, and the tiny
# $\epsilon$ only guards against dividing by zero. A toy example with five images and three
# filters; the third filter gives the same value to every image.
#
# **Think!** Before you run the next cell: what will eq. 1 make of the third filter's column
# (3, 3, 3, 3, 3)? And of the first filter's image with value 4?

# %% [markdown]
# <details><summary>Answer</summary>
#
# The third column has max − min = 0, so eq. 1 gives 0 / (0 + ε) = 0 for every image: the filter
# ends up a column of zeros, indistinguishable from "responds to nothing". The first filter's 4
# is its maximum, so it becomes 1; its 0 becomes 0 and everything else lands in between.
# </details>

# %%
toy = np.array([[0.0, 2.0, 3.0],
                [1.0, 4.0, 3.0],
                [2.0, 2.0, 3.0],
                [4.0, 6.0, 3.0],
                [3.0, 10.0, 3.0]])
eps = 1e-12
by_hand = (toy - toy.min(axis=0)) / (toy.max(axis=0) - toy.min(axis=0) + eps)
print(by_hand.round(3))

# %% [markdown]
# ## Exercise 1: eq. 1
#
# Write `my_normalize(A, eps=1e-12)` that applies eq. 1 to every column of an array of shape
# `(n_images, n_filters)`. The check compares it with `helpers.stats.measure.normalize` on the real
# layer, for all filters that vary over the images (the next section is about the others).

# %%
def my_normalize(A, eps=1e-12):
    A = np.asarray(A, dtype=np.float64)
    ...  # your code here: return A_N, the same shape as A


# %%
varying = ~silent_filters(A)
my_normalize_used = course.check_function(
    my_normalize, normalize, [(A,)],
    "eq. 1 works per filter, i.e. per column: along which axis are its minimum and maximum taken?",
    "eq. 1 matches helpers.stats.measure.normalize on every varying filter.",
    equal=lambda mine, ref: mine.shape == ref.shape and np.allclose(mine[:, varying], ref[:, varying]),
    exercise="03.1")

# %% [markdown]
# ## 2. Silent filters
#
# As the toy's third column showed, a filter that gives every image the same value (after a ReLU,
# typically 0 for all of them) becomes a column of zeros. Its total activation is zero, so the share
# of eq. 2 is $0/0$: undefined. The course marks such **silent** filters as NaN, counts them
# separately, and never calls them selective. (`normalize` also treats a range below a millionth
# of the filter's magnitude as silent, since such a filter responds to rounding noise only.)

# %%
print("silent toy filters:", silent_filters(toy))
print(normalize(toy).round(3))

# %%
silent = pd.Series({name: int(silent_filters(a).sum()) for name, a in acts.items()}, name="silent")
counts = pd.DataFrame({"filters": {name: a.shape[1] for name, a in acts.items()}, "silent": silent})
counts["silent (%)"] = (100 * counts["silent"] / counts["filters"]).round(1)
print(title)
print(counts.T.to_string())

# %%
worst = counts["silent (%)"].idxmax()
print(f"Most silent filters: {worst} ({counts.loc[worst, 'silent (%)']:.1f} % of {counts.loc[worst, 'filters']}); "
      f"all layers together: {counts['silent'].sum()} of {counts['filters'].sum()} filters "
      f"({100 * counts['silent'].sum() / counts['filters'].sum():.1f} %).")

# %%
from helpers.analyses import verdicts

n_silent, n_all = int(counts["silent"].sum()), int(counts["filters"].sum())
print(verdicts.shows(f"{n_silent} of {n_all} filters ({n_silent / n_all:.1%}) are silent on these {len(labels)} images"
                     + (f", most of them in {worst}; they are left out of every share below." if n_silent else
                        ": every filter varies, so eq. 1 is defined for all of them.")))

# %% [markdown]
# A silent filter is one whose ReLU input is negative for every image of *this* stimulus set: it
# may well respond to other images. A large silent fraction is therefore a statement about the
# stimuli as much as about the network, and the proportions of notebook 05 count silent filters in
# the denominator (they are filters of the layer that are not selective for anything shown).
#
# ## 3. Eq. 2: the share of activation per category
#
# For each filter the paper adds up its normalised activation over the images of one category
# and divides by the total over all images:
#
# $$S_{f,c} = \frac{\sum_{i \in c} A_N[i, f]}{\sum_{i} A_N[i, f]}.$$
#
# $S$ is 1 when the filter responds *only* to category $c$. When categories have different numbers
# of images this **plain share of sums** favours the big ones, so the course's default replaces the
# sums by **means** per category (the *balanced* share):
#
# $$S^{\text{bal}}_{f,c} = \frac{\operatorname{mean}_{i \in c} A_N[i, f]}{\sum_{c'} \operatorname{mean}_{i \in c'} A_N[i, f]}.$$
#
# With equal class sizes the two are identical.
#
# ## Exercise 2: eq. 2
#
# Write `my_share(AN, labels, n_categories, balanced)` returning an array of shape
# `(n_filters, n_categories)`: the plain share of sums when `balanced=False`, the share of category
# means when `balanced=True`. Rows of silent filters (NaN columns of `AN`) should come out NaN, which
# happens by itself if you do not hide the NaN. The check compares both variants with
# `helpers.stats.measure.selectivity_index`.

# %%
def my_share(AN, labels, n_categories, balanced=True):
    ...  # your code here: return the shares, shape (n_filters, n_categories)


# %%
AN = normalize(A)
my_share_used = course.check_function(
    my_share, selectivity_index, [(AN, labels, C, False), (AN, labels, C, True)],
    "the two formulas above differ only in what is computed per category (a sum or a mean); compare "
    "case 1 (plain) with case 2 (balanced) to see which one you have",
    "eq. 2 matches helpers.stats.measure.selectivity_index, plain and balanced.", exercise="03.2")

# %% [markdown]
# ## 4. Chance level
#
# Every non-silent row of $S$ sums to 1. A filter with no preference at all spreads its activation
# evenly and gets $1/C$ for every category: **chance**, 0.25 with four categories. Selectivity means
# a share well above that.
#
# **Think!** The next figure shows, for each category, the histogram of the layer's shares. Before
# you look: can the *average* share over the layer's filters be above chance for every category at
# once? And would you expect an untrained network's averages to sit exactly at chance?

# %% [markdown]
# <details><summary>Answer</summary>
#
# No: each filter's shares sum to 1, so the averages over filters also sum to 1. If one category's
# average is above $1/C$, another's must be below. And no, not even without training: eq. 2 only
# asks which images drive a filter more, and random filters are driven more by some images than
# others (more contrast, more edges, particular colours). If one category's images carry more of
# what the filters pick up, its shares rise and the others' fall.
# </details>

# %%
S = selectivity_index(AN, labels, C)
ok = ~np.isnan(S).any(axis=1)
print(f"chance level: 1/{C} = {1 / C}")
print("every non-silent row sums to 1:", np.allclose(S[ok].sum(axis=1), 1))

# %% jupyter={"source_hidden": true}
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, C, figsize=(12, 3.6), sharey=True, layout="constrained")
bins = np.linspace(0, 1, 41)
for c, ax in enumerate(axes):
    ax.hist(S[ok, c], bins=bins, color=plots.category_colour(categories[c]))  # the course's colour for it
    ax.axvline(1 / C, color="k", ls="--", lw=1, label=f"chance 1/{C}")
    ax.set_xlabel(f"share for '{categories[c]}' (eq. 2)")
    ax.set_title(categories[c], fontsize=9)
axes[0].set_ylabel(f"number of filters ({LAYER})")
axes[0].legend(fontsize=8)
fig.suptitle(f"Eq. 2 shares of {ok.sum()} non-silent filters in {LAYER}\n{title}", fontsize=9)
plt.show()

# %% [markdown]
# Are some categories' shares below chance and others above? The table puts each category's mean
# share beside two low-level properties of its images, computed from the pixels: mean luminance
# (luma, 0–255) and RMS contrast (the standard deviation of luma within an image, averaged over
# the category's images).

# %%
from helpers.stimuli.equalize import luma

luma = luma(stim.images())  # (images, height, width), grey levels
low_level = pd.DataFrame({
    "mean share": S[ok].mean(axis=0),
    "vs chance": ["above" if s > 1 / C else "below" for s in S[ok].mean(axis=0)],
    "mean luminance": [luma[labels == c].mean() for c in range(C)],
    "RMS contrast": [luma[labels == c].std(axis=(1, 2)).mean() for c in range(C)],
}, index=categories)
print(f"{LAYER}, {ok.sum()} non-silent filters; chance = {1 / C:.3f}\n{title}")
print(low_level.round(3).to_string())
top_share, low_share = low_level["mean share"].idxmax(), low_level["mean share"].idxmin()
top_contrast, low_contrast = low_level["RMS contrast"].idxmax(), low_level["RMS contrast"].idxmin()
rho = low_level["mean share"].rank().corr(low_level["RMS contrast"].rank())
print(f"\nhighest mean share: {top_share}; lowest: {low_share}.")
print(f"highest RMS contrast: {top_contrast}; lowest: {low_contrast}. "
      f"Rank correlation of mean share and contrast over the {C} categories: {rho:+.2f}.")
print(f"The network is {'TRAINED' if acts.trained else 'UNTRAINED'} "
      f"({'photographs' if not acts.schematic else 'generated drawings'}).")

# %% [markdown]
# **Interpretation.** A category's mean share above chance means the layer's filters, on average,
# are driven harder by its images than by the others; the shares of the remaining categories must
# then fall below chance (they sum to 1). In an untrained network a category wins when its images
# carry more of the edges and colours that random filters pick up; in a trained one, learned
# preferences add to these, and this table cannot tell the two apart (notebook 05 equalises
# luminance and contrast and compares with an untrained control). For this run:

# %%
shares = low_level["mean share"]
print(verdicts.shows(
    f"in this {'trained' if acts.trained else 'UNTRAINED'} network {top_share} has the highest mean share "
    f"({shares[top_share]:.3f}) and {low_share} the lowest ({shares[low_share]:.3f}), against chance {1 / C:.3f}; "
    f"share and RMS contrast rank the {C} categories with ρ = {rho:+.2f}"
    + (": contrast alone orders them." if rho >= 0.8 else
       ": contrast does not order them, though size, colour or edge density may.")
    + (" Learned and low-level preferences cannot be told apart from this table." if acts.trained else
       " Nothing here is learned: the weights are random.")))

# %% [markdown]
# A share is always a comparison *among the categories shown*: "below chance for dogs"
# means "dogs drive this layer less than the other three categories of this set", not "the layer
# ignores dogs".
#
# ## 5. Unequal class sizes
#
# The paper states that its measure does not need equal class sizes. The plain share of sums does
# depend on them. A toy example: three categories with 600, 200 and 200 images, and a filter whose
# normalised response is drawn from the **same** distribution for all of them, so it has no
# preference. A second filter does prefer the small category "b" (twice the mean response).
#
# **Think!** What plain share (share of sums) will the indifferent filter get for the big
# category "a"?

# %% [markdown]
# <details><summary>Answer</summary>
#
# About 0.6: its activation is spread evenly over the images, and 600 of the 1000 images are "a",
# so 60 % of the sum falls on "a" although the filter has no preference at all.
# </details>

# %%
rng = np.random.default_rng(0)
toy_labels = np.repeat([0, 1, 2], [600, 200, 200])
n_toy = len(toy_labels)
indifferent = rng.uniform(0, 1, size=n_toy)
prefers_b = np.where(toy_labels == 1, rng.uniform(0.4, 1.0, n_toy), rng.uniform(0.0, 0.6, n_toy))
toy_AN = np.column_stack([indifferent, prefers_b])
for balanced in (False, True):
    S_toy = selectivity_index(toy_AN, toy_labels, 3, balanced=balanced)
    kind = "balanced (share of means)" if balanced else "plain (share of sums)   "
    print(f"{kind}  indifferent filter: {S_toy[0].round(2)}   filter preferring 'b': {S_toy[1].round(2)}")

# %%
plain_toy, balanced_toy = (selectivity_index(toy_AN, toy_labels, 3, balanced=b) for b in (False, True))
print(verdicts.shows(
    f"with 600, 200 and 200 images the plain share gives the indifferent filter {plain_toy[0, 0]:.2f} for the big "
    f"category and ranks '{'abc'[int(np.argmax(plain_toy[1]))]}' first for the filter that prefers 'b'; the balanced "
    f"share gives {balanced_toy[0].min():.2f}–{balanced_toy[0].max():.2f} to every category and ranks "
    f"'{'abc'[int(np.argmax(balanced_toy[1]))]}' first."))

# %% [markdown]
# The plain share gives the indifferent filter about 0.6 for the big category, purely because it
# has three times the images, and it even ranks the big category first for the filter that prefers
# "b". The balanced share gives the indifferent filter about 1/3 everywhere and puts "b" first. The
# course therefore uses the balanced form by default (identical to the paper's formula for equal
# class sizes; the full profile's demo set has 75, 75, 67 and 57 images per category).
#
# ## Exercise 3 (challenge): from plain to balanced shares without the activations
#
# A colleague sends you only the plain shares of the two toy filters, `S_plain` (shape (2, 3)),
# and the class sizes `sizes` = (600, 200, 200); the activations are lost. Compute the balanced
# shares from these two alone, as an array `S_balanced` of shape (2, 3).
#
# *Hint:* write both shares in terms of the per-category sums $\Sigma_c = \sum_{i\in c} A_N[i,f]$.
# What does dividing the plain share by $n_c$ give, up to a factor that is the same for every
# category of a filter?

# %%
S_plain = selectivity_index(toy_AN, toy_labels, 3, balanced=False)
sizes = np.bincount(toy_labels)

# %%
S_balanced = ...  # your code here: the balanced shares, shape (2, 3), from S_plain and sizes only

# %%
S_balanced_used = course.check_answer(
    S_balanced, selectivity_index(toy_AN, toy_labels, 3, balanced=True),
    "follow the hint above: what is S_plain[f, c] / n_c proportional to, and what must every row sum to?",
    "the balanced share is the plain share per image, renormalised: no activations needed.", exercise="03.3")

# %% [markdown]
# The same identity says that the plain and the balanced share carry the same information once the
# class sizes are known; what differs is which one reads "0.25" as "no preference".

# %% [markdown]
# ## Exercise 4 (interpretation): what a share says
#
# A filter of this layer has an eq. 2 share of 0.40 for one category, with four categories. In
# three or four sentences stored in `interpretation`: what does that number say, compared with
# what, and what does it not tell you yet?

# %%
interpretation = ...  # your code here: a few sentences in quotes, e.g. interpretation = """..."""

# %%
course.check_text(
    interpretation,
    {"the chance level it is compared with": ['chance', '0.25', '1/4', 'one quarter', '1/C'],
     "what the share cannot tell": ['test', 'permutation', 'significan', 'noise', 'by chance']},
    min_words=30, exercise="03.4")

# %% [markdown]
# ## Summary
#
# - Eq. 1 rescales each filter to 0–1 over the stimulus set; eq. 2 takes the share of that
#   rescaled activation per category. The balanced form (share of means) is fair to unequal class
#   sizes and equals the paper's formula when they are equal; it follows from the plain share and
#   the class sizes alone.
# - Chance is $1/C$; silent filters have no defined share (NaN), are counted and never called
#   selective; how many there are depends on the stimuli as much as on the network.
# - A layer's shares compare the categories *shown*: if one category's average share is above
#   chance, another's is below. Low-level differences between the categories' images (contrast,
#   luminance) move the shares even in an untrained network.
#
# **Next:** notebook 04 asks whether a share is more than luck (the permutation test, its
# resolution, Benjamini–Hochberg) and compares eq. 2 with neuroscience's indices; notebook 05 then
# draws the paper's figure over all layers.
#
# ### Sources
#
# - The paper (the measure, eq. 1 and eq. 2, and the four categories): K. Malakhova, *Representation
#   of Categories in Filters of Deep Neural Networks*, Proceedings of the IEEE Conference on
#   Computer Vision and Pattern Recognition Workshops (CVPRW), 2018, pp. 1973–1975,
#   doi:[10.1109/CVPRW.2018.00265](https://doi.org/10.1109/CVPRW.2018.00265).
# - The essay (the question notebooks 07–09 take up): K. Malakhova, *Why Latent Representations in
#   Convolutional Neural Networks Fall Outside Visual Space*, MODVIS Workshop (Computational and
#   Mathematical Models in Vision), St. Petersburg, Florida, 2018,
#   <https://docs.lib.purdue.edu/modvis/2018/session02/3>.
# - Luma weights: ITU-R Recommendation BT.601.
# - K. Simonyan and A. Zisserman, *Very Deep Convolutional Networks for Large-Scale Image
#   Recognition*, ICLR 2015.
