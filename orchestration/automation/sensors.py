"""Sensors: new landing files trigger their ingestion and everything downstream; failed runs are
reported with the failing step and reason.

The landing sensor looks at the files of the known object folders (`discover_files`, the
loader's own discovery) and never opens the warehouse (a reader would block a running writer).
A file is picked up:

- once per version: the cursor records the size and modification time of every file a run was
  requested for, so the same file never triggers twice (a re-landed, changed file does);
- only when it is complete: its size and modification time must be the same on two evaluations
  in a row, or its last change at least one sensor interval old. A file still being written is
  held back until it stops changing;
- not when an earlier run already ingested it: a file last modified before the start of the run
  that last materialized its object's raw asset (the schedule's, a manual launch's) is skipped.

One run request per evaluation covers every file picked up: their objects' raw assets and every
asset downstream, with a `run_key` derived from the file set.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.automation.landing import landing_asset_key, object_for_raw_table
from orchestration.automation.reporting import format_run_failure
from orchestration.config import sensor_interval_seconds
from orchestration.ingestion.assets import raw_asset_key, unrecognised_files
from orchestration.ingestion.discovery import LandedFile, discover_files
from orchestration.resources import WarehouseResource

LANDING_SENSOR_NAME = "landing_sensor"
FAILED_RUNS_SENSOR_NAME = "report_failed_runs"


def file_signature(landed: LandedFile) -> str:
    return f"{landed.size}:{landed.mtime_ns}"


def ingestion_key(landed: LandedFile) -> dg.AssetKey:
    """The asset that ingests a file: its object's raw asset, or `raw/unrecognised_files` for a
    data file outside every known object folder (recorded as unreadable, with the reason)."""
    if landed.raw_table is None:
        return unrecognised_files.key
    return raw_asset_key(object_for_raw_table(landed.raw_table))


@dataclass
class LandingCursor:
    """The landing sensor's memory between evaluations (stored by Dagster as JSON)."""

    requested: dict[str, str] = field(default_factory=dict)  # file -> signature a run was requested for
    pending: dict[str, str] = field(default_factory=dict)  # file -> signature seen last time, not yet stable

    @classmethod
    def from_json(cls, text: str | None) -> LandingCursor:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(requested=dict(data.get("requested", {})), pending=dict(data.get("pending", {})))

    def to_json(self) -> str:
        return json.dumps({"requested": self.requested, "pending": self.pending}, sort_keys=True)


@dataclass
class LandingScan:
    """What one evaluation found: files to ingest now, files still changing, files an earlier
    run already ingested, and the cursor to store."""

    ready: list[LandedFile]
    changing: list[LandedFile]
    already_ingested: list[LandedFile]
    cursor: LandingCursor


def scan_landing(
    files: Iterable[LandedFile],
    cursor: LandingCursor,
    now_ns: int,
    quiet_ns: int,
    ingested_since_ns: Mapping[dg.AssetKey, int] | None = None,
) -> LandingScan:
    """Sort the landing files against the cursor (pure: no I/O).

    `quiet_ns`: a file last changed at least this long ago is complete even if seen for the first
    time. `ingested_since_ns`: ingestion asset -> start of the last run that materialized it.
    """
    ingested_since_ns = ingested_since_ns or {}
    requested = dict(cursor.requested)
    pending: dict[str, str] = {}
    scan = LandingScan(ready=[], changing=[], already_ingested=[], cursor=LandingCursor(requested, pending))
    for landed in files:
        signature = file_signature(landed)
        if requested.get(landed.source_file) == signature:
            continue  # this version already triggered a run
        started = ingested_since_ns.get(ingestion_key(landed))
        if started is not None and landed.mtime_ns < started:
            requested[landed.source_file] = signature
            scan.already_ingested.append(landed)
        elif cursor.pending.get(landed.source_file) == signature or now_ns - landed.mtime_ns >= quiet_ns:
            requested[landed.source_file] = signature
            scan.ready.append(landed)
        else:
            pending[landed.source_file] = signature
            scan.changing.append(landed)
    return scan


def run_key_for(files: Iterable[LandedFile]) -> str:
    """The same file set (paths and versions) always gives the same run key."""
    text = "\n".join(sorted(f"{f.source_file}:{file_signature(f)}" for f in files))
    return "landing-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _last_ingestion_starts(
    instance: dg.DagsterInstance, keys: Iterable[dg.AssetKey]
) -> dict[dg.AssetKey, int]:
    """Ingestion asset -> start (ns) of the run that last materialized it."""
    starts: dict[dg.AssetKey, int] = {}
    for key in keys:
        event = instance.get_latest_materialization_event(key)
        if event is None or not event.run_id:
            continue
        record = instance.get_run_record_by_id(event.run_id)
        if record is not None and record.start_time is not None:
            starts[key] = int(record.start_time * 1_000_000_000)
    return starts


def _landing_events(ready: list[LandedFile]) -> list[dg.AssetMaterialization]:
    """A materialization of each object's landing asset, listing its new files."""
    by_table: dict[str, list[LandedFile]] = {}
    for landed in ready:
        if landed.raw_table is not None:
            by_table.setdefault(landed.raw_table, []).append(landed)
    return [
        dg.AssetMaterialization(
            asset_key=landing_asset_key(object_for_raw_table(table)),
            description=f"{len(files)} new file(s) landed",
            metadata={
                "files": dg.MetadataValue.md(
                    "\n".join(f"- `{f.source_file}` ({f.size:,} bytes)" for f in files)
                ),
                "bytes": sum(f.size for f in files),
            },
        )
        for table, files in sorted(by_table.items())
    ]


def downstream_selection(
    context: dg.SensorEvaluationContext, raw_keys: Iterable[dg.AssetKey]
) -> list[dg.AssetKey]:
    """The raw assets and every asset downstream of them (staging ... kpi)."""
    if context.repository_def is None:
        raise dg.DagsterInvariantViolationError("the landing sensor needs its Definitions to select assets")
    selection = dg.AssetSelection.assets(*raw_keys).downstream()
    return sorted(selection.resolve(context.repository_def.asset_graph), key=lambda k: k.to_user_string())


RunConfigFor = Callable[[Iterable[dg.AssetKey]], dict[str, Any]]


def build_landing_sensor(
    job: dg.UnresolvedAssetJobDefinition, run_config_for: RunConfigFor
) -> dg.SensorDefinition:
    """The landing sensor, launching `job` on the selected subset with `run_config_for(subset)`."""
    interval = sensor_interval_seconds()

    @dg.sensor(
        name=LANDING_SENSOR_NAME,
        job=job,
        minimum_interval_seconds=interval,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "New files in the landing folder trigger their objects' ingestion and everything "
            f"downstream, once per file, after the file has stopped changing (every {interval} s)."
        ),
    )
    def landing_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
        cursor = LandingCursor.from_json(context.cursor)
        discovered = discover_files(Path(warehouse.landing_dir))
        files = [f for table_files in discovered.candidates.values() for f in table_files]
        files += discovered.unknown
        unseen = {ingestion_key(f) for f in files if cursor.requested.get(f.source_file) != file_signature(f)}
        scan = scan_landing(
            files,
            cursor,
            now_ns=time.time_ns(),
            quiet_ns=interval * 1_000_000_000,
            ingested_since_ns=_last_ingestion_starts(context.instance, unseen),
        )
        for landed in scan.changing:
            context.log.info(f"{landed.source_file}: still changing ({landed.size:,} bytes), waiting")
        if not scan.ready:
            reason = f"{len(scan.changing)} file(s) still changing" if scan.changing else "no new files"
            return dg.SensorResult(skip_reason=reason, cursor=scan.cursor.to_json())
        ingestion_keys = sorted({ingestion_key(f) for f in scan.ready}, key=lambda k: k.to_user_string())
        selection = downstream_selection(context, ingestion_keys)
        request = dg.RunRequest(
            run_key=run_key_for(scan.ready),
            asset_selection=selection,
            run_config=run_config_for(selection),
            tags={"sales/trigger": LANDING_SENSOR_NAME, "sales/new_files": str(len(scan.ready))},
        )
        context.log.info(
            f"{len(scan.ready)} new file(s) for "
            f"{', '.join(k.to_user_string() for k in ingestion_keys)}: requesting run {request.run_key}"
        )
        return dg.SensorResult(
            run_requests=[request], asset_events=_landing_events(scan.ready), cursor=scan.cursor.to_json()
        )

    return landing_sensor


@dg.run_failure_sensor(
    name=FAILED_RUNS_SENSOR_NAME,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Logs every failed run of this code location with the failing step and its reason.",
)
def report_failed_runs(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    context.log.error(
        format_run_failure(
            run.job_name, run.run_id, context.get_step_failure_events(), context.failure_event.message
        )
    )
