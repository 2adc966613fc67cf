"""Measure, on demo data, how long a landed file takes to reach the KPIs through the landing
sensor, and how long the definitions take to load.

    .venv/bin/python -m benchmarks.latency [--workdir DIR] [--port PORT]

Everything happens in a temporary folder (landing, warehouse, DAGSTER_HOME), as in production:
the demo extract is generated and loaded by the full-refresh job, `dagster dev` runs the
daemon (sensor ticks, run queue, run workers), then the next day's demo files land and the
script waits for the sensor's run to rebuild the KPI marts. It prints each stage's time.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

DEFINITIONS_LOAD = "import time; t = time.time(); import orchestration.definitions; print(time.time() - t)"


def definitions_load_seconds(repeat: int = 3) -> list[float]:
    """The brief's command, each time in a fresh interpreter (no module cache)."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", DEFINITIONS_LOAD], capture_output=True, text=True, check=True
        )
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return runs


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%H:%M:%S.%f")[:-3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workdir", type=Path, help="folder for landing, warehouse, DAGSTER_HOME (default: temp)"
    )
    parser.add_argument("--port", type=int, default=0, help="port of dagster dev (default: a free one)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sales-latency-"))
    landing, warehouse, home = workdir / "landing", workdir / "warehouse.duckdb", workdir / "dagster_home"
    os.environ.update(
        SALES_LANDING_DIR=str(landing), SALES_WAREHOUSE_PATH=str(warehouse), DAGSTER_HOME=str(home)
    )
    from orchestration import cli
    from orchestration.automation.sensors import LANDING_SENSOR_NAME, sensor_interval_seconds
    from orchestration.demo.generator import generate_landing
    from orchestration.demo.next_day import generate_next_day
    from orchestration.jobs import FULL_REFRESH_JOB, dbt_run_config

    print(f"work folder {workdir}")
    loads = definitions_load_seconds()
    generate_landing(landing, seed=42, progress=False)
    cli._prepare()  # dbt parse with this warehouse path, DAGSTER_HOME with the template dagster.yaml
    started = time.monotonic()
    if not cli.execute_job(FULL_REFRESH_JOB, dbt_run_config(full_refresh=True)):
        return 1
    full_refresh = time.monotonic() - started

    import dagster as dg

    port = args.port or _free_port()
    log_path = workdir / "dagster_dev.log"
    with log_path.open("w") as log:
        ui = subprocess.Popen(
            ["env", "--default-signal=INT", *cli.ui_command("127.0.0.1", port)],
            cwd=Path(cli.config.PROJECT_ROOT),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait(
            lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).status == 200,
            300,
            "the UI",
        )
        _wait(lambda: f"Sensor {LANDING_SENSOR_NAME} skipped" in log_path.read_text(), 120, "a first tick")

        report = generate_next_day(landing, seed=42)
        landed_at = max((landing / name).stat().st_mtime for name in report.files)
        print(f"next day landed: {len(report.files)} files at {_stamp(landed_at)}")

        with dg.DagsterInstance.get() as instance:
            run_filter = dg.RunsFilter(tags={"sales/trigger": LANDING_SENSOR_NAME})

            def finished() -> bool:
                records = instance.get_run_records(run_filter)
                return bool(records) and records[0].dagster_run.is_finished

            _wait(finished, 900, "the sensor's run")
            record = instance.get_run_records(run_filter)[0]
            run = record.dagster_run
            kpis = [
                entry
                for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
                if entry.asset_materialization.asset_key.path[-1].startswith("kpi_")
            ]
        print(f"run {run.run_id} ({run.status.value}), {len(run.asset_selection or [])} assets selected")
        if run.status != dg.DagsterRunStatus.SUCCESS or not kpis:
            print(f"the run did not rebuild the KPIs: see {log_path}")
            return 1
        created, begun, ended = record.create_timestamp.timestamp(), record.start_time, record.end_time
        kpis_done = max(entry.timestamp for entry in kpis)
        interval = sensor_interval_seconds()
        print()
        print(
            f"definitions load (fresh interpreter, x{len(loads)}): "
            f"{', '.join(f'{s:.1f}' for s in loads)} s; median {statistics.median(loads):.1f} s"
        )
        print(f"demo full refresh (in-process):       {full_refresh:6.1f} s")
        print(
            f"file landed -> sensor requested run:  {created - landed_at:6.1f} s "
            f"(sensor every {interval} s; a file is taken once unchanged for one interval)"
        )
        print(f"run requested -> run started:         {begun - created:6.1f} s (queue, run worker start-up)")
        print(f"run started -> last KPI rebuilt:      {kpis_done - begun:6.1f} s ({len(kpis)} kpi_* marts)")
        print(f"file landed -> KPIs rebuilt:          {kpis_done - landed_at:6.1f} s")
        print(f"run finished (checks included):       {ended - landed_at:6.1f} s after landing")
        return 0
    finally:
        ui.send_signal(signal.SIGTERM)
        try:
            ui.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(ui.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
