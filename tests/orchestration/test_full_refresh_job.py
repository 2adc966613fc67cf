"""The full-refresh job runs in-process on demo data in a temporary folder."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.demo.generator import generate_landing
from orchestration.ingestion.contract import OBJECTS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("warehouse")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    report = generate_landing(landing, seed=7, progress=False)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SALES_LANDING_DIR", str(landing))
        env.setenv("SALES_WAREHOUSE_PATH", str(warehouse))
        from orchestration.definitions import build_definitions

        defs = build_definitions()
        result = defs.get_job_def("full_refresh").execute_in_process(raise_on_error=False)
    return result, warehouse, report


def test_job_succeeds_and_materializes_every_asset(demo_run):
    result, _, _ = demo_run
    assert result.success
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events() if e.asset_key}
    assert {obj.raw_table for obj in OBJECTS} <= materialized
    assert "stg_salesforce__opportunities" in materialized


def test_every_demo_file_loaded_and_raw_matches_generated_rows(demo_run):
    _, warehouse, report = demo_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = con.execute("select status, count(*) from raw.load_manifest group by status").fetchall()
        assert dict(statuses) == {"loaded": len(report.files)}
        assert con.execute("select count(*) from raw.load_rejects").fetchone()[0] == 0
        for obj in OBJECTS:
            raw_rows = con.execute(f"select count(*) from raw.{obj.raw_table}").fetchone()[0]
            assert raw_rows == report.rows[obj.api_name], obj.api_name


def test_staging_holds_one_row_per_record(demo_run):
    _, warehouse, _ = demo_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw_ids = con.execute(
            "select count(distinct id) from raw.salesforce_opportunity where not coalesce(is_deleted, false)"
        ).fetchone()[0]
        staged = con.execute("select count(*) from staging.stg_salesforce__opportunities").fetchone()[0]
        assert 0 < staged <= raw_ids
        activities = con.execute("select count(*) from staging.stg_activity__activities").fetchone()[0]
        assert (
            activities
            == con.execute("select count(distinct activity_id) from raw.activity_activities").fetchone()[0]
        )
