-- One row per month x rep where the rep closed (won or lost) at least one opportunity:
-- won deals and their average size. Same rows as kpi_win_rate (both read one intermediate).
with

rep_months as (

    select
        month_start,
        rep_id,
        rep_name,
        manager_id,
        won_count,
        won_amount
    from {{ ref('int_closed_deals_summed_by_rep_month') }}

),

final as (

    select
        month_start,
        rep_id,
        rep_name,
        manager_id,
        won_count,
        won_amount,
        cast(
            round(cast(won_amount / nullif(won_count, 0) as decimal(38, 6)), 2) as decimal(18, 2)
        ) as avg_deal_size
    from rep_months

)

select * from final
