-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_stage_durations'}}}) }}

-- Days in stage are fractional and not rounded (metrics spec): each interval's days_in_stage
-- x 86400 gives back its whole seconds within a billionth, and per quarter of exit x stage
-- kpi_stage_durations' median and p90 equal the continuous percentiles of the intervals'
-- days_in_stage (recomputed on days here, on seconds in the mart: the percentile is linear)
-- and its mean x exited_count x 86400 their total seconds, each within a billionth (the
-- double's noise). A rounding to 4 decimals of a day (up to 4.32 s) fails it. Fails with
-- every interval or quarter x stage that is off.
with

intervals as (

    select
        opportunity_id,
        interval_number,
        exit_quarter_start,
        stage_name,
        seconds_in_stage,
        days_in_stage
    from {{ ref('fct_opportunity_stage_intervals') }}
    where exited_at is not null

),

durations as (

    select
        quarter_start,
        stage_name,
        exited_count,
        median_days_in_stage,
        p90_days_in_stage,
        avg_days_in_stage
    from {{ ref('kpi_stage_durations') }}

),

recomputed as (

    select
        exit_quarter_start as quarter_start,
        stage_name,
        {{ percentile_cont('days_in_stage', 0.5) }} as median_days_in_stage,
        {{ percentile_cont('days_in_stage', 0.9) }} as p90_days_in_stage,
        sum(seconds_in_stage) as total_seconds_in_stage
    from intervals
    group by exit_quarter_start, stage_name

),

interval_mismatches as (

    select
        'interval' as check_name,
        exit_quarter_start as quarter_start,
        stage_name,
        cast(seconds_in_stage as {{ type_double() }}) as expected_value,
        days_in_stage * 86400 as actual_value
    from intervals
    where abs(days_in_stage * 86400 - seconds_in_stage) > 0.000000001 * (abs(seconds_in_stage) + 1)

),

mart_mismatches as (

    select
        'quarter_stage' as check_name,
        durations.quarter_start,
        durations.stage_name,
        cast(recomputed.total_seconds_in_stage as {{ type_double() }}) as expected_value,
        durations.avg_days_in_stage * durations.exited_count * 86400 as actual_value
    from durations
    inner join recomputed
        on durations.quarter_start = recomputed.quarter_start
        and durations.stage_name = recomputed.stage_name
    where
        (
            abs(durations.median_days_in_stage - recomputed.median_days_in_stage)
            > 0.000000001 * (abs(recomputed.median_days_in_stage) + 1)
        )
        or (
            abs(durations.p90_days_in_stage - recomputed.p90_days_in_stage)
            > 0.000000001 * (abs(recomputed.p90_days_in_stage) + 1)
        )
        or (
            abs(
                durations.avg_days_in_stage * durations.exited_count * 86400
                - recomputed.total_seconds_in_stage
            )
            > 0.000000001 * (abs(recomputed.total_seconds_in_stage) + 1)
        )

)

select * from interval_mismatches
union all
select * from mart_mismatches
