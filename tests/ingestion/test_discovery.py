"""Which files of the landing folder are data files, of which object, in which order."""

from __future__ import annotations

import hashlib

from loader_helpers import OPPORTUNITY

from orchestration.ingestion.columns import normalized_names
from orchestration.ingestion.contract import object_for_folder
from orchestration.ingestion.discovery import discover_files, fingerprint


def test_data_files_by_object_in_landing_order(landing):
    landing.write("salesforce/opportunity_history/b.CSV", "x", mtime=200)
    landing.write("salesforce/OpportunityHistory/2026/01/a.csv.gz", "x", mtime=200)
    landing.write("salesforce/OPPORTUNITYHISTORY/c.Parquet", "x", mtime=100)
    landing.write("salesforce/OpportunityHistory/d.csv.bak", "x")
    landing.write("salesforce/OpportunityHistory/.hidden/e.csv", "x")
    landing.write("activity/activities/f.csv", "x")

    found = discover_files(landing.root)

    history = object_for_folder("salesforce", "OpportunityHistory")
    assert [f.source_file for f in found.for_object(history)] == [
        "salesforce/OPPORTUNITYHISTORY/c.Parquet",
        "salesforce/OpportunityHistory/2026/01/a.csv.gz",
        "salesforce/opportunity_history/b.CSV",
    ]
    assert found.ignored_in(history) == [
        "salesforce/OpportunityHistory/.hidden/e.csv",
        "salesforce/OpportunityHistory/d.csv.bak",
    ]
    assert [f.source_file for f in found.candidates["activity_activities"]] == ["activity/activities/f.csv"]
    assert found.unknown == []


def test_a_missing_landing_folder_is_empty(tmp_path):
    found = discover_files(tmp_path / "nowhere")
    assert (found.candidates, found.unknown, found.ignored) == ({}, [], [])


def test_fingerprint_is_the_sha256_and_the_physical_line_count(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n3,4")
    assert fingerprint(path).sha256 == hashlib.sha256(b"a,b\r\n1,2\r\n3,4").hexdigest()
    assert fingerprint(path).lines == 3
    path.write_bytes(b"a,b\n1,2\n")
    assert fingerprint(path).lines == 2


def test_header_names_map_to_contract_columns_or_are_kept():
    headers = ["OwnerId", "OWNERID", "owner_id", "Territory2Id", "Region__c", "REGION__C", "", " Next Step "]
    assert normalized_names(headers, OPPORTUNITY) == [
        "owner_id",
        "owner_id",
        "owner_id",
        "territory_2_id",
        "region_c",
        "region_c",
        "column_7",
        "next_step",
    ]
