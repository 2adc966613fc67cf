"""Jobs.

- `full_refresh`: load every new landing file of every object into raw, then dbt build seeds,
  staging, intermediate, facts and kpi with `--full-refresh`.
- `daily`: the same path without `--full-refresh`: new files in, then dbt builds only the models
  downstream of a raw table that received rows since they were last built (the dbt step
  passes the others as `--exclude`, `transformation/daily_selection.py`), and the incremental
  models among them re-select only the periods those rows can change
  (`macros/incremental_changes.sql`). Seeds lead from no raw table: after editing a seed (or a
  model), run `full_refresh`. The daily schedule runs it whole; the landing sensor runs the
  subset of it that depends on the objects that received files.

Both run in-process: steps share one process, so small runs skip the multiprocess start-up
cost. Across runs, the writer pool (limit 1, `dagster.yaml`) lets one writer step at a time
touch the DuckDB file. No retry policy: a step retries only DuckDB's lock held outside Dagster,
with backoff, and fails at once on anything else (`resources.retry_on_lock`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import dagster as dg

from orchestration.ingestion.assets import RAW_GROUP
from orchestration.quality.checks import quality_run_config
from orchestration.quality.spec import Scope
from orchestration.transformation.assets import SEEDS_GROUP, dbt_warehouse_models

FULL_REFRESH_JOB = "full_refresh"
DAILY_JOB = "daily"

# Everything Dagster materializes (not the external landing assets).
WAREHOUSE_SELECTION = dg.AssetSelection.all().materializable()
# Raw ingestion and all that depends on it, plus the lookup seeds the staging models join.
DAILY_SELECTION = dg.AssetSelection.groups(RAW_GROUP).downstream() | dg.AssetSelection.groups(SEEDS_GROUP)


def dbt_run_config(full_refresh: bool) -> dict[str, Any]:
    """Run config of the dbt step (`DbtBuildConfig`)."""
    return {"ops": {dbt_warehouse_models.node_def.name: {"config": {"full_refresh": full_refresh}}}}


def _with_quality_scope(
    run_config: dict[str, Any], scope: Scope, selection: list[dg.AssetKey] | None = None
) -> dict[str, Any]:
    """`run_config` plus the checks' scope on the check steps the run includes."""
    ops = {**run_config.get("ops", {}), **quality_run_config(scope, selection)["ops"]}
    return {**run_config, "ops": ops} if ops else run_config


def daily_run_config(selection: Iterable[dg.AssetKey] | None = None) -> dict[str, Any]:
    """What the schedule (whole job) and the landing sensor (a `selection` of it) launch the daily
    job with: no --full-refresh (no dbt config when the selection has no dbt asset), and checks
    of this run's rows and rebuilt tables only (`scope: new`)."""
    selection = None if selection is None else list(selection)
    if selection is not None and not set(selection) & set(dbt_warehouse_models.keys):
        return _with_quality_scope({}, Scope.NEW, selection)
    return _with_quality_scope(dbt_run_config(full_refresh=False), Scope.NEW, selection)


full_refresh_job = dg.define_asset_job(
    name=FULL_REFRESH_JOB,
    selection=WAREHOUSE_SELECTION,
    config=_with_quality_scope(dbt_run_config(full_refresh=True), Scope.ALL),
    executor_def=dg.in_process_executor,
    description="Load every new landing file into raw, then dbt build (--full-refresh) seeds to KPIs.",
)

daily_job = dg.define_asset_job(
    name=DAILY_JOB,
    selection=DAILY_SELECTION,
    executor_def=dg.in_process_executor,
    description="Load the new landing files into raw, then dbt build everything that depends on them.",
)
