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
# # 01 · ImageNet loss geometry
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/01_loss_geometry.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. describe the label set VGG16 was trained on: ILSVRC-2012's 1000 classes, 118 of them dog
#    breeds sitting between jeeps and dishwashers;
# 2. write softmax and cross-entropy yourself and explain why, for this loss, every wrong class is
#    as far from the right one as every other;
# 3. measure how bad a mistake is on the WordNet hierarchy and compute a hierarchy-aware loss
#    (soft labels) next to the ordinary one;
# 4. compute the soft targets the course's model organism was trained with, and find the
#    temperature at which a target keeps half its mass on the true class (challenge);
# 5. inspect the geometry a trained network learned in its last layer and compare it with an
#    untrained control.
#
# **Estimated time:** about 85 minutes (40 reading the text and the code, 45 for the four exercises
# and three Think! prompts; the code runs in under two minutes under `quick`).
#
# **Prerequisites:** notebook 00; NumPy; the idea of a probability distribution. No deep-learning
# background is needed: everything here is arithmetic on vectors.

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
# Sections 1–5 are arithmetic on ImageNet's labels and on a small generated world: they need no
# network, and they are the same in every profile. Section 6 looks inside the network listed
# above.
#
# ## 1. What VGG16 was asked to tell apart
#
# VGG16 (Simonyan & Zisserman, 2015) was trained on the classification task of the ImageNet
# Large Scale Visual Recognition Challenge 2012 (ILSVRC-2012; Russakovsky et al., 2015): about
# 1.28 million training photographs, each with exactly one of 1000 labels. Each label is a
# WordNet noun ("synset"). `helpers.cnn.imagenet` gives their names in torchvision's order, their
# WordNet ids, and each class's chain of ever more general nouns up to `entity`.

# %%
import numpy as np
import pandas as pd

from helpers.cnn import imagenet
from helpers.analyses.verdicts import shows

names = imagenet.class_names()
groups = np.array(imagenet.coarse_groups())
dogs = np.flatnonzero(groups == "dog")
contiguous = np.array_equal(dogs, np.arange(dogs.min(), dogs.max() + 1))

print(f"{len(names)} classes")
print(f"{len(dogs)} dog breeds, indices {dogs.min()}–{dogs.max()}"
      + (" (one unbroken block)" if contiguous else " (scattered)"))
print("the first five:", ", ".join(names[i] for i in dogs[:5]))
print("the last three:", ", ".join(names[i] for i in dogs[-3:]))
print("the class after the block:", names[dogs.max() + 1], f"({groups[dogs.max() + 1]})")
print("classes whose WordNet chain passes through 'person':",
      ", ".join(names[i] for i in np.flatnonzero(groups == "person")))

# %% [markdown]
# The essay's examples, with their index and the coarse group `helpers.cnn.imagenet` assigns (the
# first of a few broad WordNet nouns met on the way up the class's chain):

# %%
essay = ["library", "dishwasher", "jeep", "zebra", "sea urchin", "Siberian husky", "Eskimo dog"]
table = pd.DataFrame({"class": essay,
                      "index": [names.index(n) for n in essay],
                      "coarse group": [groups[names.index(n)] for n in essay]})
print(table.to_string(index=False))

# %% jupyter={"source_hidden": true}
import matplotlib.pyplot as plt

counts = pd.Series(groups).value_counts().reindex(imagenet.GROUPS).dropna().astype(int)
fig, ax = plt.subplots(figsize=(7, 4.2))
ax.barh(counts.index[::-1], counts.values[::-1],
        color=["tab:orange" if g == "dog" else "tab:blue" for g in counts.index[::-1]])
ax.set_xlabel("number of ImageNet classes")
ax.set_ylabel("coarse group (WordNet)")
ax.set_title("ILSVRC-2012's 1000 classes by coarse group (labels only, no network)", fontsize=10)
plt.tight_layout()
plt.show()

# %%
print(shows(f"{len(dogs)} of {len(names)} ILSVRC-2012 classes ({len(dogs) / len(names):.1%}) are dog breeds; the "
            f"largest coarse group is '{counts.idxmax()}' ({counts.max()} classes); "
            f"{int((groups == 'person').sum())} classes pass through 'person'. These are label counts, not images."))

# %% [markdown]
# Dogs are more than a tenth of all classes, split
# finely enough that a Siberian husky, an Eskimo dog and a malamute are three different answers.
# People, by contrast, appear only in three role classes (ballplayer, groom, scuba diver), and
# there is no class for a face. (The essay speaks of about 120 dog classes; counting the classes
# whose WordNet chain passes through *dog* gives 118.)
#
# ## 2. Softmax and cross-entropy, written out
#
# The network's last layer produces 1000 numbers, the **logits** $z$. Softmax turns them into
# probabilities, $p_k = e^{z_k} / \sum_j e^{z_j}$, and the loss for an image whose label is $y$ is
# the **cross-entropy** between the one-hot target and $p$:
#
# $$L(z, y) = -\sum_k t_k \log p_k = -\log p_y = -z_y + \log \sum_j e^{z_j},$$
#
# where $t$ is 1 at the label and 0 elsewhere. Exponentials of large logits overflow, so in
# practice one subtracts the largest logit first; the result is unchanged because the shift
# cancels between numerator and denominator.

# %%
def softmax(z):
    """Probabilities from logits along the last axis, without overflow."""
    z = np.asarray(z, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


z = np.array([1000.0, 999.0, 990.0])
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(z) / np.exp(z).sum()
print("naive softmax of", z, "->", naive)
print("shifted softmax          ->", softmax(z).round(6))

# %% [markdown]
# ## Exercise 1: cross-entropy by hand
#
# Write `cross_entropy(logits, y)`: `logits` has shape `(n, 1000)`, `y` holds `n` labels, and the
# function returns the **mean** loss over the `n` rows, computed with the shifted log-sum-exp so
# that huge logits do not overflow. The check compares it with PyTorch's
# `torch.nn.functional.cross_entropy`.

# %%
def cross_entropy(logits, y):
    ...  # your code here: return the mean loss over the n rows, as a float


# %%
import torch
import torch.nn.functional as F

rng = np.random.default_rng(0)
test_logits = rng.normal(0, 3, size=(6, 1000))
test_y = rng.integers(0, 1000, size=6)


def torch_cross_entropy(logits, y):
    return F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(y)).item()


cross_entropy_used = course.check_function(
    cross_entropy, torch_cross_entropy, [(test_logits, test_y), (test_logits * 1000, test_y)],
    "the loss of one row is -log(softmax(z)[y]); write the log of a softmax without computing the softmax, "
    "and remember what shifting all logits of a row by the same amount does",
    "your loss equals PyTorch's, and huge logits stay finite.", exercise="01.1")
print(f"loss {cross_entropy_used(test_logits, test_y):.6f}; with logits 1000 times larger "
      f"{cross_entropy_used(test_logits * 1000, test_y):.1f}")

# %% [markdown]
# ## 3. Every wrong class is equally wrong
#
# Two facts make cross-entropy indifferent to *which* wrong answer the network gives.
#
# **The targets are equidistant.** The one-hot targets are the 1000 corners of a probability
# simplex. Any two corners differ in exactly two coordinates, by 1 each, so the Euclidean distance
# between any two of them is $\sqrt{2}$: the target for "Siberian husky" is exactly as far from
# "Eskimo dog" as from "dishwasher".

# %%
targets = np.eye(1000)
sq = (targets**2).sum(axis=1)
dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * targets @ targets.T, 0))
off_diagonal = dist[~np.eye(1000, dtype=bool)]
print(f"{off_diagonal.size} pairs of distinct classes; their distances take the values",
      np.unique(off_diagonal.round(12)), "(sqrt(2) =", round(np.sqrt(2), 8), ")")

# %% [markdown]
# **The loss sees only the true class.** $L = -\log p_y$ does not look at how the remaining
# probability is spread. Take a photograph of a Siberian husky and two predictions that both give
# the husky 0.6: one puts 0.35 on the look-alike Eskimo dog, the other 0.35 on a sports car (the
# last 0.05 is spread over the other 998 classes).
#
# **Think!** Which of the two predictions has the larger loss, and which gets the larger push
# (gradient) away from its wrong answer? Decide before running the cell.
#
# <details><summary>Answer</summary>
#
# Neither. The loss is $-\log 0.6$ in both cases, because it reads only the husky's probability;
# the gradient on a wrong logit is its probability, 0.35 in both cases. A forgivable mistake and
# an absurd one cost exactly the same.
# </details>

# %%
husky, eskimo, car = (names.index(n) for n in ("Siberian husky", "Eskimo dog", "sports car"))


def prediction(true, other, p_true, p_other):
    """1000 probabilities: p_true on `true`, p_other on `other`, the rest spread evenly."""
    p = np.full(1000, (1 - p_true - p_other) / 998)
    p[true], p[other] = p_true, p_other
    return p


for other in (eskimo, car):
    p = prediction(husky, other, 0.6, 0.35)
    gradient = p - np.eye(1000)[husky]  # dL/dz for softmax + cross-entropy
    print(f"0.35 on {names[other]!r:15}: loss = {-np.log(p[husky]):.4f} nats; "
          f"gradient on that logit = {gradient[other]:+.4f}")

# %%
loss_eskimo, loss_car = (-np.log(prediction(husky, other, 0.6, 0.35)[husky]) for other in (eskimo, car))
print(shows(f"all {off_diagonal.size:,} pairs of one-hot targets lie "
            + (f"at one distance, {off_diagonal.max():.4f}" if np.ptp(off_diagonal) < 1e-12 else "at several distances")
            + f"; 0.35 on the Eskimo dog costs {loss_eskimo:.4f} nats, 0.35 on the sports car {loss_car:.4f}: "
            + ("cross-entropy charges the two confusions alike." if np.isclose(loss_eskimo, loss_car) else
               "cross-entropy charges them differently.")))

# %% [markdown]
# The losses are identical, and so are the gradients: the derivative of the loss with respect to
# logit $k$ is $p_k - t_k$, so training pushes the Eskimo-dog logit down exactly as hard as the
# sports-car logit. Nothing in the objective tells the network that one confusion is
# understandable and the other absurd.
#
# ### The picture with three classes
#
# With three classes every prediction is a point in a triangle whose corners are the one-hot
# targets. Colour each point by its loss when the true class is the husky (top corner). Left: the
# ordinary loss. Its contour lines are parallel to the bottom edge, because only the husky's
# probability matters. Right, for comparison, the hierarchy-aware loss introduced in section 5
# (soft targets with β = 1 over these three classes): moving probability towards the Eskimo dog
# now costs less than moving it towards the car.

# %% jupyter={"source_hidden": true}
from matplotlib.tri import Triangulation

three = [husky, eskimo, car]
corners = np.array([[0.5, np.sqrt(3) / 2], [0.0, 0.0], [1.0, 0.0]])  # husky on top


def simplex_points(n=120, eps=2e-3):
    """Probability vectors (p_husky, p_eskimo, p_car) on a grid inside the triangle."""
    a, b = np.meshgrid(np.linspace(0, 1, n), np.linspace(0, 1, n))
    a, b = a.ravel(), b.ravel()
    keep = a + b <= 1 + 1e-12
    P = np.stack([a[keep], b[keep], np.clip(1 - a[keep] - b[keep], 0, 1)], axis=1)
    return (P + eps) / (1 + 3 * eps)  # keep away from log(0) on the edges


def soft_target_three(beta):
    d = imagenet.distance_matrix()[np.ix_(three, three)][0].astype(float)
    w = np.exp(-beta * d)
    return w / w.sum()


P = simplex_points()
xy = P @ corners
tri = Triangulation(xy[:, 0], xy[:, 1])
q3 = soft_target_three(beta=1.0)
losses = {"one-hot cross-entropy": -np.log(P[:, 0]),
          f"soft-label cross-entropy (β = 1; target {np.round(q3, 2).tolist()})": -(np.log(P) @ q3)}
examples = {"0.35 on Eskimo dog": [0.6, 0.35, 0.05], "0.35 on sports car": [0.6, 0.05, 0.35]}

fig, axes = plt.subplots(1, 2, figsize=(11, 5.2), layout="constrained")
levels = np.linspace(0, 4, 17)
for ax, (name, L) in zip(axes, losses.items()):
    cs = ax.tricontourf(tri, np.minimum(L, 4), levels=levels, cmap="viridis")
    ax.tricontour(tri, np.minimum(L, 4), levels=levels[::2], colors="white", linewidths=0.5)
    for (label, p), marker in zip(examples.items(), ("o", "s")):
        x, y = np.array(p) @ corners
        ax.plot(x, y, marker, color="tab:red", mec="white", ms=8, label=label)
    for (x, y), k, va in zip(corners, three, ("bottom", "top", "top")):
        ax.text(x, y + (0.04 if va == "bottom" else -0.04), names[k], ha="center", va=va, fontsize=10)
    ax.set_xlim(-0.2, 1.2)  # room for the corner labels (the triangle spans 0..1 by 0..0.87)
    ax.set_ylim(-0.14, np.sqrt(3) / 2 + 0.12)
    ax.set_title(name, fontsize=10)
    ax.set_aspect("equal")
    ax.axis("off")
handles, labels = axes[0].get_legend_handles_labels()
fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=9, title="two predictions, 0.6 on the husky")
fig.colorbar(cs, ax=axes, shrink=0.8, label="loss when the true class is Siberian husky (nats)")
fig.suptitle("Loss over the 3-class probability simplex (arithmetic only, no network)", fontsize=11)
plt.show()

# %% [markdown]
# ## 4. How bad is a mistake? The WordNet hierarchy
#
# Graders of ImageNet models have long noticed that some errors are better than others. A way to
# score this (used by Bertinetto et al., 2020, *Making Better Mistakes*) is the WordNet tree:
# follow both classes up their chains of ever more general nouns until the chains meet, at the
# **lowest common ancestor**; its height above the two classes (in edges) is the **mistake
# severity**. A husky mistaken for a malamute meets it one level up, at *sled dog*; a husky
# mistaken for a sports car meets it only near the root, at *whole* (WordNet's word for a
# physical thing made of parts), thirteen levels up.

# %%
def lowest_common_ancestor(i, j):
    above_j = set(imagenet.hypernym_chain(j))
    return next(s for s in imagenet.hypernym_chain(i) if s in above_j)


print("Siberian husky:", " → ".join(imagenet.hypernym_chain(husky)[:6]), "→ …")
print("sports car:    ", " → ".join(imagenet.hypernym_chain(car)[:6]), "→ …")
print()
rows = []
for other in ["malamute", "Eskimo dog", "Chihuahua", "timber wolf", "tabby", "sports car", "dishwasher"]:
    k = names.index(other)
    rows.append({"husky mistaken for": other, "lowest common ancestor": lowest_common_ancestor(husky, k),
                 "severity (edges)": imagenet.hierarchical_distance(husky, k)})
print(pd.DataFrame(rows).to_string(index=False))

# %% [markdown]
# Over all pairs of classes, cross-entropy's view (one distance for everything) and the
# hierarchy's view look very different:

# %% jupyter={"source_hidden": true}
D = imagenet.distance_matrix()
upper = D[np.triu_indices(1000, k=1)]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
axes[0].bar([np.sqrt(2)], [upper.size], width=0.05, color="tab:gray")
axes[0].set_xlim(0, 2)
axes[0].set_xlabel("distance between one-hot targets (Euclidean)")
axes[0].set_ylabel("number of class pairs")
axes[0].set_title("what cross-entropy sees: every pair at √2", fontsize=10)
values, number = np.unique(upper, return_counts=True)
axes[1].bar(values, number, color="tab:blue")
axes[1].set_xlabel("height of the lowest common ancestor (WordNet edges)")
axes[1].set_ylabel("number of class pairs")
axes[1].set_title("the WordNet hierarchy: near and far pairs", fontsize=10)
plt.tight_layout()
plt.show()

# %%
severities = [r["severity (edges)"] for r in rows]
print(shows(f"a husky mistaken for one of seven classes costs {min(severities)} to {max(severities)} WordNet edges, "
            f"and the {upper.size:,} class pairs spread over {len(values)} heights ({values.min():g}–{values.max():g}); "
            "cross-entropy sees one distance for all of them."))

# %% [markdown]
# ## 5. A loss that knows the hierarchy: soft labels
#
# One of the remedies Bertinetto et al. propose replaces the one-hot target by a **soft label**
# that leaves some probability on classes near the true one:
#
# $$q_k = \frac{e^{-\beta\, d(y, k)}}{\sum_j e^{-\beta\, d(y, j)}},$$
#
# where $d$ is the hierarchical distance and $\beta > 0$ sets how quickly the target falls off
# with distance (large $\beta$ gives back the one-hot target). The loss is the cross-entropy
# against $q$, $-\sum_k q_k \log p_k$. `helpers.cnn.imagenet.soft_labels(y, temperature)` computes
# $q$ with `temperature` $= 1/\beta$.
#
# ## Exercise 2: soft labels
#
# Complete `my_soft_labels(y, beta)` for a single class index `y`: it returns the 1000 soft-label
# probabilities defined above. Use `imagenet.distance_matrix()` (a `(1000, 1000)` integer array)
# and subtract the maximum exponent before exponentiating, as in softmax.

# %%
def my_soft_labels(y, beta):
    d = imagenet.distance_matrix()[y].astype(np.float64)
    ...  # your code here: return the 1000 probabilities


# %%
my_soft_labels_used = course.check_function(
    my_soft_labels, lambda y, beta: imagenet.soft_labels(y, temperature=1 / beta), [(husky, 2.0)],
    "it is a softmax of -beta * d: the same stabilising shift as in section 2 applies", atol=1e-6,
    exercise="01.2")
mine = my_soft_labels_used(husky, 2.0)
print(f"with β = 2 the husky keeps {mine[husky]:.3f} of the target; all other dog breeds together get "
      f"{mine[dogs].sum() - mine[husky]:.3f}, the sports car {mine[car]:.1e}")

# %% [markdown]
# Now the losses side by side. Each prediction below is *wrong*: it gives the husky only 0.3
# and its top choice, 0.6, to another class (the last 0.1 is spread over the rest). The one-hot
# loss is the same for all of them; the soft-label loss grows with the severity of the mistake.
#
# **Think!** Tabby (severity 5 from the husky), sports car and dishwasher (13 each): at β = 2,
# will the soft-label loss rank these three mistakes? Predict before you run the cell.
#
# <details><summary>Answer</summary>
#
# No: they tie to three decimals. At β = 2 a class 5 edges away gets $e^{-10}$ of the target's
# weight, one 13 edges away $e^{-26}$; both are zero for practical purposes, so the loss of the
# three predictions is the same, dominated by the −log 0.3 on the husky and the near-zero
# probability left on the husky's neighbours. Soft labels rank mistakes only within the
# neighbourhood where the target puts mass.
# </details>

# %%
soft = {beta: imagenet.soft_labels(husky, temperature=1 / beta).astype(np.float64) for beta in (2.0, 1.0)}
rows = []
for other in ["malamute", "Eskimo dog", "Chihuahua", "timber wolf", "tabby", "sports car", "dishwasher"]:
    k = names.index(other)
    p = prediction(husky, k, p_true=0.3, p_other=0.6)
    row = {"top guess": other, "severity": imagenet.mistake_severity(husky, k).item(),
           "one-hot CE": -np.log(p[husky])}
    for beta, q in soft.items():
        row[f"soft-label CE (β={beta:g})"] = -(q @ np.log(p))
    rows.append(row)
print(pd.DataFrame(rows).round(3).to_string(index=False))

# %%
soft_table = pd.DataFrame(rows)
col2 = "soft-label CE (β=2)"
one_hot = soft_table["one-hot CE"]
print(shows((f"one-hot cross-entropy is {one_hot.iloc[0]:.3f} nats for all seven top guesses" if np.ptp(one_hot) < 1e-9 else
             f"one-hot cross-entropy ranges {one_hot.min():.3f}–{one_hot.max():.3f} nats over the seven top guesses")
            + f"; the soft-label loss (β = 2) rises from {soft_table[col2].iloc[0]:.3f} "
            f"({soft_table['top guess'].iloc[0]}) to {soft_table[col2].max():.3f} and ties for "
            f"{int((soft_table[col2] - soft_table[col2].max()).abs().lt(5e-4).sum())} of them at its maximum."))

# %% [markdown]
# The soft-label loss grows with severity only up to a point: once the top guess lies outside
# the neighbourhood where the target puts its mass, every further mistake costs the same again
# (tabby, sports car and dishwasher tie at β = 2). A smaller β widens that neighbourhood and
# spreads the target over more classes. Either way, training with soft labels makes a network pay
# more for absurd mistakes than for forgivable ones. VGG16 was not trained that way: its loss was
# the one-hot column, blind to the difference. So whatever similarity structure VGG16 has among
# its classes, the loss did not ask for it. Does it have any?
#
# ### The same recipe, on the course's own small world
#
# The course's model organism (notebook 09; the `quick` profile's network) was trained on
# `helpers.organism.world`, a generated mini-ImageNet of 14 classes with a small hierarchy of its own:
# six dog breeds under *dog*, then *animal*; car, airplane and bicycle under *vehicle*; cup and
# bottle under *container*; and so on up to *entity*. It comes in two copies trained from the same
# start on the same images: one with cross-entropy on one-hot labels, one with soft labels built
# exactly as above, $q \propto e^{-d/T}$ with temperature $T = 1/\beta$ on that hierarchy's
# distances (`helpers.cnn.imagenet.softmax_over_distances`, which both hierarchies share). The
# temperature it used is in its training record:

# %%
from helpers.organism import world as miniworld, network as organism

T = organism.read_record()["config"]["temperature"]
world = list(miniworld.CLASSES)
D_world = miniworld.distance_matrix()
mw_husky = world.index("husky")
q_world = miniworld.soft_labels(mw_husky, temperature=T)
by_hand = np.exp(-D_world[mw_husky] / T) / np.exp(-D_world[mw_husky] / T).sum()  # section 5's formula, β = 1/T
print(f"the organism's soft copy was trained at temperature T = {T} (β = {1 / T:g})")
print("miniworld.soft_labels equals section 5's formula on this hierarchy:", np.allclose(q_world, by_hand, atol=1e-6))
print(pd.DataFrame({"class": world, "distance from husky": D_world[mw_husky],
                    "soft target": q_world.round(4)}).to_string(index=False))

# %% [markdown]
# Read the table: the husky keeps the largest share of its own target, most of the rest goes to
# the five other breeds one edge away, and cars and cups, three edges away, get least. (The share
# kept on the true class depends on how many close neighbours a class has: a chair, with no
# sibling under *furniture*, keeps more than a breed.) Notebook 09 measures what
# the two copies learned from these two targets: whether the soft copy's class geometry and
# filters put the breeds closer together than the cross-entropy copy's.
#
# ## Exercise 3 (challenge): the temperature that keeps half
#
# The share a soft target leaves on the true class falls as the temperature rises (at $T \to 0$
# the target is one-hot; at $T \to \infty$ it is uniform). Find, to within $10^{-4}$, the
# temperature `t_half` at which the organism's husky target (`miniworld.soft_labels(mw_husky, t)`)
# keeps **exactly half** of its mass on the husky. No formula gives it: search for it, e.g. by
# bisection between a temperature that keeps more than half and one that keeps less.

# %%
t_half = ...  # your code here: a float, the temperature at which the husky keeps 0.5


# %%
def kept_on_husky(t):
    return float(miniworld.soft_labels(mw_husky, temperature=t)[mw_husky])


grid = np.geomspace(0.01, 10.0, 2001)  # reference: read 0.5 off the curve kept(t), interpolated in log t
curve = np.array([kept_on_husky(t) for t in grid])
t_half_used = course.check_answer(
    t_half, float(np.exp(np.interp(0.5, curve[::-1], np.log(grid[::-1])))),
    "the share kept falls steadily as t rises, so an interval whose ends keep more and less than half "
    "can be halved until it is short enough",
    "the husky keeps half its target at that temperature.", rtol=0, atol=1e-4, within=(0, float("inf")),
    exercise="01.3")
print(f"t_half = {t_half_used:.4f}: the husky keeps {kept_on_husky(t_half_used):.4f}; "
      f"at the organism's T = {T} it keeps {kept_on_husky(T):.3f}")
print(f"the organism's T = {T} is {'below' if T < t_half_used else 'above'} t_half: its husky target keeps "
      f"{'more' if T < t_half_used else 'less'} than half on the husky itself")

# %% [markdown]
# The last line compares the organism's training temperature with `t_half`, so it stays right if
# the organism is retrained at another temperature: a temperature below `t_half` keeps most of
# the target on the true class and spreads the rest over the breed's siblings; one above it gives
# the siblings together more than the true class itself. How far apart the soft copy's breeds end
# up, compared with the cross-entropy copy's, is notebook 09's question.
#
# ## 6. The geometry a network learned anyway
#
# A VGG-shaped network's last layer, `classifier.6`, is a weight matrix with one row per class:
# the logit of class $k$ is the dot product of row $k$ with the image's features from the layer
# before (4096 of them in VGG16). If two classes have similar rows, the network scores them alike.
# The **cosine similarity** of two class vectors (1 = same direction, 0 = unrelated) measures that.
#
# Which network this is depends on the profile (the list at the top): VGG16 trained on ImageNet's
# 1000 classes under `full`; the model organism, trained with cross-entropy on the 14 classes of
# the small world above, under `quick`. The control is the same architecture with **random
# weights** (`course.control_model()`): its class vectors are independent random draws, so their
# cosines scatter around 0 with a standard deviation of about $1/\sqrt{\text{features}}$.

# %%
from helpers.present import plots

net = course.model()
control = course.control_model()
models = {"profile's model": net, "untrained control": control}


def class_vectors(m):
    return m.classifier[6].weight.detach().to(torch.float64).numpy()  # (classes, features)


def class_labels(m):
    """Class names and coarse groups of a network's head: ImageNet's, or the small world's."""
    n = m.classifier[6].out_features
    if n == len(names):
        return names, groups
    if n == len(miniworld.CLASSES):
        return world, np.array([miniworld.PARENTS[c] for c in world])
    raise ValueError(f"a head with {n} classes is neither ImageNet's nor the small world's")


def cosine_matrix(W):
    unit = W / np.linalg.norm(W, axis=1, keepdims=True)
    return unit @ unit.T


for role, m in models.items():
    W = class_vectors(m)
    print(f"{role:18}: {m.course_info.label}; classifier.6 {W.shape[0]} classes × {W.shape[1]} features; "
          f"chance sd of a cosine ≈ {1 / np.sqrt(W.shape[1]):.3f}")
if not net.course_info.trained:
    print("\nNOTE: the profile's model is UNTRAINED too, so both panels below show random weights: this is "
          "what 'no learned structure' looks like.")
cosines = {role: cosine_matrix(class_vectors(m)) for role, m in models.items()}

# %% [markdown]
# **Think!** Before running the next cell: will the dog breeds' class vectors be more alike than a
# random group of as many classes, in the trained network? In the untrained control?
#
# <details><summary>Answer</summary>
#
# In the control, no: random vectors know nothing of dogs, so the breeds' mean cosine lies within
# the spread of random groups (a z near 0). In a trained network the loss does not ask for it,
# yet the images may impose it: breeds share features, so their class vectors may point the same
# way. The cell measures it for this profile's network, and the line under the heat maps says
# what this run found.
# </details>
#
# Compare the mean cosine among dog breeds with the mean between dogs and other classes, and, as a
# yardstick, with the same within-group mean for 500 random groups of as many classes.

# %%
def within_mean(C, idx):
    sub = C[np.ix_(idx, idx)]
    return (sub.sum() - np.trace(sub)) / (len(idx) * (len(idx) - 1))


def dog_cluster(C, is_dog, n_random=500, seed=0):
    rng = np.random.default_rng(seed)
    random_groups = [within_mean(C, rng.choice(len(C), is_dog.sum(), replace=False)) for _ in range(n_random)]
    return {"within dogs": within_mean(C, np.flatnonzero(is_dog)),
            "dogs vs others": C[np.ix_(is_dog, ~is_dog)].mean(),
            "random groups (mean)": np.mean(random_groups),
            "random groups (sd)": np.std(random_groups)}


cluster = pd.DataFrame({role: dog_cluster(cosines[role], class_labels(m)[1] == "dog") for role, m in models.items()}).T
cluster["z"] = (cluster["within dogs"] - cluster["random groups (mean)"]) / cluster["random groups (sd)"]
print(f"mean cosine similarity of class vectors ({(class_labels(net)[1] == 'dog').sum()} dog breeds; "
      "z: within dogs versus random groups, in their sd)")
print(cluster.to_string(float_format="{:+.4f}".format))
print()
verdicts = {}
for (role, m), z in zip(models.items(), cluster["z"]):
    verdicts[role] = z > 3
    verdict = "dog breeds cluster (z > 3)" if z > 3 else "no dog cluster beyond what random groups of classes show"
    print(f"{role} ({'trained' if m.course_info.trained else 'UNTRAINED'}): z = {z:.1f} -> {verdict}")

# %% [markdown]
# The heat maps show the cosines among classes sorted by coarse group (for ImageNet, ten classes
# from each of six groups; for the small world, all 14), the diagonal, always 1, left blank.

# %% jupyter={"source_hidden": true}
show_groups = ["dog", "mammal (other)", "bird", "vehicle", "food", "instrument/device"]


def picked_classes(m):
    """Indices of the classes to show, sorted by group, and the group of each."""
    cls, grp = class_labels(m)
    if len(cls) == len(names):
        idx = np.concatenate([np.flatnonzero(grp == g)[np.linspace(0, (grp == g).sum() - 1, 10).astype(int)]
                              for g in show_groups])
    else:
        idx = np.array(sorted(range(len(cls)), key=lambda i: (grp[i] != "dog", grp[i])))  # the breeds first
    return idx, grp[idx]


fig, axes = plt.subplots(1, 2, figsize=(12, 6.3), layout="constrained")
for k, (ax, (role, m)) in enumerate(zip(axes, models.items())):
    idx, grp = picked_classes(m)
    C = cosines[role][np.ix_(idx, idx)].copy()
    np.fill_diagonal(C, np.nan)
    im = ax.imshow(C, cmap="RdBu_r", vmin=-0.3, vmax=0.3)
    starts = [0] + [i for i in range(1, len(grp)) if grp[i] != grp[i - 1]] + [len(grp)]
    for b in starts[1:-1]:
        ax.axhline(b - 0.5, color="k", lw=0.6)
        ax.axvline(b - 0.5, color="k", lw=0.6)
    if len(idx) <= 20:  # few classes: name each one
        ticks, labels = np.arange(len(idx)), [class_labels(m)[0][i] for i in idx]
    else:
        ticks, labels = [(a + b - 1) / 2 for a, b in zip(starts, starts[1:])], [grp[a] for a in starts[:-1]]
    ax.set_xticks(ticks, labels, rotation=45, ha="right", fontsize=9)
    ax.set_yticks(ticks, labels, fontsize=9)
    ax.grid(False)
    ax.set_xlabel("class (sorted by coarse group)")
    if k == 0:
        ax.set_ylabel("class (sorted by coarse group)")
    ax.set_title(f"{role}:\n" + plots.title_for(m.course_info.label, m.course_info.trained), fontsize=9)
fig.colorbar(im, ax=axes, shrink=0.8, label="cosine similarity of class weight vectors (classifier.6)")
plt.show()

# %%
z_by_role = cluster["z"]
trained_roles = [r for r, m in models.items() if m.course_info.trained]
untrained_roles = [r for r in z_by_role.index if r not in trained_roles]
for role in trained_roles:
    clusters, control_flat = z_by_role[role] > 3, all(z_by_role[r] <= 3 for r in untrained_roles)
    print(shows(f"in {role} the dog breeds' class vectors lie z = {z_by_role[role]:+.1f} sd from random groups of "
                f"classes (untrained: {', '.join(f'z = {z_by_role[r]:+.1f}' for r in untrained_roles) or 'none'}): "
                + ("the breeds' vectors point in similar directions although the loss never asked for it, and "
                   "random weights do not do this." if clusters and control_flat else
                   "the breeds cluster, but so do random weights: not specific to training." if clusters else
                   "the network kept its breeds as far apart as any group of classes, which is what "
                   "cross-entropy alone asks for.")))
if not trained_roles:
    print(shows(f"both networks are untrained (z = {', '.join(f'{z:+.1f}' for z in z_by_role)}): "
                "this is what 'no learned structure' looks like."))

# %% [markdown]
# **Reading the result.** The control's map is noise around 0 and its dog breeds are no more
# alike than any random group of classes: this is what "no structure" looks like, and it is the
# baseline for the trained network; the line above says what the trained one shows in this run.
#
# Two forces act on these vectors, and the essay's argument is about their balance:
#
# - **the data pull similar classes together.** Images of different breeds share fur,
#   snouts, ears and settings, so their features in the layer below are alike, and class vectors
#   fitted to alike features tend to end up alike;
# - **the loss pushes every pair of classes apart equally.** Trained long enough, cross-entropy
#   drives the class vectors towards equal angles with one another, the learned counterpart of
#   the equidistant one-hot targets of section 3 (the "neural collapse" described by Papyan, Han
#   and Donoho, 2020).
#
# Whatever dog cluster survives in a cross-entropy network's last layer is what the images imposed
# against the loss's indifference. Notebook 09 goes further on the organism, where both copies can
# be compared: it measures the class geometry the cross-entropy copy and the soft-label copy
# actually learned. Which of the two forces shapes the *filters* of the convolutional layers is
# what notebooks 03–08 measure.

# %% [markdown]
# ## Exercise 4 (interpretation): what the loss asks for
#
# Cross-entropy charges the same for calling a husky a beagle as for calling it a car. In three or
# four sentences, store in `interpretation`: why might a network trained with it still put the dog
# breeds close together, and how would you tell that explanation apart from the loss itself
# (which comparison would you run)?

# %%
interpretation = ...  # your code here: a few sentences in quotes, e.g. interpretation = """..."""

# %%
course.check_text(
    interpretation,
    {"how cross-entropy treats mistakes": ['alike', 'same', 'equal', 'one-hot', 'every mistake', 'all mistakes'],
     "a reason from the images themselves": ['look alike', 'similar', 'visual', 'feature', 'shape'],
     "a comparison that separates the explanations": ['soft', 'untrained', 'control', 'compare']},
    min_words=30, exercise="01.4")

# %% [markdown]
# ## Summary
#
# - ILSVRC-2012 has 1000 classes, 118 of them dog breeds (indices 151–268), next to classes such
#   as jeep and dishwasher, and no class for a person or a face.
# - Cross-entropy is $-\log p_{\text{true}}$. Its one-hot targets are the equidistant corners of
#   a simplex (every pair √2 apart), and loss and gradient are identical whether the wrong
#   probability goes to another dog breed or to a car.
# - Mistake severity measured on WordNet (height of the lowest common ancestor) separates
#   forgivable from absurd mistakes; soft labels $q \propto e^{-\beta d}$ build that into the
#   loss.
# - The organism's soft-label copy was trained with exactly this recipe on its small world's
#   hierarchy (temperature from its record); the challenge found the temperature at which a
#   husky's target keeps half its mass.
# - VGG16 (and the organism's cross-entropy copy) were trained without soft labels; any
#   clustering of their class vectors is learned from the images, not demanded by the loss, which
#   pushes all classes apart alike. The untrained control shows what no structure looks like;
#   notebook 09 compares the geometry the two organism copies learned.
#
# **Next:** notebook 02 opens up the network and reads out the activations of any layer with
# forward hooks.
#
# ### Sources
#
# - The paper (the measure the later notebooks apply to this loss's network): K. Malakhova,
#   *Representation of Categories in Filters of Deep Neural Networks*, Proceedings of the IEEE
#   Conference on Computer Vision and Pattern Recognition Workshops (CVPRW), 2018, pp. 1973–1975,
#   doi:[10.1109/CVPRW.2018.00265](https://doi.org/10.1109/CVPRW.2018.00265).
# - The essay (cross-entropy treats all classes as equally far apart): K. Malakhova, *Why Latent
#   Representations in Convolutional Neural Networks Fall Outside Visual Space*, MODVIS Workshop
#   (Computational and Mathematical Models in Vision), St. Petersburg, Florida, 2018,
#   <https://docs.lib.purdue.edu/modvis/2018/session02/3>.
# - O. Russakovsky et al., *ImageNet Large Scale Visual Recognition Challenge*, IJCV 2015.
# - K. Simonyan and A. Zisserman, *Very Deep Convolutional Networks for Large-Scale Image
#   Recognition*, ICLR 2015.
# - L. Bertinetto, R. Mueller, K. Tertikas, S. Samangooei and N. A. Lord, *Making Better Mistakes:
#   Leveraging Class Hierarchies with Deep Networks*, CVPR 2020 (mistake severity, soft labels).
# - V. Papyan, X. Y. Han and D. L. Donoho, *Prevalence of neural collapse during the terminal phase
#   of deep learning training*, PNAS 117, 2020.
# - G. A. Miller, *WordNet: a lexical database for English*, Communications of the ACM, 1995
#   (the class hierarchy; see `data/README.md` for how it was extracted).
