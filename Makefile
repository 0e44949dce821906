# migrate — developer entry points. `make demo` and `make test` set up
# everything they need themselves.

PYTHON ?= python3
VENV ?= .venv
CONFORMANCE_VENV ?= .venv-conformance
BIN := $(VENV)/bin

.PHONY: dev demo demo-record docs test lint typecheck unit conformance bench bench-scan clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(CONFORMANCE_VENV)/.installed: tests/conformance/requirements.txt scripts/conformance-venv scripts/find-python312
	scripts/conformance-venv $(CONFORMANCE_VENV)

dev: $(BIN)/.installed

# The demo converts every workload of fixtures/manifests/demo for the newest
# chart, then converts the seed's release once more with its values and proves
# the result with Helm (--verify, the [helm] extra).
demo: $(BIN)/.installed
	rm -rf out
	$(BIN)/migrate convert -R -f fixtures/manifests/demo --output-dir out
	$(BIN)/pip install --quiet -e '.[helm]'
	$(BIN)/migrate convert -f fixtures/manifests/demo/seed-example.yaml --output-dir out/verified \
		--chart fixtures/charts/llama-stack-modular --values fixtures/values/seed.yaml --verify

# A recorded terminal session of the demo's commands and their output, as text
# (docs/demo-session.txt); a test fails when it is not current.
demo-record: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[helm]'
	$(BIN)/python scripts/record-demo

# Generated documentation; tests fail when it drifts from the code.
docs: $(BIN)/.installed
	$(BIN)/migrate mapping -o markdown > docs/mapping.md
	$(BIN)/python -m migrate.plan.findings > docs/findings.md

# Benchmarks (not tests): ratios against baselines measured in the same run;
# rewrites docs/performance.md. Takes about ten minutes. `make bench-scan`
# prints the scan's figures alone (one context, then 8 contexts at 50 ms
# latency); `python -m benchmarks.scan --contexts 8 --latency-ms 50` the fleet's.
$(BIN)/.bench: $(BIN)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(BIN)/.bench
	$(BIN)/python -m benchmarks.run --write docs/performance.md

bench-scan: $(BIN)/.bench
	$(BIN)/python -m benchmarks.run --only scan

lint: $(BIN)/.installed
	$(BIN)/ruff check migrate tests benchmarks
	$(BIN)/ruff format --check migrate tests benchmarks
	$(BIN)/lint-imports

typecheck: $(BIN)/.installed
	$(BIN)/mypy

test: $(BIN)/.installed $(CONFORMANCE_VENV)/.installed
	$(BIN)/ruff check migrate tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	# The tests start hundreds of `migrate` processes: compiled once here, as pip compiles an
	# installed program, not by each of them (PYTHONDONTWRITEBYTECODE may be set).
	$(BIN)/python -m compileall -q migrate
	MIGRATE_CONFORMANCE_VENV=$(abspath $(CONFORMANCE_VENV)) $(BIN)/python -m pytest -n auto --dist loadfile

clean:
	rm -rf $(VENV) $(CONFORMANCE_VENV) out migrated .pytest_cache .mypy_cache .hypothesis
