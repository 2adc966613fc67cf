"""Loaded files through dbt staging: the newest version of a record wins and a soft delete
removes it (extract contract, Semantics), checked on the real loader and the real view."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
from loader_helpers import OPPORTUNITY, Landing

from orchestration.config import PROJECT_ROOT
from orchestration.ingestion.loader import ensure_raw_schema, load_object

HEADER = "Id,AccountId,OwnerId,StageName,CloseDate,IsClosed,IsWon,CreatedDate,Amount,IsDeleted,SystemModstamp"
EARLIER = [
    # A: first version; B: lives; C: newest version by SystemModstamp despite landing first
    "006A,001A,005A,Prospecting,2026-03-31,false,false,2026-01-05T09:00:00Z,100.00,false,2026-01-05T09:00:00Z",
    "006B,001A,005A,Prospecting,2026-03-31,false,false,2026-01-05T09:00:00Z,200.00,false,2026-01-05T09:00:00Z",
    "006C,001A,005A,Negotiation/Review,2026-03-31,false,false,2026-01-05T09:00:00Z,300.00,false,2026-02-09T09:00:00Z",
]
LATER = [
    # A: changed later -> wins; B: soft-deleted later -> gone; C: an older version landing later -> loses
    "006A,001A,005B,Closed Won,2026-02-10,true,true,2026-01-05T09:00:00Z,150.00,false,2026-02-10T12:00:00Z",
    "006B,001A,005A,Prospecting,2026-03-31,false,false,2026-01-05T09:00:00Z,200.00,true,2026-02-11T08:00:00Z",
    "006C,001A,005A,Qualification,2026-03-31,false,false,2026-01-05T09:00:00Z,250.00,false,2026-01-20T09:00:00Z",
]


def test_later_version_wins_and_soft_delete_removes_the_record(tmp_path: Path) -> None:
    landing = Landing(tmp_path / "landing")
    landing.write("salesforce/Opportunity/day1.csv", "\n".join([HEADER, *EARLIER]) + "\n")
    landing.write("salesforce/Opportunity/day2.csv", "\n".join([HEADER, *LATER]) + "\n")
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        ensure_raw_schema(con)
        summary = load_object(con, landing.root, OPPORTUNITY, 0.01)
    assert summary.rows_loaded == 6

    subprocess.run(
        [Path(sys.executable).with_name("dbt"), "run", "--quiet", "--select", "stg_salesforce__opportunities",
         "--project-dir", PROJECT_ROOT, "--profiles-dir", PROJECT_ROOT / "profiles",
         "--target-path", tmp_path / "target", "--log-path", tmp_path / "logs"],
        check=True,
        env={**os.environ, "SALES_WAREHOUSE_PATH": str(database), "DO_NOT_TRACK": "1"},
    )  # fmt: skip

    with duckdb.connect(str(database), read_only=True) as con:
        staged = con.execute(
            "select opportunity_id, owner_id, stage_name, amount, is_won "
            "from staging.stg_salesforce__opportunities order by opportunity_id"
        ).fetchall()
    assert [(i, o, s, float(a), w) for i, o, s, a, w in staged] == [
        ("006A", "005B", "Closed Won", 150.0, True),
        ("006C", "005A", "Negotiation/Review", 300.0, False),
    ]
