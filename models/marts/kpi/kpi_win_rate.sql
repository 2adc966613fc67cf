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
        {{ ratio('won_count', 'won_count + lost_count') }} as win_rate,
        {{ ratio('won_amount', 'won_amount + lost_amount') }} as win_rate_amount
    from rep_months

)

select * from final
