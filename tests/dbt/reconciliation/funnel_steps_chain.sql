-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_funnel_leakage'}}}) }}

-- In kpi_funnel_leakage, per cohort x source: the lead_to_mql step is entered by every lead of
-- fct_leads, and the entered_count of step n + 1 equals the converted_count of step n (a step
-- without a row counts 0 entered; a step converting no one has no next row).
-- Fails with every cohort x source x step where the chain breaks.
with

funnel as (

    select
        cohort_month,
        lead_source,
        step_order,
        entered_count,
        converted_count
    from {{ ref('kpi_funnel_leakage') }}

),

leads as (

    select
        cohort_month,
        lead_source,
        count(*) as lead_count
    from {{ ref('fct_leads') }}
    group by cohort_month, lead_source

),

step_numbers as (

    select 1 as step_order
    union all
    select 2
    union all
    select 3
    union all
    select 4

),

expected_entered as (

    -- Step 1 is entered by every lead; step n + 1 by the converted of step n.
    select
        leads.cohort_month,
        leads.lead_source,
        step_numbers.step_order,
        case
            when step_numbers.step_order = 1 then leads.lead_count
            else coalesce(previous_step.converted_count, 0)
        end as expected_entered_count
    from leads
    cross join step_numbers
    left join funnel as previous_step
        on leads.cohort_month = previous_step.cohort_month
        and leads.lead_source = previous_step.lead_source
        and step_numbers.step_order = previous_step.step_order + 1

),

compared as (

    select
        expected_entered.cohort_month,
        expected_entered.lead_source,
        expected_entered.step_order,
        expected_entered.expected_entered_count,
        coalesce(funnel.entered_count, 0) as entered_count
    from expected_entered
    left join funnel
        on expected_entered.cohort_month = funnel.cohort_month
        and expected_entered.lead_source = funnel.lead_source
        and expected_entered.step_order = funnel.step_order

),

orphans as (

    -- Funnel rows of a cohort x source without any lead.
    select
        funnel.cohort_month,
        funnel.lead_source,
        funnel.step_order,
        0 as expected_entered_count,
        funnel.entered_count
    from funnel
    left join leads
        on funnel.cohort_month = leads.cohort_month
        and funnel.lead_source = leads.lead_source
    where leads.cohort_month is null

),

broken as (

    select * from compared
    where entered_count <> expected_entered_count
    union all
    select * from orphans

)

select * from broken
