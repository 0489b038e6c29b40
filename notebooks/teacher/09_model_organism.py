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
# # 09 · The model organism: what is a "face unit" of a network never trained on faces made of?
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/teacher/09_model_organism.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. say what a *model organism* is in deep-learning research and why it helps: a network whose
#    data, labels and schedule are all known, so that claims about what training does can be tested;
# 2. take a "face unit" of a network never trained on faces apart with **paired controls** (the same
#    face without its features, with them scrambled, as a flat silhouette), counting over all units and
#    over live units, against untrained copies, across training seeds and stimulus seeds;
# 3. run the essay's experiment with a **strict** rule for breed units, chosen on one half of the images
#    and scored on the other, with the untrained baseline beside every rule;
# 4. judge whether the breeds cluster in the last layers against **random groups of classes** (the
#    permutation null);
# 5. state what these results can and cannot say about the paper's VGG16.
#
# **Estimated time:** about 65 minutes (30 reading the text and the code, 35 for the three exercises
# and three Think! prompts; the code runs in under two minutes under `quick`).
#
# **Prerequisites:** notebook 01 (cross-entropy and soft labels), 03–05 (eq. 1, eq. 2, the
# permutation test, Benjamini–Hochberg, bootstrap intervals, layer profiles, equalised stimuli), 07–08
# (cross-fitting, RDMs).

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
# ## 1. What a model organism is
#
# Biologists study the fruit fly and the mouse because everything about them can be controlled and
# recorded. The course's **model organism** plays that role for the question of this course: a
# **small VGG16-shaped network trained on generated drawings — not the paper's VGG16**
# (`helpers.organism`). Everything about its training is known:
#
# - **the data generator** (`helpers.organism.world`): a "mini-ImageNet" of procedurally drawn classes,
#   six dog breeds, other animals with eyes of their own, and objects among them the essay's cars
#   and cups; random position, scale, pose, colour, clutter and occlusion;
# - **the labels**: like ImageNet it has **no face class**, and nothing in it is drawn as a face.
#   Faces and face-like objects (*i-see-face*, drawn only from things the organism never saw) appear
#   only in the measurement drawings, beside an object category it never saw either (umbrellas);
# - **the schedule**: several copies trained from different seeds with **cross-entropy** on one-hot
#   labels (what ImageNet models use), as many with **hierarchy-aware soft labels** (breeds close to
#   each other, far from cars; notebook 01), and **untrained** copies, the same architecture at
#   random starting weights, as the control.
#
# The question of this notebook is the paper's, asked where it can be answered: **what is a "face
# unit" of a network never trained on faces made of?** The organism's weights ship with the course,
# so this notebook runs offline under both profiles; `quick` draws 24 images per category and stimulus
# seed and recalibrates two untrained seeds, `full` 32 and all five. Everything is passed explicitly
# below: the networks, their seeds and the stimuli, never the profile's defaults.

# %%
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from helpers.cnn import activations
from helpers.analyses import breeds, controls, geometry, replication
from helpers import labels
from helpers.organism import world as miniworld, network as organism
from helpers.organism import heldout as ost

QUICK = profile.is_quick
TRAIN_SEEDS = {kind: organism.committed_seeds(kind) for kind in organism.TRAINED_KINDS}  # every committed seed
# batch norm folded at its initial state (the bare random convolutions), and, for some seeds, with its
# statistics recalibrated on images the trained copies learned from (each unit's input standardised
# on images, as in a trained network)
CALIBRATED_SEEDS = organism.UNTRAINED_SEEDS[:2] if QUICK else organism.UNTRAINED_SEEDS
calibration_images, _ = miniworld.dataset("train", n_per_class=8, seed=0)
nets = {(kind, seed): organism.load_organism(kind, seed=seed)
        for kind, seeds in TRAIN_SEEDS.items() for seed in seeds}
nets.update({("untrained", seed): organism.load_organism("untrained", seed=seed)
             for seed in organism.UNTRAINED_SEEDS})
nets.update({("untrained+bn", seed): organism.untrained_network(seed, calibrate=calibration_images)
             for seed in CALIBRATED_SEEDS})
for kind in dict.fromkeys(k for k, _ in nets):
    print(f"{kind:14s} seeds {[s for k, s in nets if k == kind]}")

STIM_SEEDS = (0, 1, 2)  # three independent draws of the measurement drawings
N_PER_SEED = 32  # images per category and stimulus seed: 96 per category over the 3 seeds
OTHERS = ("i-see-face", "car", "dog", "umbrella")  # what a face unit must beat; umbrella was never trained on
LAYERS = ["block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3", "fc1", "fc2"]
display(Markdown(course.describe(nets[("ce", TRAIN_SEEDS["ce"][0])],
                                 miniworld.measurement_stimuli(N_PER_SEED, seed=0,
                                                               categories=("face",) + OTHERS))))


def wrapped(title, width=60):
    """A figure title from helpers.labels, wrapped to fit a panel."""
    return "\n".join(textwrap.fill(line, width) for line in title.split("\n"))


def collect(net, stim, layers=LAYERS):
    """Each unit's largest response per image (cached on disk by network and stimuli)."""
    return activations.collect(net, stim, layers=layers, progress=False, batch_size=32)

# %% [markdown]
# ### What the organism saw, and what it is measured with
#
# Top row: one training image per class. Middle: the measurement drawings, never seen in training,
# each object scaled to the same filled area. Bottom: one face and its three **paired controls**, the
# same scene with one change each: without eyes, brows, nose and mouth (*featureless*); with those
# features moved to other places on the head (*scrambled*); the head as a flat *silhouette* in its
# mean colour.

# %%
train_x, train_y = miniworld.dataset("train", n_per_class=1, size=64, seed=0)
measure0 = miniworld.measurement_stimuli(N_PER_SEED, seed=0, categories=("face",) + OTHERS)
paired0 = miniworld.control_stimuli(N_PER_SEED, seed=0)
n_cls = len(miniworld.CLASSES)
fig, axes = plt.subplots(3, n_cls, figsize=(n_cls, 3.4))
for ax, im, y in zip(axes[0], train_x, train_y):
    ax.imshow(im)
    ax.set_title(miniworld.CLASSES[y], fontsize=6)
picks = [i for c in range(len(measure0.categories)) for i in np.flatnonzero(measure0.labels == c)[:3]]
for ax, i in zip(axes[1], picks):
    ax.imshow(measure0.image(i))
    ax.set_title(measure0.categories[measure0.labels[i]], fontsize=6)
pairs = [k * N_PER_SEED + i for i in range(n_cls // 4) for k in range(4)]
for ax, i in zip(axes[2], pairs):
    ax.imshow(paired0.image(i))
    ax.set_title(paired0.categories[paired0.labels[i]], fontsize=6)
for ax in axes.ravel():
    ax.axis("off")
fig.suptitle("Top: training classes. Middle: measurement drawings. Bottom: faces and their paired controls "
             "(generated drawings, never trained on)", fontsize=9)
plt.show()

# %% [markdown]
# ### How well it learned its task
#
# The record that ships with the weights (`organism.json`) holds each copy's accuracy on held-out
# images of every class. A world on which every copy scores 100 % would be too easy to tell the
# losses apart; the accuracies below say where this one sits.

# %%
record = organism.read_record()
acc = pd.DataFrame([{"loss": labels.ORGANISM_LOSSES[kind], "seed": seed,
                     "held-out top-1": organism.model_entry(kind, seed)["heldout"]["top1"]}
                    for kind, seeds in TRAIN_SEEDS.items() for seed in seeds])
display(acc.round(3))
print(f"held-out top-1 from {acc['held-out top-1'].min():.1%} to {acc['held-out top-1'].max():.1%} "
      f"across {len(acc)} trained copies")

# %% [markdown]
# ## 2. What is a face unit made of?
#
# A **face unit** here is a unit whose responses to the face drawings rank above its responses to the
# other measurement drawings (i-see-face, car, dog, umbrella) — a one-sided Mann–Whitney test per
# unit, Benjamini–Hochberg at q = 0.05 over the layer's live units (`helpers.controls`). It is the
# course's selectivity question in a form cheap enough to ask many times: for every training seed,
# every untrained seed, three stimulus seeds and seven layers, and then again with each paired control
# standing in for the faces.
#
# Two denominators. An untrained network has many units that respond to *no* image (the ReLU keeps
# them at 0). A proportion over all units then mixes "not face-selective" with "dead"; the same count
# over the **live** units (responding to at least one image) separates the two.
#
# > **Think!** Remove the eyes, brows, nose and mouth from every face. In which layers should the
# > proportion of face units drop if the "face units" are feature detectors? And if they respond to
# > the round, skin-coloured head?

# %% [markdown]
# <details><summary>Answer</summary>
#
# Feature detectors lose their preference when the features go: the proportion drops, most in the
# layers whose receptive fields cover an eye or a mouth (early and middle layers). Units tuned to
# the head's outline, size or colour keep it: the featureless head, and even the flat silhouette, still
# beats cars and dogs. Scrambling separates a third kind: units that need the features *in place*
# (a configuration) lose their preference when the features move; units that count dark blobs do not.
# </details>

# %%
face_nets = {key: net for key, net in nets.items() if key[0] != "soft"}  # the paper's question: CE vs untrained
acts_face, rows, share_rows = {}, [], []
for s in STIM_SEEDS:
    paired = miniworld.control_stimuli(N_PER_SEED, seed=s)
    rest = miniworld.measurement_stimuli(N_PER_SEED, seed=s, categories=OTHERS)
    for (kind, seed), net in face_nets.items():
        a_p, a_r = collect(net, paired), collect(net, rest)
        split = {name: {l: a_p[l][paired.labels == k] for l in LAYERS} for k, name in enumerate(paired.categories)}
        others = {l: a_r[l] for l in LAYERS}
        acts_face[(kind, seed, s)] = split, others, rest.labels
        t = controls.control_table(split["face"], {v: split[v] for v in controls.VARIANTS}, others)
        rows.append(t.assign(network=kind, train_seed=seed, stim_seed=s))
        for layer in LAYERS:
            sh = controls.feature_shares(split["face"][layer], {v: split[v][layer] for v in controls.VARIANTS},
                                         others[layer], rest.labels, seed=s)
            share_rows.append(sh.assign(network=kind, train_seed=seed, stim_seed=s, layer=layer))
control_long = pd.concat(rows, ignore_index=True)
shares_long = pd.concat(share_rows, ignore_index=True)
print(f"{len(face_nets)} networks x {len(STIM_SEEDS)} stimulus seeds x {len(LAYERS)} layers; "
      f"{N_PER_SEED} images per category and seed ({N_PER_SEED * len(STIM_SEEDS)} per category in all)")

# %% [markdown]
# ### 2.1 Face units, trained and untrained, over all units and over live units
#
# Each cell: the mean over seeds, then a 95 % Student-t interval across **training seeds** (each seed
# first averaged over the stimulus seeds; for untrained rows, across random initialisations; the
# spread across **stimulus seeds** follows in section 2.2). `untrained+bn` is the untrained copy with
# its batch-norm statistics recalibrated on images; `n_live` counts the units that respond to at least
# one image.

# %%
def cell(r, sign=""):
    """'mean [low, high]' of a summary row's training-seed interval ('(one seed)' without an interval)."""
    if not np.isfinite(r["train_low"]):
        return f"{r['mean']:{sign}.2f} (one seed)"
    return f"{r['mean']:{sign}.2f} [{r['train_low']:{sign}.2f}, {r['train_high']:{sign}.2f}]"


faces_only = control_long[control_long["stimuli"] == "face"]
fsum = {value: replication.seed_summary(faces_only, value, ["network", "layer"]).set_index(["network", "layer"])
        .sort_index() for value in ("proportion", "proportion_live", "n_live")}
kinds_face = list(dict.fromkeys(k for k, _ in face_nets))
face_table = pd.DataFrame({(value, kind): [cell(fsum[value].loc[(kind, l)]) if value != "n_live" else
                                           f"{fsum[value].loc[(kind, l), 'mean']:.0f} of "
                                           f"{int(faces_only.query('layer == @l')['n_units'].iloc[0])}"
                                           for l in LAYERS]
                           for value in ("proportion", "proportion_live", "n_live") for kind in kinds_face},
                          index=LAYERS)
display(face_table)

# %%
def seed_bands(ax, table, kinds, layers, title, clip=None):
    """One line per network kind (mean over seeds) with its 95 % t band across training seeds.

    table : seed_summary rows indexed by (network, layer)."""
    x = np.arange(len(layers))
    for j, kind in enumerate(kinds):
        sub = table.loc[kind].reindex(layers)
        low, high = sub["train_low"], sub["train_high"]
        if clip is not None:
            low, high = low.clip(*clip), high.clip(*clip)
        ax.plot(x, sub["mean"], marker="o", ms=3, color=f"C{j}", label=kind)
        ax.fill_between(x, low, high, color=f"C{j}", alpha=0.15)
    ax.set_xticks(x, layers, rotation=45, fontsize=8)
    ax.set_title(title, fontsize=9)


def finish(fig, axes, ylabel, title):
    """Label the first panel, add the legend and the figure's title (which network, which stimuli), show."""
    axes[0].set_ylabel(ylabel)
    axes[0].legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    plt.tight_layout()
    plt.show()


fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), sharey=True)
for ax, value in zip(axes, ("proportion", "proportion_live")):
    seed_bands(ax, fsum[value], kinds_face, LAYERS,
               f"face units / {'all' if value == 'proportion' else 'live'} units", clip=(0, 1))
finish(fig, axes, "proportion (mean over seeds,\n95 % t interval across training seeds)",
       "Mini-VGG16 organism (trained on generated drawings, not the paper's VGG16) and its untrained copies; "
       "measured on generated drawings")

# %% [markdown]
# ### 2.2 The paired controls, layer by layer
#
# For each control: the proportion of face units with the real faces minus the proportion with the
# control standing in for the faces (the other categories unchanged). A difference as large as the faces'
# own proportion means the control leaves no face units: what it removed made them. A difference near 0
# means the control recruits as many units as the faces: what it removed did not matter. (Negative: the
# control recruits *more* units than the faces.)

# %%
diffs = control_long[control_long["stimuli"] != "face"]
dsum = replication.seed_summary(diffs, "difference", ["network", "stimuli", "layer"]).set_index(
    ["network", "stimuli", "layer"]).sort_index()
boot = {}  # image bootstrap of one network's differences on one stimulus seed, beside the seed intervals
for kind in ("ce", "untrained"):
    key = (kind, min(s for k, s in face_nets if k == kind), STIM_SEEDS[0])
    split, others, _ = acts_face[key]
    for l in LAYERS:
        reps = controls.bootstrap_differences(split["face"][l], {v: split[v][l] for v in controls.VARIANTS},
                                              others[l], n_boot=100, seed=0)
        boot.update({(kind, v, l): reps[v].quantile([0.025, 0.975]).to_numpy() for v in controls.VARIANTS})
paired_table = pd.DataFrame({(variant, kind): [cell(dsum.loc[(kind, variant, l)], "+") for l in LAYERS]
                             for variant in controls.VARIANTS for kind in kinds_face}, index=LAYERS)
print("face − control, in proportion of all units: mean over seeds [95 % t interval across training seeds]")
display(paired_table)
# how many training seeds agree in sign, and the other two sources of spread, for cross-entropy vs untrained
per_seed = diffs.groupby(["network", "stimuli", "layer", "train_seed"])["difference"].mean()
spread = pd.DataFrame({(variant, kind): [
    f"{int((per_seed.loc[(kind, variant, l)] > 0).sum())}/{per_seed.loc[(kind, variant, l)].size} seeds > 0; "
    f"stim [{dsum.loc[(kind, variant, l), 'stim_low']:+.2f}, {dsum.loc[(kind, variant, l), 'stim_high']:+.2f}]"
    + (" img [{:+.2f}, {:+.2f}]".format(*boot[(kind, variant, l)]) if (kind, variant, l) in boot else "")
    for l in LAYERS] for variant in controls.VARIANTS for kind in ("ce", "untrained")}, index=LAYERS)
print("the same differences: training seeds above 0; stim: 95 % t interval across stimulus seeds; img: 95 % image "
      f"bootstrap (first seed, stimulus seed {STIM_SEEDS[0]})")
display(spread)

# %%
fig, axes = plt.subplots(1, len(controls.VARIANTS), figsize=(14, 3.8), sharey=True)
for ax, variant in zip(axes, controls.VARIANTS):
    seed_bands(ax, dsum.xs(variant, level="stimuli"), kinds_face, LAYERS, f"face − {variant}")
    ax.axhline(0, color="k", lw=0.8)
finish(fig, axes, "difference in the proportion\nof face units (all units)",
       "What each control removes: Mini-VGG16 organism, trained on generated drawings (not the paper's VGG16), "
       "and its untrained copies; bands: 95 % t intervals across seeds")

# %% [markdown]
# ### 2.3 Unit by unit: which share of a face unit's preference does each control remove?
#
# The proportions above count units. The **share** looks at their responses (`controls.feature_shares`):
# face units are chosen on one half of the images and measured on the other half (then the halves
# swap), so no unit is judged on the images that chose it. Over a layer's face units,
# share = Σ(face − control) / Σ(face − others), responses summed over the units: 1 when the control
# leaves them no more responsive than to i-see-face, cars, dogs and umbrellas; 0 when the control drives
# them as much as the faces; above 1 when it drives them *less* than those other drawings.

# %%
sums = shares_long.groupby(["network", "train_seed", "stim_seed", "layer"])[
    ["face", "others"] + [f"mean_{v}" for v in controls.VARIANTS]].sum()
pooled = pd.DataFrame({v: (sums["face"] - sums[f"mean_{v}"]) / (sums["face"] - sums["others"])
                       for v in controls.VARIANTS}).where(sums["face"] > sums["others"]).reset_index()
share_table = pd.concat({v: replication.seed_summary(pooled, v, ["network", "layer"])
                         .set_index(["layer", "network"])["mean"].unstack("network")
                         for v in controls.VARIANTS}, axis=1).reindex(LAYERS)
print("share of the face units' preference (face − others) that each control removes, summed over a layer's "
      "face units, cross-fitted; mean over seeds (NaN: no face units)")
display(share_table.astype(float).round(2))

# %% [markdown]
# ### 2.4 Whose units are the face units? Overlap with the training classes
#
# Each unit also has a favourite **training class**: the class whose held-out images drive it most on
# average. If face units were simply the units of one training class — the fish's, say, whose eye is a
# white disc with a black pupil — they would crowd into that class: the fraction of a class's units that
# are face units would far exceed the fraction among all live units (the *expected* column), with a small
# hypergeometric p-value. Face units here are chosen on the three stimulus seeds pooled.
#
# The eye is the obvious suspect, so the test runs twice on the same faces: with the face's **own eye**
# (an almond shape, the course's default) and with the **disc-and-pupil eye** the fish has
# (`miniworld.measurement_stimuli(..., eyes="disc")`), everything else about each face the same. The
# units that *become* face units when the face gets the fish's eye are the eye's doing; whose units are
# they?

# %%
heldout = ost.heldout_stimuli(n_per_class=20 if QUICK else 30)
DEEP = ["block5_conv1", "block5_conv2", "block5_conv3", "fc1", "fc2"]
essay_nets = {key: net for key, net in nets.items() if key[0] != "untrained+bn"}
held_acts = {key: collect(net, heldout, layers=DEEP + ["classifier.6"]) for key, net in essay_nets.items()}
OVERLAP_LAYERS = ["block5_conv3", "fc1", "fc2"]


def pooled_face_units(key, eyes):
    """layer -> bool (n_units,): face units of network ``key`` on the stimulus seeds pooled."""
    faces, rest = [], []
    for s in STIM_SEEDS:
        split, others, _ = acts_face[key + (s,)]
        if eyes == "almond":
            faces.append(split["face"])
        else:
            drawn = miniworld.measurement_stimuli(N_PER_SEED, seed=s, categories=("face", "umbrella"), eyes=eyes)
            a = collect(nets[key], drawn, layers=OVERLAP_LAYERS)
            faces.append({l: a[l][drawn.labels == 0] for l in OVERLAP_LAYERS})
        rest.append(others)
    return {l: controls.units_preferring(np.vstack([f[l] for f in faces]), np.vstack([r[l] for r in rest]))
            for l in OVERLAP_LAYERS}


overlap_rows = []
for key in [k for k in face_nets if k[0] == "ce"]:
    own, disc = pooled_face_units(key, "almond"), pooled_face_units(key, "disc")
    for layer in OVERLAP_LAYERS:
        top = controls.top_class(held_acts[key][layer], heldout.labels, len(heldout.categories))
        for name, units in (("own eye", own[layer]), ("fish's eye", disc[layer]),
                            ("gained with the fish's eye", disc[layer] & ~own[layer])):
            t = controls.class_overlap(units, top, heldout.categories)
            overlap_rows.append(t.assign(train_seed=key[1], units=name, layer=layer, n_face_units=int(units.sum())))
overlap = pd.concat(overlap_rows, ignore_index=True)
overlap["enrichment"] = overlap["frac_chosen"] / overlap["expected"]
show = (overlap.groupby(["units", "layer", "class"], sort=False)[
    ["n_face_units", "n_class_units", "n_chosen", "frac_chosen", "expected", "enrichment", "p_enriched"]]
    .mean().reset_index())
own = show[show["units"] == "own eye"]
print("face units (the face's own eye) among each training class's units, cross-entropy copies, mean over "
      "training seeds: face units / class units (expected fraction if unrelated; mean hypergeometric p)")
display(pd.DataFrame({l: [f"{r.n_chosen:.1f}/{r.n_class_units:.1f} ({r.expected:.2f}; p {r.p_enriched:.2g})"
                          if r.n_class_units else "no units" for r in own[own["layer"] == l].itertuples()]
                      for l in OVERLAP_LAYERS}, index=list(heldout.categories)))

# %%
fig, axes = plt.subplots(1, len(OVERLAP_LAYERS), figsize=(14, 3.6), sharey=True)
for ax, layer in zip(axes, OVERLAP_LAYERS):
    for j, name in enumerate(("own eye", "fish's eye")):
        sub = show[(show["layer"] == layer) & (show["units"] == name)].set_index("class").loc[list(heldout.categories)]
        ax.bar(np.arange(len(sub)) + (j - 0.5) * 0.4, sub["frac_chosen"], width=0.4, color=f"C{j}",
               label="face drawn with " + ("its own eye" if name == "own eye" else "the fish's eye"))
        ax.plot(np.arange(len(sub)), sub["expected"], "_", color=f"C{j}", ms=10, mew=2)
    ax.set_xticks(range(len(heldout.categories)), heldout.categories, rotation=90, fontsize=8)
    ax.set_title(layer, fontsize=9)
axes[0].set_ylabel("fraction of the class's units\nthat are face units")
axes[0].legend(fontsize=8)
fig.suptitle("Face units among each training class's units (bars; ticks: expected if unrelated); cross-entropy "
             "Mini-VGG16 organism, mean over training seeds; generated drawings", fontsize=9)
plt.tight_layout()
plt.show()

# %%
# NBVAL_IGNORE_OUTPUT
SHARED_EYE = ["fish", "dalmatian"]  # the training classes whose drawings hold a disc-and-pupil eye
gained = overlap[(overlap["units"] == "gained with the fish's eye") & overlap["class"].isin(SHARED_EYE)]
g = gained.groupby(["train_seed", "layer"]).agg(n_chosen=("n_chosen", "sum"), n_class=("n_class_units", "sum"),
                                                n_gained=("n_face_units", "first"), expected=("expected", "first"))
g["share_of_gained"] = g["n_chosen"] / g["n_gained"].where(g["n_gained"] > 0)
g["base_rate"] = g["n_class"] / overlap.groupby(["train_seed", "layer"])["n_class_units"].sum()
eye_table = g.groupby("layer")[["n_gained", "share_of_gained", "base_rate"]].mean().loc[OVERLAP_LAYERS]
display(eye_table.round(3))
eye_lines = [f"- `{l}`: the fish's eye adds {r['n_gained']:.0f} face units on average; {r['share_of_gained']:.0%} "
             f"of them prefer fish or dalmatians, which hold {r['base_rate']:.0%} of the live units"
             for l, r in eye_table.iterrows()]
crowded = int((eye_table["share_of_gained"] > 1.5 * eye_table["base_rate"]).sum())
decision = (f"In {crowded} of {len(OVERLAP_LAYERS)} layers the units the shared eye adds crowd into the fish's and "
            "the dalmatian's units (more than 1.5 times their share of the layer): a shared eye drawing turns "
            "fish units into 'face units'. So the face **must** have its own eye drawing, and the course draws it "
            "with the almond eye; the disc eye stays available only for this comparison."
            if crowded > len(OVERLAP_LAYERS) / 2 else
            f"In only {crowded} of {len(OVERLAP_LAYERS)} layers do the units the shared eye adds crowd into the fish's "
            "and the dalmatian's units: on this evidence the eye drawing is not what ties face units to those "
            "classes. The course still draws the face with its own (almond) eye, so that no shared shape can "
            "carry the result.")
own_seeds = overlap[(overlap["units"] == "own eye") & (overlap["p_enriched"] < 0.05)]
crowd = own_seeds.groupby(["class", "layer"]).size().unstack("layer").reindex(columns=OVERLAP_LAYERS).fillna(0)
n_ce = overlap["train_seed"].nunique()
crowd_text = "; ".join(f"**{c}** ({', '.join(f'{l} {int(n)}/{n_ce}' for l, n in row.items() if n)})"
                       for c, row in crowd.iterrows()) or "no training class"
display(Markdown("**The eye, decided on evidence.**\n\n" + "\n".join(eye_lines) + "\n\n" + decision
                 + "\n\n**With the face's own eye**, face units are over-represented (hypergeometric p < 0.05, "
                 f"training seeds out of {n_ce}) among the units of: {crowd_text}. Those are the training "
                 "classes a drawn face resembles most to this network."))

# %% [markdown]
# ### 2.5 What the numbers say
#
# The sentences below are written from the tables above, so they change when the numbers do.

# %%
# NBVAL_IGNORE_OUTPUT
seed_live = faces_only.groupby(["network", "layer", "train_seed"])["proportion_live"].mean()


def separated(kind, base, l):
    """Every seed of ``kind`` above every seed of ``base`` (over live units); with 3 and 5 seeds the chance
    of that ordering, if seeds were exchangeable, is 1/56."""
    return bool(seed_live.loc[(kind, l)].min() > seed_live.loc[(base, l)].max())


per_stim = diffs.groupby(["network", "stimuli", "layer", "stim_seed"])["difference"].mean()


def consistent(kind, variant, l):
    """The control leaves fewer face units in every training seed and in every stimulus seed."""
    return bool((per_seed.loc[(kind, variant, l)] > 0).all() and (per_stim.loc[(kind, variant, l)] > 0).all())


BASE = "untrained"
lines = []
for l in LAYERS:
    ce, un = fsum["proportion"].loc[("ce", l)], fsum["proportion"].loc[(BASE, l)]
    ce_live, un_live = fsum["proportion_live"].loc[("ce", l)], fsum["proportion_live"].loc[(BASE, l)]
    feat, scr, sil = (dsum.loc[("ce", v, l)] for v in controls.VARIANTS)
    k_feat = int((per_seed.loc[("ce", "featureless", l)] > 0).sum())
    lines.append(
        f"- `{l}`: {ce['mean']:.0%} face units in the trained copies ({ce_live['mean']:.0%} of live units) against "
        f"{un['mean']:.0%} ({un_live['mean']:.0%} of live) untrained — "
        + ("every trained seed above every untrained one" if separated("ce", BASE, l)
           else "trained and untrained seeds overlap")
        + f"; without the features the proportion changes by {-feat['mean']:+.2f} (fewer in {k_feat} of "
        f"{per_seed.loc[('ce', 'featureless', l)].size} seeds), scrambled by {-scr['mean']:+.2f}, as a silhouette "
        f"by {-sil['mean']:+.2f}.")
display(Markdown("\n".join(lines)))

beats = [l for l in LAYERS if separated("ce", BASE, l)]
feature_made = [l for l in LAYERS if consistent("ce", "featureless", l)]
config_made = [l for l in LAYERS if consistent("ce", "scrambled", l)]
head_made = [l for l in LAYERS if fsum["proportion"].loc[("ce", l), "mean"] >= 0.02
             and dsum.loc[("ce", "silhouette", l), "mean"] < fsum["proportion"].loc[("ce", l), "mean"] / 2]
bn = [l for l in LAYERS if separated("untrained+bn", BASE, l) or separated(BASE, "untrained+bn", l)]
n_seeds = {k: len([s for kk, s in face_nets if kk == k]) for k in kinds_face}
display(Markdown(
    f"**Supported by the organism** ({n_seeds['ce']} trained and {n_seeds[BASE]} untrained seeds, "
    f"{len(STIM_SEEDS)} stimulus seeds of {N_PER_SEED} images per category): "
    + (f"every trained copy has more face units (over live units) than every untrained copy in {', '.join(beats)}; "
       if beats else "in no layer does every trained copy have more face units than every untrained copy; ")
    + (f"the drawn features (eyes, brows, nose, mouth) make them in {', '.join(feature_made)} (fewer face units "
       "without them in every training seed and every stimulus seed)" if feature_made else
       "in no layer do the drawn features make them consistently (fewer without them in every training seed and "
       "every stimulus seed)")
    + (f"; their arrangement matters in {', '.join(config_made)}." if config_made else
       "; in no layer does their arrangement matter consistently (scrambled features recruit about as many units).")
    + "\n\n**Not supported:** "
    + (f"that the face units of {', '.join(head_made)} detect faces: the flat silhouette recruits at least half as "
       "many, so the head's outline, size and colour suffice there; " if head_made else "")
    + "that the organism says anything about the paper's VGG16, which saw photographs, not these drawings."
    + ("\n\n**The control itself:** recalibrating the untrained copies' batch norm on images separates their "
       f"proportion over live units from the plain control's in {', '.join(bn)}; both are shown."
       if bn else "\n\n**The control itself:** recalibrating the untrained copies' batch norm on images revives "
       "dead units (see `n_live`) but leaves their proportion of face units among live units where the plain "
       "control's is (their seeds overlap in every layer).")))

# %% [markdown]
# ## 3. The essay's experiment: breed units, other breeds, cars and cups
#
# The essay argues that cross-entropy treats every pair of classes as equally far apart, so a unit
# tuned to one dog breed may respond *more* to cars or cups than to the other breeds. On the organism
# this is a measurement (`helpers.analyses.breeds.essay_experiment`) on new held-out images of every class (a
# seed training never used):
#
# 1. **select** breed units on one half of the images, by three rules, from strict to lenient:
#    - **each**: the unit's responses to the breed rank above those to *every other class on its
#      own*, other breeds included (one-sided Mann–Whitney tests, the largest p-value, Benjamini–
#      Hochberg at q = 0.05) — **the headline rule**;
#    - **top**: the unit's largest mean response is to a breed (its preferred class);
#    - **rest**: the breed ranks above all other classes *pooled* — lenient: a unit that prefers every
#      dog to every object passes it for each breed, whatever it does between breeds;
# 2. **measure** on the other half (then swap the halves): each unit's eq. 1-normalised response to
#    the other five breeds and to cars and cups; difference = car/cup − other breeds;
# 3. per layer, the median difference over the units, and how much of the layer each rule selects;
#    every rule applied to the **untrained** copies too, as the baseline of what image statistics and
#    the architecture alone give.
#
# > **Think!** Which rule will select the most units, and will it select many in the untrained copies?

# %% [markdown]
# <details><summary>Answer</summary>
#
# "rest": in the deep layers most units respond more to dogs (large, furry, four-legged) than to the
# average object, so pooling the objects makes nearly every such unit a "breed unit" — even in a
# network that was never trained. That is why it cannot carry the essay's claim; the strict rules can.
# </details>

# %%
first = {}  # the first seed of each kind: its image bootstrap is shown beside the seed intervals
for kind, seed in essay_nets:
    first.setdefault(kind, seed)
essay_rows, essay_first = [], {}
for (kind, seed) in essay_nets:
    for rule in breeds.AGAINST:
        r = breeds.essay_experiment({l: held_acts[(kind, seed)][l] for l in DEEP}, heldout.labels,
                                    heldout.categories, miniworld.BREEDS, against=rule,
                                    n_boot=200 if seed == first[kind] else 0)
        essay_rows.append(r.summary.assign(network=kind, train_seed=seed, rule=rule))
        if seed == first[kind]:
            essay_first[(kind, rule)] = r
essay_long = pd.concat(essay_rows, ignore_index=True)
esum = {value: replication.seed_summary(essay_long, value, ["rule", "network", "layer"], stim_seed=None)
        for value in ("median_difference", "frac_selected", "frac_compare_higher")}


kinds = list(dict.fromkeys(k for k, _ in essay_nets))
RULES = ("each", "top", "rest")  # strict to lenient
med = esum["median_difference"].set_index(["rule", "network", "layer"]).sort_index()
sel = esum["frac_selected"].set_index(["rule", "network", "layer"]).sort_index()
print("median over breed units of (car/cup − other breeds), eq. 1 units: mean over training seeds "
      "[95 % t interval across seeds]; blank: no breed units in any seed")
display(pd.DataFrame({(rule, kind): [cell(med.loc[(rule, kind, l)], "+") if np.isfinite(med.loc[(rule, kind, l), "mean"])
                                     else "" for l in DEEP] for rule in RULES for kind in kinds}, index=DEEP))
print("share of the layer's units each rule calls breed units (mean over seeds)")
display(pd.DataFrame({(rule, kind): [sel.loc[(rule, kind, l), "mean"] for l in DEEP]
                      for rule in RULES for kind in kinds}, index=DEEP).round(2))
print("image bootstrap of the median (95 %, first seed of each kind, 200 resamples within class)")
display(pd.DataFrame({(rule, kind): ["[{:+.3f}, {:+.3f}]".format(*essay_first[(kind, rule)].summary.set_index("layer")
                                                                 .loc[l, ["median_low", "median_high"]])
                                     for l in DEEP] for rule in RULES for kind in kinds}, index=DEEP))

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharey=True)
for ax, rule in zip(axes, ("each", "top", "rest")):
    t = esum["median_difference"][esum["median_difference"]["rule"] == rule].set_index(["network", "layer"])
    seed_bands(ax, t, kinds, DEEP,
               f"rule '{rule}'" + (" (headline)" if rule == "each" else " (lenient)" if rule == "rest" else ""))
    ax.axhline(0, color="k", lw=0.8)
finish(fig, axes, "median over breed units of\n(car/cup − other breeds), eq. 1 units",
       "Above 0: breed units respond more to cars and cups than to other breeds. Mini-VGG16 organism (generated "
       "drawings, not the paper's VGG16); bands: 95 % t intervals across seeds")

# %%
# NBVAL_IGNORE_OUTPUT
def rule_verdict(rule, kind):
    t = med.loc[(rule, kind)].dropna(subset=["mean"])
    share = sel.loc[(rule, kind), "mean"]
    if t.empty:
        return f"rule **{rule}**, {kind}: no breed units in any layer of any seed"
    above = t[t["train_low"] > 0].index.tolist()
    below = t[t["train_high"] < 0].index.tolist()
    neg = int((t["mean"] < 0).sum())
    return (f"rule **{rule}**, {kind} (up to {int(t['n_train_seeds'].max())} seeds with breed units): selects "
            f"{share.min():.0%}–{share.max():.0%} of a layer; mean median car/cup − other breeds negative in {neg} "
            f"of {len(t)} layers with breed units; interval above 0 in {len(above)}"
            + (f" ({', '.join(above)})" if above else "")
            + f", below 0 in {len(below)}" + (f" ({', '.join(below)})" if below else ""))


display(Markdown("\n".join(f"- {rule_verdict(rule, kind)}" for rule in RULES for kind in kinds)))


def count(rule, kind, side):
    t = med.loc[(rule, kind)].dropna(subset=["mean"])
    return int((t["train_low"] > 0).sum()) if side == "above" else int((t["train_high"] < 0).sum()), len(t)


headline = []
for rule in ("each", "top"):
    (up, n), (down, _) = count(rule, "ce", "above"), count(rule, "ce", "below")
    (uup, un), (udown, _) = count(rule, "untrained", "above"), count(rule, "untrained", "below")
    headline.append(f"rule '{rule}': cross-entropy breed units prefer cars and cups (interval above 0) in {up} of "
                    f"{n} layers and the other breeds (below 0) in {down}; untrained baseline: {uup} and {udown} of {un}")
rest_sel = sel.loc["rest"].groupby(level="network")["mean"].mean()
up_each = count("each", "ce", "above")[0] + count("top", "ce", "above")[0]
display(Markdown(
    "**Supported by the organism:** " + "; ".join(headline) + ". "
    + ("So under the strict rules the essay's claim (breed units of a cross-entropy network respond more to cars "
       "and cups than to other breeds) holds in some layers." if up_each else
       "So under the strict rules the essay's claim (breed units of a cross-entropy network respond more to cars "
       "and cups than to other breeds) is **not** supported: where the answer is clear, the breed units prefer "
       "the other breeds.")
    + "\n\n**Not supported:** anything read off the lenient rule, which calls "
    + ", ".join(f"{v:.0%} ({k})" for k, v in rest_sel.items())
    + " of the deep units breed units on average, untrained copies included: its medians describe the layer, "
      "not breed units."))

# %% [markdown]
# **Reading the result.** The strict rule is the essay's claim put to the test: a unit that beats every
# other class for one breed is a breed unit by any reading, and the median tells whether such units
# respond more to cars and cups than to the breed's relatives. The untrained rows are the baseline of
# each rule: where they select as many units, or show the same sign, the rule measures the stimuli and the
# architecture, not learning. The intervals come from two sources, both shown: training seeds (another
# network) and images (another draw of the held-out drawings, for the first seed).

# %% [markdown]
# ## 4. Class geometry: do the breeds cluster?
#
# Each class is summarised by the centroid of its images' activations; the distance between two
# classes is 1 − Pearson correlation of their centroids (an RDM, notebook 08). The **breed clustering
# index** is the mean distance between two breeds divided by the mean distance from a breed to a
# non-breed class: 1 means the breeds are as far from each other as from cups and cars; below 1, they
# cluster. The headline is the **permutation null**: the same index for groups of six classes drawn at
# random from all the classes (`geometry.null_table`); p is the fraction of those groups at least as
# tight as the breeds. An index below 1 is not enough: six random classes can also sit closer together
# than to the rest, when the layer's geometry is uneven.
#
# > **Think!** Which copies will have their breeds among the tightest 5 % of random groups in `fc2`?

# %% [markdown]
# <details><summary>Answer</summary>
#
# The soft-label copies: their targets are built from the class hierarchy. For the cross-entropy copies,
# equally spaced targets give the breeds no reason to cluster beyond what they share visually (four
# legs, fur, a head in profile), and the other animals share much of that too; the p-values say how
# much is left. Untrained copies respond to image statistics only.
# </details>

# %%
members = [heldout.categories.index(b) for b in miniworld.BREEDS]
geo_rows = []
for layer in ("fc2", "classifier.6"):
    t = geometry.null_table({f"{k}|{s}": held_acts[(k, s)][layer] for k, s in essay_nets}, heldout.labels, members)
    t[["network", "train_seed"]] = t["network"].str.split("|", expand=True)
    geo_rows.append(t.assign(layer=layer))
geo = pd.concat(geo_rows, ignore_index=True)
geo_table = geo.pivot_table(index=["layer", "network"], columns="train_seed", values="perm_p", aggfunc="first")
print(f"p-values against {int(geo['n_groups'].iloc[0])} groups of six classes (permutation null), per seed")
display(geo_table.map(lambda p: f"{p:.2g}" if np.isfinite(p) else ""))
gsum = replication.seed_summary(geo.assign(train_seed=geo["train_seed"].astype(int)), "index",
                                ["layer", "network"], stim_seed=None)
display(gsum[["layer", "network", "n_train_seeds", "mean", "train_low", "train_high"]].round(3))

# %%
fig, axes = plt.subplots(1, len(kinds), figsize=(4.6 * len(kinds), 4.4))
for ax, kind in zip(np.atleast_1d(axes), kinds):
    D = geometry.centroid_rdm(held_acts[(kind, first[kind])]["fc2"], heldout.labels, len(heldout.categories))
    im = ax.imshow(D, cmap="viridis", vmin=0)
    ax.set_xticks(range(len(heldout.categories)), heldout.categories, rotation=90, fontsize=6)
    ax.set_yticks(range(len(heldout.categories)), heldout.categories, fontsize=6)
    ax.grid(False)
    ax.set_title(wrapped(labels.title(held_acts[(kind, first[kind])]), 45) + "\nfc2 class-centroid RDM (1 − r)",
                 fontsize=8)
    fig.colorbar(im, ax=ax, fraction=0.046)
plt.tight_layout()
plt.show()

# %%
# NBVAL_IGNORE_OUTPUT
geo_lines = []
for (layer, kind), g in geo.groupby(["layer", "network"], sort=False):
    tight = int((g["perm_p"] < 0.05).sum())
    geo_lines.append(f"- `{layer}`, {kind}: the breeds are among the tightest 5 % of random six-class groups in "
                     f"{tight} of {len(g)} seeds (p = {', '.join(f'{p:.2g}' for p in g['perm_p'])}; index "
                     f"{g['index'].mean():.2f}, random groups' median {g['null_median'].mean():.2f})")
display(Markdown("\n".join(geo_lines)))

# %% [markdown]
# **Reading the result.** The soft-label copies are *told* that the breeds belong together: their
# targets encode the class hierarchy by construction, so their breeds clustering is what their loss
# asks for, not a discovery. The informative row is cross-entropy's, whose targets say nothing about
# which classes are alike: wherever its p-values above sit below 0.05 across seeds, the breeds cluster
# anyway, through what the images share. Compare `fc2`
# with the logits (`classifier.6`): a cross-entropy network's output for a beagle still puts its
# small leftover scores on the classes that look most like a beagle (Hinton et al. 2015 called this "dark
# knowledge"), so its breeds can cluster more in the logits than in `fc2`.

# %% [markdown]
# ## 5. The paper's claims, scored on the organism
#
# The scorecard that closes notebook 05 (`claims.scorecard`), here on the organism: the first
# cross-entropy copy beside its untrained copy, measured on 96 drawings of each of the paper's four
# categories (3 stimulus seeds), with the essay's strict rule ("each") from section 3 for the fifth
# claim. Each row gives the course's operational definition, the numbers that decide it, a bootstrap
# interval, the control's value and a verdict. It scores the **model organism**, not the paper's VGG16.

# %%
from helpers.analyses import claims
from helpers.stimuli.sets import concatenate

card_stim = concatenate([miniworld.measurement_stimuli(N_PER_SEED, seed=s) for s in STIM_SEEDS])
ce_seed, untrained_seed = first["ce"], first["untrained"]
card_results = {role: course.selectivity(course.activations(nets[key], stim=card_stim))
                for role, key in (("network", ("ce", ce_seed)), ("control", ("untrained", untrained_seed)))}
card = claims.scorecard(card_results["network"], card_results["control"],
                        essay=essay_first[("ce", "each")], essay_control=essay_first[("untrained", "each")])
print(card.to_text())

# %% [markdown]
# ## Exercise 1: the clustering index by hand
#
# Compute the breed clustering index of the first **soft-label** copy in `fc2` yourself from its
# class-centroid RDM `D` (classes in `heldout.categories` order; the breeds are the indices in
# `members`): the mean of `D` over pairs of two *different* breeds divided by the mean of `D` over
# (breed, non-breed) pairs. Store it in `index_soft`.

# %%
D = geometry.centroid_rdm(held_acts[("soft", first["soft"])]["fc2"], heldout.labels, len(heldout.categories))
others = [i for i in range(len(heldout.categories)) if i not in members]

# %% tags=["solution"] jupyter={"source_hidden": true}
index_soft = ...  # your code here: a number
### BEGIN SOLUTION
within = D[np.ix_(members, members)][np.triu_indices(len(members), k=1)].mean()
index_soft = within / D[np.ix_(members, others)].mean()
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
index_soft_used = course.check_answer(index_soft, geometry.clustering_index(D, members),
                                      "a pair of two *different* breeds: is a breed's distance to itself "
                                      "(the diagonal) in your mean?",
                                      "your index equals geometry.clustering_index.", exercise="09.1")

# %% [markdown]
# ## Exercise 2 (Challenge): the sign test behind a rule's verdict
#
# For the first cross-entropy copy under the strict rule `"each"`, the table `units` below has one row
# per unit selected in a fold, in layer `fc2`, with its `difference` (car/cup − other breeds) measured on
# the other half. A unit selected in both folds must count **once**, with its two differences averaged.
# Compute the exact two-sided sign-test p-value of "positive and negative differences are equally
# likely" across those units: with `n` non-zero differences of which `k` are the rarer sign,
# p = min(1, 2 · P(X ≤ k)) for X ~ Binomial(n, ½). Store it in `p_sign`. (`math.comb` helps.) Then
# ask: why is this test too confident for the untrained copies (hint: are their units independent?)

# %%
units = essay_first[("ce", "each")].units
units = units[units["layer"] == "fc2"]

# %% tags=["solution"] jupyter={"source_hidden": true}
p_sign = ...  # your code here: a p-value
### BEGIN SOLUTION
from math import comb

d = units.groupby("unit")["difference"].mean().dropna().to_numpy()
d = d[d != 0]
n, k = len(d), int(min((d > 0).sum(), (d < 0).sum()))
p_sign = min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2 ** n)
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
p_sign_used = course.check_answer(p_sign, essay_first[("ce", "each")].summary.set_index("layer").loc["fc2", "sign_test_p"],
                                  "count each unit once and leave out zero differences before counting signs",
                                  "your p-value equals the summary's sign_test_p.", within=(0, 1),
                                  exercise="09.2")

# %% [markdown]
# ## Exercise 3 (interpretation): why a model organism?
#
# In three or four sentences stored in `interpretation`: what can a network trained here show
# that the pretrained VGG16 cannot, and what does it cost in realism?

# %% tags=["solution"] jupyter={"source_hidden": true}
interpretation = ...  # your code here: a few sentences in quotes, e.g. interpretation = """..."""
### BEGIN SOLUTION
# Rubric (teacher edition only): one point for each of
# (1) its training data are known and controlled (e.g. it never saw a face);
# (2) copies differing in one factor (the loss) can be compared, with an untrained control;
# (3) the cost: generated drawings and a small network, far from ImageNet photographs.
# The check only confirms that the text is there and touches each point; read the argument.
interpretation = """Because we made its training data, we know exactly what it saw: it was never trained on a
face, so face-selective units cannot come from face training. Copies that differ only in the
loss can be compared with each other and with the untrained control. The price is realism:
generated drawings and a small network, not photographs and VGG16."""
### END SOLUTION

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
#   network trained on generated drawings with no face class, in several cross-entropy and soft-label
#   copies (one per training seed), beside untrained copies. It lets us *test* claims the paper and the
#   essay could only argue for ImageNet, and see how much of each result is one seed's luck.
# - **What a face unit is made of** (section 2): count face units over all units *and over live units*;
#   take the face apart with paired controls (featureless, scrambled, silhouette) and read, layer by
#   layer and unit by unit, what each part contributes; check whose units the face units are (overlap
#   with the training classes). The verdict lines above say what held across seeds.
# - **The essay's experiment** (section 3): select breed units on half of the images by a strict rule,
#   measure them on the other half; put the untrained copies beside every rule; the lenient "vs rest"
#   rule selects most of a deep layer and says little about breed units.
# - **Class geometry** (section 4): judge the breeds' clustering against random groups of classes.
# - **Limits.** Drawings, not photographs; tens of classes, not 1000; a network of about a million
#   parameters, not 138 million; a few epochs of training. These results show what training *can* do to a
#   VGG16-shaped network under each loss; they are not measurements of the paper's VGG16. The same
#   functions run on any network's activations, so under the `full` profile you can point them at the
#   pretrained VGG16 and check whether it agrees.
#
# **Sources.**
#
# - The paper (face, i-see-face, car and dog units; the claims scored in section 5): K. Malakhova,
#   *Representation of Categories in Filters of Deep Neural Networks*, Proceedings of the IEEE
#   Conference on Computer Vision and Pattern Recognition Workshops (CVPRW), 2018, pp. 1973–1975,
#   doi:[10.1109/CVPRW.2018.00265](https://doi.org/10.1109/CVPRW.2018.00265).
# - The essay (breed units preferring cars or cups; class geometry under cross-entropy): K. Malakhova,
#   *Why Latent Representations in Convolutional Neural Networks Fall Outside Visual Space*, MODVIS
#   Workshop (Computational and Mathematical Models in Vision), St. Petersburg, Florida, 2018,
#   <https://docs.lib.purdue.edu/modvis/2018/session02/3>.
#
# Other sources: K. Simonyan & A. Zisserman, ICLR 2015 (VGG16's layout); V. Willenbockel et al.,
# Behavior Research Methods 42(3), 2010 (the SHINE toolbox, equalised stimuli); S. Ioffe & C. Szegedy,
# ICML 2015 (batch normalisation); Y. Benjamini & Y. Hochberg, JRSS B 57(1), 1995 (the false
# discovery rate).
