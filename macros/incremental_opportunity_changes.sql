{#
    opportunities_changed()

    Opportunities whose stage intervals can differ from the model's last build: those with a
    new raw row (a deleted one loses its intervals, a restored one gets them back), and the
    opportunity of every raw version of each OpportunityHistory row with a new row (a
    corrected row may name another opportunity: both are rebuilt).
#}
{% macro opportunities_changed() -%}
    {%- set opportunities = source('salesforce', 'opportunity') -%}
    {%- set histories = source('salesforce', 'opportunity_history') -%}
    {{ keys_loaded_since_watermark(opportunities, 'id') }}
    union all
    {{ parents_of_changed_history(histories, 'opportunity_id') }}
{%- endmacro %}

{#
    stage_exit_quarters_changed()

    Quarters whose exited stage intervals can differ: an interval is exited at the CreatedDate
    of a history row of its own opportunity, so the quarters of every raw history row, of any
    version, of the opportunities above (the old intervals' exits and the new ones').
#}
{% macro stage_exit_quarters_changed() -%}
    {%- set histories = source('salesforce', 'opportunity_history') -%}
    select distinct {{ period_of('quarter', 'history_versions.created_date') }} as period_start
    from {{ histories }} as history_versions
    where history_versions.opportunity_id in ({{ opportunities_changed() }})
{%- endmacro %}

{#
    closed_deal_quarters_changed()

    Quarters whose closed deals can differ: the CloseDate quarter of every raw version of each
    opportunity with a new raw row (a moved close date changes its old quarter and its new one).
#}
{% macro closed_deal_quarters_changed() -%}
    {%- set opportunities = source('salesforce', 'opportunity') -%}
    select distinct {{ period_of('quarter', 'opportunity_versions.close_date') }} as period_start
    from {{ opportunities }} as opportunity_versions
    where opportunity_versions.id in ({{ keys_loaded_since_watermark(opportunities, 'id') }})
{%- endmacro %}
