"""Hands the raw tables of the DuckDB load over to the engine dbt builds on (docs/engines.md).

The ingestion assets load the landing files into DuckDB's `raw` schema (types checked, rejects
and manifest recorded); the models then read `raw` on whatever engine `SALES_DBT_TARGET` names.
DuckDB 2.0 cannot reach PostgreSQL or Spark itself (no postgres extension for 2.0, none can be
downloaded), so it writes files and the target loads them:

- postgres: CSV (DuckDB's writer: NULL unquoted-empty, '' quoted, doubles in shortest
  round-trip form, all of which PostgreSQL's CSV COPY reads back exactly), then
  `COPY raw.<table> FROM STDIN` through psycopg2, every table in one transaction;
- spark: Parquet under `SALES_SPARK_DIR/raw/<table>/`, registered in Spark's catalog as
  `raw.<table>` by the dbt macro `register_raw_parquet` (run by dbt's own Spark session, so the
  catalog is the one the models see).

Only what is new goes over. Raw tables are append-only, each row stamped with the load batch
that wrote it (`_loaded_at`), so a table with that column is handed over by batch: the batches
the target already holds (with their row counts) are recorded there, the new ones are copied,
and any the DuckDB file no longer has (a rebuilt warehouse) are removed. A table whose columns
changed, or one without batches (the load manifest, the rejects), is replaced whole. A daily run
so hands over a day's rows, not the history again.

    python -m orchestration.engines.handoff --target postgres
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration import config
from orchestration.engines.dbt_command import run_dbt
from orchestration.engines.targets import POSTGRES, SPARK, PostgresSettings

RAW_SCHEMA = "raw"
BATCH_COLUMN = "_loaded_at"  # the load batch of a raw row (orchestration/ingestion)
SPARK_DIR_ENV = "SALES_SPARK_DIR"
DEFAULT_SPARK_DIR = Path("/tmp/sales-spark")  # the profile's default too (profiles/profiles.yml)
# On PostgreSQL: which batches of which table it holds, updated in the hand-off's transaction.
POSTGRES_BATCHES = "_handoff_batches"
# In each Spark table folder: its columns, and which batches each Parquet file holds. Spark
# skips files whose names start with `_` or `.` (this one, and a file being written).
SPARK_STATE = "_handoff.json"

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
    batches: dict[datetime, int] | None  # rows per load batch; None for a table without batches


@dataclass
class TableHandoff:
    """What one table's hand-off did: `replaced` whole, or `batches` new ones copied and
    `removed` ones deleted (a table already current copies nothing)."""

    table: RawTable
    replaced: bool = False
    batches: int = 0
    rows: int = 0
    removed: int = 0


@dataclass
class HandoffReport:
    target: str
    tables: list[TableHandoff] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_copied(self) -> int:
        return sum(t.rows for t in self.tables)

    def summary(self) -> str:
        replaced = sum(t.replaced for t in self.tables)
        current = sum(not t.replaced and not t.rows and not t.removed for t in self.tables)
        return (
            f"{len(self.tables)} raw tables handed over to {self.target} in {self.seconds:.1f} s: "
            f"{self.rows_copied:,} rows copied ({replaced} tables replaced whole, "
            f"{len(self.tables) - replaced - current} added to, {current} already current)"
        )


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[RawTable]:
    """Every table of DuckDB's raw schema: columns in order, row count, rows per load batch."""
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
        relation = f'{RAW_SCHEMA}."{name}"'
        batches = None
        if any(column == BATCH_COLUMN for column, _ in columns):
            batches = dict(
                con.execute(f"select {BATCH_COLUMN}, count(*) from {relation} group by 1").fetchall()
            )
            count = sum(batches.values())
        else:
            count = con.execute(f"select count(*) from {relation}").fetchone()[0]
        tables.append(RawTable(name, [(c, t) for c, t in columns], count, batches))
    return tables


@dataclass(frozen=True)
class Plan:
    """For one table: copy it whole, or copy `new` batches and remove `gone` ones."""

    whole: bool
    new: tuple[datetime, ...] = ()
    gone: tuple[datetime, ...] = ()


def plan(table: RawTable, held: dict[datetime, int] | None) -> Plan:
    """What to hand over, given the batches the target holds (None: it holds nothing usable,
    i.e. no such table, other columns, or a table without batches)."""
    if table.batches is None or held is None:
        return Plan(whole=True)
    new = tuple(sorted(b for b, rows in table.batches.items() if held.get(b) != rows))
    gone = tuple(sorted(b for b, rows in held.items() if table.batches.get(b) != rows))
    return Plan(whole=False, new=new, gone=gone)


def _batch_filter(batches: Iterable[datetime]) -> str:
    stamps = ", ".join(f"timestamp '{b.isoformat(sep=' ')}'" for b in batches)
    return f"{BATCH_COLUMN} in ({stamps})"


def export_rows(
    con: duckdb.DuckDBPyConnection,
    table: RawTable,
    batches: tuple[datetime, ...] | None,
    path: Path,
    options: str,
) -> None:
    """DuckDB writes `table`'s rows (only those of `batches` unless None) to `path`."""
    where = "" if batches is None else f" where {_batch_filter(batches)}"
    con.execute(f"copy (select * from {RAW_SCHEMA}.\"{table.name}\"{where}) to '{path}' ({options})")


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


def _postgres_columns(cursor, table: str) -> list[tuple[str, str]]:
    """(column, type as postgres_type spells it) of a PostgreSQL raw table; empty when absent."""
    cursor.execute(
        "select column_name, case when data_type = 'numeric' "
        "then format('numeric(%%s, %%s)', numeric_precision, numeric_scale) "
        "when data_type = 'timestamp without time zone' then 'timestamp' "
        "when data_type = 'timestamp with time zone' then 'timestamptz' else data_type end "
        "from information_schema.columns where table_schema = %s and table_name = %s "
        "order by ordinal_position",
        [RAW_SCHEMA, table],
    )
    return [tuple(row) for row in cursor.fetchall()]


def _postgres_held(cursor, table: RawTable) -> dict[datetime, int] | None:
    """The batches PostgreSQL holds of `table`, if its columns are the DuckDB table's."""
    expected = [(name, postgres_type(table.name, name, kind)) for name, kind in table.columns]
    if table.batches is None or _postgres_columns(cursor, table.name) != expected:
        return None
    cursor.execute(
        f"select loaded_at, row_count from {RAW_SCHEMA}.{POSTGRES_BATCHES} where table_name = %s",
        [table.name],
    )
    # None when nothing is recorded: the table may hold rows of a hand-off that kept no record.
    return dict(cursor.fetchall()) or None


def _postgres_copy(cursor, table: RawTable, csv_file: Path) -> None:
    with open(csv_file, encoding="utf-8") as rows:
        cursor.copy_expert(f'copy {RAW_SCHEMA}."{table.name}" from stdin with (format csv)', rows)


def handoff_to_postgres(warehouse: Path, server: PostgresSettings) -> HandoffReport:
    """Brings PostgreSQL's raw schema up to DuckDB's, in one transaction (a failed hand-off leaves
    the previous raw tables as they were), copying only the batches it lacks (module doc)."""
    started = time.perf_counter()
    report = HandoffReport(target=f"PostgreSQL {server.host}:{server.port}/{server.dbname}")
    target = server.connect()
    try:
        with (
            target,  # commits at the end, rolls back on error
            target.cursor() as cursor,
            tempfile.TemporaryDirectory(prefix="sales-handoff-") as scratch,
            duckdb.connect(str(warehouse), read_only=True) as source,
        ):
            cursor.execute(f"create schema if not exists {RAW_SCHEMA}")
            cursor.execute(
                f"create table if not exists {RAW_SCHEMA}.{POSTGRES_BATCHES} "
                "(table_name text not null, loaded_at timestamp not null, row_count bigint not null, "
                "primary key (table_name, loaded_at))"
            )
            for table in raw_tables(source):
                step = plan(table, _postgres_held(cursor, table))
                done = TableHandoff(table, replaced=step.whole)
                csv_file = Path(scratch) / f"{table.name}.csv"
                relation = f'{RAW_SCHEMA}."{table.name}"'
                if step.whole:
                    cursor.execute(f"drop table if exists {relation} cascade")
                    cursor.execute(postgres_create_table(table))
                    cursor.execute(
                        f"delete from {RAW_SCHEMA}.{POSTGRES_BATCHES} where table_name = %s", [table.name]
                    )
                    export_rows(source, table, None, csv_file, "header false")
                    _postgres_copy(cursor, table, csv_file)
                    done.rows, done.batches = table.row_count, len(table.batches or {})
                    recorded = (table.batches or {}).items()
                else:
                    for batch in step.gone:
                        cursor.execute(f"delete from {relation} where {BATCH_COLUMN} = %s", [batch])
                        cursor.execute(
                            f"delete from {RAW_SCHEMA}.{POSTGRES_BATCHES} "
                            "where table_name = %s and loaded_at = %s",
                            [table.name, batch],
                        )
                    if step.new:
                        export_rows(source, table, step.new, csv_file, "header false")
                        _postgres_copy(cursor, table, csv_file)
                    done.removed, done.batches = len(step.gone), len(step.new)
                    done.rows = sum(table.batches[b] for b in step.new)
                    recorded = [(b, table.batches[b]) for b in step.new]
                if table.batches is not None:
                    cursor.executemany(
                        f"insert into {RAW_SCHEMA}.{POSTGRES_BATCHES} values (%s, %s, %s)",
                        [(table.name, batch, rows) for batch, rows in recorded],
                    )
                cursor.execute(f"select count(*) from {relation}")
                copied = cursor.fetchone()[0]
                if copied != table.row_count:
                    counts = f"{copied} rows in PostgreSQL, {table.row_count} in DuckDB"
                    raise RuntimeError(f"{RAW_SCHEMA}.{table.name}: {counts}")
                report.tables.append(done)
    finally:
        target.close()
    report.seconds = time.perf_counter() - started
    return report


def spark_dir() -> Path:
    """Where Spark's catalog, tables and the raw Parquet files live (`SALES_SPARK_DIR`)."""
    return config.env_path(SPARK_DIR_ENV, DEFAULT_SPARK_DIR)


def _spark_state(folder: Path, table: RawTable) -> dict:
    """The table folder's state ({"columns", "files": {parquet file: {batch: rows}}}), its files
    checked against the folder: empty when the columns changed or a recorded file is missing."""
    try:
        state = json.loads((folder / SPARK_STATE).read_text())
    except (OSError, ValueError):
        return {"files": {}}
    files = state.get("files", {})
    if state.get("columns") != [list(c) for c in table.columns] or any(
        not (folder / name).is_file() for name in files
    ):
        return {"files": {}}
    return state


def _spark_file_name(batches: Iterable[datetime] | None) -> str:
    key = "whole" if batches is None else ",".join(b.isoformat() for b in sorted(batches))
    return f"part-{hashlib.sha1(key.encode()).hexdigest()[:20]}.parquet"


def _write_atomically(path: Path, write) -> None:
    """`write(temporary path)`, then rename over `path`: a killed hand-off leaves no half file
    Spark would read (it skips names starting with '.')."""
    temporary = path.with_name(f".{path.name}.tmp")
    write(temporary)
    os.replace(temporary, path)


def _spark_table(source: duckdb.DuckDBPyConnection, table: RawTable, folder: Path) -> TableHandoff:
    """One table's folder brought up to DuckDB's table: new batches as one new Parquet file; the
    whole table rewritten when it has no batches, its columns changed or a batch went away."""
    folder.mkdir(parents=True, exist_ok=True)
    state = _spark_state(folder, table)
    held = {
        datetime.fromisoformat(b): rows for batches in state["files"].values() for b, rows in batches.items()
    }
    step = plan(table, held if state["files"] else None)  # no file yet: one with the schema at least
    if step.gone:
        step = Plan(whole=True)
    done = TableHandoff(table, replaced=step.whole)
    files = {} if step.whole else dict(state["files"])
    if step.whole or step.new:
        batches = None if step.whole else step.new
        name = _spark_file_name(batches)
        _write_atomically(
            folder / name, lambda path: export_rows(source, table, batches, path, "format parquet")
        )
        chosen = table.batches if batches is None else {b: table.batches[b] for b in batches}
        files[name] = {b.isoformat(): rows for b, rows in (chosen or {}).items()}
        done.rows = table.row_count if step.whole else sum(table.batches[b] for b in step.new)
        done.batches = len(chosen or {})
    state = {"columns": [list(c) for c in table.columns], "files": files}
    _write_atomically(folder / SPARK_STATE, lambda path: path.write_text(json.dumps(state, indent=1)))
    for leftover in folder.iterdir():  # files of a replaced table, or of a hand-off killed midway
        if leftover.name not in files and leftover.name != SPARK_STATE:
            leftover.unlink()
    return done


def handoff_to_spark(warehouse: Path, parquet_root: Path) -> HandoffReport:
    """Brings the Parquet folders under `parquet_root/<table>/` up to DuckDB's raw tables (module
    doc) and registers in Spark's catalog, through dbt (the profile's spark target), the tables
    it has not registered before."""
    started = time.perf_counter()
    report = HandoffReport(target=f"Spark (files under {parquet_root})")
    registered = parquet_root / "_registered.json"
    try:
        known = json.loads(registered.read_text())
    except (OSError, ValueError):
        known = {}
    with duckdb.connect(str(warehouse), read_only=True) as source:
        for table in raw_tables(source):
            report.tables.append(_spark_table(source, table, parquet_root / table.name))
    wanted = {t.table.name: str(parquet_root / t.table.name) for t in report.tables}
    if wanted != known:
        run_dbt(
            "run-operation", "register_raw_parquet", "--args", json.dumps({"tables": wanted}), target=SPARK
        )
        _write_atomically(registered, lambda path: path.write_text(json.dumps(wanted, indent=1)))
    report.seconds = time.perf_counter() - started
    return report


def hand_off(target: str, warehouse: Path) -> HandoffReport:
    """Hands the raw tables of `warehouse` over to `target` (postgres or spark), from the
    environment's settings (SALES_PG_*, SALES_SPARK_DIR)."""
    if target == POSTGRES:
        return handoff_to_postgres(warehouse, PostgresSettings.from_environment())
    if target == SPARK:
        return handoff_to_spark(warehouse, spark_dir() / "raw")
    raise ValueError(f"no hand-off to {target}: DuckDB builds on the warehouse itself")


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
    report = hand_off(options.target, warehouse)
    for done in report.tables:
        how = "replaced" if done.replaced else f"{done.batches} new batch(es)"
        rows = f"{done.table.row_count:>12,} rows ({done.rows:,} copied, {how})"
        print(f"  {RAW_SCHEMA}.{done.table.name:<45} {rows}")
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
