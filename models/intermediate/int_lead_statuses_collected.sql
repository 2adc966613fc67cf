-- One row per lead x status the lead has been in: its current Status and every OldValue and
-- NewValue of its LeadHistory rows with Field = 'Status' (metrics spec, Funnel leakage), with the
-- funnel stage the seed maps the status to and the earliest time the lead is known to have
-- entered it.

-- Incremental: re-selects whole periods / records a new raw row can change
-- (macros/incremental_changes.sql); the full_refresh job rebuilds it whole.
{{ config(**incremental_config(
    chain='lead_statuses',
    unique_key='lead_id',
    changed="leads_changed(through_conversions=false)",
    reselects='records'
)) }}

with

leads as (

    select
        lead_id,
        status,
        created_at
    from {{ ref('stg_salesforce__leads') }}
    {%- if is_incremental() %}
    where {{ reselected('records', 'lead_id') }}
    {%- endif %}

),

lead_histories as (

    select
        lead_history_id,
        lead_id,
        field_name,
        old_value,
        new_value,
        created_at
    from {{ ref('stg_salesforce__lead_histories') }}
    {%- if is_incremental() %}
    where {{ reselected('records', 'lead_id') }}
    {%- endif %}

),

status_stages as (

    select
        status,
        funnel_stage
    from {{ ref('lead_status_stages') }}

),

status_changes as (

    -- Status changes of leads that still exist (deleted leads are gone from staging).
    -- Field is compared case-insensitively; ties in CreatedDate are broken by the history Id.
    select
        lead_histories.lead_history_id,
        lead_histories.lead_id,
        lead_histories.old_value,
        lead_histories.new_value,
        lead_histories.created_at,
        leads.created_at as lead_created_at,
        row_number() over (
            partition by lead_histories.lead_id
            order by lead_histories.created_at asc, lead_histories.lead_history_id asc
        ) as change_number
    from lead_histories
    inner join leads
        on lead_histories.lead_id = leads.lead_id
    where lower(lead_histories.field_name) = 'status'

),

leads_with_history as (

    select distinct lead_id
    from status_changes

),

current_statuses as (

    -- The current Status. Without any status history it is the lead's first status, entered
    -- when the lead was created (extract contract: creation counts as entering the first
    -- status); with history, when it was entered is known from the NewValue rows.
    select
        leads.lead_id,
        leads.status,
        case
            when leads_with_history.lead_id is null then leads.created_at
        end as entered_at,
        true as is_current_status
    from leads
    left join leads_with_history
        on leads.lead_id = leads_with_history.lead_id

),

old_statuses as (

    -- The OldValue of the first status change is the status the lead was created in; an
    -- OldValue of a later change was entered by an earlier NewValue (or at an unknown time).
    select
        lead_id,
        old_value as status,
        case when change_number = 1 then lead_created_at end as entered_at,
        false as is_current_status
    from status_changes

),

new_statuses as (

    -- A NewValue is the status entered at the change's CreatedDate.
    select
        lead_id,
        new_value as status,
        created_at as entered_at,
        false as is_current_status
    from status_changes

),

all_occurrences as (

    select * from current_statuses
    union all
    select * from old_statuses
    union all
    select * from new_statuses

),

collected as (

    select
        lead_id,
        status,
        min(entered_at) as first_entered_at,
        max(case when is_current_status then 1 else 0 end) as current_status_flag
    from all_occurrences
    where status is not null
    group by lead_id, status

),

final as (

    select
        collected.lead_id,
        collected.status,
        -- NULL for a status missing from the seed (reported by a data-quality check).
        status_stages.funnel_stage,
        collected.first_entered_at,
        collected.current_status_flag = 1 as is_current_status
    from collected
    left join status_stages
        on collected.status = status_stages.status

)

select * from final
