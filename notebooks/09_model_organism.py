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
# # 09 · The model organism: a network whose whole training we know
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/09_model_organism.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. say what a *model organism* is in deep-learning research and why it helps: a network whose
#    data, labels and schedule are all known, so that claims about what training does can be tested;
# 2. test the paper's question on it: does face selectivity emerge in a network never trained on
#    faces, beyond what an untrained copy and low-level image statistics give?
# 3. run the essay's experiment: do units selective for one dog breed respond more to cars and cups
#    than to the other breeds, and does training with hierarchy-aware soft labels change that?
# 4. measure whether the breeds cluster in the last layers (centroid RDMs, a clustering index with
#    a permutation test and a bootstrap interval);
# 5. state what these results can and cannot say about the paper's VGG16.
#
# **Estimated time:** about 65 minutes (30 reading the text and the code, 35 for the three exercises
# and three Think! prompts; the code runs in under two minutes under `quick`).
#
# **Prerequisites:** notebook 01 (cross-entropy and soft labels), 03–05 (eq. 1, eq. 2, the
# permutation test, Benjamini–Hochberg, bootstrap intervals, layer profiles), 07–08 (RDMs).

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
from helpers.edge import course

profile = course.setup()

# %% [markdown]
# ## 1. What a model organism is
#
# Biologists study the fruit fly and the mouse because everything about them can be controlled and
# recorded. The course's **model organism** plays that role for the question of this course: a
# **small VGG16-shaped network trained on generated drawings — not the paper's VGG16**
# (`helpers.organism`). Everything about its training is known:
#
# - **the data generator** (`helpers.organism.world`): a "mini-ImageNet" of 14 procedurally drawn classes,
#   six dog breeds (dachshund, greyhound, bulldog, husky, dalmatian, beagle) and eight objects, among
#   them the essay's cars and cups; random position, scale, pose, colour, clutter and occlusion;
# - **the labels**: like ImageNet it has **no face class**, and nothing in it is drawn as a face.
#   Faces and face-like objects (*i-see-face*) appear only in the measurement drawings;
# - **the schedule**: two copies trained from the same initial weights, data order and schedule, one
#   with **cross-entropy** on one-hot labels (what ImageNet models use), one with **hierarchy-aware
#   soft labels** (breeds close to each other, far from cars; notebook 01); plus the **untrained**
#   copy, the same architecture at its starting weights, as the control.
#
# The organism is always available (its weights ship with the course), so this notebook computes
# the same numbers under both profiles. Everything is passed explicitly below: the three networks
# and the stimuli, never the profile's defaults.

# %%
import textwrap
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from helpers.cnn import activations
from helpers.analyses import breeds, emergence, geometry
from helpers import labels
from helpers.organism import world as miniworld, network as organism
from helpers.organism import heldout as ost
from helpers.stimuli.equalize import equalize_set

nets = {kind: organism.load_organism(kind) for kind in ("ce", "soft", "untrained")}
measure = miniworld.measurement_stimuli(n_per_category=36)  # face, i-see-face, car, dog (6 breeds x 6)
display(Markdown(course.describe(nets["ce"], measure)))


def wrapped(title, width=60):
    """A figure title from helpers.labels, wrapped to fit a panel."""
    return "\n".join(textwrap.fill(line, width) for line in title.split("\n"))

# %% [markdown]
# ### What the organism saw, and what it is measured with
#
# Top row: one training image per class (drawn from the training stream). Bottom rows: the
# measurement drawings, which the network never saw during training.

# %%
train_x, train_y = miniworld.dataset("train", n_per_class=1, size=64, seed=0)
fig, axes = plt.subplots(3, 14, figsize=(14, 3.4))
for ax, im, y in zip(axes[0], train_x, train_y):
    ax.imshow(im)
    ax.set_title(miniworld.CLASSES[y], fontsize=7)
picks = [i for c in range(len(measure.categories)) for i in np.flatnonzero(measure.labels == c)[:7]]
for ax, i in zip(axes[1:].ravel(), picks):
    ax.imshow(measure.image(i))
    ax.set_title(measure.categories[measure.labels[i]], fontsize=7)
for ax in axes.ravel():
    ax.axis("off")
fig.suptitle("Top: training classes (generated drawings). Below: measurement drawings, never trained on",
             fontsize=10)
plt.show()

# %% [markdown]
# ### How well it learned its task
#
# The record that ships with the weights (`organism.json`) holds the accuracy on 200 held-out images
# per class and the full confusion matrix.

# %%
record = organism.read_record()
for kind in ("ce", "soft"):
    h = record["heldout"][kind]
    print(f"{labels.ORGANISM_LOSSES[kind]:14s} held-out top-1 {h['top1']:.1%};  breed images called another "
          f"breed {h['breed_as_other_breed']:.2%}, called car or cup {h['breed_as_car_or_cup']:.2%}")
fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
for ax, kind in zip(axes, ("ce", "soft")):
    m = np.asarray(record["heldout"][kind]["matrix"], dtype=float)
    ax.imshow(np.log10(m + 1), cmap="magma")
    ax.set_xticks(range(14), miniworld.CLASSES, rotation=90, fontsize=7)
    ax.set_yticks(range(14), miniworld.CLASSES, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.grid(False)
    ax.set_title(wrapped(labels.title_for(nets[kind].course_info.label, True)), fontsize=8)
fig.suptitle("Held-out confusions (log10 of count + 1), from organism.json", fontsize=10)
plt.tight_layout()
plt.show()

# %% [markdown]
# Both copies solve the task. Note what the confusion matrix *cannot* show: whether the network
# treats the breeds as a family. A network can tell every class apart perfectly and still place a
# beagle as far from a husky as from a cup. That is what sections 3 and 4 measure inside it.

# %% [markdown]
# ## 2. The paper's question: does face selectivity emerge without faces?
#
# We measure the proportion of face- and i-see-face-selective filters per layer exactly as in
# notebooks 03–05 (eq. 1, eq. 2, permutation test, Benjamini–Hochberg at q = 0.05, bootstrap
# intervals over images) for the trained cross-entropy organism and for its untrained copy, on the
# measurement drawings **as drawn** and **equalised** (every image given the same mean luminance,
# RMS contrast and luminance amplitude spectrum: the SHINE approach, Willenbockel et al. 2010).
#
# > **Think!** Before you run the next cells: in the *untrained* copy, how many face-selective
# > filters do you expect, and in which layers? What should equalising do to them?

# %% [markdown]
# <details><summary>Answer</summary>
#
# Some, mainly in the early layers: random filters still respond differently to image sets that differ
# in brightness, contrast or spatial frequency, and the drawn faces differ from the other categories
# in exactly such statistics. Equalising removes the first two completely and the spectrum's share,
# so it should remove most of the untrained copy's "face filters". Whatever the trained copy has
# *beyond* that, on equalised images, is what training added.
# </details>

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # the clipped fraction is in the set's source line
    equalised = equalize_set(measure, spectrum=True)
print(equalised.source)
sets = {"drawn": measure, "equalised": equalised}
face_results = {}
for kind in ("ce", "untrained"):
    for name, stim in sets.items():
        acts = activations.collect(nets[kind], stim, progress=False)
        face_results[(kind, name)] = course.selectivity(acts)
table = emergence.emergence_table(face_results, ["face", "i-see-face"])
layers = list(face_results[("ce", "drawn")].layers)

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), sharey=True)
styles = {("face", "drawn"): ("C0", "-"), ("face", "equalised"): ("C0", "--"),
          ("i-see-face", "drawn"): ("C3", "-"), ("i-see-face", "equalised"): ("C3", "--")}
for ax, kind in zip(axes, ("ce", "untrained")):
    for (cat, stim_name), (colour, ls) in styles.items():
        t = table[(table["network"] == kind) & (table["stimuli"] == stim_name) & (table["category"] == cat)]
        x = np.arange(len(t))
        ax.plot(x, t["proportion"], color=colour, ls=ls, marker="o", ms=3, label=f"{cat}, {stim_name}")
        ax.fill_between(x, t["ci_low"], t["ci_high"], color=colour, alpha=0.12)
    ax.set_xticks(range(len(layers)), layers, rotation=90, fontsize=8)
    ax.set_title(wrapped(labels.title(face_results[(kind, "drawn")])), fontsize=8)
axes[0].set_ylabel("proportion of selective filters\n(BH q = 0.05)")
axes[0].legend(fontsize=8)
plt.tight_layout()
plt.show()

# %%
contrasts = {name: emergence.training_contrast(face_results[("ce", name)], face_results[("untrained", name)],
                                               ["face", "i-see-face"]) for name in sets}
wide = pd.concat({name: c.set_index(["layer", "category"])[["difference", "ci_low", "ci_high"]]
                  for name, c in contrasts.items()}, axis=1).unstack("category")
display(wide.loc[layers].round(2))

# %%
for name, c in contrasts.items():
    for cat in ("face", "i-see-face"):
        sub = c[c["category"] == cat]
        up = sub[sub["ci_low"] > 0]["layer"].tolist()
        down = sub[sub["ci_high"] < 0]["layer"].tolist()
        print(f"{name:9s} {cat:10s}: trained > untrained (95 % interval above 0) in {len(up)}/{len(sub)} layers"
              + (f", from {up[0]} to {up[-1]}" if up else "")
              + (f"; below the control in {len(down)}" if down else ""))

# %% [markdown]
# **Reading the result.** The printout above says, for each kind of stimuli and category, in how
# many layers the trained organism has more selective filters than its untrained copy, with the
# paired bootstrap interval of the difference (same images, same resamples) above zero. Where that
# holds on the *equalised* drawings, low-level statistics cannot explain the difference: the
# network learned filters that separate faces from cars and dogs **without ever being trained on a
# face**. That is the paper's claim for VGG16, here shown on a network whose training set is known to
# contain no faces. Compare the two categories: if i-see-face selectivity appears only in the deepest
# layers while face selectivity starts early, the face drawings are separable by simpler features
# (the round shape, the skin tones) than the pareidolia objects, which share their outlines with
# ordinary objects.
#
# The pale bands are the bootstrap intervals. The untrained copy's can be very wide in deep layers
# even where its proportion is 0: its filters are highly correlated, so on some resamples of the
# images many of them pass the test together. A count that unstable is one more reason to read the
# *paired* differences in the table rather than the curves one by one.
#
# Careful: "face-selective" here means "responds more to the face drawings than to the car, dog and
# i-see-face drawings". The drawn faces differ from the other three in many ways, so these filters need
# not detect *faces*; notebook 06's exemplars show what drives them.

# %% [markdown]
# ## 3. The essay's experiment: breed units, other breeds, cars and cups
#
# The essay argues that cross-entropy treats every pair of classes as equally far apart, so a unit
# tuned to one dog breed may respond *more* to cars or cups than to the other breeds. On the organism
# this is a measurement (`helpers.analyses.breeds.essay_experiment`):
#
# 1. new held-out images of all 14 classes (a seed training never used), 40 per class;
# 2. **select** on one half of the images: units of `block5_*`, `fc1`, `fc2` whose responses to one
#    breed rank above those to the other classes (one-sided Mann–Whitney test, Benjamini–Hochberg at
#    q = 0.05). Two rules: **rest** (the breed against the other 13 classes pooled) and the stricter
#    **each** (against every other class on its own, other breeds included);
# 3. **measure** on the other half (then swap the halves: cross-fitting, notebook 07): each unit's
#    eq. 1-normalised response to the other five breeds and to cars and cups;
# 4. per layer: the fraction of units with car/cup > other breeds, the median difference with a
#    bootstrap interval over images, and an exact sign test across units.
#
# > **Think!** Predict, for the cross-entropy copy and for the soft-label copy: will a breed unit
# > respond more to the other breeds or to cars and cups?

# %% [markdown]
# <details><summary>Answer</summary>
#
# The essay predicts that under cross-entropy nothing pulls the breeds together, so cars and cups can
# win for many units; the soft-label targets reward putting probability on the other breeds, so the
# soft copy's breed units should respond more to other breeds than to cars and cups. A third
# possibility is worth keeping in mind: the breeds *look* alike (four legs, fur, a head in profile),
# so even a cross-entropy network may keep them close simply because its features are visual.
# </details>

# %%
heldout = ost.heldout_stimuli(n_per_class=40)
deep = ["block5_conv1", "block5_conv2", "block5_conv3", "fc1", "fc2"]
held_acts = {kind: activations.collect(net, heldout, layers=deep + ["classifier.6"], progress=False)
             for kind, net in nets.items()}
essay = {(kind, rule): breeds.essay_experiment({l: held_acts[kind][l] for l in deep}, heldout.labels,
                                               heldout.categories, miniworld.BREEDS, against=rule, n_boot=300)
         for kind in nets for rule in ("rest", "each")}
essay_table = pd.concat({k: r.summary.set_index("layer") for k, r in essay.items()}, names=["network", "rule"])
display(essay_table[["n_units", "frac_compare_higher", "frac_low", "frac_high", "median_difference",
                     "median_low", "median_high", "mean_other_breeds", "mean_compare", "sign_test_p"]].round(3))

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharey=True)
for ax, kind in zip(axes, nets):
    for rule, colour in (("rest", "C0"), ("each", "C1")):
        s = essay[(kind, rule)].summary
        x = np.arange(len(s)) + (0.1 if rule == "each" else -0.1)
        err = np.vstack([s["median_difference"] - s["median_low"], s["median_high"] - s["median_difference"]])
        ax.errorbar(x, s["median_difference"], yerr=np.nan_to_num(err), fmt="o", color=colour, capsize=3,
                    label=f"rule '{rule}'")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(range(len(deep)), deep, rotation=45, fontsize=8)
    ax.set_title(wrapped(labels.title(held_acts[kind]), 50), fontsize=8)
axes[0].set_ylabel("median over breed units of\n(car/cup − other breeds), eq. 1 units")
axes[0].legend(fontsize=8)
fig.suptitle("Above 0: breed units respond more to cars and cups than to other breeds (95 % bootstrap "
             "intervals over images)", fontsize=10, y=1.02)
plt.tight_layout()
plt.show()

# %%
def verdict(kind, rule):
    s = essay[(kind, rule)].summary.dropna(subset=["median_difference"])
    if s.empty:
        return f"{kind:9s} rule {rule}: no breed-selective units in any layer"
    above = s[s["median_low"] > 0]["layer"].tolist()
    below = s[s["median_high"] < 0]["layer"].tolist()
    fr = s["frac_compare_higher"]
    return (f"{kind:9s} rule {rule}: {int(s['n_units'].sum())} unit selections in {len(s)} layers; "
            f"car/cup > other breeds for {fr.min():.0%}-{fr.max():.0%} of the units per layer; "
            f"median above 0 in {len(above)} layers {above}, below 0 in {len(below)} {below}")


for kind in nets:
    for rule in ("rest", "each"):
        print(verdict(kind, rule))
gap = (essay[("ce", "rest")].summary.set_index("layer")["median_low"]
       - essay[("soft", "rest")].summary.set_index("layer")["median_high"])
print(f"\ncross-entropy above soft labels (intervals apart) in {(gap > 0).sum()} of {len(gap)} layers (rule 'rest')")

# %% [markdown]
# **Reading the result.** The printout states, per network and rule, for what fraction of breed
# units cars and cups beat the other breeds and in which layers the median difference is reliably
# above or below zero. Three comparisons carry the argument:
#
# - **cross-entropy vs soft labels.** If the soft-label copy's differences lie below the
#   cross-entropy copy's in every layer (last line of the printout), the loss function changed how
#   breed units treat the other breeds, as the essay says it should: with soft targets, the other
#   breeds count as near misses, and the units respond to them.
# - **the essay's strong claim.** Under cross-entropy, "cars and cups above other breeds" is a claim
#   about *some* units. Read off the fractions: if they are near one half, a breed unit of the
#   cross-entropy organism is about as likely to prefer cars and cups as the other breeds — the
#   breeds get no special treatment, which is what equally spaced one-hot targets ask for; whether the
#   *median* lies above or below zero then depends on the selection rule and the layer.
# - **the untrained copy.** Its selected units are the baseline for what image statistics alone do.
#   Its bootstrap intervals are wide: its units are highly correlated, so the sign test across units
#   (which treats them as independent) is far too confident there; trust the intervals over images.

# %% [markdown]
# ## 4. Class geometry: do the breeds cluster?
#
# Each class is summarised by the centroid of its images' activations; the distance between two
# classes is 1 − Pearson correlation of their centroids (an RDM, notebook 08). The **breed clustering
# index** is the mean distance between two breeds divided by the mean distance from a breed to a
# non-dog class: 1 means the breeds are as far from each other as from cups and cars; below 1, they
# cluster. Its p-value compares it with all 3003 groups of six of the 14 classes; its interval comes
# from resampling images within each class.
#
# > **Think!** Which of the three networks will have the smallest index in `fc2`, and will the
# > cross-entropy copy's index be clearly below 1?

# %% [markdown]
# <details><summary>Answer</summary>
#
# The soft-label copy: its targets are built from the class hierarchy, so its last layers should
# reproduce it. For the cross-entropy copy, equally spaced targets give the breeds no reason to
# cluster; whatever clustering it shows comes from what the breeds share visually (four legs, fur, a
# head in profile), and the printout shows how much. The untrained copy's index is noisy around
# whatever the image statistics give.
# </details>

# %%
members = [heldout.categories.index(b) for b in miniworld.BREEDS]
geo = {}
for layer in ("fc2", "classifier.6"):
    geo[layer] = geometry.compare_networks({k: held_acts[k][layer] for k in nets}, heldout.labels, members,
                                           reference=miniworld.distance_matrix(), n_boot=500, seed=0,
                                           baseline="ce")
    print(f"{layer} ({'the logits' if layer == 'classifier.6' else 'last hidden layer'})")
    display(geo[layer][0].round(3))
    display(geo[layer][1].round(3))

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 4.6))
for ax, kind in zip(axes, nets):
    D = geometry.centroid_rdm(held_acts[kind]["fc2"], heldout.labels, len(heldout.categories))
    im = ax.imshow(D, cmap="viridis", vmin=0)
    ax.set_xticks(range(14), heldout.categories, rotation=90, fontsize=7)
    ax.set_yticks(range(14), heldout.categories, fontsize=7)
    ax.grid(False)
    ax.set_title(wrapped(labels.title(held_acts[kind]), 50) + "\nfc2 class-centroid RDM (1 − r)", fontsize=8)
    fig.colorbar(im, ax=ax, fraction=0.046)
plt.tight_layout()
plt.show()

# %%
for layer, (tab, diff) in geo.items():
    for _, row in tab.iterrows():
        word = "cluster" if row["ci_high"] < 1 and row["perm_p"] < 0.05 else "do not clearly cluster"
        print(f"{layer:12s} {row['network']:9s}: index {row['index']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}], "
              f"p = {row['perm_p']:.4f} -> the breeds {word}; RSA with the hierarchy rho = {row['rsa_rho']:.2f} "
              f"(p = {row['rsa_p']:.3f})")
    soft = diff.set_index("network").loc["soft"]
    print(f"{layer:12s} soft - cross-entropy: {soft['difference']:+.2f} [{soft['ci_low']:+.2f}, {soft['ci_high']:+.2f}]")

# %% [markdown]
# **Reading the result.** The printout gives each network's index with its interval and p-value, and
# the paired difference between the soft-label and the cross-entropy copy. If the cross-entropy copy's
# breeds "do not clearly cluster" in `fc2` while the soft copy's do, the geometry of the last layers
# is set by the loss, not by what the images look like: the same images, the same architecture and the
# same starting weights, and only the targets differ. The RSA column says the same from another side:
# how well each network's class distances follow the world's hierarchy. (Mind the untrained copy's
# colour scale: its class centroids are almost perfectly correlated, so all its distances are tiny.)
#
# Compare `fc2` with the logits (`classifier.6`). If the cross-entropy copy's breeds cluster *more* in
# the logits than in `fc2`, that is not a contradiction: a cross-entropy network's output for a beagle
# still puts its small leftover scores on the classes that look most like a beagle (Hinton et al. 2015
# called this "dark knowledge"), while the 256 units of `fc2` also carry much that is not about class.

# %% [markdown]
# ## Exercise 1: the clustering index by hand
#
# Compute the breed clustering index of the **soft-label** copy in `fc2` yourself from its class-centroid
# RDM `D` (14 × 14, classes in `heldout.categories` order; the breeds are the indices in `members`):
# the mean of `D` over pairs of two *different* breeds divided by the mean of `D` over (breed, non-breed)
# pairs. Store it in `index_soft`.

# %%
D = geometry.centroid_rdm(held_acts["soft"]["fc2"], heldout.labels, len(heldout.categories))
others = [i for i in range(len(heldout.categories)) if i not in members]

# %%
index_soft = ...  # your code here: a number

# %%
index_soft_used = course.check_answer(index_soft, geometry.clustering_index(D, members),
                                      "a pair of two *different* breeds: is a breed's distance to itself "
                                      "(the diagonal) in your mean?",
                                      "your index equals geometry.clustering_index.", exercise="09.1")

# %% [markdown]
# ## Exercise 2 (Challenge): the sign test behind the essay's verdict
#
# For the cross-entropy copy under rule `"rest"`, the table `units` below has one row per unit that
# was selected in a fold, in layer `fc2`, with its `difference` (car/cup − other breeds) measured on the
# other half. A unit selected in both folds must count **once**, with its two differences averaged.
# Compute the exact two-sided sign-test p-value of "positive and negative differences are equally
# likely" across those units: with `n` non-zero differences of which `k` are the rarer sign,
# p = min(1, 2 · P(X ≤ k)) for X ~ Binomial(n, ½). Store it in `p_sign`. (`math.comb` helps.)

# %%
units = essay[("ce", "rest")].units
units = units[units["layer"] == "fc2"]

# %%
p_sign = ...  # your code here: a p-value

# %%
p_sign_used = course.check_answer(p_sign, essay[("ce", "rest")].summary.set_index("layer").loc["fc2", "sign_test_p"],
                                  "count each unit once and leave out zero differences before counting signs",
                                  "your p-value equals the summary's sign_test_p.", within=(0, 1),
                                  exercise="09.2")

# %% [markdown]
# ## Exercise 3 (interpretation): why a model organism?
#
# In three or four sentences stored in `interpretation`: what can a network trained here show
# that the pretrained VGG16 cannot, and what does it cost in realism?

# %%
interpretation = ...  # your code here: a few sentences in quotes, e.g. interpretation = """..."""

# %%
course.check_text(
    interpretation,
    {"what is known about its training": ['never', 'training data', 'trained on', 'knows', 'we made', 'no face'],
     "the controlled comparison": ['loss', 'soft', 'untrained', 'control', 'compare'],
     "the cost": ['drawing', 'small', 'realis', 'not photographs', 'simple']},
    min_words=30, exercise="09.3")

# %% [markdown]
# ## Summary
#
# - A **model organism** is a network whose training is completely known — here a small VGG16-shaped
#   network trained on generated drawings of 14 classes, with no face class, in a cross-entropy and a
#   soft-label copy, beside its untrained starting point. It lets us *test* claims the paper and the
#   essay could only argue for ImageNet.
# - **Face selectivity without faces** (section 2): compare the trained network with its untrained copy
#   on the same images, paired; equalise luminance, contrast and spectrum to see what survives beyond
#   low-level statistics. The printout says in how many layers it did.
# - **The essay's experiment** (section 3): select breed units on half of the images, measure them on
#   the other half; compare other breeds with cars and cups per unit; trust bootstrap intervals over
#   images more than tests that treat units as independent. The loss function's effect is read off the
#   cross-entropy vs soft-label comparison.
# - **Class geometry** (section 4): centroid RDMs, a clustering index with an exact group permutation
#   test and a paired bootstrap of the difference between networks.
# - **Limits.** Drawings, not photographs; 14 classes, not 1000; a network of 0.8 million parameters,
#   not 138 million; three epochs of training. These results show what training *can* do to a
#   VGG16-shaped network under each loss; they are not measurements of the paper's VGG16. The same
#   functions run on any network's activations, so under the `full` profile you can point them at the
#   pretrained VGG16 (with photographs of breeds, cars and cups) and check whether it agrees.
