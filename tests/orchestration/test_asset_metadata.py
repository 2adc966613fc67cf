"""Dagster asset metadata a user expects: owners on every asset, and the row count of every table
a dbt build wrote (`dagster/row_count`, observed once dbt has exited)."""

from __future__ import annotations

import dagster as dg
import duckdb

from orchestration import config
from orchestration.transformation.row_counts import ROW_COUNT, built_tables, row_count_observations


def test_row_counts_are_observed_for_the_tables_that_exist():
    con = duckdb.connect()
    con.execute("create schema marts; create table marts.a (x int); create table marts.b (x int)")
    con.execute("insert into marts.a values (1), (2), (3)")
    manifest = {
        "nodes": {
            "model.p.a": {"resource_type": "model", "schema": "marts", "alias": "a", "name": "a"},
            "model.p.b": {"resource_type": "model", "schema": "marts", "alias": "b", "name": "b"},
            "model.p.gone": {"resource_type": "model", "schema": "marts", "alias": "gone", "name": "gone"},
            "test.p.t": {"resource_type": "test", "schema": "marts", "alias": "t", "name": "t"},
        }
    }
    tables = built_tables(manifest, manifest["nodes"], lambda node: dg.AssetKey(["marts", node["name"]]))
    assert set(tables) == {dg.AssetKey(["marts", n]) for n in ("a", "b", "gone")}  # tests are no tables

    observations = row_count_observations(con, tables)

    assert {o.asset_key.path[-1]: o.metadata[ROW_COUNT].value for o in observations} == {"a": 3, "b": 0}


def test_a_demo_build_observes_each_table_it_wrote_with_its_row_count(demo_warehouse):
    observed = {
        event.asset_key: event.event_specific_data.asset_observation.metadata[ROW_COUNT].value
        for event in demo_warehouse.result.all_events
        if event.event_type == dg.DagsterEventType.ASSET_OBSERVATION
        and ROW_COUNT in event.event_specific_data.asset_observation.metadata
    }
    materialized = {
        event.asset_key
        for event in demo_warehouse.result.all_events
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
        and event.asset_key.path[0] in ("staging", "intermediate", "marts", "seeds")
    }
    assert len(materialized) > 30 and set(observed) == materialized
    with duckdb.connect(str(demo_warehouse.database), read_only=True) as con:
        for key in (
            dg.AssetKey(["marts", "kpi_win_rate"]),
            dg.AssetKey(["staging", "stg_salesforce__users"]),
        ):
            count = con.execute(f"select count(*) from {key.path[0]}.{key.path[-1]}").fetchone()[0]
            assert observed[key] == count > 0


def test_every_asset_has_the_project_owners():
    from orchestration.definitions import defs

    specs = defs.resolve_all_asset_specs()
    assert len(specs) > 50
    assert {
        spec.key.to_user_string(): list(spec.owners)
        for spec in specs
        if list(spec.owners) != list(config.ASSET_OWNERS)
    } == {}
