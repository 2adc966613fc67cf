-- One row per month x rep where the rep closed (won or lost) at least one opportunity:
-- won deals and their average size. Same rows as kpi_win_rate.
with

opportunities as (

    select
        rep_id,
        close_month_start,
        is_won,
        is_lost,
        won_amount
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

    -- Won (IsWon, whatever IsClosed says) or lost; a won deal without amount has won_amount 0.
    select
        rep_id,
        close_month_start as month_start,
        is_won,
        won_amount
    from opportunities
    where is_won or is_lost

),

rep_months as (

    select
        month_start,
        rep_id,
        sum(case when is_won then 1 else 0 end) as won_count,
        coalesce(sum(won_amount), 0) as won_amount
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
        cast(rep_months.won_amount as decimal(18, 2)) as won_amount,
        cast(
            round(
                cast(rep_months.won_amount / nullif(rep_months.won_count, 0) as decimal(38, 6)),
                2
            ) as decimal(18, 2)
        ) as avg_deal_size
    from rep_months
    left join reps
        on rep_months.rep_id = reps.rep_id

)

select * from final
