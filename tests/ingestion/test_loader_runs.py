"""Across runs: new files only, identical re-landings, landing order, atomicity, what is ignored."""

from __future__ import annotations

import os

import duckdb
from loader_helpers import OPP_HEADER, OPPORTUNITY, manifest, opp_row, query, rejects

import orchestration.ingestion.loader as loader_module
from orchestration.ingestion.loader import load_object, load_unknown_folders


def test_a_re_landed_identical_file_loads_nothing(landing, load, con):
    content = f"{OPP_HEADER}\n{opp_row('006A')}\n{opp_row('006B')}\n"
    original = landing.write("salesforce/Opportunity/2026-01-05.csv", content)
    first = load()
    assert [(f.status, f.rows_loaded) for f in first.files] == [("loaded", 2)]

    # Same path, same bytes (even with a new modification time): not processed at all.
    os.utime(original, (1_800_000_000, 1_800_000_000))
    again = load()
    assert (again.files, again.unchanged_files) == ([], 1)

    # New path, same bytes: recorded as skipped, nothing loaded.
    landing.write("salesforce/Opportunity/copy/2026-01-05.csv", content)
    copy = load()
    assert [(f.source_file, f.status, f.rows_loaded, f.reason) for f in copy.files] == [
        (
            "salesforce/Opportunity/copy/2026-01-05.csv",
            "skipped",
            0,
            "identical to salesforce/Opportunity/2026-01-05.csv already loaded",
        )
    ]
    assert query(con, "select count(*) from raw.salesforce_opportunity") == [(2,)]
    assert [(row[0], row[1]) for row in manifest(con)] == [
        ("salesforce/Opportunity/2026-01-05.csv", "loaded"),
        ("salesforce/Opportunity/copy/2026-01-05.csv", "skipped"),
    ]

    # A corrected file at the same path is new bytes: loaded again.
    landing.write("salesforce/Opportunity/2026-01-05.csv", content + opp_row("006C") + "\n")
    corrected = load()
    assert [(f.status, f.rows_loaded) for f in corrected.files] == [("loaded", 3)]


def test_files_load_in_landing_order_modification_time_then_path(landing, load, con):
    landing.write("salesforce/Opportunity/c.csv", f"{OPP_HEADER}\n{opp_row('006C')}\n", mtime=1_767_300_000)
    landing.write("salesforce/Opportunity/b.csv", f"{OPP_HEADER}\n{opp_row('006B')}\n", mtime=1_767_200_000)
    landing.write("salesforce/Opportunity/a.csv", f"{OPP_HEADER}\n{opp_row('006A')}\n", mtime=1_767_300_000)

    summary = load()

    assert [f.source_file for f in summary.files] == [
        "salesforce/Opportunity/b.csv",
        "salesforce/Opportunity/a.csv",
        "salesforce/Opportunity/c.csv",
    ]


def test_a_failure_mid_file_leaves_nothing_of_it_and_the_next_run_loads_it(landing, load, con, monkeypatch):
    landing.write(
        "salesforce/Opportunity/a.csv", f"{OPP_HEADER}\n{opp_row('006A')}\n{opp_row('006X', amount='x')}\n"
    )
    landing.write("salesforce/Opportunity/b.csv", f"{OPP_HEADER}\n{opp_row('006B')}\n")
    real_insert = loader_module.insert_manifest_row

    def crash_on_a(connection, row):  # after a.csv's rows and rejects are written
        if row.source_file.endswith("a.csv"):
            raise RuntimeError("disk full")
        real_insert(connection, row)

    monkeypatch.setattr(loader_module, "insert_manifest_row", crash_on_a)
    summary = load()

    assert [(f.source_file, f.status, f.reason) for f in summary.files] == [
        ("salesforce/Opportunity/a.csv", "failed", "RuntimeError: disk full"),
        ("salesforce/Opportunity/b.csv", "loaded", None),
    ]
    assert query(con, "select id from raw.salesforce_opportunity") == [("006B",)]
    assert rejects(con) == []
    assert [row[0] for row in manifest(con)] == ["salesforce/Opportunity/b.csv"]

    monkeypatch.setattr(loader_module, "insert_manifest_row", real_insert)
    retry = load()
    assert [(f.source_file, f.status, f.rows_loaded, f.rows_rejected) for f in retry.files] == [
        ("salesforce/Opportunity/a.csv", "loaded", 1, 1)
    ]


def test_a_file_is_all_or_nothing_for_another_connection_too(landing, tmp_path, monkeypatch):
    """With a database file: a failure before commit leaves nothing a new connection can see."""
    database = tmp_path / "warehouse.duckdb"
    landing.write("salesforce/Opportunity/a.csv", f"{OPP_HEADER}\n{opp_row('006A')}\n")
    monkeypatch.setattr(
        loader_module, "insert_manifest_row", lambda *_: (_ for _ in ()).throw(OSError("boom"))
    )
    with duckdb.connect(str(database)) as writer:
        summary = load_object(writer, landing.root, OPPORTUNITY, 0.01)
    assert [f.status for f in summary.files] == ["failed"]
    with duckdb.connect(str(database)) as reader:
        assert query(reader, "select count(*) from raw.salesforce_opportunity") == [(0,)]
        assert query(reader, "select count(*) from raw.load_manifest") == [(0,)]


def test_unknown_folders_are_reported_once_and_ignored_files_listed(landing, load, con):
    landing.write("salesforce/Widget/w.csv", "Id\n1\n")
    landing.write("salesforce/stray.csv", "Id\n2\n")
    landing.write("hubspot/Deal/d.parquet", b"PAR1")
    landing.write("salesforce/Opportunity/_SUCCESS", "")
    landing.write("salesforce/Opportunity/.part-0001.csv", "partial")
    landing.write("salesforce/Opportunity/notes.txt", "hello")
    landing.write("README.md", "landing folder")
    landing.write("salesforce/Opportunity/good.csv", f"{OPP_HEADER}\n{opp_row('006A')}\n")

    lines: list[str] = []
    unknown = load_unknown_folders(con, landing.root, lines.append)
    summary = load_object(con, landing.root, OPPORTUNITY, 0.01, lines.append)

    assert [(f.source_file, f.status, f.reason) for f in unknown.files] == [
        (
            "salesforce/Widget/w.csv",
            "unreadable",
            "salesforce/Widget/w.csv: unknown object folder salesforce/Widget",
        ),
        (
            "salesforce/stray.csv",
            "unreadable",
            "salesforce/stray.csv: not in an object folder (expected <family>/<Object>/<file>)",
        ),
        (
            "hubspot/Deal/d.parquet",
            "unreadable",
            "hubspot/Deal/d.parquet: unknown object folder hubspot/Deal",
        ),
    ]
    assert unknown.ignored_files == ["README.md"]
    assert summary.ignored_files == [
        "salesforce/Opportunity/.part-0001.csv",
        "salesforce/Opportunity/_SUCCESS",
        "salesforce/Opportunity/notes.txt",
    ]
    assert [(f.source_file, f.status) for f in summary.files] == [
        ("salesforce/Opportunity/good.csv", "loaded")
    ]
    assert any(line.startswith("salesforce/Opportunity/good.csv: loaded, 1 read, 1 loaded") for line in lines)
    assert query(
        con, "select count(*) from raw.load_manifest where status = 'unreadable' and object_name is null"
    ) == [(3,)]

    again = load_unknown_folders(con, landing.root)
    assert (again.files, again.unchanged_files) == ([], 3)
