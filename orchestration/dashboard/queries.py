"""The SQL behind each chart: one function per chart, returning a DataFrame.

Everything is read from the serving file through a `ServingReader` (never the build's
warehouse). Filters are bound parameters (`$start`, `$end`, `$team`, ...), never formatted
into the SQL; only the fixed column lists below are.

Figures over several months, quarters, reps or teams are re-aggregated as each mart's YAML
says: sums of the counts and amounts, then divided (never an average of ratios). The one
exception, stage durations, is said where it is made. Per-rep and per-team queries carry their
all-reps or all-teams row (`is_total`, from grouping sets), so a page's overall figure is the
same SQL, not a recomputation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from orchestration.dashboard.filters import NO_MANAGER_LABEL, Filters
from orchestration.serving.publish import BUILD_INFO
from orchestration.serving.reader import ServingReader


@dataclass(frozen=True)
class Category:
    name: str  # the `<name>_minutes` column of the activity marts
    label: str
    is_selling: bool


# The seed `activity_categories`, selling ones first (the marts' column order).
ACTIVITY_CATEGORIES = (
    Category("digital_communication", "Digital communication", True),
    Category("personal_communication", "Personal communication", True),
    Category("internal_meeting", "Internal meetings", False),
    Category("administration", "Administration", False),
    Category("travel", "Travel", False),
    Category("training", "Training", False),
    Category("sales_preparation", "Sales preparation", False),
    Category("unmapped", "Unmapped", False),
)
_CATEGORY_MINUTES = ", ".join(f"sum({c.name}_minutes) as {c.name}_minutes" for c in ACTIVITY_CATEGORIES)

# Reps without a manager are team null in the marts; '' is filters.NO_MANAGER.
_TEAM_FILTER = "(cast($team as varchar) is null or coalesce({column}, '') = $team)"
_TEAM_LABEL = "coalesce({name}, {id}, $no_manager)"
_QUARTER_LABEL = "strftime({column}, '%Y') || '-Q' || quarter({column})"


@dataclass(frozen=True)
class BuildInfo:
    build_id: str
    published_at: datetime
    newest_file: str | None
    newest_file_landed_at: datetime | None

    def as_of(self) -> str:
        """The line every page shows: how fresh the data is and which build it comes from."""
        landed = self.newest_file_landed_at
        as_of = f"{landed:%Y-%m-%d %H:%M} UTC" if landed else "unknown"
        published = f"{self.published_at:%Y-%m-%d %H:%M} UTC"
        return f"Data as of {as_of} · build {self.build_id} · published {published}"


def _frame(reader: ServingReader, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    with reader.cursor() as cursor:
        return cursor.execute(sql, params).df()


def _team_params(filters: Filters) -> dict[str, Any]:
    return {**filters.period_and_team(), "no_manager": NO_MANAGER_LABEL}


def build_info(reader: ServingReader) -> BuildInfo | None:
    """Which build the serving file holds (the same on every row of build_info)."""
    row = reader.query(
        f"select build_id, published_at, newest_file, newest_file_landed_at from {BUILD_INFO} limit 1"
    )
    return BuildInfo(*row[0]) if row else None


def quarters(reader: ServingReader) -> list[date]:
    """Every calendar quarter some KPI mart has a row in, oldest first."""
    rows = reader.query(
        """
        select distinct cast(quarter_start as date) from (
            select date_trunc('quarter', month_start) as quarter_start from kpi_win_rate
            union all select date_trunc('quarter', period_start) from kpi_quota_attainment
            union all select date_trunc('quarter', cohort_month) from kpi_funnel_leakage
            union all select quarter_start from kpi_stage_durations
            union all select quarter_start from kpi_territory_balance
            union all select quarter_start from kpi_activity_outcomes
        )
        order by 1
        """
    )
    return [quarter for (quarter,) in rows]


def latest_data_quarter(reader: ServingReader) -> date | None:
    """The last quarter with a closed deal or an activity: the data's present (later quarters
    may hold quotas only)."""
    rows = reader.query(
        """
        select cast(date_trunc('quarter', greatest(
            (select max(month_start) from kpi_win_rate),
            (select max(week_start) from kpi_activity_time_allocation)
        )) as date)
        """
    )
    return rows[0][0]


def teams(reader: ServingReader) -> list[tuple[str, str]]:
    """(team key, label) of every team in dim_reps: the manager_id, '' for reps without one."""
    rows = reader.query(
        f"""
        select distinct
            coalesce(manager_id, '') as team,
            {_TEAM_LABEL.format(name="manager_name", id="manager_id")} as label
        from dim_reps
        order by team = '', label
        """,
        {"no_manager": NO_MANAGER_LABEL},
    )
    return [(team, label) for team, label in rows]


def bookings_vs_quota_by_quarter(reader: ServingReader, filters: Filters) -> pd.DataFrame:
    """Per quarter: the quarterly quotas of the team's reps and their bookings in the quarter
    (kpi_quota_attainment), attainment = bookings / quota."""
    return _frame(
        reader,
        f"""
        select
            period_start as quarter_start,
            {_QUARTER_LABEL.format(column="period_start")} as quarter,
            sum(bookings_amount) as bookings,
            sum(quota_amount) as quota,
            sum(bookings_amount) / nullif(sum(quota_amount), 0) as attainment,
            count(distinct rep_id) as reps_with_quota
        from kpi_quota_attainment
        where period_type = 'quarter' and period_start >= $start and period_start < $end
            and {_TEAM_FILTER.format(column="manager_id")}
        group by period_start
        order by period_start
        """,
        filters.period_and_team(),
    )


def bookings_by_month(reader: ServingReader, filters: Filters) -> pd.DataFrame:
    """Per month of the period: the team's bookings (won amount by CloseDate month, as
    kpi_revenue sums them org-wide), bookings so far in the quarter, and the quarter's quota."""
    return _frame(
        reader,
        f"""
        with
        months as (
            select cast(generate_series as date) as month_start
            from generate_series(cast($start as timestamp), cast($end as timestamp) - interval 1 month,
                                 interval 1 month)
        ),
        bookings as (
            select month_start, sum(won_amount) as bookings, sum(won_count) as won_count
            from kpi_win_rate
            where month_start >= $start and month_start < $end and {_TEAM_FILTER.format(column="manager_id")}
            group by month_start
        ),
        quotas as (
            select period_start, sum(quota_amount) as quarter_quota
            from kpi_quota_attainment
            where period_type = 'quarter' and period_start >= $start and period_start < $end
                and {_TEAM_FILTER.format(column="manager_id")}
            group by period_start
        )
        select
            months.month_start,
            coalesce(bookings.bookings, 0) as bookings,
            coalesce(bookings.won_count, 0) as won_count,
            sum(coalesce(bookings.bookings, 0)) over (
                partition by date_trunc('quarter', months.month_start) order by months.month_start
            ) as quarter_to_date,
            quotas.quarter_quota
        from months
        left join bookings on bookings.month_start = months.month_start
        left join quotas on quotas.period_start = date_trunc('quarter', months.month_start)
        order by months.month_start
        """,
        filters.period_and_team(),
    )


def reps_at_quota_by_team(reader: ServingReader, filters: Filters, period_type: str) -> pd.DataFrame:
    """Per team, and all teams (is_total), over the quota periods of the range: reps at or
    above quota / reps with a quota above 0, for all reps and for ramped reps."""
    return _frame(
        reader,
        f"""
        select
            grouping(manager_id) = 1 as is_total,
            case when grouping(manager_id) = 1 then 'All teams'
                else {_TEAM_LABEL.format(name="manager_name", id="manager_id")} end as team,
            sum(reps_with_quota) as reps_with_quota,
            sum(reps_at_or_above_quota) as reps_at_quota,
            sum(reps_at_or_above_quota) / nullif(sum(reps_with_quota), 0) as pct_at_quota,
            sum(ramped_reps_with_quota) as ramped_reps_with_quota,
            sum(ramped_reps_at_or_above_quota) as ramped_reps_at_quota,
            sum(ramped_reps_at_or_above_quota) / nullif(sum(ramped_reps_with_quota), 0) as pct_ramped_at_quota
        from kpi_reps_at_quota
        where period_type = $period_type and period_start >= $start and period_start < $end
            and {_TEAM_FILTER.format(column="manager_id")}
        group by grouping sets ((manager_id, manager_name), ())
        having count(*) > 0  -- no total row over nothing
        order by is_total, pct_at_quota desc nulls last, team
        """,
        {**_team_params(filters), "period_type": period_type},
    )


def reps_at_quota_by_period(reader: ServingReader, filters: Filters, period_type: str) -> pd.DataFrame:
    """Per quota period: the same shares over the selected team(s)."""
    return _frame(
        reader,
        f"""
        select
            period_start,
            case when period_type = 'quarter' then {_QUARTER_LABEL.format(column="period_start")}
                else strftime(period_start, '%b %Y') end as period,
            sum(reps_with_quota) as reps_with_quota,
            sum(reps_at_or_above_quota) / nullif(sum(reps_with_quota), 0) as pct_at_quota,
            sum(ramped_reps_with_quota) as ramped_reps_with_quota,
            sum(ramped_reps_at_or_above_quota) / nullif(sum(ramped_reps_with_quota), 0) as pct_ramped_at_quota
        from kpi_reps_at_quota
        where period_type = $period_type and period_start >= $start and period_start < $end
            and {_TEAM_FILTER.format(column="manager_id")}
        group by period_type, period_start
        order by period_start
        """,
        {**filters.period_and_team(), "period_type": period_type},
    )


def deal_size_by_month(reader: ServingReader, filters: Filters) -> pd.DataFrame:
    """Per month: won deals, won amount and average deal size (won amount / won deals), with
    the quarter's average beside it (the quarter's sums divided)."""
    return _frame(
        reader,
        f"""
        with monthly as (
            select month_start, sum(won_count) as won_count, sum(won_amount) as won_amount
            from kpi_deal_size
            where month_start >= $start and month_start < $end and {_TEAM_FILTER.format(column="manager_id")}
            group by month_start
        )
        select
            month_start,
            won_count,
            won_amount,
            won_amount / nullif(won_count, 0) as avg_deal_size,
            sum(won_amount) over quarter / nullif(sum(won_count) over quarter, 0) as quarter_avg_deal_size
        from monthly
        window quarter as (partition by date_trunc('quarter', month_start))
        order by month_start
        """,
        filters.period_and_team(),
    )


def win_rate_by_rep(reader: ServingReader, filters: Filters) -> pd.DataFrame:
    """Per rep with a closed deal in the period, and all of them (is_total): won / (won + lost)
    by count and by amount."""
    return _frame(
        reader,
        f"""
        select
            grouping(w.rep_id) = 1 as is_total,
            w.rep_id,
            case when grouping(w.rep_id) = 1 then 'All reps' else coalesce(w.rep_name, w.rep_id) end as rep,
            case when grouping(w.rep_id) = 0
                then {_TEAM_LABEL.format(name="any_value(r.manager_name)", id="w.manager_id")} end as team,
            sum(w.won_count) as won_count,
            sum(w.lost_count) as lost_count,
            sum(w.won_count) / nullif(sum(w.won_count) + sum(w.lost_count), 0) as win_rate,
            sum(w.won_amount) / nullif(sum(w.won_amount) + sum(w.lost_amount), 0) as win_rate_amount
        from kpi_win_rate as w
        left join dim_reps as r on r.rep_id = w.rep_id
        where w.month_start >= $start and w.month_start < $end
            and {_TEAM_FILTER.format(column="w.manager_id")}
        group by grouping sets ((w.rep_id, w.rep_name, w.manager_id), ())
        having count(*) > 0  -- no total row over nothing
        order by is_total desc, win_rate, rep
        """,
        _team_params(filters),
    )


def funnel_steps(reader: ServingReader, filters: Filters) -> pd.DataFrame:
    """Per funnel step, over the lead cohorts (months created) of the period and every lead
    source: leads entering, converting and leaking."""
    return _frame(
        reader,
        """
        select
            step,
            step_order,
            from_stage,
            to_stage,
            sum(entered_count) as entered_count,
            sum(converted_count) as converted_count,
            sum(leaked_count) as leaked_count,
            sum(converted_count) / sum(entered_count) as conversion_rate,
            sum(leaked_count) / sum(entered_count) as leakage_rate
        from kpi_funnel_leakage
        where cohort_month >= $start and cohort_month < $end
        group by step, step_order, from_stage, to_stage
        order by step_order
        """,
        filters.period(),
    )


def funnel_leakage_by_source(reader: ServingReader, filters: Filters, step: str) -> pd.DataFrame:
    """One funnel step's leakage per lead source, over the cohorts of the period."""
    return _frame(
        reader,
        """
        select
            lead_source,
            sum(entered_count) as entered_count,
            sum(leaked_count) as leaked_count,
            sum(leaked_count) / sum(entered_count) as leakage_rate
        from kpi_funnel_leakage
        where step = $step and cohort_month >= $start and cohort_month < $end
        group by lead_source
        order by leakage_rate desc, lead_source
        """,
        {**filters.period(), "step": step},
    )


def stage_durations(reader: ServingReader, filters: Filters) -> pd.DataFrame:
    """Per stage, over the quarters (of the exit) of the period: intervals exited, the median
    and p90 days in stage, and whether it is the slowest stage (highest median).

    The mart holds each quarter's percentiles, not the intervals, so over several quarters the
    median and p90 are the quarters' figures weighted by exited_count: an approximation of the
    period's own percentiles, exact for a single quarter."""
    return _frame(
        reader,
        """
        with stages as (
            select
                stage_name,
                stage_order,
                sum(exited_count) as exited_count,
                sum(median_days_in_stage * exited_count) / sum(exited_count) as median_days,
                sum(p90_days_in_stage * exited_count) / sum(exited_count) as p90_days,
                sum(advanced_count) / nullif(sum(advanced_count) + sum(lost_count), 0) as advance_rate
            from kpi_stage_durations
            where quarter_start >= $start and quarter_start < $end
            group by stage_name, stage_order
        )
        select *, row_number() over (order by median_days desc, stage_name) = 1 as is_slowest
        from stages
        order by stage_order nulls last, stage_name
        """,
        filters.period(),
    )


def territory_quarters(reader: ServingReader, filters: Filters) -> list[date]:
    rows = reader.query(
        "select distinct quarter_start from kpi_territory_balance "
        "where quarter_start >= $start and quarter_start < $end order by 1",
        filters.period(),
    )
    return [quarter for (quarter,) in rows]


def territory_balance(reader: ServingReader, quarter_start: date) -> pd.DataFrame:
    """The territories of one quarter, as the mart has them, most pipeline per rep first."""
    return _frame(
        reader,
        """
        select
            territory_name, rep_count, account_count, open_pipeline_amount, pipeline_per_rep,
            org_pipeline_per_rep, pipeline_per_rep_index, is_rebalance_candidate,
            quota_amount, bookings_amount, attainment
        from kpi_territory_balance
        where quarter_start = $quarter
        order by pipeline_per_rep_index desc nulls last, territory_name
        """,
        {"quarter": quarter_start},
    )


def selling_time_by_rep(reader: ServingReader, filters: Filters) -> pd.DataFrame:
    """Per rep, and all of them (is_total), over the weeks starting in the period: minutes per
    activity category and the selling share (selling minutes / all minutes)."""
    return _frame(
        reader,
        f"""
        select
            grouping(a.rep_id) = 1 as is_total,
            a.rep_id,
            case when grouping(a.rep_id) = 1 then 'All reps'
                else coalesce(any_value(r.rep_name), a.rep_id) end as rep,
            sum(a.total_minutes) as total_minutes,
            sum(a.selling_minutes) as selling_minutes,
            sum(a.selling_minutes) / nullif(sum(a.total_minutes), 0) as selling_share,
            {_CATEGORY_MINUTES}
        from kpi_activity_time_allocation as a
        left join dim_reps as r on r.rep_id = a.rep_id
        where a.week_start >= $start and a.week_start < $end and {_TEAM_FILTER.format(column="r.manager_id")}
        group by grouping sets ((a.rep_id), ())
        having count(*) > 0  -- no total row over nothing
        order by is_total desc, selling_share nulls first, rep
        """,
        filters.period_and_team(),
    )


def selling_share_by_week(reader: ServingReader, filters: Filters) -> pd.DataFrame:
    """Per week of the period: the team's selling share."""
    return _frame(
        reader,
        f"""
        select
            a.week_start,
            sum(a.selling_minutes) / nullif(sum(a.total_minutes), 0) as selling_share,
            sum(a.total_minutes) as total_minutes
        from kpi_activity_time_allocation as a
        left join dim_reps as r on r.rep_id = a.rep_id
        where a.week_start >= $start and a.week_start < $end and {_TEAM_FILTER.format(column="r.manager_id")}
        group by a.week_start
        order by a.week_start
        """,
        filters.period_and_team(),
    )


def activity_outcomes_by_rep(reader: ServingReader, filters: Filters) -> pd.DataFrame:
    """Per rep, and all of them (is_total), over the quarters of the period: activity minutes
    per category and selling share beside won and lost deals and the win rate."""
    return _frame(
        reader,
        f"""
        select
            grouping(o.rep_id) = 1 as is_total,
            o.rep_id,
            case when grouping(o.rep_id) = 1 then 'All reps'
                else coalesce(any_value(r.rep_name), o.rep_id) end as rep,
            sum(o.total_minutes) as total_minutes,
            sum(o.selling_minutes) / nullif(sum(o.total_minutes), 0) as selling_share,
            {_CATEGORY_MINUTES},
            sum(o.won_count) as won_count,
            sum(o.lost_count) as lost_count,
            sum(o.won_count) / nullif(sum(o.won_count) + sum(o.lost_count), 0) as win_rate
        from kpi_activity_outcomes as o
        left join dim_reps as r on r.rep_id = o.rep_id
        where o.quarter_start >= $start and o.quarter_start < $end
            and {_TEAM_FILTER.format(column="r.manager_id")}
        group by grouping sets ((o.rep_id), ())
        having count(*) > 0  -- no total row over nothing
        order by is_total desc, win_rate nulls first, rep
        """,
        filters.period_and_team(),
    )
