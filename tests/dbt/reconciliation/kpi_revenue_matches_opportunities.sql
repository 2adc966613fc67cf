-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_revenue'}}}) }}

-- kpi_revenue's bookings over all its months equal the won opportunities of
-- fct_opportunities (amount, a null amount as 0, and count), and its first and last
-- months are the first and last months with a won deal. Fails with one row when not.
with

revenue as (

    select
        month_start,
        bookings_amount,
        bookings_count
    from {{ ref('kpi_revenue') }}

),

opportunities as (

    select
        close_month_start,
        is_won,
        won_amount
    from {{ ref('fct_opportunities') }}

),

revenue_totals as (

    select
        coalesce(sum(bookings_amount), 0) as bookings_amount,
        coalesce(sum(bookings_count), 0) as bookings_count,
        min(month_start) as first_month,
        max(month_start) as last_month
    from revenue

),

won_totals as (

    select
        coalesce(sum(won_amount), 0) as won_amount,
        count(*) as won_count,
        min(close_month_start) as first_month,
        max(close_month_start) as last_month
    from opportunities
    where is_won

)

select
    revenue_totals.bookings_amount,
    won_totals.won_amount,
    revenue_totals.bookings_count,
    won_totals.won_count,
    revenue_totals.first_month as revenue_first_month,
    won_totals.first_month as won_first_month,
    revenue_totals.last_month as revenue_last_month,
    won_totals.last_month as won_last_month
from revenue_totals
cross join won_totals
where revenue_totals.bookings_amount <> won_totals.won_amount
    or revenue_totals.bookings_count <> won_totals.won_count
    or (
        coalesce(revenue_totals.first_month, cast('1900-01-01' as date))
        <> coalesce(won_totals.first_month, cast('1900-01-01' as date))
    )
    or (
        coalesce(revenue_totals.last_month, cast('1900-01-01' as date))
        <> coalesce(won_totals.last_month, cast('1900-01-01' as date))
    )
