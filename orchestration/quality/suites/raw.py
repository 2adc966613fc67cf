"""Raw suites: one pair per extract object, on `raw.<family>_<object>`, before dbt runs.

Blocking (ERROR, stops dbt and everything after it):
- every required column of the contract is present on every row (every version);
- the table holds exactly the rows `raw.load_manifest` records as loaded (nothing lost);
- Opportunity: on the current records (newest non-deleted version, what staging will show),
  Amount >= 0, the owner is a known User and the account exists (not deleted);
- ForecastingQuota: on the current records, QuotaAmount >= 0 and the quota's owner is a known User.
These are the defects that move a KPI without leaving a trace in the marts: bookings, deal size
and attainment summed over a negative amount, deals or quotas attributed to nobody.

Warnings (WARN), on the rows of the files loaded in this run (files never change once landed):
- a file carries each Id at most once (ids unique per version: a record appears once per file);
- the rows this load added are within bounds of the previous load (raw.load_manifest history):
  at most SALES_QUALITY_MAX_LOAD_GROWTH (100%) of the rows loaded before; no bound on a first
  load. (Nothing removed: the blocking suite's row count equal to the manifest.)
"""

from __future__ import annotations

from functools import partial

from orchestration.ingestion.contract import OBJECTS, ExtractObject
from orchestration.quality import expectations as gxe
from orchestration.quality.spec import RAW, Severity, SuiteDef, SuiteInputs, SuiteSpec, suite_pair
from orchestration.quality.sql import BATCH, current_records, literal

_LINEAGE_KEYS = ["_source_file", "_source_line"]


def _batch(obj: ExtractObject) -> str:
    return f"select * from raw.{obj.raw_table}"


def _key_columns(obj: ExtractObject) -> list[str]:
    return [obj.id_column, *_LINEAGE_KEYS]


def _required_not_null(obj: ExtractObject) -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column=column.name,
            description=f"{obj.api_name}.{column.api_name} is present (a required column of the contract)",
        )
        for column in obj.required_columns
    ]


def _rows_match_manifest(obj: ExtractObject, inputs: SuiteInputs) -> gxe.Expectation:
    loaded = inputs.history[obj.name].rows_loaded
    return gxe.ExpectTableRowCountToEqual(
        value=loaded,
        description=(
            f"raw.{obj.raw_table} holds exactly the {loaded:,} rows raw.load_manifest records as "
            "loaded: nothing lost, nothing added outside the loader"
        ),
    )


def _current(obj: ExtractObject) -> str:
    has_is_deleted = any(c.name == "is_deleted" for c in obj.columns)
    return current_records(BATCH, obj.id_column, has_is_deleted)


def _known_user(column: str) -> str:
    return f"not exists (select 1 from raw.salesforce_user as known_user where known_user.id = {column})"


def _opportunity_rules(obj: ExtractObject) -> list[gxe.Expectation]:
    current = _current(obj)
    account = next(o for o in OBJECTS if o.api_name == "Account")
    accounts = current_records(f"raw.{account.raw_table}", "id", has_is_deleted=True)
    lineage = "id, _source_file, _source_line"
    return [
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=(
                f"select {lineage}, amount from {current} as opportunity where amount < 0"
            ),
            description="Opportunity.Amount >= 0 (current records): bookings and deal size sum it",
        ),
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=(
                f"select {lineage}, owner_id from {current} as opportunity "
                f"where owner_id is not null and {_known_user('opportunity.owner_id')}"
            ),
            description="Opportunity.OwnerId is a known User (current records): the rep of the deal",
        ),
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=(
                f"select {lineage}, account_id from {current} as opportunity "
                "where account_id is not null and not exists ("
                f"select 1 from {accounts} as account where account.id = opportunity.account_id)"
            ),
            description=(
                "Opportunity.AccountId is an existing, not deleted Account (current records): "
                "territory pipeline and bookings follow it"
            ),
        ),
    ]


def _quota_rules(obj: ExtractObject) -> list[gxe.Expectation]:
    current = _current(obj)
    lineage = "id, _source_file, _source_line"
    return [
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=(
                f"select {lineage}, quota_amount from {current} as quota where quota_amount < 0"
            ),
            description="ForecastingQuota.QuotaAmount >= 0 (current records): attainment divides by it",
        ),
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=(
                f"select {lineage}, quota_owner_id from {current} as quota "
                f"where quota_owner_id is not null and {_known_user('quota.quota_owner_id')}"
            ),
            description="ForecastingQuota.QuotaOwnerId is a known User (current records): a quota for a rep",
        ),
    ]


_CURRENT_RULES = {"Opportunity": _opportunity_rules, "ForecastingQuota": _quota_rules}


def _blocking(obj: ExtractObject, inputs: SuiteInputs) -> SuiteSpec:
    expectations = [*_required_not_null(obj), _rows_match_manifest(obj, inputs)]
    expectations += _CURRENT_RULES.get(obj.api_name, lambda _: [])(obj)
    return SuiteSpec(
        name=f"{RAW}.{obj.raw_table}.{Severity.BLOCKING.value}",
        batch_query=_batch(obj),
        expectations=expectations,
        key_columns=_key_columns(obj),
    )


def _load_size(obj: ExtractObject, inputs: SuiteInputs) -> gxe.Expectation:
    """Rows this run loaded, against the rows the table held before (its previous loads)."""
    before = inputs.history[obj.name].rows_before
    if not before:  # unknown, or a first load: nothing to compare with
        return gxe.ExpectTableRowCountToBeBetween(
            min_value=0, description="rows loaded (no previous load to compare with)"
        )
    growth = inputs.settings.max_load_growth
    return gxe.ExpectTableRowCountToBeBetween(
        min_value=0,
        max_value=int(before * growth),
        description=(
            f"this load added at most {growth:.0%} of the {before:,} rows loaded before "
            "(SALES_QUALITY_MAX_LOAD_GROWTH); nothing removed is checked by the blocking suite"
        ),
    )


# (Id, file) as one value: a unit separator never appears in Ids or paths.
_ID_IN_FILE = "{key} || chr(31) || _source_file as id_in_file"


def _warnings(obj: ExtractObject, inputs: SuiteInputs) -> SuiteSpec:
    """On the rows of the files loaded in this run (all rows when the run's start is unknown):
    files never change once landed, so earlier files need no second look.

    Uniqueness within a file is one aggregate (distinct (Id, file) pairs over rows, counted in
    the same DuckDB pass as the row count); when it fails, the details pass lists the pairs."""
    since = f" where _loaded_at >= {literal(inputs.since.isoformat(sep=' '))}" if inputs.since else ""
    key = obj.id_column
    rule = f"each {obj.api_name} Id appears at most once per file (one row per version)"
    history = inputs.history[obj.name]
    new_rows = history.rows_this_load if inputs.since else history.rows_loaded
    unique = gxe.ExpectColumnProportionOfUniqueValuesToBeBetween(
        column="id_in_file", min_value=1.0, max_value=1.0, description=rule
    )
    return SuiteSpec(
        name=f"{RAW}.{obj.raw_table}.{Severity.WARNING.value}",
        batch_query=f"select *, {_ID_IN_FILE.format(key=key)} from raw.{obj.raw_table}{since}",
        # No rows to check (nothing loaded in this run): the proportion of nothing is not 1.
        expectations=[*([unique] if new_rows else []), _load_size(obj, inputs)],
        key_columns=_key_columns(obj),
        diagnostics=[
            gxe.UnexpectedRowsExpectation(
                unexpected_rows_query=(
                    f"select {key}, _source_file, count(*) as copies, min(_source_line) as first_line "
                    f"from {BATCH} as loaded group by {key}, _source_file having count(*) > 1"
                ),
                description=f"{rule}: the Ids found more than once",
            )
        ],
    )


def raw_suites() -> list[SuiteDef]:
    suites = []
    for obj in OBJECTS:
        extra = " and its current records' amounts and references" if obj.api_name in _CURRENT_RULES else ""
        suites += suite_pair(
            RAW,
            obj.raw_table,
            blocking=(
                f"Required columns present, row count equal to the load manifest{extra}.",
                partial(_blocking, obj),
            ),
            warning=(
                "Ids unique within each new file; rows loaded within bounds of the last load.",
                partial(_warnings, obj),
            ),
        )
    return suites
