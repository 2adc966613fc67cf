"""Runs whose process died (kill -9, the out-of-memory killer, a reboot): detected, marked
failed, their writer-pool slots freed, so the runs after them do not wait forever.

Such a run stays STARTED in DAGSTER_HOME, and the pool slot its step claimed (and the queue
entries of its other steps) stay taken: with the writer pool's limit of 1, every later run waits.
Dagster frees the slots of runs that have *ended* (`run_monitoring:
free_slots_after_run_end_seconds` in dagster.yaml), but its default run launcher cannot tell
whether a run's process is still alive, and a run executed in the CLI's own process has no run
worker for Dagster to watch. So:

- Every run names its owner process. The CLI tags its runs with host, pid and the process's
  start (boot id and start time in clock ticks: a reused pid or a reboot is not taken for the
  owner, `owner_tags`); a run launched by the daemon or the UI logs its worker's pid in its first
  engine events ("Started process for run (pid: N)").
- `recover_crashed_runs`: the runs in progress whose owner process is gone are marked failed with
  the reason, and their slots (claimed and queued) are freed. The CLI calls it before each run
  and while one of its steps waits for the slot (`PoolWaitReporter`).
- `OwnerCheckingRunLauncher`: Dagster's default launcher plus that liveness check, so that the
  daemon's run monitoring (`dagster dev`) fails such runs as well; the monitoring daemon then
  frees their slots.

Liveness is read from `/proc` (Linux); elsewhere only whether the pid exists. A run owned by
another host cannot be checked: it is left alone, and a run waiting on it names it.
"""

from __future__ import annotations

import fcntl
import os
import socket
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

# Not exported at the top level (Dagster is pinned in pyproject.toml); the monitoring daemon uses
# the same classes. tests/orchestration/test_crash_recovery.py fails if an upgrade moves them.
from dagster._core.events import JobFailureData, RunFailureReason
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus

from orchestration.resources import WAREHOUSE_WRITER_POOL

OWNER_HOST_TAG = "sales/owner_host"
OWNER_PID_TAG = "sales/owner_pid"
OWNER_START_TAG = "sales/owner_start"  # "<boot id>:<start time in clock ticks after boot>"

# Statuses of a run that has not ended. QUEUED is not here: a queued run has no process yet (the
# daemon's queue owns it and starts it later).
_UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
_PROC = Path("/proc")
_LOCK_NAME = ".recovery.lock"


# --- Processes ------------------------------------------------------------------------------


def _boot_id() -> str | None:
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks after boot) of a process; None when there is none."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after "pid (command)": field 3 (state) onwards
    return fields[0], int(fields[19])  # fields 3 and 22 of proc(5)


def _boot_time() -> float:
    for line in (_PROC / "stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise OSError("no btime in /proc/stat")


@dataclass(frozen=True)
class Owner:
    """The process that executes a run."""

    host: str
    pid: int
    # "<boot id>:<start ticks>": exactly which process (CLI runs), None when unknown.
    start: str | None = None
    # Launched runs: when the worker logged its pid (it was alive then, so started before).
    logged_at: float | None = None

    def describe(self) -> str:
        return f"process {self.pid} on host {self.host}"


def this_process() -> Owner:
    stat = _proc_stat(os.getpid())
    boot = _boot_id()
    start = f"{boot}:{stat[1]}" if stat and boot else None
    return Owner(socket.gethostname(), os.getpid(), start)


def owner_tags(owner: Owner | None = None) -> dict[str, str]:
    """The tags by which a run executed in this process names it as its owner."""
    owner = owner or this_process()
    tags = {OWNER_HOST_TAG: owner.host, OWNER_PID_TAG: str(owner.pid)}
    if owner.start:
        tags[OWNER_START_TAG] = owner.start
    return tags


def owner_gone(owner: Owner) -> str | None:
    """Why `owner` is known to be gone, or None when it is alive or cannot be checked (another host)."""
    if owner.host != socket.gethostname():
        return None
    detail = None
    if _PROC.is_dir():
        stat = _proc_stat(owner.pid)
        if stat is None or stat[0] in ("Z", "X"):  # gone, or dead and not yet reaped
            detail = ""
        elif owner.start:
            boot, _, ticks = owner.start.partition(":")
            if boot != _boot_id():
                detail = "; the machine has restarted since"
            elif ticks != str(stat[1]):
                detail = "; its pid now belongs to another process"
        elif owner.logged_at is not None:
            started = _boot_time() + stat[1] / os.sysconf("SC_CLK_TCK")
            if started > owner.logged_at + 1:  # btime has a 1 s resolution
                detail = "; its pid now belongs to another process"
    else:
        try:
            os.kill(owner.pid, 0)
        except ProcessLookupError:
            detail = ""
        except PermissionError:
            pass  # exists, someone else's
    if detail is None:
        return None
    return f"{owner.describe()} exited without finishing the run (killed, out of memory or reboot{detail})"


def run_owner(instance: dg.DagsterInstance, run: dg.DagsterRun) -> Owner | None:
    """The process that executes `run`: from the CLI's tags, else from the pid its worker logged
    (runs launched by the daemon or the UI, on this host); None when not known (yet)."""
    tags = run.tags
    if OWNER_PID_TAG in tags:
        try:
            pid = int(tags[OWNER_PID_TAG])
        except ValueError:
            return None
        return Owner(tags.get(OWNER_HOST_TAG, ""), pid, tags.get(OWNER_START_TAG) or None)
    records = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, limit=20, ascending=True
    ).records
    for record in records:
        event = record.event_log_entry.dagster_event
        data = event.engine_event_data if event is not None else None
        pid = data.metadata.get("pid") if data is not None else None
        if pid is not None and str(pid.value).isdigit():
            return Owner(socket.gethostname(), int(pid.value), logged_at=record.timestamp)
    return None


def crash_reason(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str | None:
    """Why `run`'s process is known to be gone, or None."""
    owner = run_owner(instance, run)
    return owner_gone(owner) if owner is not None else None


# --- Recovery -------------------------------------------------------------------------------


@dataclass
class RecoveredRun:
    run_id: str
    job_name: str
    status: dg.DagsterRunStatus  # before recovery
    reason: str
    slots: int  # pool slots its steps held
    queued: int  # its steps' places in the pools' queues
    marked_failed: bool = True

    def line(self) -> str:
        freed = f"{self.slots} pool slot(s) and {self.queued} queued step(s) freed"
        if not self.marked_failed:
            return f"Run {self.run_id} of job {self.job_name} ({self.status.value}): {self.reason}; {freed}."
        return (
            f"Recovered run {self.run_id} of job {self.job_name} (was {self.status.value}): "
            f"{self.reason}; marked failed, {freed}."
        )


@contextmanager
def _recovery_lock(instance: dg.DagsterInstance) -> Iterator[None]:
    """One recovery at a time per DAGSTER_HOME (cron and a manual launch starting together)."""
    root = instance.root_directory
    if not root or not Path(root).is_dir():
        yield
        return
    with (Path(root) / _LOCK_NAME).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _pool_holdings(instance: dg.DagsterInstance) -> dict[str, tuple[int, int]]:
    """Run id -> (claimed slots, queued steps), over every pool, for every run with an entry
    (a step assigned a slot it has not claimed yet counts in neither, but holds the slot too)."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return {}
    holdings: dict[str, list[int]] = {}
    for info in storage.get_concurrency_infos(sorted(storage.get_concurrency_keys())).values():
        for slot in info.claimed_slots:
            holdings.setdefault(slot.run_id, [0, 0])[0] += 1
        for step in info.pending_steps:
            holdings.setdefault(step.run_id, [0, 0])[1] += step.assigned_timestamp is None
    return {run_id: (claimed, queued) for run_id, (claimed, queued) in holdings.items()}


def recover_crashed_runs(
    instance: dg.DagsterInstance, run_ids: Collection[str] | None = None
) -> list[RecoveredRun]:
    """Mark failed every unfinished run (of `run_ids`, or all) whose owner process is gone, and
    free the pool slots and queue entries of those runs and of ended runs whose process is gone."""
    recovered: list[RecoveredRun] = []
    with _recovery_lock(instance):
        holdings = _pool_holdings(instance)
        filters = dg.RunsFilter(statuses=_UNFINISHED, run_ids=list(run_ids) if run_ids is not None else None)
        for record in instance.get_run_records(filters=filters):
            run = record.dagster_run
            reason = crash_reason(instance, run)
            if reason is None:
                continue
            current = instance.get_run_by_id(run.run_id)  # under the lock: still unfinished?
            if current is None or current.is_finished:
                continue
            instance.report_run_failed(
                current,
                f"{reason}. Marked failed by {this_process().describe()}; its pool slots were freed.",
                JobFailureData(error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION),
            )
            if run.run_id in holdings:
                instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            claimed, queued = holdings.pop(run.run_id, (0, 0))
            recovered.append(RecoveredRun(run.run_id, run.job_name, run.status, reason, claimed, queued))
        # An ended run still holding slots (marked failed by the daemon, the UI, or a recovery
        # interrupted in between): freed now when its process is gone, else the daemon frees
        # them after `free_slots_after_run_end_seconds`.
        for run_id, (claimed, queued) in holdings.items():
            if run_ids is not None and run_id not in run_ids:
                continue
            run = instance.get_run_by_id(run_id)
            if run is None or not run.is_finished:
                continue
            reason = crash_reason(instance, run)
            if reason is None:
                continue
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
            recovered.append(
                RecoveredRun(run_id, run.job_name, run.status, reason, claimed, queued, marked_failed=False)
            )
    return recovered


class OwnerCheckingRunLauncher(DefaultRunLauncher):
    """Dagster's default run launcher, able to answer run monitoring's health check: a run whose
    owner process is gone has FAILED, any other is RUNNING (including one that cannot be checked).

    Set as `run_launcher` in dagster.yaml; the monitoring daemon (`run_monitoring: enabled`) asks
    every `poll_interval_seconds` and marks failed runs as such.
    """

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        reason = crash_reason(self._instance, run)
        if reason is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(WorkerStatus.FAILED, reason)


# --- Waiting for the pool -------------------------------------------------------------------


def _utc(moment: datetime | float) -> str:
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class PoolWaitReporter:
    """While run `run_id` executes, watch the pool: when one of its steps waits for the slot held
    by another run, write one line naming that run and since when it holds the slot (again when
    the holder changes), and one when the slot is obtained. A holder whose process is gone is
    recovered on the spot, so the waiting step gets the slot.

    Used as a context manager around the run (a thread polls the instance every `interval` s).
    """

    def __init__(
        self,
        instance: dg.DagsterInstance,
        run_id: str,
        pool: str = WAREHOUSE_WRITER_POOL,
        interval: float = 2.0,
        write: Callable[[str], None] | None = None,
    ) -> None:
        self.instance = instance
        self.run_id = run_id
        self.pool = pool
        self.interval = interval
        self.write = write or (lambda line: print(line, flush=True))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pool-wait-reporter", daemon=True)
        self._reported: tuple[tuple[str, str], ...] = ()  # holders named in the last line(s)
        self._waiting_since: float | None = None  # when the current wait began, once announced

    def __enter__(self) -> PoolWaitReporter:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        failed_polls = 0
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception as exc:  # watching must never break the run
                failed_polls += 1
                if failed_polls == 3:
                    self.write(f"(pool wait reporting stopped: {type(exc).__name__}: {exc})")
                    return

    def poll(self) -> None:
        storage = self.instance.event_log_storage
        info = storage.get_concurrency_info(self.pool)
        waiting = [p for p in info.pending_steps if p.run_id == self.run_id and p.assigned_timestamp is None]
        if not waiting:
            if self._waiting_since is not None:
                seconds = time.time() - self._waiting_since
                self.write(f"Got the warehouse writer slot after waiting {seconds:.0f} s.")
            self._waiting_since, self._reported = None, ()
            return
        holders = tuple(
            sorted({(s.run_id, s.step_key) for s in info.claimed_slots if s.run_id != self.run_id})
        )
        dead = []
        for holder_id, _ in holders:
            holder = self.instance.get_run_by_id(holder_id)
            if holder is not None and crash_reason(self.instance, holder) is not None:
                dead.append(holder_id)
        if dead:  # their slots would never be released
            for recovered in recover_crashed_runs(self.instance, run_ids=dead):
                self.write(recovered.line())
            self._reported = ()
            return
        if not holders or holders == self._reported:
            return
        since = {(p.run_id, p.step_key): p.assigned_timestamp for p in info.pending_steps}
        for holder_id, step_key in holders:
            self.write(self._wait_line(holder_id, step_key, since.get((holder_id, step_key))))
        self._reported = holders
        if self._waiting_since is None:
            self._waiting_since = min(p.enqueued_timestamp for p in waiting).timestamp()

    def _wait_line(self, holder_id: str, step_key: str, assigned: datetime | None) -> str:
        record = self.instance.get_run_record_by_id(holder_id)
        held_since = assigned or (record.start_time if record and record.start_time else None)
        run = record.dagster_run if record else None
        about = [f"job {run.job_name}" if run else None, f"step {step_key}"]
        if run is not None:
            owner = run_owner(self.instance, run)
            trigger = run.tags.get("sales/trigger")
            about.append(owner.describe() if owner else None)
            about.append(f"started by {trigger}" if trigger else None)
        details = ", ".join(part for part in about if part)
        when = f" since {_utc(held_since)}" if held_since is not None else ""
        return f"Waiting for the warehouse writer slot held by run {holder_id} ({details}){when}."
