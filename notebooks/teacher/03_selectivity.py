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
# # 03 · Selectivity
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/teacher/03_selectivity.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. compute the paper's selectivity index yourself: min–max normalisation (eq. 1) and the share of
#    activation per category (eq. 2);
# 2. say what value a filter without any preference gets (chance), what happens to filters that
#    never vary (silent filters), and why unequal class sizes bias the plain share;
# 3. test a filter's selectivity with a permutation test, and explain what a threshold of
#    p ≤ 0.01 promises across hundreds of filters (false positives, Benjamini–Hochberg);
# 4. relate eq. 2 to indices from neuroscience: the face-selectivity index and d′.
#
# **Estimated time:** about 50 minutes.
#
# **Prerequisites:** notebook 02 (where the per-filter maxima come from); NumPy broadcasting and
# boolean indexing; the idea of a p-value.

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
# We start from the per-filter maxima of notebook 02: for every image and every filter of a
# layer, the largest value of its post-ReLU activation map. `course.activations()` returns them
# for all layers (read from the disk cache after the first time). We work with one layer,
# `block5_conv3`, the last convolutional layer of VGG16, which the paper singles out.

# %%
import numpy as np
import pandas as pd

from helpers import plots
from helpers import selectivity as sel

acts = course.activations()
stim = course.stimuli()
LAYER = "block5_conv3"
A = acts[LAYER]
labels, categories = acts.labels, acts.categories
C = len(categories)
title = plots.title_for(acts.model_label, acts.trained, schematic=bool(acts.meta.get("schematic")))
print(title)

# %%
# NBVAL_CHECK_OUTPUT
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
# filters; the third filter gives the same value to every image:

# %%
# NBVAL_CHECK_OUTPUT
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
# `(n_images, n_filters)`. The check compares it with `helpers.selectivity.normalize` on the real
# layer, for all filters that vary over the images (the next section is about the others).

# %% tags=["solution"] jupyter={"source_hidden": true}
def my_normalize(A, eps=1e-12):
    A = np.asarray(A, dtype=np.float64)
    ...  # your code here: return A_N, the same shape as A
    ### BEGIN SOLUTION
    lo, hi = A.min(axis=0), A.max(axis=0)
    return (A - lo) / (hi - lo + eps)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
varying = ~sel.silent_filters(A)
my_normalize = course.check_function(
    my_normalize, sel.normalize, [(A,)],
    "subtract each column's minimum and divide by (column max - column min + eps); "
    "use axis=0 for per-filter statistics",
    "eq. 1 matches helpers.selectivity.normalize on every varying filter.",
    equal=lambda mine, ref: mine.shape == ref.shape and np.allclose(mine[:, varying], ref[:, varying]))

# %% [markdown]
# ## 2. Silent filters
#
# Look at the toy's third column: a filter that gives every image the same value (after a ReLU,
# typically 0 for all of them) becomes a column of zeros. Its total activation is zero, so the share
# of eq. 2 is $0/0$: undefined. The course marks such **silent** filters as NaN, counts them
# separately, and never calls them selective. (`normalize` also treats a range below a millionth
# of the filter's magnitude as silent, since such a filter responds to rounding noise only.)

# %%
# NBVAL_CHECK_OUTPUT
print("silent toy filters:", sel.silent_filters(toy))
print(sel.normalize(toy).round(3))

# %%
silent = pd.Series({name: int(sel.silent_filters(a).sum()) for name, a in acts.items()}, name="silent")
counts = pd.DataFrame({"filters": {name: a.shape[1] for name, a in acts.items()}, "silent": silent})
counts["silent (%)"] = (100 * counts["silent"] / counts["filters"]).round(1)
print(title)
print(counts.T.to_string())

# %% [markdown]
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
# `helpers.selectivity.selectivity_index`.

# %% tags=["solution"] jupyter={"source_hidden": true}
def my_share(AN, labels, n_categories, balanced=True):
    ...  # your code here: return the shares, shape (n_filters, n_categories)
    ### BEGIN SOLUTION
    per_category = np.stack([AN[labels == c].sum(axis=0) for c in range(n_categories)], axis=1)
    if balanced:
        per_category = per_category / np.bincount(labels, minlength=n_categories)
    return per_category / per_category.sum(axis=1, keepdims=True)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
AN = sel.normalize(A)
my_share = course.check_function(
    my_share, sel.selectivity_index, [(AN, labels, C, False), (AN, labels, C, True)],
    "per category, sum (or average) AN over that category's rows; then divide each filter's row "
    "by its total over categories",
    "eq. 2 matches helpers.selectivity.selectivity_index, plain and balanced.")

# %% [markdown]
# ## 4. Chance level
#
# Every non-silent row of $S$ sums to 1. A filter with no preference at all spreads its activation
# evenly and gets $1/C$ for every category: **chance**, 0.25 with four categories. Selectivity means
# a share well above that. How are the shares of this layer distributed?

# %%
# NBVAL_CHECK_OUTPUT
S = sel.selectivity_index(AN, labels, C)
ok = ~np.isnan(S).any(axis=1)
print(f"chance level: 1/{C} = {1 / C}")
print("every non-silent row sums to 1:", np.allclose(S[ok].sum(axis=1), 1))

# %%
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, C, figsize=(12, 3.6), sharey=True, layout="constrained")
bins = np.linspace(0, 1, 41)
for c, ax in enumerate(axes):
    ax.hist(S[ok, c], bins=bins, color=f"C{c}")
    ax.axvline(1 / C, color="k", ls="--", lw=1, label=f"chance 1/{C}")
    ax.set_xlabel(f"share for '{categories[c]}' (eq. 2)")
    ax.set_title(categories[c], fontsize=9)
axes[0].set_ylabel(f"number of filters ({LAYER})")
axes[0].legend(fontsize=8)
fig.suptitle(f"Eq. 2 shares of {ok.sum()} non-silent filters in {LAYER}\n{title}", fontsize=9)
plt.show()
print(f"mean share per category: {dict(zip(categories, S[ok].mean(axis=0).round(3).tolist()))}")

# %% [markdown]
# ## 5. Unequal class sizes
#
# The paper states that its measure does not need equal class sizes. The plain share of sums does
# depend on them. A toy example: three categories with 600, 200 and 200 images, and a filter whose
# normalised response is drawn from the **same** distribution for all of them, so it has no
# preference. A second filter does prefer the small category "b" (twice the mean response).

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.default_rng(0)
toy_labels = np.repeat([0, 1, 2], [600, 200, 200])
n_toy = len(toy_labels)
indifferent = rng.uniform(0, 1, size=n_toy)
prefers_b = np.where(toy_labels == 1, rng.uniform(0.4, 1.0, n_toy), rng.uniform(0.0, 0.6, n_toy))
toy_AN = np.column_stack([indifferent, prefers_b])
for balanced in (False, True):
    S_toy = sel.selectivity_index(toy_AN, toy_labels, 3, balanced=balanced)
    kind = "balanced (share of means)" if balanced else "plain (share of sums)   "
    print(f"{kind}  indifferent filter: {S_toy[0].round(2)}   filter preferring 'b': {S_toy[1].round(2)}")

# %% [markdown]
# The plain share gives the indifferent filter about 0.6 for the big category, purely because it
# has three times the images, and it even ranks the big category first for the filter that prefers
# "b". The balanced share gives the indifferent filter about 1/3 everywhere and puts "b" first. The
# course therefore uses the balanced form by default (identical to the paper's formula for equal
# class sizes; the full profile's demo set has 75, 75, 67 and 57 images per category).
#
# ## 6. Is a share significant? The permutation test
#
# A share above chance may be luck: with a few dozen images per category, some filter among
# hundreds will lean towards some category by accident. The permutation test asks how large the
# share would be **if the labels meant nothing**: shuffle the labels (keeping the class sizes),
# recompute the share, repeat $K$ times. The shuffled values form the **null distribution**; the
# p-value is the fraction of it that reaches the observed share, counting the observation itself:
#
# $$p = \frac{1 + \#\{\text{null} \ge \text{observed}\}}{1 + K}.$$
#
# The smallest possible p is $1/(K+1)$, about 0.001 for $K = 1000$. Here is one filter: among the
# filters that respond (maximum above 0) to at least half of the face images, the one with the
# largest face share.

# %%
face = categories.index("face")
responsive = (A[labels == face] > 0).mean(axis=0) >= 0.5
candidates = np.flatnonzero(ok & responsive)
if len(candidates) == 0:  # no such filter: fall back on all non-silent ones
    candidates = np.flatnonzero(ok)
f = int(candidates[np.argmax(S[candidates, face])])
observed = S[f, face]
K = 1000
rng = np.random.default_rng(1)
null = np.array([sel.selectivity_index(AN[:, [f]], rng.permutation(labels), C)[0, face] for _ in range(K)])
print(f"filter {f} of {LAYER}: observed face share {observed:.3f}; "
      f"null: mean {null.mean():.3f}, 99th percentile {np.percentile(null, 99):.3f}")

# %% [markdown]
# ## Exercise 3: the p-value
#
# Compute `p_value` for this filter from `null` and `observed` with the formula above.

# %% tags=["solution"] jupyter={"source_hidden": true}
p_value = ...  # your code here: the p-value, a number in (0, 1]
### BEGIN SOLUTION
p_value = (1 + np.sum(null >= observed)) / (1 + len(null))
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
p_value = course.check_answer(p_value, course.reference("permutation_p", null, observed),
                              "count the shuffles whose share is at least the observed one, add 1, divide by K + 1",
                              "that is the permutation p-value.")

# %%
helper_p = sel.permutation_test(AN[:, [f]], labels, n_permutations=K, seed=0)[0, face]
ours = f"{p_value:.4f}"
fig, ax = plt.subplots(figsize=(7, 3.4))
ax.hist(null, bins=40, color="0.6", label=f"null: {K} label shuffles")
ax.axvline(observed, color="tab:red", lw=2, label=f"observed share {observed:.3f} (p = {ours})")
ax.axvline(1 / C, color="k", ls="--", lw=1, label="chance")
ax.set_xlabel(f"face share of filter {f} (eq. 2)")
ax.set_ylabel("number of shuffles")
ax.set_title(f"Permutation test, {LAYER} filter {f}\n{title}", fontsize=9)
ax.legend(fontsize=8)
plt.show()
print(f"our p = {ours}; helpers.selectivity.permutation_test (other shuffles) p = {helper_p:.4f}")

# %% [markdown]
# The two p-values differ only because they use different random shuffles; with $K = 1000$ both
# are precise to about ±0.003 around 0.01. `helpers.selectivity.permutation_test` does the same for
# all filters and categories at once, with one matrix product per block of shuffles.
#
# Why not simply take the filter with the **largest** share? Because a share close to 1 can come
# from very few images: a filter that stays at its minimum for almost every image and fires for one
# face photograph has all its normalised activation on faces. Here is the largest face share of the
# layer, with how many images drive it and its p-value:

# %%
p_real = sel.permutation_test(AN, labels, n_permutations=K, seed=0)  # every filter and category
g = int(np.nanargmax(S[:, face]))
n_face, n_other = int((labels == face).sum()), int((labels != face).sum())
print(f"filter {g}: face share {S[g, face]:.3f}; maximum above 0 for {int((A[labels == face, g] > 0).sum())} "
      f"of {n_face} face images and {int((A[labels != face, g] > 0).sum())} of {n_other} others; "
      f"p = {p_real[g, face]:.4f}")

# %% [markdown]
# If that filter responds to only a handful of images, its p-value is large despite the share:
# under shuffled labels, a handful of images often land in one category by chance. The share says
# *how much* of a filter's activity falls on a category; only the test says whether that is more
# than luck would give.
#
# ## 7. What a threshold of p ≤ 0.01 promises
#
# A threshold of 0.01 means: a filter **without** any preference passes it with probability
# about 1 %. Among a few hundred such filters, a few pass anyway: **false positives**. To see this
# happen, make a "null world" in which the labels are shuffled once for all filters, so that no
# filter can truly prefer anything, and count how many filters pass. Fifty such worlds (each tested
# with 200 shuffles to save time; that still resolves p ≤ 0.01):

# %%
n_tested = int(ok.sum())
rng = np.random.default_rng(2)
false_pos, false_pos_bh = [], []
for world in range(50):
    p_null = sel.permutation_test(AN, rng.permutation(labels), n_permutations=200, seed=world)
    false_pos.append((p_null <= 0.01).sum(axis=0))
    false_pos_bh.append((sel.benjamini_hochberg(p_null) <= 0.01).sum(axis=0))
false_pos, false_pos_bh = np.array(false_pos), np.array(false_pos_bh)
summary = pd.DataFrame({
    "real: p ≤ 0.01": (p_real <= 0.01).sum(axis=0),
    "real: BH ≤ 0.01": (sel.benjamini_hochberg(p_real) <= 0.01).sum(axis=0),
    "null: mean": false_pos.mean(axis=0),
    "null: median": np.median(false_pos, axis=0),
    "null: 90th pct": np.percentile(false_pos, 90, axis=0),
    "null: max": false_pos.max(axis=0),
    "null, BH: mean": false_pos_bh.mean(axis=0),
}, index=categories)
print(f"{title}\n{LAYER}: {n_tested} non-silent filters; expected false positives per category at 0.01: "
      f"{0.01 * n_tested:.1f}")
print("filters passing, with the real labels and in 50 null worlds:")
print(summary.to_string(float_format="{:.1f}".format))

# %% [markdown]
# Averaged over the null worlds, the count of false positives is of the order of
# $0.01 \times N$, as promised. But look at how it is spread: most worlds produce none or one,
# and an occasional world produces dozens or hundreds. Filters of one layer respond to overlapping
# features, so their p-values rise and fall together: when a shuffle happens to put many images
# of one true category into one fake category, every filter tuned to that category passes at
# once. Two consequences for reading the paper's figure:
#
# - a proportion of selective filters near 1 % is what meaningless labels produce; only
#   proportions clearly above it say something;
# - to control mistakes across all filters, the **Benjamini–Hochberg** procedure adjusts the
#   p-values so that, among the filters called selective, the expected *fraction* of false ones
#   stays below the threshold (the false discovery rate). It is stricter than the raw threshold
#   (compare the real labels' two columns) and, in a world where nothing is selective, it rarely
#   calls anything selective (`helpers.selectivity.benjamini_hochberg`; notebook 04 has a switch
#   for it).
#
# ### The paper's "threshold of 0.01"
#
# The paper counts filters as selective "with a threshold of 0.01 for selectivity index" without
# saying more. Read literally, as share ≥ 0.01, it would call almost every filter selective for
# every category, because chance alone is 0.25:

# %%
print(f"share of non-silent filters with S ≥ 0.01, per category: "
      f"{dict(zip(categories, (S[ok] >= 0.01).mean(axis=0).round(3).tolist()))}")

# %% [markdown]
# So the course reads 0.01 as a **significance level**: a filter is selective for a category when
# its permutation p-value is at most 0.01 (the repository's README explains this choice; an index
# threshold and BH correction are available in `helpers.selectivity.selective`).
#
# ## 8. Neuroscience's indices
#
# Category selectivity of single neurons and brain regions has been measured for decades; two
# common indices, applied here to filters:
#
# - **face-selectivity index** (in the spirit of Kanwisher et al., 1997, and many single-unit
#   studies): $\text{FSI} = (R_{\text{face}} - R_{\text{other}}) / (R_{\text{face}} + R_{\text{other}})$
#   with mean responses $R$. It runs from −1 to 1; the usual criterion $\text{FSI} > 1/3$ means the
#   face response is more than **twice** the response to other things (solve
#   $(R_f - R_o)/(R_f + R_o) > 1/3$ for $R_f$).
# - **d′** from signal detection theory (Green & Swets, 1966):
#   $d' = (\mu_{\text{face}} - \mu_{\text{other}}) / \sqrt{(\sigma^2_{\text{face}} + \sigma^2_{\text{other}})/2}$:
#   the distance between the two response distributions in units of their spread.
#
# We compute both from the raw per-filter maxima $A$ (neuroscience has no eq. 1), with "other" =
# all non-face categories: for FSI the mean of their category means, for d′ their images
# pooled.

# %%
def face_indices(A, labels, face):
    A = np.asarray(A, dtype=np.float64)
    others = [c for c in range(labels.max() + 1) if c != face]
    r_face = A[labels == face].mean(axis=0)
    r_other = np.mean([A[labels == c].mean(axis=0) for c in others], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        fsi = (r_face - r_other) / (r_face + r_other)
        other_images = A[labels != face]
        d_prime = (r_face - other_images.mean(axis=0)) / np.sqrt(
            (A[labels == face].var(axis=0, ddof=1) + other_images.var(axis=0, ddof=1)) / 2)
    return fsi, d_prime


fsi, d_prime = face_indices(A, labels, face)
indices = pd.DataFrame({"eq. 2 face share": S[ok, face], "FSI (raw)": fsi[ok], "d′": d_prime[ok]})


def spearman(x, y):
    return float(np.corrcoef(pd.Series(x).rank(), pd.Series(y).rank())[0, 1])


fig, axes = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
for ax, col, line, what in ((axes[0], "FSI (raw)", 1 / 3, "FSI = 1/3 (face ≥ 2× other)"),
                            (axes[1], "d′", 1.0, "d′ = 1")):
    rho = spearman(indices["eq. 2 face share"], indices[col])
    ax.scatter(indices["eq. 2 face share"], indices[col], s=8, alpha=0.6)
    ax.axvline(1 / C, color="k", ls="--", lw=1, label="chance share")
    ax.axhline(line, color="tab:red", ls=":", lw=1, label=what)
    ax.set_xlabel("face share, eq. 2 (balanced)")
    ax.set_ylabel(col + (" (unitless, −1 to 1)" if col.startswith("FSI") else " (standard deviations)"))
    ax.set_title(f"{col} vs eq. 2: Spearman ρ = {rho:.2f}", fontsize=9)
    ax.legend(fontsize=8)
fig.suptitle(f"{LAYER}, {ok.sum()} non-silent filters\n{title}", fontsize=9)
plt.show()

# %% [markdown]
# The indices agree on the ranking of filters to a large extent but not completely, for two
# reasons. Eq. 1 subtracts each filter's minimum before the shares are taken, while the FSI works
# on raw responses: a filter that responds strongly to everything and a bit more to faces has a
# small FSI but can have a large share once its baseline is removed. And d′ also weighs how
# *consistently* the filter prefers faces (the spread), which neither share nor FSI looks at.
#
# In fact, computed on the *normalised* responses $A_N$ instead of $A$, the FSI carries exactly
# the same information as the balanced share: with $r = R_f/R_o$ one has
# $\text{FSI} = (r-1)/(r+1)$ and $S = r/(r + C - 1)$, two increasing functions of the same ratio.

# %%
fsi_normalised, _ = face_indices(AN[:, ok], labels, face)
predicted_share = (1 + fsi_normalised) / ((1 + fsi_normalised) + (C - 1) * (1 - fsi_normalised))
print("balanced share == (1 + FSI_N) / ((1 + FSI_N) + (C - 1)(1 - FSI_N)) for every filter:",
      np.allclose(predicted_share, S[ok, face]))

p_face = p_real[ok, face]
crit = pd.DataFrame({"p ≤ 0.01 (course)": p_face <= 0.01, "FSI > 1/3": fsi[ok] > 1 / 3, "d′ > 1": d_prime[ok] > 1})
print(f"\nface-selective filters in {LAYER} by each criterion ({title.splitlines()[0]}):")
print(crit.sum().to_string())
print("\nfilters passing both p ≤ 0.01 and FSI > 1/3:", int((crit.iloc[:, 0] & crit.iloc[:, 1]).sum()))

# %% [markdown]
# Different criteria select overlapping but different sets of filters, and the counts depend on
# the threshold as much as on the index. When you compare "proportions of selective filters"
# between studies, networks or layers, compare the same index with the same criterion.
#
# ## Summary
#
# - Eq. 1 rescales each filter to 0–1 over the stimulus set; eq. 2 takes the share of that
#   rescaled activation per category. The balanced form (share of means) is fair to unequal class
#   sizes and equals the paper's formula when they are equal.
# - Chance is $1/C$; silent filters have no defined share (NaN), are counted and never called
#   selective.
# - A permutation test turns a share into a p-value, $p = (1 + \#\{\text{null} \ge \text{obs}\})/(1+K)$.
#   At p ≤ 0.01 about 1 % of indifferent filters pass anyway; Benjamini–Hochberg controls the
#   fraction of false discoveries. The course reads the paper's "threshold of 0.01" as p ≤ 0.01.
# - The neuroscience FSI and d′ rank filters similarly to eq. 2 but not identically; on normalised
#   responses the FSI and the balanced share are equivalent.
#
# **Next:** notebook 04 applies all of this to every layer and draws the paper's figure, trained
# against untrained.
#
# ### Sources
#
# - The measure (eq. 1, eq. 2) and the four categories: the paper, `../shared/seeds/002_…`.
# - N. Kanwisher, J. McDermott and M. M. Chun, *The fusiform face area: a module in human
#   extrastriate cortex specialized for face perception*, Journal of Neuroscience 17, 1997
#   (face-selectivity contrasts of this kind).
# - D. M. Green and J. A. Swets, *Signal Detection Theory and Psychophysics*, Wiley, 1966 (d′).
# - Y. Benjamini and Y. Hochberg, *Controlling the false discovery rate*, Journal of the Royal
#   Statistical Society B 57, 1995.
# - K. Simonyan and A. Zisserman, *Very Deep Convolutional Networks for Large-Scale Image
#   Recognition*, ICLR 2015.
