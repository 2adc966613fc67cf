"""The publish step as a Dagster asset: `serving/warehouse`, after the marts and their checks.

It depends on every published mart (kpi_*, dim_*, bridge_*), so it runs after dbt has built
them and after their blocking checks passed: a failed blocking check or dbt test skips it, and
the serving file stays byte for byte as it was. It reads the build's file, so it runs in the
writer pool like every step that opens it. When dbt builds on another engine (SALES_DBT_TARGET),
the published marts are first brought from there into the DuckDB file (`fetch_marts`).
"""

# No `from __future__ import annotations`: Dagster reads the asset function's annotations.
from pathlib import Path

import dagster as dg

from orchestration import config
from orchestration.engines.fetch_marts import fetch_marts
from orchestration.engines.targets import DUCKDB, dbt_target
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource, retry_on_lock
from orchestration.serving.publish import PUBLISHED_PREFIXES, publish
from orchestration.transformation.assets import dbt_warehouse_models

SERVING_GROUP = "serving"
SERVING_ASSET_KEY = dg.AssetKey(["serving", "warehouse"])

_PUBLISHED_MARTS = sorted(
    (
        key
        for key in dbt_warehouse_models.keys
        if key.path[0] == "marts" and key.path[-1].startswith(PUBLISHED_PREFIXES)
    ),
    key=lambda key: key.to_user_string(),
)


@dg.asset(
    key=SERVING_ASSET_KEY,
    group_name=SERVING_GROUP,
    owners=list(config.ASSET_OWNERS),
    kinds={"duckdb", "parquet"},
    deps=_PUBLISHED_MARTS,
    pool=WAREHOUSE_WRITER_POOL,
    description=(
        "The serving file BI tools open read-only (SALES_SERVING_PATH, default "
        "data/serving/warehouse.duckdb): the kpi_* marts, dimensions and bridges of this build "
        "with a build_info table, written next to the old file, verified, then switched "
        "atomically; the previous file is kept for rollback; one Parquet file per table under "
        "parquet/current/."
    ),
)
def serving_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with retry_on_lock(context):
        if dbt_target() != DUCKDB:  # dbt built the marts on another engine: bring them here first
            context.log.info(fetch_marts(dbt_target(), Path(warehouse.database_path)).summary())
        publication = publish(
            Path(warehouse.database_path),
            Path(warehouse.serving_path),
            context.run.run_id,
            log=context.log.info,
        )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(publication.path)),
            "build_id": publication.build_id,
            "published_at": publication.published_at.isoformat(sep=" "),
            "newest_file": publication.newest_file or "none",
            "tables": len(publication.tables),
            "rows": sum(t.row_count for t in publication.tables),
            "publish_seconds": round(publication.seconds, 2),
            "parquet": dg.MetadataValue.path(str(publication.parquet_dir))
            if publication.parquet_dir
            else "none",
        }
    )
