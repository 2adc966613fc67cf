"""File formats: CRLF, BOM, gzip, Parquet, time zones, header-only and unreadable files."""

from __future__ import annotations

import gzip
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
from loader_helpers import ACTIVITIES, OPP_HEADER, manifest, opp_row, query

OPP_COLUMNS = "id, account_id, owner_id, stage_name, close_date, is_closed, is_won, created_date, amount"


def test_crlf_bom_gzip_and_parquet_load_the_same_records(landing, load, con, tmp_path):
    rows = [opp_row("006A", amount="10.00"), opp_row("006B", amount="20.50", is_won="TRUE")]
    plain = "\n".join([OPP_HEADER, *rows]) + "\n"
    landing.write("salesforce/Opportunity/lf.csv", plain)
    landing.write("salesforce/Opportunity/crlf.csv", plain.replace("\n", "\r\n").replace("006", "016"))
    landing.write("salesforce/Opportunity/bom.csv", "\ufeff" + plain.replace("006", "026"))
    landing.write(
        "salesforce/Opportunity/zipped.CSV.GZ", plain.replace("006", "036").replace("\n", "\r\n"), gz=True
    )
    table = pa.table(
        {
            "Id": ["046A", "046B"],
            "AccountId": ["001A", "001A"],
            "OwnerId": ["005A", "005A"],
            "StageName": ["Prospecting", "Prospecting"],
            "CloseDate": pa.array([date(2026, 3, 31)] * 2),
            "IsClosed": [False, False],
            "IsWon": [False, True],
            "CreatedDate": ["2026-01-05T09:00:00Z"] * 2,
            "Amount": pa.array([Decimal("10.00"), Decimal("20.50")], type=pa.decimal128(18, 2)),
        }
    )
    pq.write_table(table, tmp_path / "opp.parquet")
    landing.write("salesforce/Opportunity/opp.parquet", (tmp_path / "opp.parquet").read_bytes())

    summary = load()

    assert [(f.status, f.rows_loaded) for f in summary.files] == [("loaded", 2)] * 5
    rows = query(con, f"select {OPP_COLUMNS}, _source_line from raw.salesforce_opportunity order by id")
    expected_a = ("001A", "005A", "Prospecting", date(2026, 3, 31), False, False, datetime(2026, 1, 5, 9))
    expected_b = ("001A", "005A", "Prospecting", date(2026, 3, 31), False, True, datetime(2026, 1, 5, 9))
    assert rows == [
        row
        for prefix in ("006", "016", "026", "036", "046")
        for row in (
            (f"{prefix}A", *expected_a, Decimal("10.00"), 1 if prefix == "046" else 2),
            (f"{prefix}B", *expected_b, Decimal("20.50"), 2 if prefix == "046" else 3),
        )
    ]
    lineage = query(
        con,
        "select _source_file, _file_hash, _file_landed_at from raw.salesforce_opportunity where id = '036A'",
    )
    assert lineage[0][0] == "salesforce/Opportunity/zipped.CSV.GZ"
    assert len(lineage[0][1]) == 64
    assert lineage[0][2] == datetime(2026, 1, 1, 0, 4)  # the 4th file written: 4 minutes after the start


def test_timestamps_with_z_or_offset_are_converted_to_utc_and_without_one_taken_as_utc(landing, load, con):
    head = "activity_id,rep_id,activity_type,started_at,duration_minutes"
    values = {
        "z": "2026-01-05T09:00:00Z",
        "plus": "2026-01-05T11:00:00+02:00",
        "minus": "2026-01-05T03:30:00-0530",
        "salesforce": "2026-01-05T09:00:00.000+0000",
        "naive": "2026-01-05 09:00:00",
        "date_only": "2026-01-05",
        "fraction": "2026-01-05T09:00:00.250Z",
    }
    lines = [f"{key},005A,Call,{value},15" for key, value in values.items()]
    landing.write("activity/activities/tz.csv", "\n".join([head, *lines]) + "\n")

    con.execute("set TimeZone = 'America/New_York'")  # the caller's session: not used for typing
    load(ACTIVITIES)

    assert dict(query(con, "select activity_id, started_at from raw.activity_activities")) == {
        "z": datetime(2026, 1, 5, 9),
        "plus": datetime(2026, 1, 5, 9),
        "minus": datetime(2026, 1, 5, 9),
        "salesforce": datetime(2026, 1, 5, 9),
        "naive": datetime(2026, 1, 5, 9),
        "date_only": datetime(2026, 1, 5),
        "fraction": datetime(2026, 1, 5, 9, 0, 0, 250000),
    }
    # The caller's session time zone is restored.
    assert query(con, "select current_setting('TimeZone')") == [("America/New_York",)]


def test_a_header_only_file_is_loaded_with_zero_records(landing, load, con):
    landing.write("salesforce/Opportunity/empty_extract.csv", OPP_HEADER + "\r\n")

    summary = load()

    assert [(f.status, f.records_read, f.rows_loaded, f.rows_rejected) for f in summary.files] == [
        ("loaded", 0, 0, 0)
    ]


def test_unreadable_files_are_reported_and_the_others_still_load(landing, load, con):
    good = f"{OPP_HEADER}\n{opp_row('006A')}\n"
    landing.write("salesforce/Opportunity/a_empty.csv", b"")
    truncated = gzip.compress(
        (OPP_HEADER + "\n" + "\n".join(opp_row(f"007{i:04d}") for i in range(2000))).encode()
    )
    landing.write("salesforce/Opportunity/b_truncated.csv.gz", truncated[: len(truncated) // 2])
    landing.write("salesforce/Opportunity/c_fake.parquet", good)
    landing.write("salesforce/Opportunity/d_good.csv", good)
    landing.write("salesforce/Opportunity/e_not_gzip.csv.gz", good.replace("006A", "006E"))

    summary = load()

    statuses = [(f.source_file.rsplit("/", 1)[1], f.status) for f in summary.files]
    assert statuses == [
        ("a_empty.csv", "unreadable"),
        ("b_truncated.csv.gz", "unreadable"),
        ("c_fake.parquet", "unreadable"),
        ("d_good.csv", "loaded"),
        ("e_not_gzip.csv.gz", "unreadable"),
    ]
    reasons = {f.source_file.rsplit("/", 1)[1]: f.reason for f in summary.files}
    assert reasons["a_empty.csv"] == "salesforce/Opportunity/a_empty.csv: empty file (0 bytes)"
    assert all(
        reasons[name].startswith(f"salesforce/Opportunity/{name}: ")
        for name in reasons
        if name != "d_good.csv"
    )
    assert query(con, "select id from raw.salesforce_opportunity") == [("006A",)]
    # One manifest row each (files of one format and header load together, so not in this order).
    assert sorted((row[0].rsplit("/", 1)[1], row[1]) for row in manifest(con)) == statuses


def test_a_file_name_with_glob_characters_is_read_as_itself(landing, load, con):
    landing.write("salesforce/Opportunity/export 1.csv", f"{OPP_HEADER}\n{opp_row('006A')}\n")
    landing.write("salesforce/Opportunity/export [1].csv", f"{OPP_HEADER}\n{opp_row('006B')}\n")
    landing.write("salesforce/Opportunity/export*.csv", f"{OPP_HEADER}\n{opp_row('006C')}\n")

    load()

    assert query(con, "select _source_file, id from raw.salesforce_opportunity order by id") == [
        ("salesforce/Opportunity/export 1.csv", "006A"),
        ("salesforce/Opportunity/export [1].csv", "006B"),
        ("salesforce/Opportunity/export*.csv", "006C"),
    ]


def test_a_key_value_folder_adds_no_column_and_parquet_headers_are_matched_as_written(
    landing, load, con, tmp_path
):
    landing.write("salesforce/Opportunity/date=2026-01-05/opp.csv", f"{OPP_HEADER}\n{opp_row('006A')}\n")
    table = pa.table({name: ["x"] for name in OPP_HEADER.split(",")} | {"id": ["y"]})
    pq.write_table(table, tmp_path / "dup.parquet")
    landing.write(
        "salesforce/Opportunity/date=2026-01-06/dup.parquet", (tmp_path / "dup.parquet").read_bytes()
    )

    summary = load()

    assert [(f.status, f.reason) for f in summary.files] == [
        ("loaded", None),
        (
            "rejected",
            "salesforce/Opportunity/date=2026-01-06/dup.parquet: headers 'Id' and 'id' both map to column id",
        ),
    ]
    assert "date" not in {
        name for (name,) in query(con, "select column_name from information_schema.columns")
    }


def test_blank_lines_are_not_records(landing, load, con):
    content = f"{OPP_HEADER}\n{opp_row('006A')}\n\n{opp_row('006B')}\n\n\n"
    landing.write("salesforce/Opportunity/blank.csv", content)

    summary = load()

    assert [(f.records_read, f.rows_loaded, f.rows_rejected) for f in summary.files] == [(2, 2, 0)]
