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
# # 06 · Representative filters: what the most selective filters respond to
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/06_representative_filters.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. pick the most selective filters of a layer for each category and read their statistics;
# 2. show a filter's most and least activating stimuli, with its activation map laid over each
#    image, and measure how many of its top images really belong to its category;
#    say how tied exemplars (many images at exactly 0) are chosen and labelled;
# 3. make a filter's "preferred image" by activation maximisation, explain why the image is
#    optimised in Fourier space rather than pixel by pixel, and watch it form step by step;
# 4. browse layers, categories and filters with an interactive viewer.
#
# **Estimated time:** about 60 minutes (25 reading the text and the code, 35 for the three exercises
# and two Think! prompts; the code runs in under two minutes under `quick`).
#
# **Prerequisites:** notebook 05 (layer profiles), notebook 04 (the permutation test); notebook 02 (activation
# maps and hooks).

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
# ## 1. The most selective filters of one layer
#
# The paper visualised a few "representative" filters per category. We take them from
# `block5_conv3`, the last convolutional layer, which the paper reports as rich in
# category-specific detectors. `selectivity.most_selective(result, layer, category, k, by=...)`
# ranks a layer's filters (silent ones left out) in one of two ways:
#
# - `by="index"`: the largest share of eq. 2 first;
# - `by="p"`: the smallest permutation p-value first, ties broken by the share.
#
# **Think!** Before you run the next cells: a filter that fires for exactly one image, a face, and
# for nothing else. What is its share of eq. 2 for faces? Would the permutation test call it
# selective?
#
# <details><summary>Answer</summary>
#
# Its share is 1: after eq. 1 all its (normalised) activation sits on that one face. But under
# random relabelling the single active image lands in the face category with probability equal to
# the faces' share of the images, so p is about that share, far from significant. Ranking by share
# favours such near-silent filters; ranking by p does not. The column "images with activation > 0"
# below shows whether the shares' winners are of that kind here.
# </details>

# %%
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.analyses import exemplars
from helpers.analyses import featureviz as fv
from helpers.present import plots, widgets
from helpers.analyses import verdicts
from helpers.labels import title as figure_title
from helpers.stats.selectivity import most_selective

stim = course.stimuli()
acts = course.activations()
result = course.selectivity(acts)
model = course.model()
title = figure_title(result)
LAYER = "block5_conv3"
categories = result.categories
print(title)

# %%
print(f"{LAYER}: {acts[LAYER].shape[1]} filters, {len(stim)} images, categories {categories}")
print(f"chance share of eq. 2: 1/{len(categories)} = {1 / len(categories):.2f}")

# %%
def ranked(by):
    """The 3 best filters per category, with the number of images that activate each at all."""
    table = pd.concat({cat: most_selective(result, LAYER, cat, k=3, by=by) for cat in categories},
                      names=["category"]).reset_index(level=0).reset_index(drop=True)
    table["images with activation > 0"] = (acts[LAYER][:, table["filter"]] > 0).sum(axis=0)
    return table.round({"index": 3, "p": 4})


by_share = ranked("index")
by_share

# %%
top = ranked("p")
active_share = by_share["images with activation > 0"].median()
active_p = top["images with activation > 0"].median()
print(f"Median number of images that activate the top-3 filters at all: {active_share:.0f} when ranked by share, "
      f"{active_p:.0f} when ranked by p (of {len(stim)} images).")
print(verdicts.shows(
    f"the top-3 filters by share fire for a median {active_share:.0f} of {len(stim)} images, the top-3 by p for "
    f"{active_p:.0f}: " + ("ranking by share picks sparser filters, the trap described above." if active_share < active_p
                            else "ranking by share does not pick sparser filters here (the trap may still bite "
                            "with another network or stimulus set).")))

# %% [markdown]
# Ranking by share alone can favour filters that are almost silent: a filter that responds to a
# single image, and to nothing else, puts its whole (normalised) activation on that image's
# category and gets a share of 1, but the permutation test rightly finds that such a pattern
# arises easily by chance. Ranking by p first keeps filters whose preference holds over many
# images; among equally significant ones, the largest share wins. We use that ranking from here on.

# %%
for cat in categories:
    best_p = top[top["category"] == cat]["p"].iloc[0]
    if best_p > 0.01:
        print(f"No filter of {LAYER} passes p ≤ 0.01 for {cat!r} (best p = {best_p:.3f}): "
              "its top-ranked filter below is no reliable detector.")
top

# %% [markdown]
# A share well above chance and a small p-value say that the filter's activation leans towards the
# category *on average*. They do not say that every image of the category drives it, nor that
# nothing else does. The stimuli themselves tell more.
#
# ## 2. Top and bottom exemplars, with activation maps
#
# For the best filter of each category we show the six stimuli that activate it most and the six
# that activate it least, each titled with its category and the filter's maximum activation. The
# coloured overlay is the filter's activation map, upsampled to the image and drawn on one colour
# scale for all twelve images (the colour bar gives it in activation units), so bright means "this
# is where the filter fired".
#
# **Ties.** After a ReLU many images leave a filter at exactly 0, so "the six least activating
# images" is often a choice among many equal ones. Taking the first six by image index would always
# show the same category (the stimulus set is sorted by category). `exemplars.top_exemplars`
# instead orders equal values at random with a fixed seed (`seed=0`: NumPy's `default_rng(0)` draws
# one random number per image, used as the second sort key), so the shown images are a fair,
# reproducible draw among the tied ones, and the row is labelled with the tie, e.g. "37 images at 0:
# 6 shown, drawn at random".

# %%
best = {cat: int(top[top["category"] == cat]["filter"].iloc[0]) for cat in categories}
for cat, f in best.items():
    fig = exemplars.plot_exemplars(model, stim, acts[LAYER], LAYER, f, k=6)
    fig.suptitle(f"The most selective filter for '{cat}': {fig.get_suptitle()}", fontsize=9)
    plt.show()

# %% [markdown]
# How many of the bottom rows above were a draw among ties, and which categories did the tied
# images come from? The table counts, per filter, the images at the lowest value and how they
# split over the categories.

# %%
ties = []
for cat, f in best.items():
    low = exemplars.top_exemplars(acts[LAYER], f, k=6, bottom=True, labels=stim.labels, categories=categories)
    v = acts[LAYER][:, f]
    at_min = v == v.min()
    row = {"category": cat, "filter": f, "lowest value": float(v.min()), "images at it": int(at_min.sum()),
           "tie note": low.note or "no tie at the cut"}
    row.update({f"… of them {c}": int((at_min & (stim.labels == i)).sum()) for i, c in enumerate(categories)})
    ties.append(row)
ties = pd.DataFrame(ties)
n_tied = int((ties["images at it"] > 6).sum())
print(f"{n_tied} of {len(ties)} filters have more images at their lowest value than the 6 shown: "
      + ("their bottom rows are a seeded random draw, labelled as such." if n_tied else "no tie to break here."))
own_at_min = [r[f"… of them {r['category']}"] for _, r in ties.iterrows()]
if any(own_at_min):
    print("Some filters leave images of their OWN category at their lowest value: "
          + ", ".join(f"{c} {n}" for c, n in zip(ties["category"], own_at_min) if n) + ".")
ties

# %% [markdown]
# A quick number for the same impression: the **purity** of a filter's top exemplars, the
# fraction of its ten most activating stimuli that belong to its category. Chance is the
# category's share of the stimulus set.

# %%
purity = []
for cat, f in best.items():
    ex = exemplars.top_exemplars(acts[LAYER], f, k=10, labels=stim.labels, categories=categories)
    purity.append({"category": cat, "filter": f, "top-10 from its category": float(np.mean(np.array(ex.categories) == cat)),
                   "chance": stim.counts()[cat] / len(stim)})
purity = pd.DataFrame(purity)
above = purity[purity["top-10 from its category"] > purity["chance"]]["category"].tolist()
print(verdicts.shows(
    f"top-10 purity above chance for {len(above)} of {len(purity)} categories" + (f" ({', '.join(above)})" if above else "")
    + f"; purities {purity['top-10 from its category'].min():.1f}–{purity['top-10 from its category'].max():.1f} "
    "against chance " + ", ".join(f"{c:.2f}" for c in purity["chance"].unique()) + "; ten images per filter."))
if len(above) < len(purity):
    print("For the others the 'most selective' filter's strongest images are mostly NOT its category: "
          "its share of eq. 2 comes from the bulk of weaker responses, not from the top.")
if not result.trained:
    print("UNTRAINED network: a rehearsal of the method, not the paper's result.")
purity.round(2)

# %% [markdown]
# ## 3. Activation maximisation: the image a filter would like to see
#
# Exemplars can only show what is in the stimulus set. Activation maximisation asks the network
# instead: start from a grey image and change it, by gradient ascent, so that the filter's mean
# activation grows (Olah, Mordvintsev & Schubert, *Feature Visualization*, Distill, 2017). Left to
# itself this finds high-frequency patterns that excite the filter but look like noise to us, so
# two kinds of regularisation are used:
#
# - the image is **parameterised in Fourier space**, with each frequency scaled by 1/f and colours
#   decorrelated: a step of the same size then changes coarse structure as much as fine structure;
# - at every step the image is randomly **padded, shifted, scaled and rotated** a little, so only
#   patterns that survive such jitter are reinforced.
#
# The paper used a different, heavier tool: a plug-and-play generative network (PPGN; Nguyen,
# Clune, Bengio, Dosovitskiy & Yosinski, CVPR 2017), a generator trained on ImageNet whose images
# stay close to natural photographs. We use the lighter method of Olah et al., which needs no second
# network: `helpers.analyses.featureviz.visualize` optimises all filters of a batch at once.
#
# The image size and number of steps come from the profile (`course.featureviz_settings()`): under `quick`
# they are tiny, enough to run every cell in a minute, not enough to see much.
#
# **Think!** Will the optimised image for the "dog" filter look like a dog? What would it take?
#
# <details><summary>Answer</summary>
#
# Rarely. The image only has to excite one filter, not to be a dog: it collects whatever parts and
# textures drive the filter (an eye, fur, a wheel's edge), often repeated across the image. It can
# look like an object only if the network learned object-like features (a trained network) and the
# optimisation has enough steps and pixels; an untrained network's filters respond to random
# combinations of colours and edges, so its images look like coloured noise whatever the category.
# </details>

# %%
settings = course.featureviz_settings()
steps = settings["steps"]
snaps = sorted({0, steps // 8, steps // 4, steps // 2, steps})
filters = [best[c] for c in categories]
# cache=True: the images depend only on the weights, the settings and the seed, so they are kept
# in the course cache (keyed by all of these) and read back on the next run.
vis = fv.visualize(model, LAYER, filters, **settings, snapshots=snaps, progress=False, cache=True)
print(settings, "->", vis.images.shape)

# %%
fig, axes = plt.subplots(1, len(filters), figsize=(2.4 * len(filters), 3.8), squeeze=False)
plots.image_grid(vis.images, titles=[f"{c}\nfilter {f}" for c, f in best.items()], axes=axes)
fig.suptitle(f"Activation maximisation, {LAYER} (Fourier, {steps} steps, {settings['size']} px)\n{title}", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ### The image forming over the steps
#
# `visualize(..., snapshots=[...])` keeps the images at chosen steps. Each row is one filter, each
# column a later moment of the optimisation; the curve below follows the objective (the filter's
# mean activation under that step's random transform; during a short warm-up the value before
# the ReLU is used, because a silent ReLU passes no gradient).

# %% jupyter={"source_hidden": true}
fig, axes = plt.subplots(len(filters), len(snaps), figsize=(1.5 * len(snaps), 1.6 * len(filters)), squeeze=False)
for j, s in enumerate(snaps):
    for i, cat in enumerate(categories):
        ax = axes[i, j]
        ax.imshow(vis.snapshots[s][i])
        ax.set_xticks([])
        ax.set_yticks([])
        if i == 0:
            ax.set_title(f"step {s}", fontsize=8)
        if j == 0:
            ax.set_ylabel(f"{cat}\nfilter {filters[i]}", fontsize=8)
fig.suptitle(f"{LAYER}: images during optimisation\n{title}", fontsize=8)
fig.tight_layout()
plt.show()

fig, ax = plt.subplots(figsize=(6.5, 3.2))
for i, cat in enumerate(categories):
    ax.plot(np.arange(1, steps + 1), vis.history[:, i], label=f"{cat} (filter {filters[i]})",
            color=plots.category_colour(cat))
ax.set_xlabel("optimisation step")
ax.set_ylabel("objective: mean activation\n(activation units)")
plots.set_title(ax, f"{LAYER}: objective during activation maximisation\n{title}", fontsize=8)
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

late = vis.history[-max(2, steps // 10)]
for i, cat in enumerate(categories):
    rising = vis.history[-1, i] > late[i] + 0.01 * abs(late[i])
    print(f"{cat:>12} (filter {filters[i]}): objective {vis.history[0, i]:.3g} -> {vis.history[-1, i]:.3g}; "
          + ("still rising at the last step: more steps would excite it further." if rising else "levelled off."))

# %% [markdown]
# ### Why Fourier space? One filter, both ways
#
# Same filter, same steps, same learning rate, same random transforms; only the parameterisation
# differs. In pixel space every pixel is its own parameter, and the gradient of a deep filter is
# dominated by fine, high-frequency detail, so that is what grows first. The 1/f scaling of the
# Fourier parameterisation slows exactly those frequencies down. The right panel measures it: the
# image's power spectrum, averaged over rings of equal spatial frequency.

# %% jupyter={"source_hidden": true}
f0 = filters[0]
vis_px = fv.visualize(model, LAYER, [f0], **settings, param="pixel", progress=False, cache=True)


def radial_power(img):
    """Mean power of a greyscale image's spectrum per ring of spatial frequency (cycles/pixel)."""
    g = img.astype(np.float64).mean(axis=2)
    g -= g.mean()
    power = np.abs(np.fft.fftshift(np.fft.fft2(g))) ** 2
    h, w = g.shape
    yy, xx = np.indices((h, w))
    r = np.hypot(yy - h // 2, xx - w // 2).astype(int)
    ring = np.bincount(r.ravel(), power.ravel()) / np.maximum(np.bincount(r.ravel()), 1)
    freq = np.arange(len(ring)) / max(h, w)
    keep = (freq > 0) & (freq <= 0.5)
    return freq[keep], ring[keep]


fig, axes = plt.subplots(1, 3, figsize=(10, 3.2), gridspec_kw={"width_ratios": [1, 1, 1.6]})
for ax, img, name in zip(axes[:2], [vis.images[0], vis_px.images[0]], ["Fourier (1/f)", "pixel"]):
    ax.imshow(img)
    ax.set_title(f"{name} parameterisation", fontsize=8)
    ax.axis("off")
for img, name in [(vis.images[0], "Fourier (1/f)"), (vis_px.images[0], "pixel")]:
    fr, pw = radial_power(img)
    axes[2].loglog(fr, pw, label=name)
axes[2].xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
axes[2].set_xlabel("spatial frequency (cycles per pixel, log scale)")
axes[2].set_ylabel("power (grey level², a.u.)")
axes[2].legend(fontsize=8)
fig.suptitle(f"{LAYER} filter {f0}: {steps} steps each\n{title}", fontsize=8)
fig.tight_layout()
plt.show()


def high_share(img):
    fr, pw = radial_power(img)
    return pw[fr > 0.25].sum() / pw.sum()


print(f"share of power above 0.25 cycles/pixel: Fourier {high_share(vis.images[0]):.2f}, "
      f"pixel {high_share(vis_px.images[0]):.2f}")

hi_f, hi_px = high_share(vis.images[0]), high_share(vis_px.images[0])
print(verdicts.shows(
    f"{hi_px:.2f} of the pixel-space image's power lies above 0.25 cycles/pixel, {hi_f:.2f} of the Fourier image's: "
    + ("the pixel parameterisation put more power into fine detail, as expected." if hi_px > hi_f else
       "the Fourier image is NOT smoother than the pixel one here: with this few steps (or this network) the "
       "regularisation has not yet made a difference.")))

# %% [markdown]
# With a trained network and enough steps the pixel-space image is typically a high-frequency
# texture and the Fourier image shows larger, smoother structures. With few steps the difference
# can be small: judge the spectra (and the printed share) rather than the look.
#
# ## 4. Browse the filters
#
# The viewer shows the filter ranked `rank` for a category in a layer: its most and least activating
# stimuli with activation maps (convolutional layers only; fully connected layers have no map), and
# the optimised image where section 3 computed one. Its callback is a plain function,
# `update(layer, category, rank)`, which returns what it drew, and moves the controls to match.

# %%
feature_images = {(LAYER, f): img for f, img in zip(vis.filters, vis.images)}
ui, update = widgets.filter_browser(result, acts, stim, model, k=5, n_images=6, by="p",
                                    feature_images=feature_images, layer=LAYER, category=categories[0])
ui

# %%
view = update("block3_conv3", categories[-1], 1)
plt.close(view.figure)
print(f"block3_conv3, rank 1 for {categories[-1]!r}: filter {view.filter}, share {view.index:.3f}, p = {view.p:.4f}")
shown = view.exemplars
# Put the viewer back where the cell above opened it, so that what a reader sees in the saved
# notebook (the stored widget state) matches the code that made it.
plt.close(update(LAYER, categories[0], 1).figure)
shown.head(6)

# %% [markdown]
# ## Exercise 1: predict, then verify: purity of a filter's top exemplars
#
# **Predict first**, from the exemplar grid of the best filter above: will the filter ranked second
# have a purer or a less pure top 10 than 0.5, i.e. what fraction of its 10 most activating images
# do you expect from `cat`? Store your guess (a number between 0 and 1) in `predicted_purity`.
#
# **Then verify**: for the filter ranked **second** for the category `cat` in `block4_conv3` (ranked by p, as
# above), compute the fraction of its 10 most activating stimuli that belong to `cat`. Use
# `most_selective(..., by="p")` to find the filter
# and `exemplars.top_exemplars(acts[layer], filter, k=10, labels=stim.labels, categories=categories)`
# for the exemplars (its `.categories` lists their category names; equal values are ordered by the
# seeded rule of section 2, the same one the check uses). Store the fraction in `answer`.

# %%
cat = categories[0]
layer = "block4_conv3"

# %%
predicted_purity = ...  # your code here: your guess, written before computing, a number between 0 and 1
answer = ...  # your code here: the fraction, a number between 0 and 1

# %%
answer_used = course.check_answer(
    answer, course.reference("exemplar_purity", result, acts[layer], stim.labels, layer, cat),
    "which row of most_selective(...) is rank 2? A fraction of 10 images is a count divided by 10",
    "that is the purity of the filter's top-10 exemplars.", within=(0, 1), exercise="06.1")
course.verify_prediction(predicted_purity, answer_used, "the purity")

# %% [markdown]
# ## Challenge: the seeded tie rule, by hand
#
# Write `bottom_k(values, k, seed)`: the indices of the `k` smallest `values` (a 1-D array of one
# filter's activations, no NaN), where equal values are ordered by a random key,
# `np.random.default_rng(seed).random(len(values))`, exactly as `exemplars.top_exemplars(...,
# bottom=True, seed=seed)` does. Use only **stable** sorts: `np.argsort(..., kind="stable")` keeps
# the order of equal elements. Which order of sorts leaves ties ordered by the random key? (Why not
# `np.argsort(values)` alone? Its default quicksort leaves the order of ties unspecified: the answer
# could change between NumPy versions.)
# The check compares your function with `top_exemplars` on the best filter of each category and on
# a made-up filter where most images sit at 0.

# %%
def bottom_k(values, k, seed=0):
    values = np.asarray(values, dtype=np.float64)
    key = np.random.default_rng(seed).random(len(values))
    ...  # your code here: return the indices (int array of length k)


# %%
def seeded_bottom(values, k, seed=0):
    return exemplars.top_exemplars(np.asarray(values)[:, None], 0, k, bottom=True, seed=seed).indices


mostly_zero = np.where(np.arange(len(stim)) % 5 == 0, np.arange(len(stim)) / 10, 0.0)
cases = [(acts[LAYER][:, f], 6, 0) for f in best.values()] + [(mostly_zero, 6, 0), (mostly_zero, 6, 1)]
bottom_k_used = course.check_function(bottom_k, seeded_bottom, cases,
                                      "two stable sorts, the random key first; the second sort returns "
                                      "positions in the first one's order, which must be mapped back",
                                      "your tie rule is the documented one.", exercise="06.2")

# %% [markdown]
# ## Exercise 2 (interpretation): what do the pictures show?
#
# Do a filter's ten most activating images, or its feature visualisation, show what the filter
# "detects"? In three or four sentences stored in `interpretation`, say what each kind of picture
# shows and give one reason for caution.

# %%
interpretation = ...  # your code here: a few sentences in quotes, e.g. interpretation = """..."""

# %%
course.check_text(
    interpretation,
    {"what the exemplars show": ['exemplar', 'top', 'most activating', 'ranking'],
     "what the visualisation shows": ['visualis', 'visualiz', 'optimi', 'synthes'],
     "a reason for caution": ['few', 'small', 'stimulus set', 'chosen', 'select', 'control', 'not prove', 'cannot']},
    min_words=30, exercise="06.3")

# %% [markdown]
# ## Summary
#
# - `most_selective` ranks a layer's filters by p-value (or by their share of eq. 2) for a category.
#   A high share is a statement about averages; the exemplars show which images actually drive the
#   filter, and the activation maps (with their colour bar, in activation units) show where.
# - Many images can tie at a filter's lowest value (0 after a ReLU): the ones shown are a seeded,
#   random, labelled draw among them, never the first few by image index.
# - Activation maximisation makes an image for a filter by gradient ascent on the input. Optimising
#   a 1/f-scaled Fourier parameterisation with random jitter (Olah et al. 2017) keeps the image from
#   turning into high-frequency noise; the paper used a learned image prior instead (PPGN, Nguyen
#   et al. 2017). Either way the image shows what excites the filter, not the category it "means":
#   the paper warns that images for hidden-layer filters can look corrupted.
# - Small optimisation budgets (the quick profile) rehearse the tools; what a filter of the paper's
#   pretrained VGG16 prefers needs the full profile. The title of every figure says which network
#   and which stimuli produced it.
#
# **Sources.**
#
# - The paper (representative filters and their PPGN visualisations): K. Malakhova, *Representation
#   of Categories in Filters of Deep Neural Networks*, Proceedings of the IEEE Conference on
#   Computer Vision and Pattern Recognition Workshops (CVPRW), 2018, pp. 1973–1975,
#   doi:[10.1109/CVPRW.2018.00265](https://doi.org/10.1109/CVPRW.2018.00265).
# - The essay (why a filter's preferred image need not look like its category): K. Malakhova, *Why
#   Latent Representations in Convolutional Neural Networks Fall Outside Visual Space*, MODVIS
#   Workshop (Computational and Mathematical Models in Vision), St. Petersburg, Florida, 2018,
#   <https://docs.lib.purdue.edu/modvis/2018/session02/3>.
#
# Other sources: C. Olah,
# A. Mordvintsev & L. Schubert, *Feature Visualization*, Distill, 2017; A. Nguyen, J. Clune,
# Y. Bengio, A. Dosovitskiy & J. Yosinski, *Plug & Play Generative Networks*, CVPR 2017;
# K. Simonyan & A. Zisserman, ICLR 2015 (VGG16).
#
# **Next:** notebook 07 asks whether a "dog-selective" filter responds to dogs as a person would
# see them; notebook 08 compares the network's geometry with visual space.
