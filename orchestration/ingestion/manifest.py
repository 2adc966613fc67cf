"""The `raw` schema: one append-only table per object, the load manifest and the rejects.

`raw.load_manifest` has one row per landed file the loader has dealt with (keyed by
`source_file` + `file_hash`), which is how a later run knows a file is not new.
`raw.load_rejects` has one row per rejected value or unparseable record, with its physical line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from orchestration.ingestion.contract import LINEAGE_COLUMNS, OBJECTS, ExtractObject
from orchestration.sql_quoting import quote_ident

RAW_SCHEMA = "raw"
MANIFEST_TABLE = f"{RAW_SCHEMA}.load_manifest"
REJECTS_TABLE = f"{RAW_SCHEMA}.load_rejects"

# Statuses recorded in the manifest.
LOADED = "loaded"
SKIPPED = "skipped"
REJECTED = "rejected"
QUARANTINED = "quarantined"
UNREADABLE = "unreadable"
MANIFEST_STATUSES = (LOADED, SKIPPED, REJECTED, QUARANTINED, UNREADABLE)

_MANIFEST_DDL = f"""
create table if not exists {MANIFEST_TABLE} (
    load_id varchar not null,         -- one per file processed
    object_name varchar,              -- ExtractObject.name; null for a file outside known object folders
    source_file varchar not null,     -- relative to the landing folder
    file_hash varchar not null,       -- sha256 of the file's bytes
    file_size bigint not null,
    file_landed_at timestamp not null,  -- modification time (UTC)
    records_read bigint not null,
    rows_loaded bigint not null,
    rows_rejected bigint not null,    -- records_read = rows_loaded + rows_rejected
    status varchar not null check (status in ({", ".join(f"'{s}'" for s in MANIFEST_STATUSES)})),
    reason varchar,
    loaded_at timestamp not null      -- when the loader committed the file (UTC)
)
"""

_REJECTS_DDL = f"""
create table if not exists {REJECTS_TABLE} (
    load_id varchar not null,
    object_name varchar not null,
    source_file varchar not null,
    file_hash varchar not null,
    line bigint,                      -- physical line the record starts on (header = 1); Parquet row number
    column_name varchar,              -- null when the whole record is unparseable
    reason varchar not null,
    raw_record varchar,               -- the record as read (CSV-rendered for typing rejects)
    rejected_at timestamp not null
)
"""


def raw_table_ref(obj: ExtractObject) -> str:
    return f"{RAW_SCHEMA}.{quote_ident(obj.raw_table)}"


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of `raw.<table>` in table order (empty when the table does not exist)."""
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [RAW_SCHEMA, table],
    ).fetchall()
    return [r[0] for r in rows]


def add_varchar_columns(con: duckdb.DuckDBPyConnection, obj: ExtractObject, names: list[str]) -> None:
    """Add non-contract columns (VARCHAR) a file brings for the first time. Never dropped."""
    for name in names:
        con.execute(f"alter table {raw_table_ref(obj)} add column {quote_ident(name)} varchar")


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `raw`, the manifest, the rejects and every object's raw table (idempotent).

    A raw table has every contract column (snake_case, typed per the contract) followed by the
    lineage columns; columns the contract gained since the table was created are added.
    """
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(_MANIFEST_DDL)
    con.execute(_REJECTS_DDL)
    for obj in OBJECTS:
        wanted = {c.name: c.type.duckdb_type for c in obj.columns} | LINEAGE_COLUMNS
        existing = set(table_columns(con, obj.raw_table))
        if not existing:
            columns = ",\n    ".join(f"{quote_ident(n)} {t}" for n, t in wanted.items())
            con.execute(f"create table if not exists {raw_table_ref(obj)} (\n    {columns}\n)")
            continue
        for name, type_ in wanted.items():
            if name not in existing:
                con.execute(f"alter table {raw_table_ref(obj)} add column {quote_ident(name)} {type_}")


@dataclass(frozen=True)
class ManifestRow:
    load_id: str
    object_name: str | None
    source_file: str
    file_hash: str
    file_size: int
    file_landed_at: datetime
    records_read: int
    rows_loaded: int
    rows_rejected: int
    status: str
    reason: str | None
    loaded_at: datetime


def insert_manifest_row(con: duckdb.DuckDBPyConnection, row: ManifestRow) -> None:
    con.execute(
        f"insert into {MANIFEST_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            row.load_id,
            row.object_name,
            row.source_file,
            row.file_hash,
            row.file_size,
            row.file_landed_at,
            row.records_read,
            row.rows_loaded,
            row.rows_rejected,
            row.status,
            row.reason,
            row.loaded_at,
        ],
    )


@dataclass
class ManifestState:
    """What the manifest already knows, read once per run and kept up to date as files commit."""

    seen: set[tuple[str, str]]  # (source_file, file_hash) of every file dealt with
    stat_index: dict[tuple[str, int, datetime], str]  # (source_file, size, landed_at) -> hash
    loaded_hashes: dict[tuple[str | None, str], str]  # (object_name, hash) -> first source_file loaded

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> ManifestState:
        rows = con.execute(
            f"select object_name, source_file, file_hash, file_size, file_landed_at, status "
            f"from {MANIFEST_TABLE} order by loaded_at, source_file"
        ).fetchall()
        state = cls(seen=set(), stat_index={}, loaded_hashes={})
        for row in rows:
            state.remember(*row)
        return state

    def remember(
        self,
        object_name: str | None,
        source_file: str,
        file_hash: str,
        file_size: int,
        landed_at: datetime,
        status: str,
    ) -> None:
        self.seen.add((source_file, file_hash))
        self.stat_index[(source_file, file_size, landed_at)] = file_hash
        if status == LOADED:
            self.loaded_hashes.setdefault((object_name, file_hash), source_file)
