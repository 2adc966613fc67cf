"""The daily job's dbt step builds only what raw tables with new rows lead to.

Unit tests of `daily_selection` on a hand-made manifest, and one daily run of the real job after
a generated next-day drop (the objects of a day: opportunities, leads, activities): the models
reading only other objects (users, territories, accounts, quotas) are left out of dbt (an
output saying so, no dbt node), the others built, the sources recorded, the quality suites
run on what changed only, and the run still publishes the marts; then a run with no new file,
which starts neither dbt nor a suite.
"""

from __future__ import annotations

import shutil
from datetime import datetime

import duckdb
import pytest
from orchestration_helpers import definitions_for

from orchestration.demo.next_day import generate_next_day
from orchestration.jobs import daily_run_config
from orchestration.transformation import daily_selection

T1, T2, T3 = (datetime(2026, 10, day) for day in (1, 2, 3))

# activity -> stg_activity -> fct -> kpi; user -> stg_users -> dim_reps -> kpi; a seed -> fct.
LOADED_AT = {"schema": "raw", "loaded_at_field": "_loaded_at"}
MANIFEST = {
    "sources": {
        "source.p.activity.activities": {**LOADED_AT, "identifier": "activity_activities"},
        "source.p.salesforce.user": {**LOADED_AT, "identifier": "salesforce_user"},
    },
    "nodes": {
        "model.p.stg_activity": {"name": "stg_activity", "resource_type": "model"},
        "model.p.stg_users": {"name": "stg_users", "resource_type": "model"},
        "model.p.dim_reps": {"name": "dim_reps", "resource_type": "model"},
        "model.p.fct": {"name": "fct", "resource_type": "model"},
        "model.p.kpi": {"name": "kpi", "resource_type": "model"},
        "seed.p.categories": {"name": "categories", "resource_type": "seed"},
        "test.p.not_null_fct": {"name": "not_null_fct", "resource_type": "test"},
    },
    "child_map": {
        "source.p.activity.activities": ["model.p.stg_activity"],
        "source.p.salesforce.user": ["model.p.stg_users"],
        "model.p.stg_activity": ["model.p.fct"],
        "model.p.stg_users": ["model.p.dim_reps"],
        "model.p.dim_reps": ["model.p.kpi"],
        "model.p.fct": ["model.p.kpi", "test.p.not_null_fct"],
        "seed.p.categories": ["model.p.fct"],
        "model.p.kpi": [],
        "test.p.not_null_fct": [],
    },
}  # fmt: skip
ACTIVITY, USER = "source.p.activity.activities", "source.p.salesforce.user"


def test_a_source_is_changed_when_its_rows_are_newer_than_its_last_build():
    relations = daily_selection.source_relations(MANIFEST)
    loads = {"raw.activity_activities": T2, "raw.salesforce_user": T1}
    assert daily_selection.changed_sources(
        relations, loads, {"raw.activity_activities": T1, "raw.salesforce_user": T1}
    ) == {ACTIVITY}
    # Never recorded (a warehouse built before the record existed): changed.
    assert daily_selection.changed_sources(relations, loads, {}) == {ACTIVITY, USER}
    # An empty table changes nothing.
    assert daily_selection.changed_sources(relations, {"raw.activity_activities": None}, {}) == set()


def test_models_no_changed_source_leads_to_are_left_out_in_dependency_order():
    assert set(daily_selection.unaffected_models(MANIFEST, {ACTIVITY})) == {
        "categories",
        "dim_reps",
        "stg_users",
    }
    assert set(daily_selection.unaffected_models(MANIFEST, {USER})) == {"categories", "fct", "stg_activity"}
    everything = daily_selection.unaffected_models(MANIFEST, set())
    assert set(everything) == {"categories", "dim_reps", "fct", "kpi", "stg_activity", "stg_users"}
    for before, after in [
        ("stg_users", "dim_reps"),
        ("dim_reps", "kpi"),
        ("stg_activity", "fct"),
        ("categories", "fct"),
        ("fct", "kpi"),
    ]:
        assert everything.index(before) < everything.index(after)


def test_a_source_is_recorded_only_when_its_whole_downstream_was_built():
    built = {"model.p.stg_activity", "model.p.fct", "model.p.kpi"}
    assert daily_selection.fully_built_sources(MANIFEST, built) == {ACTIVITY}
    # kpi failed (or was not selected): the activity rows must be built again next time.
    assert daily_selection.fully_built_sources(MANIFEST, built - {"model.p.kpi"}) == set()


def test_recorded_builds_round_trip(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert daily_selection.recorded_builds(con) == {}
        daily_selection.record_builds(con, {"raw.a": T1, "raw.b": None})
        daily_selection.record_builds(con, {"raw.a": T3})
        assert daily_selection.recorded_builds(con) == {"raw.a": T3}


@pytest.mark.slow
def test_the_daily_job_builds_what_the_new_files_lead_to_and_publishes(demo_warehouse, monkeypatch, tmp_path):
    landing, database = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    shutil.copytree(demo_warehouse.landing, landing)
    shutil.copyfile(demo_warehouse.database, database)
    monkeypatch.setenv("SALES_SERVING_PATH", str(tmp_path / "serving" / "warehouse.duckdb"))
    monkeypatch.setenv("SALES_QUALITY_DIR", str(tmp_path / "quality"))
    generate_next_day(landing, seed=42)

    daily = definitions_for(monkeypatch, landing, database).resolve_job_def("daily")
    result = daily.execute_in_process(run_config=daily_run_config())  # as the schedule launches it

    assert result.success
    # The quality suites check the raw tables the drop added rows to, not the others.
    suites_run = {
        evaluation.asset_key.to_user_string()
        for evaluation in result.get_asset_check_evaluations()
        if evaluation.check_name.startswith("gx_")
    }
    assert {"raw/activity_activities", "marts/kpi_activity_time_allocation"} <= suites_run
    assert "raw/salesforce_user" not in suites_run
    materialized = {
        event.asset_key.to_user_string(): event.step_materialization_data.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    assert materialized["marts/dim_territories"]["dbt"].value.startswith("not rebuilt")
    assert "dbt" not in materialized["marts/kpi_activity_time_allocation"]
    assert "serving/warehouse" in materialized
    with duckdb.connect(str(database), read_only=True) as con:
        assert (
            con.execute(
                "select count(*) from marts.fct_activities where activity_date = date '2026-10-01'"
            ).fetchone()[0]
            > 0
        )
        recorded = dict(
            con.execute(
                f"select relation, loaded_through from {daily_selection.SOURCE_BUILDS_TABLE}"
            ).fetchall()
        )
        newest = con.execute("select max(_loaded_at) from raw.activity_activities").fetchone()[0]
    assert recorded["raw.activity_activities"] == newest

    # Run again with no new file: nothing changed, so neither dbt nor a quality suite runs (the
    # ingestion assets' own freshness checks still do); the serving file is published again.
    again = daily.execute_in_process(run_config=daily_run_config())
    assert again.success
    outputs = {
        event.asset_key.to_user_string(): event.step_materialization_data.materialization.metadata
        for event in again.get_asset_materialization_events()
    }
    assert outputs["marts/kpi_activity_time_allocation"]["dbt"].value.startswith("not rebuilt")
    evaluations = again.get_asset_check_evaluations()
    assert {e.asset_key.to_user_string().split("/")[0] for e in evaluations} == {"raw"}
    assert not [e for e in evaluations if e.check_name.startswith("gx_")]
    assert "serving/warehouse" in outputs
