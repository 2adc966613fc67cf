"""The landing folder in the asset graph: one external asset per object folder.

`landing/<raw table>` stands for the files under `<landing>/<family>/<Object>/`. Dagster does not
materialize them (files arrive from outside); the landing sensor reports a materialization of
the object's landing asset when new files are picked up, and each `raw/<table>` ingestion asset
depends on its landing asset, so the graph starts landing -> raw.
"""

from __future__ import annotations

import dagster as dg

from orchestration import config
from orchestration.ingestion.assets import raw_asset_key
from orchestration.ingestion.contract import OBJECTS, ExtractObject

LANDING_GROUP = "landing"

_OBJECTS_BY_TABLE = {obj.raw_table: obj for obj in OBJECTS}


def object_for_raw_table(raw_table: str) -> ExtractObject:
    return _OBJECTS_BY_TABLE[raw_table]


def landing_asset_key(obj: ExtractObject) -> dg.AssetKey:
    return dg.AssetKey(["landing", obj.raw_table])


def landing_folder(obj: ExtractObject) -> str:
    return f"{obj.family}/{obj.folder}"


def landing_specs() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            key=landing_asset_key(obj),
            group_name=LANDING_GROUP,
            owners=list(config.ASSET_OWNERS),
            kinds={"file"},
            description=(
                f"Extract files landed under `{landing_folder(obj)}/` of the landing folder "
                "(.csv, .csv.gz or .parquet; never changed once landed)."
            ),
            metadata={"folder": landing_folder(obj)},
        )
        for obj in OBJECTS
    ]


def with_landing_deps(ingestion_assets: list[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The ingestion assets, each depending on its object's landing asset."""
    landing_by_raw = {raw_asset_key(obj): landing_asset_key(obj) for obj in OBJECTS}

    def add_dep(spec: dg.AssetSpec) -> dg.AssetSpec:
        landing = landing_by_raw.get(spec.key)
        return spec.merge_attributes(deps=[landing]) if landing is not None else spec

    return [asset.map_asset_specs(add_dep) for asset in ingestion_assets]
