-- One row per lead cohort month x lead source x funnel step with at least one lead entering
-- the step (metrics spec, Funnel leakage).

-- Incremental: re-selects whole periods / records a new raw row can change
-- (macros/incremental_changes.sql); the full_refresh job rebuilds it whole.
{{ config(**incremental_config(
    chain='leads',
    unique_key='cohort_month',
    changed="cohort_months_changed()"
)) }}

with

leads as (

    select
        lead_id,
        cohort_month,
        lead_source,
        has_reached_mql,
        has_reached_sql,
        has_reached_opportunity,
        has_reached_won
    from {{ ref('fct_leads') }}
    {%- if is_incremental() %}
    where {{ reselected('periods', 'cohort_month') }}
    {%- endif %}

),

steps as (

    -- step from stage A to stage B: entered = reached A, converted = reached A and B.
    -- Every lead has reached `lead`.
    select
        cohort_month,
        lead_source,
        'lead_to_mql' as step,
        1 as step_order,
        'lead' as from_stage,
        'mql' as to_stage,
        true as has_entered,
        has_reached_mql as has_converted
    from leads

    union all

    select
        cohort_month,
        lead_source,
        'mql_to_sql' as step,
        2 as step_order,
        'mql' as from_stage,
        'sql' as to_stage,
        has_reached_mql as has_entered,
        has_reached_mql and has_reached_sql as has_converted
    from leads

    union all

    select
        cohort_month,
        lead_source,
        'sql_to_opportunity' as step,
        3 as step_order,
        'sql' as from_stage,
        'opportunity' as to_stage,
        has_reached_sql as has_entered,
        has_reached_sql and has_reached_opportunity as has_converted
    from leads

    union all

    select
        cohort_month,
        lead_source,
        'opportunity_to_won' as step,
        4 as step_order,
        'opportunity' as from_stage,
        'won' as to_stage,
        has_reached_opportunity as has_entered,
        has_reached_opportunity and has_reached_won as has_converted
    from leads

),

counted as (

    select
        cohort_month,
        lead_source,
        step,
        step_order,
        from_stage,
        to_stage,
        sum(case when has_entered then 1 else 0 end) as entered_count,
        sum(case when has_converted then 1 else 0 end) as converted_count
    from steps
    group by cohort_month, lead_source, step, step_order, from_stage, to_stage

),

rates as (

    select
        cohort_month,
        lead_source,
        step,
        step_order,
        from_stage,
        to_stage,
        entered_count,
        converted_count,
        {{ ratio('converted_count', 'entered_count') }} as conversion_rate
    from counted
    where entered_count > 0

),

final as (

    select
        cohort_month,
        cast(lead_source as {{ dbt.type_string() }}) as lead_source,
        cast(step as {{ dbt.type_string() }}) as step,
        cast(step_order as {{ dbt.type_int() }}) as step_order,
        cast(from_stage as {{ dbt.type_string() }}) as from_stage,
        cast(to_stage as {{ dbt.type_string() }}) as to_stage,
        cast(entered_count as {{ dbt.type_int() }}) as entered_count,
        cast(converted_count as {{ dbt.type_int() }}) as converted_count,
        cast(entered_count - converted_count as {{ dbt.type_int() }}) as leaked_count,
        conversion_rate,
        -- 1 - conversion_rate exactly, so the two rates of a row always add up to 1.
        cast(1 - conversion_rate as decimal(18, 6)) as leakage_rate
    from rates

)

select * from final
