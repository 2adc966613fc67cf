"""A throwaway PostgreSQL server for the engine tests and benchmarks: Debian's binaries
(installed by `.ci/install-postgres` when missing), a fresh cluster in a folder of the caller,
a free loopback port, password authentication, stopped and deleted when the `with` block ends,
even on error.

    with local_postgres() as server:   # server: PostgresSettings
        os.environ.update(server.environment())
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration import config
from orchestration.engines.targets import PostgresSettings

INSTALL_SCRIPT = config.PROJECT_ROOT / ".ci" / "install-postgres"
# PostgreSQL refuses to run as root; Debian's package creates this account for it.
SERVER_ACCOUNT = "postgres"
SUPERUSER = "sales"
DATABASE = "sales_warehouse"
# A test server holds only what one test run builds: skipping durability (fsync and friends)
# makes dbt's many small transactions several times faster, and a crash loses nothing of value.
_THROWAWAY_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def postgres_bin_dir() -> Path:
    """The folder of `initdb` and `pg_ctl`: Debian's /usr/lib/postgresql/<version>/bin (the newest
    version), else the PATH's; runs .ci/install-postgres once when neither has them."""
    for attempt in range(2):
        versions = sorted(
            Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
        )
        if versions:
            return versions[-1].parent
        on_path = shutil.which("pg_ctl")
        if on_path and shutil.which("initdb"):
            return Path(on_path).resolve().parent
        if attempt == 0:
            subprocess.run([str(INSTALL_SCRIPT)], check=True)
    raise RuntimeError(f"pg_ctl and initdb are still missing after {INSTALL_SCRIPT}")


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_account() -> list[str]:
    return ["runuser", "-u", SERVER_ACCOUNT, "--"] if os.geteuid() == 0 else []


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(_as_server_account() + command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"{what} failed (exit {done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
        )


def _administer(server: PostgresSettings, statements: list[str]) -> None:
    admin = server.connect("postgres")
    try:
        admin.autocommit = True  # create and drop database refuse to run in a transaction
        with admin.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        admin.close()


def create_database(server: PostgresSettings, dbname: str) -> None:
    """An empty database on `server`, in time zone UTC (the cluster's collation is C)."""
    _administer(server, [f'create database "{dbname}"', f"alter database \"{dbname}\" set timezone to 'UTC'"])


def drop_database(server: PostgresSettings, dbname: str) -> None:
    _administer(server, [f'drop database if exists "{dbname}" with (force)'])


@contextmanager
def local_postgres(dbname: str = DATABASE) -> Iterator[PostgresSettings]:
    """A running server with an empty UTF-8 database `dbname` (C collation: strings sort by
    bytes, as on DuckDB and Spark) in time zone UTC. Its cluster lives in a temporary folder of
    its own (the server account must reach it: pytest's folders are private to their user)."""
    bin_dir = postgres_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="sales-postgres-"))
    cluster, socket_dir, log = root / "pgdata", root / "pgsocket", root / "postgres.log"
    password = secrets.token_hex(16)
    password_file = root / "pgpass.initdb"
    password_file.write_text(password)
    socket_dir.mkdir(exist_ok=True)
    if os.geteuid() == 0:  # the server account must own what it writes
        for path in (root, socket_dir, password_file):
            shutil.chown(path, SERVER_ACCOUNT)
    _run(
        [
            str(bin_dir / "initdb"),
            f"--pgdata={cluster}",
            f"--username={SUPERUSER}",
            f"--pwfile={password_file}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
        ],
        f"initdb in {cluster}",
    )
    password_file.unlink()
    port = free_loopback_port()
    options = " ".join(
        [f"-p {port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={socket_dir}"]
        + [f"-c {setting}" for setting in _THROWAWAY_SETTINGS]
    )
    pg_ctl = str(bin_dir / "pg_ctl")
    try:
        _run(
            [pg_ctl, "-D", str(cluster), "-l", str(log), "-o", options, "-w", "start"],
            f"pg_ctl start (log: {log})",
        )
        server = PostgresSettings("127.0.0.1", port, SUPERUSER, password, dbname)
        create_database(server, dbname)
        yield server
    finally:
        subprocess.run(
            _as_server_account() + [pg_ctl, "-D", str(cluster), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
