# Tandem: `make demo` starts a demo on SQLite, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export TANDEM_DATA_DIR ?= $(CURDIR)/var
# Test processes: the suite runs in parallel, one process per core by default.
PYTEST_WORKERS ?= auto

.PHONY: demo install test lint typecheck pytest chromium axe bench loadbench bench-replica bench-growth backtest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	TANDEM_DEBUG=1 $(BIN)/tandem migrate --noinput
	TANDEM_DEBUG=1 $(BIN)/tandem demo
	TANDEM_DEBUG=1 $(BIN)/tandem serve --host $(HOST) --port $(PORT) --with-worker

chromium:
	@scripts/ensure-chromium

# axe-core for the accessibility tests, from the npm registry, checked and kept in $(VENV).
axe: install
	@$(BIN)/python scripts/ensure-axe $(VENV)

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy src tests

pytest: install chromium axe
	$(BIN)/pytest -n $(PYTEST_WORKERS)

test: lint typecheck pytest

# Timings on a generated 10,000-person company (docs/benchmarks.md); SCALE=0.1 for a quick run.
SCALE ?= 1.0
LOAD_VENV ?= .venv-load
# Locust in a virtualenv of its own: the load generator never shares Tandem's.
$(LOAD_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/python -m pip install --quiet 'locust>=2.40,<3'
	touch $@

bench: install $(LOAD_VENV)/.installed
	$(BIN)/python -m tandem.bench.harness.run --scale $(SCALE)
	TANDEM_DEBUG=1 $(BIN)/tandem forecast_backtest

# Only the API under load (tandem/bench/harness/loadtest.py): Locust against `tandem serve`.
loadbench: install $(LOAD_VENV)/.installed
	$(BIN)/python -m tandem.bench.harness.run --scale $(SCALE) --only api_load

# The same pages read from a streaming PostgreSQL replica beside the primary alone
# (docs/operations.md, "Measured"); starts and stops both servers (needs root or
# TANDEM_CI_PG_USER, as scripts/ci-distributed).
bench-replica: install
	scripts/ci-distributed --bench --scale $(SCALE)

# Cost growth (tandem/bench/harness/growth.py): tree, scorecard, team page and ingestion
# at SCALE and 2 x SCALE.
GROWTH_SCALE ?= 0.5
bench-growth: install
	$(BIN)/python -m tandem.bench.harness.growth --scale $(GROWTH_SCALE)

# How good the key-result and KPI forecasts are (docs/insights.md): their tables, under a minute;
# it fails when a forecast misses its targets.
backtest: install
	TANDEM_DEBUG=1 $(BIN)/tandem forecast_backtest --calibrate

clean:
	rm -rf $(VENV) $(LOAD_VENV) var .mypy_cache .pytest_cache .ruff_cache
