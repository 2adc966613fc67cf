"""Which engine dbt builds on: `SALES_DBT_TARGET` names an output of profiles/profiles.yml."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from orchestration import config
from orchestration.config import env_value, invalid

TARGET_ENV = "SALES_DBT_TARGET"
DUCKDB, POSTGRES, SPARK = "duckdb", "postgres", "spark"
TARGETS = (DUCKDB, POSTGRES, SPARK)


def dbt_target() -> str:
    """The dbt target (`SALES_DBT_TARGET`, default duckdb); the profile reads the same variable."""
    target = env_value(TARGET_ENV) or DUCKDB
    if target not in TARGETS:
        raise invalid(TARGET_ENV, target, f"not one of {', '.join(TARGETS)}")
    return target


@dataclass(frozen=True)
class PostgresSettings:
    """Where the postgres target connects: SALES_PG_* first, else libpq's PG* variables, with the
    same defaults as profiles/profiles.yml."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_environment(cls) -> PostgresSettings:
        def read(name: str, standard: str, default: str) -> str:
            return os.environ.get(f"SALES_PG_{name}") or os.environ.get(standard) or default

        port = read("PORT", "PGPORT", "5432")
        if not port.isdigit():
            raise invalid("SALES_PG_PORT", port, "not a port number")
        return cls(
            host=read("HOST", "PGHOST", "localhost"),
            port=int(port),
            user=read("USER", "PGUSER", "postgres"),
            password=read("PASSWORD", "PGPASSWORD", ""),
            dbname=read("DBNAME", "PGDATABASE", "sales_warehouse"),
        )

    def environment(self) -> dict[str, str]:
        """The variables that point the profile's postgres target (and this class) here."""
        return {
            "SALES_PG_HOST": self.host,
            "SALES_PG_PORT": str(self.port),
            "SALES_PG_USER": self.user,
            "SALES_PG_PASSWORD": self.password,
            "SALES_PG_DBNAME": self.dbname,
        }

    def sqlalchemy_url(self) -> str:
        """The server as a SQLAlchemy URL (psycopg2), user and password quoted."""
        from urllib.parse import quote

        login = quote(self.user, safe="") + (f":{quote(self.password, safe='')}" if self.password else "")
        return f"postgresql+psycopg2://{login}@{self.host}:{self.port}/{quote(self.dbname, safe='')}"

    def connect(self, dbname: str | None = None):  # -> psycopg2 connection
        import psycopg2

        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname or self.dbname,
            connect_timeout=10,
        )


def dbt_target_path(target: str | None = None) -> Path:
    """dbt's target folder for `target` (default: SALES_DBT_TARGET's): target/ for DuckDB, whose
    manifest the Dagster definitions load, target/engines/<target> for the others, so building on
    another engine never replaces DuckDB's manifest and compiled SQL."""
    target = target or dbt_target()
    root = config.PROJECT_ROOT / "target"
    return root if target == DUCKDB else root / "engines" / target
