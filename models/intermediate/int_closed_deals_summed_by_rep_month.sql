-- One row per month (of CloseDate) x rep with at least one closed (won or lost) opportunity:
-- the counts and amounts kpi_deal_size and kpi_win_rate divide, summed once here so both
-- marts have exactly the same rows and the same won figures.
with

opportunities as (

    select
        rep_id,
        close_month_start,
        is_won,
        is_lost,
        won_amount,
        lost_amount
    from {{ ref('fct_opportunities') }}

),

reps as (

    select
        rep_id,
        rep_name,
        manager_id
    from {{ ref('dim_reps') }}

),

closed_opportunities as (

    -- Won (IsWon, whatever IsClosed says) or lost (IsClosed and not IsWon); a null amount
    -- counts as 0 in won_amount / lost_amount.
    select
        rep_id,
        close_month_start as month_start,
        is_won,
        is_lost,
        won_amount,
        lost_amount
    from opportunities
    where is_won or is_lost

),

rep_months as (

    select
        month_start,
        rep_id,
        sum(case when is_won then 1 else 0 end) as won_count,
        sum(case when is_lost then 1 else 0 end) as lost_count,
        coalesce(sum(won_amount), 0) as won_amount,
        coalesce(sum(lost_amount), 0) as lost_amount
    from closed_opportunities
    group by
        month_start,
        rep_id

),

final as (

    select
        rep_months.month_start,
        rep_months.rep_id,
        reps.rep_name,
        reps.manager_id,
        cast(rep_months.won_count as {{ dbt.type_int() }}) as won_count,
        cast(rep_months.lost_count as {{ dbt.type_int() }}) as lost_count,
        cast(rep_months.won_amount as decimal(18, 2)) as won_amount,
        cast(rep_months.lost_amount as decimal(18, 2)) as lost_amount
    from rep_months
    left join reps
        on rep_months.rep_id = reps.rep_id

)

select * from final
