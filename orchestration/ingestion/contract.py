"""The raw extract contract (`docs/landing-contract.md`) as data.

Every other module (loader, generator, staging checks) reads the objects, their columns, types
and required flags from here, so the contract lives in exactly one place; the tables of
`docs/landing-contract.md` are written from it too (`python -m orchestration.docs`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class ColumnType(StrEnum):
    """Logical column types of the contract."""

    ID = "id"
    STRING = "string"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"  # UTC; a Z or offset in the input is converted
    DATE = "date"
    MONEY = "money"
    INTEGER = "integer"
    NUMBER = "number"  # fractional quantities (probability, minutes)

    @property
    def duckdb_type(self) -> str:
        """The type the column lands as in the `raw` schema."""
        return _DUCKDB_TYPES[self]


_DUCKDB_TYPES = {
    ColumnType.ID: "VARCHAR",
    ColumnType.STRING: "VARCHAR",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.TIMESTAMP: "TIMESTAMP",
    ColumnType.DATE: "DATE",
    ColumnType.MONEY: "DECIMAL(18,2)",
    ColumnType.INTEGER: "BIGINT",
    ColumnType.NUMBER: "DOUBLE",
}


@dataclass(frozen=True)
class Column:
    api_name: str
    type: ColumnType
    required: bool = False

    @property
    def name(self) -> str:
        """The snake_case column name in `raw` and staging."""
        return to_snake_case(self.api_name)


@dataclass(frozen=True)
class ExtractObject:
    """One object family of the landing folder, e.g. Salesforce `Opportunity`."""

    api_name: str
    family: str  # "salesforce" or "activity"
    folder: str  # folder name under the family folder, as the contract spells it
    columns: tuple[Column, ...]
    id_column: str  # snake_case name of the record key

    @property
    def name(self) -> str:
        """snake_case object name, e.g. `opportunity_history`."""
        return to_snake_case(self.api_name)

    @property
    def raw_table(self) -> str:
        """Table name in the `raw` schema, e.g. `salesforce_opportunity_history`."""
        return f"{self.family}_{self.name}"

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.api_name} has no column {name}")


_T = ColumnType
# Every object may carry these two, used for versioning (docs/landing-contract.md, "Versions").
_VERSION_COLUMNS = (Column("SystemModstamp", _T.TIMESTAMP), Column("LastModifiedDate", _T.TIMESTAMP))
VERSION_COLUMNS = _VERSION_COLUMNS  # public: the landing contract's page lists them once


def _sf(api_name: str, required: list[Column], optional: list[Column]) -> ExtractObject:
    names = {c.api_name for c in required + optional}
    extra = [c for c in _VERSION_COLUMNS if c.api_name not in names]
    return ExtractObject(
        api_name=api_name,
        family="salesforce",
        folder=api_name,
        columns=tuple(required + optional + extra),
        id_column="id",
    )


def _req(api_name: str, type_: ColumnType = _T.STRING) -> Column:
    return Column(api_name, type_, required=True)


def _opt(api_name: str, type_: ColumnType = _T.STRING) -> Column:
    return Column(api_name, type_)


SALESFORCE_OBJECTS: tuple[ExtractObject, ...] = (
    _sf(
        "User",
        [_req("Id", _T.ID), _req("Name"), _req("IsActive", _T.BOOLEAN), _req("CreatedDate", _T.TIMESTAMP)],
        [
            _opt("Email"),
            _opt("ManagerId", _T.ID),
            _opt("UserRoleId", _T.ID),
            _opt("Title"),
            _opt("Department"),
            _opt("Hire_Date__c", _T.DATE),
            _opt("SystemModstamp", _T.TIMESTAMP),
        ],
    ),
    _sf(
        "UserRole",
        [_req("Id", _T.ID), _req("Name")],
        [_opt("ParentRoleId", _T.ID), _opt("DeveloperName")],
    ),
    _sf(
        "Account",
        [_req("Id", _T.ID), _req("Name"), _req("OwnerId", _T.ID), _req("CreatedDate", _T.TIMESTAMP)],
        [
            _opt("Industry"),
            _opt("Type"),
            _opt("AnnualRevenue", _T.MONEY),
            _opt("NumberOfEmployees", _T.INTEGER),
            _opt("BillingCountry"),
            _opt("BillingState"),
            _opt("IsDeleted", _T.BOOLEAN),
            _opt("SystemModstamp", _T.TIMESTAMP),
        ],
    ),
    _sf(
        "Lead",
        [_req("Id", _T.ID), _req("OwnerId", _T.ID), _req("Status"), _req("CreatedDate", _T.TIMESTAMP)],
        [
            _opt("Email"),
            _opt("Phone"),
            _opt("FirstName"),
            _opt("LastName"),
            _opt("Company"),
            _opt("LeadSource"),
            _opt("IsConverted", _T.BOOLEAN),
            _opt("ConvertedDate", _T.DATE),
            _opt("ConvertedOpportunityId", _T.ID),
            _opt("ConvertedAccountId", _T.ID),
            _opt("IsDeleted", _T.BOOLEAN),
            _opt("SystemModstamp", _T.TIMESTAMP),
        ],
    ),
    _sf(
        "LeadHistory",
        [_req("Id", _T.ID), _req("LeadId", _T.ID), _req("Field"), _req("CreatedDate", _T.TIMESTAMP)],
        [_opt("OldValue"), _opt("NewValue"), _opt("IsDeleted", _T.BOOLEAN)],
    ),
    _sf(
        "Opportunity",
        [
            _req("Id", _T.ID),
            _req("AccountId", _T.ID),
            _req("OwnerId", _T.ID),
            _req("StageName"),
            _req("CloseDate", _T.DATE),
            _req("IsClosed", _T.BOOLEAN),
            _req("IsWon", _T.BOOLEAN),
            _req("CreatedDate", _T.TIMESTAMP),
        ],
        [
            _opt("Name"),
            _opt("Amount", _T.MONEY),
            _opt("Probability", _T.NUMBER),
            _opt("ForecastCategory"),
            _opt("LeadSource"),
            _opt("Type"),
            _opt("CurrencyIsoCode"),
            _opt("Territory2Id", _T.ID),
            _opt("IsDeleted", _T.BOOLEAN),
            _opt("SystemModstamp", _T.TIMESTAMP),
        ],
    ),
    _sf(
        "OpportunityHistory",
        [
            _req("Id", _T.ID),
            _req("OpportunityId", _T.ID),
            _req("StageName"),
            _req("CreatedDate", _T.TIMESTAMP),
        ],
        [
            _opt("Amount", _T.MONEY),
            _opt("Probability", _T.NUMBER),
            _opt("CloseDate", _T.DATE),
            _opt("ForecastCategory"),
            _opt("IsDeleted", _T.BOOLEAN),
        ],
    ),
    _sf(
        "ForecastingQuota",
        [
            _req("Id", _T.ID),
            _req("QuotaOwnerId", _T.ID),
            _req("QuotaAmount", _T.MONEY),
            _req("StartDate", _T.DATE),
        ],
        [_opt("PeriodType"), _opt("Territory2Id", _T.ID)],
    ),
    _sf(
        "Territory2",
        [_req("Id", _T.ID), _req("Name")],
        [_opt("ParentTerritory2Id", _T.ID), _opt("Territory2TypeId", _T.ID)],
    ),
    _sf(
        "UserTerritory2Association",
        [_req("Id", _T.ID), _req("UserId", _T.ID), _req("Territory2Id", _T.ID)],
        [_opt("RoleInTerritory2"), _opt("IsActive", _T.BOOLEAN)],
    ),
    _sf(
        "ObjectTerritory2Association",
        [_req("Id", _T.ID), _req("ObjectId", _T.ID), _req("Territory2Id", _T.ID)],
        [_opt("AssociationCause")],
    ),
    _sf(
        "Task",
        [
            _req("Id", _T.ID),
            _req("OwnerId", _T.ID),
            _req("ActivityDate", _T.DATE),
            _req("CreatedDate", _T.TIMESTAMP),
        ],
        [
            _opt("Subject"),
            _opt("TaskSubtype"),
            _opt("Type"),
            _opt("Status"),
            _opt("CallDurationInSeconds", _T.INTEGER),
            _opt("WhoId", _T.ID),
            _opt("WhatId", _T.ID),
            _opt("AccountId", _T.ID),
            _opt("IsDeleted", _T.BOOLEAN),
        ],
    ),
    _sf(
        "Event",
        [
            _req("Id", _T.ID),
            _req("OwnerId", _T.ID),
            _req("StartDateTime", _T.TIMESTAMP),
            _req("CreatedDate", _T.TIMESTAMP),
        ],
        [
            _opt("EndDateTime", _T.TIMESTAMP),
            _opt("DurationInMinutes", _T.INTEGER),
            _opt("Subject"),
            _opt("Type"),
            _opt("WhoId", _T.ID),
            _opt("WhatId", _T.ID),
            _opt("AccountId", _T.ID),
            _opt("IsDeleted", _T.BOOLEAN),
        ],
    ),
)

ACTIVITY_LOG = ExtractObject(
    api_name="activities",
    family="activity",
    folder="activities",
    columns=(
        _req("activity_id", _T.ID),
        _req("rep_id", _T.ID),
        _req("activity_type"),
        _req("started_at", _T.TIMESTAMP),
        # Required unless ended_at is given: checked per row by the loader, not per file.
        _opt("duration_minutes", _T.NUMBER),
        _opt("ended_at", _T.TIMESTAMP),
        _opt("account_id", _T.ID),
        _opt("opportunity_id", _T.ID),
        _opt("lead_id", _T.ID),
        _opt("crm_activity_id", _T.ID),
        _opt("source_system"),
        *_VERSION_COLUMNS,
    ),
    id_column="activity_id",
)

OBJECTS: tuple[ExtractObject, ...] = (*SALESFORCE_OBJECTS, ACTIVITY_LOG)

# What a run gives when an object has no data at all. The core objects: without User or Account
# every deal's owner or account is unknown and the record rules block the run
# (orchestration/quality/README.md).
CORE_OBJECTS: dict[str, str] = {
    "User": "every deal's and quota's owner is unknown: the record rules block the run",
    "Account": "every deal's account is unknown: the record rules block the run",
    "Opportunity": "no deal: bookings, deal size, win rate, pipeline and stage marts are empty",
}
# Objects an org may not extract at all (no Territory Management, no activity capture tool...):
# the run succeeds, and these marts are empty or partial.
OPTIONAL_OBJECTS: dict[str, str] = {
    "UserRole": "dim_reps has no role names",
    "Lead": "kpi_funnel_leakage is empty; kpi_lead_requirements has no leads_required",
    "LeadHistory": "kpi_funnel_leakage sees only each lead's current status",
    "OpportunityHistory": "kpi_stage_durations is empty",
    "ForecastingQuota": "kpi_quota_attainment and kpi_reps_at_quota are empty; no quota in the other marts",
    "Territory2": "kpi_territory_balance is empty",
    "UserTerritory2Association": "territories have no reps (kpi_territory_balance)",
    "ObjectTerritory2Association": "territories have no accounts (kpi_territory_balance)",
    "Task": "activity marts count only Events and the activity log",
    "Event": "activity marts count only Tasks and the activity log",
    "activities": "activity marts count only Tasks and Events",
}

ACCEPTED_SUFFIXES = (".csv", ".csv.gz", ".parquet")


def to_snake_case(name: str) -> str:
    """CamelCase / API name -> snake_case: `Territory2Id` -> `territory_2_id`,
    `Hire_Date__c` -> `hire_date_c`, `CurrencyISOCode` -> `currency_iso_code`."""
    s = re.sub(r"[^0-9A-Za-z]+", "_", name)
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", s)  # fooBar, foo2Bar
    s = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "_", s)  # ISOCode -> ISO_Code
    s = re.sub(r"(?<=[A-Za-z])(?=[0-9])", "_", s)  # Territory2 -> Territory_2
    return _collapse_underscores(s.lower())


def _collapse_underscores(name: str) -> str:
    return re.sub(r"_+", "_", name).strip("_")


def normalize_header(header: str, obj: ExtractObject) -> str:
    """The column name a file header lands on (docs/landing-contract.md, "Column names").

    Contract columns match case-insensitively by API name or by their snake_case name; any
    other header is kept, CamelCase converted where it has mixed case, else lowercased.
    """
    key = _collapse_underscores(header.strip().lower())
    for column in obj.columns:
        if key in (_collapse_underscores(column.api_name.lower()), column.name):
            return column.name
    stripped = header.strip()
    if any(ch.isupper() for ch in stripped) and any(ch.islower() for ch in stripped):
        return to_snake_case(stripped)
    return _collapse_underscores(re.sub(r"[^0-9a-z]+", "_", stripped.lower()))


def _folder_key(name: str) -> str:
    return name.replace("_", "").lower()


def object_for_folder(family: str, folder: str) -> ExtractObject | None:
    """The object a landing sub-folder holds, matched case-insensitively ignoring underscores."""
    for obj in OBJECTS:
        if obj.family == family and _folder_key(obj.folder) == _folder_key(folder):
            return obj
    return None


# Lineage columns the loader adds to every raw table (name -> DuckDB type).
LINEAGE_COLUMNS: dict[str, str] = {
    "_source_file": "VARCHAR",  # path relative to the landing folder
    "_source_line": "BIGINT",  # physical line the record starts on (header = line 1); row number for Parquet
    "_file_hash": "VARCHAR",  # sha256 of the file's bytes as landed
    "_file_landed_at": "TIMESTAMP",  # file modification time (UTC): the landing order
    "_loaded_at": "TIMESTAMP",  # when the loader committed the file
}
