-- One row per quarter that has quotas: the leads the org needs to create to meet the quarter's
-- quota at the deal size and lead-to-won rate of the four quarters before it (metrics spec,
-- Leads required).
with

quotas as (

    select
        period_start,
        quota_amount
    from {{ ref('fct_quotas') }}

),

opportunities as (

    select
        won_amount,
        close_quarter_start
    from {{ ref('fct_opportunities') }}
    where is_won

),

leads as (

    select
        cohort_quarter_start,
        has_reached_won
    from {{ ref('fct_leads') }}

),

quarterly_quotas as (

    -- Every quota whose period starts in the quarter, of every rep: monthly quotas summed.
    select
        cast({{ dbt.date_trunc('quarter', 'period_start') }} as date) as quarter_start,
        sum(quota_amount) as quota_amount
    from quotas
    group by cast({{ dbt.date_trunc('quarter', 'period_start') }} as date)

),

quarterly_won_deals as (

    select
        close_quarter_start as quarter_start,
        count(*) as won_count,
        sum(won_amount) as won_amount
    from opportunities
    group by close_quarter_start

),

quarterly_leads as (

    select
        cohort_quarter_start as quarter_start,
        count(*) as lead_count,
        sum(case when has_reached_won then 1 else 0 end) as won_lead_count
    from leads
    group by cohort_quarter_start

),

lookback_windows as (

    -- The four quarters before: from 12 months before the quarter's start, up to it.
    select
        quarter_start,
        quota_amount,
        cast({{ dbt.dateadd('month', -12, 'quarter_start') }} as date) as lookback_start
    from quarterly_quotas

),

lookback_won_deals as (

    select
        lookback_windows.quarter_start,
        sum(quarterly_won_deals.won_count) as won_count,
        sum(quarterly_won_deals.won_amount) as won_amount
    from lookback_windows
    inner join quarterly_won_deals
        on quarterly_won_deals.quarter_start >= lookback_windows.lookback_start
        and quarterly_won_deals.quarter_start < lookback_windows.quarter_start
    group by lookback_windows.quarter_start

),

lookback_leads as (

    select
        lookback_windows.quarter_start,
        sum(quarterly_leads.lead_count) as lead_count,
        sum(quarterly_leads.won_lead_count) as won_lead_count
    from lookback_windows
    inner join quarterly_leads
        on quarterly_leads.quarter_start >= lookback_windows.lookback_start
        and quarterly_leads.quarter_start < lookback_windows.quarter_start
    group by lookback_windows.quarter_start

),

joined as (

    select
        lookback_windows.quarter_start,
        lookback_windows.lookback_start,
        lookback_windows.quota_amount,
        coalesce(lookback_won_deals.won_count, 0) as won_count,
        coalesce(lookback_won_deals.won_amount, 0) as won_amount,
        coalesce(lookback_leads.lead_count, 0) as lead_count,
        coalesce(lookback_leads.won_lead_count, 0) as won_lead_count
    from lookback_windows
    left join lookback_won_deals
        on lookback_windows.quarter_start = lookback_won_deals.quarter_start
    left join lookback_leads
        on lookback_windows.quarter_start = lookback_leads.quarter_start

),

computed as (

    select
        quarter_start,
        lookback_start,
        quota_amount,
        won_count,
        won_amount,
        lead_count,
        won_lead_count,
        {{ ratio('won_amount', 'won_count', scale=2) }} as avg_deal_size,
        {{ ratio('won_lead_count', 'lead_count') }} as lead_to_won_rate,
        -- quota / (avg_deal_size * lead_to_won_rate) from the unrounded sums:
        -- quota * won_count * lead_count / (won_amount * won_lead_count); NULL when the deal
        -- size or the rate is 0 or missing (no won deal, no lead, no won lead, amounts 0).
        {{ ratio('quota_amount * won_count * lead_count', 'won_amount * won_lead_count') }} as leads_required
    from joined

),

final as (

    select
        quarter_start,
        lookback_start,
        cast(quota_amount as decimal(18, 2)) as quota_amount,
        cast(won_count as {{ dbt.type_int() }}) as lookback_won_count,
        cast(won_amount as decimal(18, 2)) as lookback_won_amount,
        cast(lead_count as {{ dbt.type_int() }}) as lookback_lead_count,
        cast(won_lead_count as {{ dbt.type_int() }}) as lookback_won_lead_count,
        avg_deal_size,
        lead_to_won_rate,
        leads_required
    from computed

)

select * from final
