"""The full-refresh job runs in-process on demo data in a temporary folder."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.ingestion.contract import OBJECTS

pytestmark = pytest.mark.slow


def test_job_succeeds_and_materializes_every_asset(demo_warehouse):
    result = demo_warehouse.result
    assert result.success
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert {obj.raw_table for obj in OBJECTS} <= materialized
    assert {"stg_salesforce__opportunities", "kpi_revenue", "kpi_activity_time_allocation"} <= materialized


def test_dbt_tests_ran_as_asset_checks_and_passed(demo_warehouse):
    evaluations = demo_warehouse.result.get_asset_check_evaluations()
    assert len(evaluations) > 100
    failed = [e.check_name for e in evaluations if not e.passed]
    assert failed == []


def test_every_demo_file_loaded_and_raw_matches_generated_rows(demo_warehouse):
    report = demo_warehouse.report
    with duckdb.connect(str(demo_warehouse.database), read_only=True) as con:
        statuses = con.execute("select status, count(*) from raw.load_manifest group by status").fetchall()
        assert dict(statuses) == {"loaded": len(report.files)}
        assert con.execute("select count(*) from raw.load_rejects").fetchone()[0] == 0
        for obj in OBJECTS:
            raw_rows = con.execute(f"select count(*) from raw.{obj.raw_table}").fetchone()[0]
            assert raw_rows == report.rows[obj.api_name], obj.api_name


def test_staging_holds_the_newest_version_of_each_live_record(demo_warehouse):
    with duckdb.connect(str(demo_warehouse.database), read_only=True) as con:
        live_ids = con.execute(
            """
            select count(*) from (
                select id, is_deleted,
                    row_number() over (partition by id order by system_modstamp desc nulls last,
                        last_modified_date desc nulls last, _file_landed_at desc, _source_file desc,
                        _source_line desc) as version_rank
                from raw.salesforce_opportunity
            ) where version_rank = 1 and not coalesce(is_deleted, false)
            """
        ).fetchone()[0]
        staged = con.execute("select count(*) from staging.stg_salesforce__opportunities").fetchone()[0]
        assert staged == live_ids > 0
        activities = con.execute("select count(*) from staging.stg_activity__activities").fetchone()[0]
        distinct = con.execute("select count(distinct activity_id) from raw.activity_activities").fetchone()[
            0
        ]
        assert activities == distinct
