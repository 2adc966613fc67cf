-- Week x rep: minutes of activity by category, selling minutes and selling share
-- (docs/kpi-reference.md, activity time allocation). One row per week and rep with at least
-- one activity (a week whose activities all have 0 minutes is a row with total 0).

-- Incremental: re-selects whole periods / records a new raw row can change
-- (macros/incremental_changes.sql); the full_refresh job rebuilds it whole.
{{ config(**incremental_config(
    chain='activities',
    unique_key='week_start',
    changed="activity_periods_changed('week')"
)) }}


{%- set categories = activity_categories() %}

with

activities as (

    select
        week_start,
        rep_id,
        category,
        is_selling,
        minutes
    from {{ ref('fct_activities') }}
    {%- if is_incremental() %}
    where {{ reselected('periods', 'week_start') }}
    {%- endif %}

),

weekly as (

    select
        week_start,
        rep_id,
        count(*) as activity_count,
        sum(minutes) as total_minutes,
        sum(case when is_selling then minutes else 0 end) as selling_minutes,
        {%- for category in categories %}
        sum(case when category = '{{ category }}' then minutes else 0 end) as {{ category }}_minutes,
        {%- endfor %}
        sum(case when is_selling then 1 else 0 end) as selling_activity_count
    from activities
    group by
        week_start,
        rep_id

),

final as (

    select
        week_start,
        rep_id,
        -- Minutes are doubles, not rounded (metrics spec); the share is decimal(18, 6).
        cast(total_minutes as {{ type_double() }}) as total_minutes,
        cast(selling_minutes as {{ type_double() }}) as selling_minutes,
        {{ ratio('selling_minutes', 'total_minutes', numerator_type=type_double()) }} as selling_share,
        {%- for category in categories %}
        cast({{ category }}_minutes as {{ type_double() }}) as {{ category }}_minutes,
        {%- endfor %}
        cast(activity_count as {{ dbt.type_int() }}) as activity_count,
        cast(selling_activity_count as {{ dbt.type_int() }}) as selling_activity_count
    from weekly

)

select * from final
