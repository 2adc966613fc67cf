"""Reading a Parquet extract: every column cast to VARCHAR, then the same typing as CSV.

Parquet has no parse errors at record level; values that do not fit the contract's types are
rejected by the typing step, with the 1-based row number as the line. An empty string is NULL,
as in CSV. Timestamps with a time zone turn into text in the session time zone (UTC while
loading), which the typing step reads back exactly.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.ingestion.staging import (
    STAGE_TABLE,
    StagedFile,
    UnreadableFileError,
    duckdb_readable_path,
    staged_name,
)
from orchestration.sql_quoting import quote_ident


def read_parquet_columns(
    con: duckdb.DuckDBPyConnection, path: Path
) -> tuple[list[str], list[str], list[str]]:
    """Column names of a Parquet file in file order: as written (for header matching), and as
    DuckDB names them (it renames a second `id` beside `Id` to `id_1`), and their DuckDB types.
    Raises UnreadableFileError if the file is not Parquet."""
    try:
        written = pq.read_schema(path).names
        with duckdb_readable_path(path, ".parquet") as literal:
            rows = con.execute(
                f"describe select * from read_parquet({literal}, hive_partitioning = false)"
            ).fetchall()
    except (duckdb.Error, pa.ArrowException) as exc:
        raise UnreadableFileError(f"not a readable Parquet file: {exc}") from exc
    in_duckdb = [row[0] for row in rows]
    if len(written) != len(in_duckdb):
        raise UnreadableFileError(f"Parquet columns {written} do not match what DuckDB reads: {in_duckdb}")
    return written, in_duckdb, [row[1] for row in rows]


def stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, duckdb_columns: list[str]) -> StagedFile:
    """Read a Parquet file into the staging table as VARCHAR columns `c0..` plus `_line`."""
    casts = ", ".join(
        f"nullif(cast({quote_ident(name)} as varchar), '') as {staged_name(i)}"
        for i, name in enumerate(duckdb_columns)
    )
    with duckdb_readable_path(path, ".parquet") as literal:
        con.execute(
            f"create or replace temp table {STAGE_TABLE} as select {casts}, file_row_number + 1 as _line "
            f"from read_parquet({literal}, file_row_number = true, hive_partitioning = false)"
        )
    rows = con.execute(f"select count(*) from {STAGE_TABLE}").fetchall()[0][0]
    source = f"select s.*, s.rowid as _rec from {STAGE_TABLE} s"
    return StagedFile(source, [staged_name(i) for i in range(len(duckdb_columns))], rows, 0)
