-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_territory_balance'}}}) }}

-- Per quarter of kpi_territory_balance, summed over territories:
--   * bookings_amount = the won amounts closed in the quarter, each opportunity counted once
--     per territory of its account (so >= the org's bookings on accounts that are in at
--     least one territory, with equality when no account is in two territories);
--   * quota_amount = the quotas starting in the quarter, each counted once per territory of
--     its rep.
-- Fails with every quarter that differs.
with

balance as (

    select
        quarter_start,
        quarter_end,
        territory_id,
        bookings_amount,
        quota_amount
    from {{ ref('kpi_territory_balance') }}

),

territories as (

    select territory_id from {{ ref('dim_territories') }}

),

account_territories as (

    select
        account_territories.account_id,
        count(*) as territory_count
    from {{ ref('bridge_account_territories') }} as account_territories
    inner join territories
        on account_territories.territory_id = territories.territory_id
    group by account_territories.account_id

),

rep_territories as (

    select
        rep_territories.rep_id,
        count(*) as territory_count
    from {{ ref('bridge_rep_territories') }} as rep_territories
    inner join territories
        on rep_territories.territory_id = territories.territory_id
    group by rep_territories.rep_id

),

quarters as (

    select distinct
        quarter_start,
        quarter_end
    from balance

),

mart_totals as (

    select
        quarter_start,
        sum(bookings_amount) as bookings_amount,
        sum(quota_amount) as quota_amount
    from balance
    group by quarter_start

),

expected_bookings as (

    select
        quarters.quarter_start,
        sum(opportunities.won_amount * account_territories.territory_count) as bookings_amount,
        sum(opportunities.won_amount) as org_bookings_on_territory_accounts
    from {{ ref('fct_opportunities') }} as opportunities
    inner join account_territories
        on opportunities.account_id = account_territories.account_id
    inner join quarters
        on opportunities.close_date between quarters.quarter_start and quarters.quarter_end
    where opportunities.is_won
    group by quarters.quarter_start

),

expected_quotas as (

    select
        quarters.quarter_start,
        sum(quotas.quota_amount * rep_territories.territory_count) as quota_amount
    from {{ ref('fct_quotas') }} as quotas
    inner join rep_territories
        on quotas.rep_id = rep_territories.rep_id
    inner join quarters
        on quotas.period_start between quarters.quarter_start and quarters.quarter_end
    group by quarters.quarter_start

)

select
    mart_totals.quarter_start,
    mart_totals.bookings_amount,
    expected_bookings.bookings_amount as expected_bookings_amount,
    expected_bookings.org_bookings_on_territory_accounts,
    mart_totals.quota_amount,
    expected_quotas.quota_amount as expected_quota_amount
from mart_totals
left join expected_bookings
    on mart_totals.quarter_start = expected_bookings.quarter_start
left join expected_quotas
    on mart_totals.quarter_start = expected_quotas.quarter_start
where
    mart_totals.bookings_amount <> coalesce(expected_bookings.bookings_amount, 0)
    or mart_totals.bookings_amount < coalesce(expected_bookings.org_bookings_on_territory_accounts, 0)
    or mart_totals.quota_amount <> coalesce(expected_quotas.quota_amount, 0)
