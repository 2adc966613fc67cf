"""The publish step in the pipeline: a good run publishes its build; a run stopped by a blocking
check (before dbt, or on a mart after dbt) leaves the serving file byte for byte as it was."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.ingestion.assets import ingestion_assets
from orchestration.quality.checks import quality_checks
from orchestration.resources import warehouse_from_environment
from orchestration.serving.assets import SERVING_ASSET_KEY, serving_warehouse
from orchestration.serving.publish import BUILD_INFO, publish
from orchestration.transformation.assets import dbt_warehouse_models
from orchestration.transformation.project import dbt_resource

pytestmark = pytest.mark.slow
ALL = [*ingestion_assets, dbt_warehouse_models, serving_warehouse, *quality_checks]


def _link_tree(source: Path, target: Path) -> None:
    """The landing folder under a new root: hard links keep content and modification times."""
    for path in source.rglob("*"):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, destination)


def _files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_good_run_publishes_its_build(demo_warehouse):
    assert demo_warehouse.result.success
    with duckdb.connect(str(demo_warehouse.serving), read_only=True) as con:
        builds = con.execute(f"select distinct build_id from {BUILD_INFO}").fetchall()
    assert builds == [(demo_warehouse.result.run_id,)]
    (published,) = [
        e
        for e in demo_warehouse.result.get_asset_materialization_events()
        if e.asset_key == SERVING_ASSET_KEY
    ]
    assert published.materialization.metadata["tables"].value >= 15


@pytest.fixture
def stopped_run(demo_warehouse, tmp_path):
    """A copy of the demo warehouse and landing folder, with a serving file published from it."""
    landing, warehouse, serving = tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "serving"
    _link_tree(demo_warehouse.landing, landing)
    shutil.copy2(demo_warehouse.database, warehouse)
    publish(warehouse, serving / "warehouse.duckdb", "before")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SALES_LANDING_DIR", str(landing))
        env.setenv("SALES_WAREHOUSE_PATH", str(warehouse))
        env.setenv("SALES_SERVING_PATH", str(serving / "warehouse.duckdb"))
        resources = {"warehouse": warehouse_from_environment(), "dbt": dbt_resource()}
        yield landing, serving, resources, env


def _assert_not_published(result: dg.ExecuteInProcessResult) -> None:
    assert not result.success
    assert SERVING_ASSET_KEY not in {e.asset_key for e in result.get_asset_materialization_events()}
    started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert serving_warehouse.node_def.name not in started


def test_a_blocking_raw_defect_leaves_the_serving_file_unchanged(stopped_run, demo_warehouse):
    landing, serving, resources, env = stopped_run
    before = _files(serving)
    with duckdb.connect(str(demo_warehouse.database), read_only=True) as con:
        account = con.execute("select min(account_id) from marts.dim_accounts").fetchone()[0]
    (landing / "salesforce/Opportunity/unknown_owner.csv").write_text(
        "Id,AccountId,OwnerId,StageName,CloseDate,IsClosed,IsWon,CreatedDate,Amount\n"
        f"PUB_UO_1,{account},005NOSUCHUSER0000,Closed Won,2026-09-15,true,true,2026-09-01T10:00:00Z,100.00\n"
    )
    env.setenv("SALES_QUALITY_RECORD_THRESHOLD", "0")  # one bad record blocks
    result = dg.materialize(ALL, resources=resources, raise_on_error=False)
    _assert_not_published(result)
    assert dbt_warehouse_models.node_def.name not in {
        e.step_key for e in result.all_events if e.event_type_value == "STEP_START"
    }
    assert _files(serving) == before


def test_a_failed_mart_check_leaves_the_serving_file_unchanged(stopped_run, monkeypatch):
    _, serving, resources, _ = stopped_run
    before = _files(serving)
    from orchestration.quality import expectations as gxe
    from orchestration.quality.suites import marts

    # A mart invariant that the clean build breaks: what a wrong mart would do.
    monkeypatch.setitem(
        marts.KPI_RULES,
        "kpi_revenue",
        lambda inputs: [
            gxe.ExpectColumnValuesToBeBetween(column="bookings_count", max_value=-1, description="planted")
        ],
    )
    result = dg.materialize(ALL, resources=resources, raise_on_error=False)
    failed = [
        (e.asset_key.to_user_string(), e.check_name)
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    assert failed == [("marts/kpi_revenue", "gx_blocking")]
    assert dbt_warehouse_models.node_def.name in {
        e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"
    }  # the marts were built ...
    _assert_not_published(result)  # ... but not published
    assert _files(serving) == before
