-- One row per rep x quota period: the quota that counts after versioning.
with

quotas as (

    select
        quota_id,
        owner_id,
        territory_id,
        period_type,
        quota_amount,
        start_date,
        system_modified_at,
        last_modified_at
    from {{ ref('stg_salesforce__forecasting_quotas') }}

),

typed as (

    select
        quota_id,
        owner_id as rep_id,
        territory_id,
        -- PeriodType, else the configured default period.
        coalesce(period_type, '{{ var("quota_period") }}') as period_type,
        quota_amount,
        start_date as period_start,
        system_modified_at,
        last_modified_at
    from quotas

),

ranked as (

    -- Two quota Ids for the same rep and period: the newest SystemModstamp wins (a re-entered quota).
    select
        *,
        row_number() over (
            partition by rep_id, period_type, period_start
            order by
                system_modified_at desc nulls last,
                last_modified_at desc nulls last,
                quota_id desc
        ) as quota_rank
    from typed

),

final as (

    select
        quota_id,
        rep_id,
        territory_id,
        period_type,
        period_start,
        cast(
            {{ dbt.dateadd(
                'day', -1,
                dbt.dateadd('month', "case when period_type = 'month' then 1 else 3 end", 'period_start')
            ) }}
            as date
        ) as period_end,
        quota_amount
    from ranked
    where quota_rank = 1

)

select * from final
