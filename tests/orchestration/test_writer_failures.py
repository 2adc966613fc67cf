"""Writers meet DuckDB's lock held outside Dagster: the step retries with backoff and the run
recovers. Every other failure fails the step at once (one attempt), reported with the step and
its reason, never "Exceeded max_retries"."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest
from orchestration_helpers import USER_ROLES_CSV, definitions_for, write_file

from orchestration.automation.reporting import format_run_failure
from orchestration.automation.sensors import FAILED_RUNS_SENSOR_NAME
from orchestration.ingestion import assets as ingestion_assets
from orchestration.ingestion import loader
from orchestration.resources import LOCK_MAX_RETRIES, is_lock_error, lock_wait_seconds, step_error
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


ROLES_KEY = dg.AssetKey(["raw", "salesforce_user_role"])
ROLES_STEP = "raw__salesforce_user_role"


def _step_events(result: dg.ExecuteInProcessResult, event_type: dg.DagsterEventType) -> list:
    return [e for e in result.all_events if e.event_type == event_type and e.step_key == ROLES_STEP]


def _attempts(result: dg.ExecuteInProcessResult) -> int:
    """How many times the step ran: its start, then one restart per retry."""
    return len(_step_events(result, dg.DagsterEventType.STEP_START)) + len(
        _step_events(result, dg.DagsterEventType.STEP_RESTARTED)
    )


def _warnings(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    return [
        record.event_log_entry.user_message
        for record in instance.get_records_for_run(run_id).records
        if record.event_log_entry.level == logging.WARNING and record.event_log_entry.dagster_event is None
    ]


def test_an_ingestion_step_meeting_a_lock_retries_with_backoff_and_the_run_recovers(tmp_path, monkeypatch):
    landing, database = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    write_file(landing, "salesforce/UserRole/roles.csv", USER_ROLES_CSV)
    monkeypatch.setenv("SALES_QUALITY_DIR", str(tmp_path / "quality"))
    defs = definitions_for(monkeypatch, landing, database)
    holder = _hold_lock(database)
    with dg.instance_for_test() as instance, ThreadPoolExecutor(1) as pool:
        run = pool.submit(
            defs.resolve_job_def("daily").execute_in_process,
            asset_selection=[ROLES_KEY],
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
        warnings = _warnings(instance, result.run_id)
    assert result.success
    # Two attempts: the first met the lock, the retry (after 5 s) loaded the file.
    assert _attempts(result) == 2
    (retry,) = _step_events(result, dg.DagsterEventType.STEP_UP_FOR_RETRY)
    assert is_lock_error(_error_chain(retry.event_specific_data.error)), "retried for another reason"
    assert retry.event_specific_data.seconds_to_wait == lock_wait_seconds(1) == 5
    assert _step_events(result, dg.DagsterEventType.STEP_FAILURE) == []
    # The retry is said in the console log (WARNING), with the process holding the lock.
    (said,) = [w for w in warnings if "locked by another process" in w]
    assert said.startswith(f"DuckDB file {database} locked by another process (pid {holder.pid}, "), said
    assert said.endswith("): retry 1 of 4 in 5 s"), said
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from raw.salesforce_user_role").fetchone()[0] == 2


def _fail_load(*args, **kwargs):
    raise OSError(28, "No space left on device")


def _fail_read(*args, **kwargs):
    raise PermissionError(13, "Permission denied", "roles.csv")


@pytest.mark.parametrize(
    ("module", "function", "replacement", "reason"),
    [
        # The step itself fails (the warehouse's disk is full).
        (ingestion_assets, "load_object", _fail_load, "OSError: [Errno 28] No space left on device"),
        # One landing file cannot be read: the other files load, then the step fails.
        (
            loader,
            "read_csv_header",
            _fail_read,
            "1 file(s) could not be loaded (the next run tries again): salesforce/UserRole/roles.csv: "
            "PermissionError: [Errno 13] Permission denied: 'roles.csv'",
        ),
    ],
)
def test_a_step_failing_for_another_reason_fails_after_one_attempt_with_its_reason(
    tmp_path, monkeypatch, module, function, replacement, reason
):
    landing, database = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    write_file(landing, "salesforce/UserRole/roles.csv", USER_ROLES_CSV)
    defs = definitions_for(monkeypatch, landing, database)
    monkeypatch.setattr(module, function, replacement)
    started = time.monotonic()
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("daily").execute_in_process(
            asset_selection=[ROLES_KEY], instance=instance, raise_on_error=False
        )
    assert not result.success
    assert time.monotonic() - started < 30  # no backoff waited
    assert _attempts(result) == 1
    assert _step_events(result, dg.DagsterEventType.STEP_UP_FOR_RETRY) == []
    (failure,) = result.get_step_failure_events()
    assert failure.step_failure_data.user_failure_data.description.splitlines()[0] == reason
    report = format_run_failure("daily", result.run_id, result.get_step_failure_events())
    assert report.splitlines()[1] == f"  step {ROLES_STEP}: {reason}"
    assert "Exceeded max_retries" not in report


def test_the_lock_is_retried_four_times_with_backoff_then_fails_naming_the_lock():
    lock = duckdb.IOException(
        'IO Error: Could not set lock on file "/data/warehouse.duckdb": Conflicting lock is held in '
        "/usr/bin/duckdb (PID 4242). See also https://duckdb.org/docs/current/connect/concurrency"
    )
    logged: list[str] = []
    waits = []
    for retry_number in range(LOCK_MAX_RETRIES):
        context = SimpleNamespace(retry_number=retry_number, log=SimpleNamespace(warning=logged.append))
        request = step_error(context, lock)
        assert isinstance(request, dg.RetryRequested)
        assert request.max_retries == LOCK_MAX_RETRIES == 4
        waits.append(request.seconds_to_wait)
    assert waits == [5, 15, 35, 75]
    assert logged[1] == (
        "DuckDB file /data/warehouse.duckdb locked by another process (pid 4242, /usr/bin/duckdb): "
        "retry 2 of 4 in 15 s"
    )
    last = step_error(SimpleNamespace(retry_number=4, log=None), lock)
    assert isinstance(last, dg.Failure) and not last.allow_retries
    assert last.description.splitlines()[0] == (
        "DuckDB file /data/warehouse.duckdb locked by another process (pid 4242, /usr/bin/duckdb), "
        "still after 4 retries over 130 s"
    )
    # Not the lock: a Failure at once, whatever the attempt.
    other = step_error(
        SimpleNamespace(retry_number=0, log=None), duckdb.IOException("IO Error: Cannot open file")
    )
    assert isinstance(other, dg.Failure) and not other.allow_retries
    assert other.description == "IOException: IO Error: Cannot open file"


def test_a_failed_run_is_reported_with_the_failing_step_and_its_reason():
    @dg.asset
    def kpi_table() -> None:
        raise dg.Failure(description="Failure in test not_null_kpi_revenue_bookings", allow_retries=False)

    @dg.asset
    def raw_table() -> None:
        raise OSError("IO Error: Could not set lock on file warehouse.duckdb")

    # A step that used up a retry policy's retries (none of this project's): its reason, not
    # "Exceeded max_retries of 1".
    @dg.asset(retry_policy=dg.RetryPolicy(max_retries=1))
    def flaky_table() -> None:
        raise ValueError("the API returned 503")

    result = dg.materialize([kpi_table, raw_table, flaky_table], raise_on_error=False)
    report = format_run_failure("daily", result.run_id, result.get_step_failure_events()).splitlines()
    assert report[0] == f"Run {result.run_id} of job daily failed."
    assert sorted(report[1:]) == [
        "  step flaky_table: ValueError: the API returned 503",
        "  step kpi_table: Failure in test not_null_kpi_revenue_bookings",
        "  step raw_table: OSError: IO Error: Could not set lock on file warehouse.duckdb",
    ]


def test_the_failed_runs_sensor_is_part_of_the_definitions(tmp_path, monkeypatch):
    defs = definitions_for(monkeypatch, tmp_path, tmp_path / "w.duckdb")
    sensor = defs.get_repository_def().get_sensor_def(FAILED_RUNS_SENSOR_NAME)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_the_dbt_step_builds_with_or_without_full_refresh():
    # A daily build leaves out the unit tests and the whole-history reconciliation tests; the
    # full refresh runs them (one model at a time, as every DuckDB build: the profile's threads).
    daily = ["build", "--exclude-resource-type", "unit_test"]
    assert dbt_build_args(DbtBuildConfig()) == [*daily, "--exclude", "tag:full_validation"]
    with_unchanged = [*daily, "--exclude", "dim_reps tag:full_validation"]
    assert dbt_build_args(DbtBuildConfig(), ["dim_reps"]) == with_unchanged
    assert dbt_build_args(DbtBuildConfig(full_refresh=True)) == ["build", "--full-refresh"]
