"""The one-pass load: a file's records read, typed and inserted by one DuckDB statement.

The careful path (`csv_reader` / `parquet_reader`, then `typed_rows`) stages a file as VARCHAR in
a temporary table, collects its rejects, then types the staged rows into raw: the records go
through DuckDB three times, and a Parquet file's values are rendered as text and parsed back.
A file without a reject needs none of that, and most files have none. For them one
`insert ... select` reads the file, types every value with the careful path's expressions
(`casting`) and appends the rows with their lineage, in the file's transaction. It stops
(`NeedsCarefulPath`; the caller rolls back and takes the careful path, which finds the rejects
with their lines and reasons) as soon as the file is not such a file:

- a record the careful path would reject (empty required value, value that does not type,
  neither `duration_minutes` nor `ended_at`) raises through `error()` in the statement itself;
- a parse error raises too: the read has no `store_rejects`, so DuckDB fails on the first one;
- CSV: `_source_line` is the header's lines + 1 + the record's index, right only when every
  record is one physical line. An uncompressed file's line count (from its fingerprint) must be
  header lines + records; a gzip file's values are checked for a newline in the statement (its
  line count would need a second decompression). Blank lines are not seen either way, as on the
  careful path (see `csv_reader`).

What a file with rejects costs extra is the part of a read up to its first reject.

Lines: DuckDB's CSV reader has no row number, and `row_number() over ()` would run the whole
statement on one thread. With `preserve_insertion_order` the rows are appended in record order,
so the record index is the row's position among the rows this transaction appended (the same
guarantee the careful path relies on for the staged table's `rowid`): one `update` of the new
rows' `_source_line`, in the transaction, costs a few percent of the insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.ingestion.casting import native_typed_value, typed_value
from orchestration.ingestion.columns import ColumnPlan
from orchestration.ingestion.contract import ColumnType, ExtractObject
from orchestration.ingestion.csv_reader import CsvHeader
from orchestration.ingestion.manifest import raw_table_ref
from orchestration.ingestion.staging import duckdb_readable_path, staged_name
from orchestration.sql_quoting import quote_ident, quote_literal

_STOP = "one-pass load: a record for the careful path"
_TEXT_TYPES = (ColumnType.ID, ColumnType.STRING)


class NeedsCarefulPath(Exception):
    """The file has (or may have) a reject, or a record over several lines: nothing of the
    one-pass attempt may be kept (the caller rolls its transaction back)."""


@dataclass(frozen=True)
class _Column:
    raw: str  # SQL of the value as the careful path stages it: text or NULL (or a native value)
    typed: str | None  # SQL of the typed value from `raw` (alias r<i>); None: `raw` goes in as is


@dataclass(frozen=True)
class OnePassFile:
    """One file of a one-pass load and its lineage."""

    path: Path
    source_file: str
    file_hash: str
    landed_at: datetime
    file_lines: int | None = None  # uncompressed CSV: its physical lines (else None)


def _select(
    plan: ColumnPlan,
    columns: Sequence[_Column],
    reader: str,
    lineage: Sequence[str],
    multiline_guard: bool,
    line: str | None = None,
    carried: str = "",
) -> tuple[list[str], str]:
    """(target columns, SELECT of their values from `reader`): the contract and extra columns,
    then `_source_line` (`line`, over `carried` columns of the reader; NULL: set afterwards)
    guarded by `error()`, then the 4 lineage columns' `lineage` expressions (over `carried`)."""
    index = {staged_name(i): i for i in range(len(columns))}
    raws = ", ".join(f"{c.raw} as r{i}" for i, c in enumerate(columns))
    typed = "".join(f", {c.typed} as v{i}" for i, c in enumerate(columns) if c.typed is not None)
    targets, values, bad = [], [], []
    for column, staged in plan.contract:
        i = index[staged]
        targets.append(column.name)
        values.append(f"s.v{i}" if columns[i].typed is not None else f"s.r{i}")
        if column.required:
            bad.append(f"s.r{i} is null")
        if columns[i].typed is not None:
            bad.append(f"(s.r{i} is not null and s.v{i} is null)")
    for name, staged in plan.extras:
        targets.append(name)
        values.append(f"s.r{index[staged]}")
    if plan.alternatives:
        bad.append("(" + " and ".join(f"s.r{index[s]} is null" for _, s in plan.alternatives) + ")")
    if multiline_guard:
        bad += [f"contains(s.r{i}, chr(10))" for i in range(len(columns))]
    stop = f"error({quote_literal(_STOP)})"
    guarded = f"case when {' or '.join(bad)} then {stop} else {line or 'null'} end" if bad else line or "null"
    targets += ["_source_line", *_LINEAGE]
    values += [guarded, *lineage]
    # Typed values are computed once, in their own projection, then used twice (value, check).
    inner = f"select {raws}{', ' + carried if carried else ''} from {reader}"
    select = f"select {', '.join(values)} from (select *{typed} from ({inner})) s"
    return targets, select


_LINEAGE = ("_source_file", "_file_hash", "_file_landed_at", "_loaded_at")


def _lineage(
    files: Sequence[OnePassFile], literals: Sequence[str], loaded_at: datetime
) -> tuple[list[str], list]:
    """The lineage columns' SQL (each file's values picked by the reader's `filename` column)
    and its parameters."""
    expressions, params = [], []
    for attribute in ("source_file", "file_hash", "landed_at"):
        expressions.append("case s.filename " + " ".join(f"when {lit} then ?" for lit in literals) + " end")
        params += [getattr(f, attribute) for f in files]
    expressions.append("?")
    params.append(loaded_at)
    return expressions, params


def _insert(
    con: duckdb.DuckDBPyConnection, obj: ExtractObject, targets: list[str], select: str, params: list
) -> int:
    sql = f"insert into {raw_table_ref(obj)} ({', '.join(quote_ident(t) for t in targets)}) {select}"
    try:
        return int(con.execute(sql, params).fetchall()[0][0])
    except (duckdb.OutOfMemoryException, duckdb.InterruptException):
        raise  # not the file's doing
    except duckdb.Error as exc:  # a reject, a parse error, an unreadable file: the careful path says
        raise NeedsCarefulPath(str(exc)) from exc


def _rows_per_file(con: duckdb.DuckDBPyConnection, obj: ExtractObject, loaded_at: datetime) -> dict[str, int]:
    rows = con.execute(
        f"select _source_file, count(*) from {raw_table_ref(obj)} where _loaded_at = ? group by 1",
        [loaded_at],
    ).fetchall()
    return {source_file: int(count) for source_file, count in rows}


def insert_csv(
    con: duckdb.DuckDBPyConnection,
    obj: ExtractObject,
    plan: ColumnPlan,
    files: Sequence[OnePassFile],
    gzip_compressed: bool,
    header: CsvHeader,
    loaded_at: datetime,
) -> dict[str, int]:
    """Insert the records of CSV files with the same header into raw in one pass (one statement:
    DuckDB reads the files in parallel, which a gzip file alone cannot be); returns the records
    of each file (by source file). Raises NeedsCarefulPath (the transaction must then be rolled
    back)."""
    count = len(header.names)
    contract = {staged: column for column, staged in plan.contract}
    columns = []
    for i in range(count):
        column = contract.get(staged_name(i))
        typed = None
        if column is not None and column.type not in _TEXT_TYPES:
            typed = typed_value(column, f"r{i}")
        columns.append(_Column(staged_name(i), typed))
    spec = "{" + ", ".join(f"{quote_literal(staged_name(i))}: 'VARCHAR'" for i in range(count)) + "}"
    suffix = ".csv.gz" if gzip_compressed else ".csv"
    with ExitStack() as stack:
        literals = [stack.enter_context(duckdb_readable_path(f.path, suffix)) for f in files]
        # The careful path's options, without store_rejects: a parse error fails the statement.
        reader = (
            f"read_csv([{', '.join(literals)}], header = true, auto_detect = false, delim = ',', "
            f"quote = '\"', escape = '\"', columns = {spec}, "
            f"compression = '{'gzip' if gzip_compressed else 'none'}', hive_partitioning = false, "
            "filename = true)"
        )
        lineage, params = _lineage(files, literals, loaded_at)
        targets, select = _select(plan, columns, reader, lineage, gzip_compressed, carried="filename")
        _insert(con, obj, targets, select, params)
    records = _rows_per_file(con, obj, loaded_at)
    text_columns = [c.name for c, _ in plan.contract if c.type in _TEXT_TYPES] + [n for n, _ in plan.extras]
    for landed in files:
        inserted = records.get(landed.source_file, 0)
        inside = None if landed.file_lines is None else landed.file_lines - header.lines - inserted
        _number_lines(
            con, obj, loaded_at, landed.source_file, inserted, header.lines + 1, text_columns, inside
        )
    return records


def _number_lines(
    con: duckdb.DuckDBPyConnection,
    obj: ExtractObject,
    loaded_at: datetime,
    source_file: str,
    inserted: int,
    first_line: int,
    text_columns: list[str],
    newlines_inside: int | None,
) -> None:
    """Set `_source_line` of the rows just appended from `source_file`: the first line, plus the
    row's position among them, plus the newlines inside the records before it.

    `newlines_inside` is the file's physical lines less the header's and one per record (None
    when the values were checked for newlines). When it is not 0, the newlines inside records
    must all be in text columns (a typed value's text is gone) and add up to it, else the file
    goes to the careful path (a newline in a typed value, blank lines)."""
    if inserted == 0:
        return
    table = raw_table_ref(obj)
    where = "where _loaded_at = ? and _source_file = ?"
    params = [loaded_at, source_file]
    new_rows = f"from {table} {where}"
    rows, first, last = con.execute(f"select count(*), min(rowid), max(rowid) {new_rows}", params).fetchall()[
        0
    ]
    # A multi-file read appends each file's records in order, one file after the other
    # (preserve_insertion_order); should they ever interleave, the careful path numbers them.
    if rows != inserted or last - first + 1 != rows:
        raise NeedsCarefulPath("the appended rows are not contiguous")
    position = f"{first_line - first} + rowid"
    if not newlines_inside:
        con.execute(f"update {table} set _source_line = {position} {where}", params)
        return
    counts = [
        f"coalesce(strlen({quote_ident(c)}) - strlen(replace({quote_ident(c)}, chr(10), '')), 0)"
        for c in text_columns
    ]
    newlines = " + ".join(counts) or "0"
    found = con.execute(f"select coalesce(sum({newlines}), 0) {new_rows}", params).fetchall()[0][0]
    if found != newlines_inside:
        raise NeedsCarefulPath("blank lines, or a newline in a typed value")
    # Few files have values over several lines (descriptions): a running total for those only.
    con.execute(
        f"""
        update {table} set _source_line = n.line
        from (
            select rowid as row_id, {position} + coalesce(sum({newlines}) over (
                order by rowid rows between unbounded preceding and 1 preceding
            ), 0) as line
            {new_rows}
        ) n
        where {table}.rowid = n.row_id
        """,
        params,
    )


def insert_parquet(
    con: duckdb.DuckDBPyConnection,
    obj: ExtractObject,
    plan: ColumnPlan,
    files: Sequence[OnePassFile],
    duckdb_columns: list[str],
    duckdb_types: list[str],
    loaded_at: datetime,
) -> dict[str, int]:
    """Insert the rows of Parquet files with the same schema into raw in one pass, typing values
    from their Parquet type where that is lossless (`native_typed_value`); returns the rows of
    each file. `_source_line` is the 1-based row number in its file, as on the careful path.
    Raises NeedsCarefulPath."""
    contract = {staged: column for column, staged in plan.contract}
    columns = []
    for i, (name, source_type) in enumerate(zip(duckdb_columns, duckdb_types, strict=True)):
        ref, column = quote_ident(name), contract.get(staged_name(i))
        as_text = f"nullif({ref}, '')" if source_type == "VARCHAR" else f"nullif(cast({ref} as varchar), '')"
        if column is None or column.type in _TEXT_TYPES:
            columns.append(_Column(as_text, None))
            continue
        native = native_typed_value(column, f"r{i}", source_type)
        if native is not None:  # NULL exactly when its text is: a native value is never ''
            columns.append(_Column(ref, native))
        else:
            columns.append(_Column(as_text, typed_value(column, f"r{i}")))
    with ExitStack() as stack:
        literals = [stack.enter_context(duckdb_readable_path(f.path, ".parquet")) for f in files]
        reader = (
            f"read_parquet([{', '.join(literals)}], file_row_number = true, filename = true, "
            "hive_partitioning = false)"
        )
        lineage, params = _lineage(files, literals, loaded_at)
        line = "s.file_row_number + 1"
        targets, select = _select(
            plan, columns, reader, lineage, False, line, carried="file_row_number, filename"
        )
        _insert(con, obj, targets, select, params)
    return _rows_per_file(con, obj, loaded_at)
