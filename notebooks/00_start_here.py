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
# # 00 · Start here
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/00_start_here.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. say in two sentences what the course measures and which argument it tests;
# 2. trace the measurement pipeline, from an image to the proportion of selective filters per
#    layer, on the diagram below, and compute the paper's eq. 1 and eq. 2 on six made-up numbers;
# 3. run the course in either profile (`quick` or `full`) from the command line, from JupyterLab
#    or on Binder, and tell from any figure which network and which stimuli produced it;
# 4. read the environment check and fix what it reports (missing weights, no GPU, widgets that
#    show up as text, an unwritable cache folder, missing photographs).
#
# **Estimated time:** about 60 minutes (25 reading the text and the code, 35 for the three exercises
# and three Think! prompts; the code runs in under two minutes under `quick`).
#
# **Prerequisites:** Python and NumPy at the level of indexing arrays and writing small
# functions. No PyTorch knowledge is assumed; notebook 02 introduces what we need.

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
# The paragraph printed above is the **profile banner**, and the list under it says which network
# and which images this notebook's numbers come from, read off the loaded model and stimulus set
# (with the number of images per category, and how they differ from the paper's). Every notebook
# of the course shows both at the top, so you always know whether what follows comes from the
# paper's set-up (VGG16 trained on ImageNet, photographs) or from the offline profile.
#
# ## What the course is about
#
# A convolutional network trained on ImageNet has thousands of *filters*; each one turns an image
# into a map of how well each patch matches it. Which of those filters care about a *category*,
# such as faces, dogs or cars, and in which layers do they sit?
#
# **The measure (the paper: K. Malakhova, *Representation of Categories in Filters of Deep Neural
# Networks*, CVPR Workshops 2018; full reference under Sources).** A short workshop paper proposes to answer this the way
# neuroscientists characterise neurons in the visual cortex: show the network a labelled set of
# images, keep for each filter and image the **largest value of its activation map**, rescale
# those values per filter to the range 0–1 (its eq. 1), and ask **what share of the filter's
# total rescaled activation falls on each category** (its eq. 2). A filter whose share for faces is
# far above what a random labelling would give is called face-selective. Counting such filters
# layer by layer shows where category detectors live. The paper did this for VGG16
# (Simonyan & Zisserman, 2015) with about 300 images of faces, face-like objects
# ("i-see-face", pareidolia), cars and dogs. It reported many car- and pareidolia-selective
# filters already in early layers, sizeable shares of category-selective filters in the last
# convolutional blocks, and more dog than face detectors — plausible for a network trained on
# ImageNet, which has many dog classes and none for faces. Its discussion proposes two uses:
# choosing the layer to read features from, and measuring how visually complex a stimulus set is
# (notebook 10 tries both).
#
# **The argument (the essay: K. Malakhova, *Why Latent Representations in Convolutional Neural
# Networks Fall Outside Visual Space*, MODVIS 2018).** A companion essay argues that what such deep filters encode is
# shaped by the training set and the loss more than by what images *look like*. ImageNet's
# 1000 classes (Russakovsky et al., 2015) include 118 dog breeds next to jeeps and
# dishwashers, and cross-entropy — the usual training loss — charges the same for mistaking one
# dog breed for another as for mistaking a dog for a car. Nothing in that loss asks visually
# similar images to end up close together inside the network; a "dog unit" may even be pushed
# to *separate* similar-looking dogs, and the essay adds that such a split "cannot be attributed
# to incidental differences in low level statistics", a claim that can be tested (notebook 05's
# equalised stimuli, notebook 09's controls). The course puts numbers on both halves: notebook 01 on the
# loss, notebooks 03–08 on the filters, and notebook 09 on a network trained here, where we
# control what it saw.
#
# ### The pipeline
#
# Everything from notebook 02 to notebook 05 follows one path, drawn below: an image goes through
# the network; every filter of a layer leaves a feature map, of which only the largest value is
# kept; eq. 1 rescales those maxima per filter; eq. 2 asks what share of a filter's activation
# falls on each category; a permutation test asks whether that share is more than chance; and the
# layer's proportion of selective filters is the paper's figure.

# %%
import matplotlib.pyplot as plt

from helpers.present import diagrams

stim = course.stimuli()
diagrams.pipeline_diagram(categories=stim.categories)
plt.show()

# %% [markdown]
# **Think!** Step 3 keeps only the *largest* value of each feature map and throws the rest away.
# Before reading on, predict: what does a filter's maximum tell you that the mean of its map
# would not, and what does it lose?
#
# <details><summary>Answer</summary>
#
# The maximum asks "is the pattern this filter detects present *anywhere* in the image?",
# whatever its position and however small the object is; the mean would fall as the object
# shrinks or the background grows. What it loses: *where* the pattern was and how much of the
# image matches it; a single bright spot counts as much as a whole face. The paper uses the
# maximum; `collect(..., reduction="mean")` gives the mean if you want to compare.
# </details>
#
# ### The course map
#
# | notebook | what you do | time |
# |---|---|---|
# | 00 · Start here | the course, the pipeline, profiles, environment check (this notebook) | about 60 min |
# | 01 · ImageNet loss geometry | softmax, cross-entropy, how far apart classes are, mistake severity, learned class geometry | about 85 min |
# | 02 · Activation hooks | read out any layer with forward hooks; VGG16's blocks; the in-place ReLU trap; memory arithmetic | about 60 min |
# | 03 · Selectivity I | eq. 1 and eq. 2 by hand, chance level, silent filters, unequal category sizes | about 65 min |
# | 04 · Selectivity II | is it more than chance? The permutation test, its floor, Benjamini–Hochberg, neuroscience indices | about 65 min |
# | 05 · Layer profiles | the paper's figure, trained versus untrained, with intervals; a threshold slider | about 80 min |
# | 06 · Representative filters | the most selective filters, what drives them, activation maximisation | about 60 min |
# | 07 · Latent versus visual I | the essay's claims, tested on single filters (held-out ROC AUC, suppression) | about 75 min |
# | 08 · Latent versus visual II | representational geometry across depth, with its significance and noise ceiling | about 55 min |
# | 09 · The model organism | a small VGG16-shaped network trained here on generated drawings: face units without faces? breed units versus cars and cups; the class geometry cross-entropy and soft labels teach | about 65 min |
# | 10 · Using selectivity | choosing a layer for a read-out; visual complexity; capstone: measure your own stimulus set | about 75 min |
#
# In all about 12½ hours, estimated from the text (150 words a minute), the code (4 s a line), the
# exercises (8 minutes each, 15 for a challenge, 6 for an interpretation) and the Think! prompts
# (2 minutes each); the code itself runs in under two minutes per notebook under `quick`.

# %% [markdown]
# ## How to run the course
#
# ### Two profiles
#
# The environment variable `COURSE_PROFILE` picks one of two set-ups. Set it before starting
# JupyterLab, or switch a single notebook: restart its kernel (which forgets the profile's
# network and images) and run `%env COURSE_PROFILE=quick` (or `=full`) as the very first cell,
# before `course.setup()`.
#
# | profile | network | control | images | size | internet |
# |---|---|---|---|---|---|
# | `full` | **VGG16 pretrained on ImageNet** (downloaded once, about 528 MiB) | VGG16 with random weights | **photographs** of the four categories (demo set, fetched once, about 137 MB; see `data/README.md` for what it lacks or substitutes) or your own folder | 224 px | once |
# | `quick` | the **model organism**: a small VGG16-shaped network (same 13 + 3 layers, channels 16-32-64-96-128) **trained here** with cross-entropy on a generated mini-ImageNet of drawings (six dog breeds, cars, cups and six other objects; no faces) | the same network **untrained** (its seeded starting point) | generated **drawings** of the four categories, never trained on | 64 px | never |
#
# `full` is what the paper did and what the package uses when `COURSE_PROFILE` is not set.
# `quick` runs offline in seconds and is what the automatic tests use. Its numbers come from a
# different, much smaller network and from drawings: they show the method at work and what a
# trained network does to it, and are *not* the paper's findings; every banner, title and table
# says which network and stimuli produced them (the list at the top of this notebook is read off
# what is actually loaded). The untrained control is a genuine scientific control in both
# profiles — some category selectivity appears even with random weights — and notebook 05
# compares the two. (Notebook 09 explains how the organism was trained and what it learned.)
#
# **Think!** Which profile should answer the question "how many face-selective filters does VGG16
# have in block5_conv3"? And which one can answer "does a network that never saw a face develop
# face-selective filters"?
#
# <details><summary>Answer</summary>
#
# The first is about VGG16 itself, so only `full` answers it (and only for the demo photographs:
# another stimulus set may give another number). The second needs a network whose training images
# you *know* contain no faces. ImageNet's photographs contain many faces without a face class, so
# VGG16 cannot answer it; the organism was trained on a world without faces, so `quick` can
# (notebook 09), although for a small network and drawings only.
# </details>
#
# ### Commands
#
# From the repository root, in a terminal:
#
# ```bash
# make course                # create .venv, install, run every notebook (quick profile)
# make course PROFILE=full   # the same with the pretrained network and the photographs
# make lab                   # open JupyterLab on this notebook (quick profile)
# make lab PROFILE=full      # ... in the full profile
# make test                  # every test, including all notebooks under nbval
# ```
#
# `make` passes `PROFILE` on as `COURSE_PROFILE`. Without `make`, export the variable yourself:
# `COURSE_PROFILE=quick .venv/bin/jupyter lab`.
#
# ### Binder
#
# The repository's Binder badge (see the README, *Classroom use*) opens the course in JupyterLab
# on [mybinder.org](https://mybinder.org), with nothing to install. The Binder image is built from
# the `binder/` folder and runs the **full** profile, with the weights, the photographs and their
# activations already inside it. A Binder session has no GPU and about 2 GB of memory, and it is
# thrown away when you leave: shut down the kernels of notebooks you have finished, and save your
# work with *File › Download*.

# %% [markdown]
# ## The environment check
#
# `helpers.edge.envcheck.check_environment()` looks at this machine without changing anything and
# returns one `(item, ok, message)` triple per item; `print_report` prints them as a checklist.
# A ✗ is not necessarily a problem: the message says whether *your* profile needs the item and,
# if so, what to do. In the quick profile nothing here goes to the network; in the full profile
# one short request (5 s at most) asks whether the weights could be downloaded, and only if they
# are not cached yet.

# %%
from helpers.edge import envcheck

report = envcheck.print_report()

# %% [markdown]
# The messages depend on your machine (paths, GPU, what is cached), but the list of items does
# not:

# %%
print([item for item, ok, message in report])

# %% [markdown]
# What each item means, and what to do when it shows ✗:
#
# - **profile** — which profile is active and where that came from. An unknown value (a typo in
#   `COURSE_PROFILE`) is reported with the allowed names.
# - **packages** — the Python packages the notebooks import. If any is missing, run `make setup`
#   (or `pip install -r requirements.txt`) and restart the kernel.
# - **cache folder** — activations are computed once and stored under `~/.cache/cnn-selectivity`
#   (or `$COURSE_CACHE`). If it cannot be written, point `COURSE_CACHE` to a folder that can;
#   otherwise each notebook recomputes everything.
# - **stimuli** — the quick profile draws its pictures itself. The full profile needs the demo
#   photographs; they are fetched on first use, or earlier with `datasets.fetch_demo()`.
# - **pretrained weights** — VGG16's ImageNet weights in torch's cache
#   (`$TORCH_HOME/hub/checkpoints/vgg16-397923af.pth`). The quick profile never needs or fetches
#   them. Without them, and without internet, the full profile falls back to an untrained network
#   and says so loudly; copying the file from a machine that has it also works.
# - **GPU** — not needed. The organism on a laptop CPU handles the 64-px drawings in a second;
#   VGG16 needs roughly a second per 224-px photograph, i.e. some minutes for the demo set, once.
# - **widgets** — notebooks 05 and 06 have sliders (`helpers.present.widgets`). They need `ipywidgets` in
#   the kernel *and* the widget extension in the JupyterLab that shows the page
#   (`jupyterlab_widgets`; the classic notebook uses `widgetsnbextension`). If a slider appears as a line of text such as
#   `IntSlider(value=3, …)`, the kernel side works but the page does not: install the packages
#   into the environment that runs JupyterLab, restart JupyterLab itself and reload the page.
#   Every widget in the course is a thin layer over a plain function, so you can also call that
#   function with the values you want.

# %% [markdown]
# ## A first look at the profile's data
#
# `course.stimuli()` returns the profile's stimulus set and `course.model()` its network. Both
# are cached in memory, so later calls are free.

# %%
net = course.model()
print(stim)
print("model:", net.course_info.label)

# %%
import numpy as np

print("categories:", stim.categories)
print("images per category:", stim.counts())
print("input size (px):", stim.preprocess.crop)

# %%
import matplotlib.pyplot as plt

from helpers.present import plots

first = [int(np.flatnonzero(stim.labels == k)[j]) for k in range(len(stim.categories)) for j in range(4)]
axes = plots.image_grid(stim.images(first), titles=stim.label_names[first], ncols=8, size=1.3)
kind = "generated drawings" if stim.schematic else "photographs"
plt.suptitle(f"Four images of each category: {stim.source or kind}", fontsize=10, y=1.02)
plt.show()

# %% [markdown]
# ## A first look at eq. 1 and eq. 2
#
# The paper's two equations, steps 4 and 5 of the diagram, on six made-up per-filter maxima (two
# filters; two images each of three categories). Notebook 03 takes them apart on the network's
# own activations.
#
# $$A_N = \frac{A - \min A}{\max A - \min A + \varepsilon} \quad (1) \qquad\qquad
# S_c = \frac{\sum_{i \in c} A_{N,i}}{\sum_i A_{N,i}} \quad (2)$$
#
# Eq. 1 rescales each filter's maxima over the images to 0–1; eq. 2 is the share of a filter's
# rescaled activation that falls on the images of category $c$ (the course averages within each
# category before taking the share, which is the same thing when categories are equally large).

# %%
from helpers.stats import selectivity as sel
from helpers.stats.measure import normalize, selectivity_index
from helpers.analyses import verdicts

toy = np.array([[9.0, 2.0], [7.0, 3.0], [1.0, 3.0], [2.0, 2.0], [1.0, 2.5], [3.0, 2.5]])  # 6 images × 2 filters
toy_labels, toy_names = np.array([0, 0, 1, 1, 2, 2]), ["face", "car", "dog"]
toy_AN = normalize(toy)                                   # eq. 1, per filter (column)
toy_S = selectivity_index(toy_AN, toy_labels, 3)          # eq. 2: (filters, categories)
print("eq. 1:\n", toy_AN.round(2))
print("eq. 2 (rows: filters; columns:", ", ".join(toy_names) + "):\n", toy_S.round(2))
print(verdicts.shows(f"filter 0 puts {toy_S[0, 0]:.0%} of its rescaled activation on the face images and filter 1 "
                     f"at most {toy_S[1].max():.0%} on any category, against {1 / 3:.0%} by chance: filter 0 leans "
                     "towards faces, filter 1 towards none. Whether such a share is more than luck is notebook 04's "
                     "permutation test."))

# %% [markdown]
# ## Exercise 1: how much more work is the full profile?
#
# A convolution does the same work at every position of its input, so the cost of VGG16's
# convolutional layers grows with the number of pixels of the image. The quick profile feeds
# 64 × 64-pixel images, the full profile 224 × 224.
#
# Compute `ratio`: how many times more pixels one full-profile image has than one quick-profile
# image (a plain number, not rounded).

# %%
ratio = ...  # your code here: the pixels of one 224-px image divided by those of one 64-px image

# %%
ratio_used = course.check_answer(ratio, course.reference("pixel_ratio"),
                                 "how many pixels does a square image of side s have?", exercise="00.1")
print(f"a 224-px image has {ratio_used} times the pixels of a 64-px image")

# %% [markdown]
# Now put the ratio to use: time one batch of this profile's images through the network and
# extrapolate. (The timing depends on your machine and on what else it is doing, so your numbers
# will differ from the stored ones.)
#
# **Think!** The ratio above counts pixels. Will a 224-px image take more or less than that many
# times as long as a 64-px one through the *same* network? Decide before running the next cell.
#
# <details><summary>Answer</summary>
#
# The convolutions scale with the pixels, so for them the ratio holds. The fully connected
# layers do not (torchvision's VGG16 pools every input to 7 × 7 before fc1), and small inputs
# waste more time on fixed per-layer overheads, so the measured ratio is usually somewhat
# *below* the pixel ratio. The extrapolation below is therefore an upper estimate for the same
# network. Under `quick` the network is also far smaller than VGG16 (see notebook 02), which
# makes the real full-profile cost larger still: the challenge below counts it exactly.
# </details>

# %%
import time

import torch

batch = stim.batch(range(8))  # 8 images: at 224 px, 16 would take twice the memory for the same time per image
with torch.inference_mode():
    net(batch[:2])  # the first call pays one-off set-up costs
    start = time.perf_counter()
    net(batch)
    per_image = (time.perf_counter() - start) / len(batch)
size = stim.preprocess.crop
scale = (224 / size) ** 2
print(f"{per_image * 1000:.0f} ms per {size}-px image on this machine")
print(f"at 224 px expect roughly {per_image * scale:.2f} s per image, "
      f"{per_image * scale * 300 / 60:.1f} min for 300 images (the paper's set size)")

# %% [markdown]
# The extrapolation is rough (the three fully connected layers do not grow with image size, and
# memory traffic matters), and it assumes the *same* network at both sizes. Whether that holds
# depends on the profile: the line at the top says which network this is. Either way it sets
# expectations: the full profile's one-off activation run takes minutes on a CPU, after which
# every notebook reads the cached result.
#
# ## Exercise 2 (challenge): count the work of a forward pass
#
# A 3 × 3 convolution from $C_\text{in}$ to $C_\text{out}$ channels whose output map is
# $s \times s$ costs $9 \, C_\text{in} \, C_\text{out} \, s^2$ multiply-adds per image.
# `diagrams.vgg16_layout(model, input_size)` lists a VGG16-shaped network's layers as dicts with
# `name`, `block` (1–5 for the convolutions, 0 for fc1, fc2 and the head), `channels` and `side`
# (of the output map); `model=None` gives VGG16's published sizes. Here is the diagram it feeds:

# %%
diagrams.vgg16_diagram()
plt.show()

# %% [markdown]
# Write `conv_madds(layout)`: the total multiply-adds of the **13 convolutions** for one image.
# Mind the first convolution, which reads the 3 colour channels, and that each later one reads
# the channels of the layer before it. The check compares your function with a count taken by
# hooks on the convolutions of a network built from the same layout, VGG16's at 224 and at 64 px.

# %%
def conv_madds(layout):
    ...  # your code here: return the multiply-adds of the convolutions, an int


# %%
import torch
from torch import nn


def hooked_madds(layout):
    """Multiply-adds of the convolutions of a network built from `layout` (a 3 x 3 convolution per
    row, a 2 x 2 max-pool between blocks), counted by hooks during a forward pass on the meta
    device (shapes only: no weights, no arithmetic)."""
    layers, c_in, counted = [], 3, []
    with torch.device("meta"):
        for before, row in zip([None] + layout[:-1], layout):
            if not row["block"]:
                break
            if before is not None and before["block"] != row["block"]:
                layers.append(nn.MaxPool2d(2))
            layers.append(nn.Conv2d(c_in, row["channels"], 3, padding=1))
            c_in = row["channels"]
        model = nn.Sequential(*layers)
    hook = lambda m, i, o: counted.append(m.weight[0].numel() * o.shape[1] * o.shape[2] * o.shape[3])
    for m in model:
        if isinstance(m, nn.Conv2d):
            m.register_forward_hook(hook)
    side = layout[0]["side"]
    model(torch.zeros(1, 3, side, side, device="meta"))
    return sum(counted)


conv_madds_used = course.check_function(
    conv_madds, hooked_madds, [(diagrams.vgg16_layout(None, 224),), (diagrams.vgg16_layout(None, 64),)],
    "a convolution's input channels are the previous convolution's output channels (the image has 3); "
    "rows with block 0 are not convolutions",
    "your count matches the hooks on VGG16's convolutions at 224 and 64 px.", exercise="00.2")
full_cost = conv_madds_used(diagrams.vgg16_layout(None, 224))
print(f"VGG16 at 224 px: {full_cost / 1e9:.2f} billion multiply-adds per image in its convolutions")

# %%
here = conv_madds_used(diagrams.vgg16_layout(net, stim.preprocess.crop))
print(f"this profile's network at {stim.preprocess.crop} px: {here / 1e6:,.1f} million multiply-adds per image")
print(f"the full profile does {full_cost / here:,.1f} times as much convolution work per image")

# %% [markdown]
# The ratio printed last is the real difference in work between the profiles' networks: the pixel
# ratio of Exercise 1 if the profile's network is VGG16 itself, far more if it is the organism,
# whose layers have a fraction of VGG16's channels. (A multiply-add count is not a time: memory
# traffic and the fully connected layers add to both.)

# %% [markdown]
# ## Exercise 3 (interpretation): what this profile can tell you
#
# The banner at the top says which network and stimuli this run uses. In three or four sentences,
# store in `interpretation` what a result of this profile can and cannot tell you about the
# paper's finding: which network and images produce the numbers, what they can show about the
# paper's VGG16 (if anything), and what every claim of a learned detector is compared with.

# %%
interpretation = ...  # your code here: a few sentences in quotes, e.g. interpretation = """..."""

# %%
course.check_text(
    interpretation,
    {"which network and images the numbers come from": ['organism', 'small', 'drawing', 'generated', 'VGG16', 'photograph'],
     "what the run cannot show about the paper": ['not the paper', 'cannot', "can't", 'full profile', 'only the full'],
     "the baseline a learned detector must beat": ['untrained', 'control', 'random weights']},
    min_words=30, exercise="00.3")

# %% [markdown]
# ## Summary
#
# - The course measures **category selectivity** of CNN filters with the paper's recipe
#   (per-filter maximum, min–max normalisation, share of activation per category) and tests the
#   essay's claim that a network trained with cross-entropy on ImageNet need not organise its
#   deep layers by visual similarity.
# - The pipeline: image → feature maps → per-filter maximum → eq. 1 (min–max per filter over
#   images) → eq. 2 (share on a category's exemplars) → permutation test (and Benjamini–Hochberg)
#   → proportion of selective filters per layer.
# - Two profiles: `full` (pretrained VGG16, photographs, the paper's analysis) and `quick` (the
#   model organism, a small VGG16-shaped network trained here on generated drawings, offline).
#   Each has an untrained control. `course.describe()`, the banner, every figure title and every
#   table say which network and which stimuli produced the numbers.
# - A convolution's cost grows with pixels × channels in × channels out: counted from the
#   layout, not guessed.
# - `make course`, `make lab` (add `PROFILE=full` for the real analysis), or Binder.
# - `helpers.edge.envcheck.print_report()` tells you what is missing and what to do about it.
#
# **Next:** notebook 01 looks at the loss that trained VGG16 and at what it implies about how far
# apart ImageNet's classes are.
#
# ### Sources
#
# - The paper (the selectivity measure, eq. 1 and eq. 2; VGG16; face, i-see-face, car, dog): K.
#   Malakhova, *Representation of Categories in Filters of Deep Neural Networks*, Proceedings of the
#   IEEE Conference on Computer Vision and Pattern Recognition Workshops (CVPRW), 2018, pp.
#   1973–1975, doi:[10.1109/CVPRW.2018.00265](https://doi.org/10.1109/CVPRW.2018.00265).
# - The essay (latent space, cross-entropy and the dog-selective unit): K. Malakhova, *Why Latent
#   Representations in Convolutional Neural Networks Fall Outside Visual Space*, MODVIS Workshop
#   (Computational and Mathematical Models in Vision), St. Petersburg, Florida, 2018,
#   <https://docs.lib.purdue.edu/modvis/2018/session02/3>.
# - K. Simonyan and A. Zisserman, *Very Deep Convolutional Networks for Large-Scale Image
#   Recognition*, ICLR 2015 (VGG16).
# - O. Russakovsky et al., *ImageNet Large Scale Visual Recognition Challenge*, IJCV 2015.
# - The demo photographs: Caltech-101 (CC BY 4.0); see `data/README.md`.
