"""A daily build's uniqueness tests read only the keys of the rows it re-selected, against the
whole table (tests/dbt/generic, macros/incremental_reselections.sql), and still catch a duplicate.

One next-day drop on a copy of the session's demo warehouse, with two duplicates planted in
int_activities_unioned's oldest week (a week the drop does not touch): a copy of an activity of
a week the drop re-selects, and a copy of an activity of that old week. The daily build's
`unique` test reports the first (a rebuilt key clashing with a kept row) and not the second (no
rebuilt row); a `dbt test` on its own, with no incremental build to scope by, reports both. A
project whose kpi_activity_time_allocation writes its re-selected weeks twice fails the daily
build's `unique_combination_of_columns` test.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from incremental_helpers import dbt_results, next_day_warehouse, project_with_edit

from orchestration.config import PROJECT_ROOT

pytestmark = pytest.mark.slow

ACTIVITIES = "intermediate.int_activities_unioned"
UNIQUE_KEY = "unique_int_activities_unioned_activity_key"
UNIQUE_WEEK_REP = "unique_combination_of_columns_kpi_activity_time_allocation_week_start__rep_id"
BUILT = (
    "stg_activity__activities stg_salesforce__tasks stg_salesforce__events int_activities_unioned "
    "fct_activities kpi_activity_time_allocation"
)
TIME_ALLOCATION = "models/marts/kpi/kpi_activity_time_allocation.sql"
# The wrong model: its re-selected weeks written twice.
WEEKS_TWICE = ("select * from final\n", "select * from final\nunion all\nselect * from final\n")


def _plant_duplicates(database: Path) -> list[str]:
    """The two duplicates of the module's docstring; the planted keys, the clashing one first."""
    with duckdb.connect(str(database)) as con:
        week = "cast(date_trunc('week', started_at) as date)"
        drop_weeks = {
            row[0]
            for row in con.execute(
                f"select distinct {week} from raw.activity_activities "
                "where _loaded_at = (select max(_loaded_at) from raw.activity_activities)"
            ).fetchall()
        }
        oldest, oldest_week = con.execute(f"select min(started_at), min({week}) from {ACTIVITIES}").fetchone()
        assert drop_weeks and oldest_week not in drop_weeks
        rebuilt_key = con.execute(
            f"select min(activity_key) from {ACTIVITIES} where {week} = ?", [max(drop_weeks)]
        ).fetchone()[0]
        kept_key = con.execute(
            f"select min(activity_key) from {ACTIVITIES} where {week} = ?", [oldest_week]
        ).fetchone()[0]
        for key in (rebuilt_key, kept_key):
            con.execute(
                f"insert into {ACTIVITIES} select * replace (cast(? as timestamp) as started_at) "
                f"from {ACTIVITIES} where activity_key = ?",
                [oldest, key],
            )
    assert rebuilt_key and kept_key
    return [rebuilt_key, kept_key]


def test_a_daily_build_checks_the_rebuilt_keys_against_the_whole_table(demo_warehouse, tmp_path):
    database = next_day_warehouse(demo_warehouse, tmp_path)
    planted = _plant_duplicates(database)
    daily = dbt_results(
        PROJECT_ROOT, database, tmp_path / "daily", "build", "--select", BUILT,
        "--exclude-resource-type", "unit_test",
    )  # fmt: skip
    assert daily["int_activities_unioned"]["status"] == "success"
    assert (daily[UNIQUE_KEY]["status"], daily[UNIQUE_KEY]["failures"]) == ("fail", 1)
    with duckdb.connect(str(database), read_only=True) as con:
        counts = con.execute(
            f"select activity_key, count(*) from {ACTIVITIES} where activity_key in (?, ?) "
            "group by activity_key order by activity_key",
            planted,
        ).fetchall()
        assert sorted(counts) == sorted((key, 2) for key in planted)
        scoped = con.execute(
            "select count(*) from meta.incremental_reselections "
            "where model_name = 'int_activities_unioned' and period_start is not null"
        ).fetchone()[0]
        assert scoped >= 1
    alone = dbt_results(PROJECT_ROOT, database, tmp_path / "alone", "test", "--select", UNIQUE_KEY)
    assert (alone[UNIQUE_KEY]["status"], alone[UNIQUE_KEY]["failures"]) == ("fail", 2)


def test_a_model_writing_its_reselected_rows_twice_fails_the_daily_build(demo_warehouse, tmp_path):
    database = next_day_warehouse(demo_warehouse, tmp_path)
    project = project_with_edit(tmp_path, TIME_ALLOCATION, *WEEKS_TWICE)
    daily = dbt_results(
        project, database, tmp_path / "daily", "build", "--select", BUILT,
        "--exclude-resource-type", "unit_test",
    )  # fmt: skip
    assert daily[UNIQUE_KEY]["status"] == "pass"
    assert daily["kpi_activity_time_allocation"]["status"] == "success"
    assert daily[UNIQUE_WEEK_REP]["status"] == "fail"
    with duckdb.connect(str(database), read_only=True) as con:
        rebuilt_weeks = con.execute(
            "select count(*) from meta.incremental_reselections "
            "where model_name = 'kpi_activity_time_allocation' and period_start is not null"
        ).fetchone()[0]
        doubled = con.execute(
            "select count(*) from (select week_start, rep_id from marts.kpi_activity_time_allocation "
            "group by all having count(*) > 1)"
        ).fetchone()[0]
    assert rebuilt_weeks >= 1 and daily[UNIQUE_WEEK_REP]["failures"] == doubled > 0
