"""Compares the kpi_* marts built on another engine with DuckDB's, row for row.

Identical means: the same columns in the same order, the same number of rows, and after sorting
both sides the same values, where decimals and every other type must be equal exactly (so money
agrees to the cent) and doubles (minutes, days) to a relative 1e-9, since engines may sum
floating-point numbers in a different order.

    python -m orchestration.engines.compare --target postgres   # or spark
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from orchestration import config
from orchestration.engines.targets import POSTGRES, SPARK, PostgresSettings

MARTS_SCHEMA = "marts"
KPI_PREFIX = "kpi_"
DOUBLE_RELATIVE_TOLERANCE = 1e-9
MAX_DIFFERENCES_SHOWN = 5


@dataclass(frozen=True)
class MartRows:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def values_match(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float) and isinstance(actual, float):
        return math.isclose(expected, actual, rel_tol=DOUBLE_RELATIVE_TOLERANCE)
    return type(expected) is type(actual) and expected == actual


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # NULLs first; doubles rounded so that engines' last-digit noise cannot reorder rows.
    return tuple(
        (0, 0) if value is None else (1, round(value, 6) if isinstance(value, float) else value)
        for value in row
    )


def mart_differences(mart: str, expected: MartRows, actual: MartRows) -> list[str]:
    """What differs between DuckDB's rows (`expected`) and the other engine's, one line each
    (at most MAX_DIFFERENCES_SHOWN rows named); empty when the marts are identical."""
    if expected.columns != actual.columns:
        return [f"{mart}: columns differ: DuckDB {expected.columns}, other engine {actual.columns}"]
    if len(expected.rows) != len(actual.rows):
        return [f"{mart}: {len(expected.rows)} rows in DuckDB, {len(actual.rows)} on the other engine"]
    differences = []
    for number, (left, right) in enumerate(
        zip(sorted(expected.rows, key=_sort_key), sorted(actual.rows, key=_sort_key), strict=True)
    ):
        columns = [
            f"{name}: {a!r} vs {b!r}"
            for name, a, b in zip(expected.columns, left, right, strict=True)
            if not values_match(a, b)
        ]
        if columns:
            differences.append(f"{mart}: sorted row {number + 1} ({left[:2]!r}...): {'; '.join(columns)}")
    if len(differences) > MAX_DIFFERENCES_SHOWN:
        more = len(differences) - MAX_DIFFERENCES_SHOWN
        differences = differences[:MAX_DIFFERENCES_SHOWN] + [f"{mart}: and {more} more differing rows"]
    return differences


def kpi_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The kpi_* tables of DuckDB's marts schema."""
    return [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? and starts_with(table_name, ?) order by table_name",
            [MARTS_SCHEMA, KPI_PREFIX],
        ).fetchall()
    ]


def duckdb_rows(con: duckdb.DuckDBPyConnection, relation: str) -> MartRows:
    cursor = con.execute(f"select * from {relation}")
    return MartRows([d[0] for d in cursor.description], [tuple(r) for r in cursor.fetchall()])


def postgres_rows(con: Any, mart: str) -> MartRows:
    with con.cursor() as cursor:
        cursor.execute(f'select * from {MARTS_SCHEMA}."{mart}"')
        return MartRows([d[0] for d in cursor.description], [tuple(r) for r in cursor.fetchall()])


def spark_table_folder(spark_warehouse: Path, mart: str) -> Path:
    """Where Spark's catalog keeps a managed table's Parquet files: <warehouse>/<schema>.db/<table>."""
    return spark_warehouse / f"{MARTS_SCHEMA}.db" / mart


def spark_rows(
    con: duckdb.DuckDBPyConnection, spark_warehouse: Path, mart: str, columns: list[str]
) -> MartRows:
    """A Spark mart read from its Parquet files by DuckDB: no second Spark session (and no second
    JVM on the Derby metastore) just to read results. A partitioned mart (the incremental ones:
    `partition_by` in config()) keeps its partition column in `<column>=<value>/` folder names
    and last in Spark's table, so columns are read by name, in DuckDB's order."""
    folder = spark_table_folder(spark_warehouse, mart)
    if not folder.is_dir():
        return MartRows([], [])
    files = f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
    present = [row[0] for row in con.execute(f"describe select * from {files}").fetchall()]
    if sorted(present) != sorted(columns):
        return MartRows(present, [])
    selected = ", ".join(f'"{column}"' for column in columns)
    return duckdb_rows(con, f"(select {selected} from {files})")


def compare_marts(warehouse: Path, read_other: Any) -> dict[str, list[str]]:
    """Every kpi_* mart of the DuckDB `warehouse` against `read_other(mart, duckdb_columns) ->
    MartRows`: the differences of each mart (an empty list for an identical one)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts = kpi_marts(con)
        if not marts:
            raise ValueError(
                f"no {KPI_PREFIX}* tables in schema {MARTS_SCHEMA} of {warehouse}: build DuckDB first"
            )
        differences = {}
        for mart in marts:
            expected = duckdb_rows(con, f"{MARTS_SCHEMA}.{mart}")
            differences[mart] = mart_differences(mart, expected, read_other(mart, expected.columns))
        return differences


def compare_with_postgres(warehouse: Path, server: PostgresSettings) -> dict[str, list[str]]:
    target = server.connect()
    try:
        return compare_marts(warehouse, lambda mart, _columns: postgres_rows(target, mart))
    finally:
        target.close()


def compare_with_spark(warehouse: Path, spark_warehouse: Path) -> dict[str, list[str]]:
    with duckdb.connect() as reader:
        return compare_marts(
            warehouse, lambda mart, columns: spark_rows(reader, spark_warehouse, mart, columns)
        )


def main(argv: Sequence[str] | None = None) -> int:
    from orchestration.engines.handoff import spark_dir

    parser = argparse.ArgumentParser(
        prog="python -m orchestration.engines.compare",
        description="Compare the kpi_* marts built on another engine with the DuckDB warehouse's.",
    )
    parser.add_argument("--target", choices=[POSTGRES, SPARK], required=True)
    options = parser.parse_args(argv)
    warehouse = config.warehouse_path()
    if options.target == POSTGRES:
        results = compare_with_postgres(warehouse, PostgresSettings.from_environment())
    else:
        results = compare_with_spark(warehouse, spark_dir() / "warehouse")
    for mart, differences in results.items():
        print(f"  {mart:<32} {'identical' if not differences else 'DIFFERENT'}")
        for line in differences:
            print(f"    {line}")
    different = [mart for mart, differences in results.items() if differences]
    identical = len(results) - len(different)
    print(f"{identical} of {len(results)} kpi marts identical on {options.target} and on DuckDB")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
