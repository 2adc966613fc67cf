"""dbt assets: names and groups by layer, and the dbt resource's shortcuts still match the
dagster-dbt they override."""

from __future__ import annotations

import json
from types import SimpleNamespace

import dagster as dg
import pytest
from dagster_dbt import DbtCliInvocation, DbtCliResource, asset_utils

from orchestration.transformation.assets import LayerTranslator, dbt_failure_reason, layer_group
from orchestration.transformation.project import WarehouseDbtCliResource, dbt_resource


@pytest.mark.parametrize(
    ("resource_type", "fqn", "key", "group"),
    [
        ("seed", ["sales_warehouse", "opportunity_stages"], "seeds/opportunity_stages", "seeds"),
        (
            "model",
            ["sales_warehouse", "staging", "salesforce", "stg_salesforce__users"],
            "staging/stg_salesforce__users",
            "staging",
        ),
        ("model", ["sales_warehouse", "intermediate", "int_x"], "intermediate/int_x", "intermediate"),
        ("model", ["sales_warehouse", "marts", "core", "fct_quotas"], "marts/fct_quotas", "facts"),
        ("model", ["sales_warehouse", "marts", "core", "dim_reps"], "marts/dim_reps", "facts"),
        ("model", ["sales_warehouse", "marts", "kpi", "kpi_win_rate"], "marts/kpi_win_rate", "kpi"),
    ],
)
def test_dbt_assets_are_named_by_schema_and_grouped_by_layer(resource_type, fqn, key, group):
    props = {"resource_type": resource_type, "fqn": fqn, "name": fqn[-1], "meta": {}, "config": {}}
    assert LayerTranslator().get_asset_key(props) == dg.AssetKey.from_user_string(key)
    assert layer_group(props) == group


def test_the_dbt_resource_overrides_still_exist_in_dagster_dbt(monkeypatch, tmp_path):
    # WarehouseDbtCliResource skips `dbt --version` and the in-process adapter by overriding
    # these private members: if a dagster-dbt upgrade renames them, the shortcuts silently stop.
    assert asset_utils._SELECTION_ARGS_THRESHOLD == 5_000  # no copy of the repository per subset run
    assert "_cli_version" in vars(DbtCliResource)
    assert "_initialize_dbt_core_adapter" in vars(DbtCliResource)
    monkeypatch.setenv("SALES_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))  # dbt_resource() pins it
    resource = dbt_resource()
    assert isinstance(resource, WarehouseDbtCliResource)
    assert resource._cli_version.major == 1
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_a_failed_dbt_build_is_summed_up_by_its_first_error():
    # dbt_failure_reason reads the messages dagster-dbt parsed from dbt's logs (a private field).
    assert "_error_messages" in DbtCliInvocation.__dataclass_fields__
    failed = SimpleNamespace(
        _error_messages=["Failure in test unique_x (models/x.yml)\n  Got 1 result", "2nd"]
    )
    assert (
        dbt_failure_reason(failed)
        == "dbt build failed: Failure in test unique_x (models/x.yml) (and 1 more error(s))"
    )
    assert dbt_failure_reason(SimpleNamespace(_error_messages=[])) == "dbt build failed"


def test_every_dbt_data_test_is_an_asset_check():
    # Singular tests that read several models need `meta.dagster.ref` (tests/dbt/reconciliation):
    # without it dagster-dbt runs them but shows no check, and their failures go unseen in the UI.
    from orchestration.transformation.assets import dbt_warehouse_models
    from orchestration.transformation.project import dbt_project

    manifest = json.loads(dbt_project().manifest_path.read_text())
    tests = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "test"}
    checks = {spec.name for spec in dbt_warehouse_models.check_specs}
    assert tests - checks == set()
    assert any(name.startswith("territory_") for name in checks)  # a multi-model singular test


def test_a_dbt_step_reuses_the_parse_the_cli_prepared(monkeypatch, tmp_path):
    # The CLI parses once before the definitions load; dagster-dbt's commands (here `dbt parse`,
    # as `dbt build` would) copy that saved parse and must be able to reuse it: dbt re-parses
    # the whole project when the command line's --target differs (~5 s of every run's dbt step).
    from orchestration.cli import prepare_manifest

    monkeypatch.setenv("SALES_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    prepare_manifest()
    invocation = dbt_resource().cli(["parse", "--log-level", "debug"], raise_on_error=True)
    messages = [event.raw_event["info"]["msg"] for event in invocation.stream_raw_events()]
    assert any("skipping partial parsing" in m or "Partial parsing enabled" in m for m in messages), messages
    assert not any("Unable to do partial parsing" in m for m in messages)
