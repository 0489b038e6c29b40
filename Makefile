# The course's two commands:
#   make course   set everything up (.venv), run the pipeline, execute and render the notebooks
#   make test     run every test (unit tests, teacher notebooks under nbval, learner notebooks,
#                 browser test)
# PROFILE=quick (default here: runs offline; the model organism, a small VGG16-shaped network
# trained on generated drawings, with its untrained control, on generated drawings) or
# PROFILE=full (pretrained VGG16 and real photographs; needs the internet once).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PROFILE ?= quick
# PyTorch's build: by default tools/torch_index.sh chooses (PyPI's, which carries CUDA, when an
# NVIDIA GPU is present; else the small CPU-only one from PyTorch's CPU index if it can be
# reached; else PyPI's) and says which. Force one with TORCH_INDEX=pypi or TORCH_INDEX=<index URL>,
#   e.g. make course TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=
# Expanded only when the environment is (re)installed, so an installed .venv costs no probe;
# `make -n setup` shows the choice without installing anything.
TORCH_ARGS = $(shell TORCH_INDEX='$(TORCH_INDEX)' PYTHON='$(PYTHON)' bash tools/torch_index.sh)
BUILD ?= build
export COURSE_PROFILE := $(PROFILE)
export PYTHONUNBUFFERED := 1

.PHONY: course setup report notebooks site editions learner-dist test test-fast test-deps lab lock clean

course: setup report notebooks
	@echo
	@echo "Done. Report: $(BUILD)/report/selectivity_by_layer.png; course: $(BUILD)/site/index.html"
	@echo "Open the course in JupyterLab with:  make lab"

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-torch.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(or $(TORCH_ARGS),$(error tools/torch_index.sh chose no PyTorch build (see above))) \
	  -r requirements.txt -c constraints.txt
	$(PY) -m pip install --no-deps -e .
	$(PY) -c "import torch, torchvision.ops; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'OK')"
	touch $@

report: setup
	$(PY) -m helpers report --out $(BUILD)/report --no-progress

notebooks: setup
	$(PY) tools/build_course.py --out $(BUILD)

site: notebooks

# After editing a teacher notebook (notebooks/teacher/*.py): its Colab cell and badge, and the
# learner editions (notebooks/*.ipynb). Re-execute the teacher notebook too (notebooks/README.md).
editions: setup
	$(PY) tools/editions.py
	$(PY) tools/solutions.py

# A learner's copy of the course in $(BUILD)/learner: no teacher editions, no readable solutions
# (the one a class's Binder and Colab badges should open; README, "Classroom use"). For an
# assessed lab, leave out the solutions the checks reveal after an attempt:
#   make learner-dist DIST_ARGS=--no-solutions
learner-dist:
	$(PY) tools/learner_dist.py --out $(BUILD)/learner $(DIST_ARGS)

# System packages the tests use (Chromium for the browser test, WordNet for the
# ImageNet-hierarchy builder); installed when apt-get is usable, else those tests skip.
# timm's wheel carries the ImageNet synset list the hierarchy builder's sync test reads.
TIMM_VERSION := 1.0.15
test-deps: setup
	@bash tools/system_deps.sh
	@ls $(VENV)/wheels/timm-$(TIMM_VERSION)-*.whl >/dev/null 2>&1 || \
	  $(PY) -m pip download --quiet --no-deps --only-binary=:all: timm==$(TIMM_VERSION) -d $(VENV)/wheels || \
	  echo "note: could not download timm $(TIMM_VERSION); the hierarchy sync test will skip"

# Two workers on CI's 2 cores, one thread each: two processes of 2 threads on 2 cores spend more
# than half their time waiting for each other (measured: VGG16 forward passes 1.3 vs 3.0 images/s
# per process). Whole files go to a worker (--dist loadfile), in the order tests/conftest.py gives
# them (not reordered by size): the longest first (the full-profile rehearsal, then the learner
# notebooks), so that the other worker works through the rest meanwhile.
TEST_THREADS := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 COURSE_THREADS=1

test: setup test-deps
	TIMM_WHEEL=$$(ls $(VENV)/wheels/timm-*.whl 2>/dev/null | head -n 1) COURSE_PROFILE=quick $(TEST_THREADS) \
	  $(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder tests notebooks/teacher \
	  --nbval-lax --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider

# The unit tests alone (no notebooks, no browser, no test marked slow): about two minutes on 2 cores.
test-fast: setup
	COURSE_PROFILE=quick $(TEST_THREADS) $(PY) -m pytest -n 2 -m "not slow" tests --ignore=tests/test_browser.py \
	  --ignore=tests/test_notebooks.py --ignore=tests/test_learner_notebooks.py -p no:cacheprovider

lab: setup
	$(VENV)/bin/jupyter lab notebooks/00_start_here.ipynb

lock: setup
	bash tools/lock.sh $(VENV)

clean:
	rm -rf $(BUILD)
