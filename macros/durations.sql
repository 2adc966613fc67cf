{#
    duration_from_seconds(seconds, unit)

    A duration given in whole seconds as fractional minutes (unit 'minute', seconds / 60) or
    days (unit 'day', seconds / 86400), as a double (type_double()), not rounded: the metrics
    spec says "Minutes are not rounded" and days in stage are "fractional". 61 s is
    1.0166666666666666 minutes, 7 s 0.11666666666666667 minutes, 1 day 1 s (86401 s)
    1.000011574074074 days: the double nearest the exact quotient, as one division gives it
    on every engine (the seconds are cast to double first, so it is never int / int, and
    the divisor is an exact integer literal). NULL in, NULL out.

    `seconds` is any numeric expression worth whole seconds, or a decimal (a percentile of
    seconds snapped to decimal(38, 6), see kpi_stage_durations).

    minutes_between(start_at, end_at)

    Fractional minutes from `start_at` to `end_at` (timestamps), from the whole seconds
    between them (dbt.datediff, dispatched per engine): 09:00:00 -> 09:20:30 is 20.5,
    09:00:00 -> 09:01:01 is 1.0166666666666666. A double, not rounded. NULL when either side
    is NULL.
#}
{% macro duration_from_seconds(seconds, unit) -%}
    {%- set seconds_per_unit = {'minute': 60, 'day': 86400} -%}
    {%- if unit not in seconds_per_unit -%}
        {{ exceptions.raise_compiler_error("duration_from_seconds: unit must be 'minute' or 'day', not '" ~ unit ~ "'") }}
    {%- endif -%}
    (cast({{ seconds }} as {{ type_double() }}) / {{ seconds_per_unit[unit] }})
{%- endmacro %}

{% macro minutes_between(start_at, end_at) -%}
    {{ duration_from_seconds(dbt.datediff(start_at, end_at, 'second'), 'minute') }}
{%- endmacro %}
