"""Raw suites: one pair per extract object, on `raw.<family>_<object>`, before dbt runs.

Scope (`SuiteInputs.rows_since`): a daily run validates its own rows: the rules on single rows
and single records see only the rows it loaded (files never change once loaded); the rules on the
whole table (row count against the manifest, the share of current records breaking a rule) see
the whole table. A full run validates every row.

Blocking (ERROR, stops dbt and everything after it) only for what makes a whole table
untrustworthy:
- every required column of the contract is present on every row (every version);
- the table holds exactly the rows `raw.load_manifest` records as loaded (nothing lost);
- a record rule (below) broken by strictly more than SALES_QUALITY_RECORD_THRESHOLD (1%) of the
  table's current records (newest non-deleted version, what staging will show): a share that
  large is a broken extract (a User file cut short, a wrong export), not a few stray records.

Warnings (WARN): the defects of single records, each reported with its Id, file and line, while
the build goes on and the marts treat the record as the metrics spec says:
- record rules on the current records: Opportunity Amount >= 0, owner a known User, account an
  existing Account; ForecastingQuota QuotaAmount >= 0, owner a known User (an orphan quota keeps
  its row in kpi_quota_attainment with team null; a negative amount is taken as it is);
- within a file (of this run, in a daily run), one row per Id and version: two rows of one Id with the same
  SystemModstamp and LastModifiedDate, the one case where the newest-version rule falls back on
  the line order (several versions of an Id in one file are valid);
- the rows this load added are within bounds of the previous load (raw.load_manifest history):
  at most SALES_QUALITY_MAX_LOAD_GROWTH (100%) of the rows loaded before; no bound on a first
  load. (Nothing removed: the blocking suite's row count equal to the manifest.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from functools import partial
from typing import Any

from orchestration.ingestion.contract import OBJECTS, ExtractObject
from orchestration.quality import expectations as gxe
from orchestration.quality.spec import RAW, Severity, SuiteDef, SuiteInputs, SuiteSpec, TempTable, suite_pair
from orchestration.quality.sql import BATCH, current_records, substitute_batch, timestamp_literal

_LINEAGE_KEYS = ["_source_file", "_source_line"]
_LINEAGE = "id, _source_file, _source_line"


@dataclass(frozen=True)
class RecordRule:
    """A rule each current record must keep; `bad_records` selects those that break it (with
    their Id, file and line)."""

    description: str
    bad_records: str


def _batch(obj: ExtractObject) -> str:
    return f"select * from raw.{obj.raw_table}"


def _key_columns(obj: ExtractObject) -> list[str]:
    return [obj.id_column, *_LINEAGE_KEYS]


def _loaded_since(when: datetime | None) -> str:
    """SQL: the rows loaded at or after `when` (every row when None)."""
    return f"_loaded_at >= {timestamp_literal(when)}" if when else "true"


def _row_scope(inputs: SuiteInputs) -> dict[str, Any]:
    """GX's own row filter for a column expectation: the rows of this run in a daily run."""
    if inputs.rows_since is None:
        return {}
    from great_expectations.expectations.row_conditions import Column  # GX loads at run time only

    return {"row_condition": Column("_loaded_at") >= inputs.rows_since}


def _required_not_null(obj: ExtractObject, inputs: SuiteInputs) -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column=column.name,
            description=f"{obj.api_name}.{column.api_name} is present (a required column of the contract)",
            **_row_scope(inputs),
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


def _current(obj: ExtractObject, touched_since: datetime | None = None) -> str:
    """The current records; with `touched_since`, only those of the Ids with a row loaded since
    then (the newest-version window then reads only those Ids' versions)."""
    has_is_deleted = any(c.name == "is_deleted" for c in obj.columns)
    versions = BATCH
    if touched_since is not None:
        key = obj.id_column
        versions = (
            f"(select * from {BATCH} as versions where {key} in "
            f"(select {key} from {BATCH} as loaded where {_loaded_since(touched_since)}))"
        )
    return current_records(versions, obj.id_column, has_is_deleted)


def _known_user(column: str) -> str:
    return f"not exists (select 1 from raw.salesforce_user as known_user where known_user.id = {column})"


def _opportunity_rules(obj: ExtractObject, current: str) -> list[RecordRule]:
    account = next(o for o in OBJECTS if o.api_name == "Account")
    accounts = current_records(f"raw.{account.raw_table}", "id", has_is_deleted=True)
    return [
        RecordRule(
            "Opportunity.Amount >= 0 (current records): bookings and deal size sum it as it is",
            f"select {_LINEAGE}, amount from {current} as opportunity where amount < 0",
        ),
        RecordRule(
            "Opportunity.OwnerId is a known User (current records): the rep of the deal",
            f"select {_LINEAGE}, owner_id from {current} as opportunity "
            f"where owner_id is not null and {_known_user('opportunity.owner_id')}",
        ),
        RecordRule(
            "Opportunity.AccountId is an existing, not deleted Account (current records): "
            "territory pipeline and bookings follow it",
            f"select {_LINEAGE}, account_id from {current} as opportunity "
            "where account_id is not null and not exists ("
            f"select 1 from {accounts} as account where account.id = opportunity.account_id)",
        ),
    ]


def _quota_rules(obj: ExtractObject, current: str) -> list[RecordRule]:
    return [
        RecordRule(
            "ForecastingQuota.QuotaAmount >= 0 (current records): attainment divides by it",
            f"select {_LINEAGE}, quota_amount from {current} as quota where quota_amount < 0",
        ),
        RecordRule(
            "ForecastingQuota.QuotaOwnerId is a known User (current records): a quota for a rep",
            f"select {_LINEAGE}, quota_owner_id from {current} as quota "
            f"where quota_owner_id is not null and {_known_user('quota.quota_owner_id')}",
        ),
    ]


_RECORD_RULES = {"Opportunity": _opportunity_rules, "ForecastingQuota": _quota_rules}


def record_rules(obj: ExtractObject, current: str) -> list[RecordRule]:
    """The rules on `obj`'s current records, as `current` (a relation) holds them."""
    rules = _RECORD_RULES.get(obj.api_name)
    return rules(obj, current) if rules else []


def _current_records_table(obj: ExtractObject) -> TempTable:
    """All current records of `obj`, worked out once for the suite (the newest-version window
    over every version: each rule's share and the total read it, 6 windows before; 2.3 s of the
    20M daily run's 13 s of checks went to them)."""
    select = substitute_batch(f"select * from {_current(obj)}", _batch(obj))  # no GX batch here
    return TempTable(name=f"quality_current_{obj.raw_table}", select=select)


def _share_above_threshold(
    obj: ExtractObject, rule: RecordRule, threshold: float, current: str
) -> gxe.Expectation:
    """One row (the counts) when the records breaking `rule` are strictly more than `threshold`
    of the current records (`current`); compared in integers, exactly (0.29 * 100 is not
    28.99...)."""
    share = Fraction(str(threshold))
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=(
            "select bad.bad_records, current_records.total_records "
            f"from (select count(*) as bad_records from ({rule.bad_records}) as broken) as bad, "
            f"(select count(*) as total_records from {current} as live) as current_records "
            f"where bad.bad_records * {share.denominator} > current_records.total_records * {share.numerator}"
        ),
        description=(
            f"at most {threshold:.2%} of current {obj.api_name} records (SALES_QUALITY_RECORD_THRESHOLD) "
            f"break the rule: {rule.description}"
        ),
    )


def _blocking(obj: ExtractObject, inputs: SuiteInputs) -> SuiteSpec:
    threshold = inputs.settings.record_threshold
    current = _current_records_table(obj) if obj.api_name in _RECORD_RULES else None
    rules = record_rules(obj, current.name) if current else []
    return SuiteSpec(
        name=f"{RAW}.{obj.raw_table}.{Severity.BLOCKING.value}",
        batch_query=_batch(obj),
        expectations=[
            *_required_not_null(obj, inputs),
            _rows_match_manifest(obj, inputs),
            *(_share_above_threshold(obj, rule, threshold, current.name) for rule in rules),
        ],
        key_columns=_key_columns(obj),
        temp_table=current,
    )


def _one_row_per_version(obj: ExtractObject, inputs: SuiteInputs) -> gxe.Expectation:
    """Two rows of one Id and one version stamp in one file: the newest-version rule can only
    take the later line. Several versions of an Id in a file (different stamps) are valid."""
    key = obj.id_column
    version = "system_modstamp, last_modified_date"
    # First and last line, not every line: numeric aggregates stay cheap over the 20M groups of
    # a first load (a string_agg per group took 21 s at 20M activity rows, this ~6 s).
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=(
            f"select {key}, _source_file, {version}, count(*) as copies, "
            "min(_source_line) as first_line, max(_source_line) as last_line "
            f"from {BATCH} as loaded where {_loaded_since(inputs.rows_since)} "
            f"group by {key}, _source_file, {version} having count(*) > 1"
        ),
        description=(
            f"each {obj.api_name} Id appears at most once per file and version (SystemModstamp, "
            "LastModifiedDate): two rows of one version leave only the line order to choose"
        ),
    )


def _load_size(obj: ExtractObject, inputs: SuiteInputs) -> gxe.Expectation:
    """Rows this run loaded, against the rows the table held before (its previous loads)."""
    before = inputs.history[obj.name].rows_before
    growth = inputs.settings.max_load_growth
    bound = int(before * growth) if before else None  # unknown, or a first load: no bound
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=(
            f"select count(*) as rows_this_load from {BATCH} as loaded where {_loaded_since(inputs.since)} "
            f"having count(*) > {bound if bound is not None else 'null'}"
        ),
        description=(
            f"this load added at most {growth:.0%} of the {before:,} rows loaded before "
            "(SALES_QUALITY_MAX_LOAD_GROWTH); nothing removed is checked by the blocking suite"
            if bound is not None
            else "rows loaded (no previous load to compare with)"
        ),
    )


def _warnings(obj: ExtractObject, inputs: SuiteInputs) -> SuiteSpec:
    return SuiteSpec(
        name=f"{RAW}.{obj.raw_table}.{Severity.WARNING.value}",
        batch_query=_batch(obj),
        expectations=[
            *(
                gxe.UnexpectedRowsExpectation(
                    unexpected_rows_query=rule.bad_records, description=rule.description
                )
                for rule in record_rules(obj, _current(obj, inputs.rows_since))
            ),
            _one_row_per_version(obj, inputs),
            _load_size(obj, inputs),
        ],
        key_columns=_key_columns(obj),
    )


def raw_suites() -> list[SuiteDef]:
    suites = []
    for obj in OBJECTS:
        records = bool(_RECORD_RULES.get(obj.api_name))
        suites += suite_pair(
            RAW,
            obj.raw_table,
            blocking=(
                "Required columns present, row count equal to the load manifest"
                + (
                    ", record rules broken by at most SALES_QUALITY_RECORD_THRESHOLD of current records."
                    if records
                    else "."
                ),
                partial(_blocking, obj),
            ),
            warning=(
                ("Current records' amounts and references; " if records else "")
                + "one row per Id and version within each file; rows loaded within bounds.",
                partial(_warnings, obj),
            ),
        )
    return suites
