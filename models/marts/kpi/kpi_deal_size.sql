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
        {{ ratio('won_amount', 'won_count', scale=2) }} as avg_deal_size
    from rep_months

)

select * from final
