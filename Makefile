# make demo: set up and run ciopt on the bundled example, offline.  make test: every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := build/demo
STAMP := $(VENV)/.installed
# The example project's own environment, as a client would have it: pytest and pytest-benchmark.
CLIENT := build/client-venv
CLIENT_STAMP := $(CLIENT)/.installed
# Node 22 and gitlab-ci-local for tests/gitlab_ci (make tools)
TOOLS := build/tools
TOOLS_STAMP := $(TOOLS)/.installed

.PHONY: demo test lint typecheck pytest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(CLIENT_STAMP):
	$(PYTHON) -m venv $(CLIENT)
	$(CLIENT)/bin/pip install --quiet pytest pytest-benchmark
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
	@echo "Result: $(DEMO)/ciopt-out/ (verdict.json, report.md, patch.diff, trace.jsonl, trace.html, bench/)"
	@echo "Summary: $(BIN)/ciopt trace show $(DEMO)/ciopt-out/trace.jsonl; again from the trace: $(BIN)/ciopt replay $(DEMO)/ciopt-out/trace.jsonl"
	@echo "The optimized commit is on branch ciopt/tokens-dedupe in $(DEMO)/textkit."

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests examples/make_example_repo.py examples/power dagger/src
	$(BIN)/ruff format --check src tests examples/make_example_repo.py examples/power dagger/src

typecheck: $(STAMP)
	$(BIN)/mypy

# CIOPT_REQUIRE_TOOLS: a test whose tools are missing fails instead of skipping.
pytest: $(STAMP) $(CLIENT_STAMP) $(TOOLS_STAMP)
	CIOPT_REQUIRE_TOOLS=1 CIOPT_TEST_CLIENT_PYTHON=$(CLIENT)/bin/python $(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache ciopt-out

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

# requirements/action.lock: what the GitHub Action installs (pip --require-hashes). From
# pyproject's runtime dependencies and requirements/action.in, by a pinned uv in its own venv.
LOCK_VENV := build/lock-venv
.PHONY: lock
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet uv==0.13.9
	$(LOCK_VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" --output-file requirements/action.lock \
		pyproject.toml requirements/action.in
