"""The one Definitions entry point of the code location.

Graph: landing (external, the files) -> raw (ingestion) -> staging -> intermediate -> facts
-> kpi -> serving (the file BI reads), with seeds beside staging; dbt tests are asset checks.
Resources are bound once here, from the environment's paths (SALES_LANDING_DIR,
SALES_WAREHOUSE_PATH, SALES_SERVING_PATH), after every setting is checked: bad settings refuse
the load with one `configuration error: ...` line each (`orchestration/settings.py`) rather than
failing deep in a run. The instance (DAGSTER_HOME/dagster.yaml) holds the writer pool's limit.
"""

from __future__ import annotations

import sys

import dagster as dg

from orchestration.automation.landing import landing_specs, with_landing_deps
from orchestration.automation.schedules import build_daily_schedule
from orchestration.automation.sensors import build_landing_sensor, report_failed_runs
from orchestration.ingestion.assets import ingestion_assets
from orchestration.jobs import daily_job, daily_run_config, full_refresh_job
from orchestration.quality.checks import quality_checks
from orchestration.resources import warehouse_from_environment
from orchestration.serving.assets import serving_warehouse
from orchestration.settings import Purpose, require_valid_settings
from orchestration.transformation.assets import dbt_warehouse_models
from orchestration.transformation.project import dbt_resource


def build_definitions() -> dg.Definitions:
    """Definitions with resources bound to the current environment's paths (tests point them
    at a temporary folder before calling this). Raises `settings.ConfigurationError` listing
    every bad setting."""
    for line in require_valid_settings(Purpose.DEFINITIONS).lines():
        print(line, file=sys.stderr)
    return dg.Definitions(
        assets=[
            *landing_specs(),
            *with_landing_deps(ingestion_assets),
            dbt_warehouse_models,
            serving_warehouse,
        ],
        # Great Expectations suites beyond the dbt tests (orchestration/quality).
        asset_checks=quality_checks,
        jobs=[full_refresh_job, daily_job],
        schedules=[build_daily_schedule(daily_job, daily_run_config())],
        sensors=[build_landing_sensor(daily_job, daily_run_config), report_failed_runs],
        resources={"warehouse": warehouse_from_environment(), "dbt": dbt_resource()},
        # Runs launched from the UI's "Materialize" buttons execute in-process too.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
