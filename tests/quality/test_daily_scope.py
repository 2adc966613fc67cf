"""What a daily run validates: the rows it loaded and the tables it rebuilt; a full run, everything.

A hand-made warehouse (the loader's own raw schema, rows written here) with two loads of
Opportunity: day 1 before the run, day 2 by the run. Each load holds its own defects, so which
ones a run reports shows which rows it looked at.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.ingestion.assets import raw_asset_key
from orchestration.ingestion.contract import OBJECTS
from orchestration.ingestion.manifest import ManifestRow, ensure_raw_schema, insert_manifest_row
from orchestration.jobs import daily_run_config, full_refresh_job
from orchestration.quality.checks import NOT_REBUILT, quality_checks, quality_run_config, suite_asset_key
from orchestration.quality.relations import dbt_relations
from orchestration.quality.runner import run_suites
from orchestration.quality.spec import Scope, Severity
from orchestration.quality.suites.raw import raw_suites
from orchestration.quality.suites.staging import staging_suites
from orchestration.resources import WarehouseResource

DAY_1 = datetime(2026, 3, 1, 6, 0)
RUN_STARTED = datetime(2026, 3, 2, 5, 59)  # the daily run; day 2's file loads after it starts
DAY_2 = datetime(2026, 3, 2, 6, 0)
OPPORTUNITY = next(o for o in OBJECTS if o.api_name == "Opportunity")

# (id, stage_name, close_date, amount, system_modstamp); account 001A, owner 005U.
DAY_1_ROWS = [
    ("006O1", "Prospecting", "2026-04-01", 100, "2026-03-01 01:00"),
    ("006O1", "Prospecting", "2026-04-01", 100, "2026-03-01 01:00"),  # one version twice in a file
    ("006O2", None, "2026-04-01", 200, "2026-03-01 01:00"),  # required StageName missing
    ("006O3", "Prospecting", "2026-04-01", -5, "2026-03-01 01:00"),  # negative amount
]
DAY_2_ROWS = [
    ("006O4", "Prospecting", "2026-04-02", 300, "2026-03-02 01:00"),
    ("006O5", "Prospecting", "2026-04-02", -7, "2026-03-02 01:00"),  # negative amount
    ("006O6", "Prospecting", None, 400, "2026-03-02 01:00"),  # required CloseDate missing
]


def _load(con: duckdb.DuckDBPyConnection, table: str, file: str, at: datetime, rows: list[dict]) -> None:
    """Rows as the loader appends them (lineage columns set) and the manifest row for the file."""
    for line, row in enumerate(rows, start=2):
        row = {**row, "_source_file": file, "_source_line": line, "_file_hash": file}
        row |= {"_file_landed_at": at, "_loaded_at": at}
        columns = ", ".join(row)
        con.execute(
            f"insert into raw.{table} ({columns}) values ({', '.join('?' * len(row))})", list(row.values())
        )
    obj = next(o for o in OBJECTS if o.raw_table == table)
    insert_manifest_row(
        con,
        ManifestRow(file, obj.name, file, file, 1, at, len(rows), len(rows), 0, "loaded", None, at),
    )


def _opportunities(rows: list[tuple]) -> list[dict]:
    return [
        {
            "id": id_,
            "account_id": "001A",
            "owner_id": "005U",
            "stage_name": stage,
            "close_date": close,
            "is_closed": False,
            "is_won": False,
            "created_date": "2026-02-01 00:00",
            "amount": amount,
            "system_modstamp": stamp,
            "last_modified_date": stamp,
        }
        for id_, stage, close, amount, stamp in rows
    ]


@pytest.fixture
def two_loads(tmp_path: Path) -> Path:
    path = tmp_path / "two_loads.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
        user = {"id": "005U", "name": "Rep", "is_active": True, "created_date": "2025-01-01"}
        _load(con, "salesforce_user", "User/users_1.csv", DAY_1, [user])
        account = {"id": "001A", "name": "Acme", "owner_id": "005U", "created_date": "2025-01-01"}
        _load(con, "salesforce_account", "Account/accounts_1.csv", DAY_1, [account])
        _load(con, OPPORTUNITY.raw_table, "Opportunity/opp_1.csv", DAY_1, _opportunities(DAY_1_ROWS))
        _load(con, OPPORTUNITY.raw_table, "Opportunity/opp_2.csv", DAY_2, _opportunities(DAY_2_ROWS))
    return path


def _validate(warehouse: Path, scope: Scope) -> dict[Severity, dict[str, object]]:
    """Opportunity's two raw suites: each rule's finding, by the start of the rule's text."""
    suites = [s for s in raw_suites() if s.table == OPPORTUNITY.raw_table]
    outcomes = run_suites(warehouse, suites, since=RUN_STARTED, scope=scope, build_docs=False)
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes]
    return {o.suite.severity: {f.rule: f for f in o.findings} for o in outcomes}


def _finding(findings: dict[str, object], starts_with: str, mentioning: str = ""):
    (finding,) = [f for rule, f in findings.items() if rule.startswith(starts_with) and mentioning in rule]
    return finding


def _bad_ids(finding) -> set[str]:
    return {sample["id"] for sample in finding.samples}


def test_daily_scope_reports_the_new_loads_defects_only(two_loads):
    new = _validate(two_loads, Scope.NEW)
    blocking, warnings = new[Severity.BLOCKING], new[Severity.WARNING]
    # Day 1's missing StageName was reported by the run that loaded it: not again.
    assert _finding(blocking, "Opportunity.StageName is present").passed
    close_date = _finding(blocking, "Opportunity.CloseDate is present")
    assert (close_date.unexpected_count, close_date.element_count) == (1, 3)  # day 2's three rows
    assert _bad_ids(close_date) == {"006O6"}
    # Record rule on the records day 2 touched: O5, not day 1's O3.
    assert _bad_ids(_finding(warnings, "Opportunity.Amount >= 0")) == {"006O5"}
    # Day 1's duplicated version is not looked at again.
    assert _finding(warnings, "each Opportunity Id appears at most once").passed


def test_full_scope_reports_every_loads_defects(two_loads):
    full = _validate(two_loads, Scope.ALL)
    blocking, warnings = full[Severity.BLOCKING], full[Severity.WARNING]
    stage = _finding(blocking, "Opportunity.StageName is present")
    assert (stage.unexpected_count, stage.element_count) == (1, 7)
    assert _bad_ids(stage) == {"006O2"}
    assert _bad_ids(_finding(blocking, "Opportunity.CloseDate is present")) == {"006O6"}
    assert _bad_ids(_finding(warnings, "Opportunity.Amount >= 0")) == {"006O3", "006O5"}
    duplicated = _finding(warnings, "each Opportunity Id appears at most once")
    assert [(s["id"], s["copies"]) for s in duplicated.samples] == [("006O1", 2)]


def test_table_wide_rules_see_the_whole_table_in_a_daily_run(two_loads):
    new = _validate(two_loads, Scope.NEW)[Severity.BLOCKING]
    # Current records: O1..O6 (O1's two copies are one version); negative amounts: O3 (day 1)
    # and O5 (day 2): 2 of 6, above 1%. A new-rows-only count would say 1 of 3.
    share = _finding(new, "at most 1.00% of current Opportunity records", "Amount >= 0")
    assert [(s["bad_records"], s["total_records"]) for s in share.samples] == [(2, 6)]
    assert _finding(new, f"raw.{OPPORTUNITY.raw_table} holds exactly the 7 rows").passed
    with duckdb.connect(str(two_loads)) as con:  # a day-1 row lost: only the whole table shows it
        con.execute(f"delete from raw.{OPPORTUNITY.raw_table} where id = '006O3'")
    count = _finding(_validate(two_loads, Scope.NEW)[Severity.BLOCKING], f"raw.{OPPORTUNITY.raw_table} holds")
    assert not count.passed and count.observed == 6


def test_daily_runs_set_scope_new_and_the_full_refresh_job_scope_all():
    check_steps = {checks.node_def.name for checks in quality_checks}
    daily = daily_run_config()["ops"]
    assert {name: daily[name]["config"] for name in check_steps} == {n: {"scope": "new"} for n in check_steps}
    full = full_refresh_job.config["ops"]
    assert {full[n]["config"]["scope"] for n in check_steps} == {"all"}
    # A sensor run of two raw tables includes only the raw check step: only it is configured.
    raw_only = daily_run_config([raw_asset_key(OPPORTUNITY)])
    assert raw_only == quality_run_config(Scope.NEW, [raw_asset_key(OPPORTUNITY)])
    assert set(raw_only["ops"]) == {"quality_raw"}


def _stub_run(warehouse: Path, scope: str, tmp_path: Path) -> set[dg.AssetCheckKey]:
    """A run that materializes raw Opportunity and two staging assets, one of them as the daily
    dbt step reports a model it left out; returns the checks that produced a result."""
    rebuilt_model, skipped_model = "stg_salesforce__opportunities", "stg_salesforce__leads"
    staging = [s for s in quality_checks if s.node_def.name == "quality_staging"][0]
    keys = {
        name: next(spec.asset_key for spec in staging.check_specs if spec.asset_key.path[-1] == name)
        for name in (rebuilt_model, skipped_model)
    }

    @dg.asset(key=raw_asset_key(OPPORTUNITY))
    def raw_opportunity() -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"rows_loaded": 3})

    @dg.multi_asset(specs=[dg.AssetSpec(k) for k in keys.values()])
    def models():
        yield dg.Output(None, output_name=keys[rebuilt_model].to_python_identifier())
        yield dg.Output(
            None,
            output_name=keys[skipped_model].to_python_identifier(),
            metadata={"dbt": f"{NOT_REBUILT}: no raw table it reads received rows"},
        )

    checked = {raw_asset_key(OPPORTUNITY), *keys.values()}
    selected_checks = [
        dg.AssetCheckKey(spec.asset_key, spec.name)
        for checks in quality_checks
        for spec in checks.check_specs
        if spec.asset_key in checked
    ]
    config = {n: {"config": {"scope": scope}} for n in ("quality_raw", "quality_staging")}
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [raw_opportunity, models, *quality_checks],
            selection=dg.AssetSelection.assets(*checked).without_checks()
            | dg.AssetSelection.checks(*selected_checks),
            resources={
                "warehouse": WarehouseResource(
                    database_path=str(warehouse), landing_dir=str(tmp_path), serving_path=str(tmp_path / "s")
                )
            },
            run_config={"ops": config},
            instance=instance,
            raise_on_error=False,
        )
    return {e.asset_check_key for e in result.get_asset_check_evaluations()}


def test_a_daily_run_checks_only_what_it_rebuilt_a_full_run_everything(two_loads, tmp_path):
    new = _stub_run(two_loads, "new", tmp_path)
    full = _stub_run(two_loads, "all", tmp_path)
    names = {k.asset_key.path[-1] for k in new}
    assert names == {OPPORTUNITY.raw_table, "stg_salesforce__opportunities"}
    assert {k.asset_key.path[-1] for k in full} == names | {"stg_salesforce__leads"}
    assert all(
        suite_asset_key(s) in {k.asset_key for k in full}
        for s in raw_suites()
        if s.table == OPPORTUNITY.raw_table
    )


QUOTAS = "stg_salesforce__forecasting_quotas"


@pytest.fixture
def staging_two_loads(two_loads: Path) -> Path:
    """A staging table of quotas: two from a file of day 1, two from a file of the run (day 2)."""
    quotas = dbt_relations()[QUOTAS]
    with duckdb.connect(str(two_loads)) as con:
        con.execute(f"create schema if not exists {quotas.schema}")
        con.execute(
            f"create table {quotas} (quota_id varchar, owner_id varchar, quota_amount double, "
            "start_date date, period_type varchar, source_file varchar)"
        )
        rows = [
            ("0Q1", "005U", 100.0, "2026-03-01", "month", "Quota/q_1.csv"),
            ("0Q2", "005U", 100.0, "2026-04-01", "week", "Quota/q_1.csv"),  # unknown period type
            ("0Q3", None, 100.0, "2026-05-01", "month", "Quota/q_2.csv"),  # owner missing
            ("0Q4", "005U", 100.0, "2026-06-01", "year", "Quota/q_2.csv"),  # unknown period type
        ]
        con.executemany(f"insert into {quotas} values (?, ?, ?, ?, ?, ?)", rows)
        for file, at in (("Quota/q_1.csv", DAY_1), ("Quota/q_2.csv", DAY_2)):
            row = ManifestRow(file, "forecasting_quota", file, file, 1, at, 2, 2, 0, "loaded", None, at)
            insert_manifest_row(con, row)
    return two_loads


def _staging(warehouse: Path, scope: Scope) -> dict[Severity, dict[str, object]]:
    suites = staging_suites({QUOTAS})
    outcomes = run_suites(warehouse, suites, since=RUN_STARTED, scope=scope, build_docs=False)
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes]
    return {o.suite.severity: {f.rule: f for f in o.findings} for o in outcomes}


def _quota_ids(finding) -> set[str]:
    return {sample["quota_id"] for sample in finding.samples}


def test_staging_rows_of_this_runs_files_in_a_daily_run_every_row_in_a_full_run(staging_two_loads):
    new, full = _staging(staging_two_loads, Scope.NEW), _staging(staging_two_loads, Scope.ALL)
    owner = _finding(new[Severity.BLOCKING], "owner_id is set")
    assert (owner.unexpected_count, owner.element_count, _quota_ids(owner)) == (1, 2, {"0Q3"})
    assert _quota_ids(_finding(new[Severity.WARNING], "ForecastingQuota.PeriodType")) == {"0Q4"}
    # At most one row per raw row: the run's 2 staging rows against the 2 raw rows it loaded.
    assert _finding(new[Severity.WARNING], "at most one row per raw row (2)").passed
    assert _quota_ids(_finding(full[Severity.WARNING], "ForecastingQuota.PeriodType")) == {"0Q2", "0Q4"}
    assert _finding(full[Severity.WARNING], "at most one row per raw row (4)").passed
