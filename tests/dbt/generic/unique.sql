{#
  dbt's own `unique` test (the same query), which in the invocation that built the model
  incrementally checks only the keys of the rows that build re-selected, against the whole
  table: the rows it kept were checked when they were built (macros/incremental_reselections.sql).
  At 20M activity rows the whole-table check was 4-8 s per key of a daily build.
#}
{% test unique(model, column_name) %}
{%- set reselected = reselected_rows(model) %}

select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
{%- if reselected %}
    and {{ column_name }} in (
        select rebuilt.{{ column_name }}
        from {{ model }} as rebuilt
        where {{ reselected }}
    )
{%- endif %}
group by {{ column_name }}
having count(*) > 1

{% endtest %}
