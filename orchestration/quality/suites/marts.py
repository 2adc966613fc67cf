"""Mart suites, after dbt: a blocking suite per mart (every model under models/marts) and a
warning suite per KPI mart that sums source amounts or durations.

Blocking (ERROR): what no single source record can break, so a failure means the mart's own
logic is wrong and nothing downstream of it (publishing, exports) should pick it up: no
personal-data columns (email, phone, first/last name, street, birth date: reps' and managers'
display names are kept on purpose, they are employees shown by name); counts >= 0, ratios of
counts within [0, 1], converted <= entered, parts <= wholes, durations >= 0 and median <= p90;
every rep with a quota present in kpi_quota_attainment.
Warnings (WARN): amounts, minutes and the ratios of them in range. The metrics spec takes a
negative amount or quota as it is, so one such record (reported with its Id on raw) moves these
figures; the warning shows where, and every other KPI still refreshes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from orchestration.quality import expectations as gxe
from orchestration.quality.spec import MARTS, Relation, Severity, SuiteDef, SuiteInputs, SuiteSpec
from orchestration.quality.sql import BATCH

PERSONAL_DATA_PATTERN = (
    r"(^|_)(e_?mail|phone|mobile|fax|first_?name|last_?name|street|birth_?date|date_of_birth|ssn)(_|$)"
)

Rules = Callable[[SuiteInputs], list["gxe.Expectation"]]


def _no_personal_data(relation: Relation) -> gxe.Expectation:
    # The mart's columns as the engine has them, not as its YAML says. `~` is a full match on
    # DuckDB and a search on PostgreSQL: `.*` on both sides asks both the same. The count names
    # the batch, which GX wants every such query to read (it prints a warning otherwise); no
    # join, which would make GX substitute the batch without the alias PostgreSQL requires.
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=(
            "select mart_columns.column_name from information_schema.columns as mart_columns "
            f"where mart_columns.table_schema = '{relation.schema}' "
            f"and mart_columns.table_name = '{relation.name}' "
            f"and lower(mart_columns.column_name) ~ '.*{PERSONAL_DATA_PATTERN}.*' "
            f"and (select count(*) from {BATCH} as mart) >= 0"
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


# Blocking: invariants of the marts' own arithmetic, which no single source record can break
# (counts, ratios of counts, parts of wholes, ordered durations, a row per quota).
KPI_RULES: dict[str, Rules] = {
    "kpi_quota_attainment": lambda inputs: [
        *_non_negative("bookings_count"),
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
    "kpi_deal_size": lambda inputs: _non_negative("won_count"),
    "kpi_win_rate": lambda inputs: [*_non_negative("won_count", "lost_count"), *_ratio("win_rate")],
    "kpi_revenue": lambda inputs: _non_negative("bookings_count"),
    "kpi_funnel_leakage": lambda inputs: [
        *_non_negative("entered_count", "converted_count", "leaked_count"),
        *_ratio("conversion_rate", "leakage_rate"),
        _at_most("converted_count", "entered_count"),
    ],
    "kpi_lead_requirements": lambda inputs: [
        *_non_negative("lookback_won_count", "lookback_lead_count"),
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
    "kpi_territory_balance": lambda inputs: _non_negative("rep_count", "account_count"),
    "kpi_activity_time_allocation": lambda inputs: _non_negative("activity_count"),
    "kpi_activity_outcomes": lambda inputs: [
        *_non_negative("activity_count", "won_count", "lost_count"),
        *_ratio("win_rate"),
    ],
}

# Warnings: figures summed from source amounts and durations. One record with a negative amount,
# a negative quota or an event ending before it starts moves them out of range; the metrics spec
# takes such values as they are (the raw and staging warnings report the record's Id), so here
# they show where it surfaces, without holding back every other KPI.
KPI_WARNINGS: dict[str, Rules] = {
    "kpi_quota_attainment": lambda inputs: _non_negative("attainment", "quota_amount", "bookings_amount"),
    "kpi_deal_size": lambda inputs: _non_negative("won_amount", "avg_deal_size"),
    "kpi_win_rate": lambda inputs: [*_non_negative("won_amount", "lost_amount"), *_ratio("win_rate_amount")],
    "kpi_revenue": lambda inputs: _non_negative(
        "bookings_amount", "ytd_bookings_amount", "prior_month_bookings_amount"
    ),
    "kpi_lead_requirements": lambda inputs: _non_negative("quota_amount", "avg_deal_size", "leads_required"),
    "kpi_territory_balance": lambda inputs: _non_negative(
        "open_pipeline_amount",
        "quota_amount",
        "bookings_amount",
        "attainment",
        "pipeline_per_rep",
        "pipeline_per_rep_index",
    ),
    "kpi_activity_time_allocation": lambda inputs: [
        *_non_negative("total_minutes", "selling_minutes", "unmapped_minutes"),
        *_ratio("selling_share"),
        _at_most("selling_minutes", "total_minutes"),
    ],
    "kpi_activity_outcomes": lambda inputs: [
        *_non_negative("total_minutes", "won_amount", "lost_amount"),
        *_ratio("selling_share", "win_rate_amount"),
        _at_most("selling_minutes", "total_minutes"),
    ],
}


def _grain(relation: Relation) -> list[str]:
    keys = ("rep_id", "month_start", "week_start", "quarter_start", "period_start")
    return [c for c in keys if c in relation.columns]


def _blocking(model: str, inputs: SuiteInputs) -> SuiteSpec:
    relation = inputs.relation(model)
    return SuiteSpec(
        name=f"{MARTS}.{model}.{Severity.BLOCKING.value}",
        batch_query=f"select * from {relation}",
        expectations=[_no_personal_data(relation), *KPI_RULES.get(model, lambda _: [])(inputs)],
        key_columns=_grain(relation),
    )


def _warnings(model: str, inputs: SuiteInputs) -> SuiteSpec:
    relation = inputs.relation(model)
    return SuiteSpec(
        name=f"{MARTS}.{model}.{Severity.WARNING.value}",
        batch_query=f"select * from {relation}",
        expectations=KPI_WARNINGS[model](inputs),
        key_columns=_grain(relation),
    )


def mart_suites(models: list[str]) -> list[SuiteDef]:
    """A blocking suite per mart model (names from the dbt manifest), and a warning suite per KPI
    mart whose figures sum source amounts or durations."""
    suites = []
    for model in models:
        blocking = (
            "No personal-data columns; counts >= 0, ratios of counts in [0, 1], parts <= wholes."
            if model in KPI_RULES
            else "No personal-data columns."
        )
        suites.append(SuiteDef(MARTS, model, Severity.BLOCKING, blocking, partial(_blocking, model)))
        if model in KPI_WARNINGS:
            warning = "Amounts, minutes and the ratios of them in range (a source record can move them)."
            suites.append(SuiteDef(MARTS, model, Severity.WARNING, warning, partial(_warnings, model)))
    return suites
