"""Row-level rejects, their physical lines, the quarantine threshold and open quotes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
from loader_helpers import OPP_HEADER, manifest, opp_row, query, rejects

from orchestration.ingestion.contract import object_for_folder
from orchestration.ingestion.csv_reader import OPEN_QUOTE_REASON

FILE = "salesforce/Opportunity/bad.csv"
TS = "2026-01-05T09:00:00Z"


def test_bad_rows_are_rejected_with_physical_line_column_and_reason(landing, load, con):
    content = (
        OPP_HEADER.encode()
        + b"\n"  # line 1
        + f"006A,001A,005A,Prospecting,2026-03-31,false,false,{TS},100.00\n".encode()  # line 2
        + f'006B,001A,005A,"Needs\nAnalysis",2026-03-31,false,false,{TS},200.00\n'.encode()  # lines 3-4
        + f"006C,001A,005A,Prospecting,2026-03-31,false,false,{TS},300.00,extra\n".encode()  # 5: 10 fields
        + f"006D,001A,005A,Prospecting,2026-02-30,false,false,{TS},400.00\n".encode()  # 6: no such date
        + f"006E,001A,005A,Prospecting,2026-03-31,false,false,{TS},abc\n".encode()  # 7: text in amount
        + f"006F,001A,005A,Prospecting,2026-03-31,false,yes,{TS},600.00\n".encode()  # 8: bad boolean
        + f"006G,001A,,Prospecting,2026-03-31,false,false,{TS},700.00\n".encode()  # 9: empty OwnerId
        + f"006H,001A,005A,Prosp\xffecting,2026-03-31,false,false,{TS},800.00\n".encode("latin-1")  # 10
        + f'006I,001A,005A,"Closed\nWon",2026-02-30,true,true,{TS},abc\n'.encode()  # 11-12: two bad values
        + f"006J,001A,005A,Prospecting,2026-03-31,false,false,{TS},1000.00\n".encode()  # line 13
        + b"006K,001A,005A\n"  # line 14: 3 fields
        + f"006L,001A,005A,Prospecting,2026-03-31,false,false,{TS},1200.00\n".encode()  # line 15
    )
    landing.write(FILE, content)

    summary = load()

    # 12 records: A, B, J, L load; C, D, E, F, G, H, I, K are rejected (I once, for two values).
    assert [(f.status, f.records_read, f.rows_loaded, f.rows_rejected) for f in summary.files] == [
        ("loaded", 12, 4, 8)
    ]
    assert query(con, "select id, stage_name, _source_line from raw.salesforce_opportunity order by id") == [
        ("006A", "Prospecting", 2),
        ("006B", "Needs\nAnalysis", 3),
        ("006J", "Prospecting", 13),
        ("006L", "Prospecting", 15),
    ]
    assert rejects(con) == [
        (5, None, "wrong number of fields (Expected Number of Columns: 9 Found: 10)"),
        (6, "close_date", "not a date: '2026-02-30'"),
        (7, "amount", "not a money amount: 'abc'"),
        (8, "is_won", "not a boolean: 'yes'"),
        (9, "owner_id", "empty value in required column"),
        (10, "stage_name", "bytes that are not UTF-8"),
        (11, "amount", "not a money amount: 'abc'"),
        (11, "close_date", "not a date: '2026-02-30'"),
        (14, None, "wrong number of fields (Expected Number of Columns: 9 Found: 3)"),
    ]
    # The rejected record is kept as read, for diagnosis.
    assert query(con, "select raw_record from raw.load_rejects where line = 7") == [
        (f"006E,001A,005A,Prospecting,2026-03-31,false,false,{TS},abc",)
    ]
    assert manifest(con) == [(FILE, "loaded", 12, 4, 8, None)]


def test_lines_of_good_rows_after_multiline_fields_and_crlf(landing, load, con):
    content = "\r\n".join(
        [
            OPP_HEADER,  # 1
            opp_row("006A").replace("Prospecting", '"Multi\r\nline\r\nstage"'),  # 2-4
            opp_row("006B"),  # 5
            opp_row("006C", amount="1,5"),  # 6: unquoted comma, 10 fields: rejected
            opp_row("006D").replace("Prospecting", '"Two\r\nlines"'),  # 7-8
            opp_row("006E"),  # 9
        ]
    )
    landing.write("salesforce/Opportunity/crlf.csv", content + "\r\n")

    load()

    assert query(con, "select id, _source_line from raw.salesforce_opportunity order by id") == [
        ("006A", 2),
        ("006B", 5),
        ("006D", 7),
        ("006E", 9),
    ]
    assert rejects(con) == [(6, None, "wrong number of fields (Expected Number of Columns: 9 Found: 10)")]


def _hundred_records(bad: int) -> str:
    rows = [opp_row(f"006{i:03d}", amount="oops" if i < bad else "10.00") for i in range(100)]
    return "\n".join([OPP_HEADER, *rows]) + "\n"


def test_two_bad_records_of_a_hundred_quarantine_the_file_at_one_percent(landing, load, con):
    landing.write("salesforce/Opportunity/two_bad.csv", _hundred_records(bad=2))

    summary = load(threshold=0.01)

    assert [(f.status, f.records_read, f.rows_loaded, f.rows_rejected) for f in summary.files] == [
        ("quarantined", 100, 0, 100)
    ]
    assert query(con, "select count(*) from raw.salesforce_opportunity") == [(0,)]
    # Nothing loaded, but the rejected records are still listed for diagnosis.
    assert rejects(con) == [
        (2, "amount", "not a money amount: 'oops'"),
        (3, "amount", "not a money amount: 'oops'"),
    ]
    assert "2 of 100 records rejected" in manifest(con)[0][5]


def test_one_bad_record_of_a_hundred_loads_at_one_percent(landing, load, con):
    landing.write("salesforce/Opportunity/one_bad.csv", _hundred_records(bad=1))

    summary = load(threshold=0.01)

    assert [(f.status, f.records_read, f.rows_loaded, f.rows_rejected) for f in summary.files] == [
        ("loaded", 100, 99, 1)
    ]
    assert query(con, "select count(*), min(id) from raw.salesforce_opportunity") == [(99, "006001")]


def test_a_quote_left_open_makes_the_rest_of_the_file_one_rejected_record(landing, load, con):
    content = "\n".join(
        [
            OPP_HEADER,
            opp_row("006A"),  # 2
            opp_row("006B"),  # 3
            opp_row("006C").replace("Prospecting", '"Open stage'),  # 4: the quote never closes
            opp_row("006D"),  # 5: inside the open quoted value
            opp_row("006E"),  # 6: idem
        ]
    )
    landing.write("salesforce/Opportunity/open.csv", content + "\n")
    landing.write("salesforce/Opportunity/open_again.csv", content.replace("006", "007") + "\n")

    first = load(threshold=0.5)  # 1 rejected of 3 records: loads
    assert [(f.status, f.records_read, f.rows_loaded, f.rows_rejected) for f in first.files] == [
        ("loaded", 3, 2, 1),
        ("loaded", 3, 2, 1),
    ]
    assert query(con, "select id from raw.salesforce_opportunity order by id") == [
        ("006A",),
        ("006B",),
        ("007A",),
        ("007B",),
    ]
    assert rejects(con, "salesforce/Opportunity/open.csv") == [(4, None, OPEN_QUOTE_REASON)]


def test_an_open_quote_is_quarantined_by_the_default_threshold(landing, load, con):
    content = "\n".join([OPP_HEADER, opp_row("006A"), opp_row("006B").replace("Prospecting", '"Open')])
    landing.write("salesforce/Opportunity/open.csv", content + "\n" + opp_row("006C") + "\n")

    summary = load(threshold=0.01)

    assert [(f.status, f.records_read, f.rows_rejected) for f in summary.files] == [("quarantined", 2, 2)]
    assert rejects(con) == [(3, None, OPEN_QUOTE_REASON)]


def test_a_closed_quote_followed_by_text_rejects_only_its_record(landing, load, con):
    content = "\n".join(
        [
            OPP_HEADER,
            opp_row("006A"),
            opp_row("006B").replace("Prospecting", '"Pro"specting'),
            opp_row("006C"),
        ]
    )
    landing.write("salesforce/Opportunity/quote.csv", content + "\n")

    summary = load()

    assert [(f.records_read, f.rows_loaded, f.rows_rejected) for f in summary.files] == [(3, 2, 1)]
    assert query(con, "select id, _source_line from raw.salesforce_opportunity order by id") == [
        ("006A", 2),
        ("006C", 4),
    ]
    assert [(line, column) for line, column, _ in rejects(con)] == [(3, "stage_name")]


def test_an_open_quote_in_a_file_read_in_parallel_still_ends_the_file(landing, load, con):
    """On a file larger than its read buffer, DuckDB resumes after an open quote at its next
    buffer (here ~650k of the 900k records after the quote come back as rows): the loader must
    still treat everything after the quote as part of the one rejected record."""
    role = object_for_folder("salesforce", "UserRole")
    open_at = 100_000  # record index of the open quote; physical line = index + 2
    rows = [b"Id,Name\n"]
    rows += [b"00E%07d,Role %07d\n" % (i, i) for i in range(1_000_000)]  # 24 MB: read in parallel
    rows[open_at + 1] = b'00EOPEN,"never closed\n'
    landing.write("salesforce/UserRole/roles.csv", b"".join(rows))

    summary = load(role)

    assert [(f.status, f.records_read, f.rows_loaded, f.rows_rejected) for f in summary.files] == [
        ("loaded", open_at + 1, open_at, 1)
    ]
    assert query(con, "select count(*), max(id), max(_source_line) from raw.salesforce_user_role") == [
        (open_at, f"00E{open_at - 1:07d}", open_at + 1)
    ]
    assert rejects(con) == [(open_at + 2, None, OPEN_QUOTE_REASON)]


def test_parquet_values_that_do_not_fit_the_type_are_rejected_with_the_row_number(
    landing, load, con, tmp_path
):
    table = pa.table(
        {
            "Id": ["006A", "006B", "006C"],
            "AccountId": ["001A"] * 3,
            "OwnerId": ["005A", "005A", None],
            "StageName": ["Prospecting"] * 3,
            "CloseDate": ["2026-03-31", "31/03/2026", "2026-03-31"],
            "IsClosed": [False, False, False],
            "IsWon": [False, True, False],
            "CreatedDate": pa.array([1_767_600_000_000_000] * 3, type=pa.timestamp("us", tz="UTC")),
            "Amount": ["10.50", "abc", "7"],
        }
    )
    path = tmp_path / "opp.parquet"
    pq.write_table(table, path)
    landing.write("salesforce/Opportunity/opp.parquet", path.read_bytes())

    summary = load()

    assert [(f.records_read, f.rows_loaded, f.rows_rejected) for f in summary.files] == [(3, 1, 2)]
    assert rejects(con) == [
        (2, "amount", "not a money amount: 'abc'"),
        (2, "close_date", "not a date: '31/03/2026'"),
        (3, "owner_id", "empty value in required column"),
    ]
    assert query(con, "select id, amount, created_date, _source_line from raw.salesforce_opportunity") == [
        ("006A", Decimal("10.50"), datetime(2026, 1, 5, 8, 0), 1)
    ]
