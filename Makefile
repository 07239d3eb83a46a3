# make demo: set up and run ciopt on the bundled example, offline.  make test: every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := build/demo
STAMP := $(VENV)/.installed
# The example project's own environment, as a client would have it: pytest and pytest-benchmark.
CLIENT := build/client-venv
CLIENT_STAMP := $(CLIENT)/.installed
# The live trace stores tests/trace/sinks start: Arize Phoenix and moto's S3 server (make stores)
STORES := build/stores
STORES_STAMP := $(STORES)/.installed
# Node 22 and gitlab-ci-local for tests/gitlab_ci (make tools)
TOOLS := build/tools
TOOLS_STAMP := $(TOOLS)/.installed

.PHONY: demo test lint typecheck pytest clean

# Before anything else, the Debian packages `make demo` or `make test` needs
# (requirements/system.py): a missing one stops make at once, with one line naming it and the
# command that installs it.
SYSTEM_GOAL := $(firstword $(filter test demo,$(MAKECMDGOALS)))
ifneq ($(SYSTEM_GOAL),)
SYSTEM_MISSING := $(shell $(PYTHON) requirements/system.py $(SYSTEM_GOAL) 2>&1)
ifneq ($(SYSTEM_MISSING),)
$(error $(SYSTEM_MISSING))
endif
endif

# Both virtualenvs install from locks (make lock), as the Action does: every package at its pin,
# hash-checked, wheels only, nothing resolved; so a release elsewhere cannot break them. The
# development one holds ciopt's own lock's versions, so the tests run what users install.
INSTALL_LOCKED := pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
	--only-binary=:all: -r

$(STAMP): pyproject.toml requirements/dev.lock
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/$(INSTALL_LOCKED) requirements/dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/pip check --disable-pip-version-check
	touch $(STAMP)

$(CLIENT_STAMP): requirements/client.lock
	rm -rf $(CLIENT)
	$(PYTHON) -m venv $(CLIENT)
	$(CLIENT)/bin/$(INSTALL_LOCKED) requirements/client.lock
	touch $(CLIENT_STAMP)

demo: $(STAMP) $(CLIENT_STAMP)
	rm -rf $(DEMO)
	$(BIN)/python examples/make_example_repo.py $(DEMO)/textkit
	cd $(DEMO)/textkit && ../../../$(BIN)/ciopt run \
		--request-file ../../../examples/requests/textkit-dedupe.txt \
		--model scripted:../../../examples/scripted/textkit-dedupe.jsonl \
		--python ../../../$(CLIENT)/bin/python \
		--out ../ciopt-out
	@echo
	@echo "Result: $(DEMO)/ciopt-out/ (verdict.json, report.md, patch.diff, trace.jsonl, trace.otlp.jsonl, trace.html, bench/)"
	@echo "Summary: $(BIN)/ciopt trace show $(DEMO)/ciopt-out/trace.jsonl; again from the trace: $(BIN)/ciopt replay $(DEMO)/ciopt-out/trace.jsonl"
	@echo "The optimized commit is on branch ciopt/tokens-dedupe in $(DEMO)/textkit."

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests examples/make_example_repo.py examples/power dagger/src requirements \
		packaging
	$(BIN)/ruff format --check src tests examples/make_example_repo.py examples/power dagger/src \
		requirements packaging
	$(BIN)/lint-imports  # the layers, no circles, one way into each package: [tool.importlinter]

typecheck: $(STAMP)
	$(BIN)/mypy

# CIOPT_REQUIRE_TOOLS: a test whose tools are missing fails instead of skipping. The slowest
# tests are listed at the end, to keep the suite's time in view; PYTEST_ARGS adds more options.
PYTEST_ARGS ?=
# The live trace stores' tests (Phoenix, moto) run in a pytest session of their own, after the
# rest: in one session with the whole suite, a Phoenix that had started stopped answering the
# test process (never in a session of their own); see tests/trace/sinks/conftest.py.
LIVE_TESTS := tests/trace/sinks/test_live.py
pytest: $(STAMP) $(CLIENT_STAMP) $(TOOLS_STAMP) $(STORES_STAMP)
	CIOPT_REQUIRE_TOOLS=1 CIOPT_TEST_CLIENT_PYTHON=$(CLIENT)/bin/python \
		CIOPT_TEST_STORES=$(STORES)/bin $(BIN)/python -m pytest -q \
		--durations=15 --deselect $(LIVE_TESTS) $(PYTEST_ARGS)
	CIOPT_REQUIRE_TOOLS=1 CIOPT_TEST_CLIENT_PYTHON=$(CLIENT)/bin/python \
		CIOPT_TEST_STORES=$(STORES)/bin $(BIN)/python -m pytest -q $(LIVE_TESTS) $(PYTEST_ARGS)

clean:  # build/ holds build/deb too
	rm -rf $(VENV) build .mypy_cache .ruff_cache ciopt-out

# The Debian package: build/deb/ciopt_<version>_amd64.deb, by dpkg-deb from packaging/debian/
# (build.py says what goes in). It ships ciopt's wheel and every wheel of its lock (downloaded
# hash-checked, once per lock); its postinst makes /opt/ciopt/venv from them with Debian's
# python3, offline. Install it with `apt-get install ./build/deb/ciopt_*.deb`.
.PHONY: deb
deb: $(STAMP)
	$(BIN)/python packaging/debian/build.py --out build/deb

# Tools the tests run: gitlab-ci-local (runs templates/gitlab-ci.yml offline) on Node 22, both
# from npm, pinned by tests/tools/package-lock.json and installed into build/tools.
.PHONY: tools
tools: $(TOOLS_STAMP)

$(TOOLS_STAMP): tests/tools/package.json tests/tools/package-lock.json
	rm -rf $(TOOLS)
	mkdir -p $(TOOLS)
	cp tests/tools/package.json tests/tools/package-lock.json $(TOOLS)/
	npm ci --prefix $(TOOLS) --no-audit --no-fund --loglevel=error
	touch $(TOOLS_STAMP)

# Phoenix and moto are servers the tests talk to over HTTP, not libraries ciopt imports: their own
# virtualenv, from their own lock, installed by uv (a thousand-megabyte tree; pip takes minutes).
.PHONY: stores
stores: $(STORES_STAMP)

$(STORES_STAMP): requirements/stores.lock $(STAMP)
	rm -rf $(STORES)
	$(BIN)/uv venv --quiet --python $(PYTHON) $(STORES)
	$(BIN)/uv pip install --quiet --python $(STORES)/bin/python --require-hashes --no-deps \
		--only-binary=:all: -r requirements/stores.lock
	touch $(STORES_STAMP)

# src/ciopt/requirements.lock: every package ciopt needs, each pinned with its hashes, extras'
# targets included. The GitHub Action and the GitLab component install it with --no-deps, so pip
# resolves nothing. The other locks follow its pins: requirements/dev.lock and client.lock (make's
# virtualenvs), dagger/requirements.lock (the part the Dagger module needs). From pyproject's runtime dependencies and requirements/lock.in, by a pinned uv
# in its own venv; pins already in the lock are kept unless the inputs no longer allow them
# (`make lock LOCK_FLAGS=--upgrade` takes newer releases).
LOCK_VENV := build/lock-venv
LOCK_FLAGS ?=
.PHONY: lock
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet uv==0.13.9
	$(LOCK_VENV)/bin/uv pip compile $(LOCK_FLAGS) --quiet --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command "make lock" \
		--output-file src/ciopt/requirements.lock pyproject.toml requirements/lock.in
	# make's own virtualenvs: the dev extras beside ciopt's pins; the example's pytest at those
	$(LOCK_VENV)/bin/uv pip compile $(LOCK_FLAGS) --quiet --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command "make lock" --extra dev \
		--constraint src/ciopt/requirements.lock --output-file requirements/dev.lock \
		pyproject.toml requirements/lock.in
	$(LOCK_VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" --constraint requirements/dev.lock \
		--output-file requirements/client.lock requirements/client.in
	# the live trace stores the sink tests start (their own venv: Phoenix is a whole server)
	$(LOCK_VENV)/bin/uv pip compile $(LOCK_FLAGS) --quiet --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --generate-hashes \
		--custom-compile-command "make lock" --output-file requirements/stores.lock \
		requirements/stores.in
	# the Dagger module: the SDK's dependencies at the same versions (the engine vendors the SDK)
	echo dagger-io | $(LOCK_VENV)/bin/uv pip compile - --quiet --universal --python-version 3.11 \
		--generate-hashes --constraint src/ciopt/requirements.lock --no-emit-package dagger-io \
		--custom-compile-command "make lock" --output-file dagger/requirements.lock
