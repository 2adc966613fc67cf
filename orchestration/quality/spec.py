"""What a suite is, before and while it runs.

- `SuiteDef`: known when the Dagster definitions load (layer, table, severity, what it checks).
  Each becomes one asset check on its table's asset.
- `SuiteInputs`: what a suite needs from the warehouse at run time (seed values, load history,
  dbt relations, settings).
- `SuiteSpec`: the concrete suite of a run: the batch query (pushed down to DuckDB) and the
  Great Expectations expectations to validate on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from orchestration.quality.settings import QualitySettings

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation


class Severity(StrEnum):
    """BLOCKING: an ERROR that stops every downstream asset; WARNING: reported, nothing stops."""

    BLOCKING = "blocking"
    WARNING = "warning"

    @property
    def check_name(self) -> str:
        """The asset check's name on the table's asset."""
        return "gx_blocking" if self is Severity.BLOCKING else "gx_warnings"


RAW, STAGING, MARTS = "raw", "staging", "marts"
LAYERS = (RAW, STAGING, MARTS)


class Scope(StrEnum):
    """How much a check run validates (README, "What a daily run validates")."""

    NEW = "new"  # a daily run: the rows it loaded, the tables it rebuilt, table-wide rules whole
    ALL = "all"  # every row of every table: the full-refresh job, a check run from the UI


@dataclass(frozen=True)
class SeedValues:
    """The values the lookup seeds know (the same CSVs dbt seeds)."""

    stage_names: tuple[str, ...]
    lead_statuses: tuple[str, ...]
    activity_types: tuple[str, ...]


@dataclass(frozen=True)
class LoadHistory:
    """An object's rows as raw.load_manifest records them."""

    rows_loaded: int  # every loaded file
    rows_before: int | None  # files loaded before this run started; None when unknown

    @property
    def rows_this_load(self) -> int | None:
        return None if self.rows_before is None else self.rows_loaded - self.rows_before


@dataclass(frozen=True)
class Relation:
    """Where a dbt model lives in DuckDB."""

    schema: str
    name: str
    columns: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f'"{self.schema}"."{self.name}"'


@dataclass(frozen=True)
class SuiteInputs:
    settings: QualitySettings
    seeds: SeedValues
    history: Mapping[str, LoadHistory]  # ExtractObject.name -> history
    relations: Mapping[str, Relation]  # dbt model name -> relation
    since: datetime | None = None  # when this run started (UTC, naive)
    scope: Scope = Scope.ALL

    @property
    def rows_since(self) -> datetime | None:
        """Row-level rules look only at rows loaded from this time on (None: every row).
        Files never change once loaded, so a daily run need not read earlier loads again."""
        return self.since if self.scope is Scope.NEW else None

    def relation(self, model: str) -> Relation:
        try:
            return self.relations[model]
        except KeyError:
            raise LookupError(f"dbt model {model} is not in the dbt manifest") from None


@dataclass(frozen=True)
class TempTable:
    """A temp table the runner creates before the suites that read it (as their batch, or in
    their expectations' queries) and drops after: a costly query (joins over millions of rows,
    a newest-version window) evaluated once for several suites or expectations."""

    name: str
    select: str


@dataclass
class SuiteSpec:
    """One Great Expectations suite, ready to validate."""

    name: str  # e.g. raw.salesforce_opportunity.blocking
    batch_query: str  # what DuckDB validates: a table scan, a view, a projection
    expectations: list[Expectation]
    key_columns: list[str] = field(default_factory=list)  # shown beside each bad value
    temp_table: TempTable | None = None  # created first; batch_query or the expectations read it


@dataclass(frozen=True)
class SuiteDef:
    """A suite known at definition time: one asset check on `table`'s asset."""

    layer: str
    table: str  # raw table (`salesforce_opportunity`) or dbt model name
    severity: Severity
    description: str
    build: Callable[[SuiteInputs], SuiteSpec]

    @property
    def name(self) -> str:
        return f"{self.layer}.{self.table}.{self.severity.value}"

    @property
    def check_name(self) -> str:
        return self.severity.check_name


SuiteBuild = Callable[[SuiteInputs], SuiteSpec]


def suite_pair(
    layer: str, table: str, blocking: tuple[str, SuiteBuild], warning: tuple[str, SuiteBuild]
) -> list[SuiteDef]:
    """A table's two suites, `gx_blocking` and `gx_warnings`: (description, build) each."""
    return [
        SuiteDef(layer, table, Severity.BLOCKING, *blocking),
        SuiteDef(layer, table, Severity.WARNING, *warning),
    ]
