"""The demo generator's planted truths (orchestration/demo/README.md) show up in the KPI marts.

The generator plants them; these tests read them back from the marts alone, so a mart that
mis-implements its definition moves a figure out of its band.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from orchestration.demo.params import OVERLOADED_TERRITORY, SLOW_STAGE, TERRITORIES
from orchestration.headlines import latest_full_quarter
from orchestration.summary import warehouse_summary

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def marts(demo_warehouse):
    assert demo_warehouse.result.success
    with duckdb.connect(str(demo_warehouse.database), read_only=True) as con:
        yield con


def test_selling_share_near_39_percent(marts):
    share = marts.execute(
        "select sum(selling_minutes) / sum(total_minutes) from marts.kpi_activity_time_allocation"
    ).fetchone()[0]
    assert 0.35 <= share <= 0.43


def test_slow_stage_is_the_slowest(marts):
    pooled = marts.execute(
        """
        select stage_name from marts.kpi_stage_durations
        group by stage_name
        order by sum(median_days_in_stage * exited_count) / sum(exited_count) desc
        limit 1
        """
    ).fetchone()[0]
    assert pooled == SLOW_STAGE
    quarter = latest_full_quarter(marts)
    slowest_in_quarter = marts.execute(
        "select stage_name from marts.kpi_stage_durations where quarter_start = ? "
        "order by median_days_in_stage desc limit 1",
        [quarter],
    ).fetchone()[0]
    assert slowest_in_quarter == SLOW_STAGE


def test_overloaded_territory_flagged_and_alone_above_tolerance(marts):
    quarter = latest_full_quarter(marts)
    over = marts.execute(
        "select territory_name from marts.kpi_territory_balance "
        "where quarter_start = ? and pipeline_per_rep_index > 1.25",
        [quarter],
    ).fetchall()
    assert over == [(TERRITORIES[OVERLOADED_TERRITORY].name,)]
    flagged = marts.execute(
        "select is_rebalance_candidate from marts.kpi_territory_balance "
        "where quarter_start = ? and territory_name = ?",
        [quarter, TERRITORIES[OVERLOADED_TERRITORY].name],
    ).fetchone()[0]
    assert flagged is True


def test_mql_to_sql_is_the_largest_funnel_leak(marts):
    leaks = marts.execute(
        """
        select step, 1 - sum(converted_count) / sum(entered_count) as leakage
        from marts.kpi_funnel_leakage group by step order by leakage desc
        """
    ).fetchall()
    assert leaks[0][0] == "mql_to_sql"
    assert len(leaks) == 4


def test_win_rates_vary_by_rep_around_20_to_35_percent(marts):
    rates = [
        rate
        for (rate,) in marts.execute(
            "select sum(won_count) / (sum(won_count) + sum(lost_count)) from marts.kpi_win_rate "
            "group by rep_id having sum(won_count) + sum(lost_count) >= 40"
        ).fetchall()
    ]
    assert len(rates) >= 20
    assert 0.20 <= sorted(rates)[len(rates) // 2] <= 0.35
    assert max(rates) - min(rates) >= 0.08


def test_about_half_of_ramped_reps_at_quota_in_a_typical_quarter(marts):
    shares = [
        share
        for (share,) in marts.execute(
            "select sum(ramped_reps_at_or_above_quota) / sum(ramped_reps_with_quota) "
            "from marts.kpi_reps_at_quota where period_type = 'quarter' and period_start <= ? "
            "group by period_start order by period_start",
            [latest_full_quarter(marts)],
        ).fetchall()
    ]
    median = sorted(shares)[len(shares) // 2]
    assert 0.35 <= median <= 0.65


def test_run_summary_prints_the_headlines(demo_warehouse):
    text = warehouse_summary(demo_warehouse.database)
    assert "Headline KPIs, latest full quarter" in text
    assert f"slowest stage                 {SLOW_STAGE}" in text
    assert TERRITORIES[OVERLOADED_TERRITORY].name in text.split("territories to rebalance")[1].splitlines()[0]


def test_run_summary_after_a_build_that_left_a_mart_missing_says_what_it_can(demo_warehouse, tmp_path):
    # A full refresh that failed half way (as one out of memory at 20M did) leaves some marts
    # absent: the summary printed after it must still come, without the headlines.
    database = tmp_path / "partial.duckdb"
    shutil.copyfile(demo_warehouse.database, database)
    with duckdb.connect(str(database)) as con:
        con.execute("drop table marts.kpi_funnel_leakage")
    text = warehouse_summary(database)
    assert "Files by load status:" in text
    assert "Headline KPIs" not in text
