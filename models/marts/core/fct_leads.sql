-- One row per lead (deleted leads already gone in staging) with its funnel cohort, the funnel
-- stages it reached (metrics spec, Funnel leakage) and when it reached them.

-- Incremental: re-selects whole periods / records a new raw row can change
-- (macros/incremental_changes.sql); the full_refresh job rebuilds it whole.
{{ config(**incremental_config(
    chain='leads',
    unique_key='lead_id',
    changed="leads_changed(through_conversions=true)",
    reselects='records'
)) }}

with

leads as (

    select
        lead_id,
        owner_id,
        status,
        lead_source,
        is_converted,
        converted_date,
        converted_opportunity_id,
        created_at
    from {{ ref('stg_salesforce__leads') }}
    {%- if is_incremental() %}
    where {{ reselected('records', 'lead_id') }}
    {%- endif %}

),

lead_statuses as (

    select
        lead_id,
        funnel_stage,
        first_entered_at
    from {{ ref('int_lead_statuses_collected') }}
    {%- if is_incremental() %}
    where {{ reselected('records', 'lead_id') }}
    {%- endif %}

),

opportunities as (

    select
        opportunity_id,
        opportunity_status,
        is_won,
        close_date
    from {{ ref('fct_opportunities') }}

),

status_stages_reached as (

    -- Stages shown by the statuses alone; `disqualified` and unmapped statuses add no stage.
    -- *_entered_at: earliest known entry into a status of that stage or a later one.
    select
        lead_id,
        max(case when funnel_stage in ('mql', 'sql') then 1 else 0 end) as has_mql_status,
        max(case when funnel_stage = 'sql' then 1 else 0 end) as has_sql_status,
        max(case when funnel_stage = 'disqualified' then 1 else 0 end) as has_disqualified_status,
        min(case when funnel_stage in ('mql', 'sql') then first_entered_at end) as mql_entered_at,
        min(case when funnel_stage = 'sql' then first_entered_at end) as sql_entered_at
    from lead_statuses
    group by lead_id

),

conversions as (

    -- Reached `opportunity`: IsConverted with a ConvertedOpportunityId, whether or not that
    -- opportunity still exists; `won` only if it exists (not deleted) and is won now.
    select
        leads.lead_id,
        leads.is_converted
        and leads.converted_opportunity_id is not null as has_reached_opportunity,
        case
            when leads.is_converted and leads.converted_opportunity_id is not null
                then opportunities.opportunity_status
        end as converted_opportunity_status,
        case
            when leads.is_converted and leads.converted_opportunity_id is not null
                then coalesce(opportunities.is_won, false)
            else false
        end as has_reached_won,
        case
            when leads.is_converted and leads.converted_opportunity_id is not null and opportunities.is_won
                then opportunities.close_date
        end as won_date
    from leads
    left join opportunities
        on leads.converted_opportunity_id = opportunities.opportunity_id

),

final as (

    select
        leads.lead_id,
        leads.owner_id as rep_id,
        coalesce(leads.lead_source, 'unknown') as lead_source,
        leads.status as current_status,
        leads.created_at,
        cast({{ dbt.date_trunc('month', 'leads.created_at') }} as date) as cohort_month,
        cast({{ dbt.date_trunc('quarter', 'leads.created_at') }} as date) as cohort_quarter_start,
        leads.is_converted,
        leads.converted_opportunity_id,
        conversions.converted_opportunity_status,
        coalesce(status_stages_reached.has_disqualified_status, 0) = 1 as has_been_disqualified,
        -- Every lead has reached `lead`; mql and sql also when any later stage was reached.
        coalesce(status_stages_reached.has_mql_status, 0) = 1
        or coalesce(status_stages_reached.has_sql_status, 0) = 1
        or conversions.has_reached_opportunity as has_reached_mql,
        coalesce(status_stages_reached.has_sql_status, 0) = 1
        or conversions.has_reached_opportunity as has_reached_sql,
        conversions.has_reached_opportunity,
        conversions.has_reached_won,
        status_stages_reached.mql_entered_at as mql_at,
        status_stages_reached.sql_entered_at as sql_at,
        -- Salesforce keeps only the date of a conversion and of a close: midnight UTC.
        case
            when leads.is_converted
                then cast(leads.converted_date as {{ dbt.type_timestamp() }})
        end as converted_at,
        cast(conversions.won_date as {{ dbt.type_timestamp() }}) as won_at
    from leads
    left join status_stages_reached
        on leads.lead_id = status_stages_reached.lead_id
    left join conversions
        on leads.lead_id = conversions.lead_id

)

select * from final
