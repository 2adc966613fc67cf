"""The runner on a small DuckDB file: failures are never silent, connections are released."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.quality import expectations as gxe
from orchestration.quality.history import load_history
from orchestration.quality.outcome import raised_exception
from orchestration.quality.runner import run_suites
from orchestration.quality.spec import Severity, SuiteDef, SuiteSpec
from orchestration.quality.sql import current_records


@pytest.fixture
def small_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "small.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.deals as select range as id, range * 10 - 20 as amount from range(100)")
    return path


def _suite(name: str, *expectations, build=None) -> SuiteDef:
    def default_build(_inputs):
        return SuiteSpec(
            name=name,
            batch_query="select * from raw.deals",
            expectations=list(expectations),
            key_columns=["id"],
        )

    return SuiteDef("raw", name, Severity.BLOCKING, "test suite", build or default_build)


def test_failing_expectation_reports_counts_and_samples(small_warehouse):
    (outcome,) = run_suites(
        small_warehouse,
        [
            _suite(
                "amounts",
                gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0, description="amount >= 0"),
            )
        ],
        build_docs=False,
    )
    assert not outcome.passed
    (finding,) = outcome.failures
    # Without the one-connection patch GX returns an empty result and an exception here.
    assert finding.error is None
    assert (finding.unexpected_count, finding.element_count) == (2, 100)
    assert finding.samples == [{"id": 0, "amount": -20}, {"id": 1, "amount": -10}]


def test_an_expectation_that_raises_is_a_failure(small_warehouse):
    (outcome,) = run_suites(
        small_warehouse,
        [
            _suite(
                "broken",
                gxe.ExpectColumnValuesToNotBeNull(column="id"),
                gxe.ExpectColumnValuesToNotBeNull(
                    column="no_such_column", description="a column that is not there"
                ),
            )
        ],
        build_docs=False,
    )
    assert not outcome.passed
    (finding,) = outcome.failures
    assert finding.rule == "a column that is not there"
    assert finding.error


def test_a_suite_that_cannot_run_fails_alone(small_warehouse):
    def explode(_inputs):
        raise LookupError("dbt model stg_missing is not in the dbt manifest")

    outcomes = run_suites(
        small_warehouse,
        [_suite("cannot", build=explode), _suite("fine", gxe.ExpectColumnValuesToNotBeNull(column="id"))],
        build_docs=False,
    )
    assert [o.passed for o in outcomes] == [False, True]
    assert "stg_missing" in outcomes[0].error


def test_sql_expectation_samples_its_rows(small_warehouse):
    query = "select id, amount from (select * from {batch}) as deal where amount < 0"
    (outcome,) = run_suites(
        small_warehouse,
        [
            _suite(
                "sql",
                gxe.UnexpectedRowsExpectation(unexpected_rows_query=query, description="no negative deal"),
            )
        ],
        build_docs=False,
    )
    (finding,) = outcome.failures
    assert finding.unexpected_count == 2
    assert finding.samples == [{"id": 0, "amount": -20}, {"id": 1, "amount": -10}]


def test_connections_are_released(small_warehouse, quality_dir):
    run_suites(small_warehouse, [_suite("lock", gxe.ExpectColumnValuesToNotBeNull(column="id"))])
    # dbt runs in another process right after the raw checks: it must get the write lock.
    code = f"import duckdb; duckdb.connect({str(small_warehouse)!r}).close()"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
    assert (quality_dir / "data_docs" / "index.html").exists()


def test_missing_warehouse_fails_every_suite(tmp_path):
    outcomes = run_suites(tmp_path / "nowhere.duckdb", [_suite("x"), _suite("y")], build_docs=False)
    assert all(not o.passed and "does not exist" in o.error for o in outcomes)


@pytest.mark.parametrize(
    ("info", "raised"),
    [
        (None, None),
        ({"raised_exception": False, "exception_message": None}, None),
        ({"raised_exception": True, "exception_message": "boom\ntrace"}, "boom"),
        (
            {"MetricConfigurationID(table.row_count)": {"exception_message": "list index out of range"}},
            "list index out of range",
        ),
    ],
)
def test_raised_exception_shapes(info, raised):
    assert raised_exception(info) == raised


def test_load_history_splits_at_run_start(tmp_path):
    with duckdb.connect(str(tmp_path / "m.duckdb")) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.load_manifest as select * from (values "
            "('opportunity', 10, 'loaded', timestamp '2026-01-01'), "
            "('opportunity', 5, 'loaded', timestamp '2026-02-01'), "
            "('opportunity', 7, 'quarantined', timestamp '2026-02-01')) "
            "as t(object_name, rows_loaded, status, loaded_at)"
        )
        history = load_history(con, since=datetime(2026, 1, 15))
        assert (history["opportunity"].rows_loaded, history["opportunity"].rows_before) == (15, 10)
        assert history["lead"].rows_loaded == 0
        assert load_history(con, since=None)["opportunity"].rows_before is None


def test_current_records_match_the_staging_tables(demo_base):
    """The raw checks' newest-version rule (sql.py) picks the records dbt's macro picks."""
    with duckdb.connect(str(demo_base.warehouse), read_only=True) as con:
        for raw, key, model, model_key, deletes in [
            ("salesforce_opportunity", "id", "stg_salesforce__opportunities", "opportunity_id", True),
            ("salesforce_forecasting_quota", "id", "stg_salesforce__forecasting_quotas", "quota_id", False),
            ("salesforce_account", "id", "stg_salesforce__accounts", "account_id", True),
        ]:
            current = current_records(f"raw.{raw}", key, deletes)
            ours_sql = f"select {key}, system_modstamp from {current} as c"
            theirs_sql = f"select {model_key}, system_modified_at from staging.{model}"
            ours = con.execute(f"{ours_sql} except {theirs_sql}").fetchall()
            theirs = con.execute(f"{theirs_sql} except {ours_sql}").fetchall()
            assert (ours, theirs) == ([], []), raw


def test_raw_checks_pass_on_empty_tables(tmp_path):
    """A first run before any file landed: empty raw tables are not a defect."""
    from orchestration.ingestion.loader import ensure_raw_schema
    from orchestration.quality.suites.raw import raw_suites

    path = tmp_path / "empty.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
    outcomes = run_suites(path, raw_suites(), build_docs=False)
    assert [(o.suite.name, o.error) for o in outcomes if not o.passed] == []
