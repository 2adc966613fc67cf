"""Brings the marts BI reads (kpi_*, dim_*, bridge_*) back from the engine dbt built them on into
the DuckDB warehouse's `marts` schema, so the publish step serves them as it serves DuckDB's.

These marts are small (aggregates and dimensions, not the facts), so a whole copy per run costs
little; all of them are replaced in one DuckDB transaction, so the warehouse never holds the
marts of two builds at once.

- postgres: each table's rows as CSV through `COPY ... TO STDOUT` (psycopg2), typed by the
  table's own column types, with its table and column comments (dbt's persist_docs);
- spark: DuckDB reads the tables' Parquet files where Spark's catalog keeps them
  (`<SALES_SPARK_DIR>/warehouse/marts.db/<table>/`); a partitioned table keeps its partition
  column in folder names and last, so the columns are put back in the model's order.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.engines.targets import POSTGRES, SPARK, PostgresSettings, dbt_target_path
from orchestration.serving.publish import PUBLISHED_PREFIXES
from orchestration.sql_quoting import quote_ident, quote_literal

MARTS_SCHEMA = "marts"

# PostgreSQL's column types (information_schema spelling) and DuckDB's; numeric(p,s) below.
_DUCKDB_TYPES = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "smallint": "SMALLINT",
    "double precision": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
}


@dataclass
class FetchedMarts:
    source: str
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows
    seconds: float = 0.0

    def summary(self) -> str:
        rows = sum(self.tables.values())
        return (
            f"{len(self.tables)} marts ({rows:,} rows) brought from {self.source} into the DuckDB "
            f"warehouse for publishing in {self.seconds:.1f} s"
        )


def duckdb_type(table: str, column: str, data_type: str, precision: int | None, scale: int | None) -> str:
    if data_type == "numeric":
        if precision is None:
            raise ValueError(f"{MARTS_SCHEMA}.{table}.{column}: numeric without precision on PostgreSQL")
        return f"DECIMAL({precision}, {scale or 0})"
    if data_type not in _DUCKDB_TYPES:
        raise ValueError(
            f"{MARTS_SCHEMA}.{table}.{column}: PostgreSQL type {data_type} has no DuckDB mapping"
        )
    return _DUCKDB_TYPES[data_type]


def _replace_marts(warehouse: Path, tables: dict[str, str], comments: list[str] = ()) -> dict[str, int]:
    """In one transaction, each `marts.<table>` of the DuckDB warehouse replaced by the rows of
    a `select` (its value in `tables`), then `comments` run; returns the row counts."""
    counts = {}
    with duckdb.connect(str(warehouse)) as con:
        con.execute("begin")
        con.execute(f"create schema if not exists {MARTS_SCHEMA}")
        for table, select in tables.items():
            con.execute(f"create or replace table {MARTS_SCHEMA}.{quote_ident(table)} as {select}")
            counts[table] = con.execute(
                f"select count(*) from {MARTS_SCHEMA}.{quote_ident(table)}"
            ).fetchone()[0]
        for statement in comments:
            con.execute(statement)
        con.execute("commit")
    return counts


def fetch_from_postgres(server: PostgresSettings, warehouse: Path) -> FetchedMarts:
    started = time.perf_counter()
    fetched = FetchedMarts(source=f"PostgreSQL {server.host}:{server.port}/{server.dbname}")
    connection = server.connect()
    try:
        with tempfile.TemporaryDirectory(prefix="sales-marts-") as scratch, connection.cursor() as cursor:
            cursor.execute(
                "select table_name, obj_description(format('%%I.%%I', table_schema, table_name)::regclass) "
                "from information_schema.tables where table_schema = %s order by table_name",
                [MARTS_SCHEMA],
            )
            marts = [
                (name, comment) for name, comment in cursor.fetchall() if name.startswith(PUBLISHED_PREFIXES)
            ]
            selects, comments = {}, []
            for table, comment in marts:
                relation = f"{MARTS_SCHEMA}.{quote_ident(table)}"
                cursor.execute(
                    "select column_name, data_type, numeric_precision, numeric_scale, col_description("
                    "format('%%I.%%I', table_schema, table_name)::regclass, ordinal_position) "
                    "from information_schema.columns where table_schema = %s and table_name = %s "
                    "order by ordinal_position",
                    [MARTS_SCHEMA, table],
                )
                columns = cursor.fetchall()
                csv_file = Path(scratch) / f"{table}.csv"
                with open(csv_file, "w", encoding="utf-8") as out:
                    cursor.copy_expert(f"copy {relation} to stdout with (format csv)", out)
                types = ", ".join(
                    f"{quote_literal(name)}: {quote_literal(duckdb_type(table, name, *kind))}"
                    for name, *kind, _ in columns
                )
                # PostgreSQL writes NULL unquoted-empty and '' as "": DuckDB reads them back apart
                # only with allow_quoted_nulls off; booleans come as t/f, which DuckDB reads.
                selects[table] = (
                    f"select * from read_csv({quote_literal(str(csv_file))}, header = false, "
                    f"columns = {{{types}}}, allow_quoted_nulls = false, auto_detect = false, "
                    "quote = '\"', escape = '\"', delim = ',')"
                )
                if comment:
                    comments.append(f"comment on table {relation} is {quote_literal(comment)}")
                comments += [
                    f"comment on column {relation}.{quote_ident(name)} is {quote_literal(text)}"
                    for name, *_, text in columns
                    if text
                ]
            fetched.tables = _replace_marts(warehouse, selects, comments)
    finally:
        connection.close()
    fetched.seconds = time.perf_counter() - started
    return fetched


def _model_columns(target: str) -> dict[str, list[str]]:
    """Each model's columns in the order its YAML (and contract) gives, from the target's manifest."""
    manifest = json.loads((dbt_target_path(target) / "manifest.json").read_text())
    return {
        node["name"]: list(node.get("columns", {}))
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


def fetch_from_spark(spark_warehouse: Path, warehouse: Path) -> FetchedMarts:
    started = time.perf_counter()
    fetched = FetchedMarts(source=f"Spark (tables under {spark_warehouse})")
    order = _model_columns(SPARK)
    selects = {}
    for folder in sorted((spark_warehouse / f"{MARTS_SCHEMA}.db").iterdir()):
        table = folder.name
        if not (folder.is_dir() and table.startswith(PUBLISHED_PREFIXES)):
            continue
        files = f"read_parquet({quote_literal(str(folder / '**' / '*.parquet'))}, hive_partitioning = true)"
        columns = ", ".join(quote_ident(c) for c in order.get(table, [])) or "*"
        selects[table] = f"select {columns} from {files}"
    fetched.tables = _replace_marts(warehouse, selects)
    fetched.seconds = time.perf_counter() - started
    return fetched


def fetch_marts(target: str, warehouse: Path) -> FetchedMarts:
    """The published marts of `target` (postgres or spark, from the environment's settings)
    copied into the DuckDB `warehouse`."""
    if target == POSTGRES:
        return fetch_from_postgres(PostgresSettings.from_environment(), warehouse)
    if target == SPARK:
        from orchestration.engines.handoff import spark_dir

        return fetch_from_spark(spark_dir() / "warehouse", warehouse)
    raise ValueError(f"nothing to fetch from {target}: DuckDB builds the marts in the warehouse itself")
