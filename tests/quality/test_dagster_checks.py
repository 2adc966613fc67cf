"""The suites as Dagster asset checks: wiring, a clean run, and a blocking defect stopping dbt."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from corpus_harness import CASES_DIR, _link_tree

from orchestration.automation.reporting import format_check_summary
from orchestration.ingestion.assets import ingestion_assets, raw_asset_key
from orchestration.ingestion.contract import OBJECTS
from orchestration.quality.checks import quality_checks, suite_asset_key
from orchestration.quality.spec import Severity
from orchestration.quality.suites import all_suites
from orchestration.resources import warehouse_from_environment
from orchestration.transformation.assets import dbt_warehouse_models
from orchestration.transformation.project import dbt_resource

ALL = [*ingestion_assets, dbt_warehouse_models, *quality_checks]


def _environment(env: pytest.MonkeyPatch, landing: Path, warehouse: Path) -> dict:
    env.setenv("SALES_LANDING_DIR", str(landing))
    env.setenv("SALES_WAREHOUSE_PATH", str(warehouse))
    return {"warehouse": warehouse_from_environment(), "dbt": dbt_resource()}


def test_every_suite_is_a_check_on_its_asset_with_its_severity():
    defs = dg.Definitions(
        assets=[*ingestion_assets, dbt_warehouse_models],
        asset_checks=quality_checks,
        resources={"warehouse": warehouse_from_environment(), "dbt": dbt_resource()},
    )
    dg.Definitions.validate_loadable(defs)
    specs = {spec.key: spec for checks in quality_checks for spec in checks.check_specs}
    suites = all_suites()
    assert len(specs) == len(suites)
    for suite in suites:
        spec = specs[dg.AssetCheckKey(suite_asset_key(suite), suite.check_name)]
        assert spec.blocking == (suite.severity is Severity.BLOCKING)
    for obj in OBJECTS:  # every raw table has a blocking and a warning check
        assert {"gx_blocking", "gx_warnings"} <= {k.name for k in specs if k.asset_key == raw_asset_key(obj)}
    dbt_keys = set(dbt_warehouse_models.keys)
    assert {k.asset_key for k in specs if k.asset_key.path[0] != "raw"} <= dbt_keys


def test_clean_demo_passes_every_check(demo_base, quality_dir, tmp_path):
    warehouse = tmp_path / demo_base.warehouse.name
    shutil.copy2(demo_base.warehouse, warehouse)
    with pytest.MonkeyPatch.context() as env:
        resources = _environment(env, demo_base.landing, warehouse)
        result = dg.materialize(ALL, selection=dg.AssetSelection.checks(*quality_checks), resources=resources)
    assert result.success
    assert not result.get_asset_materialization_events()  # checks only
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == len(all_suites())
    failed = [
        (e.asset_key.to_user_string(), e.check_name, e.description) for e in evaluations if not e.passed
    ]
    assert not failed
    assert format_check_summary(evaluations) == f"Asset checks: {len(all_suites())} passed, 0 failed."
    docs = quality_dir / "data_docs" / "index.html"
    assert docs.exists()
    index = docs.read_text(encoding="utf-8")
    for name in (
        "raw.salesforce_opportunity.blocking",
        "staging.stg_activity__activities.warning",
        "marts.kpi_revenue.blocking",
    ):
        assert name in index
    sample = next(e for e in evaluations if e.asset_key == raw_asset_key(OBJECTS[0]))
    page = sample.metadata["data_docs"].value
    assert page.startswith("file://") and Path(page.removeprefix("file://")).exists()


def test_blocking_defect_stops_the_run_before_dbt(demo_base, tmp_path, capfd):
    """One opportunity with an unknown owner, with SALES_QUALITY_RECORD_THRESHOLD at 0: any bad
    record is more than the share allowed, so the table blocks (at the default 1% the same
    record is a warning: test_record_defects_build.py)."""
    landing, warehouse = tmp_path / "landing", tmp_path / "db" / demo_base.warehouse.name
    _link_tree(demo_base.landing, landing)
    warehouse.parent.mkdir()
    shutil.copy2(demo_base.warehouse, warehouse)
    bad = (CASES_DIR / "unknown_owner" / "salesforce/Opportunity/unknown_owner.csv").read_bytes()
    for key, value in demo_base.placeholders.items():
        bad = bad.replace(key.encode(), value.encode())
    target = landing / "salesforce/Opportunity/unknown_owner.csv"
    target.write_bytes(bad)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kpi_before = con.execute("select count(*), sum(won_amount) from marts.kpi_win_rate").fetchall()

    with pytest.MonkeyPatch.context() as env:
        env.setenv("SALES_QUALITY_RECORD_THRESHOLD", "0")
        resources = _environment(env, landing, warehouse)
        result = dg.materialize(ALL, resources=resources, raise_on_error=False)

    assert not result.success
    # The new file was loaded, then the blocking check on its table failed, with the reason ...
    opportunity = raw_asset_key(next(o for o in OBJECTS if o.api_name == "Opportunity"))
    failed = {e.check_name: e for e in result.get_asset_check_evaluations() if not e.passed}
    assert {(e.asset_key, name) for name, e in failed.items()} == {
        (opportunity, "gx_blocking"),
        (opportunity, "gx_warnings"),
    }
    blocking, warning = failed["gx_blocking"], failed["gx_warnings"]
    assert blocking.severity == dg.AssetCheckSeverity.ERROR
    assert "at most 0.00% of current Opportunity records" in blocking.description
    assert "OwnerId is a known User" in blocking.description
    assert blocking.metadata["unexpected_rows"].value == 1
    assert warning.severity == dg.AssetCheckSeverity.WARN  # the record itself, by Id
    assert "005NOSUCHUSER0000" in warning.metadata["failures"].value
    assert "CRP_UO_2" in warning.metadata["failures"].value
    # ... so dbt did not run: no staging, facts or KPI asset materialized, the marts untouched.
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert opportunity in materialized
    assert not materialized & set(dbt_warehouse_models.keys)
    dbt_step = dbt_warehouse_models.node_def.name
    assert dbt_step not in {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert (
            con.execute("select count(*), sum(won_amount) from marts.kpi_win_rate").fetchall() == kpi_before
        )
    # The CLI's summary names the failed check first ...
    summary = format_check_summary(result.get_asset_check_evaluations(), "/q/data_docs/index.html")
    lines = summary.splitlines()
    assert lines[0].endswith("passed, 2 failed.")
    assert lines[1].startswith("  ERROR raw/salesforce_opportunity gx_blocking: 1 of ")
    assert "OwnerId is a known User" in lines[1]
    assert lines[2].split()[:3] == ["WARN", "raw/salesforce_opportunity", "gx_warnings:"]
    assert lines[-1] == "Data quality report (Data Docs): /q/data_docs/index.html"
    # ... and the console says why.
    console = capfd.readouterr()
    text = console.out + console.err
    assert "[quality] raw/salesforce_opportunity gx_blocking (ERROR, blocking) FAILED" in text
    assert "blocking asset check failed" in text
