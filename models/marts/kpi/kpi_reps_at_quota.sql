-- One row per quota period x team (manager) with at least one rep whose quota is above 0:
-- how many of those reps reached their quota, overall and among ramped reps.
with

attainment as (

    select
        manager_id,
        manager_name,
        period_type,
        period_start,
        period_end,
        quota_amount,
        is_at_or_above_quota,
        is_ramped
    from {{ ref('kpi_quota_attainment') }}

),

reps_with_quota as (

    -- A quota of 0 (or below) has no attainment: the rep is left out of every count.
    select *
    from attainment
    where quota_amount > 0

),

team_counts as (

    select
        period_type,
        period_start,
        period_end,
        manager_id,
        manager_name,
        count(*) as reps_with_quota,
        sum(case when is_at_or_above_quota then 1 else 0 end) as reps_at_or_above_quota,
        sum(case when is_ramped then 1 else 0 end) as ramped_reps_with_quota,
        sum(case when is_ramped and is_at_or_above_quota then 1 else 0 end)
            as ramped_reps_at_or_above_quota
    from reps_with_quota
    group by
        period_type,
        period_start,
        period_end,
        manager_id,
        manager_name

),

final as (

    select
        period_type,
        period_start,
        period_end,
        manager_id,
        manager_name,
        cast(reps_with_quota as {{ dbt.type_int() }}) as reps_with_quota,
        cast(reps_at_or_above_quota as {{ dbt.type_int() }}) as reps_at_or_above_quota,
        {{ ratio('reps_at_or_above_quota', 'reps_with_quota') }} as pct_reps_at_or_above_quota,
        cast(ramped_reps_with_quota as {{ dbt.type_int() }}) as ramped_reps_with_quota,
        cast(ramped_reps_at_or_above_quota as {{ dbt.type_int() }}) as ramped_reps_at_or_above_quota,
        {{ ratio('ramped_reps_at_or_above_quota', 'ramped_reps_with_quota') }}
            as pct_ramped_reps_at_or_above_quota
    from team_counts

)

select * from final
