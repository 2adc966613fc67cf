"""How long the data-quality checks and the publish step take, as shares of the whole build.

    python -m benchmarks.quality --size demo
    python -m benchmarks.quality --size 20000000 --landing /tmp/scale20m/landing

Generates the landing folder (demo generator; not timed) unless `--landing` names one, then
runs the whole build once in-process on a fresh warehouse: every ingestion asset, the raw
checks, `dbt build` (models, seeds and dbt's own tests), the staging and mart checks, and the
publish step (the serving file BI reads). The shares are the time of the three quality steps,
and of the publish step, over the run's wall time, all measured in this run.
Prints the step times, the share, the GX validation time proper and this process's peak memory.

With `--daily`, then writes the next day's drop (the demo generator's, into a hard-linked copy
of the landing folder) and runs the daily job on two copies of the built warehouse, the same new
files each: once with the checks' daily scope (`new`: the rows loaded, the tables rebuilt) and
once validating everything (`all`, what a daily run did before), and prints each run's check
steps against its wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.pipeline import run_step_windows
from orchestration.demo.__main__ import _size  # the generator's own --size
from orchestration.demo.generator import DEMO_ACTIVITY_ROWS

_QUALITY_STEP_PREFIX = "quality_"
_SLOWEST_SHOWN = 6


def _step_seconds(instance, run_id: str) -> dict[str, float]:
    """Wall time of each step, from its start to its success or failure event."""
    seconds: dict[str, float] = defaultdict(float)
    for key, start, end in run_step_windows(instance, run_id):
        seconds[key] += end - start
    return dict(seconds)


def _suite_seconds(result) -> dict[str, float]:
    """Seconds GX spent validating each suite (its own timing, from the check metadata)."""
    seconds = {}
    for evaluation in result.get_asset_check_evaluations():
        value = evaluation.metadata.get("validation_seconds")
        name = f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
        seconds[name] = float(value.value) if value is not None else 0.0
    return seconds


def _daily_runs(workdir: Path, landing: Path, warehouse: Path) -> None:
    """The daily job after one next-day drop, with the checks scoped `new` and `all`."""
    import dagster as dg

    from orchestration.definitions import build_definitions
    from orchestration.demo.next_day import generate_next_day
    from orchestration.jobs import DAILY_JOB, daily_run_config

    daily_landing = workdir / "landing_daily"
    shutil.rmtree(daily_landing, ignore_errors=True)
    shutil.copytree(landing, daily_landing, copy_function=os.link)  # same files, same mtimes
    generate_next_day(daily_landing, progress=False)
    os.environ["SALES_LANDING_DIR"] = str(daily_landing)
    print()
    print("daily run after one next-day drop (same files, copies of the built warehouse):")
    for scope in ("new", "all"):
        copy = workdir / f"daily_{scope}.duckdb"
        shutil.copy2(warehouse, copy)
        os.environ["SALES_WAREHOUSE_PATH"] = str(copy)
        os.environ["SALES_SERVING_PATH"] = str(workdir / f"serving_{scope}" / "warehouse.duckdb")
        config = daily_run_config()
        for step in config["ops"].values():
            if "scope" in step["config"]:
                step["config"]["scope"] = scope
        job = build_definitions().resolve_job_def(DAILY_JOB)  # resources from the variables above
        with dg.DagsterInstance.ephemeral() as instance:
            started = time.perf_counter()
            result = job.execute_in_process(run_config=config, instance=instance, raise_on_error=False)
            total = time.perf_counter() - started
            steps = _step_seconds(instance, result.run_id)
        quality = {k: v for k, v in sorted(steps.items()) if k.startswith(_QUALITY_STEP_PREFIX)}
        checks = sum(quality.values())
        evaluated = len(result.get_asset_check_evaluations())
        print(
            f"  scope {scope:<4} succeeded {str(result.success):<5} wall {total:>7.1f} s  "
            f"checks {checks:>6.1f} s = {checks / total:.1%}  ({evaluated} checks evaluated; "
            + ", ".join(f"{k} {v:.1f} s" for k, v in quality.items())
            + ")"
        )


def run(activity_rows: int, workdir: Path, landing: Path | None, daily: bool = False) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    if landing is None:
        landing = workdir / "landing"
        if not landing.exists():
            from orchestration.demo.generator import generate_landing

            print(f"generating {activity_rows:,} activity rows into {landing} (not timed) ...", flush=True)
            generate_landing(landing, seed=42, activity_rows=activity_rows, progress=False)
    warehouse = workdir / "warehouse.duckdb"
    for stale in (warehouse, workdir / "warehouse.duckdb.wal"):
        stale.unlink(missing_ok=True)
    shutil.rmtree(workdir / "quality", ignore_errors=True)
    os.environ["SALES_LANDING_DIR"] = str(landing)
    os.environ["SALES_WAREHOUSE_PATH"] = str(warehouse)
    os.environ["SALES_QUALITY_DIR"] = str(workdir / "quality")
    os.environ["SALES_SERVING_PATH"] = str(workdir / "serving" / "warehouse.duckdb")
    shutil.rmtree(workdir / "serving", ignore_errors=True)

    from orchestration.cli import prepare_manifest

    prepare_manifest()

    import dagster as dg

    from orchestration.ingestion.assets import ingestion_assets
    from orchestration.quality.checks import quality_checks
    from orchestration.resources import warehouse_from_environment
    from orchestration.serving.assets import serving_warehouse
    from orchestration.transformation.assets import dbt_warehouse_models
    from orchestration.transformation.project import dbt_resource

    print(f"building {warehouse} from {landing} ...", flush=True)
    with dg.DagsterInstance.ephemeral() as instance:
        started = time.perf_counter()
        result = dg.materialize(
            [*ingestion_assets, dbt_warehouse_models, serving_warehouse, *quality_checks],
            resources={"warehouse": warehouse_from_environment(), "dbt": dbt_resource()},
            instance=instance,
            raise_on_error=False,
        )
        total = time.perf_counter() - started
        steps = _step_seconds(instance, result.run_id)

    quality = {k: v for k, v in steps.items() if k.startswith(_QUALITY_STEP_PREFIX)}
    ingestion = sum(v for k, v in steps.items() if k.startswith("raw"))
    dbt = sum(v for k, v in steps.items() if "dbt" in k)
    validation = sum(quality.values())
    publishing = steps.get(serving_warehouse.node_def.name, 0.0)
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print()
    print(f"activity rows            {activity_rows:>14,}")
    print(f"run succeeded            {str(result.success):>14}")
    print(f"full build (wall)        {total:>12.1f} s")
    print(f"  ingestion steps        {ingestion:>12.1f} s")
    print(f"  dbt build step         {dbt:>12.1f} s  (models, seeds and dbt tests)")
    for key, seconds in sorted(quality.items()):
        print(f"  {key:<22} {seconds:>12.1f} s")
    print(f"validation (3 steps)     {validation:>12.1f} s  = {validation / total:.1%} of the full build")
    suites = _suite_seconds(result)
    print(f"  GX validation proper   {sum(suites.values()):>12.1f} s  (suites' own timings; slowest:)")
    for name, seconds in sorted(suites.items(), key=lambda item: -item[1])[:_SLOWEST_SHOWN]:
        print(f"    {name:<56} {seconds:>6.1f} s")
    print(f"publish step             {publishing:>12.1f} s  = {publishing / total:.1%} of the full build")
    print(f"checks failed            {len(failed):>14}")
    print(
        f"peak RSS                 {peak_mb:>11.0f} MB  (this process; dbt subprocess {children_mb:.0f} MB)"
    )
    print(f"Data Docs                {workdir / 'quality' / 'data_docs' / 'index.html'}")
    if daily and result.success:
        _daily_runs(workdir, landing, warehouse)
    return 0 if result.success else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=_size, default=DEMO_ACTIVITY_ROWS, help="'demo' or activity rows")
    parser.add_argument("--landing", type=Path, help="an existing landing folder (else one is generated)")
    parser.add_argument("--workdir", type=Path, help="where the warehouse goes (default: a temp folder)")
    parser.add_argument("--daily", action="store_true", help="then a daily run's checks: scope new vs all")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="quality_bench_"))
    return run(args.size, workdir, args.landing, daily=args.daily)


if __name__ == "__main__":
    sys.exit(main())
