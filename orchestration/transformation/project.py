"""The dbt project, built once. Its manifest comes from `dbt parse` before definitions load
(`make manifest`): dbt never runs at import time."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration import config


@cache
def dbt_project() -> DbtProject:
    return DbtProject(
        project_dir=config.PROJECT_ROOT,
        profiles_dir=config.PROJECT_ROOT / "profiles",
        target_path=config.PROJECT_ROOT / "target",
    )


def dbt_resource() -> DbtCliResource:
    # The profile reads the warehouse path from the environment; dbt runs as a subprocess that
    # inherits it, so pin it here to the same absolute path the ingestion assets use.
    os.environ["SALES_WAREHOUSE_PATH"] = str(config.warehouse_path())
    # The dbt of this interpreter's environment, so it works without the venv on PATH.
    dbt_executable = Path(sys.executable).with_name("dbt")
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=str(dbt_executable))
