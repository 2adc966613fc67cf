-- In kpi_stage_durations, on every row: exited_count = advanced + lost + moved back +
-- unordered, exited_count >= 1, median <= p90, and advance_rate = advanced / (advanced + lost)
-- (null exactly when both are 0). Fails with every row that breaks one of these.
-- advance_rate is rounded to 6 decimals: it is compared with the unrounded quotient within
-- 0.000001, twice the largest rounding gap, so an exact half millionth (1 / 128 = 0.0078125,
-- reported 0.007813) is not a failure. The day figures are exact doubles (not rounded).
with

durations as (

    select
        quarter_start,
        stage_name,
        exited_count,
        advanced_count,
        lost_count,
        moved_back_count,
        unordered_count,
        median_days_in_stage,
        p90_days_in_stage,
        advance_rate
    from {{ ref('kpi_stage_durations') }}

),

broken as (

    select *
    from durations
    where exited_count < 1
        or exited_count <> advanced_count + lost_count + moved_back_count + unordered_count
        or median_days_in_stage > p90_days_in_stage
        or (advanced_count + lost_count = 0 and advance_rate is not null)
        or (
            advanced_count + lost_count > 0
            and (
                advance_rate is null
                or abs(
                    advance_rate
                    - cast(advanced_count as decimal(38, 6)) / nullif(advanced_count + lost_count, 0)
                ) > 0.000001
            )
        )

)

select * from broken
