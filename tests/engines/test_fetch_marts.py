"""The published marts brought back from PostgreSQL into the DuckDB file: every value exactly,
types from PostgreSQL's columns, comments kept, and only the marts BI reads."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from orchestration.engines.fetch_marts import duckdb_type, fetch_from_postgres

# What a CSV round trip could garble: '' against NULL, quotes and a comma, a line break, t/f
# booleans, a 17-digit double, a negative decimal, microseconds.
ROWS = [
    ("a", "", 0.1 + 0.2, Decimal("-12.30"), datetime(2026, 1, 2, 3, 4, 5, 123456), date(2026, 1, 2), True, 7),
    ("b", None, None, None, None, None, None, None),
    ("c", 'say "hi", then\nleave', 1 / 3, Decimal("0.05"), datetime(2026, 12, 31), None, False, -1),
]


def test_types_map_to_duckdb_and_unknown_ones_are_named():
    assert duckdb_type("t", "amount", "numeric", 18, 2) == "DECIMAL(18, 2)"
    assert duckdb_type("t", "share", "double precision", None, None) == "DOUBLE"
    with pytest.raises(ValueError, match=r"marts\.t\.tags: PostgreSQL type ARRAY has no DuckDB mapping"):
        duckdb_type("t", "tags", "ARRAY", None, None)


@pytest.mark.slow
def test_marts_come_back_exactly_with_their_comments(tmp_path, postgres_database):
    with postgres_database.connect() as con, con.cursor() as cursor:
        cursor.execute("create schema if not exists marts")
        cursor.execute(
            "create table marts.kpi_tricky (id text, note text, share double precision, "
            "amount numeric(18, 2), at timestamp, day date, flag boolean, n integer)"
        )
        cursor.executemany("insert into marts.kpi_tricky values (%s, %s, %s, %s, %s, %s, %s, %s)", ROWS)
        cursor.execute("comment on table marts.kpi_tricky is 'Tricky values, one row each'")
        cursor.execute("comment on column marts.kpi_tricky.share is 'A share, 0 to 1'")
        cursor.execute("create table marts.fct_not_published (id text)")  # facts stay on the engine
    con.close()
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:  # an older build's mart is replaced
        con.execute("create schema marts")
        con.execute("create table marts.kpi_tricky as select 'old' as id")

    fetched = fetch_from_postgres(postgres_database, warehouse)

    assert fetched.tables == {"kpi_tricky": 3}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select * from marts.kpi_tricky order by id").fetchall() == ROWS
        types = con.execute(
            "select data_type from duckdb_columns() where table_name = 'kpi_tricky'"
        ).fetchall()
        assert [t for (t,) in types] == [
            "VARCHAR", "VARCHAR", "DOUBLE", "DECIMAL(18,2)", "TIMESTAMP", "DATE", "BOOLEAN", "INTEGER"
        ]  # fmt: skip
        assert con.execute(
            "select comment from duckdb_tables() where table_name = 'kpi_tricky'"
        ).fetchone() == ("Tricky values, one row each",)
        assert con.execute(
            "select comment from duckdb_columns() where table_name = 'kpi_tricky' and column_name = 'share'"
        ).fetchone() == ("A share, 0 to 1",)
        assert not con.execute(
            "select * from duckdb_tables() where table_name = 'fct_not_published'"
        ).fetchall()
