-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_territory_balance'}}}) }}

-- On every row of kpi_territory_balance the derived figures agree with their parts:
-- attainment = bookings / quota (null iff quota 0); pipeline_per_rep = pipeline / reps and
-- org_pipeline_per_rep = org pipeline / org reps, to the cent (null iff no rep); the org
-- figures are the same on every row of a quarter and the org has at least as many reps as
-- any territory; the index = pipeline_per_rep / org pipeline per rep (null iff either side is
-- null or the org's is 0); the rebalance flag is set exactly when the index is outside
-- [1 - t, 1 + t] (var territory_imbalance_tolerance), null iff the index is null; and no
-- territory has more pipeline than the whole org when no amount is negative. Fails with every
-- row that breaks one of these.
--
-- Rounded figures are never compared with an unrounded quotient under a tolerance equal to
-- the rounding step: an exact half cent (1,274,294.20 / 8 reps = 159,286.775, reported
-- 159,286.78) sits exactly 0.005 from its quotient, and DuckDB, dividing decimals in double,
-- computes that gap as 0.005000000004656613 > 0.005. Money per rep is therefore compared
-- exactly with the quotient rounded to the cent the way the metrics rules prescribe (cast
-- to decimal(38, 6) first, which removes the double's noise, then round half away from
-- zero); the 6-decimal ratios are compared with their quotient within 0.000001, twice the
-- largest rounding gap (0.0000005), so an exact half millionth passes too.
{%- set tolerance = var('territory_imbalance_tolerance') %}
with

balance as (

    select * from {{ ref('kpi_territory_balance') }}

),

org_per_quarter as (

    select
        quarter_start,
        count(distinct org_open_pipeline_amount) as org_pipeline_values,
        count(distinct org_rep_count) as org_rep_values
    from balance
    group by quarter_start

),

negative_amounts as (

    select
        count(*) as negative_amount_count
    from {{ ref('fct_opportunities') }}
    where amount < 0

),

checked as (

    select
        balance.*,
        org_per_quarter.org_pipeline_values,
        org_per_quarter.org_rep_values,
        negative_amounts.negative_amount_count
    from balance
    inner join org_per_quarter
        on balance.quarter_start = org_per_quarter.quarter_start
    cross join negative_amounts

)

select *
from checked
where
    org_pipeline_values <> 1
    or org_rep_values <> 1
    or rep_count > org_rep_count
    or ((quota_amount = 0) <> (attainment is null))
    or abs(coalesce(attainment, 0) - coalesce(bookings_amount / nullif(quota_amount, 0), 0)) > 0.000001
    or ((rep_count = 0) <> (pipeline_per_rep is null))
    or pipeline_per_rep <> round(cast(open_pipeline_amount / nullif(rep_count, 0) as decimal(38, 6)), 2)
    or ((org_rep_count = 0) <> (org_pipeline_per_rep is null))
    or (
        org_pipeline_per_rep
        <> round(cast(org_open_pipeline_amount / nullif(org_rep_count, 0) as decimal(38, 6)), 2)
    )
    or (
        (pipeline_per_rep_index is null)
        <> (rep_count = 0 or org_rep_count = 0 or org_open_pipeline_amount = 0)
    )
    or abs(
        coalesce(pipeline_per_rep_index, 0)
        - coalesce(
            (open_pipeline_amount * org_rep_count) / nullif(rep_count * org_open_pipeline_amount, 0),
            0
        )
    ) > 0.000001
    or ((pipeline_per_rep_index is null) <> (is_rebalance_candidate is null))
    or (
        pipeline_per_rep_index is not null
        and is_rebalance_candidate
        <> (pipeline_per_rep_index < 1 - {{ tolerance }} or pipeline_per_rep_index > 1 + {{ tolerance }})
    )
    or (negative_amount_count = 0 and open_pipeline_amount > org_open_pipeline_amount)
