-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_quota_attainment'}}}) }}

-- For every quota of fct_quotas there is exactly one row in kpi_quota_attainment, and its
-- bookings (amount and count) equal the rep's won opportunities of fct_opportunities closed
-- in the period. Recomputed another way than the mart: each quota period is laid out day by
-- day through dim_dates and the won deals are matched on their close date (which also
-- checks that dim_dates covers every quota period). Fails with each quota that disagrees.
with

quotas as (

    select
        quota_id,
        rep_id,
        period_start,
        period_end
    from {{ ref('fct_quotas') }}

),

attainment as (

    select
        quota_id,
        bookings_amount,
        bookings_count
    from {{ ref('kpi_quota_attainment') }}

),

dates as (

    select date_day
    from {{ ref('dim_dates') }}

),

opportunities as (

    select
        rep_id,
        close_date,
        is_won,
        won_amount
    from {{ ref('fct_opportunities') }}

),

quota_days as (

    select
        quotas.quota_id,
        quotas.rep_id,
        dates.date_day
    from quotas
    inner join dates
        on dates.date_day >= quotas.period_start
        and dates.date_day <= quotas.period_end

),

day_counts as (

    select
        quota_id,
        count(*) as days_in_period
    from quota_days
    group by quota_id

),

won_per_rep_day as (

    select
        rep_id,
        close_date,
        count(*) as won_count,
        sum(won_amount) as won_amount
    from opportunities
    where is_won
    group by
        rep_id,
        close_date

),

expected as (

    select
        quota_days.quota_id,
        coalesce(sum(won_per_rep_day.won_amount), 0) as bookings_amount,
        coalesce(sum(won_per_rep_day.won_count), 0) as bookings_count
    from quota_days
    left join won_per_rep_day
        on quota_days.rep_id = won_per_rep_day.rep_id
        and quota_days.date_day = won_per_rep_day.close_date
    group by quota_days.quota_id

),

compared as (

    select
        coalesce(quotas.quota_id, attainment.quota_id) as quota_id,
        quotas.quota_id is not null as in_fct_quotas,
        attainment.quota_id is not null as in_mart,
        {{ dbt.datediff('quotas.period_start', 'quotas.period_end', 'day') }} + 1 as expected_days,  -- noqa: LT05
        day_counts.days_in_period,
        attainment.bookings_amount,
        expected.bookings_amount as expected_bookings_amount,
        attainment.bookings_count,
        expected.bookings_count as expected_bookings_count
    from quotas
    full outer join attainment
        on quotas.quota_id = attainment.quota_id
    left join day_counts
        on quotas.quota_id = day_counts.quota_id
    left join expected
        on quotas.quota_id = expected.quota_id

)

select *
from compared
where not in_fct_quotas
    or not in_mart
    or days_in_period is null
    or days_in_period <> expected_days
    or bookings_amount <> expected_bookings_amount
    or bookings_count <> expected_bookings_count
