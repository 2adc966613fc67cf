-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_deal_size'}}}) }}

-- kpi_deal_size and kpi_win_rate have exactly the same rows (month x rep with a closed
-- opportunity) and the same won_count and won_amount on each. Fails with every row that
-- is in one mart only or differs.
with

deal_size as (

    select
        month_start,
        rep_id,
        won_count,
        won_amount
    from {{ ref('kpi_deal_size') }}

),

win_rate as (

    select
        month_start,
        rep_id,
        won_count,
        won_amount
    from {{ ref('kpi_win_rate') }}

),

compared as (

    select
        coalesce(deal_size.month_start, win_rate.month_start) as month_start,
        coalesce(deal_size.rep_id, win_rate.rep_id) as rep_id,
        deal_size.month_start is not null as in_deal_size,
        win_rate.month_start is not null as in_win_rate,
        deal_size.won_count as deal_size_won_count,
        win_rate.won_count as win_rate_won_count,
        deal_size.won_amount as deal_size_won_amount,
        win_rate.won_amount as win_rate_won_amount
    from deal_size
    full outer join win_rate
        on deal_size.month_start = win_rate.month_start
        and deal_size.rep_id = win_rate.rep_id

)

select *
from compared
where not in_deal_size
    or not in_win_rate
    or deal_size_won_count <> win_rate_won_count
    or deal_size_won_amount <> win_rate_won_amount
