"""Loading the landing folder's extracts into the `raw` schema (contract: `docs/landing-contract.md`).

Public API, called by the Dagster ingestion assets:

- `ensure_raw_schema(con)`: create schema `raw`, the manifest, the rejects and every raw table.
- `discover_files(landing_dir)`: what is in the landing folder (candidates per object, unknown,
  ignored), in landing order.
- `load_object(con, landing_dir, obj, reject_threshold, log)`: load the new files of one object.
- `load_unknown_folders(con, landing_dir, log)`: record data files outside every known object
  folder as unreadable (once) and list the ignored files outside object folders.

Each new file is handled in one transaction: its good rows, its rejects and its manifest row
commit together or not at all. A file already in the manifest (same path, same sha256) is not
looked at again; as a shortcut, a file whose path, size and modification time match a manifest
row is taken as that row's file without hashing it again (re-hashing every landed gigabyte on
every run would dominate the run time). The connection must be in auto-commit mode (no open
transaction); the loader sets `TimeZone` to UTC and `preserve_insertion_order` while it works
and restores them. Memory: a file is staged in a temporary table, bounded by DuckDB's
`memory_limit` (it spills to `temp_directory`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import duckdb

from orchestration.ingestion.columns import ColumnPlan, column_problem, normalized_names, plan_columns
from orchestration.ingestion.contract import ExtractObject
from orchestration.ingestion.csv_reader import CsvHeader, read_csv_header, stage_csv
from orchestration.ingestion.discovery import (
    DiscoveredFiles,
    Fingerprint,
    LandedFile,
    discover_files,
    fingerprint,
)
from orchestration.ingestion.manifest import (
    LOADED,
    QUARANTINED,
    REJECTED,
    REJECTS_TABLE,
    SKIPPED,
    UNREADABLE,
    ManifestRow,
    ManifestState,
    add_varchar_columns,
    ensure_raw_schema,
    insert_manifest_row,
    table_columns,
)
from orchestration.ingestion.one_pass import NeedsCarefulPath, OnePassFile, insert_csv, insert_parquet
from orchestration.ingestion.parquet_reader import read_parquet_columns, stage_parquet
from orchestration.ingestion.staging import StagedFile, UnreadableFileError, drop_temp_tables, staged_name
from orchestration.ingestion.typed_rows import find_typing_rejects, insert_good_rows, typing_rejects_sql

__all__ = [
    "FAILED",
    "DiscoveredFiles",
    "FileResult",
    "LoadSummary",
    "discover_files",
    "ensure_raw_schema",
    "load_object",
    "load_unknown_folders",
]

# Not a manifest status: the file could not be processed for a reason that is not the file's
# (an error while writing, out of memory, no permission). Nothing of it is kept and it is tried
# again on the next run.
FAILED = "failed"

Log = Callable[[str], None]


@dataclass
class FileResult:
    """What happened to one file in this run (`status` is a manifest status or `failed`)."""

    source_file: str
    status: str
    records_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    reason: str | None = None


@dataclass
class LoadSummary:
    """The outcome of one `load_object` (or `load_unknown_folders`) run.

    `raw_table` is qualified (`raw.salesforce_opportunity`; empty for unknown folders). `files`
    lists the files dealt with in this run, in landing order; files already in the manifest are
    not listed (`unchanged_files` counts them). `ignored_files` lists the files in the object's
    folders that are not data files (outside object folders for `load_unknown_folders`).
    """

    object_name: str
    raw_table: str
    files: list[FileResult] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    unchanged_files: int = 0

    @property
    def files_loaded(self) -> int:
        return sum(1 for f in self.files if f.status == LOADED)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    def files_with_status(self, status: str) -> list[str]:
        return [f.source_file for f in self.files if f.status == status]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _quiet(_: str) -> None:
    pass


def _first_line(message: str) -> str:
    """DuckDB errors carry the query text on later lines: keep the message."""
    return next((line.strip() for line in message.splitlines() if line.strip()), message)


@contextmanager
def _load_session(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """UTC session time zone (timestamp typing) and insertion order kept (staged `rowid` = record
    order); the caller's settings are restored afterwards."""
    saved = con.execute(
        "select current_setting('TimeZone'), current_setting('preserve_insertion_order')"
    ).fetchall()[0]
    con.execute("set TimeZone = 'UTC'")
    con.execute("set preserve_insertion_order = true")
    try:
        yield
    finally:
        con.execute(f"set TimeZone = '{saved[0]}'")
        con.execute(f"set preserve_insertion_order = {str(saved[1]).lower()}")


def _over_threshold(rejected: int, records: int, threshold: float) -> bool:
    """Strictly more than the threshold share (exact arithmetic: 0.29 * 100 is not 28.99...)."""
    return rejected > Fraction(str(threshold)) * records


@dataclass
class _Outcome:
    status: str
    reason: str | None = None
    staged: StagedFile | None = None
    plan: ColumnPlan | None = None
    typing_rejected: int = 0


@dataclass(frozen=True)
class _FileColumns:
    """A file's columns, read from its header (CSV) or schema (Parquet)."""

    header: CsvHeader | None  # None for Parquet
    names: list[str]  # raw column name of each file column
    plan: ColumnPlan  # over the staged names c0.. (the one-pass load uses the same)
    parquet_columns: list[str]  # Parquet: DuckDB's column names
    parquet_types: list[str]  # Parquet: DuckDB's column types


# A batch of the one-pass load: enough files for DuckDB to read in parallel on a few cores, and
# a bounded size, so a batch that has to fall back to loading file by file wastes little.
_BATCH_FILES = 8
_BATCH_BYTES = 1 << 30


@dataclass(frozen=True)
class _Pending:
    """A file that may take the one-pass load: new, of a known object, its columns accepted."""

    landed: LandedFile
    fingerprint: Fingerprint
    columns: _FileColumns

    @property
    def file_lines(self) -> int | None:
        """Physical lines of an uncompressed file (a gzip file's would need a decompression)."""
        return None if self.landed.is_gzip else self.fingerprint.lines

    @property
    def batch_key(self) -> tuple:
        """Files load in one statement only with the same reader and the same columns."""
        landed, columns = self.landed, self.columns
        header = None if columns.header is None else (tuple(columns.header.names), columns.header.lines)
        return (
            landed.is_parquet,
            landed.is_gzip,
            header,
            tuple(columns.parquet_columns),
            tuple(columns.parquet_types),
        )


@dataclass(frozen=True)
class _Settled:
    """A file whose outcome is known without reading its records (skipped, rejected, ...)."""

    file_hash: str
    outcome: _Outcome


@dataclass
class _Batch:
    files: list[_Pending] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # each file's place in landing order

    def accepts(self, pending: _Pending) -> bool:
        if not self.files:
            return True
        return (
            pending.batch_key == self.files[0].batch_key
            and len(self.files) < _BATCH_FILES
            and sum(p.landed.size for p in self.files) + pending.landed.size <= _BATCH_BYTES
            and pending.fingerprint.sha256 not in {p.fingerprint.sha256 for p in self.files}
        )

    def add(self, pending: _Pending, position: int) -> None:
        self.files.append(pending)
        self.positions.append(position)


class _LandingOrder:
    """Results handed on in landing order, however the files' loads were grouped."""

    def __init__(self) -> None:
        self.next = 0
        self.waiting: dict[int, FileResult | None] = {}

    def release(self, position: int, result: FileResult | None) -> Iterator[FileResult | None]:
        """The results now due: this one's and those it was holding back."""
        self.waiting[position] = result
        while self.next in self.waiting:
            yield self.waiting.pop(self.next)
            self.next += 1


def _lineage(landed: LandedFile, file_hash: str, loaded_at: datetime) -> dict[str, str | datetime]:
    return {
        "_source_file": landed.source_file,
        "_file_hash": file_hash,
        "_file_landed_at": landed.landed_at,
        "_loaded_at": loaded_at,
    }


def _failed(landed: LandedFile, exc: Exception) -> FileResult:
    """A file that failed for a reason not its own: no manifest row, tried again next run."""
    return FileResult(landed.source_file, FAILED, reason=f"{type(exc).__name__}: {exc}")


class _FileLoader:
    """Loads the files of one object with a connection and the manifest state of the run."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, obj: ExtractObject | None, threshold: float, log: Log
    ) -> None:
        self.con = con
        self.obj = obj
        self.threshold = threshold
        self.log = log
        self.state = ManifestState.read(con)

    @property
    def object_name(self) -> str | None:
        return self.obj.name if self.obj is not None else None

    def load_all(self, files: Iterable[LandedFile]) -> Iterator[FileResult | None]:
        """Every file in landing order, one result each (None: already in the manifest). Never
        raises for a file: one file must never stop the others.

        Files that may take the one-pass load and share a format and columns are loaded together
        by one statement (`_Batch`), even when files of other formats landed between them: DuckDB
        then reads them in parallel, as a bare `read_csv` of the same files would (a gzip file
        alone is read by one thread). Which version of a record is newest does not depend on the
        order files load in (`newest_version`: landing time, path, line), and twins (same bytes)
        share a batch's format and columns, so their landing order is kept.
        """
        order = _LandingOrder()
        batches: dict[tuple, _Batch] = {}
        for position, landed in enumerate(files):
            started = time.monotonic()
            try:
                prepared = self._prepare(landed)
                if isinstance(prepared, _Pending):
                    key = prepared.batch_key
                    if key in batches and not batches[key].accepts(prepared):
                        yield from self._flush(batches.pop(key), order)
                        prepared = self._decide(landed, prepared.fingerprint)  # a twin may have loaded
                if isinstance(prepared, _Pending):
                    batches.setdefault(prepared.batch_key, _Batch()).add(prepared, position)
                    continue
                result = (
                    None if prepared is None else self._commit(landed, prepared.file_hash, prepared.outcome)
                )
            except Exception as exc:
                result = _failed(landed, exc)
            finally:
                drop_temp_tables(self.con)
            yield from order.release(position, self._logged(landed.source_file, result, started))
        for batch in sorted(batches.values(), key=lambda b: b.positions[0]):
            yield from self._flush(batch, order)

    def _logged(self, source_file: str, result: FileResult | None, started: float) -> FileResult | None:
        if result is not None:
            self.log(
                f"{source_file}: {result.status}, {result.records_read} read, "
                f"{result.rows_loaded} loaded, {result.rows_rejected} rejected "
                f"({time.monotonic() - started:.1f} s)" + (f" - {result.reason}" if result.reason else "")
            )
        return result

    def _prepare(self, landed: LandedFile) -> _Settled | _Pending | None:
        """None when the file is in the manifest; `_Pending` when it may take the one-pass
        load; else its outcome, to commit."""
        known = self.state.stat_index.get((landed.source_file, landed.size, landed.landed_at))
        if known is not None and (landed.source_file, known) in self.state.seen:
            return None  # same path, size and modification time as a file in the manifest
        fp = fingerprint(landed.path)
        if (landed.source_file, fp.sha256) in self.state.seen:
            return None
        return self._decide(landed, fp)

    def _decide(self, landed: LandedFile, fp: Fingerprint) -> _Settled | _Pending:
        file_hash = fp.sha256
        twin = self.state.loaded_hashes.get((self.object_name, file_hash))
        if self.obj is None:
            outcome = _Outcome(UNREADABLE, f"{landed.source_file}: {_why_unknown(landed)}")
        elif twin is not None:  # same bytes as a file of this object already loaded
            outcome = _Outcome(SKIPPED, f"identical to {twin} already loaded")
        else:
            described = self._describe(landed, self.obj)
            if not isinstance(described, _Outcome):
                return _Pending(landed, fp, described)
            outcome = described
        return _Settled(file_hash, outcome)

    def _flush(self, batch: _Batch, order: _LandingOrder) -> Iterator[FileResult | None]:
        """Load the batch's files: together in one pass, else one by one (one pass, else the
        careful path, which finds and reports the rejects); their results go through `order`."""
        started = time.monotonic()
        if len(batch.files) > 1:
            results = self._attempt_one_pass(batch.files)
            if results is not None:
                for position, result in zip(batch.positions, results, strict=True):
                    yield from order.release(position, self._logged(result.source_file, result, started))
                return
        for position, pending in zip(batch.positions, batch.files, strict=True):
            started = time.monotonic()
            try:
                result = self._attempt_one_pass([pending])
                result = result[0] if result else self._load_carefully(pending)
            except Exception as exc:
                result = _failed(pending.landed, exc)
            finally:
                drop_temp_tables(self.con)
            yield from order.release(position, self._logged(pending.landed.source_file, result, started))

    def _load_carefully(self, pending: _Pending) -> FileResult:
        landed, obj = pending.landed, self.obj
        assert obj is not None  # only files of a known object are pending
        outcome = self._read(landed, obj, pending.columns, pending.file_lines)
        return self._commit(landed, pending.fingerprint.sha256, outcome)

    def _describe(self, landed: LandedFile, obj: ExtractObject) -> _FileColumns | _Outcome:
        """The file's columns, or why it is rejected or unreadable from its header alone."""
        try:
            if landed.size == 0:
                raise UnreadableFileError("empty file (0 bytes)")
            if landed.is_parquet:
                headers, parquet_columns, parquet_types = read_parquet_columns(self.con, landed.path)
                header = None
            else:
                header = read_csv_header(landed.path, landed.is_gzip)
                headers, parquet_columns, parquet_types = header.names, [], []
            names = normalized_names(headers, obj)
            problem = column_problem(landed.source_file, headers, names, obj)
        except (duckdb.OutOfMemoryException, duckdb.InterruptException, MemoryError, PermissionError):
            raise  # not the file's fault: try again next run
        except (UnreadableFileError, duckdb.Error, OSError, EOFError) as exc:
            return _Outcome(UNREADABLE, f"{landed.source_file}: {_first_line(str(exc))}")
        if problem is not None:
            return _Outcome(REJECTED, problem)
        plan = plan_columns(obj, names, [staged_name(i) for i in range(len(names))])
        return _FileColumns(header, names, plan, parquet_columns, parquet_types)

    def _attempt_one_pass(self, files: list[_Pending]) -> list[FileResult] | None:
        """Load files of the same format and columns in one statement (`one_pass`), with their
        manifest rows, in one transaction; None when one of them has or may have a reject (then
        nothing of the attempt is kept). A batch that fails for another reason falls back too:
        each file is then tried alone, so the error is reported for its own file."""
        con, obj = self.con, self.obj
        assert obj is not None
        first = files[0].columns
        loaded_at = _now()
        targets = [
            OnePassFile(
                p.landed.path, p.landed.source_file, p.fingerprint.sha256, p.landed.landed_at, p.file_lines
            )
            for p in files
        ]
        con.execute("begin transaction")
        try:
            self._add_extra_columns(obj, first.plan)
            if first.header is None:
                records = insert_parquet(
                    con, obj, first.plan, targets, first.parquet_columns, first.parquet_types, loaded_at
                )
            else:
                gzip = files[0].landed.is_gzip
                records = insert_csv(con, obj, first.plan, targets, gzip, first.header, loaded_at)
            for p in files:
                count = records.get(p.landed.source_file, 0)
                self._insert_manifest_row(
                    p.landed, p.fingerprint.sha256, loaded_at, LOADED, None, count, count, 0
                )
            con.execute("commit")
        except NeedsCarefulPath:
            con.execute("rollback")
            return None
        except BaseException as exc:
            with suppress(duckdb.Error):
                con.execute("rollback")
            if len(files) > 1 and isinstance(exc, Exception):
                return None
            raise
        results = []
        for p in files:
            landed, count = p.landed, records.get(p.landed.source_file, 0)
            self.state.remember(
                self.object_name,
                landed.source_file,
                p.fingerprint.sha256,
                landed.size,
                landed.landed_at,
                LOADED,
            )
            results.append(FileResult(landed.source_file, LOADED, count, count, 0, None))
        return results

    def _read(
        self, landed: LandedFile, obj: ExtractObject, columns: _FileColumns, file_lines: int | None
    ) -> _Outcome:
        """The careful path: stage the file, find its rejects (everything up to the writes)."""
        try:
            if columns.header is None:
                staged = stage_parquet(self.con, landed.path, columns.parquet_columns)
            else:
                staged = stage_csv(
                    self.con, landed.path, landed.is_gzip, columns.header, columns.names, file_lines
                )
        except (duckdb.OutOfMemoryException, duckdb.InterruptException, MemoryError, PermissionError):
            raise  # not the file's fault: try again next run
        except (UnreadableFileError, duckdb.Error, OSError, EOFError) as exc:
            return _Outcome(UNREADABLE, f"{landed.source_file}: {_first_line(str(exc))}")
        plan = plan_columns(obj, columns.names, staged.staged_columns)
        typing_rejected = find_typing_rejects(self.con, plan, staged)
        rejected = staged.rejected_records + typing_rejected
        outcome = _Outcome(LOADED, None, staged, plan, typing_rejected)
        if _over_threshold(rejected, staged.records_read, self.threshold):
            outcome.status = QUARANTINED
            outcome.reason = (
                f"{rejected} of {staged.records_read} records rejected, more than the "
                f"{self.threshold:.2%} threshold: nothing loaded"
            )
        return outcome

    def _add_extra_columns(self, obj: ExtractObject, plan: ColumnPlan) -> None:
        existing = set(table_columns(self.con, obj.raw_table))
        add_varchar_columns(self.con, obj, [name for name, _ in plan.extras if name not in existing])

    def _insert_manifest_row(
        self,
        landed: LandedFile,
        file_hash: str,
        loaded_at: datetime,
        status: str,
        reason: str | None,
        records: int,
        loaded: int,
        rejected: int,
        load_id: str | None = None,
    ) -> None:
        row = ManifestRow(
            load_id=load_id or uuid.uuid4().hex,
            object_name=self.object_name,
            source_file=landed.source_file,
            file_hash=file_hash,
            file_size=landed.size,
            file_landed_at=landed.landed_at,
            records_read=records,
            rows_loaded=loaded,
            rows_rejected=rejected,
            status=status,
            reason=reason,
            loaded_at=loaded_at,
        )
        insert_manifest_row(self.con, row)

    def _commit(self, landed: LandedFile, file_hash: str, outcome: _Outcome) -> FileResult:
        """Write the file's rows, rejects and manifest row in one transaction."""
        obj, con = self.obj, self.con
        staged, plan = outcome.staged, outcome.plan
        records = staged.records_read if staged else 0
        rejected = (staged.rejected_records + outcome.typing_rejected) if staged else 0
        loaded = 0
        load_id = uuid.uuid4().hex
        loaded_at = _now()
        con.execute("begin transaction")
        try:
            if outcome.status == LOADED and staged is not None and plan is not None and obj is not None:
                self._add_extra_columns(obj, plan)
                lineage = _lineage(landed, file_hash, loaded_at)
                loaded = insert_good_rows(
                    con, obj, plan, staged, lineage, skip_bad=outcome.typing_rejected > 0
                )
            if rejected and obj is not None:
                self._write_rejects(obj, landed, file_hash, load_id, loaded_at, outcome)
            if outcome.status == QUARANTINED:
                rejected = records  # loaded + rejected = read: a quarantined file is rejected whole
            self._insert_manifest_row(
                landed,
                file_hash,
                loaded_at,
                outcome.status,
                outcome.reason,
                records,
                loaded,
                rejected,
                load_id,
            )
            con.execute("commit")
        except BaseException:
            with suppress(duckdb.Error):
                con.execute("rollback")
            raise
        self.state.remember(
            self.object_name, landed.source_file, file_hash, landed.size, landed.landed_at, outcome.status
        )
        return FileResult(landed.source_file, outcome.status, records, loaded, rejected, outcome.reason)

    def _write_rejects(
        self,
        obj: ExtractObject,
        landed: LandedFile,
        file_hash: str,
        load_id: str,
        loaded_at: datetime,
        outcome: _Outcome,
    ) -> None:
        staged, plan = outcome.staged, outcome.plan
        assert staged is not None and plan is not None
        parts = [staged.parse_rejects_sql] if staged.parse_rejects_sql else []
        typing = typing_rejects_sql(plan) if outcome.typing_rejected else None
        if typing:
            parts.append(typing)
        if not parts:
            return
        self.con.execute(
            f"insert into {REJECTS_TABLE} "
            "select ?, ?, ?, ?, line, column_name, reason, raw_record, ? "
            f"from ({' union all '.join(parts)}) order by line, column_name",
            [load_id, obj.name, landed.source_file, file_hash, loaded_at],
        )


def load_object(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    obj: ExtractObject,
    reject_threshold: float,
    log: Log | None = None,
) -> LoadSummary:
    """Load the new files of `obj` from `landing_dir` into `raw.<obj.raw_table>`, in landing order.

    Every file gets a manifest status: `loaded` (good rows appended, bad records in
    `raw.load_rejects`), `quarantined` (rejected records strictly more than `reject_threshold` of
    the records read: nothing loaded, rejects still listed), `rejected` (clashing headers or
    missing required columns: nothing read), `skipped` (same bytes as a file of this object
    already loaded) or `unreadable`. `log` gets one line per file.
    """
    log = log or _quiet
    ensure_raw_schema(con)
    discovered = discover_files(landing_dir)
    summary = LoadSummary(obj.name, f"raw.{obj.raw_table}", ignored_files=discovered.ignored_in(obj))
    with _load_session(con):
        _load_files(_FileLoader(con, obj, reject_threshold, log), discovered.for_object(obj), summary)
    _log_unchanged_and_ignored(summary, log)
    return summary


def _load_files(loader: _FileLoader, files: Iterable[LandedFile], summary: LoadSummary) -> None:
    """Each file through `loader`, into `summary` (a file loaded before only counts as unchanged)."""
    for result in loader.load_all(files):
        if result is None:
            summary.unchanged_files += 1
        else:
            summary.files.append(result)


def _log_unchanged_and_ignored(summary: LoadSummary, log: Log) -> None:
    if summary.unchanged_files:
        log(f"{summary.object_name}: {summary.unchanged_files} file(s) already loaded before, not read again")
    for name in summary.ignored_files:
        log(f"{name}: ignored (not a .csv, .csv.gz or .parquet data file)")


UNKNOWN_OBJECT = "unknown"


def _why_unknown(landed: LandedFile) -> str:
    parts = landed.source_file.split("/")
    if len(parts) < 3:
        return "not in an object folder (expected <family>/<Object>/<file>)"
    return f"unknown object folder {parts[0]}/{parts[1]}"


def load_unknown_folders(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, log: Log | None = None
) -> LoadSummary:
    """Report what lies outside the known object folders, so nothing is silently lost.

    Data files there (unknown object folder, landing root, family folder) are recorded once in
    the manifest as `unreadable` (object_name NULL); non-data files there are listed in
    `ignored_files` (the ones inside object folders are listed by `load_object`).
    """
    log = log or _quiet
    ensure_raw_schema(con)
    discovered = discover_files(landing_dir)
    summary = LoadSummary(UNKNOWN_OBJECT, "", ignored_files=discovered.ignored_in(None))
    _load_files(_FileLoader(con, None, 0.0, log), discovered.unknown, summary)
    _log_unchanged_and_ignored(summary, log)
    return summary
