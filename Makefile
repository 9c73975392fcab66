# rocketclub.platform — the two commands of the README:
#   make site   set everything up and converge the local platform (inventories/local)
#   make test   every test: lint, unit, local cloud, sanity, integration, molecule
# Both work on a fresh machine with only Python 3.11, pip and git.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two installs into one venv: `make site` needs only the run-time dependencies (requirements.txt); `make test`
# and its suites add the test and lint tools on top (requirements-test.txt). One lock, constraints.txt, for both.
SITE_STAMP := $(VENV)/.site-stamp
TEST_STAMP := $(VENV)/.test-stamp
PIP_INSTALL = $(BIN)/python -m pip install --quiet --disable-pip-version-check
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
# private local cloud on free ports; `--dist loadfile --no-loadscope-reorder` hands out whole files in the order of
# FILE_ORDER in tests/integration/conftest.py; --durations prints the slowest setups and calls, for the time budget).
PYTEST_WORKERS ?= 2
# Integration workers: three, beside molecule and the docs site, kept the two cores 69-73 % busy; four were no faster
# (docs/test-budget.md).
INTEGRATION_WORKERS ?= 3
# The local cloud's own tests mostly wait (latency windows, delays, retries), not compute: four workers on two cores
# took 70 s where two took 90 s and one about 230 s.
LOCALCLOUD_TEST_WORKERS ?= 4

.PHONY: help venv venv-test site converge local-up local-down local-status local-seed test lint unit localcloud-test \
	sanity integration molecule changelog-lint bench lock clean ee system-deps docs-check docs

help:
	@echo "make site   - install, start the local cloud, converge inventories/local"
	@echo "make test   - all tests (lint, unit, local cloud, sanity, integration, molecule)"
	@echo "make local-up | local-down | local-status | converge | bench"

venv: $(SITE_STAMP)

venv-test: $(TEST_STAMP)

# --no-compile: pip would byte-compile all ~22,000 .py files of the run-time set one after another (15,000 are
# collections of the `ansible` package that no converge imports), 40 of the install's 65 s. Instead, only the
# packages every converge process imports (controller, Mitogen, boto3, amazon.aws and community.aws, the local
# cloud's moto server) are compiled, on both cores, in about 6 s; Python compiles anything else when it first
# imports it.
SITE_BYTECODE := ansible ansible_mitogen mitogen boto3 botocore s3transfer moto werkzeug flask jinja2 markupsafe \
	yaml cryptography urllib3 dateutil jmespath responses requests \
	ansible_collections/amazon/aws/plugins ansible_collections/community/aws/plugins
PURELIB = $$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')

$(SITE_STAMP): requirements.txt constraints.txt
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ required, found " + sys.version'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --no-compile -r requirements.txt -c constraints.txt
	purelib=$(PURELIB); $(BIN)/python -m compileall -q -j 0 $(addprefix "$$purelib"/,$(SITE_BYTECODE)) \
		|| echo "compileall: some files did not compile; Python compiles them on import"
	touch $@

# The test tools (pip compiles them), then the run-time packages the site install left uncompiled (on both
# cores; not the `ansible` package's other collections, of which the tests import a few files), so that the hundreds of
# Python processes of `make test` do not compile them, even where PYTHONDONTWRITEBYTECODE keeps them from caching it.
$(TEST_STAMP): $(SITE_STAMP) requirements-test.txt
	$(PIP_INSTALL) -r requirements-test.txt -c constraints.txt
	$(BIN)/python -m compileall -q -j 0 -x /ansible_collections/ "$(PURELIB)" \
		|| echo "compileall: some files did not compile; Python compiles them on import"
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

# Three steps; inside a step, tools/ci/together.sh runs suites at the same time (docs/test-budget.md): the install
# beside the system packages; then the linters and the unit tests, which keep both cores busy; then integration, which
# leaves about 30 % of the two cores idle, beside sanity, the local cloud's tests, molecule and the documentation site.
test:
	@$(MAKE) --no-print-directory -j2 venv-test system-deps
	@$(MAKE) --no-print-directory changelog-lint lint unit
	@tools/ci/together.sh integration -- sanity localcloud-test molecule docs-check
	@echo "make test: all suites passed"

# Chromium (the documentation site's browser test) and Java 17 (ansible-rulebook), from Debian's packages when missing.
system-deps:
	tools/ci/system-deps.sh

# The documentation site, built with warnings as errors, then opened in headless Chromium (tests/docs).
docs-check: docs
	$(BIN)/python -m pytest tests/docs -q

changelog-lint: venv-test
	$(BIN)/antsibull-changelog lint

# ansible-lint for the YAML; ruff (ruff.toml) formats and lints every Python file of the repository.
lint: venv-test
	$(BIN)/ansible-lint --offline
	$(BIN)/ruff format --check --diff .
	$(BIN)/ruff check .

unit: venv-test
	$(BIN)/python -m pytest tests/unit -q -n $(PYTEST_WORKERS)

localcloud-test: venv-test
	$(BIN)/python -m pytest tests/localcloud -q -n $(LOCALCLOUD_TEST_WORKERS)

sanity: venv-test
	tools/ci/sanity.sh

integration: venv-test
	$(BIN)/python -m pytest tests/integration -q -n $(INTEGRATION_WORKERS) --dist loadfile --no-loadscope-reorder --durations=12

molecule: venv-test
	$(BIN)/molecule test --all

# The documentation site, static HTML in build/docs/html (tools/docs/build.sh: antsibull-docs and Sphinx, offline,
# every warning an error; the playbook pages take their runbooks from README.md). tests/docs opens it in Chromium.
docs: venv-test
	VENV_BIN=$(abspath $(BIN)) tools/docs/build.sh

# The execution environment's build context (execution-environment.yml, docs/execution-environment.md): the
# collection tarball, then `ansible-builder create` writes build/ee/context/ (Containerfile and _build/). Building
# the image needs podman or docker: `podman build -t quay.io/rocketclub/platform-ee:$(COLLECTION_VERSION)
# build/ee/context`.
EE_DIR := build/ee
COLLECTION_VERSION = $$(sed -n 's/^version: *//p' galaxy.yml)
ee: venv-test
	rm -rf $(EE_DIR)
	$(BIN)/ansible-galaxy collection build --force --output-path $(EE_DIR) .
	mv $(EE_DIR)/rocketclub-platform-$(COLLECTION_VERSION).tar.gz $(EE_DIR)/rocketclub-platform.tar.gz
	$(BIN)/ansible-builder create --file execution-environment.yml --context $(EE_DIR)/context
	@echo "make ee: build context in $(EE_DIR)/context; build it with podman or docker (docs/execution-environment.md)"

# Figures, not tests (README, "Benchmark"; docs/benchmarks.md): `make bench ARGS="--quick --rounds 1 --json f.json"`.
bench: venv
	$(BIN)/python benchmarks/bench.py $(ARGS)

lock: venv-test
	$(BIN)/python -m pip freeze --exclude-editable | sed '1i # Full lock of requirements.txt and requirements-test.txt for Python 3.11; regenerate with `make lock`.' > constraints.txt

clean: local-down
	rm -rf tests/output .pytest_cache
