-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'fct_activities'}}}) }}

-- Each activity is counted once: fct_activities holds every activity-log row, and every
-- live Task and Event except those an activity-log row names in crm_activity_id (the
-- Task/Event is dropped, the log row kept). Fails with every activity missing, kept twice,
-- or kept although a log row stands for it.
with

activity_log as (

    select
        activity_id,
        crm_activity_id
    from {{ ref('stg_activity__activities') }}

),

tasks as (

    select task_id from {{ ref('stg_salesforce__tasks') }}

),

events as (

    select event_id from {{ ref('stg_salesforce__events') }}

),

activities as (

    select
        source,
        source_activity_id
    from {{ ref('fct_activities') }}

),

named as (

    select distinct crm_activity_id
    from activity_log
    where crm_activity_id is not null

),

expected as (

    select 'activity_log' as source, activity_id as source_activity_id
    from activity_log
    union all
    select 'task' as source, tasks.task_id as source_activity_id
    from tasks
    left join named
        on tasks.task_id = named.crm_activity_id
    where named.crm_activity_id is null
    union all
    select 'event' as source, events.event_id as source_activity_id
    from events
    left join named
        on events.event_id = named.crm_activity_id
    where named.crm_activity_id is null

),

actual as (

    select
        source,
        source_activity_id,
        count(*) as occurrences
    from activities
    group by
        source,
        source_activity_id

)

select
    coalesce(expected.source, actual.source) as source,
    coalesce(expected.source_activity_id, actual.source_activity_id) as source_activity_id,
    actual.occurrences
from expected
full outer join actual
    on expected.source = actual.source
    and expected.source_activity_id = actual.source_activity_id
where
    expected.source is null
    or actual.source is null
    or actual.occurrences <> 1
