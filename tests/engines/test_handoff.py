"""The raw hand-off to PostgreSQL: types, the values CSV could garble, and a failed hand-off."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from orchestration.engines.handoff import handoff_to_postgres, postgres_type

# Values a CSV round trip could garble: '' against NULL, quotes, a comma, a line break, a
# non-ASCII name, a double with 17 significant digits, microseconds, a negative decimal.
TRICKY_ROWS = [
    ("a", "", 0.1 + 0.2, Decimal("-12.30"), datetime(2026, 1, 2, 3, 4, 5, 123456), date(2026, 1, 2), True),
    ("b", None, None, None, None, None, None),
    ("c", 'say "hi", then\nleave', 1 / 3, Decimal("0.05"), datetime(2026, 12, 31, 23, 59, 59), None, False),
    ("d", "Zoë Ångström", -0.0, Decimal("99999999.99"), None, date(1999, 12, 31), None),
]


def raw_warehouse(path, rows=TRICKY_ROWS, extra_sql: str = "") -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists raw")
        con.execute(
            "create or replace table raw.salesforce_user (id varchar, email varchar, score double, "
            "amount decimal(18, 2), modstamp timestamp, day date, is_active boolean)"
        )
        con.executemany("insert into raw.salesforce_user values (?, ?, ?, ?, ?, ?, ?)", rows)
        if extra_sql:
            con.execute(extra_sql)


def postgres_rows(server, table: str = "salesforce_user") -> list[tuple]:
    with server.connect() as con, con.cursor() as cursor:
        cursor.execute(f"select * from raw.{table} order by 1")
        rows = cursor.fetchall()
    con.close()
    return rows


def test_types_map_to_postgres_and_unknown_ones_are_named():
    assert postgres_type("t", "amount", "DECIMAL(18,2)") == "numeric(18, 2)"
    assert postgres_type("t", "score", "DOUBLE") == "double precision"
    assert postgres_type("t", "id", "VARCHAR") == "text"
    with pytest.raises(ValueError, match=r"raw\.t\.tags: DuckDB type VARCHAR\[\] has no PostgreSQL mapping"):
        postgres_type("t", "tags", "VARCHAR[]")


@pytest.mark.slow
def test_values_arrive_exactly(tmp_path, postgres_server):
    raw_warehouse(tmp_path / "w.duckdb")
    tables = handoff_to_postgres(tmp_path / "w.duckdb", postgres_server)
    assert [(t.name, t.row_count) for t in tables] == [("salesforce_user", 4)]
    assert postgres_rows(postgres_server) == TRICKY_ROWS


@pytest.mark.slow
def test_a_failed_handoff_leaves_the_previous_raw_tables(tmp_path, postgres_server):
    raw_warehouse(tmp_path / "w.duckdb")
    handoff_to_postgres(tmp_path / "w.duckdb", postgres_server)
    # The next load has fewer rows and a column type PostgreSQL gets no mapping for.
    raw_warehouse(
        tmp_path / "w.duckdb",
        TRICKY_ROWS[:1],
        "create table raw.zz_tags as select 'a' as id, ['x', 'y'] as tags",
    )
    with pytest.raises(ValueError, match=r"raw\.zz_tags\.tags"):
        handoff_to_postgres(tmp_path / "w.duckdb", postgres_server)
    assert postgres_rows(postgres_server) == TRICKY_ROWS
