"""Great Expectations 1.x on the warehouse: an ephemeral context whose expectations are pushed
down to the engine (DuckDB, or PostgreSQL when dbt builds there: `SALES_DBT_TARGET`).

GX has no DuckDB data source; its SQL data source reaches DuckDB through duckdb-engine. Out of
the box every expectation then fails *silently* (success False, an empty result, "list index out
of range" only in `exception_info`): GX runs each query on a connection it closes before reading
the rows, and closing a DuckDB connection discards the pending result (GX #11579,
duckdb_engine #734). GX keeps one connection open for the dialects listed in the private
`_PERSISTED_CONNECTION_DIALECTS` (SQLite, SQL Server, ...): `_keep_one_connection` adds DuckDB
to that list, and PostgreSQL, whose temp tables (the staging suites') live only as long as the
connection that made them. great-expectations is pinned (pyproject.toml) for that reason, and
the tests fail if the patch stops taking effect.

Everything is computed in the engine: each expectation becomes aggregate queries (counts of
unexpected values) plus a `limit`ed query for sample values; nothing is loaded into pandas.
DuckDB connections are read-only and closed when the session ends, so dbt (another process) can
open the file right after.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import great_expectations as gx
from great_expectations.data_context import EphemeralDataContext
from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig

from orchestration.duckdb_memory import CURRENT_TEMP_DIR, memory_statements
from orchestration.engines.targets import PostgresSettings
from orchestration.quality import docs_offline
from orchestration.quality.settings import QualitySettings

DOCS_SITE = "quality"


class _DialectName(str):
    """A dialect name shaped like GX's GXSqlDialect members (a str with a `.value`)."""

    @property
    def value(self) -> str:
        return str(self)


def _keep_one_connection(dialect: str) -> None:
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    dialects = getattr(engine_module, "_PERSISTED_CONNECTION_DIALECTS", None)
    if dialects is None:
        raise RuntimeError(
            "great_expectations no longer has _PERSISTED_CONNECTION_DIALECTS: the one-connection "
            "patch needs updating (orchestration/quality/gx_context.py) before upgrading GX"
        )
    if any(str(getattr(d, "value", d)).lower() == dialect for d in dialects):
        return
    engine_module._PERSISTED_CONNECTION_DIALECTS = (*dialects, _DialectName(dialect))


def _filesystem(path: Path) -> dict:
    return {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(path)}


def quality_context(settings: QualitySettings) -> EphemeralDataContext:
    """A context without a project folder: suites come from code. Suites and results are kept
    on disk under SALES_QUALITY_DIR so one Data Docs site gathers every run and layer."""
    store = settings.store_dir
    project_config = DataContextConfig(
        stores={
            "expectations_store": {
                "class_name": "ExpectationsStore",
                "store_backend": _filesystem(store / "suites"),
            },
            "validation_results_store": {
                "class_name": "ValidationResultsStore",
                "store_backend": _filesystem(store / "validations"),
            },
            "checkpoint_store": {
                "class_name": "CheckpointStore",
                "store_backend": {"class_name": "InMemoryStoreBackend"},
            },
            "validation_definition_store": {
                "class_name": "ValidationDefinitionStore",
                "store_backend": {"class_name": "InMemoryStoreBackend"},
            },
        },
        expectations_store_name="expectations_store",
        validation_results_store_name="validation_results_store",
        checkpoint_store_name="checkpoint_store",
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": _filesystem(settings.docs_dir),
                # Pages that load nothing from outside the site (docs_offline.py).
                **docs_offline.site_config(),
            }
        },
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=project_config)


@contextmanager
def duckdb_datasource(context: EphemeralDataContext, database: Path) -> Iterator[object]:
    """A read-only SQL data source on the warehouse file, its one connection closed on exit."""
    _keep_one_connection("duckdb")
    url = f"duckdb:///{Path(database).resolve()}"
    source = context.data_sources.add_sql(
        name="warehouse",
        connection_string=url,
        kwargs={"connect_args": {"read_only": True}},
        create_temp_table=False,
    )
    try:
        _, rows = query(source, CURRENT_TEMP_DIR)
        for statement in memory_statements(rows[0][0]):  # the suites' temp tables can be large
            execute(source, statement)
        yield source
    finally:
        _close(source)


@contextmanager
def postgres_datasource(context: EphemeralDataContext, server: PostgresSettings) -> Iterator[object]:
    """A SQL data source on the PostgreSQL database dbt builds in, its one connection closed on exit."""
    _keep_one_connection("postgresql")
    source = context.data_sources.add_sql(
        name="warehouse",
        connection_string=server.sqlalchemy_url(),
        # Autocommit: a failed query (a suite that cannot run) must not abort the transaction
        # every later suite's queries would run in; temp tables live as long as the session.
        kwargs={"isolation_level": "AUTOCOMMIT", "connect_args": {"options": "-c timezone=UTC"}},
        create_temp_table=False,
    )
    try:
        yield source
    finally:
        _close(source)


def query(source: object, sql: str) -> tuple[list[str], list[tuple]]:
    """Rows of a query on the data source's one connection (where GX validates)."""
    import sqlalchemy as sa

    result = source.get_execution_engine().execute_query(sa.text(sql))
    return list(result.keys()), [tuple(row) for row in result.fetchall()]


def execute(source: object, sql: str) -> None:
    """A statement (temp tables) on the data source's one connection, committed at once: GX rolls
    the connection back after a failed query of its own (its column reflection fails on
    duckdb-engine and falls back), which would drop a temp table of an open transaction."""
    import sqlalchemy as sa

    source.get_execution_engine().execute_query_in_transaction(sa.text(sql))


def _close(source: object) -> None:
    """Close the connection GX keeps and dispose of both SQLAlchemy engines of a data source."""
    execution_engine = getattr(source, "_execution_engine", None)
    if execution_engine is not None:
        connection = getattr(execution_engine, "_connection", None)  # the one GX keeps (the patch)
        if connection is not None:
            connection.close()
        execution_engine.close()
        execution_engine.engine.dispose()
    engine = getattr(source, "_engine", None)
    if engine is not None:
        engine.dispose()
