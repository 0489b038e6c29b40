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
# # 04 · Selectivity II: is a share more than chance?
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/teacher/04_selectivity_statistics.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. test a filter's eq. 2 share with a permutation test and compute its p-value by hand;
# 2. explain the test's resolution floor, $1/(K+1)$ after $K$ shuffles, and the $m/q$ rule: why
#    Benjamini–Hochberg over $m$ filters at level $q$ can find nothing when too few shuffles were
#    run, and how the course resolves it;
# 3. say what a threshold of p ≤ 0.01 promises across hundreds of filters (false positives), what
#    Benjamini–Hochberg promises instead, and implement it;
# 4. count filters "selective for any category" with the multiplicity of that question corrected;
# 5. relate eq. 2 to indices from neuroscience: the face-selectivity index (with the FSI > 1/3
#    criterion of Tsao et al., 2006) and d′.
#
# **Estimated time:** about 65 minutes (30 reading the text and the code, 35 for the three exercises
# and two Think! prompts; the code runs in under two minutes under `quick`).
#
# **Prerequisites:** notebook 03 (eq. 1, eq. 2, chance); the idea of a p-value.

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
# The same layer as in notebook 03, `block5_conv3`, with its normalised maxima $A_N$ (eq. 1) and
# balanced shares $S$ (eq. 2). `course.selectivity()` has run the permutation test for every
# filter of every layer (cached on disk); we first run it by hand for one filter.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.present import plots
from helpers.stats import selectivity as sel
from helpers.stats.layer import LayerSelectivity
from helpers.stats.permutation import MAX_PERMUTATIONS, permutation_test
from helpers.stats.rules import benjamini_hochberg
from helpers.stats.measure import normalize, selectivity_index
from helpers.analyses import verdicts

acts = course.activations()
result = course.selectivity(acts)
LAYER = "block5_conv3"
A = acts[LAYER]
labels, categories = acts.labels, acts.categories
C = len(categories)
AN = normalize(A)
S = selectivity_index(AN, labels, C)
ok = ~np.isnan(S).any(axis=1)
title = plots.title(result)
print(title)

# %%
# NBVAL_CHECK_OUTPUT
print(f"{LAYER}: {A.shape[1]} filters, {int(ok.sum())} of them not silent; "
      f"{A.shape[0]} images in {C} categories; chance share 1/{C} = {1 / C}")

# %% [markdown]
# ## 1. The permutation test
#
# A share above chance may be luck: with a few dozen images per category, some filter among
# hundreds will lean towards some category by accident. The permutation test asks how large the
# share would be **if the labels meant nothing**: shuffle the labels (keeping the class sizes),
# recompute the share, repeat $K$ times. The shuffled values form the **null distribution**; the
# p-value is the fraction of it that reaches the observed share, counting the observation itself:
#
# $$p = \frac{1 + \#\{\text{null} \ge \text{observed}\}}{1 + K}.$$
#
# Here is one filter: among the filters that respond (maximum above 0) to at least half of the
# face images, the one with the largest face share.

# %%
face = categories.index("face") if "face" in categories else 0
responsive = (A[labels == face] > 0).mean(axis=0) >= 0.5
candidates = np.flatnonzero(ok & responsive)
if len(candidates) == 0:  # no such filter: fall back on all non-silent ones
    candidates = np.flatnonzero(ok)
f = int(candidates[np.argmax(S[candidates, face])])
observed = S[f, face]
K = 1000
rng = np.random.default_rng(1)
null = np.array([selectivity_index(AN[:, [f]], rng.permutation(labels), C)[0, face] for _ in range(K)])
print(f"filter {f} of {LAYER}: observed {categories[face]} share {observed:.3f}; "
      f"null: mean {null.mean():.3f}, 99th percentile {np.percentile(null, 99):.3f}")

# %% [markdown]
# ## Exercise 1: the p-value
#
# Compute `p_value` for this filter from `null` and `observed` with the formula above.

# %% tags=["solution"] jupyter={"source_hidden": true}
p_value = ...  # your code here: the p-value, a number in (0, 1]
### BEGIN SOLUTION
p_value = (1 + np.sum(null >= observed)) / (1 + len(null))
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
p_value_used = course.check_answer(p_value, course.reference("permutation_p", null, observed),
                                   "the formula counts the shuffles at least as extreme as the observed share; "
                                   "why does it add 1 above and below?",
                                   "that is the permutation p-value.", within=(0, 1), exercise="04.1")

# %% jupyter={"source_hidden": true}
helper_p = permutation_test(AN[:, [f]], labels, n_permutations=K, seed=0)[0, face]
ours = f"{p_value_used:.4f}"
fig, ax = plt.subplots(figsize=(7, 3.4))
ax.hist(null, bins=40, color="0.6", label=f"null: {K} label shuffles")
ax.axvline(observed, color="tab:red", lw=2, label=f"observed share {observed:.3f} (p = {ours})")
ax.axvline(1 / C, color="k", ls="--", lw=1, label="chance")
ax.set_xlabel(f"{categories[face]} share of filter {f} (eq. 2)")
ax.set_ylabel("number of shuffles")
ax.set_title(f"Permutation test, {LAYER} filter {f}\n{title}", fontsize=9)
ax.legend(fontsize=8)
plt.show()
print(f"our p = {ours}; helpers.stats.permutation.permutation_test (other shuffles) p = {helper_p:.4f}")

# %% [markdown]
# The two p-values differ only through their random shuffles (where the observed share lies far
# out in the tail, both sit at the smallest value the test can give; see section 2).
# `helpers.stats.permutation.permutation_test` does the same for all filters and categories at once,
# with one matrix product per block of shuffles.
#
# Why not simply take the filter with the **largest** share? Because a share close to 1 can come
# from very few images: a filter that stays at its minimum for almost every image and fires for a
# single image has all its normalised activation on that image's category. Here is the largest
# face share of the layer, with how many images drive it and its p-value, and then the largest face
# share the test does *not* back (p > 0.01), if this layer has one:

# %%
P = result[LAYER].p  # every filter and category (NaN for silent filters)
g = int(np.nanargmax(S[:, face]))
n_face, n_other = int((labels == face).sum()), int((labels != face).sum())
drivers = int((A[labels == face, g] > 0).sum()), int((A[labels != face, g] > 0).sum())
print(f"filter {g}: {categories[face]} share {S[g, face]:.3f}; maximum above 0 for {drivers[0]} of {n_face} "
      f"{categories[face]} images and {drivers[1]} of {n_other} others; p = {P[g, face]:.2g}")
print(verdicts.largest_share(S[g, face], P[g, face], drivers[0], n_face, alpha=0.01, chance=1 / C,
                             unit=f"filter {g}", category=categories[face]))
# The trap where it exists: the largest share among the filters the test does not back.
unbacked = np.flatnonzero(ok & (P[:, face] > 0.01))
if len(unbacked):
    h = int(unbacked[np.argmax(S[unbacked, face])])
    print(f"Largest {categories[face]} share with p > 0.01: filter {h}, share {S[h, face]:.3f} "
          f"(chance {1 / C:.3f}), driven by {int((A[labels == face, h] > 0).sum())} of {n_face} "
          f"{categories[face]} images, p = {P[h, face]:.2g}; ranking by the share alone would put it above "
          f"{int((ok & (P[:, face] <= 0.01) & (S[:, face] < S[h, face])).sum())} filters that the test backs.")
else:
    print(f"Every non-silent filter of {LAYER} passes p ≤ 0.01 for {categories[face]}s: no unbacked share here.")

# %% [markdown]
# Under shuffled labels a handful of images often land in one category by chance, so a filter
# driven by few images gets a large p-value whatever its share. The share says *how much* of a
# filter's activity falls on a category; only the test says whether that is more than luck would
# give.
#
# ## 2. The floor of the test and the m/q rule
#
# **Think!** With $K = 1000$ shuffles, what is the smallest p-value the test can ever report,
# however selective the filter? And Benjamini–Hochberg (section 3) at level $q = 0.01$ over
# $m = 512$ filters (a layer the size of VGG16's `block5_conv3`) calls the filter with the smallest p-value selective only when
# $p_{(1)} \le q/m$. Can one strongly selective filter among 512 ever pass?

# %% [markdown]
# <details><summary>Answer</summary>
#
# The smallest p is $1/(K+1) = 1/1001 \approx 0.001$: even when no shuffle reaches the observed
# share, the observation counts itself. And $q/m = 0.01/512 \approx 0.00002$, fifty times smaller.
# So no: with 1000 shuffles a single selective filter can never pass. BH rejects the $k$ smallest
# p-values when $p_{(k)} \le k\,q/m$; at the floor that needs $k \ge m / (q\,(K+1))$, here at least
# 52 filters sitting at the floor together. Few but real detectors are invisible.
# </details>
#
# The figure draws that rule. For BH to be able to call even **one** filter selective, the floor
# $1/(K+1)$ must lie at or below $q/m$, that is $K \ge m/q - 1$ shuffles. The right panel shows the
# consequence on a known answer: 512 simulated filters, of which 20 are strongly selective
# (planted), tested with 1000 shuffles, then with the course's **resolved** test, which gives the
# filters whose decision the floor leaves open more shuffles (up to `MAX_PERMUTATIONS`,
# printed below) until the decision is settled.

# %%
# NBVAL_CHECK_OUTPUT
print(f"most shuffles a resolved filter receives: MAX_PERMUTATIONS = {MAX_PERMUTATIONS:,}")
for m in (64, 512, 4096):
    for q in (0.05, 0.01):
        need = int(np.ceil(m / q - 1))
        at_floor = int(np.ceil(m / (q * (K + 1))))
        print(f"m = {m:5d}, q = {q:.2f}: one filter needs K ≥ {need:7,d}; with K = {K}, BH needs "
              f"≥ {at_floor:4d} filters at the floor")

# %% jupyter={"source_hidden": true}
n_tested = int(ok.sum())  # this layer's non-silent filters
# A known answer: 512 filters over the layer's images, 20 of them planted strongly selective for
# category 0 (their response is raised on its images), the rest pure noise.
rng = np.random.default_rng(5)
m_sim, planted = 512, 20
sim = rng.gamma(2.0, 1.0, size=(len(labels), m_sim))
sim[np.ix_(labels == 0, np.arange(planted))] += 4.0
sim_AN = normalize(sim)
p_plain = permutation_test(sim_AN, labels, n_permutations=K, seed=0)
p_resolved = permutation_test(sim_AN, labels, n_permutations=K, seed=0, resolve_q=0.01)
found = {name: benjamini_hochberg(p)[:, 0] <= 0.01 for name, p in
         (("plain", p_plain), ("resolved", p_resolved))}
raw = p_plain[:, 0] <= 0.01

fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
ms = np.geomspace(10, 20000, 200)
ax = axes[0]
for q, ls in ((0.05, "-"), (0.01, "--")):
    ax.plot(ms, q / ms, color="tab:red", ls=ls, label=f"BH's bar for one filter, q/m (q = {q})")
for k_perm, colour in ((100, "0.75"), (1000, "0.45"), (10000, "0.15")):
    ax.axhline(1 / (k_perm + 1), color=colour, lw=1.5, label=f"floor 1/(K+1), K = {k_perm:,}")
ax.axvline(n_tested, color="C0", lw=0.8, ls=":")
# At the top of its line, clear of the legend in the lower left.
ax.text(n_tested * 1.05, 0.97, f"{n_tested} filters\n({LAYER})", fontsize=8, color="C0", va="top",
        transform=ax.get_xaxis_transform())
ax.set(xscale="log", yscale="log", xlabel="filters tested together, m", ylabel="p-value",
       title="A single filter can pass BH only where the floor lies below q/m")
ax.legend(fontsize=8, loc="lower left")
ax = axes[1]
ranked = np.sort(p_resolved[:, 0])
order = np.arange(1, m_sim + 1)
ax.plot(order, np.sort(p_plain[:, 0]), ".", ms=4, color="0.45", label=f"p after {K} shuffles")
ax.plot(order, ranked, ".", ms=4, color="tab:blue", label="p resolved (more shuffles where needed)")
ax.plot(order, order * 0.01 / m_sim, color="tab:red", label="BH's bar k·q/m (q = 0.01)")
ax.axhline(1 / (K + 1), color="0.45", lw=1, ls="--", label=f"floor 1/{K + 1}")
ax.set(xscale="log", yscale="log", xlim=(0.8, m_sim), xlabel="rank k of the p-value (smallest first)",
       ylabel="p-value", title=f"{m_sim} simulated filters, {planted} planted selective: "
                               f"BH finds {found['plain'].sum()} (plain), {found['resolved'].sum()} (resolved)")
ax.legend(fontsize=8, loc="lower right")
fig.suptitle("Simulated filters (gamma noise; planted filters +4 on one category), the layer's labels; "
             "no network", fontsize=9)
plt.show()
at_floor = int((p_plain[:planted, 0] == 1 / (K + 1)).sum())
print(f"planted filters at the floor 1/{K + 1} after {K} shuffles: {at_floor} of {planted}")
print(f"planted filters found: p ≤ 0.01 uncorrected {raw[:planted].sum()} of {planted} "
      f"(and {raw[planted:].sum()} noise filters); BH at 0.01 with {K} shuffles: {found['plain'][:planted].sum()}; "
      f"BH at 0.01 resolved: {found['resolved'][:planted].sum()} (noise filters: {found['resolved'][planted:].sum()})")

# %%
print(verdicts.shows(
    (f"all {planted} planted filters pass p ≤ 0.01 uncorrected, " if raw[:planted].all() else
     f"{raw[:planted].sum()} of {planted} planted filters pass p ≤ 0.01 uncorrected, ")
    + f"but BH at 0.01 over {m_sim} filters finds {found['plain'][:planted].sum()} of them with {K} shuffles "
    f"({at_floor} sit at the floor 1/{K + 1}) and {found['resolved'][:planted].sum()} once their p-values are resolved."))

# %% [markdown]
# With 1000 shuffles the planted filters sit at (or near) the floor, $1/1001$, above BH's bar for
# every rank up to 20 (the red line reaches $1/1001$ only at rank 52), so BH cannot find them,
# though uncorrected they pass. With more shuffles for exactly those filters their p-values drop below the
# bar and BH finds them. That is what `course.selectivity()` does for every layer, at BH levels
# 0.01 and 0.05 (`result.resolve_q`): most filters keep their 1000 shuffles, the few whose
# decision the floor leaves open get more. Zero BH detections are therefore a finding, not an
# artefact of the floor, at those two levels. How many shuffles did this layer's filters get?

# %%
n_perm = result[LAYER].n_perm
print(f"{LAYER}: resolved at BH levels {result.resolve_q}; shuffles per non-silent filter: "
      f"{K} for {int((n_perm[ok] == K).sum())}, more for {int((n_perm[ok] > K).sum())} "
      f"(up to {int(n_perm.max()):,}); smallest p-value {np.nanmin(P):.2g}")

# %% [markdown]
# ## 3. What a threshold of p ≤ 0.01 promises, and what BH promises
#
# A threshold of 0.01 means: a filter **without** any preference passes it with probability
# about 1 %. Among a few hundred such filters, a few pass anyway: **false positives**.
# **Benjamini–Hochberg** (BH) controls something else, the **false discovery rate**: among the
# filters it calls selective, the expected *fraction* of false ones stays at or below $q$. It sorts
# the $m$ p-values, $p_{(1)} \le \dots \le p_{(m)}$, finds the largest $k$ with
# $p_{(k)} \le k\,q/m$ and rejects the $k$ smallest. Equivalently, it turns each p-value into an
# adjusted one (a *q-value*), $\min_{j \ge i} \min(1, p_{(j)}\,m/j)$ for the $i$-th smallest, and
# calls a filter selective when its q-value is at most $q$.
#
# ## Exercise 2 (challenge): Benjamini–Hochberg by hand
#
# Write `my_bh(p)` that returns the BH-adjusted p-values of a 1-D array `p` (no NaN), in the
# original order. The check compares it with `helpers.stats.rules.benjamini_hochberg` on a small
# example, on this layer's face p-values and on the simulated ones.
#
# *Hint:* work the small example of the check by hand first (sort, scale each p-value by its rank,
# then make the adjusted values never decrease with rank); NumPy has a cumulative minimum.

# %% tags=["solution"] jupyter={"source_hidden": true}
def my_bh(p):
    p = np.asarray(p, dtype=np.float64)
    ...  # your code here: return the adjusted p-values, same shape and order as p
    ### BEGIN SOLUTION
    m = len(p)
    order = np.argsort(p)
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    out = np.empty(m)
    out[order] = adjusted
    return out
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
my_bh_used = course.check_function(
    my_bh, benjamini_hochberg,
    [(np.array([0.01, 0.04, 0.03, 0.005, 0.5]),), (P[ok, face],), (p_resolved[:, 0],)],
    "try case 1 by hand on paper; an adjusted p-value may never be smaller than that of a smaller p-value, "
    "nor above 1, and it comes back in the input's order",
    "your BH matches helpers.stats.rules.benjamini_hochberg.", exercise="04.2")

# %% [markdown]
# Now the two promises side by side on this layer. To see false positives happen, make a "null
# world" in which the labels are shuffled once for all filters, so that no filter can truly prefer
# anything, and count how many filters pass. Thirty such worlds, each tested with 200 shuffles and
# resolved for BH at 0.01 like the real data:

# %%
rng = np.random.default_rng(2)
false_pos, false_pos_bh, any_naive, any_corrected = [], [], [], []
for world in range(30):
    p_null = permutation_test(AN, rng.permutation(labels), n_permutations=200, seed=world, resolve_q=0.01)
    false_pos.append((p_null <= 0.01).sum(axis=0))
    false_pos_bh.append((benjamini_hochberg(p_null) <= 0.01).sum(axis=0))
    any_naive.append(int((np.nan_to_num(p_null, nan=1) <= 0.01).any(axis=1).sum()))
    null_layer = LayerSelectivity(index=S, p=p_null, silent=~ok)
    any_corrected.append(int(sel.selective_any(null_layer, "p", 0.01).sum()))
false_pos, false_pos_bh = np.array(false_pos), np.array(false_pos_bh)
summary = pd.DataFrame({
    "real: p ≤ 0.01": sel.selective(result[LAYER], "p", 0.01).sum(axis=0),
    "real: BH ≤ 0.01": sel.selective(result[LAYER], "p", 0.01, "bh").sum(axis=0),
    "null: mean": false_pos.mean(axis=0),
    "null: median": np.median(false_pos, axis=0),
    "null: max": false_pos.max(axis=0),
    "null, BH: mean": false_pos_bh.mean(axis=0),
    "null, BH: worlds > 0": (false_pos_bh > 0).sum(axis=0),
}, index=categories)
print(f"{title}\n{LAYER}: {n_tested} non-silent filters; expected false positives per category at 0.01: "
      f"{0.01 * n_tested:.1f}")
print("filters passing, with the real labels and in 30 null worlds:")
print(summary.to_string(float_format="{:.1f}".format))

# %%
bh_real = summary["real: BH ≤ 0.01"].astype(int)
beats_null = [c for c in categories if bh_real[c] > summary.loc[c, "null: max"]]
print(verdicts.shows(
    f"BH at 0.01 keeps {', '.join(f'{bh_real[c]} {c}' for c in categories)} "
    f"filters with the real labels; in the null worlds it passes {summary['null, BH: mean'].mean():.1f} per category on "
    f"average, raw p ≤ 0.01 {summary['null: mean'].mean():.1f} (at most {int(summary['null: max'].max())}). "
    f"Categories whose real BH count exceeds the raw count of every null world: {', '.join(beats_null) or 'none'}."))

# %% [markdown]
# Averaged over the null worlds, the count of false positives at p ≤ 0.01 is of the order of
# $0.01 \times N$, as promised; but look at its spread (median against maximum). Filters of one
# layer respond to overlapping features, so their p-values rise and fall together: when a shuffle
# happens to put many images of one true category into one fake category, every filter tuned to
# that category passes at once. BH, with the floor resolved, calls something selective in few or
# none of the null worlds (last column), as a false discovery rate of 1 % promises when nothing is
# real. Two consequences for reading the paper's figure:
#
# - a proportion of selective filters near 1 % is what meaningless labels produce; only
#   proportions clearly above it say something;
# - BH's zero in a null world is earned, not forced by the floor: the p-values were resolved at
#   q = 0.01, so a filter that would pass with enough shuffles got them.
#
# ## 4. "Selective for any category" is four tests
#
# Notebook 05 also counts filters selective for *at least one* category. Asking "is $p \le 0.01$
# for some category?" runs $C$ tests per filter, so an indifferent filter passes with probability
# up to $C \times 0.01$. `sel.selective_any` asks the question once per filter: its p-value is
# Bonferroni's $\min(1, C \cdot \min_c p_c)$. In the same null worlds:

# %%
print(f"{title}\nnull worlds, filters 'selective for some category' at 0.01 (of {n_tested}):")
print(f"  naive (any of the {C} p-values ≤ 0.01): mean {np.mean(any_naive):.1f}, "
      f"i.e. {np.mean(any_naive) / n_tested:.2%} of filters")
print(f"  sel.selective_any (Bonferroni over categories): mean {np.mean(any_corrected):.1f}, "
      f"i.e. {np.mean(any_corrected) / n_tested:.2%}")
print(f"real labels: naive {int(sel.selective(result[LAYER], 'p', 0.01).any(axis=1).sum())}, "
      f"sel.selective_any {int(sel.selective_any(result[LAYER], 'p', 0.01).sum())}")

# %%
n_any = int(sel.selective_any(result[LAYER], "p", 0.01).sum())
print(verdicts.shows(
    f"testing {C} categories per filter at 0.01 makes {np.mean(any_naive) / n_tested:.1%} of filters 'selective for "
    f"some category' in worlds without any preference; Bonferroni over the categories brings that to "
    f"{np.mean(any_corrected) / n_tested:.1%}, and with the real labels {n_any} of {n_tested} filters still pass."))

# %% [markdown]
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
# threshold and BH correction are available in `helpers.stats.selectivity.selective`).
#
# ## 5. Neuroscience's indices
#
# Category selectivity of single neurons and brain regions has been measured for decades; two
# common indices, applied here to filters:
#
# - the **face-selectivity index** $\text{FSI} = (R_{\text{face}} - R_{\text{other}}) / (R_{\text{face}} + R_{\text{other}})$
#   with mean responses $R$, running from −1 to 1. Tsao, Freiwald, Tootell and Livingstone (2006)
#   called a macaque face-patch cell face-selective when its FSI exceeded 1/3.
# - **d′** from signal detection theory (Green & Swets, 1966):
#   $d' = (\mu_{\text{face}} - \mu_{\text{other}}) / \sqrt{(\sigma^2_{\text{face}} + \sigma^2_{\text{other}})/2}$:
#   the distance between the two response distributions in units of their spread.
#
# **Think!** FSI > 1/3: how many times stronger than the response to other objects must the face
# response be?

# %% [markdown]
# <details><summary>Answer</summary>
#
# Twice. Solve $(R_f - R_o)/(R_f + R_o) > 1/3$: $3R_f - 3R_o > R_f + R_o$, so $R_f > 2R_o$.
# </details>
#
# We compute both from the raw per-filter maxima $A$ (neuroscience has no eq. 1), with "other" =
# all non-face categories: for FSI the mean of their category means, for d′ their images
# pooled.

# %% jupyter={"source_hidden": true}
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
for ax, col, line, what in ((axes[0], "FSI (raw)", 1 / 3, "FSI = 1/3 (face = 2× other)"),
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

# %%
for col in ("FSI (raw)", "d′"):
    print(verdicts.rank_agreement(spearman(indices["eq. 2 face share"], indices[col]), len(indices),
                                  names=("eq. 2's face share", col)))

# Eq. 1 subtracts a filter's minimum; where that minimum is 0, it only rescales the filter.
zero_min = int((A[:, ok].min(axis=0) == 0).sum())
print(verdicts.shows(f"{zero_min} of {int(ok.sum())} non-silent filters have a minimum of 0 over these images"
                     + ("; for all of them eq. 1 only rescales, so FSI on raw responses and the share are two "
                        "functions of the same ratio and rank the filters alike." if zero_min == ok.sum() else
                        "; the others have their baseline removed by eq. 1 but not by the raw FSI, one reason "
                        "the two rankings can differ.")))

# %% [markdown]
# Two things can make the rankings differ: eq. 1 removes a filter's baseline (its minimum) and the
# raw FSI does not; and d′ also weighs how *consistently* the filter prefers faces (the spread).
#
# In fact, computed on the *normalised* responses $A_N$ instead of $A$, the FSI carries exactly
# the same information as the balanced share: with $r = R_f/R_o$ one has
# $\text{FSI} = (r-1)/(r+1)$ and $S = r/(r + C - 1)$, two increasing functions of the same ratio.

# %%
fsi_normalised, _ = face_indices(AN[:, ok], labels, face)
predicted_share = (1 + fsi_normalised) / ((1 + fsi_normalised) + (C - 1) * (1 - fsi_normalised))
print("balanced share == (1 + FSI_N) / ((1 + FSI_N) + (C - 1)(1 - FSI_N)) for every filter:",
      np.allclose(predicted_share, S[ok, face]))

crit = pd.DataFrame({"p ≤ 0.01 (course)": sel.selective(result[LAYER], "p", 0.01)[ok, face],
                     "BH ≤ 0.01": sel.selective(result[LAYER], "p", 0.01, "bh")[ok, face],
                     "FSI > 1/3 (Tsao et al.)": fsi[ok] > 1 / 3, "d′ > 1": d_prime[ok] > 1})
print(f"\nface-selective filters in {LAYER} by each criterion ({title.splitlines()[0]}):")
print(crit.sum().to_string())
print("\nfilters passing both p ≤ 0.01 and FSI > 1/3:", int((crit.iloc[:, 0] & crit.iloc[:, 2]).sum()))

# %% [markdown]
# Different criteria select overlapping but different sets of filters, and the counts depend on
# the threshold as much as on the index. When you compare "proportions of selective filters"
# between studies, networks or layers, compare the same index with the same criterion.

# %% [markdown]
# ## Exercise 3 (interpretation): many filters, many tests
#
# In a layer of 512 filters, 20 pass p ≤ 0.01 for one category without correction. In three or
# four sentences stored in `interpretation`: how many would you expect to pass if no filter
# preferred anything, and what does Benjamini–Hochberg promise (and not promise) instead?

# %% tags=["solution"] jupyter={"source_hidden": true}
interpretation = ...  # your code here: a few sentences in quotes, e.g. interpretation = """..."""
### BEGIN SOLUTION
# Rubric (teacher edition only): one point for each of
# (1) about 5 (512 × 0.01) false positives are expected under the null;
# (2) BH controls the false discovery rate: the expected share of false ones among those called selective;
# (3) it does not say which filters are the false ones, nor guarantee none.
# The check only confirms that the text is there and touches each point; read the argument.
interpretation = """With 512 tests at 0.01, about 5 filters would pass by chance even if none preferred anything,
so 20 is more than expected but some are surely false. Benjamini-Hochberg controls the false
discovery rate: on average at most q of the filters it calls selective are false. It does not
tell which ones, and it does not promise that none is."""
### END SOLUTION

# %%
course.check_text(
    interpretation,
    {"the number expected by chance": ['5', 'five', 'expected', 'by chance'],
     "what BH controls": ['false discovery', 'FDR', 'share of false', 'proportion of false']},
    min_words=30, exercise="04.3")

# %% [markdown]
# ## Summary
#
# - A permutation test turns a share into a p-value, $p = (1 + \#\{\text{null} \ge \text{obs}\})/(1+K)$.
#   Its floor is $1/(K+1)$.
# - Benjamini–Hochberg at level $q$ over $m$ filters needs $p_{(k)} \le k\,q/m$: with too few
#   shuffles ($K + 1 < m/q$) a single selective filter can never pass, and BH only fires when many
#   filters sit at the floor together. The course resolves the test: filters whose BH decision the
#   floor leaves open get more shuffles, so BH finds the planted filters and its zeros are real.
# - At p ≤ 0.01 about 1 % of indifferent filters pass anyway (often far more in one unlucky
#   draw, because filters are correlated); BH controls the fraction of false discoveries instead.
#   "Selective for any category" is corrected for its $C$ tests by `selective_any`.
# - The course reads the paper's "threshold of 0.01" as p ≤ 0.01.
# - The neuroscience FSI (FSI > 1/3: face response more than twice the rest, Tsao et al. 2006) and
#   d′ rank filters similarly to eq. 2 but not identically; on normalised responses the FSI and
#   the balanced share are equivalent.
#
# **Next:** notebook 05 applies all of this to every layer and draws the paper's figure, trained
# against untrained, with bootstrap intervals and with equalised stimuli.
#
# ### Sources
#
# - The paper (the measure, eq. 1 and eq. 2, the four categories and its threshold of 0.01): K.
#   Malakhova, *Representation of Categories in Filters of Deep Neural Networks*, Proceedings of the
#   IEEE Conference on Computer Vision and Pattern Recognition Workshops (CVPRW), 2018, pp.
#   1973–1975, doi:[10.1109/CVPRW.2018.00265](https://doi.org/10.1109/CVPRW.2018.00265).
# - The essay (the question notebooks 07–09 take up): K. Malakhova, *Why Latent Representations in
#   Convolutional Neural Networks Fall Outside Visual Space*, MODVIS Workshop (Computational and
#   Mathematical Models in Vision), St. Petersburg, Florida, 2018,
#   <https://docs.lib.purdue.edu/modvis/2018/session02/3>.
# - D. Y. Tsao, W. A. Freiwald, R. B. H. Tootell and M. S. Livingstone, *A cortical region
#   consisting entirely of face-selective cells*, Science 311, 2006 (FSI > 1/3).
# - N. Kanwisher, J. McDermott and M. M. Chun, *The fusiform face area: a module in human
#   extrastriate cortex specialized for face perception*, Journal of Neuroscience 17, 1997
#   (face versus object contrasts in fMRI).
# - D. M. Green and J. A. Swets, *Signal Detection Theory and Psychophysics*, Wiley, 1966 (d′).
# - Y. Benjamini and Y. Hochberg, *Controlling the false discovery rate*, Journal of the Royal
#   Statistical Society B 57, 1995.
# - B. V. North, D. Curtis and P. C. Sham, *A note on the calculation of empirical P values from
#   Monte Carlo procedures*, American Journal of Human Genetics 71, 2002 (the $+1$ in the p-value).
