"""The whole dbt project on a local Spark session gives DuckDB's kpi_* marts, row for row.

Runs with `make test-spark` only (SALES_TEST_SPARK=1): Spark's start-up and a build on 2 cores
take minutes. The session's demo warehouse (tests/conftest.py) is handed over as Parquet files
registered in a fresh Spark catalog, `dbt build` runs with the spark target, and every kpi_*
mart, read back from Spark's Parquet files, is compared with DuckDB's.
"""

from __future__ import annotations

import os

import pytest
from engine_checks import assert_build_passed, assert_every_kpi_mart_identical

from orchestration.engines.compare import compare_with_spark
from orchestration.engines.dbt_command import run_dbt
from orchestration.engines.handoff import SPARK_DIR_ENV, handoff_to_spark
from orchestration.engines.targets import SPARK

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("SALES_TEST_SPARK") != "1", reason="runs with make test-spark"),
]


@pytest.fixture(scope="module")
def spark_build(demo_warehouse, tmp_path_factory):
    pytest.importorskip("pyspark", reason="make install-spark installs PySpark")
    assert demo_warehouse.result.success
    spark_dir = tmp_path_factory.mktemp("spark")
    with pytest.MonkeyPatch.context() as env:
        env.setenv(SPARK_DIR_ENV, str(spark_dir))  # the profile's catalog and warehouse folders
        handoff_to_spark(demo_warehouse.database, spark_dir / "raw")
        output = run_dbt("build", target=SPARK, target_path=tmp_path_factory.mktemp("dbt_target_spark"))
    return demo_warehouse, spark_dir, output


def test_dbt_build_passes_every_model_and_test(spark_build):
    _, _, output = spark_build
    assert_build_passed(output)


def test_every_kpi_mart_is_identical_to_duckdb(spark_build):
    demo, spark_dir, _ = spark_build
    assert_every_kpi_mart_identical(compare_with_spark(demo.database, spark_dir / "warehouse"))
