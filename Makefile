# make demo: set up and run ciopt on the bundled example, offline.  make test: every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := build/demo
STAMP := $(VENV)/.installed
# The example project's own environment, as a client would have it: pytest and pytest-benchmark.
CLIENT := build/client-venv
CLIENT_STAMP := $(CLIENT)/.installed

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
	$(BIN)/ruff check src tests examples/make_example_repo.py examples/power
	$(BIN)/ruff format --check src tests examples/make_example_repo.py examples/power

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(CLIENT_STAMP)
	CIOPT_TEST_CLIENT_PYTHON=$(CLIENT)/bin/python $(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache ciopt-out
