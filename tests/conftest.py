"""Shared test set-up.

- The dbt manifest must exist before the Dagster definitions are imported.
- `demo_warehouse`: the full-refresh job run once per session on demo data in a temporary
  folder; the end-to-end tests of every layer read it.
- Published serving files go to a temporary SALES_SERVING_PATH.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from orchestration.transformation.project import dbt_project

# Every job a test runs publishes its marts (the serving step): to a folder of this session, set
# before any test module builds the definitions, never to the project's data/serving.
_SERVING_DIR = tempfile.mkdtemp(prefix="sales-serving-")
atexit.register(shutil.rmtree, _SERVING_DIR, ignore_errors=True)
os.environ["SALES_SERVING_PATH"] = str(Path(_SERVING_DIR) / "warehouse.duckdb")


def pytest_sessionstart(session) -> None:
    if not dbt_project().manifest_path.exists():
        from orchestration.cli import prepare_manifest

        prepare_manifest()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item) -> None:
    """Each test (and the fixtures it sets up) starts with no current Dagster state storage.

    A Dagster instance makes its storage the process's current one until it is disposed; one
    that a helper creates and never disposes stays current, and once it is collected every
    later definitions load in the process fails ("Attempted to resolve undefined DagsterInstance
    weakref"). Which test that hits depends on the order tests run in and on garbage collection.
    """
    from dagster._core.storage.defs_state.base import _current_storage  # no public reset

    _current_storage.set(None)


@dataclass
class DemoWarehouse:
    landing: Path
    database: Path
    result: dg.ExecuteInProcessResult
    report: object  # orchestration.demo.generator.GenerationReport
    serving: Path  # the serving file this build published (other tests publish elsewhere)


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> DemoWarehouse:
    from orchestration.demo.generator import generate_landing

    root = tmp_path_factory.mktemp("demo_warehouse")
    landing, database = root / "landing", root / "warehouse.duckdb"
    serving = root / "serving" / "warehouse.duckdb"
    report = generate_landing(landing, seed=42, progress=False)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SALES_LANDING_DIR", str(landing))
        env.setenv("SALES_WAREHOUSE_PATH", str(database))
        env.setenv("SALES_QUALITY_DIR", str(root / "quality"))
        env.setenv("SALES_SERVING_PATH", str(serving))
        from orchestration.definitions import build_definitions

        result = build_definitions().resolve_job_def("full_refresh").execute_in_process(raise_on_error=False)
    return DemoWarehouse(landing, database, result, report, serving)
