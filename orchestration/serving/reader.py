"""Reading the serving file from the project's own readers (the dashboard, query helpers).

`open_serving(path)`: a connection for SQL nobody vetted (a dashboard filter, a BI user's
query): read-only, no file system access beyond the database itself (`read_csv`, `read_text`,
`COPY`, `ATTACH` of local files are refused), no extension installed or loaded, and the
configuration locked so the query cannot turn any of that back on.

`ServingReader`: for a long-lived process. A publish switches the file at the path; a
connection opened before keeps reading the old build, and DuckDB's instance cache would hand
a new `duckdb.connect(path)` the same old database while any connection to it is open. So the
reader notices a new file (its inode changed), waits for the queries in flight on the old one,
closes it and opens the new one: the process sees every new build without a restart.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

HARDENED_CONFIG: dict[str, Any] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


def open_serving(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A hardened read-only connection to the serving file (see the module docstring)."""
    return duckdb.connect(str(path), read_only=True, config=HARDENED_CONFIG)


def _identity(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino


class ServingReader:
    """One hardened connection per process, reopened when a new build is published.

    Thread-safe: each query runs on its own cursor; a reopen waits until the queries on the
    old connection have finished (closing it while one runs would keep the old database in
    DuckDB's instance cache, and the reopen would get the old build again)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, int] | None = None
        self._in_flight = 0
        self._changed = threading.Condition()
        self.reopened = 0  # how many times a new build was picked up

    def _refresh(self) -> None:
        """Under the condition's lock: the connection to the file now at the path."""
        identity = _identity(self.path)
        if self._connection is not None and identity == self._identity:
            return
        while self._in_flight:
            self._changed.wait()
        if self._connection is not None:
            self._connection.close()
            self.reopened += 1
        self._connection = open_serving(self.path)
        self._identity = identity

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the newest published build, for one query or a few of one build."""
        with self._changed:
            self._refresh()
            assert self._connection is not None
            cursor = self._connection.cursor()
            self._in_flight += 1
        try:
            yield cursor
        finally:
            cursor.close()
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    def query(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[tuple]:
        with self.cursor() as cursor:
            return cursor.execute(sql, params or []).fetchall()

    def close(self) -> None:
        with self._changed:
            while self._in_flight:
                self._changed.wait()
            if self._connection is not None:
                self._connection.close()
            self._connection = None
            self._identity = None
