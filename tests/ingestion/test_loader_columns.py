"""Header matching, extra columns, missing and clashing columns, the activity log's alternatives."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from loader_helpers import ACTIVITIES, OPP_HEADER, manifest, opp_row, query, rejects

from orchestration.ingestion.contract import LINEAGE_COLUMNS, OBJECTS
from orchestration.ingestion.loader import ensure_raw_schema


def test_api_names_data_loader_caps_and_snake_case_land_in_the_same_columns(landing, load, con):
    record = "001X,005X,Closed Won,2026-02-28,true,1,2026-01-10T08:30:00Z,1234.50"
    landing.write("salesforce/Opportunity/api.csv", f"{OPP_HEADER}\n006A,{record}\n")
    caps = "ID,ACCOUNTID,OWNERID,STAGENAME,CLOSEDATE,ISCLOSED,ISWON,CREATEDDATE,AMOUNT"
    landing.write("salesforce/Opportunity/dataloader.csv", f"{caps}\n006B,{record}\n")
    snake = "id,account_id,owner_id,stage_name,close_date,is_closed,is_won,created_date,amount"
    landing.write("salesforce/opportunity/fivetran.csv", f"{snake}\n006C,{record}\n")

    summary = load()

    assert [f.status for f in summary.files] == ["loaded", "loaded", "loaded"]
    expected = ("001X", "005X", "Closed Won", date(2026, 2, 28), True, True, datetime(2026, 1, 10, 8, 30))
    rows = query(
        con,
        "select id, account_id, owner_id, stage_name, close_date, is_closed, is_won, created_date, amount "
        "from raw.salesforce_opportunity order by id",
    )
    assert rows == [(i, *expected, Decimal("1234.50")) for i in ("006A", "006B", "006C")]


def test_raw_tables_have_every_contract_column_typed_and_the_lineage_columns(con):
    ensure_raw_schema(con)
    ensure_raw_schema(con)  # idempotent

    columns = dict(
        query(
            con,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'salesforce_opportunity'",
        )
    )
    assert columns["amount"] == "DECIMAL(18,2)"
    assert columns["close_date"] == "DATE"
    assert columns["is_won"] == "BOOLEAN"
    assert columns["created_date"] == "TIMESTAMP"
    assert columns["territory_2_id"] == "VARCHAR"
    assert columns["_source_line"] == "BIGINT"
    tables = {
        t
        for (t,) in query(con, "select table_name from information_schema.tables where table_schema = 'raw'")
    }
    assert tables == {o.raw_table for o in OBJECTS} | {"load_manifest", "load_rejects"}
    for obj in OBJECTS:
        names = [
            n
            for (n,) in query(
                con,
                "select column_name from information_schema.columns where table_schema = "
                "'raw' and table_name = ? order by ordinal_position",
                [obj.raw_table],
            )
        ]
        assert names == [c.name for c in obj.columns] + list(LINEAGE_COLUMNS)


def test_extra_columns_are_kept_and_a_column_first_seen_later_is_added(landing, load, con):
    landing.write("salesforce/Opportunity/first.csv", f"{OPP_HEADER},Region__c\n{opp_row('006A')},EMEA\n")
    landing.write(
        "salesforce/Opportunity/second.csv",
        f"{OPP_HEADER},REGION__C,Deal_Score__c\n{opp_row('006B')},APAC,42\n",
    )

    load()
    assert query(con, "select id, region_c from raw.salesforce_opportunity order by id") == [
        ("006A", "EMEA"),
        ("006B", "APAC"),
    ]

    landing.write("salesforce/Opportunity/third.csv", f"{OPP_HEADER},NextStep\n{opp_row('006C')},Call back\n")
    load()

    rows = query(
        con, "select id, region_c, deal_score_c, next_step from raw.salesforce_opportunity order by id"
    )
    assert rows == [
        ("006A", "EMEA", None, None),
        ("006B", "APAC", "42", None),
        ("006C", None, None, "Call back"),
    ]
    types = dict(
        query(
            con,
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'salesforce_opportunity' and column_name like '%_c'",
        )
    )
    assert types == {"region_c": "VARCHAR", "deal_score_c": "VARCHAR"}


def test_missing_required_columns_reject_the_file_and_the_others_still_load(landing, load, con):
    landing.write("salesforce/Opportunity/good_1.csv", f"{OPP_HEADER}\n{opp_row('006A')}\n")
    header = "Id,AccountId,CloseDate,IsClosed,IsWon,CreatedDate"  # no OwnerId, no StageName
    landing.write(
        "salesforce/Opportunity/partial.csv", f"{header}\n006B,001A,2026-03-31,false,false,2026-01-05\n"
    )
    landing.write("salesforce/Opportunity/good_2.csv", f"{OPP_HEADER}\n{opp_row('006C')}\n")

    summary = load()

    reason = "salesforce/Opportunity/partial.csv: missing required column(s): OwnerId, StageName"
    assert [(f.source_file, f.status, f.reason) for f in summary.files] == [
        ("salesforce/Opportunity/good_1.csv", "loaded", None),
        ("salesforce/Opportunity/partial.csv", "rejected", reason),
        ("salesforce/Opportunity/good_2.csv", "loaded", None),
    ]
    assert query(con, "select id from raw.salesforce_opportunity order by id") == [("006A",), ("006C",)]
    # The two good files load together after it (one statement): the manifest has the three.
    assert sorted(manifest(con)) == [
        ("salesforce/Opportunity/good_1.csv", "loaded", 1, 1, 0, None),
        ("salesforce/Opportunity/good_2.csv", "loaded", 1, 1, 0, None),
        ("salesforce/Opportunity/partial.csv", "rejected", 0, 0, 0, reason),
    ]


def test_two_headers_mapping_to_one_column_reject_the_file(landing, load, con):
    landing.write("salesforce/Opportunity/dup.csv", f"{OPP_HEADER},owner_id\n{opp_row('006A')},005B\n")

    summary = load()

    assert [(f.status, f.reason) for f in summary.files] == [
        (
            "rejected",
            "salesforce/Opportunity/dup.csv: headers 'OwnerId' and 'owner_id' both map to column owner_id",
        )
    ]
    assert query(con, "select count(*) from raw.salesforce_opportunity") == [(0,)]


def test_activity_needs_duration_or_end_per_file_and_per_record(landing, load, con):
    head = "activity_id,rep_id,activity_type,started_at"
    landing.write(
        "activity/activities/both.csv",
        f"{head},duration_minutes,ended_at\n"
        "a1,005A,Call,2026-01-05T09:00:00Z,30,\n"  # duration only
        "a2,005A,Call,2026-01-05T10:00:00Z,,2026-01-05T10:45:00Z\n"  # end only
        "a3,005A,Call,2026-01-05T11:00:00Z,,\n",  # neither: rejected
    )
    landing.write(
        "activity/activities/end_only.csv", f"{head},ended_at\na4,005A,Admin,2026-01-06T09:00:00Z,\n"
    )
    landing.write(
        "activity/activities/neither.csv", f"{head},account_id\na5,005A,Admin,2026-01-06T09:00:00Z,001A\n"
    )

    summary = load(ACTIVITIES)

    assert [(f.status, f.records_read, f.rows_loaded, f.rows_rejected, f.reason) for f in summary.files] == [
        ("loaded", 3, 2, 1, None),
        ("loaded", 1, 0, 1, None),
        (
            "rejected",
            0,
            0,
            0,
            "activity/activities/neither.csv: missing required column(s): duration_minutes or ended_at",
        ),
    ]
    assert query(
        con, "select activity_id, duration_minutes, ended_at from raw.activity_activities order by 1"
    ) == [
        ("a1", 30.0, None),
        ("a2", None, datetime(2026, 1, 5, 10, 45)),
    ]
    assert rejects(con) == [
        (2, "ended_at", "empty ended_at"),
        (4, "duration_minutes", "neither duration_minutes nor ended_at given"),
    ]
