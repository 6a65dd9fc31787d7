# fusionlab: two commands do everything on a fresh machine.
#   make notebooks   set up .venv, execute every lesson (standard profile), write figures/
#   make test        set up .venv, unit tests, every notebook once in the smoke profile (papermill) with its
#                    figure, result and inline-image regression, then the course site in headless Chromium
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.fusionlab-installed
PROFILE ?= standard
ONLY ?=
# The kernel papermill starts is the venv's python.
export PATH := $(abspath $(BIN)):$(PATH)
# Real recordings used by tests and lessons (CI has ../shared beside the clone).
export FUSIONLAB_SHARED_DATA ?= $(abspath ../shared/data)

.PHONY: help venv fetch notebooks course test baselines book unit lab benchmarks clean

help:
	@echo "make notebooks  - execute every notebook (PROFILE=$(PROFILE), ONLY=05 for one); figures -> figures/"
	@echo "make course     - student (solutions removed) and instructor versions of the lessons -> build/course/"
	@echo "make fetch      - get the recordings the lessons read into data/ (or FUSIONLAB_DATA; FUSIONLAB_MIRROR=url)"
	@echo "make test       - unit tests + smoke notebooks (papermill): instructor (strict exercises; figures,"
	@echo "                  results, site) and student version (every cell runs, exercises 'not done yet')"
	@echo "make baselines  - re-run the smoke notebooks, print what changed, update tests/baselines/ (ONLY=05)"
	@echo "make book       - the course as a static site from build/notebooks/$(BOOK_PROFILE) -> build/book/"
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
	$(BIN)/python -m fusionlab.cli.notebook_runner --profile $(PROFILE) $(if $(ONLY),--only $(ONLY))

course: $(STAMP)
	$(BIN)/python -m fusionlab.cli.exercises $(if $(ONLY),--only $(ONLY))

# One thread per process: the lessons' models are small, and a fixed thread count keeps float
# reductions in the same order on every machine, so the smoke figures match their baselines.
test: export OMP_NUM_THREADS := 1
# Headless tests draw with Agg; lessons still show every saved figure inline (fl.viz.savefig displays it).
test: export MPLBACKEND := Agg
# One pytest session executes each notebook once (tests/notebooks/conftest.py); the figure, result and
# inline-image regression and the site test (tests/notebooks/test_site.py) all read that execution.
# That run is the instructor version with FUSIONLAB_EXERCISES=strict (every exercise check must pass); the
# student version (`make course`, solutions removed) is executed once more per lesson into a scratch folder
# and must run to its end saying "not done yet" for each exercise (tests/notebooks/test_course_versions.py).
test: $(STAMP)
	FUSIONLAB_PROFILE=smoke $(BIN)/python -m pytest --durations=20 tests

# Baselines of the notebook regression: same environment as `make test`; prints what changed (RMS, numbers).
# FROM_BUILD=1 reuses the executions of the last `make test` instead of running the notebooks again.
baselines: export OMP_NUM_THREADS := 1
baselines: export MPLBACKEND := Agg
baselines: $(STAMP)
	FUSIONLAB_PROFILE=smoke $(BIN)/python tests/notebooks/update_baselines.py $(if $(ONLY),--only $(ONLY)) $(if $(FROM_BUILD),--from-build)

# The course as a static HTML site from executed notebooks (no execution here): `make notebooks` first.
BOOK_PROFILE ?= $(PROFILE)
book: $(STAMP)
	$(BIN)/python book/build_book.py --profile $(BOOK_PROFILE) --notebooks build/notebooks/$(BOOK_PROFILE) --output build/book/$(BOOK_PROFILE)

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

# The real recordings the lessons read (MIT-BIH, DREAMS, ETT) -> $FUSIONLAB_DATA (default data/).
fetch: $(STAMP)
	$(BIN)/python -m fusionlab.cli preflight

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/notebook_times.py --profile smoke

clean:
	rm -rf build .pytest_cache
