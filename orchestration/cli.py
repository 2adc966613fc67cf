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
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration import config
from orchestration.engines.targets import dbt_target_path

if TYPE_CHECKING:
    from dagster import AssetKey

# INFO keeps the console to one line per file loaded and per dbt node.
_CONSOLE_INFO = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def prepare_manifest() -> None:
    """`dbt parse` writes the manifest the dbt assets need when definitions load, in the dbt
    target's folder (target/manifest.json for DuckDB; docs/engines.md)."""
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
) -> bool:
    """Run a job (or the `asset_selection` subset of it) in this process against the
    DAGSTER_HOME instance, so the writer pool applies and the run shows in the UI; print the
    failing steps and reasons when it fails."""
    import dagster as dg

    from orchestration.automation.recovery import PoolWaitReporter, owner_tags
    from orchestration.automation.reporting import format_run_failure
    from orchestration.definitions import defs

    with dg.DagsterInstance.get() as instance:
        recover_dead_runs(instance)
        # The run id is chosen here so the reporter can watch the run's steps in the pool; the
        # owner tags let a later start tell whether this process is still running it.
        run_id = str(uuid.uuid4())
        with PoolWaitReporter(instance, run_id):
            result = defs.resolve_job_def(job_name).execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config={**run_config, **_CONSOLE_INFO},
                run_id=run_id,
                tags={"sales/trigger": "cli", **owner_tags(), **(tags or {})},
                asset_selection=asset_selection,
            )
    _print_check_summary(result.get_asset_check_evaluations())
    from orchestration.serving.report import serving_summary

    print(serving_summary(result, config.serving_path()))
    if result.success:
        print(f"Run {result.run_id} of job {job_name} succeeded.")
        return True
    failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE]
    run_failure = failures[0] if failures else None
    print(
        format_run_failure(
            job_name,
            result.run_id,
            result.get_step_failure_events(),
            run_failure.message if run_failure else None,
        ),
        file=sys.stderr,
    )
    return False


def recover_dead_runs(instance: Any) -> None:
    """Fail the runs whose process died (kill -9, out of memory, reboot) and free their writer
    pool slots, one line each: otherwise this run would wait for those slots forever."""
    from orchestration.automation.recovery import recover_crashed_runs

    try:
        recovered = recover_crashed_runs(instance)
    except Exception as exc:  # the run may still go through: say why it might wait
        print(f"warning: could not check for runs whose process died: {exc}", file=sys.stderr)
        return
    for run in recovered:
        print(run.line(), flush=True)


def _print_check_summary(evaluations: Sequence[Any]) -> None:
    """The run's asset checks (dbt tests and Great Expectations suites) in a few lines."""
    from orchestration.automation.reporting import format_check_summary
    from orchestration.quality.settings import quality_settings

    if evaluations:
        docs = quality_settings().docs_index
        print(format_check_summary(evaluations, str(docs) if docs.exists() else None))


def check_settings(purpose: str) -> bool:
    """Print every problem of the settings for `purpose` (a command) to stderr; False on an error."""
    from orchestration.settings import Purpose
    from orchestration.settings import check_settings as check

    result = check(Purpose(purpose))
    for line in result.lines():
        print(line, file=sys.stderr, flush=True)
    return result.ok


def run(seed: int) -> int:
    from orchestration.settings import has_data_file

    landing = config.landing_dir()
    # The settings check let an empty landing folder through only on the default (demo) path.
    if not landing.is_dir() or not has_data_file(landing):
        from orchestration.demo.generator import generate_landing

        print(f"Landing folder {landing} is empty: generating demo data (seed {seed})...")
        generate_landing(landing, seed=seed)
    _prepare()

    from orchestration.jobs import FULL_REFRESH_JOB, dbt_run_config
    from orchestration.summary import warehouse_summary

    succeeded = execute_job(FULL_REFRESH_JOB, dbt_run_config(full_refresh=True))
    print()
    print(warehouse_summary(config.warehouse_path()))
    return 0 if succeeded else 1


def daily(summary: bool) -> int:
    _prepare()

    from orchestration.jobs import DAILY_JOB, daily_run_config

    succeeded = execute_job(DAILY_JOB, daily_run_config())
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
    args = parser.parse_args(argv)
    if not check_settings(args.command):
        return 2
    if args.command == "run":
        return run(args.seed)
    if args.command == "daily":
        return daily(summary=args.summary)
    return ui(args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
