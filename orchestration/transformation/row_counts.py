"""Row counts of the tables a dbt build wrote, for Dagster's asset pages (`dagster/row_count`).

dagster-dbt's own `fetch_row_counts()` counts while the build streams, through a dbt adapter in
this process: on DuckDB that meets the lock the dbt process holds on the file for its whole
invocation. So the counts are taken once dbt has exited, and reported as observations of the
assets the build materialized (the materializations themselves have streamed already: holding
them back would freeze the run's progress until the end).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import dagster as dg

from orchestration.sql_quoting import quote_ident

ROW_COUNT = "dagster/row_count"


AssetKeyOf = Callable[[Mapping[str, Any]], dg.AssetKey]


def built_tables(
    manifest: Mapping[str, Any], unique_ids: Iterable[str], asset_key: AssetKeyOf
) -> dict[dg.AssetKey, tuple[str, str]]:
    """(schema, table) of each model and seed among `unique_ids`, by its asset key."""
    tables = {}
    for unique_id in unique_ids:
        node = manifest["nodes"].get(unique_id)
        if node is not None and node["resource_type"] in ("model", "seed"):
            tables[asset_key(node)] = (node["schema"], node.get("alias") or node["name"])
    return tables


def row_count_observations(
    con: Any, tables: Mapping[dg.AssetKey, tuple[str, str]]
) -> list[dg.AssetObservation]:
    """One observation per table with its row count (tables absent from the file are left out)."""
    existing = set(con.execute("select schema_name, table_name from duckdb_tables()").fetchall())
    observations = []
    for key, (schema, table) in sorted(tables.items(), key=lambda item: item[0].to_user_string()):
        if (schema, table) not in existing:
            continue
        count = con.execute(f"select count(*) from {quote_ident(schema)}.{quote_ident(table)}").fetchone()[0]
        metadata = {ROW_COUNT: dg.IntMetadataValue(count)}
        observations.append(dg.AssetObservation(asset_key=key, metadata=metadata))
    return observations
