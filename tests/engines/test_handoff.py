"""The raw hand-off: types, the values CSV could garble, a failed hand-off, and handing over only
the load batches the engine lacks (PostgreSQL, and the Parquet folders Spark reads)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from orchestration.engines.handoff import (
    POSTGRES_BATCHES,
    SPARK_STATE,
    Plan,
    RawTable,
    _spark_table,
    handoff_to_postgres,
    plan,
    postgres_type,
    raw_tables,
)

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
def test_values_arrive_exactly(tmp_path, postgres_database):
    raw_warehouse(tmp_path / "w.duckdb")
    report = handoff_to_postgres(tmp_path / "w.duckdb", postgres_database)
    assert [(t.table.name, t.table.row_count, t.replaced) for t in report.tables] == [
        ("salesforce_user", 4, True)
    ]
    assert postgres_rows(postgres_database) == TRICKY_ROWS


@pytest.mark.slow
def test_a_failed_handoff_leaves_the_previous_raw_tables(tmp_path, postgres_database):
    raw_warehouse(tmp_path / "w.duckdb")
    handoff_to_postgres(tmp_path / "w.duckdb", postgres_database)
    # The next load has fewer rows and a column type PostgreSQL gets no mapping for.
    raw_warehouse(
        tmp_path / "w.duckdb",
        TRICKY_ROWS[:1],
        "create table raw.zz_tags as select 'a' as id, ['x', 'y'] as tags",
    )
    with pytest.raises(ValueError, match=r"raw\.zz_tags\.tags"):
        handoff_to_postgres(tmp_path / "w.duckdb", postgres_database)
    assert postgres_rows(postgres_database) == TRICKY_ROWS


# --- Only what is new: raw tables are append-only, each row stamped with its load batch. ---

DAY_1, DAY_2, REBUILT = datetime(2026, 9, 30, 6), datetime(2026, 10, 1, 6), datetime(2026, 10, 1, 7)


def batched_warehouse(path, batches: dict[datetime, list[str]]) -> None:
    """A raw opportunity table with the rows of each load batch, and a manifest without batches."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists raw")
        con.execute("create or replace table raw.salesforce_opportunity (id varchar, _loaded_at timestamp)")
        con.execute("create or replace table raw.load_manifest (source_file varchar)")
        for batch, ids in batches.items():
            con.executemany("insert into raw.salesforce_opportunity values (?, ?)", [(i, batch) for i in ids])
            con.execute("insert into raw.load_manifest values (?)", [f"file {batch}"])


def copied(report) -> dict[str, tuple[bool, int, int]]:
    return {t.table.name: (t.replaced, t.rows, t.removed) for t in report.tables}


def test_plan_copies_missing_batches_and_removes_gone_ones():
    table = RawTable("t", [("id", "VARCHAR"), ("_loaded_at", "TIMESTAMP")], 5, {DAY_1: 3, DAY_2: 2})
    assert plan(table, None) == Plan(whole=True)  # nothing usable on the engine
    assert plan(table, {DAY_1: 3}) == Plan(whole=False, new=(DAY_2,))
    assert plan(table, {DAY_1: 3, DAY_2: 2}) == Plan(whole=False)
    assert plan(table, {DAY_1: 3, REBUILT: 2}) == Plan(whole=False, new=(DAY_2,), gone=(REBUILT,))
    assert plan(table, {DAY_1: 2}) == Plan(whole=False, new=(DAY_1, DAY_2), gone=(DAY_1,))  # a count off
    assert plan(RawTable("m", [("f", "VARCHAR")], 1, None), {}) == Plan(whole=True)  # no batches


@pytest.mark.slow
def test_postgres_gets_only_the_batches_it_lacks(tmp_path, postgres_database):
    warehouse = tmp_path / "w.duckdb"
    batched_warehouse(warehouse, {DAY_1: ["a", "b", "c"]})
    first = handoff_to_postgres(warehouse, postgres_database)
    assert copied(first) == {"load_manifest": (True, 1, 0), "salesforce_opportunity": (True, 3, 0)}

    again = handoff_to_postgres(warehouse, postgres_database)  # nothing new: only the manifest again
    assert copied(again) == {"load_manifest": (True, 1, 0), "salesforce_opportunity": (False, 0, 0)}

    batched_warehouse(warehouse, {DAY_1: ["a", "b", "c"], DAY_2: ["d", "e"]})
    daily = handoff_to_postgres(warehouse, postgres_database)
    assert copied(daily)["salesforce_opportunity"] == (False, 2, 0)
    assert postgres_rows(postgres_database, "salesforce_opportunity") == [
        ("a", DAY_1), ("b", DAY_1), ("c", DAY_1), ("d", DAY_2), ("e", DAY_2)
    ]  # fmt: skip

    # A rebuilt warehouse: the same rows under another batch. The old batches go, the new one comes.
    batched_warehouse(warehouse, {REBUILT: ["a", "b", "c", "d", "e"]})
    rebuilt = handoff_to_postgres(warehouse, postgres_database)
    assert copied(rebuilt)["salesforce_opportunity"] == (False, 5, 2)
    assert {row[1] for row in postgres_rows(postgres_database, "salesforce_opportunity")} == {REBUILT}
    with postgres_database.connect() as con, con.cursor() as cursor:
        cursor.execute(f"select table_name, loaded_at, row_count from raw.{POSTGRES_BATCHES}")
        assert cursor.fetchall() == [("salesforce_opportunity", REBUILT, 5)]
    con.close()


def test_spark_folders_get_one_parquet_file_per_handoff_of_new_batches(tmp_path):
    warehouse, folder = tmp_path / "w.duckdb", tmp_path / "raw" / "salesforce_opportunity"

    def handoff():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            table = next(t for t in raw_tables(con) if t.name == "salesforce_opportunity")
            return _spark_table(con, table, folder)

    def rows_spark_would_read():  # every Parquet file of the folder, as Spark lists them
        files = sorted(p for p in folder.iterdir() if not p.name.startswith(("_", ".")))
        with duckdb.connect() as con:
            return sorted(
                con.execute(f"select id from read_parquet({[str(f) for f in files]})").fetchall()
            ), files

    batched_warehouse(warehouse, {DAY_1: ["a", "b"]})
    first = handoff()
    assert (first.replaced, first.rows) == (True, 2)
    again = handoff()
    assert (again.replaced, again.rows) == (False, 0)  # current already
    batched_warehouse(warehouse, {DAY_1: ["a", "b"], DAY_2: ["c"]})
    done = handoff()
    assert (done.replaced, done.rows, done.batches) == (False, 1, 1)
    rows, files = rows_spark_would_read()
    assert rows == [("a",), ("b",), ("c",)] and len(files) == 2
    assert (folder / SPARK_STATE).is_file()

    # A file a killed hand-off left half-written, and a batch gone: the next one rewrites it whole.
    (folder / ".part-x.parquet.tmp").write_bytes(b"half")
    batched_warehouse(warehouse, {REBUILT: ["a", "b", "c"]})
    assert handoff().replaced
    rows, files = rows_spark_would_read()
    assert rows == [("a",), ("b",), ("c",)] and len(files) == 1
    assert not (folder / ".part-x.parquet.tmp").exists()
