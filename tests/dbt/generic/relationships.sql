{#
  dbt's own `relationships` test (its dispatched macro, unchanged), which in the invocation that
  built the model incrementally checks only the rows that build re-selected, against the whole
  parent: the rows it kept were checked when they were built (macros/incremental_reselections.sql).
  The re-selected rows are handed to it as a subquery, as dbt's own `where` config does. A kept
  row whose parent was deleted since is left to the full refresh, whose whole-table check sees
  it; where the child is keyed by its parent's record (int_lead_statuses_collected by lead), the
  parent's change re-selects it and the daily check sees it too.
  At 60M activity rows the whole-table check of int_lead_statuses_collected (30M rows against
  9.2M leads) ran out of DuckDB's 1GB in a daily build; scoped, the smaller side is the build side.
#}
{% test relationships(model, column_name, to, field) %}
{%- set reselected = reselected_rows(model) %}
{%- set child = "(select * from " ~ model ~ " where " ~ reselected ~ ") as reselected_child" if reselected else model %}
{{ adapter.dispatch('test_relationships', 'dbt')(child, column_name, to, field) }}
{% endtest %}
