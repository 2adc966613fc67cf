"""Automation: the daily schedule, the landing sensor, failed-run reporting, and the Dagster
instance settings (the DuckDB writer pool) that let their runs overlap safely."""
