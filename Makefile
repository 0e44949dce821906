# migrate — developer entry points. `make demo` and `make test` set up
# everything they need themselves.

PYTHON ?= python3
VENV ?= .venv
CONFORMANCE_VENV ?= .venv-conformance
BIN := $(VENV)/bin

.PHONY: dev demo test lint typecheck unit conformance clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(CONFORMANCE_VENV)/.installed: tests/conformance/requirements.txt scripts/conformance-venv scripts/find-python312
	scripts/conformance-venv $(CONFORMANCE_VENV)

dev: $(BIN)/.installed

demo: $(BIN)/.installed
	rm -rf out
	$(BIN)/migrate convert -R -f fixtures/manifests/demo --output-dir out

lint: $(BIN)/.installed
	$(BIN)/ruff check migrate tests
	$(BIN)/ruff format --check migrate tests

typecheck: $(BIN)/.installed
	$(BIN)/mypy

test: $(BIN)/.installed $(CONFORMANCE_VENV)/.installed
	$(BIN)/ruff check migrate tests
	$(BIN)/mypy
	MIGRATE_CONFORMANCE_VENV=$(abspath $(CONFORMANCE_VENV)) $(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(CONFORMANCE_VENV) out migrated .pytest_cache .mypy_cache .hypothesis
