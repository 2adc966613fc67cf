-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_stage_durations'}}}) }}

-- kpi_stage_durations holds every exited interval of fct_opportunity_stage_intervals exactly
-- once: per quarter of exit and stage, its counts by kind equal the fact's. Still-open
-- intervals are in neither. Fails with every quarter x stage that disagrees.
with

intervals as (

    select
        exit_quarter_start as quarter_start,
        stage_name,
        count(*) as exited_count,
        sum(case when exit_kind = 'advanced' then 1 else 0 end) as advanced_count,
        sum(case when exit_kind = 'lost' then 1 else 0 end) as lost_count,
        sum(case when exit_kind = 'moved_back' then 1 else 0 end) as moved_back_count
    from {{ ref('fct_opportunity_stage_intervals') }}
    where exited_at is not null
    group by exit_quarter_start, stage_name

),

durations as (

    select
        quarter_start,
        stage_name,
        exited_count,
        advanced_count,
        lost_count,
        moved_back_count
    from {{ ref('kpi_stage_durations') }}

),

compared as (

    select
        coalesce(intervals.quarter_start, durations.quarter_start) as quarter_start,
        coalesce(intervals.stage_name, durations.stage_name) as stage_name,
        intervals.exited_count as fact_exited_count,
        durations.exited_count as mart_exited_count,
        intervals.advanced_count as fact_advanced_count,
        durations.advanced_count as mart_advanced_count,
        intervals.lost_count as fact_lost_count,
        durations.lost_count as mart_lost_count,
        intervals.moved_back_count as fact_moved_back_count,
        durations.moved_back_count as mart_moved_back_count
    from intervals
    full outer join durations
        on intervals.quarter_start = durations.quarter_start
        and intervals.stage_name = durations.stage_name

)

select *
from compared
where fact_exited_count is null
    or mart_exited_count is null
    or fact_exited_count <> mart_exited_count
    or fact_advanced_count <> mart_advanced_count
    or fact_lost_count <> mart_lost_count
    or fact_moved_back_count <> mart_moved_back_count
