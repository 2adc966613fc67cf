"""The dbt project, built once. Its manifest comes from `dbt parse` before definitions load
(`make manifest`, the CLI, the tests' conftest): dbt never runs at import time."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from functools import cache, cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt import asset_utils as _dagster_dbt_asset_utils
from packaging.version import Version

from orchestration import config
from orchestration.engines.targets import dbt_target, dbt_target_path

# When a run selects more than this many dbt resources by name (a subset of the models with only
# some of their tests), dagster-dbt copies the whole project directory, which is the repository
# root here (.venv, target/, data/: over a gigabyte), to a temporary folder for a selector file.
# The full selection of this project is ~360 names (~30 KB of arguments), far below the
# command-line limit (2 MB on Linux), so pass it on the command line instead.
_dagster_dbt_asset_utils._SELECTION_ARGS_THRESHOLD = 5_000


@cache
def dbt_project() -> DbtProject:
    # The engine (SALES_DBT_TARGET, docs/engines.md) and its own target folder: target/ for DuckDB.
    return DbtProject(
        project_dir=config.PROJECT_ROOT,
        profiles_dir=config.PROJECT_ROOT / "profiles",
        target=dbt_target(),
        target_path=dbt_target_path(),
    )


class WarehouseDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two costs paid before every dbt invocation (~10 s of each
    dbt step here, so of every run and of the sensor's file-to-KPI latency):

    - `dbt --version` in a subprocess (~4 s, and a query to PyPI for the latest release): the
      executable is this environment's dbt, so the installed dbt-core package says its version;
    - a dbt adapter built in the Dagster process (~6 s: dbt imports, every macro parsed). It
      serves only `fetch_row_counts()` / `fetch_column_metadata()`, which this project does not
      call; without it the events stream as usual.

    Both override private members of dagster-dbt (pinned in pyproject.toml), like the selection
    threshold above; tests/orchestration/test_dbt_assets.py fails if an upgrade renames them.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


def dbt_resource() -> DbtCliResource:
    # The profile reads the warehouse path from the environment; dbt runs as a subprocess that
    # inherits it, so pin it here to the same absolute path the ingestion assets use.
    os.environ["SALES_WAREHOUSE_PATH"] = str(config.warehouse_path())
    # Likewise DuckDB's memory limit and spill folder (the profile's `settings:`).
    os.environ[config.MEMORY_LIMIT_ENV] = config.duckdb_memory_limit()
    os.environ[config.TEMP_DIR_ENV] = str(config.duckdb_temp_dir())
    # The dbt of this interpreter's environment, so it works without the venv on PATH.
    dbt_executable = Path(sys.executable).with_name("dbt")
    return WarehouseDbtCliResource(
        project_dir=dbt_project(), dbt_executable=str(dbt_executable), target=dbt_project().target
    )
