"""Jobs: the full refresh loads every new landing file and rebuilds everything downstream."""

from __future__ import annotations

import dagster as dg

# In-process: steps share one process, so the DuckDB file has one writer at a time and small
# runs skip the multiprocess start-up cost.
full_refresh_job = dg.define_asset_job(
    name="full_refresh",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Load every new landing file into raw, then dbt build seeds, staging and marts.",
)
