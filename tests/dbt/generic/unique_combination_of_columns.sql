{#
  Fails with one row per combination of `combination_of_columns` that occurs more than once:
  the primary-key test of a mart whose grain spans several columns (dbt_utils is not
  installable offline, so this is the project's own). In the invocation that built the model
  incrementally it checks the combinations of the re-selected rows only, as `unique` does.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
{%- set reselected = reselected_rows(model) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }} as checked
{%- if reselected %}
where exists (
    select 1
    from {{ model }} as rebuilt
    where {{ reselected }}
    {%- for column in combination_of_columns %}
        and rebuilt.{{ column }} is not distinct from checked.{{ column }}
    {%- endfor %}
)
{%- endif %}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
