"""One pipeline run as a user starts it (`python -m orchestration.cli run` or `daily`), measured
from outside, split into stages by the run's own step events.

Stages (steps by name): ingestion (`raw__*`), dbt build (`dbt*`), checks (`quality_*`), publish
(`serving__*`); any other step is `other`. Per stage: wall time (its steps' durations), CPU time
and peak resident memory of the pipeline's process and of its children (dbt) over its steps'
windows, rows per second (the raw rows this run loaded over the stage's wall time). In total:
the command's wall and CPU time (process start to exit: settings check, `dbt parse`, the run,
the summary), the Dagster run's own wall time, and each process's peak.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from benchmarks.figures import cpu_between, peaks_between, rows_per_second
from benchmarks.process_tree import MeasuredRun, run_measured

STAGES = ("ingestion", "dbt build", "checks", "publish")
_STEP_PREFIXES = (
    ("raw__", "ingestion"),
    ("dbt", "dbt build"),
    ("quality_", "checks"),
    ("serving__", "publish"),
)


def stage_of(step_key: str) -> str:
    return next((stage for prefix, stage in _STEP_PREFIXES if step_key.startswith(prefix)), "other")


def run_step_windows(instance, run_id: str) -> list[tuple[str, float, float]]:
    """[(step key, start, end)] in epoch seconds, from the run's step events."""
    started: dict[str, float] = {}
    windows: list[tuple[str, float, float]] = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
            windows.append((event.step_key, started.pop(event.step_key), entry.timestamp))
    return windows


def step_windows(dagster_home: Path) -> tuple[dict, list[tuple[str, float, float]]]:
    """The newest run of the instance: (run facts, its `run_step_windows`)."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        record = instance.get_run_records(limit=1)[0]
        run = record.dagster_run
        windows = run_step_windows(instance, run.run_id)
        facts = {
            "run_id": run.run_id,
            "job": run.job_name,
            "status": run.status.value,
            "run_wall_s": (record.end_time or 0) - (record.start_time or 0),
        }
    return facts, windows


def rows_loaded_since(warehouse: Path, since: float) -> tuple[int, int]:
    """(records read, bytes) of the files the loader dealt with since `since` (epoch seconds)."""
    moment = datetime.fromtimestamp(since, UTC).replace(tzinfo=None)  # loaded_at is naive UTC
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows, size = con.execute(
            "select coalesce(sum(records_read), 0), coalesce(sum(file_size), 0) "
            "from raw.load_manifest where loaded_at >= ?",
            [moment],
        ).fetchone()
    return int(rows), int(size)


def stage_figures(measured: MeasuredRun, windows: list[tuple[str, float, float]], rows: int) -> dict:
    """Per stage (in STAGES order, then `other` if any): see the module's doc."""
    stages: dict[str, dict] = {}
    for key, start, end in windows:
        figures = stages.setdefault(
            stage_of(key),
            {"steps": 0, "wall_s": 0.0, "cpu_s": 0.0, "peak_rss_mb": 0.0, "children_peak_rss_mb": 0.0},
        )
        figures["steps"] += 1
        figures["wall_s"] += end - start
        figures["cpu_s"] += cpu_between(measured.samples, start, end) or 0.0
        root, children = peaks_between(measured.samples, start, end) or (0.0, 0.0)
        figures["peak_rss_mb"] = max(figures["peak_rss_mb"], root)
        figures["children_peak_rss_mb"] = max(figures["children_peak_rss_mb"], children)
    for figures in stages.values():
        figures["rows_per_s"] = rows_per_second(rows, figures["wall_s"])
    order = [*STAGES, "other"]
    return {name: stages[name] for name in sorted(stages, key=order.index)}


def run_pipeline(command: str, env: dict[str, str], cwd: Path, log: Path, required: bool = True) -> dict:
    """`python -m orchestration.cli <command>` measured. A failed run raises when `required`
    (nothing after it can be measured), else its figures say `succeeded: false` and why."""
    measured = run_measured([sys.executable, "-m", "orchestration.cli", command], env, cwd, log)
    failure = None
    if measured.returncode != 0:
        tail = log.read_text()[-3000:]
        failure = f"`cli {command}` exited {measured.returncode} (log {log}):\n{tail}"
        if required:
            raise RuntimeError(failure)
    facts, windows = step_windows(Path(env["DAGSTER_HOME"]))
    rows, size = rows_loaded_since(Path(env["SALES_WAREHOUSE_PATH"]), measured.started_at)
    largest = measured.children[0] if measured.children else None
    return {
        **facts,
        "command": f"python -m orchestration.cli {command}",
        "succeeded": failure is None,
        "failure": failure,
        "rows_loaded": rows,
        "bytes_loaded": size,
        "stages": stage_figures(measured, windows, rows),
        "total": {
            "wall_s": measured.wall_s,
            "cpu_s": measured.cpu_s,
            "rows_per_s": rows_per_second(rows, measured.wall_s),
            "peak_rss_mb": measured.root.peak_rss_mb,
            "children_peak_rss_mb": measured.children_peak_rss_mb,
            "largest_child": largest.command if largest else None,
        },
        "log": str(log),
    }
