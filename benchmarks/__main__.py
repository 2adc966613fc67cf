"""The project's benchmark: a full build and a daily run at a chosen scale, and the baselines they
are measured against, all in one run.

    python -m benchmarks --size demo                                   # or: make benchmark
    python -m benchmarks --size 20000000 --landing /tmp/scale20m/landing

1. The landing folder: `--landing`, else the generator's dataset at `--size` activity rows,
   generated once into `--datasets` and reused (not timed). The runs read a folder of links to
   it, where the next day's drop is written: a reused extract is never changed.
2. Full build: `python -m orchestration.cli run` on a fresh warehouse, watched from outside
   (`pipeline.py`): per stage (ingestion, dbt build, checks, publish) and in total, wall and CPU
   time, peak memory of the pipeline's process and of dbt's, rows per second.
3. The warehouse's size beside the extracts', per schema (`storage.py`).
4. dbt build vs the same compiled SQL run directly in DuckDB (`dbt_direct.py`).
5. Three KPIs: the project's SQL in DuckDB vs pandas, time, memory and same numbers (`kpis.py`).
6. Ingestion: the loader vs a bare `create table as select * from read_csv(...)` of the same
   files, every object, each in a fresh process (`ingestion.py`).
7. Daily run: the generator's next-day drop, then `python -m orchestration.cli daily`.

`--skip` leaves out baselines 4-6 (e.g. `--skip kpis` at a scale where pandas would need more
memory than the machine has); their ratios are then `n/a`. Steps 2, 3 and 7 always run.

Writes every figure to JSON (`--out`, default `data/benchmarks/<timestamp>.json` and
`latest.json`) and prints a Markdown table; the ratios are computed from this run's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import dbt_direct, ingestion, kpis
from benchmarks.compiled import compile_project, dag_order
from benchmarks.dataset import dataset_landing, extract_bytes, linked_landing
from benchmarks.pipeline import run_pipeline
from benchmarks.report import command_line, machine, markdown, ratios, write_json
from benchmarks.storage import warehouse_storage
from orchestration import config
from orchestration.config import warehouse_environment
from orchestration.demo.__main__ import _size as activity_rows  # the generator's own --size
from orchestration.demo.generator import DEMO_ACTIVITY_ROWS
from orchestration.ingestion.contract import ACTIVITY_LOG, OBJECTS

DEFAULT_FOLDER = config.PROJECT_ROOT / "data" / "benchmarks"
SKIPPABLE = ("dbt_direct", "kpis", "ingestion")


def _step(text: str, figures: dict, partial: Path) -> None:
    """Say what comes next, and keep what was measured so far (a long run cut short keeps it)."""
    partial.write_text(json.dumps(figures, indent=2, default=str))
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)


def run(args: argparse.Namespace, workdir: Path) -> dict:
    source = args.landing or dataset_landing(args.datasets, args.size, args.seed)
    landing = linked_landing(source, workdir / "landing")
    partial = workdir / "partial.json"
    warehouse = workdir / "warehouse.duckdb"
    env = {**os.environ, **warehouse_environment(workdir, landing)}
    figures: dict = {
        "command": command_line(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "activity_rows": args.size,  # the scale asked for (with --landing: as the user says)
        "landing": str(source),
        "memory_limit": os.environ.get(config.MEMORY_LIMIT_ENV) or config.DEFAULT_MEMORY_LIMIT,
        "note": args.note,
        "machine": machine(),
    }

    _step(f"full build of {source} (python -m orchestration.cli run) ...", figures, partial)
    figures["full_build"] = run_pipeline("run", env, config.PROJECT_ROOT, workdir / "logs" / "run.log")
    _step("warehouse size per schema ...", figures, partial)
    figures["storage"] = warehouse_storage(warehouse, extract_bytes(landing))

    figures["skipped"] = list(args.skip)
    if {"dbt_direct", "kpis"} - set(args.skip):
        _step("dbt compile ...", figures, partial)
        manifest = compile_project(env, workdir / "target")
    if "dbt_direct" not in args.skip:
        _step("the compiled SQL directly in DuckDB ...", figures, partial)
        figures["dbt_direct"] = dbt_direct.measure(warehouse, manifest, workdir, env)
    if "kpis" not in args.skip:
        _step("three KPIs: DuckDB vs pandas ...", figures, partial)
        figures["kpis"] = kpis.measure(warehouse, dag_order(manifest), workdir, env)

    if "ingestion" not in args.skip:
        _step("ingestion: loader vs bare read_csv, every object ...", figures, partial)
        figures["ingestion"] = ingestion.measure(source, list(OBJECTS), workdir / "ingestion")
        figures["ingestion"]["headline_object"] = ACTIVITY_LOG.name

    _step(
        "next day's drop (not timed), then the daily run (python -m orchestration.cli daily) ...",
        figures,
        partial,
    )
    from orchestration.demo.next_day import generate_next_day

    drop = generate_next_day(landing, seed=args.seed, progress=False)
    figures["next_day_files"] = len(drop.files)
    daily_log = workdir / "logs" / "daily.log"
    figures["daily"] = run_pipeline("daily", env, config.PROJECT_ROOT, daily_log, required=False)
    if not figures["daily"]["succeeded"]:
        print(figures["daily"]["failure"], file=sys.stderr)

    figures["ratios"] = ratios(figures)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size",
        type=activity_rows,
        default=DEMO_ACTIVITY_ROWS,
        help="'demo' or activity rows",
    )
    parser.add_argument("--landing", type=Path, help="an existing landing folder (else one is generated)")
    parser.add_argument("--out", type=Path, help="JSON file (default: data/benchmarks/<time>.json, latest)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument(
        "--datasets", type=Path, default=DEFAULT_FOLDER / "datasets", help="where generated datasets are kept"
    )
    parser.add_argument("--workdir", type=Path, help="warehouse and logs (default: a temp folder, removed)")
    parser.add_argument("--note", help="a remark stored with the figures (e.g. 'machine shared')")
    parser.add_argument(
        "--skip",
        action="append",
        choices=SKIPPABLE,
        default=[],
        help="leave out a baseline (repeatable); its ratios are n/a",
    )
    args = parser.parse_args(argv)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sales-benchmark-"))
    started = time.perf_counter()
    try:
        figures = run(args, workdir)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    figures["benchmark_wall_s"] = time.perf_counter() - started
    written = write_json(figures, args.out, DEFAULT_FOLDER)
    print()
    print(markdown(figures))
    print()
    print("figures: " + ", ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
