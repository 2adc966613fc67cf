"""Reading a CSV extract with DuckDB's reader, keeping every record accounted for.

Records are parsed by DuckDB only (`read_csv` with `store_rejects`); Python reads the header
record and, when there are rejects, streams the file's bytes to turn DuckDB's byte positions into
physical line numbers. Measured behaviour of DuckDB 2.0 this module relies on:

- `reject_errors.line` counts records (plus blank lines), not physical lines; its
  `line_byte_position` is the start of the record or one byte after it, so the physical line is
  the number of `\\n` bytes before that position, plus one.
- A record with several errors has several `reject_errors` rows with the same `line`.
- A quote left open: on a file smaller than DuckDB's read buffer it swallows the rest of the
  file as one bad record; on a larger one it reports the error (sometimes with the byte position
  of the previous record) and resumes at its next buffer, returning later lines as records. The
  contract makes the rest of the file one rejected record, so for each quote error the record's
  start line comes from the record arithmetic below, and the quote characters from that line to
  the end of the file are counted: an odd count means the quote is never closed, and everything
  DuckDB returned after that record is dropped. (A `"` inside an unquoted value, which DuckDB
  accepts as text, would upset that count; the extracts this loader is for quote such values.)

`_line` of a good record: header lines + 1 + records before it + newlines inside earlier records
(newlines in quoted values of earlier good records; for a rejected record, its exact line and
its span). Approximation: blank lines between records are skipped by DuckDB and are not records;
the loader cannot see them without parsing, so each one shifts `_line` of the good records after
it by one (rejected records keep their exact line).
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import numpy as np
import pyarrow as pa

from orchestration.ingestion.staging import (
    STAGE_TABLE,
    TEMP_PREFIX,
    StagedFile,
    UnreadableFileError,
    duckdb_readable_path,
    staged_name,
)
from orchestration.sql_quoting import quote_literal

ERRORS_TABLE = f"{TEMP_PREFIX}reject_errors"
SCANS_TABLE = f"{TEMP_PREFIX}reject_scans"
BAD_TABLE = f"{TEMP_PREFIX}bad_records"
LINES_TABLE = f"{TEMP_PREFIX}lines"
ANCHORS_TABLE = f"{TEMP_PREFIX}anchors"
PARSE_REJECTS_TABLE = f"{TEMP_PREFIX}parse_rejects"
_POSITIONS_VIEW = f"{TEMP_PREFIX}positions"

_CHUNK = 8 * 1024 * 1024
_RAW_RECORD_LIMIT = 10_000
OPEN_QUOTE_REASON = "quote left open: the rest of the file is one unparseable record"


@dataclass(frozen=True)
class CsvHeader:
    names: list[str]  # header fields as written
    lines: int  # physical lines the header record spans (1 unless a name holds a newline)


def _open_bytes(path: Path, gzip_compressed: bool) -> BinaryIO:
    return gzip.open(path, "rb") if gzip_compressed else path.open("rb")


def read_csv_header(path: Path, gzip_compressed: bool) -> CsvHeader:
    """The header record of a CSV file.

    Hand-rolled on purpose: DuckDB's sniffer fails on damaged files (an open quote, many bad
    rows), so the loader never auto-detects; with `auto_detect=false` DuckDB needs the column list
    up front, so the first record is read here (Python's csv module, this record only; gzip when
    compressed; `utf-8-sig` drops a BOM). Bytes that are not UTF-8 after the header are left to
    DuckDB (`surrogateescape` keeps the decoder from failing on them in the read-ahead).
    """
    try:
        with (
            _open_bytes(path, gzip_compressed) as raw,
            io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="") as text,
        ):
            reader = csv.reader(text, delimiter=",", quotechar='"', doublequote=True, strict=True)
            header = next(reader, None)
            lines = reader.line_num
    except (OSError, EOFError, csv.Error) as exc:
        raise UnreadableFileError(f"cannot read the header: {type(exc).__name__}: {exc}") from exc
    if not header or header == [""]:
        raise UnreadableFileError("no header record")
    try:
        "".join(header).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UnreadableFileError("the header is not UTF-8") from exc
    return CsvHeader(names=header, lines=max(lines, 1))


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    query = "select count(*) from duckdb_tables() where temporary and table_name = ?"
    return con.execute(query, [name]).fetchall()[0][0] > 0


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    return con.execute(sql, params or []).fetchall()[0][0]


def physical_lines(path: Path, gzip_compressed: bool, positions: np.ndarray) -> np.ndarray:
    """For each byte position (of the decompressed file), 1 + the number of `\\n` before it.

    Streams the file in chunks (bounded memory) and stops after the last position.
    """
    order = np.argsort(positions, kind="stable")
    wanted = positions[order].astype(np.int64)
    result = np.empty(len(wanted), dtype=np.int64)
    done = 0
    offset = 0
    newlines_before = 0
    with _open_bytes(path, gzip_compressed) as handle:
        while done < len(wanted):
            chunk = handle.read(_CHUNK)
            if not chunk:
                result[done:] = newlines_before + 1  # positions past the end: last line
                break
            end = offset + len(chunk)
            upto = int(np.searchsorted(wanted, end, side="left"))
            if upto > done:
                newline_at = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
                inside = np.searchsorted(newline_at, wanted[done:upto] - offset, side="left")
                result[done:upto] = newlines_before + inside + 1
                done = upto
                newlines_before += len(newline_at)
            else:
                newlines_before += chunk.count(b"\n")
            offset = end
    out = np.empty_like(result)
    out[order] = result
    return out


def quotes_after_lines(path: Path, gzip_compressed: bool, lines: list[int]) -> dict[int, tuple[int, str]]:
    """For each physical line number: the number of `"` from the start of that line to the end
    of the file, and the file's first bytes from that line on (for the reject's raw record).

    One streaming pass whatever the number of lines asked. RFC 4180 quotes come in pairs (an
    escaped quote is doubled), so an odd count means a quote opened on or after the line is
    never closed. A line past the end of the file gets (0, "").
    """
    wanted = sorted({line for line in lines if line >= 1})
    before: dict[int, int] = {}
    heads: dict[int, bytes] = {}
    collecting: list[int] = []  # lines whose head is still shorter than the limit
    next_target = 0
    newlines_seen = 0
    quotes_seen = 0
    with _open_bytes(path, gzip_compressed) as handle:
        while chunk := handle.read(_CHUNK):
            for line in collecting:
                heads[line] += chunk[: _RAW_RECORD_LIMIT - len(heads[line])]
            collecting = [line for line in collecting if len(heads[line]) < _RAW_RECORD_LIMIT]
            count = chunk.count(b"\n")
            newline_at = None
            # line L starts after the (L-1)th newline
            while next_target < len(wanted) and wanted[next_target] - 1 <= newlines_seen + count:
                line = wanted[next_target]
                if line - 1 == 0:
                    offset = 0
                else:
                    if newline_at is None:
                        newline_at = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
                    offset = int(newline_at[line - 2 - newlines_seen]) + 1 if line - 1 > newlines_seen else 0
                before[line] = quotes_seen + chunk[:offset].count(b'"')
                heads[line] = chunk[offset : offset + _RAW_RECORD_LIMIT]
                if len(heads[line]) < _RAW_RECORD_LIMIT:
                    collecting.append(line)
                next_target += 1
            newlines_seen += count
            quotes_seen += chunk.count(b'"')
    return {
        line: (quotes_seen - before[line], heads[line].decode("utf-8", errors="replace"))
        if line in before
        else (0, "")
        for line in wanted
    }


def _newline_count_sql(columns: list[str]) -> str:
    """SQL: newlines inside the values of `columns` of staged row `s` (0 when no columns)."""
    counts = [
        f"(case when contains(s.{c}, chr(10)) "
        f"then strlen(s.{c}) - strlen(replace(s.{c}, chr(10), '')) else 0 end)"
        for c in columns
    ]
    return "coalesce(" + " + ".join(counts) + ", 0)" if counts else "0"


def _columns_with_newlines(
    con: duckdb.DuckDBPyConnection, columns: list[str], limit: int | None
) -> list[str]:
    """The staged columns holding a newline in some value (one scan of the staged table)."""
    flags = ", ".join(f"bool_or(contains({c}, chr(10)))" for c in columns)
    bound = f"where rowid < {limit}" if limit is not None else ""
    found = con.execute(f"select {flags} from {STAGE_TABLE} {bound}").fetchall()[0]
    return [c for c, flag in zip(columns, found, strict=True) if flag]


def _reason_sql() -> str:
    kind = "cast(e.error_type as varchar)"
    return (
        f"case when {kind} in ('TOO MANY COLUMNS', 'MISSING COLUMNS') "
        "then 'wrong number of fields (' || e.error_message || ')' "
        f"when {kind} = 'INVALID ENCODING' then 'bytes that are not UTF-8' "
        f"when {kind} = 'LINE SIZE OVER MAXIMUM' then 'record too long (' || e.error_message || ')' "
        # a quote closed then followed by text (`"Pro"spect`): an open quote gets OPEN_QUOTE_REASON
        f"when {kind} = 'UNQUOTED VALUE' then 'malformed quoted field (' || e.error_message || ')' "
        f"else lower({kind}) || ': ' || e.error_message end"
    )


def _column_name_sql(names: list[str]) -> str:
    if not names:
        return "null"
    whens = " ".join(
        f"when {quote_literal(staged_name(i))} then {quote_literal(n)}" for i, n in enumerate(names)
    )
    return f"case e.column_name {whens} end"


def _record_start_line(
    con: duckdb.DuckDBPyConnection, first_line: int, rec_line: int, good_before: int, columns: list[str]
) -> int:
    """Physical start line of the rejected record `rec_line` by record arithmetic: from the last
    rejected record before it (exact line + span) or the header, plus the good records between
    them and the newlines inside those. Used where DuckDB's byte position is not reliable (rare:
    one query per quote error)."""
    anchor = con.execute(
        f"select g, phys + span from {BAD_TABLE} where rec_line < ? order by rec_line desc limit 1",
        [rec_line],
    ).fetchall()
    seg_start, base = anchor[0] if anchor else (0, first_line)
    newlines = _scalar(
        con,
        f"select coalesce(sum({_newline_count_sql(columns)}), 0) from {STAGE_TABLE} s "
        "where s.rowid >= ? and s.rowid < ?",
        [seg_start, good_before],
    )
    return int(base + (good_before - seg_start) + newlines)


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    gzip_compressed: bool,
    header: CsvHeader,
    names: list[str],
    file_lines: int | None = None,
) -> StagedFile:
    """Read a CSV file into the staging table.

    `names` are the normalized header names (for the column of a reject); `file_lines`, when
    known, the file's physical line count: equal to header + records means one record per line.
    Raises UnreadableFileError (or a duckdb.Error) when the file cannot be read.
    """
    columns = [staged_name(i) for i in range(len(header.names))]
    first_line = header.lines + 1
    spec = "{" + ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in columns) + "}"
    for table in (ERRORS_TABLE, SCANS_TABLE):
        con.execute(f'drop table if exists temp."{table}"')
    suffix = ".csv.gz" if gzip_compressed else ".csv"
    with duckdb_readable_path(path, suffix) as literal:
        con.execute(
            f"create or replace temp table {STAGE_TABLE} as select * from read_csv({literal}, "
            "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            f"columns = {spec}, compression = '{'gzip' if gzip_compressed else 'none'}', "
            # a folder like `date=2026-01-05/` would otherwise add a column
            "hive_partitioning = false, "
            f"store_rejects = true, rejects_table = '{ERRORS_TABLE}', rejects_scan = '{SCANS_TABLE}')"
        )
    staged = _scalar(con, f"select count(*) from {STAGE_TABLE}")
    has_errors = _table_exists(con, ERRORS_TABLE) and _scalar(con, f"select count(*) from {ERRORS_TABLE}") > 0

    if not has_errors:
        one_per_line = file_lines == header.lines + staged if file_lines is not None else None
        if one_per_line:  # the common case, known from the line count: one record per line
            source = f"select s.*, s.rowid as _rec, {first_line} + s.rowid as _line from {STAGE_TABLE} s"
            return StagedFile(source, columns, staged, 0)
        con.execute(
            f"create or replace temp table {BAD_TABLE} (rec_line bigint, g bigint, phys bigint, span bigint)"
        )
        return _with_computed_lines(con, columns, names, first_line, None, None)

    # One row per rejected record: DuckDB's record number, byte position, whether a quote error.
    con.execute(
        f"""
        create or replace temp table {BAD_TABLE} as
        with records as (
            select line as rec_line,
                min(line_byte_position) as pos,
                bool_or(cast(error_type as varchar) in ('UNQUOTED VALUE', 'LINE SIZE OVER MAXIMUM'))
                    as quote_error,
                trim(any_value(csv_line), chr(13) || chr(10)) as csv_line
            from {ERRORS_TABLE}
            group by line
        )
        select rec_line,
            -- good records before it: records before (header is record 1) minus rejected ones
            rec_line - 2 - (row_number() over (order by rec_line) - 1) as g,
            pos,
            cast(null as bigint) as phys,
            1 + strlen(csv_line) - strlen(replace(csv_line, chr(10), '')) as span,
            quote_error,
            csv_line
        from records
        order by rec_line
        """
    )
    positions = con.execute(f"select rec_line, pos from {BAD_TABLE} order by rec_line").fetchnumpy()
    lines = physical_lines(path, gzip_compressed, positions["pos"].astype(np.int64))
    con.register(_POSITIONS_VIEW, pa.table({"rec_line": positions["rec_line"], "phys": lines}))
    try:
        con.execute(
            f"update {BAD_TABLE} b set phys = p.phys from {_POSITIONS_VIEW} p where p.rec_line = b.rec_line"
        )
    finally:
        con.unregister(_POSITIONS_VIEW)

    # A quote error is a quote left open when the quotes from its record to the end of the file
    # are odd in number; the first such record ends the file.
    open_quote = None  # (rec_line, good records before it, start line, raw head)
    candidates = con.execute(
        f"select rec_line, g from {BAD_TABLE} where quote_error order by rec_line"
    ).fetchall()
    starts = [
        (rec, good, _record_start_line(con, first_line, rec, good, columns)) for rec, good in candidates
    ]
    tails = quotes_after_lines(path, gzip_compressed, [start for _, _, start in starts]) if starts else {}
    for rec_line, good_before, start in starts:
        quotes, head = tails[start]
        if quotes % 2 == 1:
            open_quote = (rec_line, good_before, start, head)
            break

    limit = None
    if open_quote is not None:
        rec_line, limit, start, _ = open_quote
        # Everything after the open quote is inside the quoted value: not records.
        con.execute(f"delete from {BAD_TABLE} where rec_line > ?", [rec_line])
        con.execute(f"update {BAD_TABLE} set phys = ?, span = 1 where rec_line = ?", [start, rec_line])
    return _with_computed_lines(con, columns, names, first_line, limit, open_quote)


def _with_computed_lines(
    con: duckdb.DuckDBPyConnection,
    columns: list[str],
    names: list[str],
    first_line: int,
    limit: int | None,
    open_quote: tuple | None,
) -> StagedFile:
    """Compute `_line` of every good record (before `limit`, when a quote is left open) into
    LINES_TABLE, the parse rejects into PARSE_REJECTS_TABLE, and describe the staged file."""
    bound = f"where s.rowid < {limit}" if limit is not None else ""
    good = _scalar(con, f"select count(*) from {STAGE_TABLE} s {bound}")
    # Anchors: after the rejected record(s) that follow `g` good records, the next record starts
    # on `next_line` (exact: byte position + span); good records before any reject follow the header.
    con.execute(
        f"create or replace temp table {ANCHORS_TABLE} as "
        f"select g, max(phys + span) as next_line from {BAD_TABLE} group by g"
    )
    multiline = _columns_with_newlines(con, columns, limit)
    if not multiline:
        # One line per good record: its anchor's line plus the good records since the anchor.
        line = f"coalesce(a.next_line, {first_line}) + s.rowid - coalesce(a.g, 0)"
        source = (
            f"select s.*, s.rowid as _rec, {line} as _line from {STAGE_TABLE} s "
            f"asof left join {ANCHORS_TABLE} a on s.rowid >= a.g {bound}"
        )
    else:
        # Plus the newlines inside the good records since the anchor: a running total over the
        # whole file (`before`), less its value at the anchor.
        con.execute(
            f"""
            create or replace temp table {LINES_TABLE} as
            with running as (
                select s.rowid as rec, coalesce(sum({_newline_count_sql(multiline)}) over (
                    order by s.rowid rows between unbounded preceding and 1 preceding
                ), 0) as before
                from {STAGE_TABLE} s {bound}
            ), anchors as (
                select a.g, a.next_line, coalesce(r.before, 0) as before
                from {ANCHORS_TABLE} a left join running r on r.rec = a.g
            )
            select r.rec,
                coalesce(a.next_line, {first_line}) + r.rec - coalesce(a.g, 0)
                    + r.before - coalesce(a.before, 0) as line
            from running r asof left join anchors a on r.rec >= a.g
            """
        )
        source = (
            f"select s.*, s.rowid as _rec, l.line as _line from {STAGE_TABLE} s "
            f"join {LINES_TABLE} l on l.rec = s.rowid"
        )
    rejected = _scalar(con, f"select count(*) from {BAD_TABLE}")
    if rejected == 0:
        return StagedFile(source, columns, good, 0)

    con.execute(
        f"""
        create or replace temp table {PARSE_REJECTS_TABLE} as
        with errors as (
            select e.*,
                cast(e.error_type as varchar) in ('TOO MANY COLUMNS', 'MISSING COLUMNS') as field_count
            from {ERRORS_TABLE} e
        )
        select distinct b.phys as line,
            case when e.field_count then null else {_column_name_sql(names)} end as column_name,
            {_reason_sql()} as reason, left(b.csv_line, {_RAW_RECORD_LIMIT}) as raw_record
        from errors e join {BAD_TABLE} b on b.rec_line = e.line
        where b.rec_line <> ?
        -- DuckDB reports a short record once per missing column: keep the first (its real count)
        qualify not e.field_count
            or row_number() over (partition by e.line, e.error_type order by e.column_idx) = 1
        """,
        [open_quote[0] if open_quote else -1],
    )
    if open_quote is not None:
        _, _, start, head = open_quote
        con.execute(
            f"insert into {PARSE_REJECTS_TABLE} values (?, null, ?, ?)",
            [start, OPEN_QUOTE_REASON, head],
        )
    parse_rejects = f"select line, column_name, reason, raw_record from {PARSE_REJECTS_TABLE}"
    return StagedFile(source, columns, good, rejected, parse_rejects)
