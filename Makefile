# The project's interface: `make run` (the main job on demo data), `make test` (every test),
# `make ui` (the Dagster UI), `make daily` (the daily job, for cron or CI) and `make dashboard`
# (the KPI dashboard on the published serving file).
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

.PHONY: benchmark quality-bench install install-spark test-spark lock manifest run daily ui dashboard browser test soak lint lint-sql hooks format dbt-build demo-data docs clean

# Every package comes from requirements.lock (all pinned, with hashes; `make lock` writes it from
# pyproject.toml), then the project itself without dependencies. Reinstalls when either file
# changes; `pip check` fails when the lock lacks something pyproject.toml asks for.
PIP_VERSION := 26.3
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check || { echo "requirements.lock is out of step with pyproject.toml: run make lock" >&2; exit 1; }
	touch $@

# Rewrites requirements.lock from pyproject.toml (Python 3.11, every platform), keeping the
# versions it already pins where they still fit: run it after changing a dependency in
# pyproject.toml, then `make test` and commit both files. `make lock LOCK_ARGS=--upgrade` takes
# the newest releases that fit (LOCK_ARGS='--upgrade-package NAME' for one). Needs PyPI. It fails
# if anything would pull torch (gigabytes, never needed here).
LOCK_ARGS ?=
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/pip install --quiet "$$(grep -o 'uv==[0-9.]*' pyproject.toml)"
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --universal --generate-hashes \
		--custom-compile-command 'make lock' --quiet $(LOCK_ARGS) -o requirements.lock
	! grep -iqE '^torch(vision|audio)?==' requirements.lock || { echo "requirements.lock pulls torch" >&2; exit 1; }
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra spark --python-version 3.11 --universal --generate-hashes \
		--custom-compile-command 'make lock' --quiet --constraint requirements.lock $(LOCK_ARGS) -o requirements-spark.lock

# dbt's manifest must exist before Dagster loads the definitions (never produced at import).
# The CLI's own parse, so the builds reuse it (same --target).
manifest: install
	$(BIN)/python -c 'from orchestration.cli import prepare_manifest; prepare_manifest()'

run: install
	$(BIN)/python -m orchestration.cli run

# The daily job from the shell (cron, CI): new landing files in, everything downstream rebuilt.
# Exits 1 with the failing step and reason on stderr when the run fails. Queues on the DuckDB
# writer pool with runs of the UI, the schedule and the sensor (same DAGSTER_HOME).
daily: install
	$(BIN)/python -m orchestration.cli daily

# The Dagster UI and daemon (schedule, sensors, run queue) on http://127.0.0.1:$(UI_PORT): `dg dev`
# on the dg project of pyproject.toml ([tool.dg]), code location `sales_warehouse`.
UI_PORT ?= 3000
ui: install
	$(BIN)/python -m orchestration.cli ui --host 127.0.0.1 --port $(UI_PORT)

# The KPI dashboard (Streamlit) on http://127.0.0.1:$(DASHBOARD_PORT), reading only the serving
# file `make run` publishes (SALES_SERVING_PATH, default data/serving/warehouse.duckdb); it shows
# each new build without a restart. Headless, no usage statistics: orchestration/dashboard/launch.py.
DASHBOARD_PORT ?= 8501
dashboard: install
	$(BIN)/python -m orchestration.dashboard --host 127.0.0.1 --port $(DASHBOARD_PORT)

# Debian's Chromium for the dashboard's browser test, installed when missing (needs root or sudo).
browser:
	.ci/install-chromium

# The soak test (tests/serving/test_soak.py) runs SOAK_BUILDS builds while BI readers query the
# serving file: 3 here (~2.5 min), the full 10 with `make soak` (~8 min on 2 cores).
SOAK_BUILDS ?= 3
# Two pytest workers (pytest-xdist), one test file per worker at a time, so a file's fixtures are
# built once; the session's demo warehouse is built once per worker. TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
test: manifest lint-sql browser
	$(BIN)/ruff check orchestration tests benchmarks
	SALES_SOAK_BUILDS=$(SOAK_BUILDS) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

soak: manifest
	SALES_SOAK_BUILDS=10 $(BIN)/python -m pytest -s tests/serving/test_soak.py

lint: install lint-sql
	$(BIN)/ruff check orchestration tests benchmarks
	$(BIN)/ruff format --check orchestration tests benchmarks

# The SQL lint (sqlfluff, rules in .sqlfluff). Its dbt templater compiles every model, so it
# opens a warehouse: a throwaway DuckDB file and dbt target folder in a temp dir, never the real
# warehouse (whose lock a run may hold) nor target/. SQL_PATHS narrows it to some files (the
# pre-commit hook passes the staged ones); macros/ is left out in .sqlfluffignore. Parsing and
# rules run on every core (SQLFLUFF_PROCESSES=0); dbt templates in one process.
SQL_PATHS ?= models tests/dbt
SQLFLUFF_PROCESSES ?= 0
lint-sql: install
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	SALES_WAREHOUSE_PATH="$$tmp/lint.duckdb" DBT_TARGET_PATH="$$tmp/target" \
	$(BIN)/sqlfluff lint --processes $(SQLFLUFF_PROCESSES) $(SQL_PATHS)

# Runs ruff and sqlfluff on the staged files before each commit (.pre-commit-config.yaml).
hooks: install
	$(BIN)/pre-commit install

format: install
	$(BIN)/ruff format orchestration tests benchmarks

# Rebuild the dbt models on the current warehouse (after `make run` has loaded raw).
dbt-build: install
	$(DBT) build $(DBT_DIRS) $(DBT_ARGS)

demo-data: install
	$(BIN)/python -m orchestration.demo --out $(SALES_LANDING_DIR)

# The generated tables of docs/landing-contract.md and docs/kpi-reference.md, rewritten from
# orchestration/ingestion/contract.py, the seeds and the kpi_* marts' YAML (tests/docs checks them).
docs: install
	$(BIN)/python -m orchestration.docs

clean:
	rm -rf data target

# The benchmark (README, Performance): a full build and a daily run with their baselines, measured
# in one run; figures to data/benchmarks/<time>.json and latest.json. The mid scale:
# make benchmark BENCH_SIZE=20000000 BENCH_ARGS='--landing /tmp/scale20m/landing'
BENCH_SIZE ?= demo
BENCH_ARGS ?=
benchmark: manifest
	$(BIN)/python -m benchmarks --size $(BENCH_SIZE) $(BENCH_ARGS)

# The same models on a local Spark session (docs/engines.md): dbt-spark and PySpark (~450 MB) from
# requirements-spark.lock (`make lock` writes it beside requirements.lock), kept out of `make install`.
install-spark: $(VENV)/.installed-spark

$(VENV)/.installed-spark: $(VENV)/.installed requirements-spark.lock
	$(BIN)/pip install --quiet -r requirements-spark.lock
	$(BIN)/pip check
	touch $@

# The pipeline with dbt on a local Spark session, full and daily, every kpi_* mart against DuckDB's
# (tests/engines/test_spark_pipeline.py).
# Separate from `make test`: Spark's start-up and its build on 2 cores take minutes.
test-spark: manifest install-spark
	SALES_TEST_SPARK=1 $(BIN)/python -m pytest -q tests/engines/test_spark_pipeline.py

# Validation time as a share of the full build, measured in one run (demo size).
quality-bench: manifest
	$(BIN)/python -m benchmarks.quality --size demo
