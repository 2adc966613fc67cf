"""SQL that types the staged VARCHAR values by the contract's rules (contract: File format rules).

The same expressions type CSV and Parquet (Parquet values are cast to VARCHAR first), so there is
one typing path. Each typed column yields a value expression and a reject-reason expression that
is NULL when the value is fine. DuckDB's own casts are more lenient than the contract
(`try_cast('yes' as boolean)` is true, `try_cast('5.5' as bigint)` is 6, dates accept `2026/1/5`,
timestamps accept `epoch`), so every cast is guarded by an explicit pattern.

Timestamps are cast through TIMESTAMPTZ and need the session `TimeZone` set to UTC (the loader
does so): a `Z` or offset is converted to UTC and a timestamp without one is taken as UTC. The
guard only fixes the `YYYY-MM-DD` start; DuckDB parses the rest, so it also accepts a few forms
beyond strict ISO-8601 that are still unambiguous (`2026-01-05 9:00`, a time zone name).
Money with more than two decimals is rounded to cents (the raw type is DECIMAL(18,2)).
"""

from __future__ import annotations

from orchestration.ingestion.contract import Column, ColumnType
from orchestration.sql_quoting import quote_literal

# Guards run on every value of every typed column, so they are the cheapest that exclude what
# DuckDB accepts beyond the contract (measured on 20M rows: LIKE ~1 s, a full regex ~5 s, trim ~4 s).
# Values are not trimmed: surrounding spaces are not part of the contract's formats.
_DATE_LIKE = "____-__-__"  # YYYY-MM-DD; the cast checks the digits and the calendar (2026-02-30)
# ISO-8601 date or date-time; the cast checks the rest (time, fraction, Z / offset).
_TIMESTAMP_LIKE = "____-__-__%"
_DECIMAL = r"[+-]?(\d+(\.\d*)?|\.\d+)"  # '.' separator, no thousands separator, no exponent
_NUMBER = _DECIMAL + r"([eE][+-]?\d+)?"
# An integer may carry a zero fraction ('5.0'): Parquet writers often store counts as doubles.
_INTEGER = r"[+-]?\d+(\.0*)?"

_LABELS = {
    ColumnType.BOOLEAN: "a boolean",
    ColumnType.TIMESTAMP: "a timestamp",
    ColumnType.DATE: "a date",
    ColumnType.MONEY: "a money amount",
    ColumnType.INTEGER: "an integer",
    ColumnType.NUMBER: "a number",
}

EMPTY_REQUIRED = "empty value in required column"
_BOOLEANS = {"true": "true", "1": "true", "false": "false", "0": "false"}


def _matches(value: str, pattern: str) -> str:
    return f"regexp_full_match({value}, {quote_literal(pattern)})"


def typed_value(column: Column, ref: str) -> str:
    """SQL giving the typed value of VARCHAR expression `ref` (NULL when empty or invalid)."""
    kind, v = column.type, ref
    if kind in (ColumnType.ID, ColumnType.STRING):
        return v
    if kind == ColumnType.BOOLEAN:
        # only these four, any case: DuckDB's cast would also take t/f, yes/no, y/n
        whens = " ".join(f"when '{text}' then {value}" for text, value in _BOOLEANS.items())
        return f"(case lower({v}) {whens} end)"
    if kind == ColumnType.DATE:
        return f"(case when {v} like '{_DATE_LIKE}' then try_cast({v} as date) end)"
    if kind == ColumnType.TIMESTAMP:
        # Offset honoured, none means the session time zone (UTC); epoch_us then make_timestamp
        # is the UTC wall clock, ~3x faster than casting timestamptz to timestamp (ICU).
        instant = f"try_cast({v} as timestamptz)"
        return f"(case when {v} like '{_TIMESTAMP_LIKE}' then make_timestamp(epoch_us({instant})) end)"
    if kind == ColumnType.MONEY:
        return f"(case when {_matches(v, _DECIMAL)} then try_cast({v} as {kind.duckdb_type}) end)"
    if kind == ColumnType.INTEGER:
        whole = f"regexp_replace({v}, '\\.0*$', '')"
        return f"(case when {_matches(v, _INTEGER)} then try_cast({whole} as {kind.duckdb_type}) end)"
    if kind == ColumnType.NUMBER:
        return f"(case when {_matches(v, _NUMBER)} then try_cast({v} as {kind.duckdb_type}) end)"
    raise ValueError(f"no typing rule for {kind}")


# Parquet types typed without the detour through VARCHAR (see native_typed_value).
_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")
_YEARS_1_TO_9999 = "between {kind} '0001-01-01{start}' and {kind} '9999-12-31{end}'"


def _decimal_scale(source_type: str) -> int | None:
    """The scale of a `DECIMAL(p,s)` type name, None for any other type."""
    if not (source_type.startswith("DECIMAL(") and source_type.endswith(")")):
        return None
    return int(source_type[len("DECIMAL(") : -1].split(",")[1])


def native_typed_value(column: Column, ref: str, source_type: str) -> str | None:
    """SQL typing the natively typed (Parquet) value `ref` of DuckDB type `source_type` straight
    to the raw type, giving exactly what `typed_value` gives on its VARCHAR rendering; None when
    there is no such shortcut (the value is then typed through VARCHAR).

    Rendering typed values as text and parsing them back cost more than the rest of a Parquet
    load (three timestamps per activity row). Only lossless shortcuts: a DATE, TIMESTAMP or
    TIMESTAMPTZ of years 1-9999 renders as `YYYY-MM-DD...` (UTC session) and parses back to the
    same value; a finite DOUBLE renders in round-trip form; integers, and decimals of at most two
    places, render exactly. Other values (infinity, NaN, year 10000) take the VARCHAR route in
    the same expression, so their typing and reject reason are unchanged.
    """
    kind = column.type
    if kind == ColumnType.BOOLEAN and source_type == "BOOLEAN":
        return ref
    if kind == ColumnType.INTEGER and source_type in _INTEGERS:
        return f"cast({ref} as bigint)"
    if kind == ColumnType.NUMBER and source_type in _INTEGERS:
        return f"cast({ref} as double)"
    scale = _decimal_scale(source_type)
    if kind == ColumnType.MONEY and (source_type in _INTEGERS or (scale is not None and scale <= 2)):
        return f"try_cast({ref} as {kind.duckdb_type})"
    if kind == ColumnType.TIMESTAMP and source_type == "TIMESTAMP WITH TIME ZONE":
        exact = _YEARS_1_TO_9999.format(kind="timestamptz", start=" 00:00:00+00", end=" 23:59:59.999999+00")
        direct = f"make_timestamp(epoch_us({ref}))"
    elif kind == ColumnType.TIMESTAMP and source_type == "TIMESTAMP":
        exact = _YEARS_1_TO_9999.format(kind="timestamp", start=" 00:00:00", end=" 23:59:59.999999")
        direct = ref
    elif kind == ColumnType.DATE and source_type == "DATE":
        exact = _YEARS_1_TO_9999.format(kind="date", start="", end="")
        direct = ref
    elif kind == ColumnType.NUMBER and source_type == "DOUBLE":
        exact, direct = "", ref
    else:
        return None
    condition = f"isfinite({ref})" if not exact else f"{ref} {exact}"
    return f"(case when {condition} then {direct} else {typed_value(column, f'cast({ref} as varchar)')} end)"


def reject_reason(column: Column, ref: str) -> str | None:
    """SQL giving why the value of `ref` is rejected, NULL when it is fine; None if it never is."""
    checks: list[str] = []
    if column.required:
        checks.append(f"when {ref} is null then {quote_literal(EMPTY_REQUIRED)}")
    if column.type not in (ColumnType.ID, ColumnType.STRING):
        label = quote_literal(f"not {_LABELS[column.type]}: '")
        shown = f"left({ref}, 200)"
        checks.append(
            f"when {ref} is not null and {typed_value(column, ref)} is null then {label} || {shown} || ''''"
        )
    if not checks:
        return None
    return "(case " + " ".join(checks) + " end)"


def csv_render(refs: list[str]) -> str:
    """SQL rendering VARCHAR expressions back as one CSV record (for `raw_record` of rejects)."""
    parts = [
        f"(case when {r} is null then '' when regexp_matches({r}, '[\",\\r\\n]') "
        f"then '\"' || replace({r}, '\"', '\"\"') || '\"' else {r} end)"
        for r in refs
    ]
    return " || ',' || ".join(parts) if parts else "''"
