"""Three launches that overlap in time against one warehouse all succeed, with no lock error:
the writer pool (limit 1, from the DAGSTER_HOME/dagster.yaml template) makes their DuckDB
writer steps wait for one another.

Each launch is a separate process (DuckDB's lock is per process; inside one process connections
share the database) running the daily job in-process against the shared instance, as the CLI
and the run workers of the schedule and the sensor do. The first launch ingests then builds a
dbt model (dbt holds the file for its whole invocation); the two others, ingestion runs like
the sensor's, are released together while that dbt step is running. The instance's event log
then shows the runs overlapping in time, writer steps blocked by the pool until the dbt step
ended, and no two writer steps ever running at the same time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import dagster as dg
import duckdb
import pytest
from orchestration_helpers import USER_ROLES_CSV, write_file

from orchestration.automation.instance import ensure_dagster_home
from orchestration.resources import WAREHOUSE_WRITER_POOL, is_lock_error

pytestmark = pytest.mark.slow

LAUNCHER = os.path.join(os.path.dirname(__file__), "launch_daily_subset.py")
USERS_CSV = "Id,Name,IsActive,CreatedDate\nU1,Ann,true,2026-01-01T00:00:00Z\n"
# What each launch writes: the first ingests and builds a dbt model, the others ingest.
SELECTIONS = [
    ["raw/salesforce_user_role", "staging/stg_salesforce__user_roles"],
    ["raw/salesforce_user_role", "raw/salesforce_user"],
    ["raw/salesforce_user", "raw/salesforce_user_role"],
]
DBT_STEP = "dbt_warehouse_models"


def _writer_step_intervals(instance: dg.DagsterInstance, run_id: str) -> list[tuple[float, float, str]]:
    started: dict[str, float] = {}
    intervals = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or entry.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[entry.step_key] = entry.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            intervals.append((started[entry.step_key], entry.timestamp, f"{run_id[:8]}:{entry.step_key}"))
    return intervals


def _events(instance: dg.DagsterInstance, runs, event_type: dg.DagsterEventType) -> list:
    return [entry for run in runs for entry in instance.all_logs(run.dagster_run.run_id, of_type=event_type)]


def _wait_for_dbt_step(instance: dg.DagsterInstance, timeout: float = 300) -> None:
    """Until the first launch's dbt step has started writing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for run in instance.get_run_records():
            starts = instance.all_logs(run.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_START)
            if any(entry.step_key == DBT_STEP for entry in starts):
                return
        time.sleep(0.2)
    raise TimeoutError("the dbt step never started")


def test_three_overlapping_launches_queue_on_the_writer_pool_and_all_succeed(tmp_path, monkeypatch):
    landing, warehouse, home = tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "dagster_home"
    write_file(landing, "salesforce/UserRole/roles.csv", USER_ROLES_CSV)
    write_file(landing, "salesforce/User/users.csv", USERS_CSV)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    ensure_dagster_home()  # the template dagster.yaml (pools: default_limit 1) and the storage
    first_go, then_go = tmp_path / "go-first", tmp_path / "go-then"
    env = {
        **os.environ,
        "SALES_LANDING_DIR": str(landing),
        "SALES_WAREHOUSE_PATH": str(warehouse),
        "DAGSTER_HOME": str(home),
    }
    launches = [
        subprocess.Popen(
            [sys.executable, LAUNCHER, *selection],
            env={**env, "LAUNCH_BARRIER": str(first_go if index == 0 else then_go)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for index, selection in enumerate(SELECTIONS)
    ]
    try:
        for launch in launches:  # every process has loaded the definitions
            assert launch.stdout.readline().strip() == "ready"
        first_go.touch()
        with dg.DagsterInstance.get() as instance:
            _wait_for_dbt_step(instance)
        then_go.touch()  # two more launches while dbt holds the warehouse
        outputs = [launch.communicate(timeout=600)[0] for launch in launches]
    finally:
        for launch in launches:
            if launch.poll() is None:
                launch.kill()

    for launch, output in zip(launches, outputs, strict=True):
        assert launch.returncode == 0, output[-3000:]
        assert not is_lock_error(output), output[-3000:]

    with dg.DagsterInstance.get() as instance:  # DAGSTER_HOME: the launches' instance
        runs = instance.get_run_records()
        assert len(runs) == len(SELECTIONS)
        assert {r.dagster_run.status for r in runs} == {dg.DagsterRunStatus.SUCCESS}
        # The runs really overlapped: each started before any of them had finished...
        assert max(r.start_time for r in runs) < min(r.end_time for r in runs)
        # ...so writer steps had to wait for the pool...
        blocked = [
            entry
            for entry in _events(instance, runs, dg.DagsterEventType.ENGINE_EVENT)
            if f"blocked by limit for pool {WAREHOUSE_WRITER_POOL}" in (entry.message or "")
        ]
        assert blocked, "no writer step waited for the pool: the launches did not contend"
        # ...and no two writer steps ever ran at once, across all runs: the ingestion steps
        # launched during the dbt step started after it ended.
        # Every step here opens the warehouse: the selected assets' steps and the quality
        # checks on them (`quality_<layer>`, in the pool too).
        intervals = sorted(i for r in runs for i in _writer_step_intervals(instance, r.dagster_run.run_id))
        asset_steps = [name for _, _, name in intervals if ":quality_" not in name]
        assert len(asset_steps) == 2 * len(SELECTIONS), asset_steps
        retries = [
            f"{e.run_id[:8]}:{e.step_key}: {e.message}"
            for e in _events(instance, runs, dg.DagsterEventType.STEP_UP_FOR_RETRY)
        ]
        for (_, end, first), (start, _, second) in zip(intervals, intervals[1:], strict=False):
            assert start >= end, f"{first} and {second} wrote at the same time; retries: {retries}"
        (dbt_end, dbt_run) = next((end, name[:8]) for _, end, name in intervals if name.endswith(DBT_STEP))
        assert all(start >= dbt_end for start, _, name in intervals if not name.startswith(dbt_run))
        # Nothing met a lock and needed a retry.
        assert _events(instance, runs, dg.DagsterEventType.STEP_UP_FOR_RETRY) == []

    with duckdb.connect(str(warehouse), read_only=True) as con:
        # Each file was loaded once, by whichever run got to it first, and the model built.
        assert con.execute("select status, count(*) from raw.load_manifest group by 1").fetchall() == [
            ("loaded", 2)
        ]
        assert con.execute("select count(*) from staging.stg_salesforce__user_roles").fetchone()[0] == 2
