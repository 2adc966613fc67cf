"""The benchmark's arithmetic on made-up samples and figures: ratios, a stage's CPU time and
peak memory from a process tree's samples, and the ratios against the goals."""

from __future__ import annotations

import pytest

from benchmarks.figures import Sample, cpu_between, peaks_between, ratio, rows_per_second
from benchmarks.pipeline import stage_figures, stage_of
from benchmarks.process_tree import MeasuredRun, ProcessPeak
from benchmarks.report import ratios

# A tree sampled every second: CPU climbs 1.5 s per second; the root holds 100-400 MB, dbt's
# process appears at t=3 with 900 MB and is gone at t=6.
SAMPLES = [
    Sample(at=t, cpu_s=1.5 * t, root_rss_mb=root, children_rss_mb=child)
    for t, root, child in [(0, 100, 0), (1, 200, 0), (2, 400, 0), (3, 150, 900), (4, 160, 700), (5, 170, 0)]
]


def test_ratio_and_rate():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 0.0) is None
    assert ratio(None, 2.0) is None
    assert rows_per_second(1_000, 4.0) == 250.0


def test_cpu_between_uses_the_samples_around_the_window():
    assert cpu_between(SAMPLES, 1.0, 3.0) == pytest.approx(3.0)
    # Between samples: from the last one before (t=1) to the first one after (t=3).
    assert cpu_between(SAMPLES, 1.5, 2.5) == pytest.approx(3.0)
    assert cpu_between(SAMPLES, 4.5, 9.0) is None  # nothing after the window's end


def test_peaks_between_include_the_sample_holding_at_the_start():
    assert peaks_between(SAMPLES, 2.5, 4.0) == (400, 900)  # t=2 holds until t=3
    assert peaks_between(SAMPLES, 4.0, 5.0) == (170, 700)
    assert peaks_between([], 0.0, 1.0) is None


def test_steps_fall_into_stages_by_name():
    assert [stage_of(k) for k in ("raw__salesforce_user", "dbt_warehouse_models", "quality_raw")] == [
        "ingestion",
        "dbt build",
        "checks",
    ]
    assert stage_of("serving__warehouse") == "publish"
    assert stage_of("something_else") == "other"


def test_stage_figures_add_steps_and_keep_peaks():
    measured = MeasuredRun(
        argv=[],
        returncode=0,
        started_at=0.0,
        wall_s=5.0,
        cpu_s=7.5,
        root=ProcessPeak(1, "python", 400),
        samples=SAMPLES,
    )
    windows = [("raw__a", 0.0, 1.0), ("raw__b", 1.0, 2.0), ("dbt_warehouse_models", 3.0, 4.0)]
    stages = stage_figures(measured, windows, rows=1_000)
    assert list(stages) == ["ingestion", "dbt build"]
    ingestion, dbt = stages["ingestion"], stages["dbt build"]
    assert (ingestion["steps"], ingestion["wall_s"], ingestion["cpu_s"]) == (2, 2.0, pytest.approx(3.0))
    assert ingestion["rows_per_s"] == 500.0
    assert (ingestion["peak_rss_mb"], ingestion["children_peak_rss_mb"]) == (400, 0)
    assert (dbt["peak_rss_mb"], dbt["children_peak_rss_mb"]) == (160, 900)


def _figures(daily_succeeded: bool = True) -> dict:
    """Made-up figures of one run, in the shape the benchmark writes."""

    def total(peak: float, child: float) -> dict:
        return {"peak_rss_mb": peak, "children_peak_rss_mb": child}

    return {
        "full_build": {
            "run_wall_s": 200.0,
            "stages": {"ingestion": {"rows_per_s": 90.0}, "dbt build": {"wall_s": 120.0}},
            "total": total(1500.0, 1900.0),
        },
        "daily": {"run_wall_s": 8.0, "succeeded": daily_succeeded, "total": total(1700.0, 2100.0)},
        "dbt_direct": {"wall_s": 100.0},
        "kpis": {
            "duckdb": {"wall_s": 0.5, "peak_rss_mb": 300.0},
            "pandas": {"wall_s": 6.0, "peak_rss_mb": 2400.0},
        },
        "ingestion": {
            "headline_object": "activity",
            "runs": [
                {
                    "activity": {
                        "csv_family": {"loader": {"rows_per_s": 80.0}, "bare": {"rows_per_s": 100.0}},
                        "total": {"bare": {"rows": 300, "wall_s": 2.0}},
                    },
                    "account": {"total": {"bare": {"rows": 100, "wall_s": 2.0}}},
                }
            ],
        },
    }


def test_ratios_come_from_the_figures_and_meet_or_miss_their_goals():
    found = ratios(_figures())
    assert found["ingestion_vs_bare"]["value"] == pytest.approx(0.8)
    assert found["ingestion_vs_bare"]["met"] is True  # >= 0.8
    assert found["pipeline_ingestion_vs_bare"]["value"] == pytest.approx(90.0 / (400 / 4.0))
    assert found["dbt_vs_direct"]["value"] == pytest.approx(1.2)
    assert found["dbt_vs_direct"]["met"] is True
    assert found["kpi_speedup"]["value"] == pytest.approx(12.0)
    assert found["kpi_memory"]["value"] == pytest.approx(0.125)
    assert found["kpi_memory"]["met"] is False  # > 1/10
    assert found["daily_vs_full"]["value"] == pytest.approx(0.04)
    assert found["build_process_peak_mb"]["value"] == 1700.0  # the larger of the two runs
    assert found["dbt_process_peak_mb"]["value"] == 2100.0
    assert found["dbt_process_peak_mb"]["met"] is False


def test_a_failed_daily_run_has_no_ratio():
    found = ratios(_figures(daily_succeeded=False))
    assert found["daily_vs_full"]["value"] is None
    assert found["daily_vs_full"]["met"] is None


def test_a_skipped_baseline_leaves_only_its_own_ratios_out():
    figures = _figures()
    for skipped in ("kpis", "ingestion"):
        del figures[skipped]
    found = ratios(figures)
    for name in ("kpi_speedup", "kpi_memory", "ingestion_vs_bare", "pipeline_ingestion_vs_bare"):
        assert (found[name]["value"], found[name]["met"]) == (None, None), name
    assert found["dbt_vs_direct"]["value"] == pytest.approx(1.2)
    assert found["daily_vs_full"]["value"] == pytest.approx(0.04)
