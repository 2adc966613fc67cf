"""The pipeline with dbt on a real PostgreSQL server (SALES_DBT_TARGET=postgres), run as a user
runs it: `python -m orchestration.cli run`, then a next-day drop and `cli daily`
(engine_checks.run_engine_pipeline).

The Dagster job is DuckDB's, unchanged: the ingestion loads DuckDB's raw tables, the dbt step
hands them over (only the new load batches on the daily run) and builds on PostgreSQL, the staging
and mart suites of Great Expectations run on PostgreSQL, and the published marts come back into
the DuckDB file for the publish step. Compared with DuckDB: after the full run, every kpi_* mart
on PostgreSQL and in the serving file against the session's DuckDB build (tests/conftest.py);
after the drop, against a DuckDB daily run on a copy of that build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from engine_checks import assert_every_kpi_mart_identical, handed_over_rows, run_engine_pipeline

from orchestration.engines.compare import compare_with_postgres, postgres_rows
from orchestration.engines.handoff import POSTGRES_BATCHES
from orchestration.engines.targets import POSTGRES, PostgresSettings

pytestmark = pytest.mark.slow

# Incremental models: a daily run adds to their PostgreSQL tables in place (same oid), where a
# full build creates each table anew.
INCREMENTAL_MODELS = ("fct_activities", "kpi_activity_time_allocation", "fct_opportunity_stage_intervals")


@dataclass(frozen=True)
class PostgresState:
    oids: dict[str, int]  # incremental model -> its table's oid
    batches: dict[str, int]  # raw table -> load batches PostgreSQL holds


def _state(server: PostgresSettings) -> PostgresState:
    with server.connect() as con, con.cursor() as cursor:
        cursor.execute(
            "select relname, oid::bigint from pg_class where relname = any(%s) and relkind = 'r'",
            [list(INCREMENTAL_MODELS)],
        )
        oids = dict(cursor.fetchall())
        cursor.execute(f"select table_name, count(*) from raw.{POSTGRES_BATCHES} group by 1")
        batches = dict(cursor.fetchall())
    con.close()
    return PostgresState(oids, batches)


@pytest.fixture(scope="module")
def postgres_pipeline(demo_warehouse, postgres_server, tmp_path_factory):
    assert demo_warehouse.result.success
    return run_engine_pipeline(
        demo_warehouse,
        tmp_path_factory.mktemp("postgres_pipeline"),
        POSTGRES,
        postgres_server.environment(),
        compare=lambda reference: compare_with_postgres(reference, postgres_server),
        observe=lambda: _state(postgres_server),
    )


def test_the_job_builds_on_postgres_and_checks_there(postgres_pipeline):
    output = postgres_pipeline.full_output
    assert postgres_pipeline.staging_in_duckdb == 0  # dbt wrote nothing into the DuckDB file
    # The suites of the layers dbt built ran (on PostgreSQL) and passed; none could not run.
    for layer in ("staging", "marts"):
        line = re.search(rf"quality checks \({layer}\)\s+[\d.]+ s\s+(\d+) checks passed", output)
        assert line and int(line[1]) > 20, output[-3000:]
    assert re.search(r"Asset checks: \d+ passed, 0 failed", output), output[-3000:]


def test_every_kpi_mart_on_postgres_and_in_the_serving_file_is_identical_to_duckdb(
    postgres_pipeline, postgres_server
):
    defined = assert_every_kpi_mart_identical(postgres_pipeline.full_results)
    assert_every_kpi_mart_identical(postgres_pipeline.serving_results)
    # Identical and not vacuous: on the demo data every mart has rows on PostgreSQL.
    connection = postgres_server.connect()
    try:
        assert all(postgres_rows(connection, mart).rows for mart in defined)
    finally:
        connection.close()


def test_the_daily_run_hands_over_only_the_new_batches_and_builds_incrementally(postgres_pipeline):
    daily = handed_over_rows(postgres_pipeline.daily_output, "PostgreSQL")
    full = handed_over_rows(postgres_pipeline.full_output, "PostgreSQL")
    assert 0 < daily < full / 10
    before, after = postgres_pipeline.after_full, postgres_pipeline.after_daily
    # Each table of the drop holds one load batch more on PostgreSQL: the day's.
    for table in ("activity_activities", "salesforce_opportunity"):
        assert after.batches[table] == before.batches[table] + 1
    # The incremental models were added to in place, not created anew.
    assert set(before.oids) == set(INCREMENTAL_MODELS)
    assert after.oids == before.oids


def test_after_the_drop_every_kpi_mart_is_identical_to_duckdbs_daily_build(postgres_pipeline):
    assert_every_kpi_mart_identical(postgres_pipeline.daily_results)
