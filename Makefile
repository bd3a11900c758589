# qualeval: `make repro` runs the pipeline on the sample, `make test` runs the test suite.
# Both create .venv and install the project on first use (torch pinned, CPU), then are quick.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed-stamp
TORCH_PIN := torch==2.13.0

export PATH := $(BIN):$(PATH)
export DVC_NO_ANALYTICS := 1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup repro test lint sample clean-private help train-ner

help:
	@echo "make repro   set up, then run the pipeline on the sample (dvc repro)"
	@echo "make test    set up, then run the whole test suite"
	@echo "make lint    ruff"
	@echo "make sample  re-render transcripts_sample/ from tools/sample_source/"
	@echo "make train-ner  retrain + evaluate pipeline/models/ner_en_qualeval (needs ../shared/data/ner; ~30 min CPU)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$(TORCH_PIN)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

repro: setup
	dvc config core.analytics false
	dvc repro

test: setup
	python -m pytest

lint: setup
	ruff check pipeline tests tools benchmarks
	ruff format --check pipeline tests tools benchmarks

sample: setup
	python tools/build_sample.py

# Not part of `dvc repro`: retrains the shipped NER model from ../shared/data/ner, then scores it.
train-ner: setup
	python tools/train_ner.py
	python tools/eval_ner.py
