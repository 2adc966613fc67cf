"""The semantic layer (models/semantic/) answers as the marts do: `mf query` on the demo
warehouse gives the marts' figures re-aggregated as ratios of sums (win rate by month equals
kpi_win_rate summed over reps, bookings kpi_revenue, each headline KPI by quarter the run's
headlines), and `mf validate-configs` passes against the warehouse.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.config import PROJECT_ROOT
from orchestration.headlines import read_headlines

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
TOLERANCE = 1e-6


class Mf:
    """Runs `mf` (dbt-metricflow) on a copy of the demo warehouse."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env = folder, env

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [BIN / "mf", *args], cwd=self.folder, env=self.env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"mf {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def query(self, metrics: list[str], group_by: str) -> dict[date, dict[str, float | None]]:
        """One row per period of `group_by`: each metric's value, None when null."""
        out = self.folder / "query.csv"
        self.run("query", "--metrics", ",".join(metrics), "--group-by", group_by, "--csv", str(out))
        with out.open(newline="") as rows:
            return {
                date.fromisoformat(row[group_by][:10]): {
                    name: None if row[name] == "" else float(row[name]) for name in metrics
                }
                for row in csv.DictReader(rows)
            }

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(self.env["SALES_WAREHOUSE_PATH"], read_only=True)


@pytest.fixture(scope="module")
def mf(demo_warehouse, tmp_path_factory) -> Mf:
    assert demo_warehouse.result.success
    folder = tmp_path_factory.mktemp("mf_project")
    # mf reads <project>/target/semantic_manifest.json, that exact path, and queries the
    # database its relations name (dbt-duckdb: the file's stem). So this folder gets its own
    # parse of this tree (not the repository's target/, maybe stale or another warehouse's)
    # and its own copy of the warehouse, which mf opens for writing: it never waits on a lock.
    database = folder / demo_warehouse.database.name
    shutil.copyfile(demo_warehouse.database, database)
    (folder / "dbt_project.yml").symlink_to(PROJECT_ROOT / "dbt_project.yml")
    env = {
        **os.environ,
        "SALES_WAREHOUSE_PATH": str(database),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT / "profiles"),
    }
    subprocess.run(
        [BIN / "dbt", "parse", "--quiet", "--project-dir", PROJECT_ROOT, "--target-path", folder / "target"]
        + ["--log-path", folder / "logs"],
        env=env,
        check=True,
    )
    return Mf(folder, {**env, "DBT_PROJECT_DIR": str(folder)})


def test_validate_configs_passes_against_the_warehouse(mf):
    out = mf.run("validate-configs")
    assert "Successfully validated metrics against data warehouse" in out, out


def test_win_rate_by_month_is_kpi_win_rate_summed_over_reps(mf):
    got = mf.query(["win_rate"], "metric_time__month")
    with mf.connect() as con:
        expected = dict(
            con.execute(
                "select month_start, sum(won_count) / (sum(won_count) + sum(lost_count)) "
                "from marts.kpi_win_rate group by month_start"
            ).fetchall()
        )
    # mf has a row for every month with an opportunity closing in it; a month of only open
    # deals has no closed deal, so a null win rate and no kpi_win_rate row.
    with_rate = {month: row["win_rate"] for month, row in got.items() if row["win_rate"] is not None}
    assert len(expected) > 12
    assert sorted(with_rate) == sorted(expected)
    for month, rate in expected.items():
        assert with_rate[month] == pytest.approx(float(rate), abs=TOLERANCE), month


def test_bookings_by_month_are_kpi_revenue(mf):
    got = mf.query(["bookings"], "metric_time__month")
    with mf.connect() as con:
        expected = dict(con.execute("select month_start, bookings_amount from marts.kpi_revenue").fetchall())
    assert len(expected) > 12
    # kpi_revenue runs from the first to the last month with a booking; mf's months are the
    # months some opportunity closes in (open deals included): outside kpi_revenue, bookings 0.
    assert set(got) >= {month for month, amount in expected.items() if amount != 0}
    for month, row in got.items():
        assert row["bookings"] == pytest.approx(float(expected.get(month, 0)), abs=0.005), month


def test_headline_kpis_by_quarter_are_the_run_headlines(mf):
    """Every headline metric of one query by quarter equals the figure the run's summary reads
    from the marts (orchestration/headlines.py), and quota attainment kpi_quota_attainment's
    quarterly bookings over quotas."""
    metrics = {
        "bookings": "bookings",
        "pct_reps_at_quota": "pct_reps_at_quota",
        "average_deal_size": "avg_deal_size",
        "win_rate": "win_rate",
        "mql_to_sql_leakage": "mql_to_sql_leakage",
        "selling_share": "selling_share",
    }
    got = mf.query([*metrics, "quota_attainment"], "metric_time__quarter")
    with mf.connect() as con:
        headlines = {quarter: read_headlines(con, quarter) for quarter in got}
        attainment = dict(
            con.execute(
                "select period_start, sum(bookings_amount) / nullif(sum(quota_amount), 0) "
                "from marts.kpi_quota_attainment where period_type = 'quarter' group by period_start"
            ).fetchall()
        )
    compared = 0
    for quarter, row in got.items():
        for metric, field in metrics.items():
            want = getattr(headlines[quarter], field)
            if want is None:  # no mart row: mf has no figure either, or bookings of 0
                assert row[metric] in (None, 0), (quarter, metric)
                continue
            assert row[metric] == pytest.approx(want, rel=TOLERANCE, abs=TOLERANCE), (quarter, metric)
            compared += 1
        want = attainment.get(quarter)
        assert row["quota_attainment"] == (None if want is None else pytest.approx(float(want))), quarter
    assert compared > 50
