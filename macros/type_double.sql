{#
    type_double()

    The 8-byte floating-point type, for the figures that are exact quotients rather than
    money or ratios reported to a fixed scale: durations in minutes and days (metrics spec:
    "Minutes are not rounded", days in stage "fractional"). Not dbt.type_float(): `float` is
    4 bytes on DuckDB and Spark and 8 on PostgreSQL.

    Dispatched per engine: `double` on DuckDB (default) and Spark, `double precision` on
    PostgreSQL. A contract's data_type cannot call this macro (dbt renders model YAML with
    `target`, `var` and `env_var` only), so the contracts make the same switch on target.type.
#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{% macro postgres__type_double() -%}
    double precision
{%- endmacro %}
