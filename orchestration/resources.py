"""Resources bound once in the Definitions: the DuckDB warehouse and the landing folder.

Also the two rules every asset that writes the DuckDB file follows: it runs in
`WAREHOUSE_WRITER_POOL` (limit 1 in the instance's `dagster.yaml`, so overlapping runs queue
instead of failing on DuckDB's single-writer lock) and retries transient failures with
`WRITER_RETRY_POLICY`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from orchestration import config

# Every asset that writes the DuckDB file runs in this pool: DuckDB allows one writer process,
# so overlapping runs must queue rather than fail on the file lock.
WAREHOUSE_WRITER_POOL = "duckdb_warehouse_writer"

# A writer can still meet a lock held outside Dagster (a BI tool or a DuckDB shell on the file):
# retry 4 times, after about 5, 15, 35 and 75 s (exponential backoff, +/- 5 s of jitter).
WRITER_RETRY_POLICY = dg.RetryPolicy(
    max_retries=4, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)

# DuckDB's messages when another process holds the file ("Could not set lock on file ...:
# Conflicting lock is held in ...").
_LOCK_ERROR = re.compile(r"could not set lock on file|conflicting lock", re.IGNORECASE)


def is_lock_error(message: str) -> bool:
    """Whether an error message is DuckDB's file-lock conflict: transient, worth a retry."""
    return bool(_LOCK_ERROR.search(message))


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
