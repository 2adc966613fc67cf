"""A run killed at any point (kill -9, out of memory, reboot) blocks nothing: the next run finds
it, marks it failed with the reason, frees its writer-pool slots, and completes; a run waiting for
the slot says which run holds it. The data side needs no repair: a file is loaded whole or not
at all, and loaded once.

The end-to-end test kills a chain of CLI runs on one DAGSTER_HOME and warehouse, each at another
point (`crash_at.py`), then lets a plain `cli run` finish, and compares the warehouse with the
uninterrupted build of the same landing files (`demo_warehouse`).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml
from dagster._core.events import EngineEventData
from orchestration_helpers import USER_ROLES_CSV, write_file

from orchestration import config
from orchestration.automation import instance as instance_module
from orchestration.automation.recovery import (
    OWNER_PID_TAG,
    Owner,
    OwnerCheckingRunLauncher,
    owner_gone,
    owner_tags,
    recover_crashed_runs,
    this_process,
)
from orchestration.config import warehouse_environment
from orchestration.ingestion.contract import OBJECTS
from orchestration.resources import WAREHOUSE_WRITER_POOL

HERE = Path(__file__).parent
CRASH_AT = HERE / "crash_at.py"
LAUNCHER = HERE / "launch_daily_subset.py"
GONE = "exited without finishing the run (killed, out of memory or reboot"
# A process that reports the owner tags it would put on its runs, then waits for stdin.
OWNER_PROCESS = (
    "import json, sys\n"
    "from orchestration.automation.recovery import owner_tags\n"
    "print(json.dumps(owner_tags()), flush=True)\n"
    "sys.stdin.read()\n"
)


def _start_owner() -> tuple[subprocess.Popen, dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", OWNER_PROCESS], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    return process, json.loads(process.stdout.readline())


def _owner(tags: dict[str, str]) -> Owner:
    return Owner(tags["sales/owner_host"], int(tags["sales/owner_pid"]), tags.get("sales/owner_start"))


def _start_ticks(pid: int) -> str:
    """Field 22 of /proc/<pid>/stat, parsed here independently of the module."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2 :].split()[19]


# --- Who owns a run ------------------------------------------------------------------------


def test_this_process_is_named_by_host_pid_and_start():
    tags = owner_tags()
    assert tags["sales/owner_host"] == socket.gethostname()
    assert tags["sales/owner_pid"] == str(os.getpid())
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    assert tags["sales/owner_start"] == f"{boot}:{_start_ticks(os.getpid())}"
    assert owner_gone(this_process()) is None


def test_an_owner_is_gone_once_its_process_exits_even_before_it_is_reaped():
    process, tags = _start_owner()
    owner = _owner(tags)
    assert owner.pid == process.pid
    assert owner_gone(owner) is None
    process.kill()
    deadline = time.monotonic() + 30
    while _proc_state(process.pid) not in ("Z", None) and time.monotonic() < deadline:
        time.sleep(0.05)  # until the kernel has killed it (a zombie: not reaped yet)
    assert owner_gone(owner) == f"process {process.pid} on host {socket.gethostname()} {GONE})"
    process.wait()
    assert owner_gone(owner) == f"process {process.pid} on host {socket.gethostname()} {GONE})"


def _proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()[0]


def test_a_reused_pid_or_a_reboot_is_not_taken_for_the_owner_and_another_host_is_not_judged():
    me = this_process()
    boot, ticks = me.start.split(":")
    reused = Owner(me.host, me.pid, f"{boot}:{int(ticks) + 1}")
    assert owner_gone(reused).endswith("; its pid now belongs to another process)")
    rebooted = Owner(me.host, me.pid, f"{uuid.uuid4()}:{ticks}")
    assert owner_gone(rebooted).endswith("; the machine has restarted since)")
    # A launched run's worker logged its pid: a process started after that is not the worker.
    assert owner_gone(Owner(me.host, me.pid, logged_at=time.time())) is None
    assert "belongs to another process" in owner_gone(Owner(me.host, me.pid, logged_at=time.time() - 1e6))
    assert owner_gone(Owner("another-host.example", 1, "x:1")) is None


# --- Recovery in the instance --------------------------------------------------------------


def _add_run(instance, status, tags=None, job_name="daily") -> dg.DagsterRun:
    run = dg.DagsterRun(job_name=job_name, run_id=str(uuid.uuid4()), status=status, tags=tags or {})
    instance.add_run(run)
    return run


def _held(instance, run_id: str, pool: str = WAREHOUSE_WRITER_POOL) -> tuple[list[str], list[str]]:
    """(steps holding a slot, steps queued) of a run in a pool."""
    info = instance.event_log_storage.get_concurrency_info(pool)
    claimed = [s.step_key for s in info.claimed_slots if s.run_id == run_id]
    queued = [p.step_key for p in info.pending_steps if p.run_id == run_id and p.assigned_timestamp is None]
    return claimed, queued


def _failure_message(instance, run_id: str) -> str:
    (failure,) = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    return failure.dagster_event.message


def test_runs_whose_process_is_gone_are_failed_and_free_their_slots_the_others_are_left_alone():
    dead_process, dead_tags = _start_owner()
    dead_process.kill()
    dead_process.wait()
    alive_tags = owner_tags()
    with dg.instance_for_test() as instance:
        storage = instance.event_log_storage
        storage.set_concurrency_slots(WAREHOUSE_WRITER_POOL, 1)
        storage.set_concurrency_slots("other_pool", 1)
        crashed_cli = _add_run(instance, dg.DagsterRunStatus.STARTED, {"sales/trigger": "cli", **dead_tags})
        never_started = _add_run(instance, dg.DagsterRunStatus.NOT_STARTED, dead_tags)
        launched = _add_run(instance, dg.DagsterRunStatus.STARTED)  # by the daemon: its worker logs its pid
        instance.report_engine_event(
            f"Started process for run (pid: {dead_process.pid}).",
            launched,
            EngineEventData.in_process(dead_process.pid),
        )
        alive = _add_run(instance, dg.DagsterRunStatus.STARTED, alive_tags)
        elsewhere = _add_run(
            instance, dg.DagsterRunStatus.STARTED, {**dead_tags, "sales/owner_host": "another-host.example"}
        )
        ended = _add_run(instance, dg.DagsterRunStatus.STARTED, dead_tags)
        assert storage.claim_concurrency_slot(WAREHOUSE_WRITER_POOL, crashed_cli.run_id, "dbt").is_claimed
        for run in (launched, alive):  # queued behind it
            assert not storage.claim_concurrency_slot(WAREHOUSE_WRITER_POOL, run.run_id, "raw").is_claimed
        assert storage.claim_concurrency_slot("other_pool", ended.run_id, "quality").is_claimed
        instance.report_run_failed(ended, "failed by someone else, slot still held")

        recovered = recover_crashed_runs(instance)

        reason = f"process {dead_process.pid} on host {socket.gethostname()} {GONE})"
        by_run = {r.run_id: r for r in recovered}
        assert set(by_run) == {crashed_cli.run_id, never_started.run_id, launched.run_id, ended.run_id}
        assert by_run[crashed_cli.run_id].line() == (
            f"Recovered run {crashed_cli.run_id} of job daily (was STARTED): {reason}; marked failed, "
            "1 pool slot(s) and 0 queued step(s) freed."
        )
        assert (by_run[launched.run_id].slots, by_run[launched.run_id].queued) == (0, 1)
        assert by_run[ended.run_id].line().startswith(f"Run {ended.run_id} of job daily (FAILURE): {reason};")
        for run in (crashed_cli, never_started, launched):
            assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
            assert _failure_message(instance, run.run_id).startswith(reason)
            assert _held(instance, run.run_id) == ([], [])
        assert _held(instance, ended.run_id, "other_pool") == ([], [])
        for run in (alive, elsewhere):
            assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
        # The live run still waits in the queue (its next claim gets the freed slot).
        info = storage.get_concurrency_info(WAREHOUSE_WRITER_POOL)
        assert [(p.run_id, p.step_key) for p in info.pending_steps] == [(alive.run_id, "raw")]
        assert recover_crashed_runs(instance) == []  # nothing left to do


def test_the_daemons_run_monitoring_fails_a_run_whose_process_is_gone():
    from dagster._daemon.monitoring.run_monitoring import monitor_started_run

    dead_process, dead_tags = _start_owner()
    dead_process.kill()
    dead_process.wait()
    launcher = {"module": "orchestration.automation.recovery", "class": "OwnerCheckingRunLauncher"}
    with dg.instance_for_test(overrides={"run_launcher": launcher}) as instance:
        assert isinstance(instance.run_launcher, OwnerCheckingRunLauncher)
        dead = _add_run(instance, dg.DagsterRunStatus.STARTED, dead_tags)
        alive = _add_run(instance, dg.DagsterRunStatus.STARTED, owner_tags())
        unknown = _add_run(instance, dg.DagsterRunStatus.STARTED)  # no owner known yet
        for run in (dead, alive, unknown):
            monitor_started_run(instance, None, instance.get_run_record_by_id(run.run_id), _quiet_logger())
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
        assert f"process {dead_process.pid} on host" in _failure_message(instance, dead.run_id)
        assert instance.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.STARTED
        assert instance.get_run_by_id(unknown.run_id).status == dg.DagsterRunStatus.STARTED


def _quiet_logger():
    import logging

    return logging.getLogger("test_crash_recovery")


def test_the_instance_template_monitors_runs_and_frees_slots_of_ended_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    instance_module.ensure_dagster_home()
    assert capsys.readouterr().err == ""
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.run_launcher, OwnerCheckingRunLauncher)
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
    # An older dagster.yaml (pool limit only) is kept, with a warning.
    settings = yaml.safe_load(instance_module.TEMPLATE.read_text())
    old = {"concurrency": settings["concurrency"]}
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "old_home"))
    (tmp_path / "old_home").mkdir()
    (tmp_path / "old_home" / "dagster.yaml").write_text(yaml.safe_dump(old))
    instance_module.ensure_dagster_home()
    assert "lacks the `run_launcher` and `run_monitoring` sections" in capsys.readouterr().err
    assert yaml.safe_load((tmp_path / "old_home" / "dagster.yaml").read_text()) == old


# --- End to end: a run waiting for the slot -----------------------------------------------


def _reader(stream) -> queue.Queue:
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _read_until(lines: queue.Queue, pattern: str, seen: list[str], timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if re.search(pattern, line):
            return line
    raise AssertionError(f"no line matching {pattern!r}:\n{''.join(seen)[-3000:]}")


@pytest.mark.slow
def test_a_waiting_run_names_the_run_holding_the_slot_and_gets_it_when_that_run_dies(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    write_file(landing, "salesforce/UserRole/roles.csv", USER_ROLES_CSV)
    env = {**os.environ, **warehouse_environment(tmp_path, landing)}  # nothing under data/
    monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
    instance_module.ensure_dagster_home()
    holder_process, holder_tags = _start_owner()
    launch = None
    try:
        with dg.DagsterInstance.get() as instance:  # a scheduled run's dbt step holds the slot
            holder = _add_run(
                instance, dg.DagsterRunStatus.STARTED, {"sales/trigger": "daily_schedule", **holder_tags}
            )
            instance.event_log_storage.initialize_concurrency_limit_to_default(WAREHOUSE_WRITER_POOL)
            claim = instance.event_log_storage.claim_concurrency_slot(
                WAREHOUSE_WRITER_POOL, holder.run_id, "dbt_warehouse_models"
            )
            assert claim.is_claimed
        launch = subprocess.Popen(
            [sys.executable, str(LAUNCHER), "raw/salesforce_user_role"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines, seen = _reader(launch.stdout), []
        waiting = _read_until(lines, "Waiting for the warehouse writer slot", seen)
        assert re.fullmatch(
            rf"Waiting for the warehouse writer slot held by run {holder.run_id} \(job daily, step "
            rf"dbt_warehouse_models, process {holder_process.pid} on host {re.escape(socket.gethostname())}, "
            r"started by daily_schedule\) since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.",
            waiting.strip(),
        ), waiting
        holder_process.kill()  # the holder dies while the launch waits for its slot
        holder_process.wait()
        recovered = _read_until(lines, "Recovered run", seen)
        assert recovered.startswith(f"Recovered run {holder.run_id} of job daily (was STARTED): process ")
        _read_until(lines, r"Got the warehouse writer slot after waiting \d+ s\.", seen)
        assert launch.wait(timeout=300) == 0, "".join(seen)[-3000:]
    finally:
        for process in (holder_process, launch):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    with dg.DagsterInstance.get() as instance:
        assert instance.get_run_by_id(holder.run_id).status == dg.DagsterRunStatus.FAILURE
        (launched,) = [r for r in instance.get_runs() if r.run_id != holder.run_id]
        assert launched.status == dg.DagsterRunStatus.SUCCESS
        assert launched.tags[OWNER_PID_TAG] == str(launch.pid)
        info = instance.event_log_storage.get_concurrency_info(WAREHOUSE_WRITER_POOL)
        assert (info.claimed_slots, info.pending_steps) == ([], [])


# --- End to end: kill -9 at five points, then a plain run --------------------------------

# (kill point, CLI command of the run killed there), in pipeline order: each run also recovers
# the run killed before it, and must get through the pool to reach its own kill point. The run
# killed in the checks after dbt builds one model (as a landing sensor's run would), not all of
# them: a whole dbt build there would add half a minute and test nothing more. That model's dbt
# tests read no other model (the run before was killed early in dbt: most models do not exist).
KILLS = [
    ("load", ["run"]),
    ("between_assets", ["daily"]),
    ("raw_checks", ["daily"]),
    ("dbt", ["run"]),
    ("post_dbt_checks", ["daily", "staging/stg_salesforce__user_roles"]),
]
BIG_FILE = "activity/activities/activities_2025.csv.gz"  # crash_at.BIG_FILE
FILE_BEFORE = "activity/activities/activities_2024.csv"  # loaded just before it, same step


def _cli(args: list[str], env: dict[str, str], timeout: float = 300) -> tuple[int, str]:
    """A CLI process in its own session (its process group is all the run's processes); one
    that waits for a dead run's slot hits the timeout."""
    process = subprocess.Popen(
        [sys.executable, *args],
        env=env,
        cwd=config.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # only the session started here
            process.wait()
    # Nothing of the run survives it (a dbt left running would hold the warehouse's lock).
    deadline = time.monotonic() + 30
    while _session_processes(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session_processes(process.pid) == [], "processes of the killed run survived it"
    return process.returncode, output


def _session_processes(session_id: int) -> list[int]:
    """Live processes of a session (a killed run's children keep its session id)."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[3]) == session_id:
                members.append(int(entry.name))
    return members


def _query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def _assert_half_loaded_file_left_no_trace(database: Path) -> None:
    """Killed inside the big file's transaction: nothing of it, the file before it whole."""
    manifest = dict(_query(database, "select source_file, rows_loaded from raw.load_manifest"))
    assert BIG_FILE not in manifest
    rows = dict(_query(database, "select _source_file, count(*) from raw.activity_activities group by 1"))
    assert BIG_FILE not in rows
    assert rows[FILE_BEFORE] == manifest[FILE_BEFORE] > 0


def _tables(con, database: str, schema: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = ? order by 1",
            [database, schema],
        ).fetchall()
    ]


def _differences(con, left: str, right: str, columns: str = "*") -> int:
    """Rows of either relation missing from the other (duplicates count)."""
    missing = "(select count(*) from (select {c} from {a} except all select {c} from {b}))"
    both = f"{missing.format(c=columns, a=left, b=right)} + {missing.format(c=columns, a=right, b=left)}"
    return con.execute(f"select {both}").fetchone()[0]


def _comparable_columns(con, database: str, schema: str, table: str) -> tuple[list[tuple], str]:
    """(names and types, select list): doubles rounded to 1e-6, since DuckDB's parallel sums of
    doubles may differ in the last bits from one build to the next."""
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [database, schema, table],
    ).fetchall()
    select = ", ".join(f'round("{c}", 6)' if t in ("DOUBLE", "FLOAT") else f'"{c}"' for c, t in columns)
    return columns, select


def _assert_same_as_uninterrupted_build(database: Path, reference: Path) -> None:
    with duckdb.connect() as con:
        con.execute(f"attach '{database}' as crashed (read_only)")
        con.execute(f"attach '{reference}' as reference (read_only)")
        # Each file once, loaded whole: the manifest rows are the reference's, no file twice.
        manifest = "source_file, file_hash, status, records_read, rows_loaded, rows_rejected"
        assert _differences(con, "crashed.raw.load_manifest", "reference.raw.load_manifest", manifest) == 0
        assert con.execute(
            "select count(*) = count(distinct source_file) from crashed.raw.load_manifest"
        ).fetchone()[0]
        # Every raw row, lineage included, except when it was loaded.
        for obj in OBJECTS:
            table = f"raw.{obj.raw_table}"
            assert _differences(con, f"crashed.{table}", f"reference.{table}", "* exclude (_loaded_at)") == 0
        marts = _tables(con, "reference", "marts")
        assert len(marts) > 10 and _tables(con, "crashed", "marts") == marts
        different = []
        for table in marts:
            columns, select = _comparable_columns(con, "reference", "marts", table)
            assert _comparable_columns(con, "crashed", "marts", table)[0] == columns, table
            if _differences(con, f"crashed.marts.{table}", f"reference.marts.{table}", select):
                different.append(table)
        assert different == []


@pytest.mark.slow
def test_runs_killed_at_five_points_block_nothing_and_a_plain_run_rebuilds_the_same_marts(
    demo_warehouse, tmp_path, monkeypatch
):
    landing, database, home = tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "dagster_home"
    shutil.copytree(demo_warehouse.landing, landing)  # keeps modification times: same landing order
    env = {**os.environ, **warehouse_environment(tmp_path, landing)}  # nothing under data/
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    crashed: list[str] = []
    try:
        for point, command in KILLS:
            marker = tmp_path / f"killed_at_{point}"
            status, output = _cli([str(CRASH_AT), point, *command], {**env, "CRASH_MARKER": str(marker)})
            assert status == -signal.SIGKILL, output[-3000:]
            assert marker.exists() and marker.read_text() == point, output[-3000:]  # there, not elsewhere
            if crashed:  # the run before, found dead and failed before this one started
                assert f"Recovered run {crashed[-1]} of job " in output, output[-3000:]
            with dg.DagsterInstance.get() as instance:
                killed = instance.get_run_records(limit=1)[0].dagster_run
                assert killed.run_id not in crashed
                # Left behind as the issue describes: in progress, holding the writer slot.
                assert killed.status == dg.DagsterRunStatus.STARTED
                assert _held(instance, killed.run_id)[0] != [], point
            if point == "load":
                _assert_half_loaded_file_left_no_trace(database)
            crashed.append(killed.run_id)

        status, output = _cli(["-m", "orchestration.cli", "run"], env)
        assert status == 0, output[-3000:]
        assert f"Recovered run {crashed[-1]} of job daily (was STARTED): process " in output
        with dg.DagsterInstance.get() as instance:
            runs = {r.run_id: r for r in instance.get_runs()}
            assert len(runs) == len(KILLS) + 1
            for run_id in crashed:
                assert runs[run_id].status == dg.DagsterRunStatus.FAILURE
                assert GONE in _failure_message(instance, run_id)
            (last,) = set(runs) - set(crashed)
            assert runs[last].status == dg.DagsterRunStatus.SUCCESS
            info = instance.event_log_storage.get_concurrency_info(WAREHOUSE_WRITER_POOL)
            assert (info.claimed_slots, info.pending_steps) == ([], [])
        _assert_same_as_uninterrupted_build(database, demo_warehouse.database)
    finally:
        # A killed dbt step leaves its target folder (named after the run) in the shared project.
        for run_id in crashed:
            for folder in (config.PROJECT_ROOT / "target").glob(f"dbt_warehouse_models-{run_id[:7]}-*"):
                shutil.rmtree(folder, ignore_errors=True)
