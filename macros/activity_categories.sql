{#
  The activity categories of the metrics spec (the categories of the seed
  activity_categories) plus `unmapped`: one `<category>_minutes` column each in the activity
  marts. Kept here once so the marts and their reconciliation tests list the same columns.
#}
{% macro activity_categories() %}
    {{ return([
        'digital_communication',
        'personal_communication',
        'internal_meeting',
        'administration',
        'travel',
        'training',
        'sales_preparation',
        'unmapped',
    ]) }}
{% endmacro %}
