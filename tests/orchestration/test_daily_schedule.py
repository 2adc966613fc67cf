"""The daily schedule launches the daily job with its run config, at a cron and in a time zone
read from the environment."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
import pytest
from orchestration_helpers import definitions_for

from orchestration.automation.schedules import DAILY_SCHEDULE_NAME
from orchestration.jobs import daily_run_config


@pytest.fixture
def defs(monkeypatch, tmp_path) -> dg.Definitions:
    monkeypatch.delenv("SALES_DAILY_CRON", raising=False)
    monkeypatch.delenv("SALES_SCHEDULE_TIMEZONE", raising=False)
    return definitions_for(monkeypatch, tmp_path / "landing", tmp_path / "warehouse.duckdb")


def test_the_schedule_returns_the_daily_job_with_the_right_run_config(defs):
    schedule = defs.resolve_schedule_def(DAILY_SCHEDULE_NAME)
    assert schedule.job_name == "daily"
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "UTC")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING

    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 10, 2, 6, 0, tzinfo=UTC)
        )
        (request,) = schedule.evaluate_tick(context).run_requests
    assert request.run_key == "daily-2026-10-02"
    assert request.run_config == daily_run_config()
    # No --full-refresh, and the quality checks scoped to what the run changes.
    new_rows = {"config": {"scope": "new"}}
    assert request.run_config == {
        "ops": {
            "dbt_warehouse_models": {"config": {"full_refresh": False}},
            "quality_raw": new_rows,
            "quality_staging": new_rows,
            "quality_marts": new_rows,
        }
    }
    assert request.tags["sales/scheduled_date"] == "2026-10-02"
    assert request.asset_selection is None  # the whole daily job
    # The config is valid for the job: the dbt step builds without --full-refresh.
    dg.validate_run_config(defs.resolve_job_def("daily"), request.run_config)


def test_cron_and_time_zone_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SALES_DAILY_CRON", "30 5 * * 1-5")
    monkeypatch.setenv("SALES_SCHEDULE_TIMEZONE", "Europe/Paris")
    schedule = definitions_for(monkeypatch, tmp_path, tmp_path / "w.duckdb").resolve_schedule_def(
        DAILY_SCHEDULE_NAME
    )
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 5 * * 1-5", "Europe/Paris")


@pytest.mark.parametrize(
    ("cron", "timezone", "problem"),
    [
        ("every day", "UTC", "SALES_DAILY_CRON=every day: not a 5-field cron expression"),
        ("0 6 * * *", "Paris", "SALES_SCHEDULE_TIMEZONE=Paris: not an IANA time zone"),
    ],
)
def test_a_bad_cron_or_time_zone_fails_loudly_naming_the_variable(
    monkeypatch, tmp_path, cron, timezone, problem
):
    monkeypatch.setenv("SALES_DAILY_CRON", cron)
    monkeypatch.setenv("SALES_SCHEDULE_TIMEZONE", timezone)
    with pytest.raises(ValueError, match=f"^configuration error: {problem}"):
        definitions_for(monkeypatch, tmp_path, tmp_path / "w.duckdb")
