"""Publishing: the marts BI reads, copied out of the build's warehouse into a separate serving
file, switched atomically, never written in place.

Readers never open the build's own file (DuckDB lets one process write a file, and a reader
blocks the writer), so the pipeline writes a new serving file next to the old one, verifies it,
then renames it over the old one (`os.replace`): a reader sees the old build or the new one,
never a mix; a reader that opened the old file keeps reading it (Linux keeps the old inode)
until it reconnects. The previous file stays beside it for rollback.

Layout of the serving folder (default `data/serving/`, from `SALES_SERVING_PATH`):

    warehouse.duckdb             the current build: kpi_*, dim_*, bridge_* and build_info
    warehouse.previous.duckdb    the build before it (rollback: rename it back)
    parquet/current -> <build>   a symlink, switched atomically like the file
    parquet/<build>/<table>.parquet, the current and the previous build's folders

A publish that dies (kill -9, out of memory, a reboot) leaves at most a hidden temporary file
or folder, removed by the next publish: the current file is the old build or the new one.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.duckdb_memory import limit_memory
from orchestration.sql_quoting import quote_ident, quote_literal

# The tables BI reads: the KPI marts and the dimensions and bridges they join to.
PUBLISHED_PREFIXES = ("kpi_", "dim_", "bridge_")
BUILD_INFO = "build_info"
PREVIOUS_SUFFIX = ".previous"
PARQUET_DIR = "parquet"
CURRENT_LINK = "current"
_TEMP_MARK = ".publishing"

Log = Callable[[str], None]


class PublishError(RuntimeError):
    """The new serving file did not verify: nothing was switched."""


@dataclass(frozen=True)
class TableFingerprint:
    name: str
    row_count: int
    content_hash: str  # order-independent: the sum of DuckDB's hash of every row


@dataclass(frozen=True)
class Publication:
    build_id: str
    published_at: datetime
    path: Path
    tables: tuple[TableFingerprint, ...]
    newest_file: str | None  # the newest landed file the build includes (landing order)
    newest_file_landed_at: datetime | None
    parquet_dir: Path | None
    seconds: float


def previous_path(serving_path: Path) -> Path:
    return serving_path.with_name(f"{serving_path.stem}{PREVIOUS_SUFFIX}{serving_path.suffix}")


def parquet_root(serving_path: Path) -> Path:
    return serving_path.parent / PARQUET_DIR


def published_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    """The marts of `database` (an attached warehouse) that BI reads, by name."""
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = 'marts' "
        "order by table_name",
        [database],
    ).fetchall()
    return [name for (name,) in rows if name.startswith(PUBLISHED_PREFIXES)]


def fingerprint(con: duckdb.DuckDBPyConnection, relation: str, name: str) -> TableFingerprint:
    rows, content = con.execute(
        f"select count(*), cast(coalesce(sum(hash(t)), 0) as varchar) from {relation} as t"
    ).fetchone()
    return TableFingerprint(name, int(rows), content)


def _newest_landed_file(con: duckdb.DuckDBPyConnection) -> tuple[str | None, datetime | None]:
    row = con.execute(
        "select source_file, file_landed_at from build.raw.load_manifest where status = 'loaded' "
        "order by file_landed_at desc, source_file desc limit 1"
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _copy_comments(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """The table's and columns' descriptions (dbt's persist_docs), so BI tools show them."""
    comment = con.execute(
        "select comment from duckdb_tables() "
        "where database_name = 'build' and schema_name = 'marts' and table_name = ?",
        [table],
    ).fetchone()
    if comment and comment[0]:
        con.execute(f"comment on table main.{quote_ident(table)} is {quote_literal(comment[0])}")
    columns = con.execute(
        "select column_name, comment from duckdb_columns() where database_name = 'build' "
        "and schema_name = 'marts' and table_name = ? and comment is not null and comment <> ''",
        [table],
    ).fetchall()
    for column, text in columns:
        column_ref = f"main.{quote_ident(table)}.{quote_ident(column)}"
        con.execute(f"comment on column {column_ref} is {quote_literal(text)}")


def _write_serving_file(
    build_db: Path, target: Path, build_id: str, published_at: datetime
) -> tuple[list[TableFingerprint], str | None, datetime | None]:
    """Copy the published marts of `build_db` into the new file `target` with its build_info;
    return the source's fingerprints (taken in the same read of the build) and its newest file."""
    con = duckdb.connect(str(target))
    try:
        con.execute("set TimeZone = 'UTC'")
        limit_memory(con, spill=False)  # the serving file's own temp folder, not the warehouse's
        con.execute(f"attach {quote_literal(build_db)} as build (read_only)")
        tables = published_tables(con, "build")
        if not tables:
            raise PublishError(f"{build_db} has no marts to publish (kpi_*, dim_*, bridge_*)")
        expected = [fingerprint(con, f"build.marts.{quote_ident(t)}", t) for t in tables]
        newest_file, newest_landed_at = _newest_landed_file(con)
        for table in tables:
            con.execute(
                f"create table main.{quote_ident(table)} as select * from build.marts.{quote_ident(table)}"
            )
            _copy_comments(con, table)
        con.execute(
            f"""
            create table main.{BUILD_INFO} (
                build_id varchar not null,
                published_at timestamp not null,
                newest_file varchar,
                newest_file_landed_at timestamp,
                table_name varchar not null,
                row_count bigint not null,
                content_hash varchar not null
            )
            """
        )
        con.executemany(
            f"insert into main.{BUILD_INFO} values (?, ?, ?, ?, ?, ?, ?)",
            [
                [build_id, published_at, newest_file, newest_landed_at, f.name, f.row_count, f.content_hash]
                for f in expected
            ],
        )
        con.execute(
            f"comment on table main.{BUILD_INFO} is "
            "'Which build this file holds: one row per published table (rows, content hash), "
            "with the build id, when it was published and the newest landed file it includes.'"
        )
        con.execute("detach build")
        con.execute("checkpoint")
    finally:
        con.close()
    return expected, newest_file, newest_landed_at


def verify(path: Path, expected: list[TableFingerprint], build_id: str) -> None:
    """Read the new file back: every table with the rows and content of the build, and a
    build_info that says so. Raises PublishError otherwise."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        problems = []
        for want in expected:
            got = fingerprint(con, f"main.{quote_ident(want.name)}", want.name)
            if got != want:
                problems.append(
                    f"{want.name}: {got.row_count} rows / {got.content_hash}, built {want.row_count}"
                )
        info = {
            (name, rows, content)
            for name, rows, content in con.execute(
                f"select table_name, row_count, content_hash from main.{BUILD_INFO} where build_id = ?",
                [build_id],
            ).fetchall()
        }
        if info != {(f.name, f.row_count, f.content_hash) for f in expected}:
            problems.append("build_info does not describe the tables")
    finally:
        con.close()
    if problems:
        raise PublishError("the new serving file does not match the build: " + "; ".join(problems))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(source: Path, target: Path) -> None:
    """Atomic rename, made durable (the directory entry reaches the disk)."""
    os.replace(source, target)
    _fsync(target.parent)


def _switch_file(new: Path, current: Path) -> None:
    """`new` becomes `current`; the old current becomes the previous version (a hard link, so
    the current path never disappears)."""
    previous = previous_path(current)
    if current.exists():
        keep = current.with_name(f".{current.name}{_TEMP_MARK}-previous")
        keep.unlink(missing_ok=True)
        os.link(current, keep)
        if previous.exists() and previous.samefile(keep):
            keep.unlink()  # kept already (a publish died after this step): a rename would do nothing
        else:
            _replace(keep, previous)
    _replace(new, current)


def _write_parquet(serving_file: Path, tables: list[str], root: Path, build_id: str) -> Path:
    """One Parquet file per table, read from the verified new serving file (before it is
    switched in), into a hidden folder that `_switch_parquet` moves into place."""
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".{build_id}{_TEMP_MARK}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    con = duckdb.connect(str(serving_file), read_only=True)
    try:
        for table in tables:
            con.execute(
                f"copy main.{quote_ident(table)} to {quote_literal(staging / f'{table}.parquet')} "
                "(format parquet)"
            )
    finally:
        con.close()
    for file in staging.iterdir():
        _fsync(file)
    return staging


def _switch_parquet(staging: Path, root: Path, build_id: str) -> Path:
    """The build's Parquet folder moved into place, then `current` pointed at it (a symlink
    switched with os.replace). Keeps this build's folder and the previous one."""
    folder = root / build_id
    shutil.rmtree(folder, ignore_errors=True)
    _replace(staging, folder)
    link = root / CURRENT_LINK
    previous = os.readlink(link) if link.is_symlink() else None
    temporary_link = root / f".{CURRENT_LINK}{_TEMP_MARK}"
    temporary_link.unlink(missing_ok=True)
    temporary_link.symlink_to(build_id)
    _replace(temporary_link, link)
    for old in root.iterdir():  # keep the current and the previous build's folders
        if old.is_dir() and not old.is_symlink() and old.name not in (build_id, previous):
            shutil.rmtree(old, ignore_errors=True)
    return link


def remove_leftovers(serving_path: Path) -> list[Path]:
    """Temporary files and folders of a publish that died: never read by anyone."""
    removed = []
    folder = serving_path.parent
    candidates = [*folder.glob(f".*{_TEMP_MARK}*")]
    if parquet_root(serving_path).exists():
        candidates += parquet_root(serving_path).glob(f".*{_TEMP_MARK}*")
    for path in candidates:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def publish(
    build_db: Path, serving_path: Path, build_id: str, *, parquet: bool = True, log: Log | None = None
) -> Publication:
    """Publish the marts of `build_db` to `serving_path`: write, verify, switch. On any error
    before the switch the serving file is left exactly as it was."""
    started = time.perf_counter()
    log = log or (lambda _: None)
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in remove_leftovers(serving_path):
        log(f"removed {leftover.name}, left by a publish that did not finish")
    published_at = datetime.now(UTC).replace(tzinfo=None)
    new = serving_path.with_name(f".{serving_path.name}{_TEMP_MARK}-{build_id}")
    root = parquet_root(serving_path)
    staging = None
    try:
        expected, newest_file, newest_landed_at = _write_serving_file(build_db, new, build_id, published_at)
        _fsync(new)
        verify(new, expected, build_id)
        if parquet:
            staging = _write_parquet(new, [f.name for f in expected], root, build_id)
    except BaseException:
        new.unlink(missing_ok=True)
        Path(f"{new}.wal").unlink(missing_ok=True)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    _switch_file(new, serving_path)
    log(f"published {len(expected)} tables of build {build_id} to {serving_path}")
    parquet_dir = None
    if staging is not None:
        parquet_dir = _switch_parquet(staging, root, build_id)
        log(f"exported {len(expected)} Parquet files to {parquet_dir}/")
    return Publication(
        build_id=build_id,
        published_at=published_at,
        path=serving_path,
        tables=tuple(expected),
        newest_file=newest_file,
        newest_file_landed_at=newest_landed_at,
        parquet_dir=parquet_dir,
        seconds=time.perf_counter() - started,
    )
