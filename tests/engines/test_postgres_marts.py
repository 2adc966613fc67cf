"""The whole dbt project on a real PostgreSQL server gives DuckDB's kpi_* marts, row for row.

The session's demo warehouse (tests/conftest.py: the full-refresh job on DuckDB) is handed over
to PostgreSQL (raw tables only), `dbt build` runs there (models, seeds, contracts, unit and data
tests), and every kpi_* mart is compared with DuckDB's (orchestration/engines/compare.py).
"""

from __future__ import annotations

import pytest
from engine_checks import assert_build_passed, assert_every_kpi_mart_identical

from orchestration.engines.compare import compare_with_postgres, postgres_rows
from orchestration.engines.dbt_command import run_dbt
from orchestration.engines.handoff import handoff_to_postgres
from orchestration.engines.targets import POSTGRES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def postgres_build(demo_warehouse, postgres_server, tmp_path_factory):
    assert demo_warehouse.result.success
    handoff_to_postgres(demo_warehouse.database, postgres_server)
    output = run_dbt(
        "build",
        target=POSTGRES,
        target_path=tmp_path_factory.mktemp("dbt_target_postgres"),
        environment=postgres_server.environment(),
    )
    return demo_warehouse, postgres_server, output


def test_dbt_build_passes_every_model_and_test(postgres_build):
    _, _, output = postgres_build
    assert_build_passed(output)


def test_every_kpi_mart_is_identical_to_duckdb(postgres_build):
    demo, server, _ = postgres_build
    defined = assert_every_kpi_mart_identical(compare_with_postgres(demo.database, server))
    # Identical and not vacuous: on the demo data every mart has rows on PostgreSQL.
    connection = server.connect()
    try:
        assert all(postgres_rows(connection, mart).rows for mart in defined)
    finally:
        connection.close()
