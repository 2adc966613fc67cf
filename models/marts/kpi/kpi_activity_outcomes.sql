-- Rep x quarter: which activities go with winning. The rep's activity minutes and counts by
-- category (quarter of the activity's start) beside the opportunities the rep closed in the
-- quarter (won/lost counts and amounts, win rates as kpi_win_rate defines them). One row per
-- rep and quarter with any activity or any closed (won or lost) opportunity.

-- Incremental: re-selects whole periods / records a new raw row can change
-- (macros/incremental_changes.sql); the full_refresh job rebuilds it whole.
{{ config(**incremental_config(
    chain='activities',
    unique_key='quarter_start',
    changed="activity_outcome_quarters_changed()"
)) }}


{%- set categories = activity_categories() %}

with

activities as (

    select
        quarter_start,
        rep_id,
        category,
        is_selling,
        minutes
    from {{ ref('fct_activities') }}
    {%- if is_incremental() %}
    where {{ reselected('periods', 'quarter_start') }}
    {%- endif %}

),

closed_rep_months as (

    -- Won/lost counts and amounts per rep and month, as kpi_win_rate reads them.
    select
        month_start,
        rep_id,
        won_count,
        lost_count,
        won_amount,
        lost_amount
    from {{ ref('int_closed_deals_summed_by_rep_month') }}
    {%- if is_incremental() %}
    where {{ reselected('periods', 'cast(' ~ dbt.date_trunc('quarter', 'month_start') ~ ' as date)') }}
    {%- endif %}

),

activity_quarters as (

    select
        quarter_start,
        rep_id,
        count(*) as activity_count,
        sum(case when is_selling then 1 else 0 end) as selling_activity_count,
        {%- for category in categories %}
        sum(case when category = '{{ category }}' then minutes else 0 end) as {{ category }}_minutes,
        sum(case when category = '{{ category }}' then 1 else 0 end) as {{ category }}_count,
        {%- endfor %}
        sum(minutes) as total_minutes,
        sum(case when is_selling then minutes else 0 end) as selling_minutes
    from activities
    group by
        quarter_start,
        rep_id

),

closed_quarters as (

    select
        cast({{ dbt.date_trunc('quarter', 'month_start') }} as date) as quarter_start,
        rep_id,
        sum(won_count) as won_count,
        sum(lost_count) as lost_count,
        sum(won_amount) as won_amount,
        sum(lost_amount) as lost_amount
    from closed_rep_months
    group by
        cast({{ dbt.date_trunc('quarter', 'month_start') }} as date),
        rep_id

),

rep_quarters as (

    select quarter_start, rep_id from activity_quarters
    union
    select quarter_start, rep_id from closed_quarters

),

joined as (

    select
        rep_quarters.quarter_start,
        rep_quarters.rep_id,
        coalesce(activity_quarters.activity_count, 0) as activity_count,
        coalesce(activity_quarters.selling_activity_count, 0) as selling_activity_count,
        coalesce(activity_quarters.total_minutes, 0) as total_minutes,
        coalesce(activity_quarters.selling_minutes, 0) as selling_minutes,
        {%- for category in categories %}
        coalesce(activity_quarters.{{ category }}_minutes, 0) as {{ category }}_minutes,
        coalesce(activity_quarters.{{ category }}_count, 0) as {{ category }}_count,
        {%- endfor %}
        coalesce(closed_quarters.won_count, 0) as won_count,
        coalesce(closed_quarters.lost_count, 0) as lost_count,
        coalesce(closed_quarters.won_amount, 0) as won_amount,
        coalesce(closed_quarters.lost_amount, 0) as lost_amount
    from rep_quarters
    left join activity_quarters
        on rep_quarters.quarter_start = activity_quarters.quarter_start
        and rep_quarters.rep_id = activity_quarters.rep_id
    left join closed_quarters
        on rep_quarters.quarter_start = closed_quarters.quarter_start
        and rep_quarters.rep_id = closed_quarters.rep_id

),

final as (

    select
        quarter_start,
        rep_id,
        cast(activity_count as {{ dbt.type_int() }}) as activity_count,
        cast(selling_activity_count as {{ dbt.type_int() }}) as selling_activity_count,
        -- Minutes are doubles, not rounded (metrics spec); shares and rates decimal(18, 6).
        cast(total_minutes as {{ type_double() }}) as total_minutes,
        cast(selling_minutes as {{ type_double() }}) as selling_minutes,
        {{ ratio('selling_minutes', 'total_minutes', numerator_type=type_double()) }} as selling_share,
        {%- for category in categories %}
        cast({{ category }}_minutes as {{ type_double() }}) as {{ category }}_minutes,
        cast({{ category }}_count as {{ dbt.type_int() }}) as {{ category }}_count,
        {%- endfor %}
        cast(won_count as {{ dbt.type_int() }}) as won_count,
        cast(lost_count as {{ dbt.type_int() }}) as lost_count,
        cast(won_amount as decimal(18, 2)) as won_amount,
        cast(lost_amount as decimal(18, 2)) as lost_amount,
        {{ ratio('won_count', 'won_count + lost_count') }} as win_rate,
        {{ ratio('won_amount', 'won_amount + lost_amount') }} as win_rate_amount
    from joined

)

select * from final
