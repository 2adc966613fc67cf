"""Mart suites: one blocking suite per mart (every model under models/marts), after dbt.

Every mart: no personal-data columns (email, phone, first/last name, street, birth date: reps'
and managers' display names are kept on purpose, they are employees shown by name).
KPI marts, on top: ratios within [0, 1], attainment >= 0, counts and amounts >= 0,
converted <= entered, parts <= wholes, and every rep with a quota present in
kpi_quota_attainment. ERROR and blocking: a failure means a published KPI is wrong, and nothing
downstream of the mart (exports, BI extracts) should pick it up.
"""

from __future__ import annotations

from collections.abc import Callable

from orchestration.quality import expectations as gxe
from orchestration.quality.spec import MARTS, Severity, SuiteDef, SuiteInputs, SuiteSpec
from orchestration.quality.sql import BATCH

PERSONAL_DATA_PATTERN = (
    r"(^|_)(e_?mail|phone|mobile|fax|first_?name|last_?name|street|birth_?date|date_of_birth|ssn)(_|$)"
)

Rules = Callable[[SuiteInputs], list["gxe.Expectation"]]


def _no_personal_data() -> gxe.Expectation:
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=(
            f"select column_name from (describe {BATCH}) as mart_columns "
            f"where regexp_matches(lower(column_name), '{PERSONAL_DATA_PATTERN}')"
        ),
        description="no personal-data column (email, phone, first/last name, street, birth date)",
    )


def _non_negative(*columns: str) -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, description=f"{c} >= 0") for c in columns
    ]


def _ratio(*columns: str) -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column=c, min_value=0, max_value=1, description=f"{c} within [0, 1]"
        )
        for c in columns
    ]


def _at_most(part: str, whole: str) -> gxe.Expectation:
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=whole, column_B=part, or_equal=True, description=f"{part} <= {whole}"
    )


def _every_quota_rep_present(inputs: SuiteInputs) -> gxe.Expectation:
    quotas = inputs.relation("stg_salesforce__forecasting_quotas")
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=(
            f"select distinct quota.owner_id as rep_id from {quotas} as quota "
            "where quota.owner_id is not null and not exists ("
            f"select 1 from {BATCH} as attainment where attainment.rep_id = quota.owner_id)"
        ),
        description="every rep with a quota has rows in kpi_quota_attainment",
    )


KPI_RULES: dict[str, Rules] = {
    "kpi_quota_attainment": lambda inputs: [
        *_non_negative("attainment", "quota_amount", "bookings_amount", "bookings_count"),
        _every_quota_rep_present(inputs),
    ],
    "kpi_reps_at_quota": lambda inputs: [
        *_non_negative(
            "reps_with_quota",
            "reps_at_or_above_quota",
            "ramped_reps_with_quota",
            "ramped_reps_at_or_above_quota",
        ),
        *_ratio("pct_reps_at_or_above_quota", "pct_ramped_reps_at_or_above_quota"),
        _at_most("reps_at_or_above_quota", "reps_with_quota"),
        _at_most("ramped_reps_with_quota", "reps_with_quota"),
        _at_most("ramped_reps_at_or_above_quota", "ramped_reps_with_quota"),
    ],
    "kpi_deal_size": lambda inputs: _non_negative("won_count", "won_amount", "avg_deal_size"),
    "kpi_win_rate": lambda inputs: [
        *_non_negative("won_count", "lost_count", "won_amount", "lost_amount"),
        *_ratio("win_rate", "win_rate_amount"),
    ],
    "kpi_revenue": lambda inputs: _non_negative(
        "bookings_amount", "bookings_count", "ytd_bookings_amount", "prior_month_bookings_amount"
    ),
    "kpi_funnel_leakage": lambda inputs: [
        *_non_negative("entered_count", "converted_count", "leaked_count"),
        *_ratio("conversion_rate", "leakage_rate"),
        _at_most("converted_count", "entered_count"),
    ],
    "kpi_lead_requirements": lambda inputs: [
        *_non_negative(
            "quota_amount", "avg_deal_size", "leads_required", "lookback_won_count", "lookback_lead_count"
        ),
        *_ratio("lead_to_won_rate"),
        _at_most("lookback_won_lead_count", "lookback_lead_count"),
    ],
    "kpi_stage_durations": lambda inputs: [
        *_non_negative(
            "exited_count", "advanced_count", "lost_count", "median_days_in_stage", "p90_days_in_stage"
        ),
        *_ratio("advance_rate"),
        _at_most("advanced_count", "exited_count"),
        _at_most("lost_count", "exited_count"),
        _at_most("median_days_in_stage", "p90_days_in_stage"),
    ],
    "kpi_territory_balance": lambda inputs: _non_negative(
        "rep_count",
        "account_count",
        "open_pipeline_amount",
        "quota_amount",
        "bookings_amount",
        "attainment",
        "pipeline_per_rep",
        "pipeline_per_rep_index",
    ),
    "kpi_activity_time_allocation": lambda inputs: [
        *_non_negative("total_minutes", "selling_minutes", "unmapped_minutes", "activity_count"),
        *_ratio("selling_share"),
        _at_most("selling_minutes", "total_minutes"),
    ],
    "kpi_activity_outcomes": lambda inputs: [
        *_non_negative(
            "activity_count", "total_minutes", "won_count", "lost_count", "won_amount", "lost_amount"
        ),
        *_ratio("selling_share", "win_rate", "win_rate_amount"),
        _at_most("selling_minutes", "total_minutes"),
    ],
}


def _suite(model: str, inputs: SuiteInputs) -> SuiteSpec:
    relation = inputs.relation(model)
    rules = KPI_RULES.get(model, lambda _: [])(inputs)
    grain = [
        c
        for c in ("rep_id", "month_start", "week_start", "quarter_start", "period_start")
        if c in relation.columns
    ]
    return SuiteSpec(
        name=f"{MARTS}.{model}.{Severity.BLOCKING.value}",
        batch_query=f"select * from {relation}",
        expectations=[_no_personal_data(), *rules],
        key_columns=grain,
    )


def mart_suites(models: list[str]) -> list[SuiteDef]:
    """One blocking suite per mart model (names from the dbt manifest)."""
    return [
        SuiteDef(
            layer=MARTS,
            table=model,
            severity=Severity.BLOCKING,
            description=(
                "No personal-data columns; ratios in [0, 1], counts and amounts >= 0, parts <= wholes."
                if model in KPI_RULES
                else "No personal-data columns."
            ),
            build=lambda inputs, model=model: _suite(model, inputs),
        )
        for model in models
    ]
