"""The reconciliation tests that compare rounded figures with their quotients accept an exact
half of the last reported digit, and still catch a figure that is really off.

`territory_ratios_consistent` used to compare pipeline_per_rep (to the cent) with the
unrounded quotient within 0.005: 1,274,294.20 over 8 reps is exactly 159,286.775, stored
159,286.78, and DuckDB (dividing decimals in double) computed the gap as
0.005000000004656613 > 0.005, so a valid landing folder failed the run. Here each test runs,
as dbt runs it, on a tiny warehouse holding hand-made mart rows: rows exactly on a half cent
or half millionth (which must pass) beside rows that are wrong (which must fail). The failing
rows are read back from `--store-failures`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration import config

pytestmark = pytest.mark.slow

TESTS = ["territory_ratios_consistent", "activity_category_minutes_sum_to_total", "stage_exits_add_up"]
CATEGORIES = [
    "digital_communication",
    "personal_communication",
    "internal_meeting",
    "administration",
    "travel",
    "training",
    "sales_preparation",
    "unmapped",
]

# territory_id: quarter_start, attainment, pipeline_per_rep, org_pipeline_per_rep. Every row:
# 8 reps, open pipeline 1,274,294.20, quota 128.00, bookings 1.00; the org has the same reps and
# pipeline (index 1, not a rebalance candidate).
TERRITORY_ROWS = {
    # 1,274,294.20 / 8 = 159,286.775 -> 159,286.78; 1.00 / 128.00 = 0.0078125 -> 0.007813: valid
    "half_cent": ("2026-01-01", "0.007813", "159286.78", "159286.78"),
    # the half cent rounded down: off the rounding the metrics rules prescribe
    "rounded_down": ("2026-04-01", "0.007813", "159286.77", "159286.78"),
    # a whole cent off
    "cent_off": ("2026-07-01", "0.007813", "159286.79", "159286.78"),
    # the org's figure a cent off
    "org_cent_off": ("2026-10-01", "0.007813", "159286.78", "159286.79"),
    # attainment off by 0.00001
    "attainment_off": ("2027-01-01", "0.007823", "159286.78", "159286.78"),
}

# rep_id: total, selling (all digital_communication), administration, selling_share
ACTIVITY_ROWS = {
    # 1 minute of 128 selling: share 0.0078125 exactly -> 0.007813: valid
    "half_millionth": (128, 1, 127, "0.007813"),
    # Tasks of 61 s and 7 s: 1.0166666666666666 + 0.11666666666666667 minutes, share 61/68: valid
    "uneven_seconds": ("1.1333333333333333", "1.0166666666666666", "0.11666666666666667", "0.897059"),
    # share off by 0.00001 (0.00128 minute on 128)
    "share_off": (128, 1, 127, "0.007823"),
    # a category dropped from the total
    "total_off": (129, 1, 127, "0.007752"),
}

# stage_name: advanced, lost, moved_back, advance_rate
STAGE_ROWS = {
    # 1 / (1 + 127) = 0.0078125 exactly -> 0.007813: valid
    "half_millionth": (1, 127, 0, "0.007813"),
    # no advance and no loss: null rate, valid (the divisor is 0)
    "no_advance_or_loss": (0, 0, 1, "null"),
    # rate off by 0.00001
    "rate_off": (1, 127, 0, "0.007823"),
}

EXPECTED_FAILURES = {
    "territory_ratios_consistent": {"rounded_down", "cent_off", "org_cent_off", "attainment_off"},
    "activity_category_minutes_sum_to_total": {"share_off", "total_off"},
    "stage_exits_add_up": {"rate_off"},
}


def _build_marts(database: Path) -> None:
    category_columns = ", ".join(f"{c}_minutes double" for c in CATEGORIES)
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_opportunities (opportunity_id varchar, amount decimal(18, 2))")
        con.execute("insert into marts.fct_opportunities values ('o1', 1274294.20)")
        con.execute(
            """
            create table marts.kpi_territory_balance (
                quarter_start date, quarter_end date, territory_id varchar, territory_name varchar,
                parent_territory_id varchar, rep_count integer, account_count integer,
                open_pipeline_amount decimal(18, 2), quota_amount decimal(18, 2),
                bookings_amount decimal(18, 2), attainment decimal(18, 6),
                pipeline_per_rep decimal(18, 2), org_open_pipeline_amount decimal(18, 2),
                org_rep_count integer, org_pipeline_per_rep decimal(18, 2),
                pipeline_per_rep_index decimal(18, 6), is_rebalance_candidate boolean
            )
            """
        )
        for territory, (quarter, attainment, per_rep, org_per_rep) in TERRITORY_ROWS.items():
            con.execute(
                f"insert into marts.kpi_territory_balance values ('{quarter}', "
                f"cast('{quarter}' as date) + interval 3 month - interval 1 day, '{territory}', "
                f"'{territory}', null, 8, 1, 1274294.20, 128.00, 1.00, {attainment}, {per_rep}, "
                f"1274294.20, 8, {org_per_rep}, 1.000000, false)"
            )
        for mart, period in (
            ("kpi_activity_time_allocation", "week_start"),
            ("kpi_activity_outcomes", "quarter_start"),
        ):
            con.execute(
                f"create table marts.{mart} ({period} date, rep_id varchar, total_minutes double, "
                f"selling_minutes double, selling_share decimal(18, 6), {category_columns}, "
                "activity_count integer)"
            )
        for rep, (total, selling, administration, share) in ACTIVITY_ROWS.items():
            by_category = {"digital_communication": selling, "administration": administration}
            minutes = ", ".join(str(by_category.get(c, 0)) for c in CATEGORIES)
            con.execute(
                f"insert into marts.kpi_activity_time_allocation values "
                f"('2026-02-02', '{rep}', {total}, {selling}, {share}, {minutes}, 2)"
            )
        con.execute(
            """
            create table marts.kpi_stage_durations (
                quarter_start date, stage_name varchar, exited_count integer,
                advanced_count integer, lost_count integer, moved_back_count integer,
                unordered_count integer, median_days_in_stage double, p90_days_in_stage double,
                advance_rate decimal(18, 6)
            )
            """
        )
        for stage, (advanced, lost, moved_back, rate) in STAGE_ROWS.items():
            exited = advanced + lost + moved_back
            con.execute(
                f"insert into marts.kpi_stage_durations values ('2026-01-01', '{stage}', {exited}, "
                f"{advanced}, {lost}, {moved_back}, 0, 1.000011574074074, 1.000011574074074, {rate})"
            )


def _run_dbt_tests(database: Path, workdir: Path) -> subprocess.CompletedProcess:
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt), "test", "--store-failures", "--select", *TESTS,
        "--project-dir", str(config.PROJECT_ROOT), "--profiles-dir", str(config.PROJECT_ROOT / "profiles"),
        "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"),
    ]  # fmt: skip
    env = {**os.environ, "SALES_WAREHOUSE_PATH": str(database)}
    return subprocess.run(command, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def failures(tmp_path_factory) -> dict[str, set[str]]:
    root = tmp_path_factory.mktemp("reconciliation_rounding")
    database = root / "tiny.duckdb"
    _build_marts(database)
    completed = _run_dbt_tests(database, root)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output  # the planted wrong rows fail
    for name in TESTS:
        assert f"FAIL {len(EXPECTED_FAILURES[name])} {name}" in output, output
    keys = {
        "territory_ratios_consistent": "territory_id",
        "activity_category_minutes_sum_to_total": "rep_id",
        "stage_exits_add_up": "stage_name",
    }
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            name: {row[0] for row in con.execute(f"select {key} from dbt_test__audit.{name}").fetchall()}
            for name, key in keys.items()
        }


@pytest.mark.parametrize("test_name", TESTS)
def test_exact_halves_pass_and_wrong_figures_fail(failures, test_name):
    assert failures[test_name] == EXPECTED_FAILURES[test_name]
