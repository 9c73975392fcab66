# rocketclub.platform — the two commands of the README:
#   make site   set everything up and converge the local platform (inventories/local)
#   make test   every test: lint, unit, local cloud, sanity, integration, molecule
# Both work on a fresh machine with only Python 3.11, pip and git.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PYTHONPATH := $(CURDIR)/tools$(if $(PYTHONPATH),:$(PYTHONPATH))
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# The checkout itself (through the committed .collections symlink), so no tool, ansible-lint
# included, installs or reads a stale copy of this collection elsewhere.
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.collections
export LOCALCLOUD_STATE_DIR ?= $(CURDIR)/.localcloud
LOCALCLOUD := $(BIN)/python -m localcloud
INVENTORY ?= inventories/local
# pytest-xdist workers of `make unit` and `make integration` (each integration worker runs its own
# private local cloud on free ports; `--dist loadfile` keeps a test file, and its converges, on one worker).
PYTEST_WORKERS ?= 2

.PHONY: help venv site converge local-up local-down local-status local-seed test lint unit localcloud-test \
	sanity integration molecule changelog-lint bench lock clean

help:
	@echo "make site   - install, start the local cloud, converge inventories/local"
	@echo "make test   - all tests (lint, unit, local cloud, sanity, integration, molecule)"
	@echo "make local-up | local-down | local-status | converge | bench"

venv: $(STAMP)

$(STAMP): requirements.txt constraints.txt
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ required, found " + sys.version'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

local-up: venv
	$(LOCALCLOUD) up

local-down:
	@if [ -x $(BIN)/python ]; then $(LOCALCLOUD) down; else echo "local cloud: not installed, nothing to stop"; fi

local-status: venv
	$(LOCALCLOUD) status

site: venv local-up local-seed converge

# What an operator does by hand in a real account: put the Kinde client secret in Secrets Manager.
local-seed: venv
	$(LOCALCLOUD) seed

converge: venv
	$(BIN)/ansible-playbook playbooks/site.yml -i $(INVENTORY) $(ARGS)

test: venv changelog-lint lint unit localcloud-test sanity integration molecule
	@echo "make test: all suites passed"

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

# ansible-lint for the YAML; ruff (ruff.toml) formats and lints every Python file of the repository.
lint: venv
	$(BIN)/ansible-lint --offline
	$(BIN)/ruff format --check --diff .
	$(BIN)/ruff check .

unit: venv
	$(BIN)/python -m pytest tests/unit -q -n $(PYTEST_WORKERS)

localcloud-test: venv
	$(BIN)/python -m pytest tests/localcloud -q

sanity: venv
	tools/ci/sanity.sh

integration: venv
	$(BIN)/python -m pytest tests/integration -q -n $(PYTEST_WORKERS) --dist loadfile

molecule: venv
	$(BIN)/molecule test --all

bench: venv
	$(BIN)/python benchmarks/converge.py

lock: venv
	$(BIN)/python -m pip freeze --exclude-editable | sed '1i # Full lock of requirements.txt for Python 3.11; regenerate with `make lock`.' > constraints.txt

clean: local-down
	rm -rf tests/output .pytest_cache
