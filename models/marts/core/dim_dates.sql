-- One row per calendar day (UTC) from the earliest to the latest date the marts report on.
with

opportunities as (

    select
        created_date,
        close_date
    from {{ ref('fct_opportunities') }}

),

quotas as (

    select
        period_start,
        period_end
    from {{ ref('fct_quotas') }}

),

leads as (

    select
        created_at
    from {{ ref('stg_salesforce__leads') }}

),

activities as (

    select
        started_at
    from {{ ref('stg_activity__activities') }}

),

tasks as (

    select
        activity_date
    from {{ ref('stg_salesforce__tasks') }}

),

events as (

    select
        started_at
    from {{ ref('stg_salesforce__events') }}

),

relevant_dates as (

    select created_date as relevant_date from opportunities
    union all
    select close_date as relevant_date from opportunities
    union all
    select period_start as relevant_date from quotas
    union all
    select period_end as relevant_date from quotas
    union all
    select cast(created_at as date) as relevant_date from leads
    union all
    select cast(started_at as date) as relevant_date from activities
    union all
    select activity_date as relevant_date from tasks
    union all
    select cast(started_at as date) as relevant_date from events

),

bounds as (

    -- Without any data the bounds are null: the spine then runs on a placeholder day
    -- (dateadd must not see a null on Spark) and `in_range` keeps nothing.
    select
        min(relevant_date) as first_date,
        max(relevant_date) as last_date,
        coalesce(min(relevant_date), cast('1970-01-01' as date)) as spine_start,
        coalesce(max(relevant_date), cast('1970-01-01' as date)) as spine_last
    from relevant_dates

),

-- date_spine's end is exclusive: one day past the last date.
days as (

    {{ date_spine(
        '(select spine_start from bounds)',
        "(select " ~ dbt.dateadd('day', 1, 'spine_last') ~ " from bounds)"
    ) }}

),

in_range as (

    select days.date_day
    from days
    cross join bounds
    where days.date_day >= bounds.first_date
        and days.date_day <= bounds.last_date

),

calendar as (

    select
        date_day,
        {{ week_start('date_day') }} as week_start,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start,
        cast({{ dbt.date_trunc('year', 'date_day') }} as date) as year_start
    from in_range

),

final as (

    select
        date_day,
        week_start,
        month_start,
        quarter_start,
        year_start,
        cast(extract(year from date_day) as {{ dbt.type_int() }}) as year,
        cast(extract(quarter from date_day) as {{ dbt.type_int() }}) as quarter_of_year,
        cast(extract(month from date_day) as {{ dbt.type_int() }}) as month_of_year,
        cast(extract(day from date_day) as {{ dbt.type_int() }}) as day_of_month,
        -- ISO day of week, Monday = 1 .. Sunday = 7, counted from the Monday of the week
        -- (engines number weekdays differently; the week_start macro is dispatched).
        cast(
            {{ dbt.datediff('week_start', 'date_day', 'day') }} + 1 as {{ dbt.type_int() }}  -- noqa: LT05
        ) as iso_day_of_week,
        {{ dbt.datediff('week_start', 'date_day', 'day') }} >= 5 as is_weekend  -- noqa: LT05
    from calendar

)

select * from final
