"""Automation: the daily schedule, the landing sensor, failed-run reporting, the Dagster
instance settings (the DuckDB writer pool) that let their runs overlap safely, and the recovery
of runs whose process died (`recovery.py`)."""
