-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_reps_at_quota'}}}) }}

-- Summed over the teams of each period, kpi_reps_at_quota's counts equal the counts of
-- kpi_quota_attainment's quotas above 0 in that period (all, at or above quota, ramped,
-- ramped at or above quota), and a period has rows in one mart exactly when it has a quota
-- above 0 in the other. Fails with each period that disagrees.
with

reps_at_quota as (

    select
        period_type,
        period_start,
        reps_with_quota,
        reps_at_or_above_quota,
        ramped_reps_with_quota,
        ramped_reps_at_or_above_quota
    from {{ ref('kpi_reps_at_quota') }}

),

attainment as (

    select
        period_type,
        period_start,
        quota_amount,
        is_at_or_above_quota,
        is_ramped
    from {{ ref('kpi_quota_attainment') }}

),

team_sums as (

    select
        period_type,
        period_start,
        sum(reps_with_quota) as reps_with_quota,
        sum(reps_at_or_above_quota) as reps_at_or_above_quota,
        sum(ramped_reps_with_quota) as ramped_reps_with_quota,
        sum(ramped_reps_at_or_above_quota) as ramped_reps_at_or_above_quota
    from reps_at_quota
    group by
        period_type,
        period_start

),

quota_counts as (

    select
        period_type,
        period_start,
        count(*) as reps_with_quota,
        sum(case when is_at_or_above_quota then 1 else 0 end) as reps_at_or_above_quota,
        sum(case when is_ramped then 1 else 0 end) as ramped_reps_with_quota,
        sum(case when is_ramped and is_at_or_above_quota then 1 else 0 end)
            as ramped_reps_at_or_above_quota
    from attainment
    where quota_amount > 0
    group by
        period_type,
        period_start

),

compared as (

    select
        coalesce(team_sums.period_type, quota_counts.period_type) as period_type,
        coalesce(team_sums.period_start, quota_counts.period_start) as period_start,
        team_sums.reps_with_quota,
        quota_counts.reps_with_quota as expected_reps_with_quota,
        team_sums.reps_at_or_above_quota,
        quota_counts.reps_at_or_above_quota as expected_reps_at_or_above_quota,
        team_sums.ramped_reps_with_quota,
        quota_counts.ramped_reps_with_quota as expected_ramped_reps_with_quota,
        team_sums.ramped_reps_at_or_above_quota,
        quota_counts.ramped_reps_at_or_above_quota as expected_ramped_reps_at_or_above_quota
    from team_sums
    full outer join quota_counts
        on team_sums.period_type = quota_counts.period_type
        and team_sums.period_start = quota_counts.period_start

)

select *
from compared
where reps_with_quota is null
    or expected_reps_with_quota is null
    or reps_with_quota <> expected_reps_with_quota
    or reps_at_or_above_quota <> expected_reps_at_or_above_quota
    or ramped_reps_with_quota <> expected_ramped_reps_with_quota
    or ramped_reps_at_or_above_quota <> expected_ramped_reps_at_or_above_quota
