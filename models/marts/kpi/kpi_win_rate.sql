-- One row per month x rep where the rep closed (won or lost) at least one opportunity:
-- win rate by count and by amount. Same rows as kpi_deal_size (both read one intermediate).
with

rep_months as (

    select
        month_start,
        rep_id,
        rep_name,
        manager_id,
        won_count,
        lost_count,
        won_amount,
        lost_amount
    from {{ ref('int_closed_deals_summed_by_rep_month') }}

),

final as (

    select
        month_start,
        rep_id,
        rep_name,
        manager_id,
        won_count,
        lost_count,
        won_amount,
        lost_amount,
        cast(
            cast(cast(won_count as decimal(38, 6)) / nullif(won_count + lost_count, 0) as decimal(38, 6))
            as decimal(18, 6)
        ) as win_rate,
        cast(
            cast(won_amount / nullif(won_amount + lost_amount, 0) as decimal(38, 6)) as decimal(18, 6)
        ) as win_rate_amount
    from rep_months

)

select * from final
