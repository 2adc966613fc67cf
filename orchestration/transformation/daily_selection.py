"""What a daily dbt build must rebuild: the models downstream of a raw table that received rows
since those models were last built, and nothing else.

Each dbt source carries `loaded_at_field: _loaded_at`. After a successful build, the newest
`_loaded_at` of every source whose whole downstream was built is recorded in
`meta.source_builds`; the next daily build compares each source's newest `_loaded_at` with it.
A failed build records nothing, so its sources stay changed and the next run rebuilds them.

Hand-rolled rather than dbt's `source_status:fresher+`: that needs `dbt source freshness` (one
more dbt start per run) and the previous run's sources.json kept beside each warehouse, and
dagster-dbt unions a runtime `--select` with the run's own selection instead of intersecting
them, so the models to leave out are passed as `--exclude` instead (`unaffected_models`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import duckdb

SOURCE_BUILDS_TABLE = "meta.source_builds"


def source_relations(manifest: Mapping[str, Any]) -> dict[str, str]:
    """dbt source unique id -> its raw relation (`raw.<table>`), for sources with a loaded-at field."""
    return {
        unique_id: f"{source['schema']}.{source['identifier']}"
        for unique_id, source in manifest["sources"].items()
        if source.get("loaded_at_field")
    }


def newest_loads(con: duckdb.DuckDBPyConnection, relations: Iterable[str]) -> dict[str, datetime | None]:
    """Each relation's newest `_loaded_at` (None: empty or missing table)."""
    existing = {
        f"{schema}.{name}"
        for schema, name in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    }
    return {
        relation: con.execute(f"select max(_loaded_at) from {relation}").fetchone()[0]
        if relation in existing
        else None
        for relation in relations
    }


def recorded_builds(con: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    """Relation -> newest `_loaded_at` its downstream was last built from."""
    con.execute("create schema if not exists meta")
    con.execute(
        f"create table if not exists {SOURCE_BUILDS_TABLE} "
        "(relation varchar primary key, loaded_through timestamp)"
    )
    return dict(con.execute(f"select relation, loaded_through from {SOURCE_BUILDS_TABLE}").fetchall())


def record_builds(con: duckdb.DuckDBPyConnection, loads: Mapping[str, datetime | None]) -> None:
    recorded_builds(con)  # creates the table on a first run
    for relation, loaded_through in loads.items():
        if loaded_through is not None:
            con.execute(
                f"insert or replace into {SOURCE_BUILDS_TABLE} values (?, ?)", [relation, loaded_through]
            )


def changed_sources(
    relations: Mapping[str, str], loads: Mapping[str, datetime | None], built: Mapping[str, datetime]
) -> set[str]:
    """Sources (unique ids) whose table holds rows newer than what their downstream was built from."""
    return {
        unique_id
        for unique_id, relation in relations.items()
        if loads.get(relation) is not None and (relation not in built or loads[relation] > built[relation])
    }


def downstream(manifest: Mapping[str, Any], unique_ids: Iterable[str]) -> set[str]:
    """Every node depending, directly or not, on `unique_ids` (not including them)."""
    children = manifest["child_map"]
    seen: set[str] = set()
    stack = [child for unique_id in unique_ids for child in children.get(unique_id, [])]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(children.get(node, []))
    return seen


def _dependency_order(manifest: Mapping[str, Any]) -> list[str]:
    """Every node after the nodes it depends on (Dagster wants a step's outputs in that order)."""
    children = manifest["child_map"]
    done: set[str] = set()
    order: list[str] = []

    def visit(node: str) -> None:  # depth-first, post-order: a node after all its children
        done.add(node)
        for child in children.get(node, []):
            if child not in done:
                visit(child)
        order.append(node)

    for node in sorted(children):
        if node not in done:
            visit(node)
    return order[::-1]


def unaffected_models(manifest: Mapping[str, Any], changed: Iterable[str]) -> list[str]:
    """Models and seeds no changed source leads to, in dependency order: what a daily build
    leaves out (their tests go with them). Seeds lead from no source: an edited seed needs the
    full_refresh job."""
    affected = downstream(manifest, changed)
    nodes = manifest["nodes"]
    return [
        nodes[unique_id]["name"]
        for unique_id in _dependency_order(manifest)
        if unique_id in nodes
        and nodes[unique_id]["resource_type"] in ("model", "seed")
        and unique_id not in affected
    ]


def fully_built_sources(manifest: Mapping[str, Any], built_models: Iterable[str]) -> set[str]:
    """Sources every downstream model of which is among `built_models` (unique ids): the ones a
    successful build may record."""
    built = set(built_models)
    return {
        unique_id
        for unique_id in source_relations(manifest)
        if {node for node in downstream(manifest, [unique_id]) if node.startswith("model.")} <= built
    }
