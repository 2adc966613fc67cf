"""The landing sensor: a new file triggers exactly one run of its object's ingestion and
everything downstream; a file already seen triggers nothing; a file still growing waits until
it stops changing; a file an earlier run already ingested is not ingested again."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest
from orchestration_helpers import USER_ROLES_CSV, definitions_for, write_file

from orchestration.automation.sensors import (
    LANDING_SENSOR_NAME,
    LandingCursor,
    scan_landing,
)
from orchestration.ingestion.discovery import discover_files
from orchestration.jobs import daily_run_config

OPPORTUNITY_CSV = (
    "Id,AccountId,OwnerId,StageName,CloseDate,IsClosed,IsWon,CreatedDate\n"
    "O1,A1,U1,Prospecting,2026-12-01,false,false,2026-10-01T09:00:00Z\n"
)
OPPORTUNITY_FILE = "salesforce/Opportunity/2026-10-01.csv"


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    root.mkdir()
    return root


@pytest.fixture
def defs(monkeypatch: pytest.MonkeyPatch, landing: Path, tmp_path: Path) -> dg.Definitions:
    return definitions_for(monkeypatch, landing, tmp_path / "warehouse.duckdb")


@pytest.fixture
def instance():
    with dg.instance_for_test() as test_instance:
        yield test_instance


class SensorTicks:
    """Evaluates the landing sensor tick after tick, carrying the cursor like the daemon does."""

    def __init__(self, defs: dg.Definitions, instance: dg.DagsterInstance) -> None:
        self.defs, self.instance, self.cursor = defs, instance, None
        self.sensor = defs.resolve_sensor_def(LANDING_SENSOR_NAME)

    def tick(self) -> dg.SensorResult:
        context = dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, definitions=self.defs, resources=self.defs.resources
        )
        result = self.sensor(context)
        self.cursor = result.cursor
        return result


@pytest.fixture
def ticks(defs: dg.Definitions, instance: dg.DagsterInstance) -> SensorTicks:
    return SensorTicks(defs, instance)


def _keys(request: dg.RunRequest) -> set[str]:
    return {key.to_user_string() for key in request.asset_selection}


def test_a_new_file_yields_exactly_one_run_of_its_object_and_everything_downstream(landing, ticks, defs):
    write_file(landing, OPPORTUNITY_FILE, OPPORTUNITY_CSV, age_seconds=120)

    first = ticks.tick()
    assert len(first.run_requests) == 1
    request = first.run_requests[0]
    keys = _keys(request)
    assert "raw/salesforce_opportunity" in keys
    assert {"staging/stg_salesforce__opportunities", "marts/fct_opportunities", "marts/kpi_revenue"} <= keys
    assert not any(key.startswith("raw/") and key != "raw/salesforce_opportunity" for key in keys)
    assert "seeds/opportunity_stages" not in keys  # upstream, not downstream
    assert request.run_config == daily_run_config()
    assert request.run_key and request.tags["sales/new_files"] == "1"
    # The subset is valid for the daily job the sensor targets.
    defs.resolve_job_def("daily").get_subset(asset_selection=set(request.asset_selection))
    # The landing asset records the new file.
    assert [e.asset_key.to_user_string() for e in first.asset_events] == ["landing/salesforce_opportunity"]

    assert ticks.tick().run_requests == []  # already seen: nothing more
    assert ticks.tick().run_requests == []


def test_a_fresh_file_waits_one_tick_and_a_growing_file_waits_until_it_stops_changing(landing, ticks):
    path = write_file(landing, OPPORTUNITY_FILE, OPPORTUNITY_CSV)  # just landed: maybe still written

    assert ticks.tick().run_requests == []
    with path.open("a") as handle:  # still being written
        handle.write("O2,A1,U1,Prospecting,2026-12-02,false,false,2026-10-01T10:00:00Z\n")
    assert ticks.tick().run_requests == []
    with path.open("a") as handle:
        handle.write("O3,A1,U1,Prospecting,2026-12-03,false,false,2026-10-01T11:00:00Z\n")
    assert ticks.tick().run_requests == []

    stable = ticks.tick()  # unchanged since the previous tick: complete
    assert len(stable.run_requests) == 1
    assert "raw/salesforce_opportunity" in _keys(stable.run_requests[0])
    assert ticks.tick().run_requests == []


def test_files_of_two_objects_make_one_run_and_the_run_key_follows_the_file_set(landing, ticks):
    write_file(landing, OPPORTUNITY_FILE, OPPORTUNITY_CSV, age_seconds=120)
    write_file(landing, "salesforce/UserRole/roles.csv", USER_ROLES_CSV, age_seconds=120)
    request = ticks.tick().run_requests[0]
    assert {"raw/salesforce_opportunity", "raw/salesforce_user_role"} <= _keys(request)

    # A later file gets its own run, of its own object only.
    write_file(
        landing, "salesforce/UserRole/roles-2.csv", USER_ROLES_CSV + "R3,Sales US,R1\n", age_seconds=60
    )
    later = ticks.tick().run_requests
    assert len(later) == 1 and later[0].run_key != request.run_key
    assert "raw/salesforce_opportunity" not in _keys(later[0])


def test_a_data_file_outside_the_object_folders_is_reported_by_the_unrecognised_files_asset(landing, ticks):
    write_file(landing, "salesforce/Opportunities.csv", OPPORTUNITY_CSV, age_seconds=120)
    write_file(landing, "salesforce/Opportunity/_SUCCESS", "", age_seconds=120)  # not a data file
    (request,) = ticks.tick().run_requests
    assert _keys(request) == {"raw/unrecognised_files"}
    assert request.run_config == {}  # no dbt step in that run


def test_a_file_an_earlier_run_ingested_does_not_trigger_again(landing, ticks, instance, defs):
    write_file(landing, "salesforce/UserRole/roles.csv", USER_ROLES_CSV, age_seconds=120)
    # The daily job (schedule or manual launch) ingests it before the sensor ever sees it.
    result = defs.resolve_job_def("daily").execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey(["raw", "salesforce_user_role"])]
    )
    assert result.success

    assert ticks.tick().run_requests == []
    write_file(landing, "salesforce/UserRole/roles-2.csv", USER_ROLES_CSV, age_seconds=0)
    ticks.tick()
    assert len(ticks.tick().run_requests) == 1  # landed after that run: new


def test_the_cursor_remembers_requested_files_by_size_and_modification_time(landing):
    write_file(landing, OPPORTUNITY_FILE, OPPORTUNITY_CSV, age_seconds=120)
    files = discover_files(landing).candidates["salesforce_opportunity"]
    now = files[0].mtime_ns + 120 * 10**9
    scan = scan_landing(files, LandingCursor(), now_ns=now, quiet_ns=30 * 10**9)
    assert [f.source_file for f in scan.ready] == [OPPORTUNITY_FILE]

    cursor = LandingCursor.from_json(scan.cursor.to_json())
    assert json.loads(scan.cursor.to_json())["requested"] == {
        OPPORTUNITY_FILE: f"{files[0].size}:{files[0].mtime_ns}"
    }
    assert scan_landing(files, cursor, now_ns=now, quiet_ns=30 * 10**9).ready == []
