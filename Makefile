# The course's two commands:
#   make course   set everything up (.venv), run the pipeline, execute and render the notebooks
#   make test     run every test (unit tests, notebooks under nbval, browser test)
# PROFILE=quick (default here: runs offline, untrained network, schematic stimuli) or
# PROFILE=full (pretrained VGG16 and real photographs; needs the internet once).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PROFILE ?= quick
# Set TORCH_INDEX to a wheel index for another PyTorch build, e.g. the small CPU-only one:
#   make course TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=
BUILD ?= build
export COURSE_PROFILE := $(PROFILE)
export PYTHONUNBUFFERED := 1

.PHONY: course setup report notebooks site test test-deps lab lock clean

course: setup report notebooks
	@echo
	@echo "Done. Report: $(BUILD)/report/selectivity_by_layer.png; course: $(BUILD)/site/index.html"
	@echo "Open the course in JupyterLab with:  make lab"

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-torch.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
ifeq ($(TORCH_INDEX),)
	$(PY) -m pip install -r requirements-torch.txt -r requirements.txt -c constraints.txt
else
	$(PY) -m pip install torch==2.13.0 torchvision==0.28.0 --index-url $(TORCH_INDEX)
	$(PY) -m pip install -r requirements.txt -c constraints.txt
endif
	$(PY) -m pip install --no-deps -e .
	$(PY) -c "import torch, torchvision.ops; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'OK')"
	touch $@

report: setup
	$(PY) -m helpers report --out $(BUILD)/report --no-progress

notebooks: setup
	$(PY) tools/build_course.py --out $(BUILD)

site: notebooks

# System packages the tests use (Chromium for the browser test, WordNet for the
# ImageNet-hierarchy builder); installed when apt-get is usable, else those tests skip.
# timm's wheel carries the ImageNet synset list the hierarchy builder's sync test reads.
TIMM_VERSION := 1.0.15
test-deps: setup
	@bash tools/system_deps.sh
	@ls $(VENV)/wheels/timm-$(TIMM_VERSION)-*.whl >/dev/null 2>&1 || \
	  $(PY) -m pip download --quiet --no-deps --only-binary=:all: timm==$(TIMM_VERSION) -d $(VENV)/wheels || \
	  echo "note: could not download timm $(TIMM_VERSION); the hierarchy sync test will skip"

test: setup test-deps
	TIMM_WHEEL=$$(ls $(VENV)/wheels/timm-*.whl 2>/dev/null | head -n 1) COURSE_PROFILE=quick $(PY) -m pytest -n 2 --dist loadfile tests notebooks --nbval-lax --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider

lab: setup
	$(VENV)/bin/jupyter lab notebooks/00_start_here.ipynb

lock: setup
	bash tools/lock.sh $(VENV)

clean:
	rm -rf $(BUILD)
