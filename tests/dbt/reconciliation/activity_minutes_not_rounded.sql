-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'fct_activities'}}}) }}

-- Minutes are not rounded (metrics spec): every Task's minutes, in stg_salesforce__tasks and
-- in fct_activities, are its CallDurationInSeconds / 60 (0 when it has none) to within the
-- double's noise, so minutes x 60 gives back the whole seconds within a billionth. A
-- rounding to 4 or 6 decimals anywhere fails it (61 s = 1.0166666666666666 minutes; 1.016667
-- x 60 = 61.00002). Fails with every Task whose minutes are off.
with

tasks as (

    select
        task_id,
        call_duration_seconds,
        call_duration_minutes
    from {{ ref('stg_salesforce__tasks') }}

),

task_activities as (

    select
        source_activity_id as task_id,
        minutes
    from {{ ref('fct_activities') }}
    where source = 'task'

),

compared as (

    select
        tasks.task_id,
        tasks.call_duration_seconds,
        tasks.call_duration_minutes,
        task_activities.minutes as fct_minutes
    from tasks
    inner join task_activities
        on tasks.task_id = task_activities.task_id

)

select *
from compared
where
    (call_duration_seconds is null) <> (call_duration_minutes is null)
    or (
        abs(call_duration_minutes * 60 - call_duration_seconds)
        > 0.000000001 * (abs(call_duration_seconds) + 1)
    )
    or (
        abs(fct_minutes * 60 - coalesce(call_duration_seconds, 0))
        > 0.000000001 * (abs(coalesce(call_duration_seconds, 0)) + 1)
    )
