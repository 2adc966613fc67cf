"""A daily build's `relationships` tests read only the rows it re-selected, against the whole
parent (tests/dbt/generic/relationships.sql), and still catch an orphan among them.

One next-day drop on a copy of the session's demo warehouse, with one lead of the drop marked
deleted in its newest raw row, and an orphan status row planted in int_lead_statuses_collected
for a lead the drop does not touch (a kept row, not re-selected). The daily build's test of
`lead_id` passes: the deleted lead's statuses are gone and the planted row is not re-selected;
a `dbt test` on its own reads the whole table and reports the planted row. A project whose model
keeps the statuses of deleted leads fails the daily build's test with exactly those rows.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from incremental_helpers import dbt_results, next_day_warehouse, project_with_edit

from orchestration.config import PROJECT_ROOT

pytestmark = pytest.mark.slow

STATUSES = "intermediate.int_lead_statuses_collected"
RELATIONSHIP = "relationships_int_lead_statuses_collected_lead_id__lead_id__ref_stg_salesforce__leads_"
BUILT = "stg_salesforce__leads stg_salesforce__lead_histories int_lead_statuses_collected"
NO_SUCH_LEAD = "00Q000000000NOLEAD"
MODEL = "models/intermediate/int_lead_statuses_collected.sql"
# The wrong model: the status history of a lead gone from staging is kept.
KEEPS_DELETED = (
    "    from lead_histories\n    inner join leads\n",
    "    from lead_histories\n    left join leads\n",
)


def _delete_a_lead_and_plant_an_orphan(database: Path) -> str:
    """Mark deleted, in its newest raw row, a lead the drop touches that has status history;
    plant the orphan of a kept lead. Returns the deleted lead's Id."""
    with duckdb.connect(str(database)) as con:
        newest = "(select max(_loaded_at) from raw.salesforce_lead)"
        lead = con.execute(
            f"select min(lead.id) from raw.salesforce_lead as lead where lead._loaded_at = {newest} "
            "and lead.id in (select lead_id from raw.salesforce_lead_history where lower(field) = 'status')"
        ).fetchone()[0]
        assert lead is not None
        con.execute(
            f"update raw.salesforce_lead set is_deleted = true where id = ? and _loaded_at = {newest}", [lead]
        )
        kept = con.execute(
            f"select min(lead_id) from {STATUSES} where lead_id not in "
            f"(select id from raw.salesforce_lead where _loaded_at = {newest})"
        ).fetchone()[0]
        con.execute(
            f"insert into {STATUSES} select * replace (cast(? as varchar) as lead_id) "
            f"from {STATUSES} where lead_id = ? limit 1",
            [NO_SUCH_LEAD, kept],
        )
    return lead


def _daily(project: Path, database: Path, target: Path) -> dict[str, dict]:
    return dbt_results(
        project, database, target, "build", "--select", BUILT, "--exclude-resource-type", "unit_test"
    )


def _status_rows(database: Path, lead: str) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(f"select count(*) from {STATUSES} where lead_id = ?", [lead]).fetchone()[0]


def test_a_daily_build_checks_the_rebuilt_rows_against_the_whole_parent(demo_warehouse, tmp_path):
    database = next_day_warehouse(demo_warehouse, tmp_path)
    deleted = _delete_a_lead_and_plant_an_orphan(database)
    daily = _daily(PROJECT_ROOT, database, tmp_path / "daily")
    assert daily["int_lead_statuses_collected"]["status"] == "success"
    assert daily[RELATIONSHIP]["status"] == "pass"
    assert _status_rows(database, deleted) == 0
    assert _status_rows(database, NO_SUCH_LEAD) == 1
    alone = dbt_results(PROJECT_ROOT, database, tmp_path / "alone", "test", "--select", RELATIONSHIP)
    assert (alone[RELATIONSHIP]["status"], alone[RELATIONSHIP]["failures"]) == ("fail", 1)


def test_a_model_keeping_a_deleted_leads_statuses_fails_the_daily_build(demo_warehouse, tmp_path):
    database = next_day_warehouse(demo_warehouse, tmp_path)
    deleted = _delete_a_lead_and_plant_an_orphan(database)
    project = project_with_edit(tmp_path, MODEL, *KEEPS_DELETED)
    daily = _daily(project, database, tmp_path / "daily")
    assert daily["int_lead_statuses_collected"]["status"] == "success"
    orphans = _status_rows(database, deleted)
    assert orphans > 0
    # Only the re-selected orphans: the planted one of a kept lead is not counted.
    assert (daily[RELATIONSHIP]["status"], daily[RELATIONSHIP]["failures"]) == ("fail", orphans)
