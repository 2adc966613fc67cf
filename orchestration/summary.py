"""The short report printed after a run: where the warehouse is and what it holds."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.engines.targets import DUCKDB, dbt_target
from orchestration.headlines import HEADLINE_MARTS, format_headlines, latest_full_quarter, read_headlines
from orchestration.ingestion.contract import CORE_OBJECTS, OBJECTS, OPTIONAL_OBJECTS


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int | None:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema || '.' || table_name = ?",
        [table],
    ).fetchone()[0]
    return con.execute(f"select count(*) from {table}").fetchone()[0] if exists else None


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by table_name",
        [schema],
    ).fetchall()
    return [name for (name,) in rows]


def warehouse_summary(database_path: Path) -> str:
    """Row counts of every raw and staging table, the load manifest by status and the headline
    KPIs of the latest full quarter (read-only)."""
    con = duckdb.connect(str(database_path), read_only=True)
    try:
        lines = [f"Warehouse: {database_path}", "", f"{'raw table':<52}{'rows':>12}"]
        lines += [
            f"{'raw.' + obj.raw_table:<52}{_fmt(_count(con, 'raw.' + obj.raw_table)):>12}" for obj in OBJECTS
        ]
        lines += _absent_objects(con)
        lines += ["", f"{'staging table':<52}{'rows':>12}"]
        lines += [
            f"{'staging.' + name:<52}{_fmt(_count(con, 'staging.' + name)):>12}"
            for name in _tables(con, "staging")
        ]
        if dbt_target() != DUCKDB:  # this file holds raw and the published marts only
            lines.append(f"  (dbt builds on {dbt_target()}, SALES_DBT_TARGET: its staging tables are there)")
        manifest = con.execute(
            "select status, count(*), sum(rows_loaded), sum(rows_rejected) "
            "from raw.load_manifest group by status order by status"
        ).fetchall()
        lines += ["", "Files by load status:"]
        lines += [
            f"  {status:<12}{files:>6} files {loaded or 0:>12,} rows loaded {rejected or 0:>8,} rejected"
            for status, files, loaded, rejected in manifest
        ]
        # The facts date the latest quarter; with dbt on another engine only the published marts
        # come back to this file (orchestration/engines/fetch_marts.py), and the serving file has them.
        if set(_tables(con, "marts")) >= HEADLINE_MARTS:
            quarter = latest_full_quarter(con)
            lines += [
                "",
                format_headlines(read_headlines(con, quarter)) if quarter else "No full quarter of data yet.",
            ]
        return "\n".join(lines)
    finally:
        con.close()


def _absent_objects(con: duckdb.DuckDBPyConnection) -> list[str]:
    """One line per object with no record loaded, and what that leaves empty."""
    absent = [obj for obj in OBJECTS if not _count(con, "raw." + obj.raw_table)]
    if not absent:
        return []
    lines = ["", "Objects with no data landed:"]
    for obj in absent:
        if obj.api_name in OPTIONAL_OBJECTS:
            what = f"optional, {OPTIONAL_OBJECTS[obj.api_name]}"
        else:
            what = f"core, {CORE_OBJECTS[obj.api_name]}"
        lines.append(f"  {obj.api_name} ({obj.family}/{obj.folder}): {what}")
    return lines


def _fmt(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
