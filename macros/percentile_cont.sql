{#
    percentile_cont(expression, fraction)

    The continuous percentile (linear interpolation between the two nearest values, as
    SQL's PERCENTILE_CONT) of `expression` within the group, as an aggregate:
    `fraction` 0.5 is the median, 0.9 the p90. NULLs are ignored. Over 1, 2 and 10 the
    p90 is 2 + 0.8 * (10 - 2) = 8.4.

    Dispatched per engine: DuckDB (default) and PostgreSQL use the ordered-set aggregate
    `percentile_cont(f) within group (order by x)`; Spark's `percentile(x, f)` computes the
    same interpolated value. The result is a double on every engine: cast it (through
    decimal(38, 6)) before it leaves a model.
#}
{% macro percentile_cont(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro spark__percentile_cont(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}
