# fusionlab: two commands do everything on a fresh machine.
#   make notebooks   set up .venv, execute every lesson (standard profile), write figures/
#   make test        set up .venv, unit tests, notebooks in the smoke profile, nbval, figure regression
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.fusionlab-installed
PROFILE ?= standard
ONLY ?=
# The kernel papermill and nbval start is the venv's python.
export PATH := $(abspath $(BIN)):$(PATH)
# Real recordings used by tests and lessons (CI has ../shared beside the clone).
export FUSIONLAB_SHARED_DATA ?= $(abspath ../shared/data)

.PHONY: help venv fetch notebooks test unit smoke nbval figures lab benchmarks clean

help:
	@echo "make notebooks  - execute every notebook (PROFILE=$(PROFILE), ONLY=05 for one); figures -> figures/"
	@echo "make fetch      - get the recordings the lessons read into data/ (or FUSIONLAB_DATA; FUSIONLAB_MIRROR=url)"
	@echo "make test       - unit tests + smoke notebooks (papermill) + nbval + figure regression"
	@echo "make lab        - open JupyterLab on notebooks/"
	@echo "make benchmarks - speed/memory benchmarks -> benchmarks/results/*.json"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch/torchvision: the pair this lab is tested with (admitted by pyproject's ranges).
	$(BIN)/python -m pip install --quiet "torch==2.14.1" "torchvision==0.29.1"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

notebooks: $(STAMP)
	$(BIN)/python -m fusionlab.cli preflight $(if $(ONLY),--only $(ONLY))
	$(BIN)/python -m fusionlab.notebook_runner --profile $(PROFILE) $(if $(ONLY),--only $(ONLY))

# One thread per process: the lessons' models are small, and a fixed thread count keeps float
# reductions in the same order on every machine, so the smoke figures match their baselines.
test: export OMP_NUM_THREADS := 1
# Headless tests draw with Agg; lessons still show every saved figure inline (fl.viz.savefig displays it).
test: export MPLBACKEND := Agg
test: $(STAMP)
	FUSIONLAB_PROFILE=smoke $(BIN)/python -m pytest --durations=20 tests
	FUSIONLAB_PROFILE=smoke $(BIN)/python -m pytest --nbval-lax --nbval-cell-timeout=900 -p no:cacheprovider notebooks

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

nbval: $(STAMP)
	FUSIONLAB_PROFILE=smoke $(BIN)/python -m pytest --nbval-lax -p no:cacheprovider notebooks

# The real recordings the lessons read (MIT-BIH, DREAMS, ETT) -> $FUSIONLAB_DATA (default data/).
fetch: $(STAMP)
	$(BIN)/python -m fusionlab.cli preflight

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/notebook_times.py --profile smoke

clean:
	rm -rf build .pytest_cache
