-- kpi_revenue's months are contiguous (every row but the first has the month before it),
-- ytd is the sum of the year's rows up to the month, the prior month and prior year amounts
-- are those rows' bookings (0 when there is no such row), and growth is null exactly when
-- its base is 0. Recomputed with self-joins, not window functions. Fails with each bad month.
with

revenue as (

    select
        month_start,
        cast({{ dbt.date_trunc('year', 'month_start') }} as date) as year_start,
        bookings_amount,
        ytd_bookings_amount,
        prior_month_bookings_amount,
        mom_growth,
        prior_year_bookings_amount,
        yoy_growth
    from {{ ref('kpi_revenue') }}

),

first_month as (

    select min(month_start) as month_start
    from revenue

),

year_to_date as (

    select
        revenue.month_start,
        sum(earlier.bookings_amount) as expected_ytd
    from revenue
    inner join revenue as earlier
        on earlier.year_start = revenue.year_start
        and earlier.month_start <= revenue.month_start
    group by revenue.month_start

),

checked as (

    select
        revenue.month_start,
        revenue.ytd_bookings_amount,
        year_to_date.expected_ytd,
        revenue.prior_month_bookings_amount,
        prior_month.bookings_amount as prior_month_row_amount,
        revenue.prior_year_bookings_amount,
        prior_year.bookings_amount as prior_year_row_amount,
        revenue.mom_growth,
        revenue.yoy_growth,
        prior_month.month_start is null and revenue.month_start <> first_month.month_start as is_after_gap
    from revenue
    cross join first_month
    inner join year_to_date
        on revenue.month_start = year_to_date.month_start
    left join revenue as prior_month
        on prior_month.month_start = cast({{ dbt.dateadd('month', -1, 'revenue.month_start') }} as date)
    left join revenue as prior_year
        on prior_year.month_start = cast({{ dbt.dateadd('month', -12, 'revenue.month_start') }} as date)

)

select *
from checked
where is_after_gap
    or ytd_bookings_amount <> expected_ytd
    or prior_month_bookings_amount <> coalesce(prior_month_row_amount, 0)
    or prior_year_bookings_amount <> coalesce(prior_year_row_amount, 0)
    or (prior_month_bookings_amount = 0) <> (mom_growth is null)
    or (prior_year_bookings_amount = 0) <> (yoy_growth is null)
