# 安境 Anjing — the two set-up commands: `make run` (demo site) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CONFIG ?= config/examples/demo-site.yaml

.PHONY: run test lint check-config bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Anjing needs Python 3.11 or newer / 需要 Python 3.11+")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

## run: install and start the demo site (simulated devices, dashboard/API on http://127.0.0.1:8000)
run: $(VENV)/.installed
	$(BIN)/anjing run --config $(CONFIG)

check-config: $(VENV)/.installed
	$(BIN)/anjing check-config $(CONFIG)

## test: system packages the tests need (as root, through apt), lint, type check, the whole suite
test: $(VENV)/.installed-dev
	scripts/install-test-deps.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/store_bench.py
	$(BIN)/python bench/modbus_bench.py
	$(BIN)/python bench/influx_bench.py
	$(BIN)/python bench/mqtt_bench.py
	$(BIN)/python bench/metrics_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
