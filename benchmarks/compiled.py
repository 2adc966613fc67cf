"""dbt's compiled SQL of the project, in DAG order: what the benchmark runs directly in DuckDB.

`dbt compile --full-refresh` (incremental models compile to their full select, as the full build
runs them) writes a manifest whose nodes carry `compiled_code` and `relation_name`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from orchestration import config


@dataclass(frozen=True)
class CompiledNode:
    unique_id: str
    name: str
    resource_type: str  # model, test, seed
    materialized: str  # table, incremental, view, ephemeral, test, seed
    relation_name: str | None
    sql: str
    depends_on: tuple[str, ...]


def compile_project(env: dict[str, str], target: Path) -> Path:
    """`dbt compile --full-refresh` against the warehouse of `env`; returns the manifest's path."""
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [
            str(dbt),
            "compile",
            "--full-refresh",
            "--quiet",
            "--project-dir",
            str(config.PROJECT_ROOT),
            "--profiles-dir",
            str(config.PROJECT_ROOT / "profiles"),
            "--target-path",
            str(target),
        ],
        env=env,
        check=True,
        cwd=config.PROJECT_ROOT,
    )
    return target / "manifest.json"


def dag_order(manifest_path: Path) -> list[CompiledNode]:
    """Models, seeds and data tests, each after everything it depends on (dbt's own order up to
    ties: by name within a level)."""
    manifest = json.loads(manifest_path.read_text())
    nodes = {
        uid: CompiledNode(
            unique_id=uid,
            name=node["name"],
            resource_type=node["resource_type"],
            materialized=node["config"].get("materialized") or node["resource_type"],
            relation_name=node.get("relation_name"),
            sql=node.get("compiled_code") or "",
            depends_on=tuple(node.get("depends_on", {}).get("nodes", [])),
        )
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed", "test")
    }
    ordered: list[CompiledNode] = []
    placed: set[str] = set()
    remaining = dict(sorted(nodes.items(), key=lambda item: item[1].name))
    while remaining:
        ready = [
            uid for uid, n in remaining.items() if all(d in placed or d not in nodes for d in n.depends_on)
        ]
        if not ready:
            raise ValueError(f"dependency cycle among {sorted(remaining)[:5]}")
        for uid in ready:
            ordered.append(remaining.pop(uid))
            placed.add(uid)
    return ordered


def unit_test_count(manifest_path: Path) -> int:
    return len(json.loads(manifest_path.read_text()).get("unit_tests", {}))
