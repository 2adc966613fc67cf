"""dbt seeds, models and tests as Dagster assets and asset checks.

Keys are `<schema>/<model>`, the relation the model builds in DuckDB (`staging/stg_...`,
`marts/kpi_revenue`, `seeds/...`); groups follow the layers, with the marts split in two so the
graph reads landing -> raw -> staging -> intermediate -> facts -> kpi.
"""

# No `from __future__ import annotations`: Dagster reads the step's parameter annotations
# (context, resources, config) at definition time.
import json
import shutil
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from pydantic import Field

from orchestration import config as project_config
from orchestration.engines.handoff import hand_off
from orchestration.engines.targets import DUCKDB, dbt_target
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource, retry_on_lock
from orchestration.transformation import daily_selection
from orchestration.transformation.project import dbt_project
from orchestration.transformation.row_counts import built_tables, row_count_observations

SEEDS_GROUP = "seeds"
FACTS_GROUP = "facts"  # models/marts/core: fct_*, dim_*, bridge_*
KPI_GROUP = "kpi"  # models/marts/kpi: the BI-facing kpi_* marts
# Group of each top-level folder under models/ (marts are split by sub-folder, below).
_FOLDER_GROUPS = {"staging": "staging", "intermediate": "intermediate"}


def _folders(props: Mapping[str, Any]) -> list[str]:
    """Folders of a node under its resource path: fqn is [project, *folders, name]."""
    return list(props["fqn"][1:-1])


def layer_group(props: Mapping[str, Any]) -> str:
    """The asset group of a dbt seed or model."""
    if props["resource_type"] == "seed":
        return SEEDS_GROUP
    folders = _folders(props) or ["models"]
    if folders[0] == "marts":
        return KPI_GROUP if folders[1:2] == ["kpi"] else FACTS_GROUP
    return _FOLDER_GROUPS.get(folders[0], folders[0])


class LayerTranslator(DagsterDbtTranslator):
    """Names dbt assets `<schema>/<model>` and groups them by layer (marts: facts and kpi)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "source":
            return super().get_asset_key(dbt_resource_props)  # meta.dagster.asset_key -> raw/<table>
        prefix = SEEDS_GROUP if resource_type == "seed" else (_folders(dbt_resource_props) or ["models"])[0]
        return dg.AssetKey([prefix, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return layer_group(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        # A model's own `meta.dagster.owners` wins; else the project's owners, as every asset.
        return super().get_owners(dbt_resource_props) or list(project_config.ASSET_OWNERS)


translator = LayerTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


# The `dbt` metadata of a model's output when a daily build left it out (the quality checks skip it).
NOT_REBUILT = "not rebuilt"


class DbtBuildConfig(dg.Config):
    """Run configuration of the dbt step."""

    full_refresh: bool = Field(
        default=False,
        description="Pass --full-refresh: rebuild incremental models and seeds from scratch.",
    )


# What a daily build leaves to the full-refresh build:
# - the dbt tests that read the whole history (tests/dbt/reconciliation, tagged in
#   dbt_project.yml): the new rows are checked by the generic tests and the quality suites; at
#   20M activity rows they were 20 s of a 78 s daily build;
# - the unit tests, which check the models' code on fixed rows: the code has not changed since
#   CI and the last full refresh ran them (30 tests, 6 s).
FULL_VALIDATION_TESTS = "tag:full_validation"


def dbt_build_args(config: DbtBuildConfig, exclude: list[str] | None = None) -> list[str]:
    excluded = [*(exclude or []), *([] if config.full_refresh else [FULL_VALIDATION_TESTS])]
    return [
        "build",
        *(["--full-refresh"] if config.full_refresh else ["--exclude-resource-type", "unit_test"]),
        *(["--exclude", " ".join(excluded)] if excluded else []),
    ]


@cache
def _manifest() -> dict[str, Any]:
    return json.loads(dbt_project().manifest_path.read_text())


def _unchanged_outputs(context: dg.AssetExecutionContext, models: list[str]) -> Iterator[dg.Output]:
    """An output for each selected model a daily build left out: its table is current (nothing
    it reads received rows), and the steps after dbt (checks, publish) run only on outputs."""
    by_name = {
        node["name"]: node
        for node in _manifest()["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }
    for name in models:  # in dependency order, as Dagster wants a multi-asset's outputs
        key = translator.get_asset_key(by_name[name])
        if key in context.selected_asset_keys:
            yield dg.Output(
                None,
                output_name=context.assets_def.get_output_name_for_asset_key(key),
                metadata={"dbt": f"{NOT_REBUILT}: no raw table it reads received rows"},
            )


def _built_nodes(invocation: Any) -> set[str]:
    """The models and seeds this invocation wrote (tests are not nodes that hold rows)."""
    results = invocation.get_artifact("run_results.json")["results"]
    return {
        r["unique_id"]
        for r in results
        if r["unique_id"].split(".")[0] in ("model", "seed") and r["status"] == "success"
    }


def dbt_failure_reason(invocation: Any) -> str:
    """One line saying why `dbt build` failed: its first error message (dagster-dbt's own error
    starts with the command line). `_error_messages` is private to dagster-dbt (pinned)."""
    messages = [str(m).strip() for m in getattr(invocation, "_error_messages", None) or [] if str(m).strip()]
    if not messages:
        return "dbt build failed"
    more = f" (and {len(messages) - 1} more error(s))" if len(messages) > 1 else ""
    return f"dbt build failed: {messages[0].splitlines()[0]}{more}"


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_WRITER_POOL,
)
def dbt_warehouse_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    config: DbtBuildConfig,
    warehouse: WarehouseResource,
) -> Iterator[Any]:
    """`dbt build` of the selected seeds and models, with their tests as asset checks.

    Without --full-refresh (the daily job, the landing sensor's runs), only the models downstream
    of a raw table that received rows since they were last built (`daily_selection`); their
    incremental models re-select only the periods those rows can change.

    A DuckDB lock held outside Dagster is retried with backoff (`retry_on_lock`); any other dbt
    failure (a failed test, a SQL error) fails the step at once, dbt's first error message first.
    """
    manifest = _manifest()
    relations = daily_selection.source_relations(manifest)
    with retry_on_lock(context), warehouse.connect() as con:  # closed before dbt opens the file
        loads = daily_selection.newest_loads(con, relations.values())
        built = daily_selection.recorded_builds(con)
    unchanged: list[str] = []
    changed: set[str] = set()
    if not config.full_refresh:
        changed = daily_selection.changed_sources(relations, loads, built)
        unchanged = daily_selection.unaffected_models(manifest, changed)
        context.log.info(
            f"dbt build downstream of {len(changed)} raw table(s) with new rows; "
            f"{len(unchanged)} model(s) and seed(s) unchanged, not rebuilt"
        )
    yield from _unchanged_outputs(context, unchanged)
    if not config.full_refresh and not changed:
        # Nothing to build: dbt's start alone (its process, the project, the hooks) is ~4 s.
        context.log.info("dbt not run: no raw table received rows since the models were built")
        return
    if dbt_target() != DUCKDB:  # the models read `raw` on that engine: bring it up to DuckDB's
        with retry_on_lock(context):
            context.log.info(hand_off(dbt_target(), Path(warehouse.database_path)).summary())
    with retry_on_lock(context):
        invocation = dbt.cli(dbt_build_args(config, unchanged), context=context, raise_on_error=False)
        yield from invocation.stream()
        error = invocation.get_error()
        if error is None:
            built_nodes = _built_nodes(invocation)  # run_results.json, read once
            built_models = {uid for uid in built_nodes if uid.startswith("model.")}
            recordable = daily_selection.fully_built_sources(manifest, built_models)
            with warehouse.connect() as con:
                daily_selection.record_builds(con, {relations[s]: loads[relations[s]] for s in recordable})
                if dbt_target() == DUCKDB:  # another engine's tables are not in the DuckDB file
                    tables = built_tables(manifest, built_nodes, translator.get_asset_key)
                    yield from row_count_observations(con, tables)
            # Each invocation writes its own target/<step>-<run> folder (manifest, compiled SQL,
            # logs: megabytes per run); keep it only when the build failed (its dbt.log is cited).
            shutil.rmtree(invocation.target_path, ignore_errors=True)
            return
        raise dg.Failure(description=f"{dbt_failure_reason(invocation)}\n{error}")
