"""What the CSV and Parquet readers hand to the typing step, and their shared plumbing.

A reader stages a file as a temporary table of VARCHAR columns `c0, c1, ...` (one per file
column, in file order; positional names so no header can clash with SQL or DuckDB's `rowid`)
and describes it with a `StagedFile`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.sql_quoting import quote_literal

TEMP_PREFIX = "_ingest_"
STAGE_TABLE = f"{TEMP_PREFIX}stage"


class UnreadableFileError(Exception):
    """The file cannot be read as what its suffix claims (empty, truncated, not CSV/Parquet)."""


@dataclass
class StagedFile:
    """A file read into temporary tables, ready for typing.

    `source_sql` selects the good records: VARCHAR columns `c0..`, `_rec` (record order) and
    `_line` (physical start line for CSV, 1-based row number for Parquet).
    `parse_rejects_sql`, when set, selects `line, column_name, reason, raw_record` for the
    records the reader could not parse (one row per error; a record may have several).
    """

    source_sql: str
    staged_columns: list[str]  # c0.. in file order
    good_records: int
    rejected_records: int
    parse_rejects_sql: str | None = None

    @property
    def records_read(self) -> int:
        return self.good_records + self.rejected_records


def staged_name(index: int) -> str:
    return f"c{index}"


def drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every temporary table the readers and the typing step created on this connection."""
    rows = con.execute(
        "select table_name from duckdb_tables() where temporary and starts_with(table_name, ?)",
        [TEMP_PREFIX],
    ).fetchall()
    for (name,) in rows:
        con.execute(f'drop table if exists temp."{name}"')


_GLOB_CHARACTERS = set("*?[]{}")


@contextmanager
def duckdb_readable_path(path: Path, suffix: str) -> Iterator[str]:
    """A SQL string literal of `path` for DuckDB's readers.

    DuckDB treats `*`, `?` and `[...]` in a path as a glob (`export [1].csv` would read
    `export 1.csv`, `a*.csv` several files), so such a path is read through a symlink with a
    plain name in a temporary folder (a copy where symlinks are not allowed).
    """
    resolved = path.resolve()
    if not _GLOB_CHARACTERS.intersection(str(resolved)):
        yield quote_literal(str(resolved))
        return
    folder = tempfile.mkdtemp(prefix="ingest_")
    try:
        link = Path(folder) / f"file{suffix}"
        try:
            os.symlink(resolved, link)
        except OSError:
            shutil.copyfile(resolved, link)
        yield quote_literal(str(link))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
