"""Daily incremental builds equal a full refresh, table for table and row for row.

Starting from the session's demo warehouse (built by the full_refresh job), three daily drops
are loaded and built the way the daily job builds them (only what the raw tables with new rows
lead to, `daily_selection`; incremental models re-selecting periods): a generated next day; a
next day plus corrections of old records (an activity moved to another rep, duration and a far
week; a won deal's close date moved to another quarter; a Task, an opportunity and a lead
deleted; a lead's CreatedDate moved to another month); and corrections again (the activity moved
from that far week to a third one, emptying it; the Task restored). Then a copy is rebuilt with
--full-refresh and every staging, intermediate and mart table must match in both directions of
`except all`. A project whose activity filter only looks at the new versions' weeks (the old
week of a moved activity not rebuilt) must fail the same comparison.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from incremental_helpers import copy_demo_warehouse, load_new_files, project_with_edit, run_dbt

from orchestration.config import PROJECT_ROOT
from orchestration.demo.next_day import generate_next_day
from orchestration.ingestion.contract import OBJECTS, object_for_folder
from orchestration.transformation import daily_selection

pytestmark = pytest.mark.slow

COMPARED_SCHEMAS = ("staging", "intermediate", "marts")
LINEAGE = ("_source_file", "_source_line", "_file_hash", "_file_landed_at", "_loaded_at")
ACTIVITY_FILTER = "macros/incremental_activity_changes.sql"
# The wrong filter: periods of the rows loaded since the watermark only, not of every version.
NEW_VERSIONS_ONLY = (
    "where activity_log_versions.activity_id in "
    "({{ keys_loaded_since_watermark(activity_log, 'activity_id') }})",
    "where activity_log_versions._loaded_at > {{ incremental_watermark() }}",
)


# ---------------------------------------------------------------- building


def _dbt(project: Path, database: Path, target: Path, *args: str) -> dict:
    """Run dbt on `database`; returns run_results.json."""
    done = run_dbt(project, database, target, *args)
    assert done.returncode == 0, done.stdout[-3000:]
    return json.loads((target / "run_results.json").read_text())


def _daily_build(project: Path, database: Path, target: Path) -> dict:
    """What the daily job's dbt step does: leave out what no raw table with new rows leads to,
    build the rest (incremental), record what was built."""
    manifest = json.loads((PROJECT_ROOT / "target" / "manifest.json").read_text())
    relations = daily_selection.source_relations(manifest)
    with duckdb.connect(str(database)) as con:
        loads = daily_selection.newest_loads(con, relations.values())
        changed = daily_selection.changed_sources(relations, loads, daily_selection.recorded_builds(con))
    excluded = daily_selection.unaffected_models(manifest, changed)
    results = _dbt(project, database, target, "run", *(["--exclude", " ".join(excluded)] if excluded else []))
    built = {r["unique_id"] for r in results["results"] if r["status"] == "success"}
    with duckdb.connect(str(database)) as con:
        recordable = daily_selection.fully_built_sources(manifest, built)
        daily_selection.record_builds(con, {relations[s]: loads[relations[s]] for s in recordable})
    return results


# ---------------------------------------------------------------- corrections


def _correct(con, landing: Path, obj_name: str, record_id: str, stamp: str, **changes) -> None:
    """Land a new version of one record: its newest raw version with `changes`, stamped later."""
    obj = next(o for o in OBJECTS if o.api_name == obj_name)
    table = f"raw.{obj.raw_table}"
    columns = [
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = ?",
            [obj.raw_table],
        ).fetchall()
        if name not in LINEAGE
    ]
    changes = {**changes, "system_modstamp": f"timestamp '{stamp}'"}
    select = ", ".join(f"{changes[c]} as {c}" if c in changes else c for c in columns)
    # The object's folder as this landing spells it (matched like the loader matches it).
    folder = next(f for f in (landing / obj.family).iterdir() if object_for_folder(obj.family, f.name) == obj)
    path = folder / f"correction_{record_id}_{stamp[:10]}.parquet"
    con.execute(
        f"copy (select {select} from {table} where {obj.id_column} = '{record_id}' "
        "order by system_modstamp desc nulls last, _loaded_at desc, _source_line desc limit 1) "
        f"to '{path}' (format parquet)"
    )


@dataclass(frozen=True)
class Planted:
    activity_id: str
    old_week: str
    far_week: str
    task_id: str
    won_opportunity_id: str
    deleted_opportunity_id: str
    deleted_lead_id: str
    moved_lead_id: str


def _pick(con) -> Planted:
    activity_id, old_week = con.execute(
        "select activity_id, cast(date_trunc('week', started_at) as varchar) "
        "from staging.stg_activity__activities where duration_minutes > 0 "
        "order by started_at, activity_id limit 1"
    ).fetchone()
    # A Task of another quarter than the activity, pointing at no opportunity: its week is
    # re-selected for its own sake only.
    task_id = con.execute(
        "select task_id from staging.stg_salesforce__tasks where what_id is null "
        "and activity_date >= date '2025-01-01' order by activity_date, task_id limit 1"
    ).fetchone()[0]
    won_opportunity_id = con.execute(
        "select opportunity_id from marts.fct_opportunities where is_won "
        "order by close_date, opportunity_id limit 1"
    ).fetchone()[0]
    deleted_opportunity_id = con.execute(
        "select leads.converted_opportunity_id from marts.fct_leads as leads "
        "inner join marts.fct_opportunity_stage_intervals as intervals "
        "on leads.converted_opportunity_id = intervals.opportunity_id "
        "where leads.has_reached_won order by leads.converted_opportunity_id limit 1"
    ).fetchone()[0]
    leads = con.execute("select lead_id from marts.fct_leads order by created_at, lead_id limit 2").fetchall()
    return Planted(
        activity_id, old_week, "2023-01-02", task_id, won_opportunity_id, deleted_opportunity_id,
        leads[0][0], leads[1][0],
    )  # fmt: skip


def _move_activity(con, landing: Path, planted: Planted, stamp: str) -> None:
    """The activity to another rep, 17 minutes longer, in the far week."""
    rep = con.execute(
        "select rep_id from marts.dim_reps where rep_id <> "
        "(select rep_id from raw.activity_activities where activity_id = ? limit 1) order by rep_id limit 1",
        [planted.activity_id],
    ).fetchone()[0]
    _correct(con, landing, "activities", planted.activity_id, stamp,
             rep_id=f"'{rep}'", duration_minutes="coalesce(duration_minutes, 30) + 17", ended_at="null",
             started_at="timestamp '2023-01-03 10:00:00'")  # fmt: skip


def _corrections(landing: Path, database: Path, planted: Planted) -> None:
    stamp = "2027-01-01 00:00:00"
    with duckdb.connect(str(database)) as con:
        _move_activity(con, landing, planted, stamp)
        _correct(con, landing, "Opportunity", planted.won_opportunity_id, stamp,
                 close_date="cast(close_date + interval 5 month as date)")  # fmt: skip
        _correct(con, landing, "Task", planted.task_id, stamp, is_deleted="true")
        _correct(con, landing, "Opportunity", planted.deleted_opportunity_id, stamp, is_deleted="true")
        _correct(con, landing, "Lead", planted.deleted_lead_id, stamp, is_deleted="true")
        _correct(con, landing, "Lead", planted.moved_lead_id, stamp,
                 created_date="created_date + interval 40 day")  # fmt: skip


def _corrections_again(landing: Path, database: Path, planted: Planted) -> None:
    stamp = "2027-01-02 00:00:00"
    with duckdb.connect(str(database)) as con:
        _correct(con, landing, "activities", planted.activity_id, stamp,
                 started_at="timestamp '2025-06-04 09:00:00'")  # fmt: skip
        _correct(con, landing, "Task", planted.task_id, stamp, is_deleted="false")


# ---------------------------------------------------------------- comparing


def _table_differences(incremental: Path, full: Path) -> dict[str, tuple[int, int]]:
    """Table -> (rows only in the incremental build, rows only in the full one), for every table
    that differs. Doubles are compared at 6 decimals: a sum of doubles depends on the order
    DuckDB's threads add them, so two full builds differ in the last bits (minutes are
    multiples of 1/60, never within 1e-6 of a rounding edge)."""
    con = duckdb.connect()
    con.execute(f"attach '{incremental}' as incremental (read_only)")
    con.execute(f"attach '{full}' as full_build (read_only)")
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'full_build' "
        f"and schema_name in {COMPARED_SCHEMAS} order by all"
    ).fetchall()
    differences = {}
    for schema, table in tables:
        columns = con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where database_name = 'full_build' and schema_name = ? and table_name = ? order by column_index",
            [schema, table],
        ).fetchall()
        select = ", ".join(f"round({c}, 6) as {c}" if t == "DOUBLE" else c for c, t in columns)

        def rows(database: str, schema=schema, table=table, select=select) -> str:
            return f"select {select} from {database}.{schema}.{table}"

        only_incremental = con.execute(
            f"select count(*) from ({rows('incremental')} except all {rows('full_build')})"
        ).fetchone()[0]
        only_full = con.execute(
            f"select count(*) from ({rows('full_build')} except all {rows('incremental')})"
        ).fetchone()[0]
        if only_incremental or only_full:
            differences[f"{schema}.{table}"] = (only_incremental, only_full)
    return differences


def _full_refresh_copy(incremental: Path, root: Path) -> Path:
    full = root / "full.duckdb"
    shutil.copyfile(incremental, full)
    _dbt(PROJECT_ROOT, full, root / "target_full", "run", "--full-refresh")
    return full


# ---------------------------------------------------------------- tests


@dataclass
class DailyDrops:
    incremental: Path
    full: Path
    planted: Planted


@pytest.fixture(scope="module")
def daily_drops(demo_warehouse, tmp_path_factory) -> DailyDrops:
    assert demo_warehouse.result.success
    root = tmp_path_factory.mktemp("incremental_daily")
    landing, database = copy_demo_warehouse(demo_warehouse, root)
    with duckdb.connect(str(database), read_only=True) as con:
        planted = _pick(con)
    drops = [
        lambda: generate_next_day(landing, seed=42),
        lambda: (generate_next_day(landing, seed=42), _corrections(landing, database, planted)),
        lambda: _corrections_again(landing, database, planted),
    ]
    for number, drop in enumerate(drops):
        drop()
        load_new_files(landing, database)
        _daily_build(PROJECT_ROOT, database, root / f"target_{number}")
        if number == 1:  # the moved activity fills the far week, which the next drop empties
            with duckdb.connect(str(database), read_only=True) as con:
                far = "select count(*) from marts.kpi_activity_time_allocation where week_start = ?"
                assert con.execute(far, [planted.far_week]).fetchone()[0] == 1
    return DailyDrops(database, _full_refresh_copy(database, root), planted)


def test_daily_builds_equal_a_full_refresh_row_for_row(daily_drops):
    assert _table_differences(daily_drops.incremental, daily_drops.full) == {}


def test_a_daily_build_rebuilds_only_the_periods_and_models_new_rows_can_change(demo_warehouse, tmp_path):
    """A row of a week no new row touches is left as it was (here: tampered with, and still
    tampered after the build), and so is a mart no raw table with new rows leads to."""
    landing, database = copy_demo_warehouse(demo_warehouse, tmp_path)
    first_row = "select week_start, rep_id from marts.kpi_activity_time_allocation order by all limit 1"
    with duckdb.connect(str(database)) as con:
        week, rep = con.execute(first_row).fetchone()
        con.execute(
            "update marts.kpi_activity_time_allocation set total_minutes = -1 "
            "where week_start = ? and rep_id = ?",
            [week, rep],
        )
        # dim_territories reads no object of a generated day (territories, users, accounts).
        con.execute("update marts.dim_territories set rep_count = -1")
        newest_week = con.execute(
            "select max(week_start) from marts.kpi_activity_time_allocation"
        ).fetchone()[0]
    generate_next_day(landing, seed=42)
    load_new_files(landing, database)
    _daily_build(PROJECT_ROOT, database, tmp_path / "target")
    with duckdb.connect(str(database), read_only=True) as con:
        minutes = (
            "select total_minutes from marts.kpi_activity_time_allocation where week_start = ? and rep_id = ?"
        )
        assert con.execute(minutes, [week, rep]).fetchone()[0] == -1
        assert con.execute(
            "select min(rep_count), max(rep_count) from marts.kpi_territory_balance"
        ).fetchone() == (
            -1,
            -1,
        )
        # The new day's activities did arrive.
        assert (
            con.execute("select max(week_start) from marts.kpi_activity_time_allocation").fetchone()[0]
            >= newest_week
        )
        assert (
            con.execute(
                "select count(*) from marts.fct_activities where activity_date > date '2026-09-30'"
            ).fetchone()[0]
            > 0
        )


def test_the_corrections_reached_the_marts(daily_drops):
    """The drops did change what the comparison covers (so equality is not vacuous)."""
    planted = daily_drops.planted
    with duckdb.connect(str(daily_drops.incremental), read_only=True) as con:

        def scalar(sql: str, *params):
            return con.execute(sql, list(params)).fetchone()[0]

        activity = f"activity_log:{planted.activity_id}"
        assert (
            scalar(
                "select cast(week_start as varchar) from marts.fct_activities where activity_key = ?",
                activity,
            )
            == "2025-06-02"
        )
        # The far week it passed through is empty again: every row of it was removed.
        assert (
            scalar(
                "select count(*) from marts.kpi_activity_time_allocation where week_start = ?",
                planted.far_week,
            )
            == 0
        )
        assert (
            scalar(
                "select count(*) from marts.fct_activities where activity_key = ?", f"task:{planted.task_id}"
            )
            == 1
        )
        assert scalar("select count(*) from marts.fct_opportunity_stage_intervals where opportunity_id = ?",
                      planted.deleted_opportunity_id) == 0  # fmt: skip
        assert scalar("select count(*) from marts.fct_leads where lead_id = ?", planted.deleted_lead_id) == 0
        assert scalar(
            "select count(*) from marts.fct_leads where lead_id = ? and cohort_month = "
            "(select cast(date_trunc('month', created_date) as date) from raw.salesforce_lead "
            " where id = ? order by system_modstamp desc nulls last limit 1)",
            planted.moved_lead_id, planted.moved_lead_id,
        ) == 1  # fmt: skip


def test_a_filter_missing_the_old_week_of_a_moved_activity_fails_the_comparison(demo_warehouse, tmp_path):
    """The same check on a project whose activity filter re-selects only the weeks of the new
    versions: the moved activity's old week keeps it under its old rep, and the comparison says so."""
    landing, database = copy_demo_warehouse(demo_warehouse, tmp_path)
    project = project_with_edit(tmp_path, ACTIVITY_FILTER, *NEW_VERSIONS_ONLY)
    with duckdb.connect(str(database)) as con:
        _move_activity(con, landing, _pick(con), "2027-01-01 00:00:00")
    load_new_files(landing, database)
    _daily_build(project, database, tmp_path / "target")
    differences = _table_differences(database, _full_refresh_copy(database, tmp_path))
    assert {
        "intermediate.int_activities_unioned",
        "marts.fct_activities",
        "marts.kpi_activity_time_allocation",
    } <= set(differences)


def test_an_opportunity_reselects_its_activities_weeks_only_when_its_existence_changes(
    demo_warehouse, tmp_path
):
    """One drop: a live opportunity's stage changes (its Tasks keep their opportunity_id, so their
    weeks are not rebuilt: a row of one, tampered with, stays so), and another opportunity is
    deleted (its Tasks, in weeks nothing else touches, lose their opportunity_id)."""
    landing, database = copy_demo_warehouse(demo_warehouse, tmp_path)
    stamp = "2027-01-01 00:00:00"
    task_weeks = (
        "select opportunity_id, week_start, activity_key from marts.fct_activities "
        "where source = 'task' and opportunity_id is not null"
    )
    with duckdb.connect(str(database)) as con:
        deleted, changed, tampered = con.execute(
            f"with task_weeks as ({task_weeks}) "
            "select gone.opportunity_id, live.opportunity_id, live.activity_key "
            "from task_weeks as gone inner join task_weeks as live "
            "on live.opportunity_id <> gone.opportunity_id and live.week_start not in "
            "(select week_start from task_weeks where opportunity_id = gone.opportunity_id) "
            "order by gone.opportunity_id, live.opportunity_id, live.activity_key limit 1"
        ).fetchone()
        _correct(con, landing, "Opportunity", changed, stamp, stage_name="'Negotiation/Review'")
        _correct(con, landing, "Opportunity", deleted, stamp, is_deleted="true")
        con.execute("update marts.fct_activities set minutes = -1 where activity_key = ?", [tampered])
    load_new_files(landing, database)
    _daily_build(PROJECT_ROOT, database, tmp_path / "target")
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute(
            "select minutes from marts.fct_activities where activity_key = ?", [tampered]
        ).fetchone() == (-1,)
        assert con.execute(
            "select count(*) from marts.fct_activities where source = 'task' and opportunity_id = ?",
            [deleted],
        ).fetchone() == (0,)
        assert (
            con.execute(
                "select count(*) from staging.stg_salesforce__tasks where what_id = ?", [deleted]
            ).fetchone()[0]
            > 0
        )


def test_a_model_left_out_of_a_build_catches_up_with_its_own_change_query(demo_warehouse, tmp_path):
    """The models of a chain with one watermark share its change query (run once per build). A
    model left out of a build keeps its older watermark, so the next build must run its own:
    here fct_activities misses the build of a drop moving an activity to a far week, then the
    next day's build must rebuild that week too. A project whose sharing ignores the watermark
    copies int_activities_unioned's weeks (the new day's only) and the comparison says so."""
    landing, database = copy_demo_warehouse(demo_warehouse, tmp_path)
    with duckdb.connect(str(database)) as con:
        _move_activity(con, landing, _pick(con), "2027-01-01 00:00:00")
    load_new_files(landing, database)
    _dbt(PROJECT_ROOT, database, tmp_path / "target_left_out", "run", "--exclude", "fct_activities+")
    generate_next_day(landing, seed=42)
    load_new_files(landing, database)
    sharing_ignores_watermark = tmp_path / "ignores_watermark.duckdb"
    shutil.copyfile(database, sharing_ignores_watermark)

    _daily_build(PROJECT_ROOT, database, tmp_path / "target")
    full = _full_refresh_copy(database, tmp_path)
    assert _table_differences(database, full) == {}

    project = project_with_edit(
        tmp_path, "macros/incremental_reselections.sql",
        "local_md5(reselects ~ changed_sql)",
        "local_md5(reselects ~ changed_sql | replace(incremental_watermark(), ''))",
    )  # fmt: skip
    _daily_build(project, sharing_ignores_watermark, tmp_path / "target_planted")
    assert "marts.fct_activities" in _table_differences(sharing_ignores_watermark, full)
