"""Resources bound once in the Definitions: the DuckDB warehouse and the landing folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from orchestration import config

# Every asset that writes the DuckDB file runs in this pool: DuckDB allows one writer process,
# so overlapping runs must queue rather than fail on the file lock.
WAREHOUSE_WRITER_POOL = "duckdb_warehouse_writer"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file and the landing folder it is loaded from."""

    database_path: str
    landing_dir: str
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
        reject_threshold=config.reject_threshold(),
    )
