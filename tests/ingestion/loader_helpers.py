"""Helpers for the loader tests: a landing folder with controlled landing order, and small
hand-made extract records whose expected outcome each test works out by hand."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import duckdb

from orchestration.ingestion.contract import ACTIVITY_LOG, object_for_folder

OPPORTUNITY = object_for_folder("salesforce", "Opportunity")
assert OPPORTUNITY is not None
ACTIVITIES = ACTIVITY_LOG

# The required Opportunity columns by API name, plus Amount.
OPP_HEADER = "Id,AccountId,OwnerId,StageName,CloseDate,IsClosed,IsWon,CreatedDate,Amount"


def opp_row(
    record_id: str, amount: str = "100.00", close_date: str = "2026-03-31", is_won: str = "false"
) -> str:
    """One valid Opportunity record for OPP_HEADER (unless a bad value is passed)."""
    return f"{record_id},001A,005A,Prospecting,{close_date},false,{is_won},2026-01-05T09:00:00Z,{amount}"


class Landing:
    """A landing folder; files get strictly increasing modification times in the order written."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._clock = 1_767_225_600  # 2026-01-01T00:00:00Z

    def write(
        self, relative: str, content: str | bytes, *, gz: bool = False, mtime: int | None = None
    ) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(gzip.compress(data) if gz else data)
        self._clock += 60
        stamp = mtime if mtime is not None else self._clock
        os.utime(path, (stamp, stamp))
        return path


def query(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def manifest(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(source_file, status, records_read, rows_loaded, rows_rejected, reason) in load order."""
    return query(
        con,
        "select source_file, status, records_read, rows_loaded, rows_rejected, reason "
        "from raw.load_manifest order by loaded_at, source_file",
    )


def rejects(con: duckdb.DuckDBPyConnection, source_file: str | None = None) -> list[tuple]:
    """(line, column_name, reason) of the rejects, by line then column."""
    where = "where source_file = ?" if source_file else ""
    return query(
        con,
        f"select line, column_name, reason from raw.load_rejects {where} order by line, column_name",
        [source_file] if source_file else [],
    )
