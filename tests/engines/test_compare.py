"""The mart comparison on hand-made rows: what counts as identical, and what it reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb

from orchestration.engines.compare import MartRows, mart_differences, spark_rows, spark_table_folder

COLUMNS = ["month_start", "rep_id", "won_amount", "selling_minutes"]
DUCKDB_ROWS = [
    (date(2026, 1, 1), "r1", Decimal("1274294.20"), 20.5),
    (date(2026, 1, 1), "r2", Decimal("159286.78"), 1.0166666666666666),
    (date(2026, 2, 1), "r1", None, None),
]


def differences(other_rows: list[tuple], columns: list[str] = COLUMNS) -> list[str]:
    return mart_differences("kpi_x", MartRows(COLUMNS, DUCKDB_ROWS), MartRows(columns, other_rows))


def test_same_rows_in_another_order_are_identical():
    assert differences(list(reversed(DUCKDB_ROWS))) == []


def test_doubles_summed_in_another_order_are_identical():
    # 0.1 + 0.2 + 0.3 summed left to right and right to left differ in the last bit only.
    left, right = (0.1 + 0.2) + 0.3, 0.1 + (0.2 + 0.3)
    assert left != right
    rows = [(date(2026, 3, 1), "r3", Decimal("1.00"), left)]
    assert (
        mart_differences("kpi_x", MartRows(COLUMNS, rows), MartRows(COLUMNS, [rows[0][:3] + (right,)])) == []
    )


def test_a_cent_off_is_reported_with_mart_row_and_column():
    other = [
        DUCKDB_ROWS[0],
        (date(2026, 1, 1), "r2", Decimal("159286.77"), 1.0166666666666666),
        DUCKDB_ROWS[2],
    ]
    (line,) = differences(other)
    assert line.startswith("kpi_x: sorted row 2")
    assert "won_amount: Decimal('159286.78') vs Decimal('159286.77')" in line


def test_a_rounded_double_is_reported():
    # Minutes rounded to 4 decimals (1.0167) are a relative 3e-5 off: far above 1e-9.
    other = [DUCKDB_ROWS[0], (date(2026, 1, 1), "r2", Decimal("159286.78"), 1.0167), DUCKDB_ROWS[2]]
    (line,) = differences(other)
    assert "selling_minutes: 1.0166666666666666 vs 1.0167" in line


def test_null_against_zero_and_a_money_type_change_are_reported():
    other = [DUCKDB_ROWS[0], DUCKDB_ROWS[1], (date(2026, 2, 1), "r1", Decimal("0.00"), None)]
    assert len(differences(other)) == 1
    # A double where DuckDB has a decimal: the contract types differ between the engines.
    other = [(date(2026, 1, 1), "r1", 1274294.2, 20.5), DUCKDB_ROWS[1], DUCKDB_ROWS[2]]
    assert len(differences(other)) == 1


def test_missing_row_and_other_columns_are_reported():
    assert differences(DUCKDB_ROWS[:2]) == ["kpi_x: 3 rows in DuckDB, 2 on the other engine"]
    renamed = ["month_start", "rep_id", "won_amount", "selling_time"]
    (line,) = differences(DUCKDB_ROWS, renamed)
    assert "columns differ" in line


def test_spark_partitioned_mart_reads_back_in_duckdb_column_order(tmp_path):
    # Spark writes a partitioned mart as <column>=<value>/ folders, the column out of the files.
    folder = spark_table_folder(tmp_path, "kpi_x")
    folder.parent.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            "create table t as select * from (values (date '2026-01-01', 'r1', 1.5), "
            "(date '2026-04-01', 'r2', 2.5)) as v(quarter_start, rep_id, minutes)"
        )
        con.execute(f"copy t to '{folder}' (format parquet, partition_by (quarter_start))")
        rows = spark_rows(con, tmp_path, "kpi_x", ["quarter_start", "rep_id", "minutes"])
        assert sorted(rows.rows) == [(date(2026, 1, 1), "r1", 1.5), (date(2026, 4, 1), "r2", 2.5)]
        # A column DuckDB has and Spark lacks reads as Spark's columns and no rows: a difference.
        missing = spark_rows(con, tmp_path, "kpi_x", ["quarter_start", "rep_id", "minutes", "team"])
        assert missing.rows == [] and "team" not in missing.columns
