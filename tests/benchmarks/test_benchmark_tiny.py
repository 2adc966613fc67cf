"""`python -m benchmarks` end to end on a tiny generated dataset: every figure is produced, the
ratios are made of this run's own figures, DuckDB and pandas agree on the KPIs. No time is
asserted: at this size fixed costs dominate every ratio."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks.report import GOALS
from orchestration import config

TINY_ACTIVITY_ROWS = 20_000
STAGES = ("ingestion", "dbt build", "checks", "publish")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[dict, str]:
    root = tmp_path_factory.mktemp("benchmark")
    out = root / "figures.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--size",
            str(TINY_ACTIVITY_ROWS),
            "--datasets",
            str(root / "datasets"),
            "--out",
            str(out),
        ],
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text()), done.stdout


@pytest.mark.slow
def test_every_stage_and_total_has_its_figures(run):
    figures, _ = run
    for name in ("full_build", "daily"):
        pipeline = figures[name]
        assert pipeline["succeeded"], pipeline["failure"]
        assert pipeline["rows_loaded"] > 0
        assert pipeline["run_wall_s"] > 0
        total = pipeline["total"]
        assert total["wall_s"] >= pipeline["run_wall_s"]  # the command holds the run
        assert total["cpu_s"] > 0 and total["peak_rss_mb"] > 0
        assert total["children_peak_rss_mb"] > 0  # dbt's process was seen
        assert "dbt" in total["largest_child"]
    full = figures["full_build"]
    assert list(full["stages"])[: len(STAGES)] == list(STAGES)
    assert full["rows_loaded"] >= TINY_ACTIVITY_ROWS
    for stage in STAGES:
        figures_of = full["stages"][stage]
        assert figures_of["wall_s"] > 0 and figures_of["peak_rss_mb"] > 0
        assert figures_of["rows_per_s"] == pytest.approx(full["rows_loaded"] / figures_of["wall_s"])
    assert sum(s["wall_s"] for s in full["stages"].values()) <= full["run_wall_s"]
    assert full["stages"]["dbt build"]["children_peak_rss_mb"] > 0
    assert figures["daily"]["rows_loaded"] < full["rows_loaded"]  # one day's drop only


@pytest.mark.slow
def test_ratios_are_made_of_this_runs_figures(run):
    figures, _ = run
    ratios = figures["ratios"]
    assert set(ratios) == set(GOALS)
    for name, item in ratios.items():
        assert item["value"] == pytest.approx(item["numerator"] / item["denominator"]), name
        assert item["met"] in (True, False), name
    full = figures["full_build"]
    assert ratios["dbt_vs_direct"]["numerator"] == full["stages"]["dbt build"]["wall_s"]
    assert ratios["dbt_vs_direct"]["denominator"] == figures["dbt_direct"]["wall_s"]
    assert ratios["kpi_speedup"]["numerator"] == figures["kpis"]["pandas"]["wall_s"]
    assert ratios["kpi_speedup"]["denominator"] == figures["kpis"]["duckdb"]["wall_s"]
    assert ratios["kpi_memory"]["numerator"] == figures["kpis"]["duckdb"]["peak_rss_mb"]
    assert ratios["daily_vs_full"]["numerator"] == figures["daily"]["run_wall_s"]
    assert ratios["daily_vs_full"]["denominator"] == full["run_wall_s"]
    assert ratios["pipeline_ingestion_vs_bare"]["numerator"] == full["stages"]["ingestion"]["rows_per_s"]
    activity = figures["ingestion"]["runs"][0][figures["ingestion"]["headline_object"]]
    assert ratios["ingestion_vs_bare"]["numerator"] == activity["csv_family"]["loader"]["rows_per_s"]
    assert ratios["ingestion_vs_bare"]["denominator"] == activity["csv_family"]["bare"]["rows_per_s"]


@pytest.mark.slow
def test_direct_sql_ran_every_model_and_test(run):
    direct = run[0]["dbt_direct"]
    assert direct["models"] > 30 and direct["tests"] > 100
    assert direct["wall_s"] == pytest.approx(direct["models_s"] + direct["tests_s"])


@pytest.mark.slow
def test_duckdb_and_pandas_give_the_same_kpis(run):
    kpis = run[0]["kpis"]
    assert kpis["same_numbers"], kpis["differences"]
    rows = kpis["differences"]["rows"]
    assert rows["deals_duckdb"] == rows["deals_pandas"] > 0
    assert rows["selling_duckdb"] == rows["selling_pandas"] > 0


@pytest.mark.slow
def test_storage_machine_and_table(run):
    figures, stdout = run
    storage = figures["storage"]
    assert {"raw", "staging", "intermediate", "marts"} <= set(storage["schemas"])
    assert 0 < sum(s["bytes"] for s in storage["schemas"].values()) <= storage["used_bytes"]
    assert storage["file_to_extracts"] == pytest.approx(storage["file_bytes"] / storage["extracts_bytes"])
    machine = figures["machine"]
    assert machine["cores"] > 0 and machine["memory_gb"] > 0 and machine["duckdb"] and machine["python"]
    assert "| Stage | Wall s | CPU s |" in stdout and "| Ratio (same run) |" in stdout
