-- One row per quarter x opportunity stage with at least one interval in that stage exited in
-- the quarter (metrics spec, Stage durations).
with

stage_intervals as (

    select
        stage_name,
        stage_order,
        exit_kind,
        seconds_in_stage,
        exit_quarter_start
    from {{ ref('fct_opportunity_stage_intervals') }}
    -- Still-open intervals have no exit and are in no figure.
    where exited_at is not null

),

by_quarter_and_stage as (

    select
        exit_quarter_start as quarter_start,
        stage_name,
        max(stage_order) as stage_order,
        count(*) as exited_count,
        sum(case when exit_kind = 'advanced' then 1 else 0 end) as advanced_count,
        sum(case when exit_kind = 'lost' then 1 else 0 end) as lost_count,
        sum(case when exit_kind = 'moved_back' then 1 else 0 end) as moved_back_count,
        sum(case when exit_kind = 'unordered' then 1 else 0 end) as unordered_count,
        -- Percentiles of whole seconds, turned into days once (linear, so the same as the
        -- percentile of the exact fractional days).
        {{ percentile_cont('seconds_in_stage', 0.5) }} as median_seconds_in_stage,
        {{ percentile_cont('seconds_in_stage', 0.9) }} as p90_seconds_in_stage,
        avg(cast(seconds_in_stage as decimal(38, 6))) as avg_seconds_in_stage
    from stage_intervals
    group by exit_quarter_start, stage_name

),

final as (

    select
        quarter_start,
        stage_name,
        cast(stage_order as {{ dbt.type_int() }}) as stage_order,
        cast(exited_count as {{ dbt.type_int() }}) as exited_count,
        cast(advanced_count as {{ dbt.type_int() }}) as advanced_count,
        cast(lost_count as {{ dbt.type_int() }}) as lost_count,
        cast(moved_back_count as {{ dbt.type_int() }}) as moved_back_count,
        cast(unordered_count as {{ dbt.type_int() }}) as unordered_count,
        cast(cast(median_seconds_in_stage / 86400.0 as decimal(38, 6)) as decimal(18, 4)) as median_days_in_stage,
        cast(cast(p90_seconds_in_stage / 86400.0 as decimal(38, 6)) as decimal(18, 4)) as p90_days_in_stage,
        cast(cast(avg_seconds_in_stage / 86400.0 as decimal(38, 6)) as decimal(18, 4)) as avg_days_in_stage,
        cast(
            cast(advanced_count as decimal(38, 6)) / nullif(advanced_count + lost_count, 0)
            as decimal(18, 6)
        ) as advance_rate
    from by_quarter_and_stage

)

select * from final
