"""The definitions load (from the dbt manifest, without running dbt) and match a reviewed
snapshot of their asset keys by group, jobs, schedules and sensors.

After an intended change, regenerate the snapshot and review its diff:
`UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/orchestration/test_definitions_snapshot.py`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
import pytest
from orchestration_helpers import definitions_for

from orchestration.resources import WAREHOUSE_WRITER_POOL, retry_on_lock

SNAPSHOT = Path(__file__).with_name("snapshots") / "definitions.json"
LAYERS = ["landing", "raw", "staging", "intermediate", "facts", "kpi", "serving"]


@pytest.fixture(scope="module")
def defs(tmp_path_factory) -> dg.Definitions:
    root = tmp_path_factory.mktemp("definitions")
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in ("SALES_DAILY_CRON", "SALES_SCHEDULE_TIMEZONE", "SALES_SENSOR_INTERVAL_SECONDS"):
            monkeypatch.delenv(name, raising=False)
        return definitions_for(monkeypatch, root / "landing", root / "warehouse.duckdb")


def _describe(defs: dg.Definitions) -> dict:
    graph = defs.resolve_asset_graph()
    groups: dict[str, list[str]] = {}
    for key in graph.get_all_asset_keys():
        groups.setdefault(graph.get(key).group_name, []).append(key.to_user_string())
    jobs = {}
    for name in ("full_refresh", "daily"):
        job = defs.resolve_job_def(name)
        keys = job.asset_layer.selected_asset_keys
        jobs[name] = {
            "assets": len(keys),
            "groups": sorted({graph.get(key).group_name for key in keys}),
            "executor": job.executor_def.name,
        }
    repository = defs.get_repository_def()
    schedules = {
        s.name: {
            "job": s.job_name,
            "cron": s.cron_schedule,
            "timezone": s.execution_timezone,
            "default_status": s.default_status.value,
        }
        for s in repository.schedule_defs
    }
    sensors = {
        s.name: {
            "type": s.sensor_type.value,
            "jobs": sorted(target.job_name for target in s.targets),
            "interval_seconds": s.minimum_interval_seconds,
            "default_status": s.default_status.value,
        }
        for s in repository.sensor_defs
    }
    return {
        "groups": {group: sorted(keys) for group, keys in sorted(groups.items())},
        "jobs": jobs,
        "schedules": schedules,
        "sensors": sensors,
    }


def test_definitions_match_the_snapshot(defs):
    current = _describe(defs)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=2) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())


def test_every_step_that_opens_duckdb_runs_in_the_writer_pool_and_retries_only_the_lock(defs):
    graph = defs.resolve_asset_graph()
    writers = [graph.get(key) for key in graph.get_all_asset_keys() if graph.get(key).is_materializable]
    assert len(writers) > 50
    for node in writers:
        assert node.pools == {WAREHOUSE_WRITER_POOL}, node.key
    for name in ("full_refresh", "daily"):
        job = defs.resolve_job_def(name)
        # No retry policy, on the job or a step: it would retry every failure (a SQL error, a
        # full disk) and bury its reason under "Exceeded max_retries".
        assert job.op_retry_policy is None, name
        op_names = set()
        for op_node in job.graph.node_dict.values():
            op_names.add(op_node.name)
            assert op_node.definition.retry_policy is None, (name, op_node.name)
            assert op_node.definition.pool == WAREHOUSE_WRITER_POOL, (name, op_node.name)
            # The step's body runs under retry_on_lock: the lock is retried, anything else fails at once.
            body = op_node.definition.compute_fn.decorated_fn
            assert retry_on_lock.__name__ in body.__code__.co_names, (name, op_node.name)
        assert {
            "dbt_warehouse_models",
            "serving__warehouse",
            "quality_raw",
            "raw__salesforce_user",
        } <= op_names


def test_the_graph_reads_landing_raw_staging_intermediate_facts_kpi_serving_with_checks(defs):
    graph = defs.resolve_asset_graph()
    chain = [
        "landing/salesforce_opportunity",
        "raw/salesforce_opportunity",
        "staging/stg_salesforce__opportunities",
        "marts/fct_opportunities",
        "marts/kpi_revenue",
        "serving/warehouse",
    ]
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert (
            dg.AssetKey.from_user_string(upstream)
            in graph.get(dg.AssetKey.from_user_string(downstream)).parent_keys
        ), (upstream, downstream)
    assert [graph.get(dg.AssetKey.from_user_string(k)).group_name for k in chain] == [
        "landing",
        "raw",
        "staging",
        "facts",
        "kpi",
        "serving",
    ]
    # Every dbt source is an ingestion asset (meta.dagster.asset_key), so nothing dangles.
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name in LAYERS[2:]:
            assert all(graph.get(parent).is_materializable for parent in node.parent_keys), key
    # dbt tests are asset checks of the models they test.
    checked_groups = {graph.get(check.asset_key).group_name for check in graph.asset_check_keys}
    assert {"staging", "facts", "kpi"} <= checked_groups
