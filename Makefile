# Two commands set up a fresh machine: `make plan` and `make test`.
# Everything they need is installed here, so a clean clone and CI behave the same.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STACKS ?= $(patsubst Pulumi.%.yaml,%,$(wildcard Pulumi.*.yaml))
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup tools plan test lint typecheck unit drill fmt bench clean lock

help:
	@echo "make plan   - set up, then run the offline plan of every stack ($(STACKS))"
	@echo "make test   - set up, then run linters, type checks, promtool/amtool and the test suite"
	@echo "make lint   - ruff, mypy, dashboard formatting, obsctl lint (loaders, promtool, amtool) of every definition"
	@echo "make drill  - mock incidents of drills/ through the real Prometheus and Alertmanager, every stack"
	@echo "make tools  - build prometheus, promtool, alertmanager, amtool (the charts' versions) and actionlint"
	@echo "make bench  - obsctl plan against its floor per stack and on generated definition sets, peak memory, the drill"

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@

setup: $(STAMP)

# prometheus, promtool, alertmanager and amtool at the versions the pinned kube-prometheus-stack
# deploys (infra/charts/versions.yaml), and actionlint, built with Go from the module proxy into
# .tools/bin (see obsctl/toolchain.py). The first build takes several minutes; later runs find the
# binaries, or reuse Go's build cache. Without Go, Debian's older packages are the fallback.
export PATH := $(CURDIR)/.tools/bin:$(PATH)

tools: setup
	@$(BIN)/python -m obsctl.toolchain install

plan: setup
	$(BIN)/obsctl plan --all

lint: setup tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy infra obsctl policy
	$(BIN)/obsctl dashboard fmt --check
	$(BIN)/obsctl lint
	$(BIN)/python -m obsctl.toolchain run promtool check rules $(wildcard alerts/prometheus/*.yaml alerts/prometheus/*.yml)
	$(BIN)/python -m obsctl.toolchain run actionlint .github/workflows/*.yml

typecheck: setup
	$(BIN)/mypy infra obsctl policy

# The fast tests in parallel, then the slow end-to-end ones (drill labs, CLI round trips) in turn.
unit: setup tools
	$(BIN)/pytest -q
	$(BIN)/pytest -q -m slow -n 0

drill: setup tools
	@if $(BIN)/python -m obsctl.toolchain has prometheus alertmanager promtool; then $(BIN)/obsctl drill; fi

test: lint unit drill

fmt: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m obsctl.bench

# Re-pin requirements.lock after a change to pyproject.toml's dependencies: newest versions in range.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	{ sed -n '/^#/p' requirements.lock; .lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e\|^#\|observability-as-code'; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
