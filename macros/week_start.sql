{#
  Monday of the week of a date or timestamp, as a date. Dispatched because engines number
  weekdays differently (portability rule 8); date_trunc('week') is Monday-based on DuckDB,
  PostgreSQL and Spark, so the default serves all three.
#}
{% macro week_start(expression) %}
    {{ return(adapter.dispatch('week_start')(expression)) }}
{% endmacro %}

{% macro default__week_start(expression) %}
    cast({{ dbt.date_trunc('week', expression) }} as date)
{% endmacro %}
