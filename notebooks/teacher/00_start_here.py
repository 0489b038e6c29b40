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
# # 00 · Start here
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/teacher/00_start_here.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. say in two sentences what the course measures and which argument it tests;
# 2. run the course in either profile (`quick` or `full`) from the command line, from JupyterLab
#    or on Binder, and tell from any figure which profile produced it;
# 3. read the environment check and fix what it reports (missing weights, no GPU, widgets that
#    show up as text, an unwritable cache folder, missing photographs).
#
# **Estimated time:** about 15 minutes.
#
# **Prerequisites:** Python and NumPy at the level of indexing arrays and writing small
# functions. No PyTorch knowledge is assumed; notebook 02 introduces what we need.

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
# The paragraph printed above is the **profile banner**. Every notebook of the course prints it
# in its first cell, so you always know whether the numbers that follow come from the paper's
# set-up (a trained network and photographs) or from the offline rehearsal (an untrained network
# and generated drawings).
#
# ## What the course is about
#
# A convolutional network trained on ImageNet has thousands of *filters*; each one turns an image
# into a map of how well each patch matches it. Which of those filters care about a *category*,
# such as faces, dogs or cars, and in which layers do they sit?
#
# **The measure (the paper).** A short workshop paper proposes to answer this the way
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
# ImageNet, which has many dog classes and none for faces.
#
# **The argument (the essay).** A companion essay argues that what such deep filters encode is
# shaped by the training set and the loss more than by what images *look like*. ImageNet's
# 1000 classes (Russakovsky et al., 2015) include about 120 dog breeds next to jeeps and
# dishwashers, and cross-entropy — the usual training loss — charges the same for mistaking one
# dog breed for another as for mistaking a dog for a car. Nothing in that loss asks visually
# similar images to end up close together inside the network; a "dog unit" may even be pushed
# to *separate* similar-looking dogs. The course puts numbers on both halves: notebook 01 on the
# loss, notebooks 03–06 on the filters.
#
# | notebook | what you do |
# |---|---|
# | 00 · Start here | profiles, environment check (this notebook) |
# | 01 · ImageNet loss geometry | softmax, cross-entropy, how far apart classes are, mistake severity, learned class geometry |
# | 02 · Activation hooks | read out any layer of VGG16 with forward hooks; the in-place ReLU trap; memory arithmetic |
# | 03 · Selectivity | eq. 1 and eq. 2 by hand, chance level, permutation test, neuroscience indices |
# | 04 · Layer profiles | the paper's figure, trained versus untrained |
# | 05 · Representative filters | the most selective filters and what drives them |
# | 06 · Latent versus visual | the essay's claims, tested |
# | 07 · Using selectivity | choosing a layer; visual complexity of stimulus sets |

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
# | profile | network | images | size | internet |
# |---|---|---|---|---|
# | `full` | VGG16 with ImageNet weights (downloaded once, about 528 MiB) | the demo photographs (Caltech-101, fetched once, about 137 MB) or your own folder | 224 px | once |
# | `quick` | VGG16 with seeded **random** weights: an **untrained** network | generated **schematic** drawings of the four categories | 64 px | never |
#
# `full` is what the paper did and what the package uses when `COURSE_PROFILE` is not set.
# `quick` runs anywhere in seconds and is what the automatic tests use. Its numbers rehearse the
# method and are *not* the paper's findings: every banner, title and table says so. An untrained
# network is also a genuine scientific control — some category selectivity appears even with
# random weights, and notebook 04 compares the two.
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
# `helpers.envcheck.check_environment()` looks at this machine without changing anything and
# returns one `(item, ok, message)` triple per item; `print_report` prints them as a checklist.
# A ✗ is not necessarily a problem: the message says whether *your* profile needs the item and,
# if so, what to do. In the quick profile nothing here goes to the network; in the full profile
# one short request (5 s at most) asks whether the weights could be downloaded, and only if they
# are not cached yet.

# %%
from helpers import envcheck

report = envcheck.print_report()

# %% [markdown]
# The messages depend on your machine (paths, GPU, what is cached), but the list of items does
# not:

# %%
# NBVAL_CHECK_OUTPUT
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
# - **GPU** — not needed. VGG16 on a laptop CPU handles the 64-px drawings in seconds and
#   needs roughly a second per 224-px photograph, i.e. some minutes for the demo set, once.
# - **widgets** — notebooks 04 and later have sliders. They need `ipywidgets` in the kernel *and*
#   the widget extension in the JupyterLab that shows the page (`jupyterlab_widgets`; the classic
#   notebook uses `widgetsnbextension`). If a slider appears as a line of text such as
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
stim = course.stimuli()
net = course.model()
print(stim)
print("model:", net.course_info.label)

# %%
# NBVAL_CHECK_OUTPUT
import numpy as np

print("categories:", stim.categories)
print("images per category:", stim.counts())
print("input size (px):", stim.preprocess.crop)

# %%
import matplotlib.pyplot as plt

from helpers import plots

first = [int(np.flatnonzero(stim.labels == k)[j]) for k in range(len(stim.categories)) for j in range(4)]
axes = plots.image_grid(stim.images(first), titles=stim.label_names[first], ncols=8, size=1.3)
kind = "SCHEMATIC drawings (quick profile)" if stim.schematic else "photographs"
plt.suptitle(f"Four images of each category: {kind}", fontsize=10, y=1.02)
plt.show()

# %% [markdown]
# ## Exercise 1: how much more work is the full profile?
#
# A convolution does the same work at every position of its input, so the cost of VGG16's
# convolutional layers grows with the number of pixels of the image. The quick profile feeds
# 64 × 64-pixel images, the full profile 224 × 224.
#
# Compute `ratio`: how many times more pixels one full-profile image has than one quick-profile
# image (a plain number, not rounded).

# %% tags=["solution"] jupyter={"source_hidden": true}
ratio = ...  # your code here: the pixels of one 224-px image divided by those of one 64-px image
### BEGIN SOLUTION
ratio = (224 * 224) / (64 * 64)
### END SOLUTION

# %%
# NBVAL_CHECK_OUTPUT
ratio = course.check_answer(ratio, course.reference("pixel_ratio"),
                            "count pixels per image in each profile (side × side) and divide the larger by the smaller")
print(f"a 224-px image has {ratio} times the pixels of a 64-px image")

# %% [markdown]
# Now put the ratio to use: time one batch of this profile's images through the network and
# extrapolate. (The timing depends on your machine and on what else it is doing, so your numbers
# will differ from the stored ones.)

# %%
import time

import torch

batch = stim.batch(range(16))
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
# memory traffic matters), but it sets expectations: the full profile's one-off activation run
# takes minutes on a CPU, after which every notebook reads the cached result.
#
# ## Summary
#
# - The course measures **category selectivity** of CNN filters with the paper's recipe
#   (per-filter maximum, min–max normalisation, share of activation per category) and tests the
#   essay's claim that a network trained with cross-entropy on ImageNet need not organise its
#   deep layers by visual similarity.
# - Two profiles: `full` (pretrained VGG16, photographs, the paper's analysis) and `quick`
#   (untrained VGG16, schematic drawings, offline). The banner, every figure title and every table
#   say which one produced the numbers.
# - `make course`, `make lab` (add `PROFILE=full` for the real analysis), or Binder.
# - `helpers.envcheck.print_report()` tells you what is missing and what to do about it.
#
# **Next:** notebook 01 looks at the loss that trained VGG16 and at what it implies about how far
# apart ImageNet's classes are.
#
# ### Sources
#
# - The selectivity measure: the short paper in `../shared/seeds/002_…` (VGG16; face,
#   i-see-face, car, dog).
# - The argument about latent space and cross-entropy: the essay in `../shared/seeds/000_…`.
# - K. Simonyan and A. Zisserman, *Very Deep Convolutional Networks for Large-Scale Image
#   Recognition*, ICLR 2015 (VGG16).
# - O. Russakovsky et al., *ImageNet Large Scale Visual Recognition Challenge*, IJCV 2015.
# - The demo photographs: Caltech-101 (CC BY 4.0); see `data/README.md`.
