"""Staging suites: one pair per `stg_*` table, after dbt has built them.

Each staging table is the newest, not deleted version of each record, so these suites judge the
records the marts are built from. The table, narrowed to the columns the two suites read and
with its references resolved (left joins), is read once into a DuckDB temp table that both
suites validate, then dropped.

Scope (`SuiteInputs.rows_since`): in a daily run, the rows whose current version came from a file
this run loaded (the records it added or changed); a full run, every row.

Blocking (ERROR): the record key and the contract's required fields are set. (The key's
uniqueness holds by construction and is dbt's `unique` test: see `_blocking`.)
Warnings (WARN): values known to the seeds (stages, lead statuses, activity types), booleans
consistent (IsWon implies IsClosed), amounts >= 0, probability 0-100, CloseDate not before the
CreatedDate by more than SALES_QUALITY_CLOSE_DATE_TOLERANCE_DAYS, durations 0-24 h, references
resolving (owners, reps, managers, accounts, territories, leads, opportunities), and at most one
row per raw row. An opportunity's owner and account, a quota's owner and the amounts of both
are checked on raw already, before dbt runs (a warning per record, blocking above a share).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from orchestration.quality import expectations as gxe
from orchestration.quality.spec import (
    STAGING,
    Severity,
    SuiteDef,
    SuiteInputs,
    SuiteSpec,
    TempTable,
    suite_pair,
)
from orchestration.quality.sql import BATCH, timestamp_literal

MINUTES_PER_DAY = 24 * 60
SECONDS_PER_DAY = MINUTES_PER_DAY * 60
Rules = Callable[[SuiteInputs], list["gxe.Expectation"]]


@dataclass(frozen=True)
class Lookup:
    """A reference that must resolve: `column` of the model is a `key` of staging `model`.

    Resolved once, when the temp table is built (a left join), into `unknown_<column>`: the
    value when it does not resolve, else null. The rule is then a plain column expectation,
    counted in the same DuckDB pass as the others."""

    column: str
    model: str
    key: str
    what: str

    @property
    def flag(self) -> str:
        return f"unknown_{self.column}"


@dataclass(frozen=True)
class StagingModel:
    model: str
    object_name: str  # ExtractObject.name of its raw table
    key: str
    required: tuple[str, ...]  # set on every record (the contract's required columns, renamed)
    columns: tuple[str, ...]  # further columns (or `expression as name`) the warnings read
    rules: Rules
    lookups: tuple[Lookup, ...] = ()


def _relation(inputs: SuiteInputs, model: str) -> str:
    return str(inputs.relation(model))


def _lookup_expectation(lookup: Lookup) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeNull(column=lookup.flag, description=lookup.what)


def _in_seed(column: str, values: tuple[str, ...], what: str) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(values), description=what)


def _between(column: str, low: float | None, high: float | None, what: str) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high, description=what)


def _opportunity_rules(inputs: SuiteInputs) -> list[gxe.Expectation]:
    tolerance = inputs.settings.close_date_tolerance_days
    return [
        gxe.ExpectColumnPairValuesToBeInSet(
            column_A="is_won",
            column_B="is_closed",
            value_pairs_set=[(True, True), (False, True), (False, False)],
            description="IsWon implies IsClosed (a won deal counts as won either way: fix the record)",
        ),
        _between("probability", 0, 100, "Probability is a percentage, 0 to 100"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="close_date",
            column_B="earliest_close_date",
            or_equal=True,
            description=(
                f"CloseDate not before the CreatedDate by more than {tolerance} days "
                "(SALES_QUALITY_CLOSE_DATE_TOLERANCE_DAYS)"
            ),
        ),
        _in_seed(
            "stage_name", inputs.seeds.stage_names, "StageName is a stage of the seed opportunity_stages"
        ),
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=(
                f"select opportunity_id, amount from {BATCH} as won where is_won and amount is null"
            ),
            description="a won Opportunity has an Amount (bookings count it as 0 otherwise)",
        ),
    ]


def _opportunity_derived(inputs: SuiteInputs) -> str:
    days = int(inputs.settings.close_date_tolerance_days)
    return f"cast(checked.created_at as date) - {days} as earliest_close_date"


def _lead_rules(inputs: SuiteInputs) -> list[gxe.Expectation]:
    return [
        _in_seed(
            "status", inputs.seeds.lead_statuses, "Lead.Status is a status of the seed lead_status_stages"
        )
    ]


def _lead_history_rules(inputs: SuiteInputs) -> list[gxe.Expectation]:
    statuses = inputs.seeds.lead_statuses
    return [
        _in_seed(
            "status_old_value", statuses, "LeadHistory Status changes name statuses of the seed (OldValue)"
        ),
        _in_seed(
            "status_new_value", statuses, "LeadHistory Status changes name statuses of the seed (NewValue)"
        ),
    ]


def _opportunity_history_rules(inputs: SuiteInputs) -> list[gxe.Expectation]:
    return [
        _in_seed(
            "stage_name", inputs.seeds.stage_names, "OpportunityHistory.StageName is a stage of the seed"
        ),
        _between("amount", 0, None, "OpportunityHistory.Amount >= 0"),
        _between("probability", 0, 100, "OpportunityHistory.Probability is 0 to 100"),
    ]


def _quota_rules(inputs: SuiteInputs) -> list[gxe.Expectation]:
    return [
        _in_seed(
            "period_type", ("month", "quarter"), "ForecastingQuota.PeriodType is Month or Quarter (or empty)"
        ),
    ]


def _no_rules(inputs: SuiteInputs) -> list[gxe.Expectation]:
    return []


def _account_rules(inputs: SuiteInputs) -> list[gxe.Expectation]:
    return [
        _between("annual_revenue", 0, None, "Account.AnnualRevenue >= 0"),
        _between("number_of_employees", 0, None, "Account.NumberOfEmployees >= 0"),
    ]


def _task_rules(inputs: SuiteInputs) -> list[gxe.Expectation]:
    return [
        _between("call_duration_seconds", 0, SECONDS_PER_DAY, "Task.CallDurationInSeconds within 0-24 h"),
        _in_seed(
            "task_subtype",
            inputs.seeds.activity_types,
            "Task.TaskSubtype is a type of the seed activity_categories",
        ),
    ]


def _event_rules(inputs: SuiteInputs) -> list[gxe.Expectation]:
    return [_between("duration_minutes", 0, MINUTES_PER_DAY, "Event duration within 0-24 h")]


def _activity_rules(inputs: SuiteInputs) -> list[gxe.Expectation]:
    return [
        _between("duration_minutes", 0, MINUTES_PER_DAY, "activity duration within 0-24 h"),
        _in_seed(
            "activity_type",
            inputs.seeds.activity_types,
            "activity_type is a type of the seed activity_categories (else it lands in `unmapped`)",
        ),
    ]


_USERS = ("stg_salesforce__users", "user_id")
_TERRITORIES = ("stg_salesforce__territories", "territory_id")


def _user(column: str, what: str) -> Lookup:
    return Lookup(column, *_USERS, what)


def _territory(what: str) -> Lookup:
    return Lookup("territory_id", *_TERRITORIES, what)


STAGING_MODELS: tuple[StagingModel, ...] = (
    StagingModel(
        "stg_salesforce__opportunities",
        "opportunity",
        "opportunity_id",
        ("account_id", "owner_id", "stage_name", "close_date", "is_closed", "is_won", "created_at"),
        ("amount", "probability"),
        _opportunity_rules,
    ),
    StagingModel(
        "stg_salesforce__leads",
        "lead",
        "lead_id",
        ("owner_id", "status", "created_at"),
        ("converted_opportunity_id",),
        _lead_rules,
        lookups=(
            _user("owner_id", "Lead.OwnerId is a known User"),
            Lookup(
                "converted_opportunity_id",
                "stg_salesforce__opportunities",
                "opportunity_id",
                "Lead.ConvertedOpportunityId is an existing Opportunity",
            ),
        ),
    ),
    StagingModel(
        "stg_salesforce__lead_histories",
        "lead_history",
        "lead_history_id",
        ("lead_id", "field_name", "created_at"),
        (
            "case when lower(field_name) = 'status' then old_value end as status_old_value",
            "case when lower(field_name) = 'status' then new_value end as status_new_value",
        ),
        _lead_history_rules,
        lookups=(
            Lookup("lead_id", "stg_salesforce__leads", "lead_id", "LeadHistory.LeadId is an existing Lead"),
        ),
    ),
    StagingModel(
        "stg_salesforce__opportunity_histories",
        "opportunity_history",
        "opportunity_history_id",
        ("opportunity_id", "stage_name", "created_at"),
        ("amount", "probability"),
        _opportunity_history_rules,
        lookups=(
            Lookup(
                "opportunity_id",
                "stg_salesforce__opportunities",
                "opportunity_id",
                "OpportunityHistory.OpportunityId is an existing Opportunity",
            ),
        ),
    ),
    StagingModel(
        "stg_salesforce__forecasting_quotas",
        "forecasting_quota",
        "quota_id",
        ("owner_id", "quota_amount", "start_date"),
        ("period_type",),
        _quota_rules,
    ),
    StagingModel(
        "stg_salesforce__users",
        "user",
        "user_id",
        ("user_name", "is_active", "created_at"),
        ("manager_id",),
        _no_rules,
        lookups=(_user("manager_id", "User.ManagerId is a known User"),),
    ),
    StagingModel(
        "stg_salesforce__user_roles",
        "user_role",
        "user_role_id",
        ("role_name",),
        ("parent_role_id",),
        _no_rules,
        lookups=(
            Lookup(
                "parent_role_id",
                "stg_salesforce__user_roles",
                "user_role_id",
                "UserRole.ParentRoleId is a known role",
            ),
        ),
    ),
    StagingModel(
        "stg_salesforce__accounts",
        "account",
        "account_id",
        ("account_name", "owner_id", "created_at"),
        ("annual_revenue", "number_of_employees"),
        _account_rules,
        lookups=(_user("owner_id", "Account.OwnerId is a known User"),),
    ),
    StagingModel(
        "stg_salesforce__territories",
        "territory_2",
        "territory_id",
        ("territory_name",),
        ("parent_territory_id",),
        _no_rules,
        lookups=(
            Lookup(
                "parent_territory_id", *_TERRITORIES, "Territory2.ParentTerritory2Id is a known territory"
            ),
        ),
    ),
    StagingModel(
        "stg_salesforce__user_territory_associations",
        "user_territory_2_association",
        "user_territory_association_id",
        ("user_id", "territory_id"),
        (),
        _no_rules,
        lookups=(
            _user("user_id", "UserTerritory2Association.UserId is a known User"),
            _territory("UserTerritory2Association.Territory2Id is a known territory"),
        ),
    ),
    StagingModel(
        "stg_salesforce__object_territory_associations",
        "object_territory_2_association",
        "object_territory_association_id",
        ("account_id", "territory_id"),
        (),
        _no_rules,
        lookups=(
            Lookup(
                "account_id",
                "stg_salesforce__accounts",
                "account_id",
                "ObjectTerritory2Association.ObjectId is an existing Account",
            ),
            _territory("ObjectTerritory2Association.Territory2Id is a known territory"),
        ),
    ),
    StagingModel(
        "stg_salesforce__tasks",
        "task",
        "task_id",
        ("owner_id", "activity_date", "created_at"),
        ("call_duration_seconds", "task_subtype"),
        _task_rules,
        lookups=(_user("owner_id", "Task.OwnerId is a known User"),),
    ),
    StagingModel(
        "stg_salesforce__events",
        "event",
        "event_id",
        ("owner_id", "started_at", "created_at"),
        ("duration_minutes",),
        _event_rules,
        lookups=(_user("owner_id", "Event.OwnerId is a known User"),),
    ),
    StagingModel(
        "stg_activity__activities",
        "activities",
        "activity_id",
        ("rep_id", "activity_type", "started_at", "duration_minutes"),
        (),
        _activity_rules,
        lookups=(_user("rep_id", "activity rep_id is a known User"),),
    ),
)


def _temp_table(model: StagingModel, inputs: SuiteInputs) -> TempTable:
    """The table narrowed to the columns both suites read, with its references resolved,
    read once into a temp table."""
    columns = [f"checked.{c}" if c.isidentifier() else c for c in dict.fromkeys(
        [model.key, *model.required, *model.columns, "source_file"]
    )]  # fmt: skip
    if model.model == "stg_salesforce__opportunities":
        columns.append(_opportunity_derived(inputs))
    joins = []
    for n, lookup in enumerate(model.lookups):
        alias = f"known_{n}"
        columns.append(
            f"case when {alias}.{lookup.key} is null then checked.{lookup.column} end as {lookup.flag}"
        )
        target = _relation(inputs, lookup.model)
        joins.append(
            f"left join (select distinct {lookup.key} from {target}) as {alias} "
            f"on {alias}.{lookup.key} = checked.{lookup.column}"
        )
    select = (
        f"select {', '.join(columns)} from {_relation(inputs, model.model)} as checked " + " ".join(joins)
    ).strip()
    if inputs.rows_since is not None:  # the rows of the files this run loaded
        select += (
            " where checked.source_file in (select source_file from raw.load_manifest "
            f"where status = 'loaded' and loaded_at >= {timestamp_literal(inputs.rows_since)})"
        )
    return TempTable(name=f"quality_{model.model}", select=select)


def _blocking(model: StagingModel, inputs: SuiteInputs) -> SuiteSpec:
    """The key and the contract's required fields set. Not the key's uniqueness: the
    newest-version rule keeps one row per key by construction, so no data can break it, and
    dbt's `unique` test on the key (an asset check on the same asset) guards the model's code;
    counting 20M distinct keys a second time here would cost seconds for nothing."""
    expectations = [
        gxe.ExpectColumnValuesToNotBeNull(column=model.key, description=f"{model.key} is set"),
        *(
            gxe.ExpectColumnValuesToNotBeNull(
                column=column, description=f"{column} is set (required by the contract)"
            )
            for column in model.required
        ),
    ]
    temp = _temp_table(model, inputs)
    return SuiteSpec(
        name=f"{STAGING}.{model.model}.{Severity.BLOCKING.value}",
        batch_query=f"select * from {temp.name}",
        expectations=expectations,
        key_columns=[model.key, "source_file"],
        temp_table=temp,
    )


def _warnings(model: StagingModel, inputs: SuiteInputs) -> SuiteSpec:
    history = inputs.history[model.object_name]
    # The rows checked (every row, or those of this run's files) against the raw rows behind them.
    raw_rows = history.rows_loaded if inputs.rows_since is None else history.rows_this_load or 0
    expectations = [
        *model.rules(inputs),
        *(_lookup_expectation(lookup) for lookup in model.lookups),
        gxe.ExpectTableRowCountToBeBetween(
            min_value=0, max_value=raw_rows, description=f"at most one row per raw row ({raw_rows:,})"
        ),
    ]
    temp = _temp_table(model, inputs)
    return SuiteSpec(
        name=f"{STAGING}.{model.model}.{Severity.WARNING.value}",
        batch_query=f"select * from {temp.name}",
        expectations=expectations,
        key_columns=[model.key, "source_file"],
        temp_table=temp,
    )


def staging_suites(available: set[str] | None = None) -> list[SuiteDef]:
    """The suites of the staging models (only those in `available`, the manifest's, when given)."""
    suites = []
    for model in STAGING_MODELS:
        if available is not None and model.model not in available:
            continue
        suites += suite_pair(
            STAGING,
            model.model,
            blocking=(f"{model.key} set; required fields set.", partial(_blocking, model)),
            warning=(
                "Seed values known, consistent booleans, value ranges, references resolving.",
                partial(_warnings, model),
            ),
        )
    return suites
