"""Headline KPI figures for the latest full quarter, read from the marts after a run.

Every figure is re-aggregated from a mart (sums of counts and amounts, then divided, as the
metrics spec says for quarter figures), never recomputed from facts: the marts stay the one
place each KPI is defined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

# The marts the headlines read: a failed build can leave some of them missing.
HEADLINE_MARTS = frozenset({
    "fct_activities", "fct_opportunities", "kpi_revenue", "kpi_reps_at_quota", "kpi_win_rate",
    "kpi_funnel_leakage", "kpi_activity_outcomes", "kpi_stage_durations", "kpi_territory_balance",
})  # fmt: skip

# The data's "as of" day: the latest activity or opportunity creation. The latest full quarter
# is the last one ending on or before it, so old demo data still has one.
_LATEST_FULL_QUARTER_SQL = """
with as_of as (
    select greatest(
        (select max(activity_date) from marts.fct_activities),
        (select max(created_date) from marts.fct_opportunities)
    ) as as_of_date
)
select cast(date_trunc('quarter', as_of_date + interval 1 day) - interval 3 month as date)
from as_of
"""

_FIGURES_SQL = """
with
quarter as (select cast($quarter as date) as quarter_start),
revenue as (
    select sum(bookings_amount) as bookings
    from marts.kpi_revenue, quarter
    where date_trunc('quarter', month_start) = quarter.quarter_start
),
at_quota as (
    select sum(reps_at_or_above_quota) / nullif(sum(reps_with_quota), 0) as pct_reps_at_quota
    from marts.kpi_reps_at_quota, quarter
    where period_type = 'quarter' and period_start = quarter.quarter_start
),
deals as (
    select
        sum(won_amount) / nullif(sum(won_count), 0) as avg_deal_size,
        sum(won_count) / nullif(sum(won_count) + sum(lost_count), 0) as win_rate
    from marts.kpi_win_rate, quarter
    where date_trunc('quarter', month_start) = quarter.quarter_start
),
funnel as (
    select 1 - sum(converted_count) / nullif(sum(entered_count), 0) as mql_to_sql_leakage
    from marts.kpi_funnel_leakage, quarter
    where step = 'mql_to_sql' and date_trunc('quarter', cohort_month) = quarter.quarter_start
),
selling as (
    select sum(selling_minutes) / nullif(sum(total_minutes), 0) as selling_share
    from marts.kpi_activity_outcomes, quarter
    where kpi_activity_outcomes.quarter_start = quarter.quarter_start
)
select * from revenue, at_quota, deals, funnel, selling
"""


@dataclass(frozen=True)
class Headlines:
    quarter_start: date
    bookings: float | None
    pct_reps_at_quota: float | None
    avg_deal_size: float | None
    win_rate: float | None
    mql_to_sql_leakage: float | None
    selling_share: float | None
    slowest_stage: str | None
    slowest_stage_median_days: float | None
    rebalance_territories: list[str] | None  # None: no territory at all (none extracted)


def latest_full_quarter(con: duckdb.DuckDBPyConnection) -> date | None:
    return con.execute(_LATEST_FULL_QUARTER_SQL).fetchone()[0]


def read_headlines(con: duckdb.DuckDBPyConnection, quarter_start: date) -> Headlines:
    figures = con.execute(_FIGURES_SQL, {"quarter": quarter_start}).fetchone()
    slowest = con.execute(
        "select stage_name, median_days_in_stage from marts.kpi_stage_durations "
        "where quarter_start = $quarter order by median_days_in_stage desc nulls last limit 1",
        {"quarter": quarter_start},
    ).fetchone() or (None, None)
    territories = con.execute(
        "select territory_name, is_rebalance_candidate from marts.kpi_territory_balance "
        "where quarter_start = $quarter order by territory_name",
        {"quarter": quarter_start},
    ).fetchall()
    return Headlines(
        quarter_start,
        *(None if value is None else float(value) for value in figures),
        slowest[0],
        None if slowest[1] is None else float(slowest[1]),
        [name for name, flagged in territories if flagged] if territories else None,
    )


def format_headlines(h: Headlines) -> str:
    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    def money(value: float | None) -> str:
        return "n/a" if value is None else f"{value:,.0f}"

    quarter = f"{h.quarter_start.year}-Q{(h.quarter_start.month - 1) // 3 + 1}"
    slowest = (
        "n/a"
        if h.slowest_stage is None
        else f"{h.slowest_stage} ({h.slowest_stage_median_days:.1f} days median)"
    )
    return "\n".join(
        [
            f"Headline KPIs, latest full quarter {quarter}:",
            f"  bookings                      {money(h.bookings)}",
            f"  reps at or above quota        {pct(h.pct_reps_at_quota)}",
            f"  average deal size             {money(h.avg_deal_size)}",
            f"  win rate                      {pct(h.win_rate)}",
            f"  MQL->SQL leakage              {pct(h.mql_to_sql_leakage)}",
            f"  slowest stage                 {slowest}",
            f"  territories to rebalance      {_rebalance(h.rebalance_territories)}",
            f"  selling-time share            {pct(h.selling_share)}",
        ]
    )


def _rebalance(territories: list[str] | None) -> str:
    if territories is None:
        return "n/a (no territories: Territory2 not extracted)"
    return ", ".join(territories) or "none"
