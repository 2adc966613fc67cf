-- One row per activity (activity log + Task + Event, each counted once), with its
-- time-allocation category from the seed activity_categories and its week.

-- Incremental: re-selects whole periods / records a new raw row can change
-- (macros/incremental_changes.sql); the full_refresh job rebuilds it whole.
{{ config(**incremental_config(
    chain='activities',
    unique_key='week_start',
    changed="activity_periods_changed('week')"
)) }}

with

activities as (

    select
        activity_key,
        source,
        source_activity_id,
        rep_id,
        started_at,
        activity_label,
        minutes,
        account_id,
        opportunity_id
    from {{ ref('int_activities_unioned') }}
    {%- if is_incremental() %}
    where {{ reselected_week_of('started_at') }}
    {%- endif %}

),

categories as (

    select
        activity_type,
        category
    from {{ ref('activity_categories') }}

),

categorised as (

    select
        activities.activity_key,
        activities.source,
        activities.source_activity_id,
        activities.rep_id,
        activities.started_at,
        activities.activity_label,
        -- A label the seed lacks (or no label) lands in unmapped: counted, never dropped.
        coalesce(categories.category, 'unmapped') as category,
        activities.minutes,
        activities.account_id,
        activities.opportunity_id
    from activities
    left join categories
        on activities.activity_label = categories.activity_type

),

final as (

    select
        cast(activity_key as {{ dbt.type_string() }}) as activity_key,
        cast(source as {{ dbt.type_string() }}) as source,
        cast(source_activity_id as {{ dbt.type_string() }}) as source_activity_id,
        cast(rep_id as {{ dbt.type_string() }}) as rep_id,
        started_at,
        cast(started_at as date) as activity_date,
        -- Minutes count in the week (Monday) of the start.
        {{ week_start('started_at') }} as week_start,
        cast({{ dbt.date_trunc('quarter', 'started_at') }} as date) as quarter_start,
        cast(activity_label as {{ dbt.type_string() }}) as activity_label,
        cast(category as {{ dbt.type_string() }}) as category,
        -- Selling time = the two customer-communication categories (metrics spec).
        cast(
            coalesce(category in ('digital_communication', 'personal_communication'), false)
            as {{ dbt.type_boolean() }}
        ) as is_selling,
        cast(minutes as {{ type_double() }}) as minutes,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id
    from categorised

)

select * from final
