"""`python -m orchestration.cli <command>`: the README's commands.

- `run`: generate demo data when the landing folder is empty, then the full-refresh job
  (ingestion then dbt build) and a summary of the warehouse (`make run`).
- `daily`: the daily job (new landing files in, everything downstream rebuilt), for cron or CI
  (`make daily`). Exit status 1 when the run fails, with the failing step and reason on stderr.
- `ui`: the Dagster UI and daemon (`dg dev`, code location `sales_warehouse`) on 127.0.0.1
  (`make ui`).

Every command first checks every setting (`orchestration/settings.py`): each problem is one
`configuration error: VARIABLE=value: why` line on stderr and the command exits 2 before any
work (no demo data, no dbt parse, no Dagster). It then writes dbt's manifest (`dbt parse`) and
makes sure DAGSTER_HOME holds a `dagster.yaml` with the writer pool's limit, so runs from the
shell, the schedule, the sensor and the UI queue on the DuckDB file instead of failing on its
lock. It then fails the runs whose process died (kill -9, out of memory, reboot) and frees their
pool slots, one line per run (`automation/recovery.py`); while a step of its run waits for the
writer slot, it says which run holds it.

`run` and `daily` print one line per step and a summary (checks, publication, how each landed
file of the run fared, the run's log file); the log file `<warehouse stem>.logs/<run id>.log`
holds every Dagster event and dbt line; `-v` prints those on the console too
(`orchestration/console.py`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration import config
from orchestration.engines.targets import dbt_target, dbt_target_path

if TYPE_CHECKING:
    from dagster import AssetKey


# Seconds (one attempt per second) the summary waits for a warehouse another run is writing.
LANDED_FILES_READ_ATTEMPTS = 10


def prepare_manifest() -> None:
    """`dbt parse` writes the manifest the dbt assets need when definitions load, in the dbt
    target's folder (target/manifest.json for DuckDB; docs/engines.md). `--target` as the builds
    pass it (dagster-dbt does): dbt keys its saved parse on the command line's target, and a
    build whose target differs from the parse's re-parses the whole project (~5 s of each run)."""
    os.environ.setdefault("SALES_WAREHOUSE_PATH", str(config.warehouse_path()))
    subprocess.run(
        [
            Path(sys.executable).with_name("dbt"),
            "parse",
            "--quiet",
            "--project-dir",
            config.PROJECT_ROOT,
            "--profiles-dir",
            config.PROJECT_ROOT / "profiles",
            "--target-path",
            dbt_target_path(),
            "--target",
            dbt_target(),
        ],
        check=True,
    )


def _prepare() -> Path:
    """The manifest, the warehouse's folder and DAGSTER_HOME with its dagster.yaml."""
    from orchestration.automation.instance import ensure_dagster_home

    config.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    prepare_manifest()
    return ensure_dagster_home()


def execute_job(
    job_name: str,
    run_config: dict[str, Any],
    tags: dict[str, str] | None = None,
    asset_selection: Sequence[AssetKey] | None = None,
    verbose: bool = False,
) -> bool:
    """Run a job (or the `asset_selection` subset of it) in this process against the
    DAGSTER_HOME instance, so the writer pool applies and the run shows in the UI; then print
    the run's summary (checks, publication, landed files, the failing steps and reasons when it
    failed, the log file). The console shows one line per step, its log file everything
    (`orchestration/console.py`); with `verbose`, the console shows everything too."""
    import dagster as dg

    from orchestration.automation.recovery import PoolWaitReporter, owner_tags
    from orchestration.console import RunConsole, run_log_path
    from orchestration.definitions import defs

    # The run id is chosen here so the reporter can watch the run's steps in the pool and the
    # log file can be named after it; the owner tags let a later start tell whether this
    # process is still running it.
    run_id = str(uuid.uuid4())
    with RunConsole(run_log_path(config.warehouse_path(), run_id), verbose=verbose) as console:
        with dg.DagsterInstance.get() as instance:
            recover_dead_runs(instance, write=console.say)
            console.watch(instance, run_id)
            if not verbose:
                console.say(f"Run {run_id} of job {job_name} (full log: {console.log_path or 'none'})")
            with PoolWaitReporter(instance, run_id, write=console.say), console.capturing():
                result = console.job(defs.resolve_job_def(job_name)).execute_in_process(
                    instance=instance,
                    raise_on_error=False,
                    run_config={**run_config, **console.run_config()},
                    run_id=run_id,
                    tags={"sales/trigger": "cli", **owner_tags(), **(tags or {})},
                    asset_selection=asset_selection,
                )
            seconds = _run_seconds(instance, run_id)
            landed = _landed_files(instance, result)
        _print_summary(console, job_name, result, seconds, landed)
    return result.success


def _run_seconds(instance: Any, run_id: str) -> float | None:
    record = instance.get_run_record_by_id(run_id)
    if record is None or record.start_time is None or record.end_time is None:
        return None
    return record.end_time - record.start_time


def _landed_files(instance: Any, result: Any) -> list[str] | None:
    """The summary's lines on the files of this run; None when no ingestion step ran."""
    import duckdb

    from orchestration.landed_files import (
        files_loaded_before,
        format_landed_files,
        ingestion_windows,
        read_landed_files,
    )
    from orchestration.resources import is_lock_error

    windows = ingestion_windows(instance, result.run_id)
    if not windows:  # no ingestion step ran (a run of dbt assets only, or one that failed first)
        return None
    # Another run may be writing the warehouse now (DuckDB: one writer, no reader beside it).
    for attempt in range(LANDED_FILES_READ_ATTEMPTS):
        try:
            files = read_landed_files(config.warehouse_path(), windows)
            return format_landed_files(files, files_loaded_before(result))
        except duckdb.Error as exc:
            if not is_lock_error(str(exc)):
                return [f"Landed files of this run: cannot read the load manifest ({_first_line(str(exc))})."]
            if attempt + 1 < LANDED_FILES_READ_ATTEMPTS:
                time.sleep(1)
    return [
        "Landed files of this run: not listed, another run is writing the warehouse now "
        "(the run's log file has a line per file)."
    ]


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _print_summary(
    console: Any, job_name: str, result: Any, seconds: float | None, landed: list[str] | None
) -> None:
    import dagster as dg

    from orchestration.automation.reporting import format_check_summary, format_run_failure
    from orchestration.quality.settings import quality_settings
    from orchestration.serving.report import serving_summary

    evaluations = result.get_asset_check_evaluations()
    if evaluations:
        docs = quality_settings().docs_index
        console.print(format_check_summary(evaluations, str(docs) if docs.exists() else None))
    if console.ungated_checks:
        console.print(
            f"{console.ungated_checks} blocking check(s) gave no result: they check tables this run "
            "did not rebuild (a daily run checks what changed); the log file names each."
        )
    console.print(serving_summary(result, config.serving_path(), seconds))
    if landed:
        console.print("\n".join(landed))
    if result.success:
        took = f" in {seconds:.0f} s" if seconds is not None else ""
        console.print(f"Run {result.run_id} of job {job_name} succeeded{took}.")
    else:
        failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE]
        console.print(
            format_run_failure(
                job_name,
                result.run_id,
                result.get_step_failure_events(),
                failures[0].message if failures else None,
            ),
            error=True,
        )
    if console.log_path is not None:
        console.print(f"Full log of this run: {console.log_path}")


def recover_dead_runs(instance: Any, write: Callable[[str], None] | None = None) -> None:
    """Fail the runs whose process died (kill -9, out of memory, reboot) and free their writer
    pool slots, one line each (to `write`, default stdout): otherwise this run would wait for
    those slots forever."""
    from orchestration.automation.recovery import recover_crashed_runs

    write = write or (lambda line: print(line, flush=True))
    try:
        recovered = recover_crashed_runs(instance)
    except Exception as exc:  # the run may still go through: say why it might wait
        print(f"warning: could not check for runs whose process died: {exc}", file=sys.stderr, flush=True)
        return
    for run in recovered:
        write(run.line())


def check_settings(purpose: str) -> bool:
    """Print every problem of the settings for `purpose` (a command) to stderr; False on an error."""
    from orchestration.settings import Purpose
    from orchestration.settings import check_settings as check

    result = check(Purpose(purpose))
    for line in result.lines():
        print(line, file=sys.stderr, flush=True)
    return result.ok


def run(seed: int, verbose: bool = False) -> int:
    from orchestration.settings import has_data_file

    landing = config.landing_dir()
    # The settings check let an empty landing folder through only on the default (demo) path.
    if not landing.is_dir() or not has_data_file(landing):
        from orchestration.demo.generator import generate_landing

        print(f"Landing folder {landing} is empty: generating demo data (seed {seed})...", flush=True)
        started = time.perf_counter()
        # tqdm's bar on stderr in a terminal only (a log gets no carriage-return line).
        report = generate_landing(landing, seed=seed)
        rows = sum(report.rows.values())
        print(
            f"Demo data: {len(report.files)} files, {rows:,} rows in {time.perf_counter() - started:.1f} s.",
            flush=True,
        )
    _prepare()

    from orchestration.jobs import FULL_REFRESH_JOB, dbt_run_config
    from orchestration.summary import warehouse_summary

    succeeded = execute_job(FULL_REFRESH_JOB, dbt_run_config(full_refresh=True), verbose=verbose)
    print()
    print(warehouse_summary(config.warehouse_path()))
    return 0 if succeeded else 1


def daily(summary: bool, verbose: bool = False) -> int:
    _prepare()

    from orchestration.jobs import DAILY_JOB, daily_run_config

    succeeded = execute_job(DAILY_JOB, daily_run_config(), verbose=verbose)
    if summary:
        from orchestration.summary import warehouse_summary

        print()
        print(warehouse_summary(config.warehouse_path()))
    return 0 if succeeded else 1


def ui_command(host: str, port: int) -> list[str]:
    """`dg dev` on the dg project of pyproject.toml (`[tool.dg]`: code location `sales_warehouse`,
    definitions in orchestration.definitions); `dagster dev` is superseded by it."""
    dg_cli = Path(sys.executable).with_name("dg")
    return [str(dg_cli), "dev", "--target-path", str(config.PROJECT_ROOT), "-h", host, "-p", str(port)]


def ui(host: str, port: int) -> int:
    """Replace this process with `dg dev` (Ctrl-C stops it and its children)."""
    home = _prepare()
    os.environ.setdefault("SALES_LANDING_DIR", str(config.landing_dir()))
    # As if the venv were activated: dg warns when the active venv is not the project's .venv.
    if sys.prefix != sys.base_prefix:
        os.environ["VIRTUAL_ENV"] = sys.prefix
    import dagster as dg

    with dg.DagsterInstance.get() as instance:  # runs of a previous `dg dev` or CLI that died
        recover_dead_runs(instance)
    command = ui_command(host, port)
    print(f"Dagster UI on http://{host}:{port} (DAGSTER_HOME={home})", flush=True)
    os.chdir(config.PROJECT_ROOT)
    os.execv(command[0], command)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.cli",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="load the landing folder (demo data if empty) and build dbt")
    run_parser.add_argument("--seed", type=int, default=42, help="demo data seed (default 42)")
    daily_parser = commands.add_parser("daily", help="the daily job: new landing files in, KPIs rebuilt")
    daily_parser.add_argument(
        "--summary", action="store_true", help="print the warehouse summary after the run (reads the file)"
    )
    ui_parser = commands.add_parser("ui", help="the Dagster UI (dg dev) on 127.0.0.1")
    ui_parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    ui_parser.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    for command_parser in (run_parser, daily_parser):
        command_parser.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            help="the full stream on the console (every Dagster event and dbt line), not a line per step",
        )
    args = parser.parse_args(argv)
    if not check_settings(args.command):
        return 2
    if args.command == "run":
        return run(args.seed, verbose=args.verbose)
    if args.command == "daily":
        return daily(summary=args.summary, verbose=args.verbose)
    return ui(args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
