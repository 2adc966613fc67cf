"""The suites as Dagster asset checks: `quality_checks`, for the Definitions' `asset_checks`.

One multi-asset check per layer, so a run opens one GX session per layer rather than per table;
each suite is still its own check on its own asset (`gx_blocking`, `gx_warnings`), and a run
that selects a few assets runs only their checks (`can_subset`).

- raw: after the ingestion assets, before dbt. A failed `gx_blocking` check (ERROR, blocking)
  stops dbt and everything after it: the marts keep their last good state.
- staging and marts: after dbt. Their blocking checks stop whatever depends on them in a later
  step. Staging tables are built in the same dbt step as the marts, so the defects that must stop
  the marts are checked on raw already (on the records staging will show).

Checks only read the warehouse, but they run in the writer pool: DuckDB refuses a read-only
connection while another process writes the file.
"""

# No `from __future__ import annotations`: Dagster reads the check function's annotations.
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration.ingestion.assets import raw_asset_key
from orchestration.ingestion.contract import OBJECTS
from orchestration.quality.relations import models_in_layer
from orchestration.quality.report import check_result, console_lines
from orchestration.quality.settings import quality_settings
from orchestration.quality.spec import MARTS, RAW, STAGING, Severity, SuiteDef
from orchestration.quality.suites.marts import mart_suites
from orchestration.quality.suites.raw import raw_suites
from orchestration.quality.suites.staging import staging_suites
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource, retry_on_lock
from orchestration.transformation.assets import dbt_warehouse_models

_RAW_KEYS = {obj.raw_table: raw_asset_key(obj) for obj in OBJECTS}


def suite_asset_key(suite: SuiteDef) -> dg.AssetKey:
    """The asset a suite checks: the ingestion asset of a raw table, the dbt asset of a model
    (named by the project's translator, whatever its naming scheme)."""
    if suite.layer == RAW:
        return _RAW_KEYS[suite.table]
    return get_asset_key_for_model([dbt_warehouse_models], suite.table)


def _run_started(context: dg.AssetCheckExecutionContext) -> datetime | None:
    """When this run started (UTC): loads after it are this run's, for the row-count bounds."""
    try:
        record = context.instance.get_run_record_by_id(context.run.run_id)
    except Exception:
        return None
    if record is None or record.start_time is None:
        return None
    return datetime.fromtimestamp(record.start_time, UTC).replace(tzinfo=None)


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
        description=f"Great Expectations suites of the {layer} layer, validated in DuckDB.",
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        # Its read-only connection meets the lock of a writer outside Dagster too.
        with retry_on_lock(context):
            from orchestration.quality.runner import run_suites  # imports GX (~6 s): at run time only

            selected = [(key, by_key[key]) for key in by_key if key in context.selected_asset_check_keys]
            settings = quality_settings()
            outcomes = run_suites(
                Path(warehouse.database_path),
                [suite for _, suite in selected],
                since=_run_started(context),
                run_name=f"{context.run.run_id}-{layer}",
                settings=settings,
                log=context.log.warning,
            )
            context.log.info(f"[quality] Data Docs: {settings.docs_index}")
            for (key, _), outcome in zip(selected, outcomes, strict=True):
                if not outcome.passed:
                    blocking = outcome.suite.severity is Severity.BLOCKING
                    log = context.log.error if blocking else context.log.warning
                    log("\n".join(console_lines(outcome, key.asset_key)))
                yield check_result(outcome, key.asset_key, str(settings.docs_index))

    return _checks


def build_quality_checks() -> list[dg.AssetChecksDefinition]:
    """The checks of every layer, for the models in dbt's manifest."""
    return [
        _layer_checks(RAW, raw_suites()),
        _layer_checks(STAGING, staging_suites(set(models_in_layer(STAGING)))),
        _layer_checks(MARTS, mart_suites(models_in_layer(MARTS))),
    ]


quality_checks = build_quality_checks()
