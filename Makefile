# The project's interface: `make run` (the main job on demo data), `make test` (every test),
# `make ui` (the Dagster UI) and `make daily` (the daily job, for cron or CI).
# Each creates the virtual environment and installs what is missing first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin

# Absolute paths, so dbt, Dagster and the tests agree wherever they are started from.
export SALES_WAREHOUSE_PATH ?= $(CURDIR)/data/warehouse.duckdb
export SALES_LANDING_DIR ?= $(CURDIR)/data/landing
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

DBT := $(BIN)/dbt --no-use-colors
DBT_DIRS := --project-dir $(CURDIR) --profiles-dir $(CURDIR)/profiles

.PHONY: quality-bench install manifest run daily ui test lint format dbt-build demo-data clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# dbt's manifest must exist before Dagster loads the definitions (never produced at import).
manifest: install
	$(DBT) parse --quiet $(DBT_DIRS)

run: install
	$(BIN)/python -m orchestration.cli run

# The daily job from the shell (cron, CI): new landing files in, everything downstream rebuilt.
# Exits 1 with the failing step and reason on stderr when the run fails. Queues on the DuckDB
# writer pool with runs of the UI, the schedule and the sensor (same DAGSTER_HOME).
daily: install
	$(BIN)/python -m orchestration.cli daily

# The Dagster UI and daemon (schedule, sensors, run queue) on http://127.0.0.1:$(UI_PORT).
UI_PORT ?= 3000
ui: install
	$(BIN)/python -m orchestration.cli ui --host 127.0.0.1 --port $(UI_PORT)

test: manifest
	$(BIN)/ruff check orchestration tests
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests

format: install
	$(BIN)/ruff format orchestration tests

# Rebuild the dbt models on the current warehouse (after `make run` has loaded raw).
dbt-build: install
	$(DBT) build $(DBT_DIRS) $(DBT_ARGS)

demo-data: install
	$(BIN)/python -m orchestration.demo --out $(SALES_LANDING_DIR)

clean:
	rm -rf data target

# Validation time as a share of the full build, measured in one run (demo size).
quality-bench: manifest
	$(BIN)/python -m orchestration.quality.benchmark --size demo
