"""Writers meet DuckDB's lock held outside Dagster: the step retries with backoff and the run
recovers. Failures that are not transient fail at once, reported with the step and reason."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import dagster as dg
import duckdb
import pytest
from orchestration_helpers import USER_ROLES_CSV, definitions_for, write_file

from orchestration.automation.reporting import format_run_failure
from orchestration.automation.sensors import FAILED_RUNS_SENSOR_NAME
from orchestration.resources import WRITER_RETRY_POLICY, is_lock_error
from orchestration.transformation.assets import DbtBuildConfig, dbt_build_args

# Another process (a BI tool, a DuckDB shell) holding the warehouse open for writing until it
# reads a line on stdin.
HOLD_LOCK = (
    "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('locked', flush=True); sys.stdin.readline()"
)


def _hold_lock(database) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def _release(holder: subprocess.Popen) -> None:
    if holder.poll() is None:
        holder.communicate("release\n", timeout=30)


def test_duckdb_lock_conflicts_are_recognised_as_transient(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    holder = _hold_lock(database)
    try:
        with pytest.raises(duckdb.Error) as raised:
            duckdb.connect(str(database))
    finally:
        _release(holder)
    assert is_lock_error(str(raised.value))
    assert not is_lock_error("Failure in test unique_stg_salesforce__users_user_id")


def _error_chain(error) -> str:
    """Every message of a serialized error and of its causes."""
    messages = []
    while error is not None:
        messages.append(error.message)
        error = error.cause or error.context
    return "\n".join(messages)


def _retry_events(instance: dg.DagsterInstance) -> list:
    return [
        record
        for run in instance.get_run_records()
        for record in instance.get_records_for_run(
            run.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY
        ).records
    ]


def test_an_ingestion_step_meeting_a_lock_retries_with_backoff_and_the_run_recovers(tmp_path, monkeypatch):
    landing, database = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    write_file(landing, "salesforce/UserRole/roles.csv", USER_ROLES_CSV)
    defs = definitions_for(monkeypatch, landing, database)
    holder = _hold_lock(database)
    with dg.instance_for_test() as instance, ThreadPoolExecutor(1) as pool:
        run = pool.submit(
            defs.resolve_job_def("daily").execute_in_process,
            asset_selection=[dg.AssetKey(["raw", "salesforce_user_role"])],
            instance=instance,
            raise_on_error=False,
        )
        try:  # the lock is released once the step has failed on it and is waiting to retry
            deadline = time.monotonic() + 60
            while not _retry_events(instance) and time.monotonic() < deadline and not run.done():
                time.sleep(0.1)
        finally:
            _release(holder)
        result = run.result(timeout=120)
        failures = instance.get_records_for_run(
            result.run_id, of_type=dg.DagsterEventType.STEP_FAILURE
        ).records
    assert result.success
    retries = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    assert retries, "the step never met the lock"
    retry = retries[0].event_specific_data
    assert is_lock_error(_error_chain(retry.error)), "retried for another reason than the lock"
    assert retry.seconds_to_wait is not None and retry.seconds_to_wait >= 0
    assert failures == []
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from raw.salesforce_user_role").fetchone()[0] == 2
    assert WRITER_RETRY_POLICY.max_retries == 4 and WRITER_RETRY_POLICY.backoff == dg.Backoff.EXPONENTIAL


def test_a_failed_run_is_reported_with_the_failing_step_and_its_reason():
    @dg.asset
    def kpi_table() -> None:
        raise dg.Failure(description="Failure in test not_null_kpi_revenue_bookings", allow_retries=False)

    @dg.asset
    def raw_table() -> None:
        raise OSError("IO Error: Could not set lock on file warehouse.duckdb")

    result = dg.materialize([kpi_table, raw_table], raise_on_error=False)
    report = format_run_failure("daily", result.run_id, result.get_step_failure_events()).splitlines()
    assert report[0] == f"Run {result.run_id} of job daily failed."
    assert sorted(report[1:]) == [
        "  step kpi_table: Failure in test not_null_kpi_revenue_bookings",
        "  step raw_table: OSError: IO Error: Could not set lock on file warehouse.duckdb",
    ]


def test_the_failed_runs_sensor_is_part_of_the_definitions(tmp_path, monkeypatch):
    defs = definitions_for(monkeypatch, tmp_path, tmp_path / "w.duckdb")
    sensor = defs.get_repository_def().get_sensor_def(FAILED_RUNS_SENSOR_NAME)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_the_dbt_step_builds_with_or_without_full_refresh():
    assert dbt_build_args(DbtBuildConfig()) == ["build"]
    assert dbt_build_args(DbtBuildConfig(full_refresh=True)) == ["build", "--full-refresh"]
