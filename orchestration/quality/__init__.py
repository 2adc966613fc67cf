"""Data quality: Great Expectations suites (as code) run as Dagster asset checks on DuckDB.

`orchestration.quality.checks.quality_checks` is the list for the Definitions. The package root
imports nothing heavy, so the runner can be used without Dagster's dbt assets (tests, benchmark).
See README.md beside this file.
"""
