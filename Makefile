# Two entry points: `make run` (default workflow) and `make test` (the test suite).
# Both create .venv and install pinned requirements when missing or out of date.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= config.yaml
CORES ?= all
WORKDIR ?= .
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export TOKENIZERS_PARALLELISM := false
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TRANSFORMERS_NO_ADVISORY_WARNINGS := 1

.PHONY: run test install figures report lint dryrun clean

$(STAMP): envs/requirements.txt envs/constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -r envs/requirements.txt -c envs/constraints.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# --rerun-incomplete + unlock: a run killed mid-way resumes with the same command; a run still
# alive in the same folder is never unlocked (emergence.runlock says so and stops).
run: $(STAMP)
	$(BIN)/python -m emergence.runlock $(WORKDIR) -- --cores $(CORES) --configfile $(abspath $(CONFIG)) --rerun-incomplete
	@$(BIN)/python -m emergence.card $(abspath $(CONFIG)) $(WORKDIR)

test: $(STAMP)
	$(BIN)/ruff check src scripts tests bench
	$(BIN)/snakefmt --check Snakefile rules
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

figures: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) --configfile $(CONFIG) --forcerun figures report_tables figures_metric_chain figures_passuntil -- all_figures

report: $(STAMP)
	$(BIN)/snakemake --configfile $(CONFIG) --report results/$$($(BIN)/python -c "import yaml;print(yaml.safe_load(open('$(CONFIG)'))['name'])")/report.html

lint: $(STAMP)
	$(BIN)/snakemake --lint --configfile $(CONFIG)

dryrun: $(STAMP)
	$(BIN)/snakemake -n --configfile $(CONFIG) --quiet rules
