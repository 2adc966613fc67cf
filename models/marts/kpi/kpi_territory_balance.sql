-- Quarter x territory: the territory's current reps and accounts beside its quota, bookings
-- and open pipeline at the quarter end, and how its pipeline per rep compares with the
-- org's (docs/kpi-reference.md, territory balance). Every territory x every quarter from the
-- first to the last quarter with a booking or a quota. Memberships have no history: the
-- current reps and accounts of a territory apply to every quarter.

{%- set tolerance = var('territory_imbalance_tolerance') %}

with

territories as (

    select
        territory_id,
        territory_name,
        parent_territory_id,
        rep_count,
        account_count
    from {{ ref('dim_territories') }}

),

rep_territories as (

    select
        rep_id,
        territory_id
    from {{ ref('bridge_rep_territories') }}

),

account_territories as (

    select
        account_id,
        territory_id
    from {{ ref('bridge_account_territories') }}

),

opportunities as (

    select
        opportunity_id,
        account_id,
        amount,
        is_won,
        is_closed,
        won_amount,
        created_date,
        close_date,
        close_quarter_start
    from {{ ref('fct_opportunities') }}

),

quotas as (

    select
        rep_id,
        period_start,
        quota_amount
    from {{ ref('fct_quotas') }}

),

---------- the quarters: first to last quarter with a booking or a quota

quota_quarters as (

    select
        rep_id,
        cast({{ dbt.date_trunc('quarter', 'period_start') }} as date) as quarter_start,
        quota_amount
    from quotas

),

marked_quarters as (

    select close_quarter_start as quarter_start
    from opportunities
    where is_won
    union all
    select quarter_start from quota_quarters

),

bounds as (

    select
        min(quarter_start) as first_quarter_start,
        max(quarter_start) as last_quarter_start
    from marked_quarters

),

spine_days as (

    {{ date_spine(
        '(select first_quarter_start from bounds)',
        dbt.dateadd('month', 3, '(select last_quarter_start from bounds)')
    ) }}

),

quarters as (

    select distinct
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start
    from spine_days

),

quarter_ends as (

    select
        quarter_start,
        cast(
            {{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'quarter_start')) }}
            as date
        ) as quarter_end
    from quarters

),

---------- open pipeline at each quarter end

open_at_quarter_end as (

    -- Created on or before the quarter end, and either still open or closed after the
    -- quarter end. A won opportunity counts as closed on its CloseDate even when IsClosed is
    -- wrongly false (won = IsWon, metrics spec). A null amount counts 0.
    select
        quarter_ends.quarter_start,
        opportunities.opportunity_id,
        opportunities.account_id,
        coalesce(opportunities.amount, cast(0 as decimal(18, 2))) as pipeline_amount
    from quarter_ends
    inner join opportunities
        on opportunities.created_date <= quarter_ends.quarter_end
    where
        not (opportunities.is_closed or opportunities.is_won)
        or opportunities.close_date > quarter_ends.quarter_end

),

org_pipeline as (

    -- Every opportunity once, whatever its territories.
    select
        quarter_start,
        sum(pipeline_amount) as org_open_pipeline_amount
    from open_at_quarter_end
    group by quarter_start

),

org_reps as (

    -- Distinct reps with an active territory association.
    select
        count(distinct rep_id) as org_rep_count
    from rep_territories

),

territory_pipeline as (

    -- Follows the opportunity's account's territories (not Opportunity.Territory2Id): an
    -- account in several territories counts in each.
    select
        account_territories.territory_id,
        open_at_quarter_end.quarter_start,
        sum(open_at_quarter_end.pipeline_amount) as open_pipeline_amount
    from open_at_quarter_end
    inner join account_territories
        on open_at_quarter_end.account_id = account_territories.account_id
    group by
        account_territories.territory_id,
        open_at_quarter_end.quarter_start

),

---------- bookings, quotas (reps and accounts counted in dim_territories)

territory_bookings as (

    select
        account_territories.territory_id,
        opportunities.close_quarter_start as quarter_start,
        sum(opportunities.won_amount) as bookings_amount
    from opportunities
    inner join account_territories
        on opportunities.account_id = account_territories.account_id
    where opportunities.is_won
    group by
        account_territories.territory_id,
        opportunities.close_quarter_start

),

territory_quotas as (

    -- Quotas (monthly and quarterly) of the territory's reps for periods starting in the
    -- quarter; a rep in several territories counts in each.
    select
        rep_territories.territory_id,
        quota_quarters.quarter_start,
        sum(quota_quarters.quota_amount) as quota_amount
    from quota_quarters
    inner join rep_territories
        on quota_quarters.rep_id = rep_territories.rep_id
    group by
        rep_territories.territory_id,
        quota_quarters.quarter_start

),

---------- the grid

grid as (

    select
        quarter_ends.quarter_start,
        quarter_ends.quarter_end,
        territories.territory_id,
        territories.territory_name,
        territories.parent_territory_id,
        territories.rep_count,
        territories.account_count
    from territories
    cross join quarter_ends

),

joined as (

    select
        grid.quarter_start,
        grid.quarter_end,
        grid.territory_id,
        grid.territory_name,
        grid.parent_territory_id,
        grid.rep_count,
        grid.account_count,
        coalesce(territory_pipeline.open_pipeline_amount, 0) as open_pipeline_amount,
        coalesce(territory_quotas.quota_amount, 0) as quota_amount,
        coalesce(territory_bookings.bookings_amount, 0) as bookings_amount,
        coalesce(org_pipeline.org_open_pipeline_amount, 0) as org_open_pipeline_amount,
        org_reps.org_rep_count
    from grid
    cross join org_reps
    left join territory_pipeline
        on grid.territory_id = territory_pipeline.territory_id
        and grid.quarter_start = territory_pipeline.quarter_start
    left join territory_quotas
        on grid.territory_id = territory_quotas.territory_id
        and grid.quarter_start = territory_quotas.quarter_start
    left join territory_bookings
        on grid.territory_id = territory_bookings.territory_id
        and grid.quarter_start = territory_bookings.quarter_start
    left join org_pipeline
        on grid.quarter_start = org_pipeline.quarter_start

),

ratios as (

    select
        *,
        {{ ratio('bookings_amount', 'quota_amount') }} as attainment,
        -- Money per rep, to the cent; an exact half cent rounds away from zero (159,286.775 ->
        -- 159,286.78).
        {{ ratio('open_pipeline_amount', 'rep_count', scale=2) }} as pipeline_per_rep,
        {{ ratio('org_open_pipeline_amount', 'org_rep_count', scale=2) }} as org_pipeline_per_rep,
        -- (pipeline / rep_count) / (org pipeline / org reps), from the unrounded figures.
        {{ ratio('open_pipeline_amount * org_rep_count', 'rep_count * org_open_pipeline_amount') }}
            as pipeline_per_rep_index
    from joined

),

final as (

    select
        quarter_start,
        quarter_end,
        cast(territory_id as {{ dbt.type_string() }}) as territory_id,
        cast(territory_name as {{ dbt.type_string() }}) as territory_name,
        cast(parent_territory_id as {{ dbt.type_string() }}) as parent_territory_id,
        cast(rep_count as {{ dbt.type_int() }}) as rep_count,
        cast(account_count as {{ dbt.type_int() }}) as account_count,
        cast(open_pipeline_amount as decimal(18, 2)) as open_pipeline_amount,
        cast(quota_amount as decimal(18, 2)) as quota_amount,
        cast(bookings_amount as decimal(18, 2)) as bookings_amount,
        attainment,
        pipeline_per_rep,
        cast(org_open_pipeline_amount as decimal(18, 2)) as org_open_pipeline_amount,
        cast(org_rep_count as {{ dbt.type_int() }}) as org_rep_count,
        org_pipeline_per_rep,
        pipeline_per_rep_index,
        cast(
            case
                when pipeline_per_rep_index is null then null
                when pipeline_per_rep_index < 1 - {{ tolerance }} then true
                when pipeline_per_rep_index > 1 + {{ tolerance }} then true
                else false
            end
            as {{ dbt.type_boolean() }}
        ) as is_rebalance_candidate
    from ratios

)

select * from final
