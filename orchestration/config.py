"""Paths and settings, from environment variables with defaults under the project root.

Resolved from the project root, never the current directory, so dbt, Dagster and the tests
all find the same warehouse wherever they are started from.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _path_from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    if not value:
        return default
    path = Path(value).expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path)


def warehouse_path() -> Path:
    """The DuckDB file (`SALES_WAREHOUSE_PATH`, default `data/warehouse.duckdb`)."""
    return _path_from_env("SALES_WAREHOUSE_PATH", PROJECT_ROOT / "data" / "warehouse.duckdb")


def landing_dir() -> Path:
    """The landing folder of the extracts (`SALES_LANDING_DIR`, default `data/landing`)."""
    return _path_from_env("SALES_LANDING_DIR", PROJECT_ROOT / "data" / "landing")


def reject_threshold() -> float:
    """Share of rejected records above which a file is quarantined (`SALES_REJECT_THRESHOLD`, default 1%)."""
    return float(os.environ.get("SALES_REJECT_THRESHOLD", "0.01"))


def serving_path() -> Path:
    """The DuckDB file BI tools read (`SALES_SERVING_PATH`, default `data/serving/warehouse.duckdb`):
    published from the warehouse after each good build, never written in place."""
    return _path_from_env("SALES_SERVING_PATH", PROJECT_ROOT / "data" / "serving" / "warehouse.duckdb")
