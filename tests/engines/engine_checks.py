"""What the engine tests run and assert: the pipeline with dbt on another engine, as a user runs
it, and its kpi_* marts against DuckDB's."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration import config
from orchestration.config import PROJECT_ROOT, warehouse_environment
from orchestration.demo.next_day import generate_next_day
from orchestration.engines.compare import compare_marts, duckdb_rows
from orchestration.engines.targets import TARGET_ENV

Results = dict[str, list[str]]  # kpi mart -> its differences (none: identical)


def assert_build_passed(output: str) -> None:
    assert "ERROR=0" in output and "WARN=0" in output, output[-2000:]


def assert_every_kpi_mart_identical(results: Results) -> list[str]:
    """Every mart the project defines (not only those DuckDB happens to hold) was compared and
    none differs; returns their names. A mart the other engine did not build differs."""
    defined = sorted(path.stem for path in (config.PROJECT_ROOT / "models/marts/kpi").glob("kpi_*.sql"))
    assert sorted(results) == defined
    assert {mart: lines for mart, lines in results.items() if lines} == {}
    return defined


def run_cli(command: str, env: dict[str, str]) -> str:
    """`python -m orchestration.cli <command>`: its console output followed by its run's full log."""
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", command],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"cli {command} exited {done.returncode}:\n{output[-4000:]}"
    log = re.search(r"Full log of this run: (\S+)", output)
    assert log, output[-3000:]
    return output + Path(log[1]).read_text()


@dataclass
class EnginePipeline:
    """`cli run`, a next-day drop, then `cli daily`, with dbt on an engine; each compared with
    DuckDB's build of the same files (`compare(duckdb warehouse) -> Results`)."""

    env: dict[str, str]
    full_output: str
    full_results: Results
    serving_results: Results  # the published serving file's marts against DuckDB's
    staging_in_duckdb: int  # staging tables dbt built in the DuckDB file (none: it built elsewhere)
    daily_output: str
    daily_results: Results
    after_full: object  # what `observe()` saw after the full run (engine-specific)
    after_daily: object


def _serving_results(reference: Path, serving: Path) -> Results:
    with duckdb.connect(str(serving), read_only=True) as published:
        return compare_marts(reference, lambda mart, _columns: duckdb_rows(published, f"main.{mart}"))


def run_engine_pipeline(
    demo_warehouse,
    root: Path,
    engine: str,
    engine_env: dict[str, str],
    compare: Callable[[Path], Results],
    observe: Callable[[], object] = lambda: None,
) -> EnginePipeline:
    """The session's demo landing copied under `root`, the pipeline run on `engine`; the DuckDB
    reference of the daily run is the session's DuckDB build copied, then its own daily job."""
    landing = root / "landing"
    shutil.copytree(demo_warehouse.landing, landing)  # keeps modification times: same landing order
    env = {**os.environ, **engine_env, TARGET_ENV: engine, **warehouse_environment(root / engine, landing)}
    full_output = run_cli("run", env)
    with duckdb.connect(env["SALES_WAREHOUSE_PATH"], read_only=True) as con:
        staging_in_duckdb = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'staging'"
        ).fetchone()[0]
    full_results = compare(demo_warehouse.database)
    serving_results = _serving_results(demo_warehouse.database, Path(env["SALES_SERVING_PATH"]))
    after_full = observe()

    generate_next_day(landing, seed=42)
    daily_output = run_cli("daily", env)
    reference_env = {**os.environ, **warehouse_environment(root / "duckdb", landing)}
    reference_env.pop(TARGET_ENV, None)
    Path(reference_env["SALES_WAREHOUSE_PATH"]).parent.mkdir(parents=True)
    shutil.copy(demo_warehouse.database, reference_env["SALES_WAREHOUSE_PATH"])
    run_cli("daily", reference_env)
    return EnginePipeline(
        env=env,
        full_output=full_output,
        full_results=full_results,
        serving_results=serving_results,
        staging_in_duckdb=staging_in_duckdb,
        daily_output=daily_output,
        daily_results=compare(Path(reference_env["SALES_WAREHOUSE_PATH"])),
        after_full=after_full,
        after_daily=observe(),
    )


def handed_over_rows(output: str, engine_name: str) -> int:
    """The rows the run's hand-off copied, from its log line."""
    found = re.search(rf"raw tables handed over to {engine_name}.*?: ([\d,]+) rows copied", output)
    assert found, output[-3000:]
    return int(found[1].replace(",", ""))
