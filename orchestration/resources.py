"""Resources bound once in the Definitions: the DuckDB warehouse and the landing folder.

Also the two rules every step that opens the DuckDB file follows: it runs in
`WAREHOUSE_WRITER_POOL` (limit 1 in the instance's `dagster.yaml`, so overlapping runs queue
instead of failing on DuckDB's single-writer lock), and its body runs under `retry_on_lock`:
a lock held outside Dagster is retried with backoff, any other error fails the step at once
with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
import duckdb

from orchestration import config
from orchestration.duckdb_memory import limit_memory

# Every asset that writes the DuckDB file runs in this pool: DuckDB allows one writer process,
# so overlapping runs must queue rather than fail on the file lock.
WAREHOUSE_WRITER_POOL = "duckdb_warehouse_writer"

# A writer can still meet a lock held outside Dagster (a BI tool or a DuckDB shell on the file),
# which goes away on its own: 4 retries, after 5, 15, 35 and 75 s (exponential backoff). No
# jitter: the pool already keeps Dagster's own writers apart.
LOCK_MAX_RETRIES = 4
LOCK_FIRST_WAIT_SECONDS = 5

# DuckDB's messages when another process holds the file ("Could not set lock on file ...:
# Conflicting lock is held in ...").
_LOCK_ERROR = re.compile(r"could not set lock on file|conflicting lock", re.IGNORECASE)
_LOCK_DETAILS = re.compile(
    r'lock on file "(?P<file>[^"]+)".*?held in (?P<program>.+?) \(PID (?P<pid>\d+)\)', re.IGNORECASE
)


def is_lock_error(message: str) -> bool:
    """Whether an error message is DuckDB's file-lock conflict: transient, worth a retry."""
    return bool(_LOCK_ERROR.search(message))


def lock_wait_seconds(retry: int) -> int:
    """Seconds before retry number `retry` (1 for the first): 5, 15, 35, 75."""
    return LOCK_FIRST_WAIT_SECONDS * (2**retry - 1)


def _error_messages(error: BaseException) -> str:
    """The messages of an error and of the errors it was raised from (a lock error wrapped in
    another one is still a lock error)."""
    messages = []
    while error is not None and len(messages) < 10:
        messages.append(str(error))
        error = error.__cause__
    return "\n".join(messages)


def _lock_holder(message: str) -> str:
    """Which file is locked and by which process, as far as DuckDB's message says."""
    found = _LOCK_DETAILS.search(message)
    if found is None:
        return "DuckDB file locked by another process"
    return f"DuckDB file {found['file']} locked by another process (pid {found['pid']}, {found['program']})"


def step_error(context: Any, error: Exception) -> Exception:
    """What a step that opens the DuckDB file raises for `error`: `RetryRequested` with backoff
    for DuckDB's lock (logged at WARNING, so it shows in the console), else a `Failure` that no
    retry policy retries, its description's first line the reason, for the run's summary.

    `context`: the step's context (its `retry_number` and `log`).
    """
    messages = _error_messages(error)
    if is_lock_error(messages):
        holder, retry = _lock_holder(messages), context.retry_number + 1
        if retry <= LOCK_MAX_RETRIES:
            wait = lock_wait_seconds(retry)
            context.log.warning(f"{holder}: retry {retry} of {LOCK_MAX_RETRIES} in {wait} s")
            return dg.RetryRequested(max_retries=LOCK_MAX_RETRIES, seconds_to_wait=wait)
        waited = sum(lock_wait_seconds(n) for n in range(1, LOCK_MAX_RETRIES + 1))
        return dg.Failure(
            description=f"{holder}, still after {LOCK_MAX_RETRIES} retries over {waited} s\n{messages}",
            allow_retries=False,
        )
    if isinstance(error, dg.Failure):  # the step's own account of what went wrong
        description = error.description or type(error).__name__
        return dg.Failure(description=description, metadata=error.metadata, allow_retries=False)
    return dg.Failure(description=f"{type(error).__name__}: {error}", allow_retries=False)


@contextmanager
def retry_on_lock(context: Any) -> Iterator[None]:
    """Around the body of every step that opens the DuckDB file: see `step_error`."""
    try:
        yield
    except dg.RetryRequested:
        raise
    except Exception as error:
        raise step_error(context, error) from error


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file, the landing folder it is loaded from and the serving file
    its marts are published to (the file BI reads; never the warehouse itself)."""

    database_path: str
    landing_dir: str
    serving_path: str
    reject_threshold: float = 0.01

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(self.database_path)
        try:
            con.execute("set TimeZone = 'UTC'")
            limit_memory(con)
            yield con
        finally:
            con.close()


def warehouse_from_environment() -> WarehouseResource:
    return WarehouseResource(
        database_path=str(config.warehouse_path()),
        landing_dir=str(config.landing_dir()),
        serving_path=str(config.serving_path()),
        reject_threshold=config.reject_threshold(),
    )
