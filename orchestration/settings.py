"""Every setting checked at start, before any work: one line per problem, naming the variable.

`check_settings(purpose)` calls every reader of the settings (`config`, and `quality/settings.py`
for `SALES_QUALITY_*`: each variable is parsed there and only there) and checks the paths:

- `SALES_WAREHOUSE_PATH`, `SALES_SERVING_PATH`: their folder exists or can be created, and a
  file can be written in it (a temporary file is created and removed; the DuckDB file is not);
  the path itself, when it exists, is a file; the two are not the same file;
- `DAGSTER_HOME`, `SALES_QUALITY_DIR`, `SALES_DUCKDB_TEMP_DIR`: the folder exists or can be
  created, and is writable;
- `SALES_LANDING_DIR`: an existing, readable folder holding at least one data file, except:
  `run` on the default path generates demo data into it when it has none; `daily` on a folder
  without data files only warns, unless the warehouse has never loaded anything (nothing to
  build); `ui` and the definitions' load only warn (the landing sensor waits for files).

The CLI prints the lines (`configuration error: ...`, `configuration warning: ...`) to stderr
and exits 2 on an error; the Dagster definitions refuse to load with the same lines
(`ConfigurationError`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from orchestration import config
from orchestration.config import SettingError

ERROR_PREFIX = "configuration error: "
WARNING_PREFIX = "configuration warning: "


class Purpose(StrEnum):
    """What the settings are checked for: what the landing folder must hold depends on it."""

    RUN = "run"  # python -m orchestration.cli run (demo data on the default landing path)
    DAILY = "daily"  # python -m orchestration.cli daily
    UI = "ui"  # python -m orchestration.cli ui (dagster dev)
    DEFINITIONS = "definitions"  # the code location's load (dagster dev, the daemon, tests)


@dataclass
class SettingsCheck:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        return [ERROR_PREFIX + e for e in self.errors] + [WARNING_PREFIX + w for w in self.warnings]


class ConfigurationError(ValueError):
    """Settings the code location cannot run with: the message holds one line per problem."""

    def __init__(self, check: SettingsCheck) -> None:
        self.check = check
        super().__init__("\n".join(ERROR_PREFIX + e for e in check.errors))


def _readers() -> dict[str, Callable[[], Any]]:
    """Every setting's reader (imported here: quality.settings imports this package's config)."""
    from orchestration.quality.settings import quality_settings

    return {
        "landing": config.landing_dir,
        "warehouse": config.warehouse_path,
        "serving": config.serving_path,
        "dagster_home": config.dagster_home,
        "reject_threshold": config.reject_threshold,
        "cron": config.daily_cron,
        "timezone": config.schedule_timezone,
        "sensor_interval": config.sensor_interval_seconds,
        "memory_limit": config.duckdb_memory_limit,
        "temp_dir": config.duckdb_temp_dir,
        "quality": quality_settings,
    }


def _shown(variable: str, path: Path) -> str:
    """`VARIABLE=<path>`, marked when it is the default (the variable is unset)."""
    return f"{variable}={path}" + ("" if config.env_value(variable) else " (default)")


def folder_problem(folder: Path) -> str | None:
    """Why files cannot be written in `folder` (created when missing), or None. Creates nothing
    but a temporary file in the nearest existing folder: permission bits are not enough (root
    passes `os.access` on a read-only or kernel file system)."""
    existing = folder
    while not existing.is_dir():
        if existing.exists() or existing.is_symlink():  # a file (or a dangling link) in the way
            where = "" if existing == folder else f" at {existing}"
            return f"cannot create folder {folder} (a file is in the way{where})"
        if existing.parent == existing:
            return f"cannot create folder {folder}"
        existing = existing.parent
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if existing == folder:
            return f"folder {folder} is not writable ({reason})"
        return f"cannot create folder {folder}: {existing} is not writable ({reason})"
    return None


def _database_file_problem(path: Path) -> str | None:
    """Why the DuckDB file at `path` cannot be written (its folder, or the path itself)."""
    if path.is_dir():
        return "a folder, not a DuckDB file"
    problem = folder_problem(path.parent)
    if problem is None and path.exists() and not os.access(path, os.R_OK | os.W_OK):
        problem = "the file is not writable"
    return problem


def has_data_file(landing: Path) -> bool:
    """Whether the landing folder holds a file the loader reads (stops at the first one)."""
    from orchestration.ingestion.discovery import is_data_file

    for _, folders, files in os.walk(landing):
        folders[:] = [name for name in folders if not name.startswith(".")]  # hidden: ignored
        if any(is_data_file(name) for name in files):
            return True
    return False


def warehouse_has_loaded(warehouse: Path) -> bool | None:
    """Whether `raw.load_manifest` lists any file; None when it cannot be told (the file is
    locked by a writer or unreadable: the run will say)."""
    if not warehouse.is_file():
        return False
    import duckdb

    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            found = con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'raw' and table_name = 'load_manifest'"
            ).fetchone()
            if not found or not found[0]:
                return False
            return con.execute("select count(*) from raw.load_manifest").fetchone()[0] > 0
    except duckdb.Error:
        return None


def _check_landing(landing: Path, warehouse: Path | None, purpose: Purpose, check: SettingsCheck) -> None:
    shown = _shown("SALES_LANDING_DIR", landing)
    on_demo_path = landing.resolve() == config.DEFAULT_LANDING_DIR.resolve()
    if not landing.exists():
        if purpose is Purpose.RUN and on_demo_path:
            return  # `run` generates demo data there
        if purpose is Purpose.DEFINITIONS or (purpose is Purpose.UI and on_demo_path):
            check.warnings.append(f"{shown}: folder does not exist (yet): nothing to load until files land")
        else:
            check.errors.append(f"{shown}: folder does not exist")
        return
    if not landing.is_dir():
        check.errors.append(f"{shown}: not a folder")
        return
    try:
        os.listdir(landing)
    except OSError as exc:
        check.errors.append(f"{shown}: folder is not readable ({exc.strerror or type(exc).__name__})")
        return
    if has_data_file(landing) or purpose is Purpose.DEFINITIONS:
        return
    from orchestration.ingestion.contract import ACCEPTED_SUFFIXES

    empty = f"{shown}: no data files ({', '.join(ACCEPTED_SUFFIXES)}) in the folder"
    if purpose is Purpose.RUN:
        if not on_demo_path:
            check.errors.append(
                f"{empty}: nothing to load (demo data is generated only into the default folder)"
            )
    elif purpose is Purpose.UI:
        check.warnings.append(f"{empty}: the landing sensor starts a run when files land")
    elif warehouse is not None and warehouse_has_loaded(warehouse) is False:
        check.errors.append(
            f"{empty}, and the warehouse {warehouse} has never loaded any (raw.load_manifest is "
            "empty or absent): nothing to build"
        )
    else:
        check.warnings.append(
            f"{empty}: nothing new to load; the marts are rebuilt from what the warehouse holds"
        )


def check_settings(purpose: Purpose) -> SettingsCheck:
    """Every problem of the current environment's settings for `purpose`, one line each."""
    check = SettingsCheck()
    values: dict[str, Any] = {}
    for name, read in _readers().items():
        try:
            values[name] = read()
        except SettingError as exc:
            check.errors.extend(exc.problems)

    warehouse, serving = values.get("warehouse"), values.get("serving")
    warehouse_problem = _database_file_problem(warehouse) if warehouse is not None else None
    if warehouse_problem:
        check.errors.append(f"{_shown('SALES_WAREHOUSE_PATH', warehouse)}: {warehouse_problem}")
    serving_problem = _database_file_problem(serving) if serving is not None else None
    if serving_problem:
        check.errors.append(f"{_shown('SALES_SERVING_PATH', serving)}: {serving_problem}")
    elif serving is not None and serving == warehouse:
        check.errors.append(
            f"{_shown('SALES_SERVING_PATH', serving)}: the same file as SALES_WAREHOUSE_PATH "
            "(BI reads a published copy, never the file a run writes)"
        )
    folders = {"DAGSTER_HOME": values.get("dagster_home")}
    # The default temp folder sits beside the warehouse: a problem there is the warehouse's line.
    if config.env_value(config.TEMP_DIR_ENV) or not warehouse_problem:
        folders[config.TEMP_DIR_ENV] = values.get("temp_dir")
    if "quality" in values:
        folders["SALES_QUALITY_DIR"] = values["quality"].quality_dir
    for variable, folder in folders.items():
        problem = folder_problem(folder) if folder is not None else None
        if problem:
            check.errors.append(f"{_shown(variable, folder)}: {problem}")
    if "landing" in values:
        # Whether the warehouse ever loaded anything is asked only of a usable warehouse path.
        usable = warehouse if warehouse is not None and not warehouse_problem else None
        _check_landing(values["landing"], usable, purpose, check)
    return check


def require_valid_settings(purpose: Purpose) -> SettingsCheck:
    """`check_settings`, raising `ConfigurationError` on an error (warnings are returned)."""
    check = check_settings(purpose)
    if not check.ok:
        raise ConfigurationError(check)
    return check
