{#
    period_of(grain, timestamp): the period of `timestamp` that marts of `grain` group by
    ('week': its Monday, as fct_activities' week_start; 'month', 'quarter': date_trunc).
#}
{% macro period_of(grain, timestamp) -%}
    {%- if grain == 'week' -%}
        {{ week_start(timestamp) }}
    {%- else -%}
        cast({{ dbt.date_trunc(grain, timestamp) }} as date)
    {%- endif -%}
{%- endmacro %}

{#
    activity_periods_changed(grain)

    The periods (`grain`: week or quarter of the start) whose activities can differ from the
    model's last build: the start of every raw version, old and new, of each activity a new raw
    row touches, so an activity moved to another week empties its old week too. Touched are:
    activity-log records with a new row; Tasks and Events with a new row; the Tasks and Events
    any version of those log rows names in crm_activity_id (counted once: the log row replaces
    them); and the Tasks and Events any version of which points (WhatId) at an opportunity whose
    existence may have changed (their opportunity_id depends on the opportunity existing, and on
    nothing else of it: `opportunities_existence_changed`).
#}
{% macro activity_periods_changed(grain) -%}
    {%- set activity_log = source('activity', 'activities') -%}
    {%- set tasks = source('salesforce', 'task') -%}
    {%- set events = source('salesforce', 'event') -%}
    {%- set opportunities = source('salesforce', 'opportunity') -%}
    select distinct changed_periods.period_start
    from (
        select {{ period_of(grain, 'activity_log_versions.started_at') }} as period_start
        from {{ activity_log }} as activity_log_versions
        where activity_log_versions.activity_id in ({{ keys_loaded_since_watermark(activity_log, 'activity_id') }})

        union all

        select {{ period_of(grain, 'cast(task_versions.activity_date as ' ~ dbt.type_timestamp() ~ ')') }}
        from {{ tasks }} as task_versions
        where task_versions.id in ({{ crm_activities_touched(tasks, activity_log, opportunities) }})

        union all

        select {{ period_of(grain, 'event_versions.start_date_time') }}
        from {{ events }} as event_versions
        where event_versions.id in ({{ crm_activities_touched(events, activity_log, opportunities) }})
    ) as changed_periods
{%- endmacro %}

{# Ids of the Tasks (or Events: `crm_relation`) an activity change touches (see above). #}
{% macro crm_activities_touched(crm_relation, activity_log, opportunities) -%}
    {{ keys_loaded_since_watermark(crm_relation, 'id') }}
    union all
    select named.crm_activity_id
    from {{ activity_log }} as named
    where named.crm_activity_id is not null
        and named.activity_id in ({{ keys_loaded_since_watermark(activity_log, 'activity_id') }})
    union all
    select pointing.id
    from {{ crm_relation }} as pointing
    where pointing.what_id in ({{ opportunities_existence_changed(opportunities) }})
{%- endmacro %}

{#
    Opportunities with a new row whose existence (a newest version not deleted) may differ from
    the model's last build: none of its rows is older than the watermark (it is new), or a version,
    old or new, is deleted (deleted or restored). One whose every version is live existed then
    and exists now, so the Tasks and Events pointing at it keep their opportunity_id: a day's
    stage changes, which touch opportunities with activities in many weeks, re-select none.
#}
{% macro opportunities_existence_changed(opportunities) -%}
    select opportunity_versions.id
    from {{ opportunities }} as opportunity_versions
    where opportunity_versions.id in ({{ keys_loaded_since_watermark(opportunities, 'id') }})
    group by opportunity_versions.id
    having
        min(opportunity_versions._loaded_at) > {{ incremental_watermark() }}
        or max(case when opportunity_versions.is_deleted then 1 else 0 end) = 1
{%- endmacro %}

{#
    Quarters of kpi_activity_outcomes that can change: those of its activities and those of
    its closed deals.
#}
{% macro activity_outcome_quarters_changed() -%}
    {{ activity_periods_changed('quarter') }}
    union
    {{ closed_deal_quarters_changed() }}
{%- endmacro %}
