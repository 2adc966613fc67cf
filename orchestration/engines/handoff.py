"""Hands the raw tables of the DuckDB load over to the engine dbt builds on (docs/engines.md).

The ingestion assets load the landing files into DuckDB's `raw` schema (types checked, rejects
and manifest recorded); the models then read `raw` on whatever engine `SALES_DBT_TARGET` names.
DuckDB 2.0 cannot reach PostgreSQL or Spark itself (no postgres extension for 2.0, none can be
downloaded), so it writes files and the target loads them:

- postgres: each table as CSV (DuckDB's writer: NULL unquoted-empty, '' quoted, doubles in
  shortest round-trip form, all of which PostgreSQL's CSV COPY reads back exactly), then
  `COPY raw.<table> FROM STDIN` through psycopg2, all tables in one transaction;
- spark: each table as Parquet under `SALES_SPARK_DIR/raw/<table>/`, then registered in Spark's
  catalog as `raw.<table>` by the dbt macro `register_raw_parquet` (run by dbt's own Spark
  session, so the catalog is the one the models see).

    python -m orchestration.engines.handoff --target postgres
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration import config
from orchestration.engines.dbt_command import run_dbt
from orchestration.engines.targets import POSTGRES, SPARK, PostgresSettings

RAW_SCHEMA = "raw"
SPARK_DIR_ENV = "SALES_SPARK_DIR"
DEFAULT_SPARK_DIR = Path("/tmp/sales-spark")  # the profile's default too (profiles/profiles.yml)

# DuckDB's column types of the raw tables and their PostgreSQL names. The raw tables are created
# here, not by dbt, so these are plain PostgreSQL types; DECIMAL(p,s) is handled below.
_POSTGRES_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: list[tuple[str, str]]  # (column, DuckDB type)
    row_count: int


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[RawTable]:
    """Every table of DuckDB's raw schema with its columns in order and its row count."""
    names = [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by table_name",
            [RAW_SCHEMA],
        ).fetchall()
    ]
    if not names:
        raise ValueError(
            f"no tables in schema {RAW_SCHEMA} of the DuckDB warehouse: load the landing files first"
        )
    tables = []
    for name in names:
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [RAW_SCHEMA, name],
        ).fetchall()
        count = con.execute(f'select count(*) from {RAW_SCHEMA}."{name}"').fetchone()[0]
        tables.append(RawTable(name, [(c, t) for c, t in columns], count))
    return tables


def postgres_type(table: str, column: str, duckdb_type: str) -> str:
    decimal = _DECIMAL.fullmatch(duckdb_type)
    if decimal:
        return f"numeric({decimal[1]}, {decimal[2]})"
    if duckdb_type not in _POSTGRES_TYPES:
        raise ValueError(
            f"{RAW_SCHEMA}.{table}.{column}: DuckDB type {duckdb_type} has no PostgreSQL mapping"
        )
    return _POSTGRES_TYPES[duckdb_type]


def postgres_create_table(table: RawTable) -> str:
    columns = ",\n    ".join(
        f'"{name}" {postgres_type(table.name, name, kind)}' for name, kind in table.columns
    )
    return f'create table {RAW_SCHEMA}."{table.name}" (\n    {columns}\n)'


def handoff_to_postgres(warehouse: Path, server: PostgresSettings) -> list[RawTable]:
    """Replaces PostgreSQL's raw schema with DuckDB's raw tables, in one transaction (a failed
    hand-off leaves the previous raw tables as they were). Returns the tables copied."""
    with tempfile.TemporaryDirectory(prefix="sales-handoff-") as scratch:
        with duckdb.connect(str(warehouse), read_only=True) as source:
            tables = raw_tables(source)
            for table in tables:
                source.execute(
                    f"copy {RAW_SCHEMA}.\"{table.name}\" to '{Path(scratch) / table.name}.csv' (header false)"
                )
        target = server.connect()
        try:
            with target, target.cursor() as cursor:  # commits at the end, rolls back on error
                cursor.execute(f"create schema if not exists {RAW_SCHEMA}")
                for table in tables:
                    cursor.execute(f'drop table if exists {RAW_SCHEMA}."{table.name}" cascade')
                    cursor.execute(postgres_create_table(table))
                    with open(Path(scratch) / f"{table.name}.csv", encoding="utf-8") as rows:
                        cursor.copy_expert(
                            f'copy {RAW_SCHEMA}."{table.name}" from stdin with (format csv)', rows
                        )
                    cursor.execute(f'select count(*) from {RAW_SCHEMA}."{table.name}"')
                    copied = cursor.fetchone()[0]
                    if copied != table.row_count:
                        counts = f"{copied} rows in PostgreSQL, {table.row_count} in DuckDB"
                        raise RuntimeError(f"{RAW_SCHEMA}.{table.name}: {counts}")
        finally:
            target.close()
    return tables


def spark_dir() -> Path:
    """Where Spark's catalog, tables and the raw Parquet files live (`SALES_SPARK_DIR`)."""
    return config.env_path(SPARK_DIR_ENV, DEFAULT_SPARK_DIR)


def handoff_to_spark(warehouse: Path, parquet_root: Path) -> list[RawTable]:
    """Writes DuckDB's raw tables as Parquet under `parquet_root/<table>/` and registers them in
    Spark's catalog through dbt (the profile's spark target). Returns the tables written."""
    with duckdb.connect(str(warehouse), read_only=True) as source:
        tables = raw_tables(source)
        for table in tables:
            folder = parquet_root / table.name
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob("*.parquet"):
                old.unlink()
            source.execute(
                f"copy {RAW_SCHEMA}.\"{table.name}\" to '{folder / 'data.parquet'}' (format parquet)"
            )
    run_dbt(
        "run-operation",
        "register_raw_parquet",
        "--args",
        json.dumps({"tables": {table.name: str(parquet_root / table.name) for table in tables}}),
        target=SPARK,
    )
    return tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.engines.handoff",
        description="Copy the raw tables of the DuckDB warehouse to the engine dbt builds on.",
    )
    parser.add_argument("--target", choices=[POSTGRES, SPARK], required=True)
    parser.add_argument(
        "--warehouse", type=Path, default=None, help="the DuckDB file (default: SALES_WAREHOUSE_PATH)"
    )
    options = parser.parse_args(argv)
    warehouse = options.warehouse or config.warehouse_path()
    if not warehouse.exists():
        print(
            f"handoff: the DuckDB warehouse {warehouse} does not exist: run the load first", file=sys.stderr
        )
        return 2
    started = time.perf_counter()
    if options.target == POSTGRES:
        server = PostgresSettings.from_environment()
        tables = handoff_to_postgres(warehouse, server)
        where = f"PostgreSQL {server.host}:{server.port}/{server.dbname}"
    else:
        tables = handoff_to_spark(warehouse, spark_dir() / "raw")
        where = f"Spark (catalog and files under {spark_dir()})"
    for table in tables:
        print(f"  {RAW_SCHEMA}.{table.name:<45} {table.row_count:>12,} rows")
    print(f"{len(tables)} raw tables handed over to {where} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
