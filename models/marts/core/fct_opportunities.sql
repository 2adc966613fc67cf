-- One row per opportunity, current state (newest version, deleted ones already gone in staging).
with

opportunities as (

    select
        opportunity_id,
        account_id,
        owner_id,
        territory_id,
        stage_name,
        lead_source,
        opportunity_type,
        amount,
        probability,
        is_closed,
        is_won,
        close_date,
        created_at
    from {{ ref('stg_salesforce__opportunities') }}

),

reps as (

    select
        user_id,
        manager_id
    from {{ ref('stg_salesforce__users') }}

),

stages as (

    select
        stage_name,
        stage_order
    from {{ ref('opportunity_stages') }}

),

classified as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.owner_id as rep_id,
        reps.manager_id,
        opportunities.territory_id,
        opportunities.stage_name,
        stages.stage_order,
        opportunities.lead_source,
        opportunities.opportunity_type,
        opportunities.amount,
        opportunities.probability,
        -- Won is IsWon alone, even when IsClosed is wrongly false (metrics spec, Conventions).
        coalesce(opportunities.is_won, false) as is_won,
        coalesce(opportunities.is_closed, false) and not coalesce(opportunities.is_won, false) as is_lost,
        coalesce(opportunities.is_closed, false) as is_closed,
        opportunities.close_date,
        opportunities.created_at,
        cast(opportunities.created_at as date) as created_date
    from opportunities
    left join reps
        on opportunities.owner_id = reps.user_id
    left join stages
        on opportunities.stage_name = stages.stage_name

),

final as (

    select
        opportunity_id,
        account_id,
        rep_id,
        manager_id,
        territory_id,
        stage_name,
        stage_order,
        lead_source,
        opportunity_type,
        case
            when is_won then 'won'
            when is_lost then 'lost'
            else 'open'
        end as opportunity_status,
        is_won,
        is_lost,
        is_closed,
        cast(amount as decimal(18, 2)) as amount,
        -- A won deal with a null amount counts as a won deal of amount 0.
        cast(case when is_won then coalesce(amount, 0) end as decimal(18, 2)) as won_amount,
        cast(case when is_lost then coalesce(amount, 0) end as decimal(18, 2)) as lost_amount,
        probability,
        created_at,
        created_date,
        close_date,
        cast({{ dbt.date_trunc('month', 'close_date') }} as date) as close_month_start,
        cast({{ dbt.date_trunc('quarter', 'close_date') }} as date) as close_quarter_start,
        case
            when is_won or is_lost
                then cast({{ dbt.datediff('created_date', 'close_date', 'day') }} as {{ dbt.type_int() }})  -- noqa: LT05
        end as days_to_close
    from classified

)

select * from final
