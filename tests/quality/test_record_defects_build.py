"""One record's defect is reported with its Id and the build goes on (first load, whole job).

The demo extract plus a few defective records (a won deal owned by no User, a won deal with a
negative amount, a deal whose account does not exist, a quota for no User) is loaded into a new
warehouse by the full-refresh job: every mart is built, the raw warnings name each record, and
the marts treat the records as the metrics spec says. Expected figures are the clean demo build
(the session's `demo_warehouse`, same extract) plus the planted records, worked by hand.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from corpus_harness import _link_tree

pytestmark = pytest.mark.slow

OPPORTUNITY_HEADER = (
    "Id,AccountId,OwnerId,StageName,CloseDate,IsClosed,IsWon,CreatedDate,Amount,SystemModstamp"
)
ORPHAN_OWNER = "005NOSUCHUSER0000"


def _defects(user: str, account: str) -> dict[str, str]:
    won = "Closed Won,2026-09-15,true,true,2026-08-01T10:00:00Z"
    return {
        "salesforce/Opportunity/zz_defects.csv": "\n".join(
            [
                OPPORTUNITY_HEADER,
                f"REC_UO_1,{account},{ORPHAN_OWNER},{won},12345.67,2026-09-15T10:00:00Z",
                f"REC_NEG_1,{account},{user},{won},-500.00,2026-09-15T10:00:00Z",
                f"REC_MA_1,001NOSUCHACCOUNT00,{user},Prospecting,2026-12-15,false,false,"
                "2026-09-01T10:00:00Z,1000.00,2026-09-01T10:00:00Z",
            ]
        )
        + "\n",
        "salesforce/ForecastingQuota/zz_defects.csv": (
            "Id,QuotaOwnerId,QuotaAmount,StartDate,PeriodType\n"
            f"0QCRECUR00000001,{ORPHAN_OWNER},50000.00,2026-07-01,Quarter\n"
        ),
    }


@pytest.fixture(scope="module")
def defective_build(demo_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("record_defects")
    landing, database = root / "landing", root / "warehouse.duckdb"
    _link_tree(demo_warehouse.landing, landing)
    with duckdb.connect(str(demo_warehouse.database), read_only=True) as con:
        user = con.execute("select min(rep_id) from marts.dim_reps where manager_id is not null").fetchone()[
            0
        ]
        account = con.execute("select min(account_id) from marts.dim_accounts").fetchone()[0]
    for relative, text in _defects(user, account).items():
        (landing / relative).write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SALES_LANDING_DIR", str(landing))
        env.setenv("SALES_WAREHOUSE_PATH", str(database))
        env.setenv("SALES_QUALITY_DIR", str(root / "quality"))
        from orchestration.definitions import build_definitions

        result = build_definitions().resolve_job_def("full_refresh").execute_in_process(raise_on_error=False)
    return result, database, user


def test_the_run_succeeds_and_builds_every_mart(defective_build, demo_warehouse):
    result, database, _ = defective_build
    assert result.success
    with duckdb.connect(str(demo_warehouse.database), read_only=True) as con:
        marts = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
    assert len(marts) >= 20
    with duckdb.connect(str(database), read_only=True) as con:
        for mart in marts:
            assert con.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0, mart


def test_each_record_is_reported_by_id(defective_build):
    result, _, _ = defective_build
    failed = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
        if not e.passed
    }
    assert not [key for key, e in failed.items() if e.severity.value == "ERROR"]
    opportunity = failed[("raw/salesforce_opportunity", "gx_warnings")].metadata["failures"].value
    for record_id in ("REC_UO_1", "REC_NEG_1", "REC_MA_1"):
        assert record_id in opportunity
    assert "salesforce/Opportunity/zz_defects.csv" in opportunity  # the file, beside the Id
    quota = failed[("raw/salesforce_forecasting_quota", "gx_warnings")].metadata["failures"].value
    assert "0QCRECUR00000001" in quota


def test_marts_treat_the_records_as_the_spec_says(defective_build, demo_warehouse):
    _, database, user = defective_build
    month = "2026-09-01"
    with duckdb.connect(str(demo_warehouse.database), read_only=True) as con:
        clean_bookings, clean_count = con.execute(
            "select bookings_amount, bookings_count from marts.kpi_revenue where month_start = ?", [month]
        ).fetchone()
        clean_user = con.execute(
            "select coalesce(sum(won_amount), 0), coalesce(sum(won_count), 0) from marts.kpi_deal_size "
            "where month_start = ? and rep_id = ?",
            [month, user],
        ).fetchone()
    with duckdb.connect(str(database), read_only=True) as con:
        # Both won deals count; the negative amount is taken as it is.
        assert con.execute(
            "select bookings_amount, bookings_count from marts.kpi_revenue where month_start = ?", [month]
        ).fetchone() == (clean_bookings + Decimal("12345.67") - Decimal("500.00"), clean_count + 2)
        # The orphan deal is its owner's, a rep with no name and no team.
        assert con.execute(
            "select won_count, won_amount, rep_name, manager_id from marts.kpi_deal_size "
            "where month_start = ? and rep_id = ?",
            [month, ORPHAN_OWNER],
        ).fetchall() == [(1, Decimal("12345.67"), None, None)]
        assert con.execute(
            "select won_amount, won_count from marts.kpi_deal_size where month_start = ? and rep_id = ?",
            [month, user],
        ).fetchone() == (clean_user[0] - Decimal("500.00"), clean_user[1] + 1)
        # The orphan quota keeps its row, team null, with its owner's bookings in the quarter.
        assert con.execute(
            "select quota_amount, bookings_amount, attainment, manager_id from marts.kpi_quota_attainment "
            "where quota_id = '0QCRECUR00000001'"
        ).fetchall() == [(Decimal("50000.00"), Decimal("12345.67"), Decimal("0.246913"), None)]
