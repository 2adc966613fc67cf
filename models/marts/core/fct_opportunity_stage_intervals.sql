-- One row per stage interval of an opportunity: a run of consecutive OpportunityHistory rows
-- (by CreatedDate, ties by history Id) with the same StageName, entered at the run's first row
-- and exited at the next run's first row (metrics spec, Stage durations).

-- Incremental: re-selects whole periods / records a new raw row can change
-- (macros/incremental_changes.sql); the full_refresh job rebuilds it whole.
{{ config(**incremental_config(
    chain='stage_intervals',
    unique_key='opportunity_id',
    changed="opportunities_changed()",
    reselects='records'
)) }}

with

opportunity_histories as (

    select
        opportunity_history_id,
        opportunity_id,
        stage_name,
        created_at
    from {{ ref('stg_salesforce__opportunity_histories') }}
    {%- if is_incremental() %}
    where {{ reselected('records', 'opportunity_id') }}
    {%- endif %}

),

opportunities as (

    -- Deleted opportunities count nowhere: only history of opportunities in the fact.
    select opportunity_id
    from {{ ref('fct_opportunities') }}

),

stages as (

    select
        stage_name,
        stage_order,
        is_closed,
        is_won
    from {{ ref('opportunity_stages') }}

),

ordered_rows as (

    select
        opportunity_histories.opportunity_history_id,
        opportunity_histories.opportunity_id,
        opportunity_histories.stage_name,
        opportunity_histories.created_at,
        lag(opportunity_histories.stage_name) over (
            partition by opportunity_histories.opportunity_id
            order by opportunity_histories.created_at asc, opportunity_histories.opportunity_history_id asc
        ) as previous_stage_name
    from opportunity_histories
    inner join opportunities
        on opportunity_histories.opportunity_id = opportunities.opportunity_id

),

run_starts as (

    -- The first row of each run: the opportunity's first row, or a row whose stage differs
    -- from the previous row's.
    select
        opportunity_history_id,
        opportunity_id,
        stage_name,
        created_at,
        row_number() over (
            partition by opportunity_id
            order by created_at asc, opportunity_history_id asc
        ) as interval_number
    from ordered_rows
    where previous_stage_name is null
        or stage_name <> previous_stage_name

),

intervals as (

    select
        opportunity_id,
        interval_number,
        opportunity_history_id as entered_history_id,
        stage_name,
        created_at as entered_at,
        lead(created_at) over (
            partition by opportunity_id
            order by interval_number asc
        ) as exited_at,
        lead(stage_name) over (
            partition by opportunity_id
            order by interval_number asc
        ) as next_stage_name
    from run_starts

),

classified as (

    select
        intervals.opportunity_id,
        intervals.interval_number,
        intervals.entered_history_id,
        intervals.stage_name,
        current_stages.stage_order,
        intervals.entered_at,
        intervals.exited_at,
        intervals.next_stage_name,
        next_stages.stage_order as next_stage_order,
        case
            when intervals.exited_at is null then null
            -- Exits are judged by the stage exited to: to a won stage is an advance and to a
            -- lost stage a loss, whatever stage is left (a reopened closed stage included).
            when next_stages.is_won then 'advanced'
            when next_stages.is_closed then 'lost'
            -- Between open stages (or from a closed stage back to an open one) by the seed's order.
            when next_stages.stage_order > current_stages.stage_order then 'advanced'
            when next_stages.stage_order < current_stages.stage_order then 'moved_back'
            -- A stage missing from the seed has no order: neither advanced, lost nor moved back.
            else 'unordered'
        end as exit_kind,
        case
            when intervals.exited_at is not null
                then cast(
                    {{ dbt.datediff('intervals.entered_at', 'intervals.exited_at', 'second') }}
                    as {{ dbt.type_bigint() }}
                )
        end as seconds_in_stage
    from intervals
    left join stages as current_stages
        on intervals.stage_name = current_stages.stage_name
    left join stages as next_stages
        on intervals.next_stage_name = next_stages.stage_name

),

final as (

    select
        opportunity_id,
        interval_number,
        entered_history_id,
        stage_name,
        stage_order,
        entered_at,
        exited_at,
        next_stage_name,
        next_stage_order,
        exit_kind,
        exited_at is not null as is_exited,
        seconds_in_stage,
        -- exit - entry in days, from whole seconds: fractional, a double, not rounded
        -- (1 day 1 s = 1.000011574074074).
        {{ duration_from_seconds('seconds_in_stage', 'day') }} as days_in_stage,
        cast({{ dbt.date_trunc('quarter', 'exited_at') }} as date) as exit_quarter_start
    from classified

)

select * from final
