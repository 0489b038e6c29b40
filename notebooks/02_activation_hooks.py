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
# # 02 · Activation hooks
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/02_activation_hooks.ipynb)
#
# **Learning objectives.** After this notebook you can
#
# 1. find any layer of a PyTorch model by name, and map the paper's layer names
#    (`block1_conv1` … `block5_conv3`, `fc1`, `fc2`) to VGG16's module paths, on a diagram of its
#    five blocks;
# 2. read a layer's output with a forward hook, and remove the hook afterwards;
# 3. recognise and avoid the in-place ReLU trap;
# 4. reduce activation maps to per-filter maxima inside the hook and stop the forward pass early;
# 5. work out what storing activations costs in memory, for the network in use and for VGG16, and
#    check your own extraction against the course's `helpers.cnn.activations.collect`;
# 6. extend it to the fully connected layers, before and after their ReLU (challenge).
#
# **Estimated time:** about 60 minutes (25 reading the text and the code, 35 for the three exercises
# and three Think! prompts; the code runs in under two minutes under `quick`).
#
# **Prerequisites:** notebook 00. Basic Python functions and closures; no prior PyTorch needed
# beyond "a model is called on a tensor of images".

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
# ## 1. Layers have names
#
# A PyTorch model is a tree of modules. `model.named_modules()` walks the tree and yields
# `(path, module)` pairs; the path is how you address a layer. torchvision's VGG16 has three
# children: `features` (13 convolutions, each followed by a ReLU, and 5 max-pools), `avgpool`
# and `classifier` (three fully connected layers). The course's model organism (the `quick`
# profile's network) is built with exactly the same module paths and far fewer channels, so
# everything below applies to both; the listing shows the one in use.

# %%
import torch
from torch import nn

from helpers.cnn.models import VGG16_LAYERS

net = course.model()
stim = course.stimuli()
modules = dict(net.named_modules())
leaves = [path for path, m in modules.items() if not list(m.children())]
print(f"{len(modules) - 1} named modules below the root, {len(leaves)} of them leaves (no children)")
print("children of the root:", [name for name, _ in net.named_children()])
print()
for path, m in net.features.named_children():
    print(f"features.{path:3} {m}")

# %% [markdown]
# The paper names layers as Keras does: `block2_conv1` is the first convolution of the second
# block. The diagram shows the five blocks of the network in use, with those names, the number of
# channels of each layer and the side of its output maps, all read off the model by one forward
# pass (`helpers.present.diagrams.vgg16_diagram`):

# %%
import matplotlib.pyplot as plt

from helpers.present import diagrams

diagrams.vgg16_diagram(net)
plt.show()

# %% [markdown]
# Each max-pool halves the map's side, and each block has more channels than the one before
# (up to the last two, which have the same): deeper layers see larger parts of the image, in
# more kinds of pattern. In Keras a layer's output already includes its ReLU; in torchvision the
# ReLU is a module of its own. `helpers.cnn.models.VGG16_LAYERS` therefore maps each paper name to the
# **ReLU after** the layer, so that what we read out is post-ReLU, like the paper's layer outputs.

# %%
for name, path in VGG16_LAYERS.items():
    relu = modules[path]
    prefix, index = path.rsplit(".", 1)
    layer = modules[f"{prefix}.{int(index) - 1}"]  # the module just before the ReLU
    print(f"{name:13} -> {path:13} {type(relu).__name__}(inplace={relu.inplace})  after  {layer}")

# %% [markdown]
# ## 2. A first forward hook
#
# `module.register_forward_hook(fn)` asks PyTorch to call `fn(module, inputs, output)` every time
# the module has computed its output. It returns a **handle**; `handle.remove()` detaches the hook
# again. Forgetting to remove hooks is a classic bug: they keep firing (and keep storing tensors)
# on every later call of the model.

# %%
shapes = {}


def remember_shape(module, inputs, output):
    shapes[type(module).__name__] = tuple(output.shape)


first_conv = net.features[0]
handle = first_conv.register_forward_hook(remember_shape)
x = stim.batch(range(4))  # 4 images, normalised as the network expects
with torch.inference_mode():  # no gradients needed: faster and lighter
    net(x)
handle.remove()
print("input:", tuple(x.shape), "(images, colour channels, height, width)")
print("output of features.0:", shapes["Conv2d"], "(images, filters, height, width)")
print("hooks still attached to features.0:", len(first_conv._forward_hooks))

# %% [markdown]
# ## 3. The in-place ReLU trap
#
# torchvision builds VGG16 with `ReLU(inplace=True)`: to save memory, the ReLU overwrites its
# input tensor instead of allocating a new one. A hook on the *convolution* receives that very
# tensor. If the hook only keeps a reference, the ReLU that runs next rewrites the values under
# it, and what you stored is no longer the convolution's output: all negative values are gone.
#
# Below, three hooks on the same convolution: one keeps a reference, one keeps a copy
# (`.clone()`), one reduces the map to per-filter maxima at once (a new, small tensor).
#
# **Think!** After the forward pass, which of the three stored results still holds negative
# values? Decide before running the next two cells.
#
# <details><summary>Answer</summary>
#
# Only the copy. The reference points at the tensor the in-place ReLU overwrote, so its negatives
# are gone (it now equals the ReLU's output). The maxima were computed *before* the ReLU ran, so
# they are the convolution's true maxima and may be negative for a filter that is negative
# everywhere, but they are not a map any more.
# </details>

# %%
stored = {}


def keep_reference(module, inputs, output):
    stored["reference"] = output  # the same tensor the in-place ReLU will overwrite


def keep_copy(module, inputs, output):
    stored["copy"] = output.clone()  # new memory: safe


def keep_maxima(module, inputs, output):
    stored["maxima"] = output.amax(dim=(2, 3))  # (images, filters): a new tensor, also safe


conv = net.features[0]
print("the module after it:", net.features[1])
handles = [conv.register_forward_hook(h) for h in (keep_reference, keep_copy, keep_maxima)]
with torch.inference_mode():
    net(x)
for h in handles:
    h.remove()

# %%
ref, copy = stored["reference"], stored["copy"]
print("stored reference has negative values:", bool((ref < 0).any()))
print("stored copy has negative values:     ", bool((copy < 0).any()))
print("reference == ReLU(copy):             ", torch.equal(ref, copy.clamp(min=0)))
print("maxima == max over the copy's maps:  ", torch.equal(stored["maxima"], copy.amax(dim=(2, 3))))

# %%
print(f"share of negative values in the convolution's output: {(copy < 0).float().mean().item():.0%}")

# %%
from helpers.analyses.verdicts import shows

negative = (copy < 0).float().mean().item()
print(shows(f"{negative:.0%} of the first convolution's outputs are negative; the hook that kept a reference "
            + ("lost all of them to the in-place ReLU, while the copy kept them." if not bool((ref < 0).any()) and
               bool((copy < 0).any()) else "kept them here, so the trap did not bite in this run.")))

# %% [markdown]
# The reference silently turned into the ReLU's output. Two fixes: `clone()` the tensor in the
# hook, or reduce it inside the hook (a reduction creates a new tensor). For the paper's measure we
# want the post-ReLU values anyway, so the simplest correct choice is to hook the **ReLU module
# itself** (as `VGG16_LAYERS` does) and take the maximum inside the hook. Note that the
# maximum of a ReLU output equals the ReLU of the maximum: a filter whose map is negative
# everywhere has a post-ReLU maximum of exactly 0.
#
# ## 4. Reduce inside the hook, stop when you have what you need
#
# The paper needs, per image and filter, only the **largest value** of the activation map. Taking
# it inside the hook means the full map never has to be kept. And once the deepest layer we care
# about has run, the rest of the network is wasted work: a hook can end the forward pass by raising
# an exception that we catch outside.
#
# **Think!** The first cell of section 1 printed how many leaf modules the network has (those
# with no children: convolutions, ReLUs, pools, linear layers, dropouts). How many of them run if
# we stop right after `block3_conv3`'s ReLU (`features.15`)? Predict, then run.
#
# <details><summary>Answer</summary>
#
# Blocks 1 and 2 are 2 convolutions + 2 ReLUs + 1 pool each (10 modules), block 3 up to its last
# ReLU is 3 + 3 (6 modules): 16 run, fewer than half. The time saved is smaller than that
# fraction suggests, because the early layers work on the largest maps: the timing below shows
# how much this network saves.
# </details>

# %%
class StopForward(Exception):
    """Raised by a hook to end the forward pass early."""


def stop_forward(module, inputs, output):
    raise StopForward


def run_until_stopped(model, images, handles):
    """Run the model without gradients; a StopForward from a hook ends the pass quietly.
    The hooks behind `handles` are removed in every case, also when something fails."""
    try:
        with torch.inference_mode():
            model(images)
    except StopForward:
        pass
    finally:
        for h in handles:
            h.remove()


def count_modules_run(model, images, stop_after=None):
    ran = []
    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(lambda mod, inp, out: ran.append(mod)) for m in leaves]
    if stop_after is not None:  # registered last, so the counter of that module still fires
        handles.append(dict(model.named_modules())[stop_after].register_forward_hook(stop_forward))
    run_until_stopped(model, images, handles)
    return len(ran)


print("leaf modules run, whole network:           ", count_modules_run(net, x))
print("leaf modules run, stop after block3_conv3:  ", count_modules_run(net, x, VGG16_LAYERS["block3_conv3"]))

# %%
import time


def seconds(fn, repeat=2):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


batch = stim.batch(range(8))
whole = seconds(lambda: count_modules_run(net, batch))
early = seconds(lambda: count_modules_run(net, batch, VGG16_LAYERS["block3_conv3"]))
print(f"8 images, whole network: {whole * 1000:.0f} ms; stopped after block3_conv3: {early * 1000:.0f} ms "
      "(timings vary with the machine)")

# %%
n_whole, n_early = count_modules_run(net, x), count_modules_run(net, x, VGG16_LAYERS["block3_conv3"])
print(shows(f"stopping after block3_conv3 runs {n_early} of {n_whole} leaf modules and took {early / whole:.0%} of the "
            "whole pass's time here (one machine, best of two runs)."))

# %% [markdown]
# ## 5. Memory arithmetic: why reduce at all?
#
# Suppose we kept the full activation maps of all 13 convolutional layers for the paper's 300
# images. A hook that records only shapes, and a single input at this profile's image size, tell
# us the size of each map of the network in use; the rest is multiplication (float32 = 4 bytes
# per value).
#
# **Think!** Which layer's full maps take the most memory: an early one (large maps, few
# channels) or a late one (small maps, many channels)? Predict before running the next cells.
#
# <details><summary>Answer</summary>
#
# An early one. Each pool divides a map's area by 4 while the next block at most doubles the
# channels, so values per image shrink with depth: in VGG16, block1's layers hold 64 × 224 × 224
# ≈ 3.2 million values per image, block5's 512 × 14 × 14 ≈ 0.1 million. The table below shows it
# for the network in use.
# </details>

# %%
layer_shapes = {}


def shape_recorder(name):
    def hook(module, inputs, output):
        layer_shapes[name] = tuple(output.shape[1:])
    return hook


side = stim.preprocess.crop  # this profile's input size
conv_layers = [name for name in VGG16_LAYERS if name.startswith("block")]
handles = [modules[VGG16_LAYERS[name]].register_forward_hook(shape_recorder(name)) for name in conv_layers]
handles.append(modules[VGG16_LAYERS[conv_layers[-1]]].register_forward_hook(stop_forward))
run_until_stopped(net, torch.zeros(1, 3, side, side), handles)

# %%
import numpy as np
import pandas as pd

n_images, bytes_per_value = 300, 4


def memory_table(shapes):
    """Per layer: filters, map size, and the bytes of full maps and of maxima for n_images images."""
    return pd.DataFrame([{"layer": name, "filters": c, "map (px)": f"{h}×{w}",
                          "values per image": c * h * w,
                          "full maps, 300 images (MB)": n_images * c * h * w * bytes_per_value / 1e6,
                          "maxima, 300 images (kB)": n_images * c * bytes_per_value / 1e3}
                         for name, (c, h, w) in shapes.items()])


def totals(table):
    """(full maps in MB, maxima in MB) summed over the table's layers."""
    return table["full maps, 300 images (MB)"].sum(), table["maxima, 300 images (kB)"].sum() / 1e3


table = memory_table(layer_shapes)
print(f"{net.course_info.label}, {side}-px input:")
print(table.to_string(index=False, float_format="{:,.1f}".format))
full_mb, maxima_mb = totals(table)
biggest = table.loc[table["full maps, 300 images (MB)"].idxmax(), "layer"]
print(f"\nall {len(table)} layers: full maps {full_mb:,.1f} MB; per-filter maxima {maxima_mb:.2f} MB "
      f"({full_mb / maxima_mb:,.0f} times less); the largest maps: {biggest}")

# %% [markdown]
# The same arithmetic for the paper's network, VGG16 at 224 px, from its published layout (no
# network needed: `diagrams.vgg16_layout()` lists its layers with channels and map sides):

# %%
vgg_shapes = {r["name"]: (r["channels"], r["side"], r["side"]) for r in diagrams.vgg16_layout() if r["block"]}
vgg_full_mb, vgg_maxima_mb = totals(memory_table(vgg_shapes))
print(f"VGG16 at 224 px, {len(vgg_shapes)} layers: full maps {vgg_full_mb / 1e3:,.1f} GB; per-filter maxima "
      f"{vgg_maxima_mb:.2f} MB ({vgg_full_mb / vgg_maxima_mb:,.0f} times less)")
ratio = vgg_full_mb / full_mb
print("the network in use is VGG16 at 224 px itself" if np.isclose(ratio, 1) else
      f"the network in use needs {ratio:,.1f} times less memory for full maps than VGG16 at 224 px")

# %% [markdown]
# Compare the two lines above with the table. For VGG16 at 224 px the full maps run to many
# gigabytes, more than most laptops' memory, while the maxima take a few megabytes. Whether the
# network in use would fit its full maps depends on its size (the last line says how much
# smaller it is); the maxima fit anywhere in every case. During the forward pass the maps still
# exist, but only one batch at a time and only a layer or two at once:

# %%
c, h, w = layer_shapes["block1_conv1"]
for batch_size in (1, 32, 300):
    print(f"batch of {batch_size:3}: one block1_conv1 map tensor of this network takes "
          f"{batch_size * c * h * w * 4 / 1e6:8,.1f} MB")

# %%
print(shows(f"keeping full maps of {n_images} images would take {full_mb:,.1f} MB in this network "
            f"({vgg_full_mb / 1e3:,.1f} GB in VGG16 at 224 px), per-filter maxima {maxima_mb:.2f} MB; the largest "
            f"maps are {biggest}'s."))

# %% [markdown]
# That is why activations are collected in **batches** (32 images by default): the peak memory is
# set by the batch, not by the size of the stimulus set, and the stored result grows only with
# images × filters.
#
# ## Exercise 1: your own extraction
#
# Write `filter_maxima(model, images, layers)`: for a tensor of `images` and a list of paper layer
# names, return a dict `{name: numpy array (n_images, n_filters)}` of **post-ReLU per-filter
# maxima**. Use what you learned:
#
# - find each layer's module with `VGG16_LAYERS[name]` and `modules` (the dict built above);
# - register one hook per layer that stores `output.amax(dim=(2, 3))` as a NumPy array;
# - raise `StopForward` from the hook once every requested layer has reported;
# - run the model with `run_until_stopped(model, images, handles)` from section 4, which catches
#   `StopForward` and removes the hooks whatever happens.
#
# The check compares your result with `helpers.cnn.activations.collect`, which does the same for the
# whole stimulus set (and caches it on disk).

# %%
def filter_maxima(model, images, layers):
    out, handles = {}, []
    ...  # your code here: one hook per layer, then run the model
    return out


# %%
from helpers.cnn.activations import collect

check_layers = ["block1_conv1", "block3_conv3", "block5_conv3"]
per_category = 8 if profile.is_quick else 2  # one pass at 224 px: keep it within Binder's 2 GB
some = np.concatenate([np.flatnonzero(stim.labels == k)[:per_category] for k in range(len(stim.categories))])
collected = collect(net, stim, progress=False)  # all layers, all images; read from the cache when there


def collected_maxima(model, images, layers):  # collect's rows for the images `some`
    return {name: collected[name][some] for name in layers}


filter_maxima_used = course.check_function(
    filter_maxima, collected_maxima, [(net, stim.batch(some), check_layers)],
    "section 4's hooks show the pattern: a hook factory that closes over the layer's name, and a "
    "reduction over the two spatial dimensions",
    f"your maxima match helpers.cnn.activations.collect for {len(some)} images in {len(check_layers)} layers.",
    rtol=1e-4, atol=1e-4, exercise="02.1")
print("hooks left on the model:", sum(len(m._forward_hooks) for m in net.modules()))

# %% [markdown]
# `collect` adds what a reusable tool needs on top of your function: batches (so any number of
# images fits in memory), a check that no layer runs twice in one pass (shared modules in ResNets),
# the device and memory-layout handling, and a disk cache keyed by the model's weights, the
# stimuli and the layers. Everything later in the course reads activations through it (via
# `course.activations()`).
#
# ## Exercise 2 (challenge): the fully connected layers, before and after their ReLU
#
# `filter_maxima` assumed 4-D outputs (images, filters, height, width). The fully connected
# layers give 2-D outputs (images, units), and the trap of section 3 is waiting there too:
# `classifier.0` (fc1's linear layer) is followed by an in-place ReLU, `classifier.1`.
#
# Write `layer_values(model, images, paths)` for a list of **module paths**: it returns
# `{path: numpy array (n_images, n_units)}`, the per-filter maximum for a 4-D output and the
# values themselves for a 2-D output, and it must be right for `classifier.0` asked together with
# `classifier.1`, where a value kept by reference would come back with every negative set to 0.
# (Careful: `.numpy()` shares memory with its tensor, so it does not protect you; and this exact
# bug once sat in the course's own `collect`.) Use `modules[path]` and `run_until_stopped`.

# %%
def layer_values(model, images, paths):
    out, handles = {}, []
    ...  # your code here: one hook per path, 4-D outputs reduced, 2-D ones copied; then run the model
    return out


# %%
from helpers.cnn.models import display_name

fc_paths = ["features.29", "classifier.0", "classifier.1", "classifier.3", "classifier.4"]


def collected_values(model, images, paths):  # collect on the same images; it names layers as the paper does
    acts = collect(model, stim.subset(some), layers=paths, progress=False)
    return {path: np.asarray(acts[display_name(model, path)]) for path in paths}


layer_values_used = course.check_function(
    layer_values, collected_values, [(net, stim.batch(some), fc_paths)],
    "which outputs are overwritten by the in-place ReLU that follows them, and what protects a value "
    "from that (section 3)?",
    f"your values match helpers.cnn.activations.collect in {len(fc_paths)} layers, fc1 before its ReLU included.",
    rtol=1e-4, atol=1e-4, exercise="02.2")
values = layer_values_used(net, stim.batch(some), fc_paths)
before, after = values["classifier.0"], values["classifier.1"]
print(f"fc1 before its ReLU: {np.mean(before < 0):.0%} of the values negative; after it: {np.mean(after < 0):.0%}; "
      f"after == max(before, 0): {np.allclose(after, np.maximum(before, 0))}")

# %% [markdown]
# The last line is the in-place trap's fingerprint, measured: fc1's linear output has its share
# of negative values (printed above), and the ReLU that follows sets every one of them to 0. A
# hook that kept `classifier.0`'s output by reference would have returned the ReLU's values under
# fc1's name, and nothing would have looked wrong. The paper, and the course, read `fc1` *after*
# its ReLU (`classifier.1`), which is what `VGG16_LAYERS["fc1"]` points at.

# %% [markdown]
# ## Exercise 3 (interpretation): the trap, in your words
#
# Explain to a colleague, in three or four sentences stored in `interpretation`, why a hook on
# `classifier.0` can hand back the ReLU's values instead of fc1's linear output, why nothing looks
# wrong when it happens, and what guards against it.

# %%
interpretation = ...  # your code here: a few sentences in quotes, e.g. interpretation = """..."""

# %%
course.check_text(
    interpretation,
    {"what the in-place ReLU does": ['in-place', 'in place', 'inplace', 'overwrit'],
     "why it goes unnoticed": ['no error', 'plausible', 'look', 'silent', 'unnotic'],
     "the guard": ['clone', 'copy', 'reduce', 'hook the relu']},
    min_words=30, exercise="02.3")

# %% [markdown]
# ## Summary
#
# - `model.named_modules()` gives every layer a path; `VGG16_LAYERS` maps the paper's names to the
#   ReLU after each layer, so activations are post-ReLU as in the paper.
# - `register_forward_hook` returns a handle; always `remove()` it, in a `finally:` block so
#   that an error (or an intentional `StopForward`) cannot leave hooks behind.
# - With `ReLU(inplace=True)`, a reference kept by a hook on the preceding convolution is
#   overwritten: clone, or reduce inside the hook, or hook the ReLU itself.
# - Reducing each map to its maximum inside the hook, and stopping the forward pass after the
#   deepest needed layer, turn gigabytes of full maps (for VGG16 at 224 px; the table gives the
#   network in use) into a few megabytes of numbers for 300 images; the arithmetic is read off
#   the model, not assumed.
# - Your hook-based extraction matches `helpers.cnn.activations.collect`, for convolutions and, with a
#   copy of 2-D outputs, for the fully connected layers before and after their ReLU.
#
# **Next:** notebook 03 turns these per-filter maxima into the paper's selectivity index (eq. 1
# and eq. 2); notebook 04 asks whether it is more than chance.
#
# ### Sources
#
# - K. Simonyan and A. Zisserman, *Very Deep Convolutional Networks for Large-Scale Image
#   Recognition*, ICLR 2015 (the architecture).
# - The paper (per-filter maxima of every activation map as the raw material of its selectivity
#   measure): K. Malakhova, *Representation of Categories in Filters of Deep Neural Networks*,
#   Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition Workshops (CVPRW),
#   2018, pp. 1973–1975, doi:[10.1109/CVPRW.2018.00265](https://doi.org/10.1109/CVPRW.2018.00265).
# - The essay (why the deep layers' activations need not follow what images look like): K.
#   Malakhova, *Why Latent Representations in Convolutional Neural Networks Fall Outside Visual
#   Space*, MODVIS Workshop (Computational and Mathematical Models in Vision), St. Petersburg,
#   Florida, 2018, <https://docs.lib.purdue.edu/modvis/2018/session02/3>.
# - PyTorch documentation: `torch.nn.Module.register_forward_hook`.
