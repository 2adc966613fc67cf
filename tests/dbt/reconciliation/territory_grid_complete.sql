-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_territory_balance'}}}) }}

-- kpi_territory_balance has every territory x every quarter from the first to the last
-- quarter with a booking (won opportunity's CloseDate) or a quota (period_start), and no
-- other row. Fails with a row describing what is wrong. An org without territories (no
-- Territory2 extract) has no row: only the row count is compared then.
with

balance as (

    select
        quarter_start,
        territory_id
    from {{ ref('kpi_territory_balance') }}

),

territories as (

    select territory_id from {{ ref('dim_territories') }}

),

marks as (

    select close_date as marked_date
    from {{ ref('fct_opportunities') }}
    where is_won
    union all
    select period_start as marked_date
    from {{ ref('fct_quotas') }}

),

territory_counts as (

    select count(*) as territory_count
    from territories

),

bounds as (

    select
        cast({{ dbt.date_trunc('quarter', 'min(marked_date)') }} as date) as first_quarter_start,
        cast({{ dbt.date_trunc('quarter', 'max(marked_date)') }} as date) as last_quarter_start
    from marks

),

expected_shape as (

    select
        bounds.first_quarter_start,
        bounds.last_quarter_start,
        -- quarters from first to last, inclusive
        cast(
            {{ dbt.datediff('bounds.first_quarter_start', 'bounds.last_quarter_start', 'month') }}
            as {{ dbt.type_int() }}
        ) / 3 + 1 as quarter_count,
        territory_counts.territory_count
    from bounds
    cross join territory_counts
    where bounds.first_quarter_start is not null

),

actual_shape as (

    select
        min(quarter_start) as first_quarter_start,
        max(quarter_start) as last_quarter_start,
        count(distinct quarter_start) as quarter_count,
        count(distinct territory_id) as territory_count,
        count(*) as row_count
    from balance

)

select
    expected_shape.first_quarter_start as expected_first,
    actual_shape.first_quarter_start as actual_first,
    expected_shape.last_quarter_start as expected_last,
    actual_shape.last_quarter_start as actual_last,
    expected_shape.quarter_count as expected_quarters,
    actual_shape.quarter_count as actual_quarters,
    expected_shape.territory_count as expected_territories,
    actual_shape.territory_count as actual_territories,
    actual_shape.row_count
from expected_shape
cross join actual_shape
where
    actual_shape.row_count <> expected_shape.quarter_count * expected_shape.territory_count
    or (
        expected_shape.territory_count > 0
        and (
            expected_shape.first_quarter_start <> actual_shape.first_quarter_start
            or expected_shape.last_quarter_start <> actual_shape.last_quarter_start
            or expected_shape.quarter_count <> actual_shape.quarter_count
            or expected_shape.territory_count <> actual_shape.territory_count
        )
    )
