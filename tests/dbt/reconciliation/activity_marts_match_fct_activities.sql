-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_activity_time_allocation'}}}) }}

-- The activity marts hold every activity of fct_activities exactly once:
--   * kpi_activity_time_allocation, per rep and week: activities and minutes equal those of
--     fct_activities in that week;
--   * kpi_activity_outcomes, per rep and quarter: the same with the quarter of the start;
--   * summed over all weeks and all quarters, each rep's minutes (total, selling, every
--     category) and counts agree between the two marts (a week straddling two quarters is
--     split between them, so the check is on the rep's totals).
-- Minutes are doubles, not rounded, in the facts and in the marts: sums taken in another
-- order differ only by the double's noise (about 1e-16 of the sum per term), so a week, a
-- quarter or a rep's total may differ by at most 0.000001 minute plus a billionth of the sum
-- (a rounding to 4 decimals would show: 61 s is 1.0166666666666666 minutes, 1.0167 rounded).
-- Fails with every rep-period that disagrees.

{%- set categories = activity_categories() %}

with

activities as (

    select
        rep_id,
        week_start,
        quarter_start,
        minutes
    from {{ ref('fct_activities') }}

),

weekly as (

    select
        rep_id,
        week_start,
        activity_count,
        total_minutes,
        selling_minutes,
        {%- for category in categories %}
        {{ category }}_minutes,
        {%- endfor %}
        selling_activity_count
    from {{ ref('kpi_activity_time_allocation') }}

),

quarterly as (

    select
        rep_id,
        quarter_start,
        activity_count,
        total_minutes,
        selling_minutes,
        {%- for category in categories %}
        {{ category }}_minutes,
        {%- endfor %}
        selling_activity_count
    from {{ ref('kpi_activity_outcomes') }}

),

fact_weeks as (

    select
        rep_id,
        week_start,
        count(*) as activity_count,
        sum(minutes) as total_minutes
    from activities
    group by
        rep_id,
        week_start

),

fact_quarters as (

    select
        rep_id,
        quarter_start,
        count(*) as activity_count,
        sum(minutes) as total_minutes
    from activities
    group by
        rep_id,
        quarter_start

),

week_mismatches as (

    select
        'week' as check_name,
        coalesce(fact_weeks.rep_id, weekly.rep_id) as rep_id,
        cast(coalesce(fact_weeks.week_start, weekly.week_start) as {{ dbt.type_string() }}) as period,
        fact_weeks.activity_count as expected_count,
        weekly.activity_count as actual_count,
        fact_weeks.total_minutes as expected_minutes,
        weekly.total_minutes as actual_minutes
    from fact_weeks
    full outer join weekly
        on fact_weeks.rep_id = weekly.rep_id
        and fact_weeks.week_start = weekly.week_start
    where
        fact_weeks.rep_id is null
        or weekly.rep_id is null
        or fact_weeks.activity_count <> weekly.activity_count
        or (
            abs(fact_weeks.total_minutes - weekly.total_minutes)
            > 0.000001 + 0.000000001 * weekly.total_minutes
        )

),

quarter_mismatches as (

    -- Quarters of kpi_activity_outcomes with no activity (only closed deals) must show 0.
    select
        'quarter' as check_name,
        coalesce(fact_quarters.rep_id, quarterly.rep_id) as rep_id,
        cast(
            coalesce(fact_quarters.quarter_start, quarterly.quarter_start) as {{ dbt.type_string() }}
        ) as period,
        coalesce(fact_quarters.activity_count, 0) as expected_count,
        quarterly.activity_count as actual_count,
        coalesce(fact_quarters.total_minutes, 0) as expected_minutes,
        quarterly.total_minutes as actual_minutes
    from fact_quarters
    full outer join quarterly
        on fact_quarters.rep_id = quarterly.rep_id
        and fact_quarters.quarter_start = quarterly.quarter_start
    where
        quarterly.rep_id is null
        or coalesce(fact_quarters.activity_count, 0) <> quarterly.activity_count
        or (
            abs(coalesce(fact_quarters.total_minutes, 0) - quarterly.total_minutes)
            > 0.000001 + 0.000000001 * quarterly.total_minutes
        )

),

weekly_by_rep as (

    select
        rep_id,
        sum(activity_count) as activity_count,
        sum(selling_activity_count) as selling_activity_count,
        sum(total_minutes) as total_minutes,
        {%- for category in categories %}
        sum({{ category }}_minutes) as {{ category }}_minutes,
        {%- endfor %}
        sum(selling_minutes) as selling_minutes
    from weekly
    group by rep_id

),

quarterly_by_rep as (

    select
        rep_id,
        sum(activity_count) as activity_count,
        sum(selling_activity_count) as selling_activity_count,
        sum(total_minutes) as total_minutes,
        {%- for category in categories %}
        sum({{ category }}_minutes) as {{ category }}_minutes,
        {%- endfor %}
        sum(selling_minutes) as selling_minutes
    from quarterly
    group by rep_id

),

rep_mismatches as (

    select
        'rep_total' as check_name,
        coalesce(weekly_by_rep.rep_id, quarterly_by_rep.rep_id) as rep_id,
        cast(null as {{ dbt.type_string() }}) as period,
        weekly_by_rep.activity_count as expected_count,
        quarterly_by_rep.activity_count as actual_count,
        weekly_by_rep.total_minutes as expected_minutes,
        quarterly_by_rep.total_minutes as actual_minutes
    from weekly_by_rep
    full outer join quarterly_by_rep
        on weekly_by_rep.rep_id = quarterly_by_rep.rep_id
    where
        -- a rep with only closed deals is in the quarterly mart alone, with no activity
        (weekly_by_rep.rep_id is null and quarterly_by_rep.activity_count <> 0)
        or weekly_by_rep.activity_count <> quarterly_by_rep.activity_count
        or weekly_by_rep.selling_activity_count <> quarterly_by_rep.selling_activity_count
        or (
            abs(weekly_by_rep.total_minutes - quarterly_by_rep.total_minutes)
            > 0.000001 + 0.000000001 * quarterly_by_rep.total_minutes
        )
        or (
            abs(weekly_by_rep.selling_minutes - quarterly_by_rep.selling_minutes)
            > 0.000001 + 0.000000001 * quarterly_by_rep.selling_minutes
        )
        -- sqlfluff places a loop's lines after a bracketed condition one level too far left:
        -- noqa: disable=LT02
        {%- for category in categories %}
        or (
            abs(weekly_by_rep.{{ category }}_minutes - quarterly_by_rep.{{ category }}_minutes)
            > 0.000001 + 0.000000001 * quarterly_by_rep.{{ category }}_minutes
        )
        {%- endfor %}
-- noqa: enable=LT02

)

select * from week_mismatches
union all
select * from quarter_mismatches
union all
select * from rep_mismatches
