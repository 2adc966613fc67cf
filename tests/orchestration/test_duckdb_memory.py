"""DuckDB's memory limit and spill folder: read from SALES_DUCKDB_*, checked at start, applied to
the pipeline's connections and dbt's profile, and a query larger than the limit spills instead
of failing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration import config
from orchestration.resources import WarehouseResource
from orchestration.settings import Purpose, check_settings

# A sort of ~2M md5 strings needs well over 64 MB: it completes only by spilling.
_SPILLING_QUERY = (
    "select count(distinct h) from (select md5(i::varchar) as h from range(2000000) t(i) order by h)"
)


@pytest.fixture
def warehouse(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("SALES_WAREHOUSE_PATH", str(path))
    monkeypatch.delenv(config.MEMORY_LIMIT_ENV, raising=False)
    monkeypatch.delenv(config.TEMP_DIR_ENV, raising=False)
    return path


def _resource(path: Path) -> WarehouseResource:
    return WarehouseResource(database_path=str(path), landing_dir=str(path.parent), serving_path="unused")


def _setting(con: duckdb.DuckDBPyConnection, name: str) -> str:
    return con.execute("select current_setting(?)", [name]).fetchone()[0]


def test_defaults_are_a_limit_and_a_folder_beside_the_warehouse(warehouse):
    assert config.duckdb_memory_limit() == config.DEFAULT_MEMORY_LIMIT
    assert config.duckdb_temp_dir() == warehouse.parent / "warehouse.duckdb.tmp"


def test_relative_temp_dir_is_resolved_from_the_project_root(warehouse, monkeypatch):
    monkeypatch.setenv(config.TEMP_DIR_ENV, "spill/here")
    assert config.duckdb_temp_dir() == config.PROJECT_ROOT / "spill" / "here"


@pytest.mark.parametrize("value", ["lots", "12", "1.5 parsecs"])
def test_a_bad_memory_limit_names_the_variable_and_why(warehouse, monkeypatch, value):
    monkeypatch.setenv(config.MEMORY_LIMIT_ENV, value)
    with pytest.raises(config.SettingError) as raised:
        config.duckdb_memory_limit()
    message = str(raised.value)
    assert message.startswith(f"{config.MEMORY_LIMIT_ENV}={value}: not a DuckDB memory size"), message
    # ... and the start-up check reports it with the others, one line.
    errors = check_settings(Purpose.DEFINITIONS).errors
    assert [e for e in errors if e.startswith(f"{config.MEMORY_LIMIT_ENV}={value}:")], errors


def test_an_unwritable_temp_dir_is_a_start_up_error(warehouse, monkeypatch, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("in the way")
    monkeypatch.setenv(config.TEMP_DIR_ENV, str(blocker / "spill"))
    errors = check_settings(Purpose.DEFINITIONS).errors
    assert [e for e in errors if e.startswith(f"{config.TEMP_DIR_ENV}={blocker / 'spill'}:")], errors


def test_warehouse_connections_carry_the_limit_and_the_spill_folder(warehouse, monkeypatch, tmp_path):
    monkeypatch.setenv(config.MEMORY_LIMIT_ENV, "300MiB")
    monkeypatch.setenv(config.TEMP_DIR_ENV, str(tmp_path / "spill"))
    with _resource(warehouse).connect() as con:
        assert _setting(con, "memory_limit") == "300.0 MiB"
        assert _setting(con, "temp_directory") == str(tmp_path / "spill")


def test_a_query_above_the_limit_spills_instead_of_failing(warehouse, monkeypatch, tmp_path):
    monkeypatch.setenv(config.MEMORY_LIMIT_ENV, "64MB")
    monkeypatch.setenv(config.TEMP_DIR_ENV, str(tmp_path / "spill"))
    # Without a place to spill, the query runs out of memory under that limit ...
    with duckdb.connect(str(tmp_path / "no_spill.duckdb")) as plain:
        plain.execute("set threads = 1; set memory_limit = '64MB'; set temp_directory = ''")
        with pytest.raises(duckdb.OutOfMemoryException):
            plain.execute(_SPILLING_QUERY).fetchone()
    # ... and completes on a warehouse connection, which spills to SALES_DUCKDB_TEMP_DIR.
    with _resource(warehouse).connect() as con:
        con.execute("set threads = 1")
        assert con.execute(_SPILLING_QUERY).fetchone()[0] == 2_000_000


def test_a_second_connection_after_spilling_keeps_the_folder(warehouse, monkeypatch, tmp_path):
    """DuckDB refuses to set its temp folder again once it has spilled there, even to itself: a
    connection opened while another holds the same database must not try."""
    monkeypatch.setenv(config.MEMORY_LIMIT_ENV, "64MB")
    monkeypatch.setenv(config.TEMP_DIR_ENV, str(tmp_path / "spill"))
    resource = _resource(warehouse)
    with resource.connect() as first:
        first.execute("set threads = 1")
        first.execute(_SPILLING_QUERY).fetchone()
        with resource.connect() as second:  # the same database instance (DuckDB's cache)
            assert _setting(second, "temp_directory") == str(tmp_path / "spill")


def test_dbt_profile_reads_the_same_variables_with_the_same_default():
    profile = yaml.safe_load((config.PROJECT_ROOT / "profiles" / "profiles.yml").read_text())
    settings = profile["sales_warehouse"]["outputs"]["duckdb"]["settings"]
    assert settings["memory_limit"] == (
        f"{{{{ env_var('{config.MEMORY_LIMIT_ENV}', '{config.DEFAULT_MEMORY_LIMIT}') }}}}"
    )
    assert settings["preserve_insertion_order"] is False
    # The folder is given when the database opens, not with the settings dbt-duckdb sets again
    # on every cursor (which fails once DuckDB has spilled).
    assert "temp_directory" not in settings
    options = profile["sales_warehouse"]["outputs"]["duckdb"]["config_options"]
    assert options["temp_directory"].startswith(f"{{{{ env_var('{config.TEMP_DIR_ENV}', ")
    # One node at a time: two dbt threads would share the one memory limit (a daily build at
    # 60M activity rows ran out of it with two).
    assert profile["sales_warehouse"]["outputs"]["duckdb"]["threads"] == 1
