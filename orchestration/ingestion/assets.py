"""One Dagster asset per extract object: new landing files -> `raw.<object>` tables, plus one
asset reporting what lies outside every known object folder."""

from pathlib import Path

import dagster as dg

from orchestration import config
from orchestration.ingestion.contract import OBJECTS, ExtractObject
from orchestration.ingestion.loader import (
    FAILED,
    LoadSummary,
    ensure_raw_schema,
    load_object,
    load_unknown_folders,
)
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource, retry_on_lock
from orchestration.transformation.source_freshness import (
    SourceFreshness,
    freshness_check_spec,
    freshness_result,
    newest_loaded_at,
    project_freshness_rules,
)

RAW_GROUP = "raw"


def raw_asset_key(obj: ExtractObject) -> dg.AssetKey:
    """The key dbt sources point at through `meta.dagster.asset_key`."""
    return dg.AssetKey(["raw", obj.raw_table])


def _report(context: dg.AssetExecutionContext, summary: LoadSummary) -> dg.MaterializeResult:
    """Log every file that did not load and turn the summary into materialization metadata.

    A file that failed for a reason not its own (disk, memory, permissions) fails the step after
    the other files have loaded, so the run shows it; it has no manifest entry, so the next run
    tries it again (a retry within this run would most likely fail the same way).
    """
    problems = [f for f in summary.files if f.status not in ("loaded", "skipped")]
    for result in problems:
        context.log.warning(f"{result.source_file}: {result.status}: {result.reason}")
    failed = [f for f in problems if f.status == FAILED]
    if failed:
        files = "\n".join(f"{f.source_file}: {f.reason}" for f in failed)
        raise dg.Failure(
            description=f"{len(failed)} file(s) could not be loaded (the next run tries again): {files}",
            metadata={"files": files},
        )
    return dg.MaterializeResult(
        metadata={
            "files_new": len(summary.files),
            "files_loaded": summary.files_loaded,
            "files_already_loaded": summary.unchanged_files,
            "rows_loaded": summary.rows_loaded,
            "rows_rejected": summary.rows_rejected,
            "files_not_loaded": dg.MetadataValue.md(
                "\n".join(f"- `{f.source_file}`: {f.status}: {f.reason}" for f in problems) or "none"
            ),
            "ignored_files": dg.MetadataValue.md(
                "\n".join(f"- `{p}`" for p in summary.ignored_files) or "none"
            ),
        }
    )


def _build_ingestion_asset(obj: ExtractObject, freshness: SourceFreshness | None) -> dg.AssetsDefinition:
    """`freshness`: its dbt source's freshness limits, checked on the loaded table."""
    folder = f"{obj.family}/{obj.folder}"

    @dg.asset(
        key=raw_asset_key(obj),
        group_name=RAW_GROUP,
        owners=list(config.ASSET_OWNERS),
        kinds={"duckdb"},
        pool=WAREHOUSE_WRITER_POOL,
        check_specs=[freshness_check_spec(freshness)] if freshness else None,
        description=(
            f"Every file under the landing folder's `{folder}/` not loaded before, appended to "
            f"`raw.{obj.raw_table}` with lineage columns; bad rows go to `raw.load_rejects`, "
            "every file is recorded in `raw.load_manifest`."
        ),
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with retry_on_lock(context):
            with warehouse.connect() as con:
                ensure_raw_schema(con)
                summary = load_object(
                    con, Path(warehouse.landing_dir), obj, warehouse.reject_threshold, log=context.log.info
                )
                newest = newest_loaded_at(con, freshness) if freshness else None
            result = _report(context, summary)
        if freshness is None:
            return result
        check = freshness_result(freshness, newest)
        if not check.passed:
            context.log.warning(f"{freshness.asset_key.to_user_string()}: {check.description}")
        return dg.MaterializeResult(metadata=result.metadata, check_results=[check])

    return _ingest


@dg.asset(
    key=["raw", "unrecognised_files"],
    group_name=RAW_GROUP,
    owners=list(config.ASSET_OWNERS),
    kinds={"duckdb"},
    pool=WAREHOUSE_WRITER_POOL,
    description=(
        "Data files outside every known object folder (an unknown object, the landing root), "
        "recorded once in `raw.load_manifest` as unreadable, and non-data files listed as ignored."
    ),
)
def unrecognised_files(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with retry_on_lock(context):
        with warehouse.connect() as con:
            summary = load_unknown_folders(con, Path(warehouse.landing_dir), log=context.log.info)
        return _report(context, summary)


_FRESHNESS = project_freshness_rules()
ingestion_assets = [
    *(_build_ingestion_asset(obj, _FRESHNESS.get(obj.raw_table)) for obj in OBJECTS),
    unrecognised_files,
]
