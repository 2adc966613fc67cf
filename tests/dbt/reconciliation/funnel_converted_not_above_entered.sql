-- In kpi_funnel_leakage, on every row: 0 <= converted_count <= entered_count, entered_count > 0,
-- leaked_count = entered_count - converted_count, and the two rates add up to 1.
-- Fails with every row that breaks one of these.
with

funnel as (

    select
        cohort_month,
        lead_source,
        step,
        entered_count,
        converted_count,
        leaked_count,
        conversion_rate,
        leakage_rate
    from {{ ref('kpi_funnel_leakage') }}

),

broken as (

    select *
    from funnel
    where entered_count <= 0
        or converted_count < 0
        or converted_count > entered_count
        or leaked_count <> entered_count - converted_count
        or conversion_rate + leakage_rate <> 1

)

select * from broken
