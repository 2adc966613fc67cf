"""Runs suites against the warehouse with Great Expectations; nothing else happens here.

`run_suites(database, suites)` builds each suite's concrete expectations from the warehouse's
state (load history, seeds, dbt relations) and validates them in one GX session on one
connection, then closes it and renders Data Docs. The connection is a read-only one to the DuckDB
file, or, for the layers dbt builds on PostgreSQL (`engine`), one to that database.

Two passes keep the clean case cheap at scale: each suite is first validated with GX's
BOOLEAN_ONLY result format (the unexpected *counts* only, aggregated in DuckDB); a suite with a
failure is validated again with SUMMARY (counts, sample values with their rows' keys, a query
listing every bad row) and the rows behind failed SQL expectations are sampled (`limit`).
A suite that cannot run (a missing table, a bad query) comes back failed with its error: it
never passes and never stops the other suites.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import great_expectations as gx
from great_expectations.core.run_identifier import RunIdentifier

from orchestration.engines.targets import DUCKDB, POSTGRES, PostgresSettings
from orchestration.quality.docs import build_data_docs
from orchestration.quality.gx_context import (
    duckdb_datasource,
    execute,
    postgres_datasource,
    quality_context,
    query,
)
from orchestration.quality.history import load_history
from orchestration.quality.outcome import UNEXPECTED_ROWS, Finding, findings_from
from orchestration.quality.relations import dbt_relations
from orchestration.quality.seeds import seed_values
from orchestration.quality.settings import QualitySettings, quality_settings
from orchestration.quality.spec import Scope, SuiteDef, SuiteInputs, SuiteSpec, TempTable
from orchestration.quality.sql import substitute_batch

Log = Callable[[str], None]


@dataclass
class SuiteOutcome:
    suite: SuiteDef
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the suite could not run at all
    batch_query: str | None = None
    seconds: float = 0.0
    docs_url: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.findings) and all(f.passed for f in self.findings)

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.failed]


def read_inputs(
    database: Path, settings: QualitySettings, since: datetime | None, scope: Scope = Scope.ALL
) -> SuiteInputs:
    """What the suites need from the warehouse and the project, read once per run."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        history = load_history(con, since)
    finally:
        con.close()
    return SuiteInputs(
        settings=settings,
        seeds=seed_values(),
        history=history,
        relations=dbt_relations(),
        since=since,
        scope=scope,
    )


class _Session:
    """One GX context and one DuckDB connection for a run's suites."""

    def __init__(self, context: object, source: object, inputs: SuiteInputs, run_id: RunIdentifier) -> None:
        self.context = context
        self.source = source
        self.inputs = inputs
        self.run_id = run_id
        self.temp: TempTable | None = None
        self.superseded: list[str] = []  # suites whose first-pass result a detailed one replaces

    def use_temp_table(self, wanted: TempTable | None) -> None:
        if self.temp is not None and self.temp != wanted:
            execute(self.source, f"drop table if exists {self.temp.name}")
            self.temp = None
        if wanted is not None and self.temp is None:
            execute(self.source, f"drop table if exists {wanted.name}")  # `or replace`: not PostgreSQL's
            execute(self.source, f"create temp table {wanted.name} as {wanted.select}")
            self.temp = wanted

    def _run(self, spec: SuiteSpec, suite: object, result_format: object, name: str) -> object:
        asset = self.source.add_query_asset(name=name, query=spec.batch_query)
        batch = asset.add_batch_definition_whole_table("all rows")
        validation = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        return validation.run(run_id=self.run_id, result_format=result_format)

    def validate(self, suite: SuiteDef) -> SuiteOutcome:
        outcome = SuiteOutcome(suite=suite)
        started = time.perf_counter()
        size = self.inputs.settings.sample_size
        try:
            spec = suite.build(self.inputs)
            batch_reads_temp = spec.temp_table is not None and spec.temp_table.name in spec.batch_query
            outcome.batch_query = spec.temp_table.select if batch_reads_temp else spec.batch_query
            self.use_temp_table(spec.temp_table)
            gx_suite = self.context.suites.add_or_update(
                gx.ExpectationSuite(name=spec.name, expectations=spec.expectations)
            )
            result = self._run(spec, gx_suite, "BOOLEAN_ONLY", f"{spec.name}.counts")
            outcome.findings = findings_from(result, size)
            if not outcome.passed:
                self.superseded.append(spec.name)
                detailed = self._run(
                    spec,
                    gx_suite,
                    {
                        "result_format": "SUMMARY",
                        "partial_unexpected_count": size,
                        "unexpected_index_column_names": spec.key_columns,
                        "return_unexpected_index_query": True,
                    },
                    f"{spec.name}.details",
                )
                outcome.findings = findings_from(detailed, size)
                for finding in outcome.findings:
                    if finding.failed and not finding.error and finding.expectation_type == UNEXPECTED_ROWS:
                        self._sample_rows(spec, finding, size)
        except Exception as exc:  # one suite must never stop the others
            message = str(exc).strip().splitlines()[0][:500] if str(exc).strip() else ""
            outcome.error = f"{type(exc).__name__}: {message}"
        outcome.seconds = time.perf_counter() - started
        return outcome

    def _sample_rows(self, spec: SuiteSpec, finding: Finding, size: int) -> None:
        """The first rows behind a failed SQL expectation (GX's summary gives only their count)."""
        sql = substitute_batch(finding.kwargs["unexpected_rows_query"], spec.batch_query)
        columns, rows = query(self.source, f"select * from ({sql}) limit {int(size)}")
        finding.samples = [dict(zip(columns, row, strict=True)) for row in rows]


def run_suites(
    database: Path,
    suites: Sequence[SuiteDef],
    *,
    since: datetime | None = None,
    scope: Scope = Scope.ALL,
    run_name: str | None = None,
    settings: QualitySettings | None = None,
    build_docs: bool = True,
    log: Log | None = None,
    engine: str = DUCKDB,
) -> list[SuiteOutcome]:
    """Validate `suites` on the warehouse at `database` (the relations they read are on `engine`:
    DuckDB's file itself, or the PostgreSQL server of SALES_PG_*); `since` is when this run's
    loads started (UTC), the point the row-count checks compare with; with `Scope.NEW` the
    row-level rules see only the rows loaded since then."""
    database = Path(database)
    settings = settings or quality_settings(database.resolve())
    if not database.exists():
        error = f"warehouse {database} does not exist"
        return [SuiteOutcome(suite=s, error=error) for s in suites]
    inputs = read_inputs(database, settings, since, scope)
    context = quality_context(settings)
    now = datetime.now(UTC)
    run_id = RunIdentifier(run_name=run_name or f"manual-{now:%Y%m%dT%H%M%S}", run_time=now)
    if engine == POSTGRES:
        datasource = postgres_datasource(context, PostgresSettings.from_environment())
    else:
        datasource = duckdb_datasource(context, database)
    with datasource as source:
        session = _Session(context, source, inputs, run_id)
        outcomes = [session.validate(suite) for suite in suites]
        session.use_temp_table(None)
    if build_docs and outcomes:
        try:
            names = [o.suite.name for o in outcomes if o.error is None]
            urls = build_data_docs(
                context, run_id, names, session.superseded, settings.keep_runs, settings.docs_dir
            )
        except Exception as exc:  # the report must not hide the checks' results
            if log:
                log(f"Data Docs not built: {type(exc).__name__}: {exc}")
            urls = {}
        for outcome in outcomes:
            outcome.docs_url = urls.get(outcome.suite.name)
    return outcomes
