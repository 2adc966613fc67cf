"""Paths and settings, from environment variables with defaults under the project root.

Each variable is read in one function here (the quality checks' `SALES_QUALITY_*` in
`quality/settings.py`, with the same helpers); an unusable value raises `SettingError` naming
the variable, its value and why, one line each. `orchestration/settings.py` calls every reader
at start, with the checks of the paths, before any work.

Paths are resolved from the project root, never the current directory, so dbt, Dagster and the
tests all find the same warehouse wherever they are started from. An empty variable counts as
unset (a Makefile's `export X ?=` can leave one empty).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Who answers for the project's Dagster assets (ingestion, dbt models and seeds, serving): the
# UI's owner filter and the asset pages show it. A team, never a person's e-mail (no personal data).
ASSET_OWNERS = ("team:sales-analytics",)

DEFAULT_LANDING_DIR = PROJECT_ROOT / "data" / "landing"
DEFAULT_WAREHOUSE_PATH = PROJECT_ROOT / "data" / "warehouse.duckdb"
DEFAULT_SERVING_PATH = PROJECT_ROOT / "data" / "serving" / "warehouse.duckdb"
DEFAULT_DAGSTER_HOME = PROJECT_ROOT / "data" / "dagster_home"

CRON_ENV = "SALES_DAILY_CRON"
TIMEZONE_ENV = "SALES_SCHEDULE_TIMEZONE"
INTERVAL_ENV = "SALES_SENSOR_INTERVAL_SECONDS"
DEFAULT_CRON = "0 6 * * *"
DEFAULT_TIMEZONE = "UTC"
DEFAULT_INTERVAL_SECONDS = 15
MEMORY_LIMIT_ENV = "SALES_DUCKDB_MEMORY_LIMIT"
TEMP_DIR_ENV = "SALES_DUCKDB_TEMP_DIR"
# Leaves room for the Python around DuckDB (Dagster and GX in the build process, dbt in its
# own) within 2 GB resident per process; DuckDB spills the rest to the temp folder. The dbt
# profile repeats it as its default for hand runs (tests/orchestration/test_duckdb_memory.py).
DEFAULT_MEMORY_LIMIT = "1GB"

N = TypeVar("N", int, float)


class SettingError(ValueError):
    """Settings the project cannot use: one line per problem, `VARIABLE=value: why`."""

    def __init__(self, *problems: str) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(problems))


def invalid(variable: str, value: object, reason: str) -> SettingError:
    return SettingError(f"{variable}={value}: {reason}")


def gather(readers: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
    """Call every reader; one `SettingError` with the problems of all of them, not only the
    first, so a user fixes their settings in one go."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, read in readers.items():
        try:
            values[name] = read()
        except SettingError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SettingError(*problems)
    return values


def env_value(variable: str) -> str | None:
    """The variable's value, stripped; None when unset or empty."""
    value = os.environ.get(variable, "").strip()
    return value or None


def env_path(variable: str, default: Path) -> Path:
    value = env_value(variable)
    if value is None:
        return default
    path = Path(value).expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path)


def env_number(
    variable: str, default: N, parse: Callable[[str], N], low: N, high: N | None, meaning: str
) -> N:
    """A number within [low, high] (`high` None: no upper bound); `meaning` completes "not ..."
    in the error, e.g. "a number between 0 and 1"."""
    raw = env_value(variable)
    if raw is None:
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise invalid(variable, raw, f"not {meaning}") from None
    if not math.isfinite(value) or value < low or (high is not None and value > high):
        raise invalid(variable, raw, f"not {meaning}")
    return value


def warehouse_path() -> Path:
    """The DuckDB file (`SALES_WAREHOUSE_PATH`, default `data/warehouse.duckdb`)."""
    return env_path("SALES_WAREHOUSE_PATH", DEFAULT_WAREHOUSE_PATH)


def landing_dir() -> Path:
    """The landing folder of the extracts (`SALES_LANDING_DIR`, default `data/landing`)."""
    return env_path("SALES_LANDING_DIR", DEFAULT_LANDING_DIR)


def reject_threshold() -> float:
    """Share of rejected records above which a file is quarantined (`SALES_REJECT_THRESHOLD`, default 1%)."""
    return env_number("SALES_REJECT_THRESHOLD", 0.01, float, 0.0, 1.0, "a number between 0 and 1")


def serving_path() -> Path:
    """The DuckDB file BI tools read (`SALES_SERVING_PATH`, default `data/serving/warehouse.duckdb`):
    published from the warehouse after each good build, never written in place."""
    return env_path("SALES_SERVING_PATH", DEFAULT_SERVING_PATH)


def dagster_home() -> Path:
    """The Dagster instance's folder (`DAGSTER_HOME`, default `data/dagster_home`), absolute."""
    return env_path("DAGSTER_HOME", DEFAULT_DAGSTER_HOME)


def warehouse_environment(root: Path, landing: Path) -> dict[str, str]:
    """The variables that put a whole pipeline under `root` (warehouse, serving file, quality
    results, Dagster instance) reading `landing`: for benchmarks and tests that run the CLI on
    a scratch warehouse, leaving data/ alone."""
    return {
        "SALES_LANDING_DIR": str(landing),
        "SALES_WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
        "SALES_SERVING_PATH": str(root / "serving" / "warehouse.duckdb"),
        "SALES_QUALITY_DIR": str(root / "quality"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }


def daily_cron() -> str:
    """When the daily schedule runs (`SALES_DAILY_CRON`, default 06:00)."""
    cron = env_value(CRON_ENV) or DEFAULT_CRON
    # The schedule's own validation (Dagster is pinned in pyproject.toml), imported here only: the
    # other readers must not pay for importing Dagster.
    from dagster._utils.schedules import is_valid_cron_schedule

    if not is_valid_cron_schedule(cron):
        raise invalid(CRON_ENV, cron, f"not a 5-field cron expression (e.g. {DEFAULT_CRON!r})")
    return cron


def schedule_timezone() -> str:
    """The daily schedule's time zone (`SALES_SCHEDULE_TIMEZONE`, default UTC)."""
    from zoneinfo import ZoneInfo

    timezone = env_value(TIMEZONE_ENV) or DEFAULT_TIMEZONE
    try:
        ZoneInfo(timezone)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        raise invalid(TIMEZONE_ENV, timezone, "not an IANA time zone (e.g. 'Europe/Paris')") from None
    return timezone


def sensor_interval_seconds() -> int:
    """Seconds between two evaluations of the landing sensor (`SALES_SENSOR_INTERVAL_SECONDS`)."""
    return env_number(
        INTERVAL_ENV, DEFAULT_INTERVAL_SECONDS, int, 1, None, "a whole number of seconds, 1 or more"
    )


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit for every connection that builds the warehouse
    (`SALES_DUCKDB_MEMORY_LIMIT`, default 1GB): DuckDB's own syntax, e.g. `1.5GB`, `800MiB`,
    `50%` of the machine's memory, checked by DuckDB's parser."""
    limit = env_value(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT
    import duckdb

    try:
        with duckdb.connect() as con:
            con.execute("set memory_limit = ?", [limit])
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0].removeprefix("Parser Error: ")
        raise invalid(MEMORY_LIMIT_ENV, limit, f"not a DuckDB memory size (e.g. '1GB'): {reason}") from None
    return limit


def duckdb_temp_dir() -> Path:
    """Where DuckDB spills what exceeds the memory limit (`SALES_DUCKDB_TEMP_DIR`, default
    `<warehouse file>.tmp` beside it, DuckDB's own default, so a DuckDB shell on the file spills
    there too)."""
    warehouse = warehouse_path()
    return env_path(TEMP_DIR_ENV, warehouse.with_name(warehouse.name + ".tmp"))
