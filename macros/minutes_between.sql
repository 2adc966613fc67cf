{#
    minutes_between(start_at, end_at)

    Fractional minutes from `start_at` to `end_at` (timestamps), from whole seconds
    (dbt.datediff in seconds, / 60.0), as decimal(18, 4): 09:00:00 -> 09:20:30 is 20.5.
    Not rounded to whole minutes. NULL when either side is NULL. Portable: dbt.datediff is
    dispatched per engine, and the division is never int by int.
#}
{% macro minutes_between(start_at, end_at) -%}
    cast({{ dbt.datediff(start_at, end_at, 'second') }} / 60.0 as decimal(18, 4))
{%- endmacro %}
