"""The pipeline with dbt on a local Spark session (SALES_DBT_TARGET=spark), run as a user runs
it: `cli run`, then a next-day drop and `cli daily` (engine_checks.run_engine_pipeline).

Runs with `make test-spark` only (SALES_TEST_SPARK=1): Spark's start-up and a build on 2 cores
take many minutes. The hand-off writes the raw tables as Parquet files registered in a fresh
Spark catalog (only the new load batches on the daily run), dbt builds there (its incremental
models by insert_overwrite of partitions), and every kpi_* mart, read back from Spark's Parquet
files, is compared with DuckDB's. The Great Expectations suites of staging and marts are not run
on Spark (docs/engines.md): the run says so.
"""

from __future__ import annotations

import os

import pytest
from engine_checks import assert_every_kpi_mart_identical, handed_over_rows, run_engine_pipeline

from orchestration.engines.compare import compare_with_spark
from orchestration.engines.handoff import SPARK_DIR_ENV
from orchestration.engines.targets import SPARK

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("SALES_TEST_SPARK") != "1", reason="runs with make test-spark"),
]


def _raw_files(spark_dir) -> int:
    return sum(1 for _ in (spark_dir / "raw" / "activity_activities").glob("*.parquet"))


@pytest.fixture(scope="module")
def spark_pipeline(demo_warehouse, tmp_path_factory):
    pytest.importorskip("pyspark", reason="make install-spark installs PySpark")
    assert demo_warehouse.result.success
    spark_dir = tmp_path_factory.mktemp("spark")  # the profile's catalog and warehouse folders
    return run_engine_pipeline(
        demo_warehouse,
        tmp_path_factory.mktemp("spark_pipeline"),
        SPARK,
        {SPARK_DIR_ENV: str(spark_dir)},
        compare=lambda reference: compare_with_spark(reference, spark_dir / "warehouse"),
        observe=lambda: _raw_files(spark_dir),
    )


def test_the_job_builds_on_spark_and_says_what_it_did_not_check(spark_pipeline):
    assert spark_pipeline.staging_in_duckdb == 0
    assert "suites not run: dbt built the staging tables on Spark" in spark_pipeline.full_output


def test_every_kpi_mart_on_spark_and_in_the_serving_file_is_identical_to_duckdb(spark_pipeline):
    assert_every_kpi_mart_identical(spark_pipeline.full_results)
    assert_every_kpi_mart_identical(spark_pipeline.serving_results)


def test_the_daily_run_hands_over_one_file_of_new_batches(spark_pipeline):
    assert (
        0
        < handed_over_rows(spark_pipeline.daily_output, "Spark")
        < (handed_over_rows(spark_pipeline.full_output, "Spark") / 10)
    )
    assert spark_pipeline.after_daily == spark_pipeline.after_full + 1


def test_after_the_drop_every_kpi_mart_is_identical_to_duckdbs_daily_build(spark_pipeline):
    assert_every_kpi_mart_identical(spark_pipeline.daily_results)
