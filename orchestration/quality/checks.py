"""The suites as Dagster asset checks: `quality_checks`, for the Definitions' `asset_checks`.

One multi-asset check per layer, so a run opens one GX session per layer rather than per table;
each suite is still its own check on its own asset (`gx_blocking`, `gx_warnings`), and a run
that selects a few assets runs only their checks (`can_subset`).

- raw: after the ingestion assets, before dbt. A failed `gx_blocking` check (ERROR, blocking)
  stops dbt and everything after it: the marts keep their last good state.
- staging and marts: after dbt. Their blocking checks stop whatever depends on them in a later
  step. Staging tables are built in the same dbt step as the marts, so the defects that must stop
  the marts are checked on raw already (on the records staging will show).

What a run validates (`QualityConfig.scope`): `all` (the full-refresh job, a check run from the
UI) every selected check on every row; `new` (the daily job, `quality_run_config`) only the checks
of the assets this run rebuilt, and on raw only the rows this run loaded for the rules on single
rows (README, "What a daily run validates").

Checks only read the warehouse, but they run in the writer pool: DuckDB refuses a read-only
connection while another process writes the file.
"""

# No `from __future__ import annotations`: Dagster reads the check function's annotations.
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import dagster as dg
from dagster_dbt import get_asset_key_for_model
from pydantic import Field

from orchestration.engines.targets import DUCKDB, SPARK, dbt_target
from orchestration.ingestion.assets import raw_asset_key
from orchestration.ingestion.contract import OBJECTS
from orchestration.quality.relations import models_in_layer
from orchestration.quality.report import check_result, console_lines
from orchestration.quality.settings import quality_settings
from orchestration.quality.spec import MARTS, RAW, STAGING, Scope, Severity, SuiteDef
from orchestration.quality.suites.marts import mart_suites
from orchestration.quality.suites.raw import raw_suites
from orchestration.quality.suites.staging import staging_suites
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource, retry_on_lock
from orchestration.transformation.assets import NOT_REBUILT, dbt_warehouse_models

_RAW_KEYS = {obj.raw_table: raw_asset_key(obj) for obj in OBJECTS}


def suite_asset_key(suite: SuiteDef) -> dg.AssetKey:
    """The asset a suite checks: the ingestion asset of a raw table, the dbt asset of a model
    (named by the project's translator, whatever its naming scheme)."""
    if suite.layer == RAW:
        return _RAW_KEYS[suite.table]
    return get_asset_key_for_model([dbt_warehouse_models], suite.table)


def suite_engine(layer: str) -> str:
    """Where a layer's tables are: raw in DuckDB (the ingestion loads it), the layers dbt builds
    on the engine of SALES_DBT_TARGET."""
    return DUCKDB if layer == RAW else dbt_target()


def _run_started(context: dg.AssetCheckExecutionContext) -> datetime | None:
    """When this run started (UTC): loads after it are this run's, for the row-count bounds."""
    try:
        record = context.instance.get_run_record_by_id(context.run.run_id)
    except Exception:
        return None
    if record is None or record.start_time is None:
        return None
    return datetime.fromtimestamp(record.start_time, UTC).replace(tzinfo=None)


class QualityConfig(dg.Config):
    scope: Literal["new", "all"] = Field(
        default=Scope.ALL.value,
        description=(
            "all: every selected check on every row. new (daily runs): only the checks of the "
            "assets this run rebuilt, and on raw only the rows it loaded for the row-level rules."
        ),
    )


def _rebuilt_assets(context: dg.AssetCheckExecutionContext) -> set[dg.AssetKey]:
    """The assets this run materialized with new contents: the run's materialization events,
    less the dbt step's outputs for models it did not rebuild and the raw tables it loaded no
    row into (each is as the check of the run that last changed it left it)."""
    records = context.instance.get_records_for_run(
        run_id=context.run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    ).records
    rebuilt = set()
    for record in records:
        materialization = record.asset_materialization
        if materialization is None:
            continue
        dbt_note = materialization.metadata.get("dbt")
        note = getattr(dbt_note, "value", dbt_note)
        rows_loaded = materialization.metadata.get("rows_loaded")
        if getattr(rows_loaded, "value", rows_loaded) == 0:
            continue
        if not (isinstance(note, str) and note.startswith(NOT_REBUILT)):
            rebuilt.add(materialization.asset_key)
    return rebuilt


def _layer_checks(layer: str, suites: list[SuiteDef]) -> dg.AssetChecksDefinition:
    by_key = {dg.AssetCheckKey(suite_asset_key(s), s.check_name): s for s in suites}
    specs = [
        dg.AssetCheckSpec(
            name=suite.check_name,
            asset=key.asset_key,
            blocking=suite.severity is Severity.BLOCKING,
            description=(
                f"Great Expectations suite `{suite.name}` ({suite.severity.value}): {suite.description}"
            ),
            metadata={"suite": suite.name, "severity": suite.severity.value},
        )
        for key, suite in by_key.items()
    ]

    @dg.multi_asset_check(
        name=f"quality_{layer}",
        specs=specs,
        can_subset=True,
        pool=WAREHOUSE_WRITER_POOL,
        description=f"Great Expectations suites of the {layer} layer, validated where its tables are.",
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, config: QualityConfig
    ) -> Iterator[dg.AssetCheckResult]:
        # Its read-only connection meets the lock of a writer outside Dagster too.
        with retry_on_lock(context):
            scope = Scope(config.scope)
            selected = [(key, by_key[key]) for key in by_key if key in context.selected_asset_check_keys]
            if scope is Scope.NEW:
                # A check with no result shows as skipped and gates nothing (Dagster >= 1.13);
                # the asset keeps the result of the run that last rebuilt it.
                rebuilt = _rebuilt_assets(context)
                skipped = sorted(
                    {k.asset_key.to_user_string() for k, _ in selected if k.asset_key not in rebuilt}
                )
                selected = [(key, suite) for key, suite in selected if key.asset_key in rebuilt]
                if skipped:
                    context.log.info(
                        f"[quality] not rebuilt in this run, not checked again: {', '.join(skipped)}"
                    )
            if not selected:
                return
            engine = suite_engine(layer)
            if engine == SPARK:
                context.log.warning(
                    f"[quality] {layer} suites not run: dbt built the {layer} tables on Spark "
                    "(SALES_DBT_TARGET=spark), inside dbt's own local Spark session, which Great "
                    "Expectations cannot reach; dbt's tests ran there (docs/engines.md)"
                )
                return
            from orchestration.quality.runner import run_suites  # imports GX (~6 s): at run time only

            settings = quality_settings()
            outcomes = run_suites(
                Path(warehouse.database_path),
                [suite for _, suite in selected],
                since=_run_started(context),
                scope=scope,
                run_name=f"{context.run.run_id}-{layer}",
                settings=settings,
                log=context.log.warning,
                engine=engine,
            )
            context.log.info(f"[quality] Data Docs: {settings.docs_index}")
            for (key, _), outcome in zip(selected, outcomes, strict=True):
                if not outcome.passed:
                    blocking = outcome.suite.severity is Severity.BLOCKING
                    log = context.log.error if blocking else context.log.warning
                    log("\n".join(console_lines(outcome, key.asset_key)))
                yield check_result(outcome, key.asset_key, str(settings.docs_index))

    return _checks


def quality_run_config(scope: Scope, selection: Iterable[dg.AssetKey] | None = None) -> dict[str, Any]:
    """Run config setting `scope` on the check steps a run of `selection` (every asset when None)
    includes: a step outside the run must not be configured."""
    keys = None if selection is None else set(selection)
    return {
        "ops": {
            checks.node_def.name: {"config": {"scope": scope.value}}
            for checks in quality_checks
            if keys is None or any(spec.asset_key in keys for spec in checks.check_specs)
        }
    }


def build_quality_checks() -> list[dg.AssetChecksDefinition]:
    """The checks of every layer, for the models in dbt's manifest."""
    return [
        _layer_checks(RAW, raw_suites()),
        _layer_checks(STAGING, staging_suites(set(models_in_layer(STAGING)))),
        _layer_checks(MARTS, mart_suites(models_in_layer(MARTS))),
    ]


quality_checks = build_quality_checks()
