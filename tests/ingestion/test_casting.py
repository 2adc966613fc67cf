"""The typing rules of the contract, value by value (stricter than DuckDB's own casts)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from orchestration.ingestion.casting import reject_reason, typed_value
from orchestration.ingestion.contract import Column, ColumnType

T = ColumnType


def _type(kind: ColumnType, value: str | None, required: bool = False):
    column = Column("Field", kind, required=required)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    reason = reject_reason(column, "v") or "null"
    sql = f"select {typed_value(column, 'v')}, {reason} from (select ?::varchar as v)"
    return tuple(con.execute(sql, [value]).fetchall()[0])


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        (T.BOOLEAN, "true", True),
        (T.BOOLEAN, "FALSE", False),
        (T.BOOLEAN, "True", True),
        (T.BOOLEAN, "1", True),
        (T.BOOLEAN, "0", False),
        (T.DATE, "2026-02-28", date(2026, 2, 28)),
        (T.DATE, "2028-02-29", date(2028, 2, 29)),
        (T.MONEY, "1234.5", Decimal("1234.50")),
        (T.MONEY, "-0.25", Decimal("-0.25")),
        (T.MONEY, "7", Decimal("7.00")),
        (T.INTEGER, "42", 42),
        (T.INTEGER, "42.0", 42),  # a count stored as a double by a Parquet writer
        (T.NUMBER, "12.5", 12.5),
        (T.NUMBER, "1e3", 1000.0),
        (T.TIMESTAMP, "2026-01-05T09:00:00+01:00", datetime(2026, 1, 5, 8)),
        (T.STRING, " kept as is ", " kept as is "),
    ],
)
def test_valid_values_are_typed(kind, value, expected):
    assert _type(kind, value) == (expected, None)


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        (T.BOOLEAN, "yes", "not a boolean: 'yes'"),
        (T.BOOLEAN, "t", "not a boolean: 't'"),
        (T.BOOLEAN, "Y", "not a boolean: 'Y'"),
        (T.DATE, "2026-02-30", "not a date: '2026-02-30'"),
        (T.DATE, "2026/01/05", "not a date: '2026/01/05'"),
        (T.DATE, "2026-1-5", "not a date: '2026-1-5'"),
        (T.DATE, "05.01.2026", "not a date: '05.01.2026'"),
        (T.MONEY, "1,000.00", "not a money amount: '1,000.00'"),
        (T.MONEY, "12,50", "not a money amount: '12,50'"),
        (T.MONEY, "1e3", "not a money amount: '1e3'"),
        (T.MONEY, "$5", "not a money amount: '$5'"),
        (T.INTEGER, "5.5", "not an integer: '5.5'"),
        (T.INTEGER, "1_000", "not an integer: '1_000'"),
        (T.NUMBER, "abc", "not a number: 'abc'"),
        (T.NUMBER, "nan", "not a number: 'nan'"),
        (T.TIMESTAMP, "epoch", "not a timestamp: 'epoch'"),
        (T.TIMESTAMP, "2026-01-05T25:00:00Z", "not a timestamp: '2026-01-05T25:00:00Z'"),
        (T.TIMESTAMP, "01/05/2026 09:00", "not a timestamp: '01/05/2026 09:00'"),
    ],
)
def test_invalid_values_are_rejected_with_a_reason(kind, value, reason):
    assert _type(kind, value) == (None, reason)


def test_empty_is_null_and_rejected_only_when_required():
    assert _type(T.DATE, None) == (None, None)
    assert _type(T.ID, None, required=True) == (None, "empty value in required column")
    assert _type(T.DATE, None, required=True) == (None, "empty value in required column")
