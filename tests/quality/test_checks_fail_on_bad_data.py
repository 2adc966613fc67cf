"""Every check fails on bad data: one copy of the clean demo warehouse, defects planted for each
suite, every suite run once. (They all pass on the clean warehouse: test_dagster_checks.py.)"""

from __future__ import annotations

import shutil

import duckdb
import pytest
from corpus_harness import STAGING_SELECTOR, dbt_build_models

from orchestration.ingestion.contract import OBJECTS, ExtractObject
from orchestration.quality.runner import SuiteOutcome, run_suites
from orchestration.quality.spec import MARTS, RAW, STAGING, Severity
from orchestration.quality.suites import all_suites

# A staging warning each model's planted row breaks: column -> bad value, and the rule it trips.
WARNING_DEFECTS: dict[str, tuple[dict[str, str], str]] = {
    "opportunity": ({"is_won": "true", "is_closed": "false"}, "IsWon implies IsClosed"),
    "lead": ({"status": "'Nurturing'"}, "Lead.Status is a status"),
    "lead_history": ({"field": "'Status'", "new_value": "'Nurturing'"}, "Status changes name statuses"),
    "opportunity_history": ({"stage_name": "'Stalled'"}, "OpportunityHistory.StageName"),
    "forecasting_quota": ({"period_type": "'Week'"}, "PeriodType is Month or Quarter"),
    "user": ({"manager_id": "'005NOSUCHUSER'"}, "User.ManagerId is a known User"),
    "user_role": ({"parent_role_id": "'00ENOSUCHROLE'"}, "ParentRoleId is a known role"),
    "account": ({"annual_revenue": "-1"}, "AnnualRevenue >= 0"),
    "territory_2": ({"parent_territory_2_id": "'0MINOSUCH'"}, "ParentTerritory2Id is a known territory"),
    "user_territory_2_association": ({"user_id": "'005NOSUCHUSER'"}, "UserId is a known User"),
    "object_territory_2_association": (
        {"object_id": "'001NOSUCHACCOUNT'"},
        "ObjectId is an existing Account",
    ),
    "task": ({"call_duration_in_seconds": "100000"}, "CallDurationInSeconds within 0-24 h"),
    "event": ({"duration_in_minutes": "5000"}, "Event duration within 0-24 h"),
    "activities": ({"duration_minutes": "4320"}, "activity duration within 0-24 h"),
}

# A mart warning each planted value trips: mart -> (column set to -1, the rule).
MART_WARNING_DEFECTS: dict[str, tuple[str, str]] = {
    "kpi_quota_attainment": ("bookings_amount", "bookings_amount >= 0"),
    "kpi_deal_size": ("avg_deal_size", "avg_deal_size >= 0"),
    "kpi_win_rate": ("win_rate_amount", "win_rate_amount within [0, 1]"),
    "kpi_revenue": ("ytd_bookings_amount", "ytd_bookings_amount >= 0"),
    "kpi_lead_requirements": ("quota_amount", "quota_amount >= 0"),
    "kpi_territory_balance": ("open_pipeline_amount", "open_pipeline_amount >= 0"),
    "kpi_activity_time_allocation": ("total_minutes", "total_minutes >= 0"),
    "kpi_activity_outcomes": ("lost_amount", "lost_amount >= 0"),
}


def _copy_row(
    con: duckdb.DuckDBPyConnection, obj: ExtractObject, new_id: str, changes: dict[str, str]
) -> None:
    """Insert a copy of a current record under a new Id, with some columns changed."""
    table = f"raw.{obj.raw_table}"
    live = "where not coalesce(is_deleted, false)" if any(c.name == "is_deleted" for c in obj.columns) else ""
    replaced = ", ".join(
        [f"'{new_id}' as {obj.id_column}", *(f"{value} as {column}" for column, value in changes.items())]
    )
    con.execute(f"insert into {table} select * replace ({replaced}) from {table} {live} limit 1")


def _plant_raw_defects(con: duckdb.DuckDBPyConnection) -> None:
    for obj in OBJECTS:
        required = next(c.name for c in obj.required_columns if c.name != obj.id_column)
        _copy_row(
            con, obj, "BAD_NULL", {required: "null"}
        )  # raw + staging blocking: a required value missing
        table = f"raw.{obj.raw_table}"
        con.execute(
            f"insert into {table} select * from {table} limit 1"
        )  # raw warnings: an Id twice in a file
        changes, _ = WARNING_DEFECTS[obj.name]
        _copy_row(con, obj, "BAD_WARN", changes)  # staging warnings


def _plant_mart_defects(con: duckdb.DuckDBPyConnection) -> None:
    marts = [name for (name,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    ).fetchall()]  # fmt: skip
    for mart in marts:
        con.execute(f"alter table marts.{mart} add column contact_email varchar")
    con.execute(
        "update marts.kpi_win_rate set win_rate = 1.5 "
        "where rowid = (select min(rowid) from marts.kpi_win_rate)"
    )
    con.execute(
        "update marts.kpi_funnel_leakage set converted_count = entered_count + 1 "
        "where rowid = (select min(rowid) from marts.kpi_funnel_leakage)"
    )
    con.execute(
        "delete from marts.kpi_quota_attainment "
        "where rep_id = (select min(rep_id) from marts.kpi_quota_attainment)"
    )
    for mart, (column, _) in MART_WARNING_DEFECTS.items():  # what a negative source amount does
        con.execute(
            f"update marts.{mart} set {column} = -1 where rowid = (select min(rowid) from marts.{mart})"
        )


@pytest.fixture(scope="module")
def bad_outcomes(demo_base, tmp_path_factory) -> dict[str, SuiteOutcome]:
    folder = tmp_path_factory.mktemp("bad_warehouse")
    warehouse = folder / demo_base.warehouse.name
    shutil.copy2(demo_base.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        _plant_raw_defects(con)
    dbt_build_models(warehouse, folder, select=STAGING_SELECTOR)  # staging tables show the raw defects
    with duckdb.connect(str(warehouse)) as con:
        _plant_mart_defects(con)
    outcomes = run_suites(warehouse, all_suites(), build_docs=False)
    return {outcome.suite.name: outcome for outcome in outcomes}


def _rules(outcome: SuiteOutcome) -> str:
    return " | ".join(f.rule for f in outcome.failures)


def test_every_suite_fails_on_its_defect(bad_outcomes):
    passed = [name for name, outcome in bad_outcomes.items() if outcome.passed]
    assert not passed
    errors = {name: outcome.error for name, outcome in bad_outcomes.items() if outcome.error}
    assert not errors


def test_each_suite_names_the_broken_rule(bad_outcomes):
    obj_by_table = {obj.raw_table: obj for obj in OBJECTS}
    staging_objects = {"stg_activity__activities": "activities"}
    from orchestration.quality.suites.staging import STAGING_MODELS

    staging_objects.update({m.model: m.object_name for m in STAGING_MODELS})
    for name, outcome in bad_outcomes.items():
        suite = outcome.suite
        rules = _rules(outcome)
        if suite.layer == RAW and suite.severity is Severity.BLOCKING:
            obj = obj_by_table[suite.table]
            assert "(a required column of the contract)" in rules, (name, rules)
            assert "rows raw.load_manifest records as loaded" in rules, (name, rules)
            assert obj.api_name in rules
        elif suite.layer == RAW:
            assert "at most once per file" in rules, (name, rules)
        elif suite.layer == STAGING and suite.severity is Severity.BLOCKING:
            assert "is set (required by the contract)" in rules, (name, rules)
        elif suite.layer == STAGING:
            _, rule = WARNING_DEFECTS[staging_objects[suite.table]]
            assert rule in rules, (name, rules)
        elif suite.severity is Severity.WARNING:
            assert suite.layer == MARTS
            assert MART_WARNING_DEFECTS[suite.table][1] in rules, (name, rules)
        else:
            assert suite.layer == MARTS
            assert "no personal-data column" in rules, (name, rules)
            pii = next(f for f in outcome.failures if "personal-data" in f.rule)
            assert pii.samples == [{"column_name": "contact_email"}]


def test_failures_carry_ids_and_values(bad_outcomes):
    raw_opportunity = bad_outcomes["raw.salesforce_opportunity.blocking"]
    missing = next(f for f in raw_opportunity.failures if "AccountId is present" in f.rule)
    assert missing.unexpected_count == 1
    assert missing.samples[0]["id"] == "BAD_NULL"
    assert missing.samples[0]["_source_file"].startswith("salesforce/Opportunity/")
    won = next(
        f for f in bad_outcomes["staging.stg_salesforce__opportunities.warning"].failures if "IsWon" in f.rule
    )
    assert won.samples[0]["opportunity_id"] == "BAD_WARN"
    assert won.unexpected_index_query  # a query listing every bad row


def test_kpi_rules_fail(bad_outcomes):
    assert "win_rate within [0, 1]" in _rules(bad_outcomes["marts.kpi_win_rate.blocking"])
    assert "converted_count <= entered_count" in _rules(bad_outcomes["marts.kpi_funnel_leakage.blocking"])
    assert "every rep with a quota" in _rules(bad_outcomes["marts.kpi_quota_attainment.blocking"])
