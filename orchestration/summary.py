"""The short report printed after a run: where the warehouse is and what it holds."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.ingestion.contract import OBJECTS


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int | None:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema || '.' || table_name = ?",
        [table],
    ).fetchone()[0]
    return con.execute(f"select count(*) from {table}").fetchone()[0] if exists else None


def warehouse_summary(database_path: Path) -> str:
    """Row counts of raw and staging, and the load manifest by status, read-only."""
    con = duckdb.connect(str(database_path), read_only=True)
    try:
        lines = [f"Warehouse: {database_path}", "", f"{'object':<34}{'raw rows':>12}{'staging rows':>14}"]
        for obj in OBJECTS:
            raw_rows = _count(con, f"raw.{obj.raw_table}")
            staged = con.execute(
                "select table_name from information_schema.tables where table_schema = 'staging' "
                "and table_name like ? order by table_name",
                [f"stg_{obj.family}__{obj.name}%"],
            ).fetchall()
            staging_rows = _count(con, f"staging.{staged[0][0]}") if staged else None
            lines.append(f"{obj.raw_table:<34}{_fmt(raw_rows):>12}{_fmt(staging_rows):>14}")
        manifest = con.execute(
            "select status, count(*), sum(rows_loaded), sum(rows_rejected) "
            "from raw.load_manifest group by status order by status"
        ).fetchall()
        lines += ["", "Files by load status:"]
        lines += [f"  {status:<12}{files:>6} files {loaded or 0:>12} rows loaded {rejected or 0:>8} rejected"
                  for status, files, loaded, rejected in manifest]
        return "\n".join(lines)
    finally:
        con.close()


def _fmt(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
