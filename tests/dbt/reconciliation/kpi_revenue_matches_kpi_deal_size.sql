-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_revenue'}}}) }}

-- For every month, kpi_revenue's bookings (amount and count) equal won_amount and
-- won_count summed over the reps of kpi_deal_size; a month in one mart only must have no
-- won deal (a revenue gap month, or a month with lost deals only). Fails with each month
-- that disagrees.
with

revenue as (

    select
        month_start,
        bookings_amount,
        bookings_count
    from {{ ref('kpi_revenue') }}

),

deal_size as (

    select
        month_start,
        won_count,
        won_amount
    from {{ ref('kpi_deal_size') }}

),

deal_size_months as (

    select
        month_start,
        sum(won_count) as won_count,
        sum(won_amount) as won_amount
    from deal_size
    group by month_start

),

compared as (

    select
        coalesce(revenue.month_start, deal_size_months.month_start) as month_start,
        coalesce(revenue.bookings_amount, 0) as bookings_amount,
        coalesce(revenue.bookings_count, 0) as bookings_count,
        coalesce(deal_size_months.won_amount, 0) as won_amount,
        coalesce(deal_size_months.won_count, 0) as won_count
    from revenue
    full outer join deal_size_months
        on revenue.month_start = deal_size_months.month_start

)

select *
from compared
where bookings_amount <> won_amount
    or bookings_count <> won_count
