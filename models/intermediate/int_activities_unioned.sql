-- One row per activity of a rep: the activity log plus Salesforce Tasks and Events, each
-- activity counted once (a Task/Event named by an activity-log row's crm_activity_id is
-- dropped, the log row kept), with its start, its label for the seed activity_categories
-- and its minutes (docs/kpi-reference.md, activity time allocation).

-- Incremental: re-selects whole periods / records a new raw row can change
-- (macros/incremental_changes.sql); the full_refresh job rebuilds it whole.
{{ config(**incremental_config(
    chain='activities',
    unique_key=none,
    changed="activity_periods_changed('week')",
    delete_expression="week_start('started_at')"
)) }}

{#- A daily build reads only the re-selected weeks of each input (filtered at the scan: a filter
    after the union left DuckDB materialising the whole activity log, 20M rows, for the two
    readers of the log's CTE). #}

with

activity_log as (

    select
        activity_id,
        rep_id,
        activity_type,
        started_at,
        ended_at,
        duration_minutes,
        account_id,
        opportunity_id,
        crm_activity_id
    from {{ ref('stg_activity__activities') }}
    {%- if is_incremental() %}
    where {{ reselected_week_of('started_at') }}
    {%- endif %}

),

tasks as (

    select
        task_id,
        owner_id,
        activity_date,
        task_subtype,
        call_duration_seconds,
        what_id,
        account_id
    from {{ ref('stg_salesforce__tasks') }}
    {%- if is_incremental() %}
    where {{ reselected_week_of('activity_date', 'cast(activity_date as ' ~ dbt.type_timestamp() ~ ')') }}
    {%- endif %}

),

events as (

    select
        event_id,
        owner_id,
        event_type,
        started_at,
        ended_at,
        duration_minutes,
        what_id,
        account_id
    from {{ ref('stg_salesforce__events') }}
    {%- if is_incremental() %}
    where {{ reselected_week_of('started_at') }}
    {%- endif %}

),

categories as (

    select
        activity_type
    from {{ ref('activity_categories') }}

),

opportunities as (

    select
        opportunity_id
    from {{ ref('stg_salesforce__opportunities') }}

),

logged_crm_activities as (

    -- Tasks/Events an activity-log row of any week already stands for (a daily build: of the
    -- Tasks/Events it re-selects only, not every id the log names, 4M at 20M).
    select distinct
        named_by_log.crm_activity_id
    from {{ ref('stg_activity__activities') }} as named_by_log
    where named_by_log.crm_activity_id is not null
    {%- if is_incremental() %}
        and named_by_log.crm_activity_id in (
            select tasks.task_id from tasks
            union all
            select events.event_id from events
        )
    {%- endif %}

),

activity_log_activities as (

    select
        concat('activity_log:', activity_id) as activity_key,
        'activity_log' as source,
        activity_id as source_activity_id,
        rep_id,
        started_at,
        activity_type as activity_label,
        -- duration_minutes as given, else end - start (staging); 0 if neither is known.
        coalesce(
            duration_minutes,
            {{ minutes_between('started_at', 'ended_at') }},
            cast(0 as {{ type_double() }})
        ) as minutes,
        account_id,
        opportunity_id
    from activity_log

),

task_activities as (

    select
        concat('task:', tasks.task_id) as activity_key,
        'task' as source,
        tasks.task_id as source_activity_id,
        tasks.owner_id as rep_id,
        -- A Task starts on its ActivityDate (midnight UTC).
        cast(tasks.activity_date as {{ dbt.type_timestamp() }}) as started_at,
        -- Label: TaskSubtype (null -> no label -> category unmapped downstream).
        tasks.task_subtype as activity_label,
        -- CallDurationInSeconds / 60, not rounded (a double: 61 s = 1.0166666666666666);
        -- no duration: 0 minutes, still an activity.
        coalesce(
            {{ duration_from_seconds('tasks.call_duration_seconds', 'minute') }},
            cast(0 as {{ type_double() }})
        ) as minutes,
        tasks.account_id,
        opportunities.opportunity_id
    from tasks
    left join logged_crm_activities
        on tasks.task_id = logged_crm_activities.crm_activity_id
    left join opportunities
        on tasks.what_id = opportunities.opportunity_id
    where logged_crm_activities.crm_activity_id is null

),

event_activities as (

    select
        concat('event:', events.event_id) as activity_key,
        'event' as source,
        events.event_id as source_activity_id,
        events.owner_id as rep_id,
        events.started_at,
        -- Label: Type when the seed maps it, else Meeting (an Event's default label).
        case
            when categories.activity_type is not null then events.event_type
            else 'Meeting'
        end as activity_label,
        -- DurationInMinutes, else end - start (staging); 0 if neither is known.
        coalesce(
            events.duration_minutes,
            {{ minutes_between('events.started_at', 'events.ended_at') }},
            cast(0 as {{ type_double() }})
        ) as minutes,
        events.account_id,
        opportunities.opportunity_id
    from events
    left join logged_crm_activities
        on events.event_id = logged_crm_activities.crm_activity_id
    left join categories
        on events.event_type = categories.activity_type
    left join opportunities
        on events.what_id = opportunities.opportunity_id
    where logged_crm_activities.crm_activity_id is null

),

unioned as (

    select * from activity_log_activities
    union all
    select * from task_activities
    union all
    select * from event_activities

),

final as (

    select
        cast(activity_key as {{ dbt.type_string() }}) as activity_key,
        cast(source as {{ dbt.type_string() }}) as source,
        cast(source_activity_id as {{ dbt.type_string() }}) as source_activity_id,
        cast(rep_id as {{ dbt.type_string() }}) as rep_id,
        cast(started_at as {{ dbt.type_timestamp() }}) as started_at,
        cast(activity_label as {{ dbt.type_string() }}) as activity_label,
        cast(minutes as {{ type_double() }}) as minutes,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id
    from unioned

)

select * from final
