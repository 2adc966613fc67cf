{#
    leads_changed(through_conversions)

    Leads whose funnel rows can differ from the model's last build: leads with a new raw row
    (a deleted lead leaves, a restored one comes back), the lead of every raw version of each
    LeadHistory row with a new row, and, with `through_conversions`, the leads any raw version
    of which was converted to an opportunity with a new raw row (whether it is won, and when,
    is the opportunity's).
#}
{% macro leads_changed(through_conversions) -%}
    {%- set leads = source('salesforce', 'lead') -%}
    {%- set histories = source('salesforce', 'lead_history') -%}
    {{ keys_loaded_since_watermark(leads, 'id') }}
    union all
    {{ parents_of_changed_history(histories, 'lead_id') }}
    {%- if through_conversions %}
    union all
    select converted_versions.id
    from {{ leads }} as converted_versions
    where converted_versions.converted_opportunity_id in (
        {{ keys_loaded_since_watermark(source('salesforce', 'opportunity'), 'id') }}
    )
    {%- endif %}
{%- endmacro %}

{#
    cohort_months_changed()

    Cohort months whose funnel counts can differ: the CreatedDate month of every raw version of
    the leads above (a corrected CreatedDate moves a lead out of its old cohort).
#}
{% macro cohort_months_changed() -%}
    {%- set leads = source('salesforce', 'lead') -%}
    select distinct {{ period_of('month', 'lead_versions.created_date') }} as period_start
    from {{ leads }} as lead_versions
    where lead_versions.id in ({{ leads_changed(through_conversions=true) }})
{%- endmacro %}
