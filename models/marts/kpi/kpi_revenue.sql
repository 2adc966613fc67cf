-- One row per month, whole org, from the first to the last month with a booking (months
-- between without bookings are rows of 0): bookings, year to date, and growth.
with

opportunities as (

    select
        close_month_start,
        is_won,
        won_amount
    from {{ ref('fct_opportunities') }}

),

won_opportunities as (

    -- A won deal without amount is a booking of 0 (it still opens the month range).
    select
        close_month_start as month_start,
        won_amount
    from opportunities
    where is_won

),

monthly_bookings as (

    select
        month_start,
        count(*) as bookings_count,
        sum(won_amount) as bookings_amount
    from won_opportunities
    group by month_start

),

bounds as (

    -- Without any booking the bounds are null: the spine then runs on a placeholder day
    -- (dateadd must not see a null on Spark) and `months` keeps nothing.
    select
        min(month_start) as first_month,
        max(month_start) as last_month,
        coalesce(min(month_start), cast('1970-01-01' as date)) as spine_start,
        coalesce(max(month_start), cast('1970-01-01' as date)) as spine_last
    from monthly_bookings

),

-- date_spine's end is exclusive: one day past the first day of the last month.
days as (

    {{ date_spine(
        '(select spine_start from bounds)',
        "(select " ~ dbt.dateadd('day', 1, 'spine_last') ~ " from bounds)"
    ) }}

),

months as (

    select days.date_day as month_start
    from days
    cross join bounds
    where days.date_day = cast({{ dbt.date_trunc('month', 'days.date_day') }} as date)
        and days.date_day >= bounds.first_month
        and days.date_day <= bounds.last_month

),

filled as (

    select
        months.month_start,
        cast({{ dbt.date_trunc('year', 'months.month_start') }} as date) as year_start,
        coalesce(monthly_bookings.bookings_count, 0) as bookings_count,
        coalesce(monthly_bookings.bookings_amount, 0) as bookings_amount
    from months
    left join monthly_bookings
        on months.month_start = monthly_bookings.month_start

),

with_history as (

    -- Prior months come from monthly_bookings: a month without bookings, or before the
    -- first row, has 0.
    select
        filled.month_start,
        filled.bookings_count,
        filled.bookings_amount,
        sum(filled.bookings_amount) over (
            partition by filled.year_start
            order by filled.month_start
            rows between unbounded preceding and current row
        ) as ytd_bookings_amount,
        coalesce(prior_month.bookings_amount, 0) as prior_month_bookings_amount,
        coalesce(prior_year.bookings_amount, 0) as prior_year_bookings_amount
    from filled
    left join monthly_bookings as prior_month
        on prior_month.month_start = cast({{ dbt.dateadd('month', -1, 'filled.month_start') }} as date)
    left join monthly_bookings as prior_year
        on prior_year.month_start = cast({{ dbt.dateadd('month', -12, 'filled.month_start') }} as date)

),

final as (

    select
        month_start,
        cast(bookings_amount as decimal(18, 2)) as bookings_amount,
        cast(bookings_count as {{ dbt.type_int() }}) as bookings_count,
        cast(ytd_bookings_amount as decimal(18, 2)) as ytd_bookings_amount,
        cast(prior_month_bookings_amount as decimal(18, 2)) as prior_month_bookings_amount,
        {{ growth('bookings_amount', 'prior_month_bookings_amount') }} as mom_growth,
        cast(prior_year_bookings_amount as decimal(18, 2)) as prior_year_bookings_amount,
        {{ growth('bookings_amount', 'prior_year_bookings_amount') }} as yoy_growth
    from with_history

)

select * from final
