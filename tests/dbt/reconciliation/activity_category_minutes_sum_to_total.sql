-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_activity_time_allocation'}}}) }}

-- In both activity marts, on every row: the category columns add up to total_minutes
-- (unmapped included), selling_minutes is digital + personal communication and not above
-- total_minutes, and selling_share is selling / total (null exactly when total is 0).
-- Minutes are doubles, not rounded: sums of the columns may differ from total_minutes only
-- by the double's noise (about 1e-16 of the total per term), far below the 0.000001 minute
-- plus a billionth of the total allowed. selling_share is rounded to 6 decimals, so share x
-- total may be off selling by up to 0.0000005 x total, and exactly that much at a half
-- millionth (1 minute of 128: 0.0078125, reported 0.007813): the tolerance adds 0.000001 to
-- that bound rather than comparing with it exactly (the half-cent trap of
-- territory_ratios_consistent). Fails with every row that breaks one of these.

{%- set categories = activity_categories() %}

with

weekly as (

    select
        'kpi_activity_time_allocation' as mart,
        cast(week_start as {{ dbt.type_string() }}) as period,
        rep_id,
        total_minutes,
        selling_minutes,
        selling_share,
        {%- for category in categories %}
        {{ category }}_minutes,
        {%- endfor %}
        activity_count
    from {{ ref('kpi_activity_time_allocation') }}

),

quarterly as (

    select
        'kpi_activity_outcomes' as mart,
        cast(quarter_start as {{ dbt.type_string() }}) as period,
        rep_id,
        total_minutes,
        selling_minutes,
        selling_share,
        {%- for category in categories %}
        {{ category }}_minutes,
        {%- endfor %}
        activity_count
    from {{ ref('kpi_activity_outcomes') }}

),

both_marts as (

    select * from weekly
    union all
    select * from quarterly

),

checked as (

    select
        *,
        (
            {%- for category in categories %}
            {{ '+ ' if not loop.first }}{{ category }}_minutes
            {%- endfor %}
        ) as category_minutes_sum
    from both_marts

)

select *
from checked
where
    abs(category_minutes_sum - total_minutes) > 0.000001 + 0.000000001 * total_minutes
    or (
        abs(digital_communication_minutes + personal_communication_minutes - selling_minutes)
        > 0.000001 + 0.000000001 * total_minutes
    )
    or selling_minutes > total_minutes + 0.000001 + 0.000000001 * total_minutes
    or (total_minutes = 0 and selling_share is not null)
    or (total_minutes <> 0 and selling_share is null)
    -- share (6 decimals) x total vs selling (exact): the share's rounding bounds the gap
    or (
        abs(coalesce(selling_share, 0) * total_minutes - selling_minutes)
        > 0.0000005 * abs(total_minutes) + 0.000001
    )
