"""The benchmark's ratios against the issue's goals, the machine it ran on, the Markdown table
and the JSON file."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from benchmarks.figures import ratio

MB_GOAL = 2048.0  # peak resident memory of each process, MB

# name: (what, how the value is made, comparison, goal)
GOALS = {
    "ingestion_vs_bare": ("ingestion throughput / bare read_csv (activity log, CSV)", ">=", 0.8),
    "pipeline_ingestion_vs_bare": ("ingestion stage throughput / bare read (every object)", ">=", 0.8),
    "dbt_vs_direct": ("dbt build / same compiled SQL run directly", "<=", 1.5),
    "kpi_speedup": ("pandas time / DuckDB time, three KPIs", ">=", 10.0),
    "kpi_memory": ("DuckDB peak memory / pandas peak memory", "<=", 0.1),
    "daily_vs_full": ("daily run / full build (Dagster runs)", "<=", 0.05),
    "build_process_peak_mb": ("peak memory of the pipeline's process, MB", "<=", MB_GOAL),
    "dbt_process_peak_mb": ("peak memory of dbt's process, MB", "<=", MB_GOAL),
}


def machine() -> dict:
    """Cores, memory, CPU model and the versions that matter."""
    with open("/proc/meminfo") as meminfo:
        total_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    model = "?"
    if Path("/proc/cpuinfo").exists():
        with open("/proc/cpuinfo") as cpuinfo:
            names = (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
            model = next(names, "?")
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(total_kb / 1024 / 1024, 1),
        "cpu": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": version("duckdb"),
        "dbt_core": version("dbt-core"),
        "dagster": version("dagster"),
        "pandas": version("pandas"),
    }


def _csv_family_rates(ingestion: dict, object_name: str) -> tuple[float | None, float | None]:
    run = ingestion["runs"][0].get(object_name, {})
    family = run.get("csv_family") or run.get("total")
    if not family:
        return None, None
    return family["loader"]["rows_per_s"], family["bare"]["rows_per_s"]


def _bare_total_rate(ingestion: dict) -> float | None:
    """Rows per second of the bare reads of every object's files, together."""
    rows = seconds = 0.0
    for result in ingestion["runs"][0].values():
        if "total" in result:
            rows += result["total"]["bare"]["rows"]
            seconds += result["total"]["bare"]["wall_s"]
    return ratio(rows, seconds)


def ratios(figures: dict) -> dict:
    """Every ratio of GOALS from the figures of one run: value, its two sides, goal, met (None,
    with the value, for a baseline the run skipped)."""
    full, daily = figures["full_build"], figures["daily"]
    stages = full["stages"]
    loader_rate = bare_rate = bare_total_rate = None
    if "ingestion" in figures:
        measured = figures["ingestion"]
        loader_rate, bare_rate = _csv_family_rates(measured, measured["headline_object"])
        bare_total_rate = _bare_total_rate(measured)
    direct_s = figures["dbt_direct"]["wall_s"] if "dbt_direct" in figures else None
    duckdb_kpis, pandas_kpis = (
        (figures["kpis"]["duckdb"], figures["kpis"]["pandas"]) if "kpis" in figures else ({}, {})
    )
    sides = {
        "ingestion_vs_bare": (loader_rate, bare_rate),
        "pipeline_ingestion_vs_bare": (stages.get("ingestion", {}).get("rows_per_s"), bare_total_rate),
        "dbt_vs_direct": (stages.get("dbt build", {}).get("wall_s"), direct_s),
        "kpi_speedup": (pandas_kpis.get("wall_s"), duckdb_kpis.get("wall_s")),
        "kpi_memory": (duckdb_kpis.get("peak_rss_mb"), pandas_kpis.get("peak_rss_mb")),
        # A failed daily run did less than a daily run must: no ratio.
        "daily_vs_full": (daily["run_wall_s"] if daily["succeeded"] else None, full["run_wall_s"]),
        "build_process_peak_mb": (max(full["total"]["peak_rss_mb"], daily["total"]["peak_rss_mb"]), 1.0),
        "dbt_process_peak_mb": (
            max(full["total"]["children_peak_rss_mb"], daily["total"]["children_peak_rss_mb"]),
            1.0,
        ),
    }
    result = {}
    for name, (what, comparison, goal) in GOALS.items():
        numerator, denominator = sides[name]
        value = ratio(numerator, denominator)
        met = None if value is None else (value >= goal if comparison == ">=" else value <= goal)
        result[name] = {
            "what": what,
            "value": value,
            "numerator": numerator,
            "denominator": denominator,
            "goal": f"{comparison} {goal:g}",
            "met": met,
        }
    return result


def _n(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 1e6:.2f} M" if value >= 1e5 else f"{value:,.0f}"


def markdown(figures: dict) -> str:
    """The short table printed at the end and pasted into the README."""
    m, full, daily = figures["machine"], figures["full_build"], figures["daily"]
    lines = [
        f"Benchmark {figures['started_at']}: {figures['activity_rows']:,} activity rows, "
        f"{full['rows_loaded']:,} rows in {figures['storage']['extracts_bytes'] / 1e9:.2f} GB of extracts; "
        f"{m['cores']} cores, {m['memory_gb']} GB RAM, Python {m['python']}, DuckDB {m['duckdb']}, "
        f"SALES_DUCKDB_MEMORY_LIMIT={figures['memory_limit']}"
        + (f"; {figures['note']}" if figures.get("note") else ""),
        "",
        "| Stage | Wall s | CPU s | Peak MB: pipeline / dbt | Rows/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, stage in full["stages"].items():
        lines.append(
            f"| {name} | {_n(stage['wall_s'])} | {_n(stage['cpu_s'])} | {_n(stage['peak_rss_mb'], 0)} / "
            f"{_n(stage['children_peak_rss_mb'], 0)} | {_rate(stage['rows_per_s'])} |"
        )
    for label, run in (("full build", full), ("daily run", daily)):
        total = run["total"]
        if not run["succeeded"]:
            label += ", FAILED"
        lines.append(
            f"| **{label}** (run {_n(run['run_wall_s'])} s) | {_n(total['wall_s'])} | {_n(total['cpu_s'])} | "
            f"{_n(total['peak_rss_mb'], 0)} / {_n(total['children_peak_rss_mb'], 0)} | "
            f"{_rate(total['rows_per_s'])} |"
        )
    lines += ["", "| Ratio (same run) | Measured | Goal | Met |", "|---|---:|---:|:---:|"]
    for item in figures["ratios"].values():
        digits = 0 if item["what"].endswith("MB") else 3
        met = {True: "yes", False: "**no**", None: "n/a"}[item["met"]]
        lines.append(f"| {item['what']} | {_n(item['value'], digits)} | {item['goal']} | {met} |")
    storage = figures["storage"]
    lines += [
        "",
        f"Warehouse file {storage['file_bytes'] / 1e9:.2f} GB = {_n(storage['file_to_extracts'], 2)}x the "
        f"extracts ({storage['free_bytes'] / 1e9:.2f} GB of it free blocks):",
        "",
        "| Schema | Tables | Rows | GB |",
        "|---|---:|---:|---:|",
    ]
    for schema, size in storage["schemas"].items():
        lines.append(f"| {schema} | {size['tables']} | {size['rows']:,} | {size['bytes'] / 1e9:.3f} |")
    return "\n".join(lines)


def write_json(figures: dict, out: Path | None, folder: Path) -> list[Path]:
    """`out`, or `folder/<timestamp>.json` and `folder/latest.json`."""
    text = json.dumps(figures, indent=2, default=str)
    if out is not None:
        targets = [out]
    else:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        targets = [folder / f"{stamp}.json", folder / "latest.json"]
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return targets


def command_line() -> str:
    return " ".join(["python -m benchmarks", *sys.argv[1:]])
