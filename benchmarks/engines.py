"""Build time per engine on the same raw data (docs/engines.md): `dbt build --full-refresh` on
DuckDB, then the raw hand-off and the same build on a throwaway local PostgreSQL server (and on
a local Spark session with --spark), each engine's kpi_* marts compared with DuckDB's.

    python -m benchmarks.engines                       # the demo data (300,000 activity rows)
    python -m benchmarks.engines --landing DIR --spark # a landing folder written before, e.g. by
                                                       # python -m orchestration.demo --size 5000000

The landing files are loaded into DuckDB's raw schema by the pipeline's own ingestion assets
(not timed here: benchmarks.ingestion measures them). Wall-clock seconds of each step print as
they finish; on a shared machine, compare figures of one run only.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

from orchestration.config import warehouse_environment
from orchestration.engines.compare import compare_with_postgres, compare_with_spark
from orchestration.engines.dbt_command import run_dbt
from orchestration.engines.handoff import SPARK_DIR_ENV, handoff_to_postgres, handoff_to_spark
from orchestration.engines.local_postgres import local_postgres
from orchestration.engines.targets import DUCKDB, POSTGRES, SPARK

T = TypeVar("T")


def timed(label: str, step: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    print(f"  {label:<40} {seconds:8.1f} s", flush=True)
    return result, seconds


def load_raw(landing: Path, work: Path) -> Path:
    """The landing folder loaded into a fresh DuckDB warehouse by the ingestion assets alone."""
    os.environ.update(warehouse_environment(work, landing))
    warehouse = Path(os.environ["SALES_WAREHOUSE_PATH"])
    from orchestration.definitions import build_definitions

    definitions = build_definitions()
    raw_keys = [key for key in definitions.resolve_all_asset_keys() if key.path[0] == "raw"]
    result = definitions.resolve_job_def("full_refresh").execute_in_process(asset_selection=raw_keys)
    if not result.success:
        raise RuntimeError(f"loading {landing} into {warehouse} failed")
    return warehouse


def activity_rows(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(*) from raw.activity_activities").fetchone()[0]


def report_comparison(engine: str, results: dict[str, list[str]]) -> None:
    different = [mart for mart, lines in results.items() if lines]
    print(f"  {engine}: {len(results) - len(different)} of {len(results)} kpi marts identical to DuckDB's")
    for mart in different:
        print("    " + "\n    ".join(results[mart]))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.engines", description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, help="a landing folder (default: the demo data, generated)")
    parser.add_argument("--warehouse", type=Path, help="a DuckDB file whose raw schema is loaded already")
    parser.add_argument("--spark", action="store_true", help="also build on a local Spark session")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sales-engines-bench-"))
    if options.warehouse:
        warehouse = options.warehouse.resolve()
        os.environ["SALES_WAREHOUSE_PATH"] = str(warehouse)
    else:
        landing = options.landing
        if landing is None:
            from orchestration.demo.generator import generate_landing

            landing = work / "landing"
            generate_landing(landing, seed=42, progress=False)
        warehouse, _ = timed("load raw into DuckDB (ingestion assets)", lambda: load_raw(landing, work))
    print(f"  {activity_rows(warehouse):,} activity rows in raw")

    def build(target: str, environment: dict[str, str] | None = None) -> str:
        return run_dbt(
            "build",
            "--full-refresh",
            target=target,
            target_path=work / f"target-{target}",
            environment=environment,
        )

    timed("duckdb: dbt build", lambda: build(DUCKDB))
    with local_postgres() as server:
        timed("postgres: raw hand-off", lambda: handoff_to_postgres(warehouse, server))
        timed("postgres: dbt build", lambda: build(POSTGRES, server.environment()))
        report_comparison(POSTGRES, compare_with_postgres(warehouse, server))
    if options.spark:
        os.environ[SPARK_DIR_ENV] = str(work / "spark")
        timed(
            "spark: raw hand-off (Parquet + catalog)",
            lambda: handoff_to_spark(warehouse, work / "spark" / "raw"),
        )
        timed("spark: dbt build", lambda: build(SPARK))
        report_comparison(SPARK, compare_with_spark(warehouse, work / "spark" / "warehouse"))
    print(f"work folder (delete when done): {work}")


if __name__ == "__main__":
    main()
