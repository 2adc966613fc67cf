-- One row per quarter x opportunity stage with at least one interval in that stage exited in
-- the quarter (metrics spec, Stage durations).

-- Incremental: re-selects whole periods / records a new raw row can change
-- (macros/incremental_changes.sql); the full_refresh job rebuilds it whole.
{{ config(**incremental_config(
    chain='stage_intervals',
    unique_key='quarter_start',
    changed="stage_exit_quarters_changed()"
)) }}

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
    {%- if is_incremental() %}
        and {{ reselected('periods', 'exit_quarter_start') }}
    {%- endif %}

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
        -- percentile of the exact fractional days). The exact percentile has at most one
        -- decimal (x[k] + d * (x[k + 1] - x[k]) with d = 0.5 (n - 1) or 0.9 (n - 1) minus its
        -- floor, a multiple of 0.1); the engines interpolate in double, which leaves noise in
        -- the last bits (DuckDB: the p90 of 61 s and 86401 s, exactly 77767 s, comes out as
        -- 77767.00000000001). Snapped to decimal(38, 6) seconds, the noise goes and the value
        -- is exact, the same on every engine, before one division into days.
        cast({{ percentile_cont('seconds_in_stage', 0.5) }} as decimal(38, 6)) as median_seconds_in_stage,
        cast({{ percentile_cont('seconds_in_stage', 0.9) }} as decimal(38, 6)) as p90_seconds_in_stage,
        -- The mean from the exact sum of seconds and the count (not avg(), which DuckDB takes
        -- in double and PostgreSQL in numeric): the same two double divisions on every engine.
        sum(seconds_in_stage) as total_seconds_in_stage
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
        -- Days in stage are doubles, not rounded (metrics spec: fractional days).
        {{ duration_from_seconds('median_seconds_in_stage', 'day') }} as median_days_in_stage,
        {{ duration_from_seconds('p90_seconds_in_stage', 'day') }} as p90_days_in_stage,
        {{ duration_from_seconds('total_seconds_in_stage', 'day') }} / nullif(exited_count, 0)
            as avg_days_in_stage,
        {{ ratio('advanced_count', 'advanced_count + lost_count') }} as advance_rate
    from by_quarter_and_stage

)

select * from final
