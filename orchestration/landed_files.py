"""How each landed file fared in one run: the per-file listing of the run summary.

The files of a run are the `raw.load_manifest` rows its ingestion steps committed: rows of the
step's object (`object_name`; NULL for the step reporting files outside every object folder)
whose `loaded_at` falls between the step's start and end. Only one writer step runs at a time
(the writer pool), so no other run's files fall in those windows. A file the loader could not
process for a reason not its own (`failed`) has no manifest row: the failed step's reason names
it, and the next run tries it again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.ingestion.manifest import LOADED, MANIFEST_STATUSES, MANIFEST_TABLE

# Beyond this many files, loaded files are listed one line per object folder (every file not
# loaded still has its own line).
LIST_EVERY_FILE_UP_TO = 30
_ORDER = {status: index for index, status in enumerate(MANIFEST_STATUSES)}  # loaded first


@dataclass(frozen=True)
class LandedFile:
    source_file: str  # relative to the landing folder
    object_name: str | None
    status: str  # one of MANIFEST_STATUSES
    rows_loaded: int
    rows_rejected: int
    reason: str | None = None


@dataclass(frozen=True)
class StepWindow:
    """When an ingestion step of the run ran (naive UTC, like `loaded_at`), and its object."""

    object_name: str | None
    start: datetime
    end: datetime


def _ingestion_steps() -> dict[str, str | None]:
    """Step key -> object name of every ingestion step (None: the unrecognised-files step)."""
    import dagster as dg

    from orchestration.ingestion.assets import raw_asset_key
    from orchestration.ingestion.contract import OBJECTS

    steps: dict[str, str | None] = {raw_asset_key(obj).to_python_identifier(): obj.name for obj in OBJECTS}
    steps[dg.AssetKey(["raw", "unrecognised_files"]).to_python_identifier()] = None
    return steps


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def ingestion_windows(instance: Any, run_id: str) -> list[StepWindow]:
    """The windows of the run's ingestion steps, from its stored step events."""
    import dagster as dg

    steps = _ingestion_steps()
    kind = dg.DagsterEventType
    kinds = {kind.STEP_START, kind.STEP_SUCCESS, kind.STEP_FAILURE}
    spans: dict[str, list[float]] = {}
    for entry in instance.all_logs(run_id, of_type=kinds):
        if entry.step_key in steps:
            spans.setdefault(entry.step_key, []).append(entry.timestamp)
    return [
        StepWindow(steps[key], _utc(min(stamps)), _utc(max(stamps)))
        for key, stamps in spans.items()
        if len(stamps) >= 2
    ]


def read_landed_files(database: Path, windows: Iterable[StepWindow]) -> list[LandedFile]:
    """The manifest rows committed in `windows` (read-only; empty without a manifest)."""
    windows = list(windows)
    if not windows or not database.exists():
        return []
    con = duckdb.connect(str(database), read_only=True)
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema || '.' || table_name = ?",
            [MANIFEST_TABLE],
        ).fetchone()[0]
        if not exists:
            return []
        files = []
        for window in windows:
            rows = con.execute(
                f"select source_file, object_name, status, rows_loaded, rows_rejected, reason "
                f"from {MANIFEST_TABLE} where object_name is not distinct from ? "
                "and loaded_at between ? and ? order by source_file",
                [window.object_name, window.start, window.end],
            ).fetchall()
            files += [LandedFile(*row) for row in rows]
        return sorted(files, key=lambda f: f.source_file)
    finally:
        con.close()


def files_loaded_before(result: Any) -> int:
    """Files of the landing folder that earlier runs dealt with (not read again by this one)."""
    total = 0
    for event in result.get_asset_materialization_events():
        value = event.materialization.metadata.get("files_already_loaded")
        total += int(getattr(value, "value", value) or 0)
    return total


def _counts(files: Sequence[LandedFile]) -> str:
    by_status: dict[str, int] = defaultdict(int)
    for f in files:
        by_status[f.status] += 1
    statuses = sorted(by_status, key=lambda s: _ORDER.get(s, len(_ORDER)))
    return ", ".join(f"{by_status[s]:,} {s}" for s in statuses)


def _file_line(status: str, loaded: int, rejected: int, what: str, reason: str | None = None) -> str:
    line = f"  {status:<12}{loaded:>11,} rows {rejected:>8,} rejected  {what}"
    if reason:
        first = next((part.strip() for part in reason.splitlines() if part.strip()), "")
        first = first.removeprefix(f"{what}: ")  # some reasons start with the file's path
        line += f": {first[:197] + '...' if len(first) > 200 else first}"
    return line


def format_landed_files(
    files: Sequence[LandedFile], loaded_before: int = 0, list_every_file_up_to: int = LIST_EVERY_FILE_UP_TO
) -> list[str]:
    """The listing: a headline, then one line per file (status, rows loaded and rejected, path,
    the reason of anything not loaded). With more than `list_every_file_up_to` files, loaded
    files are grouped per object folder; every other file keeps its line."""
    before = f"; {loaded_before:,} loaded by earlier runs, not read again" if loaded_before else ""
    if not files:
        return [f"Landed files of this run: none new{before}."]
    rows = sum(f.rows_loaded for f in files)
    rejected = sum(f.rows_rejected for f in files)
    lines = [
        f"Landed files of this run: {len(files):,} ({_counts(files)}); {rows:,} rows loaded, "
        f"{rejected:,} rejected{before}."
    ]
    ordered = sorted(files, key=lambda f: (_ORDER.get(f.status, len(_ORDER)), f.source_file))
    if len(files) <= list_every_file_up_to:
        lines += [
            _file_line(f.status, f.rows_loaded, f.rows_rejected, f.source_file, f.reason) for f in ordered
        ]
        return lines
    groups: dict[str, list[LandedFile]] = defaultdict(list)
    for f in ordered:
        if f.status == LOADED:
            groups[f.source_file.rsplit("/", 1)[0] + "/" if "/" in f.source_file else "./"].append(f)
    for folder, group in sorted(groups.items()):
        loaded = sum(f.rows_loaded for f in group)
        rejected_rows = sum(f.rows_rejected for f in group)
        lines.append(_file_line(LOADED, loaded, rejected_rows, f"{folder} ({len(group):,} files)"))
    lines += [
        _file_line(f.status, f.rows_loaded, f.rows_rejected, f.source_file, f.reason)
        for f in ordered
        if f.status != LOADED
    ]
    return lines
