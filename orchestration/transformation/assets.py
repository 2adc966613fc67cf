"""dbt seeds, models and tests as Dagster assets and asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.resources import WAREHOUSE_WRITER_POOL
from orchestration.transformation.project import dbt_project

# Top-level folder under models/ -> asset group: the graph reads landing -> raw -> staging -> ...
_LAYER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


class LayerTranslator(DagsterDbtTranslator):
    """Names dbt assets `<layer>/<model>` and groups them by layer (seeds in `seeds`)."""

    def _layer(self, props: Mapping[str, Any]) -> str:
        if props["resource_type"] == "seed":
            return "seeds"
        folder = props["fqn"][1] if len(props["fqn"]) > 2 else "models"
        return _LAYER_GROUPS.get(folder, folder)

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)  # meta.dagster.asset_key -> raw/<table>
        return dg.AssetKey([self._layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return self._layer(dbt_resource_props)


translator = LayerTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_WRITER_POOL,
)
def dbt_warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build` of the selected seeds and models, with their tests as asset checks."""
    yield from dbt.cli(["build"], context=context).stream()
