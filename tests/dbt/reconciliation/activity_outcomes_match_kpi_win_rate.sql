-- Reads several models: dagster-dbt shows it as an asset check on the one it names here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_activity_outcomes'}}}) }}

-- kpi_activity_outcomes uses kpi_win_rate's definitions: for every rep and quarter, its
-- won/lost counts and amounts equal kpi_win_rate's summed over the quarter's months, and
-- every rep-quarter with a closed opportunity in kpi_win_rate has a row. Fails with every
-- rep-quarter that differs.
with

outcomes as (

    select
        quarter_start,
        rep_id,
        won_count,
        lost_count,
        won_amount,
        lost_amount
    from {{ ref('kpi_activity_outcomes') }}

),

win_rate as (

    select
        cast({{ dbt.date_trunc('quarter', 'month_start') }} as date) as quarter_start,
        rep_id,
        won_count,
        lost_count,
        won_amount,
        lost_amount
    from {{ ref('kpi_win_rate') }}

),

win_rate_quarters as (

    select
        quarter_start,
        rep_id,
        sum(won_count) as won_count,
        sum(lost_count) as lost_count,
        sum(won_amount) as won_amount,
        sum(lost_amount) as lost_amount
    from win_rate
    group by
        quarter_start,
        rep_id

)

select
    coalesce(outcomes.quarter_start, win_rate_quarters.quarter_start) as quarter_start,
    coalesce(outcomes.rep_id, win_rate_quarters.rep_id) as rep_id,
    outcomes.won_count as outcomes_won_count,
    win_rate_quarters.won_count as win_rate_won_count,
    outcomes.lost_count as outcomes_lost_count,
    win_rate_quarters.lost_count as win_rate_lost_count,
    outcomes.won_amount as outcomes_won_amount,
    win_rate_quarters.won_amount as win_rate_won_amount,
    outcomes.lost_amount as outcomes_lost_amount,
    win_rate_quarters.lost_amount as win_rate_lost_amount
from outcomes
full outer join win_rate_quarters
    on outcomes.quarter_start = win_rate_quarters.quarter_start
    and outcomes.rep_id = win_rate_quarters.rep_id
where
    outcomes.rep_id is null
    or coalesce(win_rate_quarters.won_count, 0) <> outcomes.won_count
    or coalesce(win_rate_quarters.lost_count, 0) <> outcomes.lost_count
    or coalesce(win_rate_quarters.won_amount, 0) <> outcomes.won_amount
    or coalesce(win_rate_quarters.lost_amount, 0) <> outcomes.lost_amount
