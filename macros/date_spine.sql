{#
  One row per day from start_date (inclusive) to end_date (exclusive), column `date_day`.
  Written here because dbt_utils cannot be installed offline; portable (no generate_series):
  a cross join of ten-row digit tables numbers the days.
#}
{% macro date_spine(start_date, end_date) %}
    {%- set digits -%}
        select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
        union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
    {%- endset %}
    with digits as (
        {{ digits }}
    ),

    numbers as (
        -- 0 .. 99 999 days: about 270 years
        select
            d1.d + 10 * d2.d + 100 * d3.d + 1000 * d4.d + 10000 * d5.d as day_offset
        from digits as d1
        cross join digits as d2
        cross join digits as d3
        cross join digits as d4
        cross join digits as d5
    ),

    days as (
        select
            cast({{ dbt.dateadd('day', 'day_offset', start_date) }} as date) as date_day
        from numbers
    )

    select date_day
    from days
    where date_day < cast({{ end_date }} as date)
{% endmacro %}
