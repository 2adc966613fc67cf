{#
  Fails with one row per combination of `combination_of_columns` that occurs more than once:
  the primary-key test of a mart whose grain spans several columns (dbt_utils is not
  installable offline, so this is the project's own).
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
