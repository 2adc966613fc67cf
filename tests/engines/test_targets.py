"""Which engine and which server: SALES_DBT_TARGET and the PostgreSQL variables."""

from __future__ import annotations

import pytest

from orchestration import config
from orchestration.config import SettingError
from orchestration.engines.targets import PostgresSettings, dbt_target, dbt_target_path


def test_duckdb_by_default_and_its_manifest_stays_in_target(monkeypatch):
    monkeypatch.delenv("SALES_DBT_TARGET", raising=False)
    assert dbt_target() == "duckdb"
    assert dbt_target_path() == config.PROJECT_ROOT / "target"
    monkeypatch.setenv("SALES_DBT_TARGET", "postgres")
    assert dbt_target_path() == config.PROJECT_ROOT / "target" / "engines" / "postgres"


def test_an_unknown_target_names_the_variable_and_the_choices(monkeypatch):
    monkeypatch.setenv("SALES_DBT_TARGET", "snowflake")
    with pytest.raises(SettingError, match=r"SALES_DBT_TARGET=snowflake: not one of duckdb, postgres, spark"):
        dbt_target()


def test_sales_pg_variables_win_over_libpq_ones(monkeypatch):
    for name in ("HOST", "PORT", "USER", "PASSWORD", "DBNAME"):
        monkeypatch.delenv(f"SALES_PG_{name}", raising=False)
    monkeypatch.setenv("PGHOST", "libpq-host")
    monkeypatch.setenv("PGUSER", "libpq-user")
    monkeypatch.setenv("SALES_PG_USER", "sales")
    monkeypatch.setenv("SALES_PG_PORT", "6543")
    settings = PostgresSettings.from_environment()
    assert (settings.host, settings.port, settings.user) == ("libpq-host", 6543, "sales")
    assert settings.environment()["SALES_PG_HOST"] == "libpq-host"


def test_a_port_that_is_no_number_is_refused(monkeypatch):
    monkeypatch.setenv("SALES_PG_PORT", "54x2")
    with pytest.raises(SettingError, match=r"SALES_PG_PORT=54x2: not a port number"):
        PostgresSettings.from_environment()
