"""The one Definitions entry point of the code location."""

from __future__ import annotations

import dagster as dg

from orchestration.ingestion.assets import ingestion_assets
from orchestration.jobs import full_refresh_job
from orchestration.resources import warehouse_from_environment
from orchestration.transformation.assets import dbt_warehouse_models
from orchestration.transformation.project import dbt_resource


def build_definitions() -> dg.Definitions:
    """Definitions with resources bound to the current environment's paths (tests point them
    at a temporary folder before calling this)."""
    return dg.Definitions(
        assets=[*ingestion_assets, dbt_warehouse_models],
        jobs=[full_refresh_job],
        resources={"warehouse": warehouse_from_environment(), "dbt": dbt_resource()},
    )


defs = build_definitions()
