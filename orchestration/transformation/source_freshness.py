"""dbt's source freshness as Dagster asset checks on the raw tables, evaluated by each raw table's
ingestion step on its open connection (no step of its own: no extra turn at the writer pool).

The `freshness:` (`warn_after`, `error_after`) and `loaded_at_field` of each dbt source
(`models/staging/*/__sources.yml`) are read from dbt's manifest, so dbt stays the one place they
are set; each raw table the sources point at gets a `source_freshness` check that does what
`dbt source freshness` does: the age of the newest `loaded_at_field` value against the two limits
(older than `error_after`: failed, severity ERROR; older than `warn_after`: failed, WARN; no rows:
ERROR, except for an optional object, which an org may never extract: docs/landing-contract.md).
Neither blocks the build: stale data still yields the KPIs it can, and the check says how stale.

Why not `dbt source freshness` itself: a second dbt invocation per run costs ~5 s of start-up for
14 `max()` queries, and the raw assets' Dagster "last update" is no measure of freshness (they
materialize on every run, new files or not), so Dagster's own freshness checks would always pass.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg

from orchestration.ingestion.contract import OBJECTS, OPTIONAL_OBJECTS
from orchestration.sql_quoting import quote_ident
from orchestration.transformation.project import dbt_project

CHECK_NAME = "source_freshness"
_OPTIONAL_RAW_TABLES = {obj.raw_table for obj in OBJECTS if obj.api_name in OPTIONAL_OBJECTS}
_PERIODS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


@dataclass(frozen=True)
class SourceFreshness:
    """One dbt source's freshness rule, on the raw table it reads."""

    source: str  # dbt's `source_name.table_name`
    asset_key: dg.AssetKey
    schema: str
    table: str
    loaded_at_field: str
    warn_after: timedelta | None
    error_after: timedelta | None
    optional: bool = False  # an object an org may not extract at all (contract.OPTIONAL_OBJECTS)

    def verdict(self, newest: datetime | None, now: datetime) -> tuple[bool, dg.AssetCheckSeverity, str]:
        """(passed, severity, why) for the newest loaded-at value `newest` (None: no rows)."""
        if newest is None and self.optional:
            return True, dg.AssetCheckSeverity.WARN, "no rows: an optional object, never delivered"
        if newest is None:
            return False, dg.AssetCheckSeverity.ERROR, "no rows: nothing was ever loaded"
        age = now - newest
        said = f"newest {self.loaded_at_field} {newest:%Y-%m-%d %H:%M} UTC, {_human(age)} old"
        if self.error_after is not None and age > self.error_after:
            return (
                False,
                dg.AssetCheckSeverity.ERROR,
                f"{said}: older than error_after ({_human(self.error_after)})",
            )
        if self.warn_after is not None and age > self.warn_after:
            return (
                False,
                dg.AssetCheckSeverity.WARN,
                f"{said}: older than warn_after ({_human(self.warn_after)})",
            )
        return True, dg.AssetCheckSeverity.WARN, said


def _human(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"


def _limit(rule: Mapping[str, Any] | None) -> timedelta | None:
    if not rule or rule.get("count") is None or rule.get("period") is None:
        return None
    return rule["count"] * _PERIODS[rule["period"]]


def source_freshness_rules(manifest: Mapping[str, Any]) -> list[SourceFreshness]:
    """The rules of the manifest's sources that have a freshness limit and a loaded-at field,
    keyed by the asset key the source's `meta.dagster.asset_key` names (its raw table)."""
    rules = []
    for source in manifest["sources"].values():
        freshness = source.get("freshness") or {}
        warn_after, error_after = _limit(freshness.get("warn_after")), _limit(freshness.get("error_after"))
        asset_key = source.get("meta", {}).get("dagster", {}).get("asset_key")
        if not source.get("loaded_at_field") or not asset_key or (warn_after is None and error_after is None):
            continue
        rules.append(
            SourceFreshness(
                source=f"{source['source_name']}.{source['name']}",
                asset_key=dg.AssetKey(asset_key),
                schema=source["schema"],
                table=source["identifier"],
                loaded_at_field=source["loaded_at_field"],
                warn_after=warn_after,
                error_after=error_after,
                optional=source["identifier"] in _OPTIONAL_RAW_TABLES,
            )
        )
    return rules


def newest_loaded_at(con: Any, rule: SourceFreshness) -> datetime | None:
    """The newest loaded-at value of the rule's table (None when empty or not created yet)."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [rule.schema, rule.table],
    ).fetchone()[0]
    if not exists:
        return None
    relation = f"{quote_ident(rule.schema)}.{quote_ident(rule.table)}"
    return con.execute(f"select max({quote_ident(rule.loaded_at_field)}) from {relation}").fetchone()[0]


def project_freshness_rules() -> dict[str, SourceFreshness]:
    """The project's rules by raw table, from dbt's manifest (none before `dbt parse` wrote it)."""
    path = dbt_project().manifest_path
    if not path.exists():
        return {}
    return {rule.table: rule for rule in source_freshness_rules(json.loads(path.read_text()))}


def freshness_check_spec(rule: SourceFreshness) -> dg.AssetCheckSpec:
    limits = (
        f"{_human(rule.warn_after) if rule.warn_after else '-'} old (warn), "
        f"{_human(rule.error_after) if rule.error_after else '-'} (error)"
    )
    return dg.AssetCheckSpec(
        name=CHECK_NAME,
        asset=rule.asset_key,
        description=f"dbt source freshness of `{rule.source}`: `{rule.loaded_at_field}` at most {limits}",
    )


def freshness_result(rule: SourceFreshness, newest: datetime | None) -> dg.AssetCheckResult:
    """The check's result for the newest loaded-at value, judged now."""
    now = datetime.now(UTC).replace(tzinfo=None)  # raw timestamps are naive UTC
    passed, severity, why = rule.verdict(newest, now)
    return dg.AssetCheckResult(
        asset_key=rule.asset_key,
        check_name=CHECK_NAME,
        passed=passed,
        severity=severity,
        description=why,
        metadata={"newest_loaded_at": str(newest) if newest else "none"},
    )
