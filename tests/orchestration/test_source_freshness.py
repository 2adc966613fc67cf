"""dbt's source freshness limits as Dagster checks on the raw tables: the rules come from the
manifest, and the verdicts follow `dbt source freshness` (warn past warn_after, error past
error_after, error on an empty table)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import pytest

from orchestration.transformation.project import dbt_project
from orchestration.transformation.source_freshness import (
    CHECK_NAME,
    freshness_result,
    newest_loaded_at,
    source_freshness_rules,
)

NOW = datetime(2026, 12, 6, 12, 0)


def _manifest(freshness: dict | None, loaded_at_field: str | None = "_loaded_at") -> dict:
    return {
        "sources": {
            "source.p.crm.deals": {
                "source_name": "crm",
                "name": "deals",
                "schema": "raw",
                "identifier": "crm_deals",
                "loaded_at_field": loaded_at_field,
                "freshness": freshness,
                "meta": {"dagster": {"asset_key": ["raw", "crm_deals"]}},
            }
        }
    }


TWO_AND_SEVEN_DAYS = {
    "warn_after": {"count": 2, "period": "day"},
    "error_after": {"count": 7, "period": "day"},
}


@pytest.mark.parametrize(
    ("age", "passed", "severity"),
    [
        (timedelta(days=1), True, None),
        (timedelta(days=2), True, None),  # at the limit: not older than it
        (timedelta(days=2, seconds=1), False, dg.AssetCheckSeverity.WARN),
        (timedelta(days=7, seconds=1), False, dg.AssetCheckSeverity.ERROR),
    ],
)
def test_verdicts_follow_warn_after_and_error_after(age, passed, severity):
    (rule,) = source_freshness_rules(_manifest(TWO_AND_SEVEN_DAYS))
    assert rule.warn_after == timedelta(days=2) and rule.error_after == timedelta(days=7)

    verdict = rule.verdict(NOW - age, NOW)

    assert verdict[0] is passed
    if severity is not None:
        assert verdict[1] is severity


def test_an_empty_table_is_an_error_unless_its_object_is_optional():
    (rule,) = source_freshness_rules(_manifest({"warn_after": {"count": 12, "period": "hour"}}))
    assert not rule.optional
    assert rule.verdict(None, NOW)[:2] == (False, dg.AssetCheckSeverity.ERROR)

    manifest = _manifest(TWO_AND_SEVEN_DAYS)
    manifest["sources"]["source.p.crm.deals"]["identifier"] = "salesforce_territory_2"  # optional
    (optional,) = source_freshness_rules(manifest)
    assert optional.optional and optional.verdict(None, NOW)[0] is True
    # Once delivered, an optional object is held to the same limits.
    assert optional.verdict(NOW - timedelta(days=8), NOW)[:2] == (False, dg.AssetCheckSeverity.ERROR)


def test_sources_without_a_limit_or_a_loaded_at_field_get_no_check():
    assert source_freshness_rules(_manifest(None)) == []
    assert source_freshness_rules(_manifest({"warn_after": {"count": None, "period": None}})) == []
    assert source_freshness_rules(_manifest(TWO_AND_SEVEN_DAYS, loaded_at_field=None)) == []


def test_newest_loaded_at_reads_the_raw_table():
    (rule,) = source_freshness_rules(_manifest(TWO_AND_SEVEN_DAYS))
    con = duckdb.connect()
    assert newest_loaded_at(con, rule) is None  # not created yet
    con.execute("create schema raw; create table raw.crm_deals (_loaded_at timestamp)")
    assert newest_loaded_at(con, rule) is None
    con.execute("insert into raw.crm_deals values ('2026-12-01 08:00'), ('2026-12-03 09:30')")
    assert newest_loaded_at(con, rule) == datetime(2026, 12, 3, 9, 30)


def test_every_dbt_source_of_the_project_has_its_check_on_its_raw_ingestion_asset():
    from orchestration.ingestion.assets import ingestion_assets

    manifest = json.loads(dbt_project().manifest_path.read_text())
    keys = {key for asset in ingestion_assets for key in asset.check_keys}
    sources = manifest["sources"].values()
    assert len(keys) == len(manifest["sources"]) > 10
    raw_keys = {dg.AssetKey(s["meta"]["dagster"]["asset_key"]) for s in sources}
    assert keys == {dg.AssetCheckKey(key, CHECK_NAME) for key in raw_keys}


def test_the_result_carries_the_verdict_and_the_newest_value():
    (rule,) = source_freshness_rules(_manifest(TWO_AND_SEVEN_DAYS))
    stale = freshness_result(rule, datetime(2020, 1, 1))
    assert (stale.passed, stale.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert stale.metadata["newest_loaded_at"].value == "2020-01-01 00:00:00"
    assert freshness_result(rule, datetime.now(UTC).replace(tzinfo=None)).passed
