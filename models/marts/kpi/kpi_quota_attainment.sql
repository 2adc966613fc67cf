-- One row per quota (rep x quota period, after versioning): the rep's bookings in the period
-- against the quota.
with

quotas as (

    select
        quota_id,
        rep_id,
        territory_id,
        period_type,
        period_start,
        period_end,
        quota_amount
    from {{ ref('fct_quotas') }}

),

reps as (

    select
        rep_id,
        rep_name,
        manager_id,
        manager_name,
        ramped_from_date
    from {{ ref('dim_reps') }}

),

opportunities as (

    select
        rep_id,
        close_date,
        is_won,
        won_amount
    from {{ ref('fct_opportunities') }}

),

won_opportunities as (

    -- won_amount is the amount, 0 when a won deal has none.
    select
        rep_id,
        close_date,
        won_amount
    from opportunities
    where is_won

),

bookings_per_quota as (

    -- CloseDate in [period_start, period_end], both ends included.
    select
        quotas.quota_id,
        count(won_opportunities.rep_id) as bookings_count,
        coalesce(sum(won_opportunities.won_amount), 0) as bookings_amount
    from quotas
    left join won_opportunities
        on quotas.rep_id = won_opportunities.rep_id
        and won_opportunities.close_date >= quotas.period_start
        and won_opportunities.close_date <= quotas.period_end
    group by quotas.quota_id

),

joined as (

    select
        quotas.quota_id,
        quotas.rep_id,
        reps.rep_name,
        reps.manager_id,
        reps.manager_name,
        quotas.territory_id,
        quotas.period_type,
        quotas.period_start,
        quotas.period_end,
        quotas.quota_amount,
        bookings_per_quota.bookings_count,
        bookings_per_quota.bookings_amount,
        reps.ramped_from_date
    from quotas
    inner join bookings_per_quota
        on quotas.quota_id = bookings_per_quota.quota_id
    left join reps
        on quotas.rep_id = reps.rep_id

),

final as (

    select
        quota_id,
        rep_id,
        rep_name,
        manager_id,
        manager_name,
        territory_id,
        period_type,
        period_start,
        period_end,
        cast(quota_amount as decimal(18, 2)) as quota_amount,
        cast(bookings_count as {{ dbt.type_int() }}) as bookings_count,
        cast(bookings_amount as decimal(18, 2)) as bookings_amount,
        {{ ratio('bookings_amount', 'quota_amount') }} as attainment,
        -- attainment >= 1 judged on the exact amounts (not on the rounded ratio); null with
        -- the attainment (quota 0).
        case
            when quota_amount > 0 then bookings_amount >= quota_amount
            when quota_amount < 0 then bookings_amount <= quota_amount
        end as is_at_or_above_quota,
        -- Null when the rep is not a known User (no start date).
        period_start >= ramped_from_date as is_ramped
    from joined

)

select * from final
