"""Each object's load history from `raw.load_manifest`: the bounds of the row-count checks."""

from __future__ import annotations

from datetime import datetime

import duckdb

from orchestration.ingestion.contract import OBJECTS
from orchestration.quality.spec import LoadHistory


def load_history(con: duckdb.DuckDBPyConnection, since: datetime | None) -> dict[str, LoadHistory]:
    """Rows loaded per object, in total and before `since` (the start of this run)."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'load_manifest'"
    ).fetchall()[0][0]
    totals: dict[str, tuple[int, int]] = {}
    if exists:
        rows = con.execute(
            """
            select
                object_name,
                coalesce(sum(rows_loaded), 0),
                coalesce(sum(rows_loaded) filter (where loaded_at < ?), 0)
            from raw.load_manifest
            where status = 'loaded' and object_name is not null
            group by object_name
            """,
            [since or datetime.max],
        ).fetchall()
        totals = {name: (int(total), int(before)) for name, total, before in rows}
    return {
        obj.name: LoadHistory(
            rows_loaded=totals.get(obj.name, (0, 0))[0],
            rows_before=totals.get(obj.name, (0, 0))[1] if since is not None else None,
        )
        for obj in OBJECTS
    }
