"""The demo generator: deterministic, complete, every accepted shape, planted truths that hold
when measured with the KPI definitions of docs/kpi-reference.md (implemented here in plain
DuckDB SQL over the generated files, independently of the generator's code and of dbt).

The files are read back the way the contract describes (headers matched to the contract, newest
version of each record), with DuckDB and the contract module only."""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from orchestration.demo import DEMO_ACTIVITY_ROWS, generate_landing, generate_next_day
from orchestration.demo import columns as col
from orchestration.demo import params as demo_params
from orchestration.demo.ids import IdAllocator
from orchestration.ingestion.contract import (
    OBJECTS,
    SALESFORCE_OBJECTS,
    ExtractObject,
    normalize_header,
    object_for_folder,
)

DEMO_SEED = 42
_FILE = re.compile(r"\.(csv|csv\.gz|parquet)$", re.IGNORECASE)


def file_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def extract_files(root: Path, obj: ExtractObject) -> list[Path]:
    family = root / obj.family
    if not family.is_dir():
        return []
    files: list[Path] = []
    for folder in sorted(family.iterdir()):
        if folder.is_dir() and object_for_folder(obj.family, folder.name) is obj:
            files += [p for p in folder.iterdir() if _FILE.search(p.name)]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, str(p)))  # the landing order


def _select_typed(con: duckdb.DuckDBPyConnection, source: str, obj: ExtractObject) -> str:
    headers = [row[0] for row in con.execute(f"describe select * from {source}").fetchall()]
    parts = []
    seen = set()
    for header in headers:
        name = normalize_header(header, obj)
        seen.add(name)
        quoted = '"' + header.replace('"', '""') + '"'
        try:
            column = obj.column(name)
        except KeyError:
            continue  # extra columns are kept by the loader but not needed here
        if column.type.duckdb_type == "TIMESTAMP":
            expr = f"cast(cast({quoted} as timestamptz) as timestamp)"
        elif column.type.duckdb_type == "BOOLEAN":
            expr = f"cast(lower(cast({quoted} as varchar)) in ('true', '1') as boolean)"
        else:
            expr = f"cast({quoted} as {column.type.duckdb_type})"
        parts.append(f"{expr} as {name}")
    for column in obj.columns:
        if column.name not in seen:
            parts.append(f"cast(null as {column.type.duckdb_type}) as {column.name}")
    return ", ".join(parts)


def load_landing(root: Path, only: set[str] | None = None) -> duckdb.DuckDBPyConnection:
    """Every object as a table named like its raw table (`salesforce_opportunity`), newest
    version per record, plus `<raw table>_all` with every version, its file and landing rank.
    `only` limits the objects loaded (API names)."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    for obj in OBJECTS:
        if only is not None and obj.api_name not in only:
            continue
        selects = []
        for rank, path in enumerate(extract_files(root, obj)):
            if path.name.lower().endswith(".parquet"):
                source = f"read_parquet('{path}')"
            else:
                source = f"read_csv('{path}', header = true, all_varchar = true, quote = '\"', escape = '\"')"
            selects.append(
                f"select {_select_typed(con, source, obj)}, {rank} as _file_rank, '{path.name}' as _file "
                f"from {source}"
            )
        if not selects:
            continue
        con.execute(f"create table {obj.raw_table}_all as " + " union all by name ".join(selects))
        key = obj.id_column
        con.execute(
            f"""create table {obj.raw_table} as
            select * exclude (_rn) from (
                select *, row_number() over (
                    partition by {key}
                    order by system_modstamp desc nulls last, last_modified_date desc nulls last,
                             _file_rank desc
                ) as _rn
                from {obj.raw_table}_all
            ) where _rn = 1"""
        )
    return con


# -- Fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo_landing")
    generate_landing(out, seed=DEMO_SEED, progress=False)
    return out


@pytest.fixture(scope="session")
def demo_db(demo_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = load_landing(demo_dir)
    yield con
    con.close()


# The default seeds of metrics.md.
ACTIVITY_CATEGORIES = {
    "Email": "digital_communication",
    "Call": "personal_communication",
    "Customer meeting": "personal_communication",
    "Demo": "personal_communication",
    "Meeting": "personal_communication",
    "Internal meeting": "internal_meeting",
    "Admin": "administration",
    "Task": "administration",
    "Travel": "travel",
    "Training": "training",
    "Prep": "sales_preparation",
}
OPEN_STAGES = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
]
LEAD_STATUS_STAGES = {
    "Open - Not Contacted": "lead",
    "Working - Contacted": "lead",
    "Marketing Qualified": "mql",
    "Sales Qualified": "sql",
    "Closed - Converted": "sql",
    "Closed - Not Converted": "disqualified",
}


def _values(mapping: dict[str, str]) -> str:
    return ", ".join(f"('{k}', '{v}')" for k, v in mapping.items())


# -- Metrics, per metrics.md ------------------------------------------------------------------------


def selling_share(con: duckdb.DuckDBPyConnection, count_named_twice: bool = False) -> float:
    """Selling minutes over all minutes: activity log + Tasks + Events, a Task/Event named in an
    activity row's crm_activity_id not counted again (unless `count_named_twice`)."""
    named_filter = "where false" if count_named_twice else "where crm_activity_id is not null"
    return con.execute(
        f"""
        with categories(label, category) as (values {_values(ACTIVITY_CATEGORIES)}),
        named as (
            select distinct crm_activity_id as id from activity_activities {named_filter}
        ),
        blocks as (
            select activity_type as label,
                   coalesce(duration_minutes, date_diff('second', started_at, ended_at) / 60.0) as minutes
            from activity_activities
            union all
            select task_subtype, coalesce(call_duration_in_seconds, 0) / 60.0
            from salesforce_task
            where not coalesce(is_deleted, false) and id not in (select id from named)
            union all
            select case when type in (select label from categories) then type else 'Meeting' end,
                   coalesce(duration_in_minutes, date_diff('second', start_date_time, end_date_time) / 60.0)
            from salesforce_event
            where not coalesce(is_deleted, false) and id not in (select id from named)
        )
        select sum(case when c.category in ('digital_communication', 'personal_communication')
                        then minutes else 0 end) / sum(minutes)
        from blocks b left join categories c using (label)
        """
    ).fetchone()[0]


def win_rates(con: duckdb.DuckDBPyConnection, min_closed: int = 20) -> dict[str, float]:
    """Won / (won + lost) by count per rep (owner), over reps with enough closed deals."""
    rows = con.execute(
        """
        select owner_id,
               sum(case when is_won then 1 else 0 end) as won,
               sum(case when is_closed and not is_won then 1 else 0 end) as lost
        from salesforce_opportunity where not coalesce(is_deleted, false)
        group by owner_id
        """
    ).fetchall()
    return {rep: won / (won + lost) for rep, won, lost in rows if won + lost >= min_closed}


def ramped_share_at_quota(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Per quarter (quarterly quotas): share of ramped reps with quota > 0 at or above it."""
    rows = con.execute(
        """
        with quotas as (
            select * from (
                select q.*, row_number() over (
                    partition by quota_owner_id, coalesce(period_type, 'Quarter'), start_date
                    order by system_modstamp desc nulls last, last_modified_date desc nulls last
                ) as rn
                from salesforce_forecasting_quota q
            ) where rn = 1 and coalesce(period_type, 'Quarter') = 'Quarter' and quota_amount > 0
        ),
        reps as (
            select id, coalesce(hire_date_c, cast(created_date as date)) as start_date from salesforce_user
        ),
        won as (
            select owner_id, close_date, amount from salesforce_opportunity
            where is_won and not coalesce(is_deleted, false)
        ),
        attainment as (
            select q.start_date as period_start, q.quota_owner_id,
                   coalesce(sum(w.amount), 0) / q.quota_amount as attainment,
                   q.start_date >= r.start_date + interval 6 month as is_ramped
            from quotas q
            join reps r on r.id = q.quota_owner_id
            left join won w
              on w.owner_id = q.quota_owner_id
             and w.close_date between q.start_date and cast(q.start_date + interval 3 month as date) - 1
            group by q.start_date, q.quota_owner_id, q.quota_amount, r.start_date
        )
        select period_start, avg(case when attainment >= 1 then 1.0 else 0.0 end)
        from attainment where is_ramped group by period_start order by period_start
        """
    ).fetchall()
    return {str(start): share for start, share in rows}


def median_days_in_stage(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Median days of exited stage intervals (runs of history rows with the same stage)."""
    rows = con.execute(
        """
        with history as (
            select h.opportunity_id, h.stage_name, h.created_date, h.id
            from salesforce_opportunity_history h
            join salesforce_opportunity o on o.id = h.opportunity_id
            where not coalesce(h.is_deleted, false) and not coalesce(o.is_deleted, false)
        ),
        flagged as (
            select *,
                   case when stage_name is distinct from lag(stage_name) over w then 1 else 0 end
                       as starts_run
            from history window w as (partition by opportunity_id order by created_date, id)
        ),
        runs as (
            select *, sum(starts_run) over (partition by opportunity_id order by created_date, id) as run_no
            from flagged
        ),
        intervals as (
            select opportunity_id, run_no, any_value(stage_name) as stage_name,
                   min(created_date) as entered_at
            from runs group by opportunity_id, run_no
        ),
        exits as (
            select stage_name, entered_at,
                   lead(entered_at) over (partition by opportunity_id order by run_no) as exited_at
            from intervals
        )
        select stage_name,
               quantile_cont(date_diff('second', entered_at, exited_at) / 86400.0, 0.5)
        from exits where exited_at is not null group by stage_name
        """
    ).fetchall()
    return dict(rows)


def pipeline_per_rep_index(con: duckdb.DuckDBPyConnection, quarter_end: str) -> dict[str, float]:
    """Territory open pipeline per rep at a quarter end, over the org-wide pipeline per rep."""
    rows = con.execute(
        f"""
        with open_opps as (
            select id, account_id, amount from salesforce_opportunity
            where not coalesce(is_deleted, false)
              and cast(created_date as date) <= date '{quarter_end}'
              and ((not is_won and not is_closed) or (is_closed and close_date > date '{quarter_end}'))
        ),
        members as (
            select distinct territory_2_id, user_id from salesforce_user_territory_2_association
            where coalesce(is_active, true)
        ),
        org as (
            select (select sum(amount) from open_opps)
                   / (select count(distinct user_id) from members) as per_rep
        ),
        territory as (
            select t.name,
                   (select count(*) from members m where m.territory_2_id = t.id) as reps,
                   (select coalesce(sum(o.amount), 0) from open_opps o
                    where o.account_id in (select object_id from salesforce_object_territory_2_association a
                                           where a.territory_2_id = t.id)) as pipeline
            from salesforce_territory_2 t
        )
        select name, pipeline / nullif(reps, 0) / (select per_rep from org) from territory
        """
    ).fetchall()
    return dict(rows)


def funnel_leakage(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """leakage_rate of each funnel step, all cohorts and sources together."""
    rows = con.execute(
        f"""
        with stage_of(status, stage) as (values {_values(LEAD_STATUS_STAGES)}),
        leads as (select * from salesforce_lead where not coalesce(is_deleted, false)),
        statuses as (
            select id as lead_id, status from leads
            union all
            select lead_id, old_value from salesforce_lead_history where field = 'Status'
            union all
            select lead_id, new_value from salesforce_lead_history where field = 'Status'
        ),
        reached as (
            select s.lead_id,
                   max(case when st.stage = 'mql' then 1 else 0 end) as been_mql,
                   max(case when st.stage = 'sql' then 1 else 0 end) as been_sql
            from statuses s join stage_of st using (status) group by s.lead_id
        ),
        funnel as (
            select l.id,
                   coalesce(l.is_converted, false) and l.converted_opportunity_id is not null as opp,
                   coalesce(o.is_won, false) and coalesce(l.is_converted, false)
                       and l.converted_opportunity_id is not null as won,
                   coalesce(r.been_sql, 0) = 1 as sql_status,
                   coalesce(r.been_mql, 0) = 1 as mql_status
            from leads l
            left join reached r on r.lead_id = l.id
            left join salesforce_opportunity o
              on o.id = l.converted_opportunity_id and not coalesce(o.is_deleted, false)
        ),
        stages as (
            select won, opp or won as opp, sql_status or opp or won as sql_,
                   mql_status or sql_status or opp or won as mql from funnel
        )
        select 1 - sum(case when mql then 1 else 0 end) / count(*),
               1 - sum(case when sql_ then 1 else 0 end) / sum(case when mql then 1 else 0 end),
               1 - sum(case when opp then 1 else 0 end) / sum(case when sql_ then 1 else 0 end),
               1 - sum(case when won then 1 else 0 end) / sum(case when opp then 1 else 0 end)
        from stages
        """
    ).fetchone()
    return dict(
        zip(["lead_to_mql", "mql_to_sql", "sql_to_opportunity", "opportunity_to_won"], rows, strict=True)
    )


# -- Determinism --------------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(demo_dir: Path, tmp_path: Path) -> None:
    generate_landing(tmp_path / "again", seed=DEMO_SEED, progress=False)
    first, second = file_hashes(demo_dir), file_hashes(tmp_path / "again")
    assert len(first) >= 16
    assert first == second


def test_other_seed_gives_other_data_and_sizes_are_exact(tmp_path: Path) -> None:
    rows = 12_345
    reports = {seed: generate_landing(tmp_path / str(seed), seed=seed, activity_rows=rows, progress=False)
               for seed in (DEMO_SEED, DEMO_SEED + 1)}  # fmt: skip
    assert reports[DEMO_SEED].rows["activities"] == rows
    assert set(reports[DEMO_SEED].rows) == {o.api_name for o in SALESFORCE_OBJECTS} | {"activities"}
    first, second = file_hashes(tmp_path / str(DEMO_SEED)), file_hashes(tmp_path / str(DEMO_SEED + 1))
    assert first.keys() == second.keys()
    differing = {name for name in first if first[name] != second[name]}
    for must_differ in ("Opportunity/", "lead/", "activities/", "Task/", "event/", "User/"):
        assert any(must_differ in name for name in differing), must_differ


def test_existing_extract_is_not_overwritten(demo_dir: Path) -> None:
    with pytest.raises(FileExistsError):
        generate_landing(demo_dir, seed=DEMO_SEED, progress=False)


# -- Completeness and shapes ------------------------------------------------------------------------


def _header(path: Path) -> list[str]:
    if path.name.endswith(".parquet"):
        return pq.read_schema(path).names
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        return [h.strip('"') for h in f.readline().rstrip("\r\n").split(",")]


def _first_line_bytes(path: Path) -> bytes:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.readline()


def test_every_contract_object_has_files_with_its_required_columns(demo_dir: Path) -> None:
    for obj in OBJECTS:
        files = extract_files(demo_dir, obj)
        assert files, f"no files for {obj.api_name}"
        for path in files:
            names = {normalize_header(h, obj) for h in _header(path)}
            missing = {c.name for c in obj.required_columns} - names
            assert not missing, f"{path} lacks {missing}"


def test_every_accepted_shape_is_present(demo_dir: Path) -> None:
    files = [p for p in demo_dir.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".csv.gz") for p in files)
    assert any(p.name.endswith(".parquet") for p in files)
    assert any(p.name.endswith(".csv") for p in files)
    for path in files:  # gzip members really are gzip, Parquet really is Parquet
        if path.name.endswith(".gz"):
            assert _first_line_bytes(path)
        if path.name.endswith(".parquet"):
            pq.read_metadata(path)
    csvs = [p for p in files if ".csv" in p.name]
    assert any(_first_line_bytes(p).endswith(b"\r\n") for p in csvs), "no CRLF file"
    assert any(not _first_line_bytes(p).endswith(b"\r\n") for p in csvs), "no LF file"
    headers = {str(p.relative_to(demo_dir)): _header(p) for p in files}
    flat = [h for hs in headers.values() for h in hs]
    assert "StageName" in flat and "Hire_Date__c" in flat, "Salesforce API-name headers"
    assert "stage_name" in flat and "territory_2_id" in flat, "Fivetran snake_case headers"
    assert "OWNERID" in flat and "SYSTEMMODSTAMP" in flat, "Data Loader ALL-CAPS headers"
    assert {"Region__c", "REGION__C", "Lead_Score__c", "lead_score_c"} & set(flat), "custom columns"
    assert "Region__c" in flat and "REGION__C" in flat
    folders = {p.parent.name for p in files}
    assert {"opportunity_history", "lead_history", "Opportunity", "activities"} <= folders


def test_values_follow_the_contract_formats(demo_dir: Path) -> None:
    con = duckdb.connect()
    path = next(demo_dir.glob("salesforce/Opportunity/*.csv"))
    row = con.execute(
        f"select CreatedDate, CloseDate, IsWon, Amount from read_csv('{path}', all_varchar = true) limit 1"
    ).fetchone()
    assert row[0].endswith("Z") and "T" in row[0] and len(row[0]) == 20
    assert len(row[1]) == 10 and row[1][4] == "-"
    assert row[2] in ("true", "false")
    assert "." in row[3] and "," not in row[3]


def test_everything_loads_typed_and_consistent(demo_db: duckdb.DuckDBPyConnection) -> None:
    def scalar(sql: str) -> int:
        return demo_db.execute(sql).fetchone()[0]

    assert scalar("select count(*) from activity_activities") == DEMO_ACTIVITY_ROWS
    for obj in OBJECTS:
        table = obj.raw_table
        total = scalar(f"select count(*) from {table}_all")
        assert total == scalar(f"select count(distinct {obj.id_column}) from {table}_all"), obj.api_name
        for column in obj.required_columns:
            if column.name == "duration_minutes":
                continue
            assert scalar(f"select count(*) from {table} where {column.name} is null") == 0, (table, column)
    assert (
        scalar("select count(*) from activity_activities where duration_minutes is null and ended_at is null")
        == 0
    )
    # References resolve: (table, column, table it points at).
    task_or_event = "salesforce_task union all select id from salesforce_event"
    references = [
        ("salesforce_opportunity", "owner_id", "salesforce_user"),
        ("salesforce_opportunity", "account_id", "salesforce_account"),
        ("salesforce_opportunity_history", "opportunity_id", "salesforce_opportunity"),
        ("salesforce_lead_history", "lead_id", "salesforce_lead"),
        ("salesforce_lead", "converted_opportunity_id", "salesforce_opportunity"),
        ("salesforce_lead", "converted_account_id", "salesforce_account"),
        ("activity_activities", "rep_id", "salesforce_user"),
        ("activity_activities", "opportunity_id", "salesforce_opportunity"),
        ("activity_activities", "crm_activity_id", task_or_event),
        ("salesforce_forecasting_quota", "quota_owner_id", "salesforce_user"),
        ("salesforce_object_territory_2_association", "object_id", "salesforce_account"),
        ("salesforce_user_territory_2_association", "user_id", "salesforce_user"),
        ("salesforce_user", "manager_id", "salesforce_user"),
        ("salesforce_user", "user_role_id", "salesforce_user_role"),
    ]  # fmt: skip
    for table, column, target in references:
        dangling = scalar(f"select count(*) from {table} where {column} not in (select id from {target})")
        assert dangling == 0, (table, column)
    assert scalar("select count(*) from salesforce_opportunity where is_won and not is_closed") == 0
    assert str(scalar("select max(system_modstamp) from salesforce_opportunity")) < "2026-10-01"
    assert str(scalar("select max(started_at) from activity_activities")) < "2026-10-01"
    assert str(scalar("select max(system_modstamp) from salesforce_lead")) < "2026-10-01"


def test_org_structure(demo_db: duckdb.DuckDBPyConnection) -> None:
    def scalar(sql: str) -> int:
        return demo_db.execute(sql).fetchone()[0]

    reps = "title like '%Account Executive'"
    assert 35 <= scalar(f"select count(*) from salesforce_user where {reps}") <= 45
    assert (
        scalar("select count(distinct manager_id) from salesforce_user where title = 'Account Executive'")
        == 6
    )
    assert scalar(f"select count(*) from salesforce_user where {reps} and manager_id is null") == 1
    assert (
        scalar("select count(*) from salesforce_user where title = 'Sales Manager' and manager_id is null")
        == 0
    )
    assert scalar(f"select count(*) from salesforce_user where {reps} and not is_active") == 1
    recent = f"select count(*) from salesforce_user where {reps} and hire_date_c > date '2026-03-31'"
    assert scalar(recent) >= 3  # not ramped at the as-of date
    assert 5 <= scalar("select count(*) from salesforce_territory_2") <= 6
    assert scalar("select count(*) from salesforce_user_territory_2_association where not is_active") >= 1
    assert scalar("select count(*) from salesforce_forecasting_quota where period_type = 'Month'") > 0
    re_entered = """select count(*) from (select quota_owner_id, start_date from salesforce_forecasting_quota
                    group by all having count(*) > 1)"""
    assert scalar(re_entered) >= 1
    assert (
        scalar("select count(*) from salesforce_lead where is_converted and converted_opportunity_id is null")
        == 0
    )
    skipped_mql = """select count(*) from salesforce_lead_history
                     where field = 'Status' and old_value = 'Working - Contacted'
                       and new_value = 'Sales Qualified'"""
    assert scalar(skipped_mql) > 0
    moved_back = """select count(*) from (
        select stage_name, lag(stage_name) over (partition by opportunity_id order by created_date) as before
        from salesforce_opportunity_history)
        where before = 'Negotiation/Review' and stage_name = 'Proposal/Price Quote'"""
    assert scalar(moved_back) > 0
    task_types = {
        r[0] for r in demo_db.execute("select distinct task_subtype from salesforce_task").fetchall()
    }
    assert task_types == {"Call", "Email", "Task"}
    types = {
        r[0] for r in demo_db.execute("select distinct activity_type from activity_activities").fetchall()
    }
    assert {ACTIVITY_CATEGORIES[t] for t in types} == {
        "digital_communication",
        "personal_communication",
        "internal_meeting",
        "administration",
        "travel",
        "training",
        "sales_preparation",
    }
    assert scalar("select count(*) from activity_activities where crm_activity_id is not null") > 1000


# -- Planted truths ----------------------------------------------------------------------------------

COMPLETE_QUARTERS = [
    "2024-01-01", "2024-04-01", "2024-07-01", "2024-10-01", "2025-01-01", "2025-04-01",
    "2025-07-01", "2025-10-01", "2026-01-01", "2026-04-01", "2026-07-01",
]  # fmt: skip
QUARTER_ENDS = [
    "2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31", "2025-06-30",
    "2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30", "2026-09-30",
]  # fmt: skip


def test_selling_share_is_near_39_percent(demo_db: duckdb.DuckDBPyConnection) -> None:
    assert 0.35 <= selling_share(demo_db) <= 0.43


def test_a_named_task_or_event_is_not_counted_twice(demo_db: duckdb.DuckDBPyConnection) -> None:
    """Many Tasks/Events duplicate log rows: counting them again would inflate selling time."""
    named = demo_db.execute(
        "select count(distinct crm_activity_id) from activity_activities where crm_activity_id is not null"
    ).fetchone()[0]
    assert named > 10_000
    assert selling_share(demo_db, count_named_twice=True) > selling_share(demo_db) + 0.02


def test_win_rates_vary_by_rep_between_20_and_35_percent(demo_db: duckdb.DuckDBPyConnection) -> None:
    rates = sorted(win_rates(demo_db).values())
    assert len(rates) >= 30
    inside = [r for r in rates if 0.15 <= r <= 0.40]
    assert len(inside) >= 0.9 * len(rates)
    assert rates[-1] - rates[0] >= 0.10  # spread between reps
    assert 0.22 <= sum(rates) / len(rates) <= 0.33


def test_about_half_of_ramped_reps_reach_quota(demo_db: duckdb.DuckDBPyConnection) -> None:
    shares = ramped_share_at_quota(demo_db)
    complete = sorted(shares[q] for q in COMPLETE_QUARTERS)
    median = complete[len(complete) // 2]
    assert 0.35 <= median <= 0.65
    assert all(0.2 <= s <= 0.8 for s in complete), shares
    assert shares["2026-10-01"] == 0.0  # the quarter after the extract: quotas entered, no bookings yet


def test_negotiation_is_the_slowest_stage(demo_db: duckdb.DuckDBPyConnection) -> None:
    medians = median_days_in_stage(demo_db)
    assert set(OPEN_STAGES) <= set(medians)
    slow = demo_params.SLOW_STAGE
    others = [v for stage, v in medians.items() if stage != slow]
    assert medians[slow] == max(medians.values())
    assert medians[slow] >= 1.8 * max(others)


def test_one_territory_is_overloaded(demo_db: duckdb.DuckDBPyConnection) -> None:
    overloaded = demo_params.TERRITORIES[demo_params.OVERLOADED_TERRITORY].name
    for quarter_end in QUARTER_ENDS:
        index = pipeline_per_rep_index(demo_db, quarter_end)
        assert index[overloaded] > 1.25, (quarter_end, index)
        assert [t for t, v in index.items() if v > 1.25] == [overloaded], (quarter_end, index)


def test_mql_to_sql_is_the_leakiest_funnel_step(demo_db: duckdb.DuckDBPyConnection) -> None:
    leakage = funnel_leakage(demo_db)
    assert max(leakage, key=leakage.get) == "mql_to_sql"
    assert leakage["mql_to_sql"] >= 0.78


# -- Next-day drops ----------------------------------------------------------------------------------


def test_next_day_adds_new_files_only(demo_dir: Path, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(demo_dir, landing)
    before = file_hashes(landing)
    report = generate_next_day(landing, seed=DEMO_SEED)
    after = file_hashes(landing)
    assert {k: after[k] for k in before} == before, "an existing file changed"
    new = set(after) - set(before)
    assert new == {str(p) for p in report.files}
    assert all("_delta_2026-10-01" in name for name in new)
    assert not [p for p in landing.rglob(".*")], "a partial file was left behind"
    assert {"Opportunity", "OpportunityHistory", "Lead", "LeadHistory", "Task", "Event", "activities"} <= set(
        report.rows
    )
    assert str(report.as_of) == "2026-10-01"
    second = generate_next_day(landing, seed=DEMO_SEED)
    assert str(second.as_of) == "2026-10-02"
    assert all("_delta_2026-10-02" in str(p) for p in second.files)

    con = load_landing(landing, only={"Opportunity", "Account", "Lead", "LeadHistory"})
    newer = con.execute(
        """select count(*) from salesforce_opportunity_all d
           join salesforce_opportunity_all b on b.id = d.id and b._file like '%_full_%'
           where d._file like '%_delta_%' and d.system_modstamp > b.system_modstamp
             and d.stage_name <> b.stage_name"""
    ).fetchone()[0]
    assert newer > 0, "no opportunity moved on"
    lead_changes = con.execute(
        """select count(*) from salesforce_lead_all d
           join salesforce_lead_all b on b.id = d.id and b._file like '%_full_%'
           where d._file like '%_delta_%' and d.system_modstamp > b.system_modstamp
             and d.status <> b.status"""
    ).fetchone()[0]
    assert lead_changes > 0
    assert (
        con.execute(
            "select count(*) from salesforce_lead_history "
            "where cast(created_date as date) = date '2026-10-01'"
        ).fetchone()[0]
        > 0
    )
    assert report.rows["activities"] > 100 and report.rows["Task"] > 10 and report.rows["Event"] > 5
    # The drop's records are consistent with the folder: the newest versions still load and link.
    assert (
        con.execute(
            "select count(*) from salesforce_opportunity "
            "where account_id not in (select id from salesforce_account)"
        ).fetchone()[0]
        == 0
    )


def test_next_day_is_deterministic(demo_dir: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        shutil.copytree(demo_dir, tmp_path / name)
        generate_next_day(tmp_path / name, seed=DEMO_SEED)
    assert file_hashes(tmp_path / "a") == file_hashes(tmp_path / "b")


def test_next_day_needs_a_full_extract(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        generate_next_day(tmp_path, seed=DEMO_SEED)


# -- Helpers and sizes -------------------------------------------------------------------------------

_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _with_checksum(id15: str) -> str:
    """Salesforce's 15 -> 18 character Id rule, written independently of the generator."""
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]) if "A" <= ch <= "Z")
        suffix += _CHECKSUM[bits]
    return id15 + suffix


def test_ids_are_18_character_salesforce_ids_unique_across_days_and_units() -> None:
    assert _with_checksum("001A0000006Vm9r") == "001A0000006Vm9rIAC"  # Salesforce's documented example
    made = {
        (day, unit): IdAllocator(day_index=day, unit=unit).take("Opportunity", 300).to_pylist()
        for day, unit in [(0, 0), (0, 1), (1, 0), (2, 67)]
    }
    every = [sf_id for ids in made.values() for sf_id in ids]
    assert len(set(every)) == len(every)
    for sf_id in every:
        assert len(sf_id) == 18 and sf_id.startswith("006")
        assert _with_checksum(sf_id[:15]) == sf_id


def test_timestamps_and_dates_are_written_as_iso_8601() -> None:
    seconds = np.random.default_rng(1).integers(0, 4_000_000_000, 2_000)
    text = col.iso_timestamp_text(col.timestamps(seconds)).to_pylist()
    expected = [datetime.fromtimestamp(int(s), UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for s in seconds]
    assert text == expected
    days = seconds // 86_400
    assert col.iso_date_text(col.dates(days)).to_pylist() == [
        (date(1970, 1, 1) + timedelta(days=int(d))).isoformat() for d in days
    ]


def test_sizes_scale_in_units() -> None:
    from orchestration.demo.generator import unit_sizes

    assert unit_sizes(DEMO_ACTIVITY_ROWS) == [DEMO_ACTIVITY_ROWS]
    big = unit_sizes(20_000_000)
    assert len(big) == 67 and sum(big) == 20_000_000 and max(big) - min(big) <= 1
    assert unit_sizes(1_000) == [1_000]
