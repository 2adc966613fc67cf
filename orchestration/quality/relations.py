"""Where each dbt model lives in DuckDB and which layer it belongs to, from dbt's manifest.

Schema and alias rather than dbt's `relation_name`, which carries the database name of the file
dbt parsed against; the checks may run on a copy of the warehouse under another name.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from orchestration.quality.spec import Relation
from orchestration.transformation.project import dbt_project


@cache
def _models(manifest_path: Path) -> dict[str, tuple[str, Relation]]:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    models = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        folders = node["fqn"][1:-1]
        layer = folders[0] if folders else "models"
        relation = Relation(
            schema=node["schema"],
            name=node.get("alias") or node["name"],
            columns=tuple(node.get("columns", {})),
        )
        models[node["name"]] = (layer, relation)
    return models


def dbt_relations() -> dict[str, Relation]:
    """dbt model name -> relation, for every model."""
    return {name: relation for name, (_, relation) in _models(dbt_project().manifest_path).items()}


def models_in_layer(layer: str) -> list[str]:
    """Names of the models under `models/<layer>/`, sorted."""
    models = _models(dbt_project().manifest_path)
    return sorted(name for name, (folder, _) in models.items() if folder == layer)
