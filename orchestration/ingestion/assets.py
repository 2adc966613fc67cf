"""One Dagster asset per extract object: new landing files -> `raw.<object>` tables."""

from pathlib import Path

import dagster as dg

from orchestration.ingestion.contract import OBJECTS, ExtractObject
from orchestration.ingestion.loader import ensure_raw_schema, load_object
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource

RAW_GROUP = "raw"


def raw_asset_key(obj: ExtractObject) -> dg.AssetKey:
    """The key dbt sources point at through `meta.dagster.asset_key`."""
    return dg.AssetKey(["raw", obj.raw_table])


def _build_ingestion_asset(obj: ExtractObject) -> dg.AssetsDefinition:
    folder = f"{obj.family}/{obj.folder}"

    @dg.asset(
        key=raw_asset_key(obj),
        group_name=RAW_GROUP,
        kinds={"duckdb"},
        pool=WAREHOUSE_WRITER_POOL,
        description=(
            f"Every file under the landing folder's `{folder}/` not loaded before, appended to "
            f"`raw.{obj.raw_table}` with lineage columns; bad rows go to `raw.load_rejects`, "
            "every file is recorded in `raw.load_manifest`."
        ),
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            ensure_raw_schema(con)
            summary = load_object(
                con, Path(warehouse.landing_dir), obj, warehouse.reject_threshold, log=context.log.info
            )
        problems = [f for f in summary.files if f.status not in ("loaded", "skipped")]
        for result in problems:
            context.log.warning(f"{result.source_file}: {result.status}: {result.reason}")
        return dg.MaterializeResult(
            metadata={
                "files_seen": len(summary.files),
                "files_loaded": summary.files_loaded,
                "rows_loaded": summary.rows_loaded,
                "rows_rejected": summary.rows_rejected,
                "files_not_loaded": dg.MetadataValue.md(
                    "\n".join(f"- `{f.source_file}`: {f.status}: {f.reason}" for f in problems) or "none"
                ),
                "table": f"raw.{obj.raw_table}",
            }
        )

    return _ingest


ingestion_assets = [_build_ingestion_asset(obj) for obj in OBJECTS]
