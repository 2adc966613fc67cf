"""Files of one format and header load together in one statement (the one-pass load reads them in
parallel), and a batch with one bad file falls back to file-by-file loading: the good files still
load, the bad one's rejects are reported with their own lines, lineage and lines stay per file."""

from __future__ import annotations

import pytest
from loader_helpers import OPP_HEADER, manifest, opp_row, query

from orchestration.ingestion import loader as loader_module


@pytest.fixture
def one_pass_calls(monkeypatch) -> list[list[str]]:
    """The source files of every one-pass CSV statement, in call order."""
    calls: list[list[str]] = []
    original = loader_module.insert_csv

    def recording(con, obj, plan, files, *args, **kwargs):
        calls.append([f.source_file for f in files])
        return original(con, obj, plan, files, *args, **kwargs)

    monkeypatch.setattr(loader_module, "insert_csv", recording)
    return calls


def _write_three(landing, middle_rows: list[str], gz: bool) -> list[str]:
    suffix = ".csv.gz" if gz else ".csv"
    names = [f"salesforce/Opportunity/part_{n}{suffix}" for n in (1, 2, 3)]
    landing.write(names[0], f"{OPP_HEADER}\n{opp_row('006A')}\n{opp_row('006B')}\n", gz=gz)
    landing.write(names[1], OPP_HEADER + "\n" + "\n".join(middle_rows) + "\n", gz=gz)
    landing.write(names[2], f"{OPP_HEADER}\n{opp_row('006E')}\n", gz=gz)
    return names


@pytest.mark.parametrize("gz", [False, True], ids=["csv", "csv.gz"])
def test_good_files_with_one_header_load_in_one_statement_each_with_its_own_lines(
    landing, load, con, one_pass_calls, gz
):
    names = _write_three(landing, [opp_row("006C"), opp_row("006D")], gz)

    summary = load()

    assert one_pass_calls == [names]
    assert [(f.source_file, f.status, f.rows_loaded) for f in summary.files] == [
        (names[0], "loaded", 2),
        (names[1], "loaded", 2),
        (names[2], "loaded", 1),
    ]
    # Lines counted in each file from its header (line 1), lineage of its own file.
    assert query(
        con, "select id, _source_file, _source_line from raw.salesforce_opportunity order by id"
    ) == [
        ("006A", names[0], 2),
        ("006B", names[0], 3),
        ("006C", names[1], 2),
        ("006D", names[1], 3),
        ("006E", names[2], 2),
    ]
    hashes = query(con, "select source_file, file_hash from raw.load_manifest order by source_file")
    assert (
        query(con, "select distinct _source_file, _file_hash from raw.salesforce_opportunity order by 1")
        == hashes
    )
    assert len({file_hash for _, file_hash in hashes}) == 3


@pytest.mark.parametrize("gz", [False, True], ids=["csv", "csv.gz"])
def test_a_bad_file_in_a_batch_falls_back_file_by_file(landing, load, con, one_pass_calls, gz):
    names = _write_three(landing, [opp_row("006C"), opp_row("006D", amount="12,50")], gz)

    summary = load()

    # The batch, then each file alone; the bad one then takes the careful path.
    assert one_pass_calls == [names, [names[0]], [names[1]], [names[2]]]
    assert [(f.source_file, f.status, f.rows_loaded, f.rows_rejected) for f in summary.files] == [
        (names[0], "loaded", 2, 0),
        (names[1], "loaded", 1, 1),
        (names[2], "loaded", 1, 0),
    ]
    assert query(con, "select source_file, line from raw.load_rejects") == [(names[1], 3)]
    assert query(con, "select id, _source_line from raw.salesforce_opportunity order by id") == [
        ("006A", 2),
        ("006B", 3),
        ("006C", 2),
        ("006E", 2),
    ]
    assert [row[0] for row in manifest(con)] == names


def test_identical_files_in_one_run_are_not_batched_together(landing, load, con, one_pass_calls):
    content = f"{OPP_HEADER}\n{opp_row('006A')}\n"
    landing.write("salesforce/Opportunity/a.csv", content)
    landing.write("salesforce/Opportunity/b.csv", content)

    summary = load()

    assert [(f.source_file, f.status) for f in summary.files] == [
        ("salesforce/Opportunity/a.csv", "loaded"),
        ("salesforce/Opportunity/b.csv", "skipped"),
    ]
    assert query(con, "select count(*) from raw.salesforce_opportunity") == [(1,)]


def test_files_of_one_format_load_together_when_other_files_landed_between(
    landing, load, con, one_pass_calls
):
    # As the scale extracts land: one file per year, the years in alternating formats.
    names = []
    for n, gz in enumerate([False, True, False, True]):
        name = f"salesforce/Opportunity/year_{n}.csv{'.gz' if gz else ''}"
        landing.write(name, f"{OPP_HEADER}\n{opp_row(f'006{n}')}\n", gz=gz)
        names.append(name)
        if n == 1:  # and a file rejected for its header, between them
            names.append("salesforce/Opportunity/no_owner.csv")
            landing.write(names[-1], "Id,StageName\n006X,Prospecting\n")

    summary = load()

    csv_files, gzip_files = [names[0], names[3]], [names[1], names[4]]
    assert one_pass_calls == [csv_files, gzip_files]  # a statement per format, landing order kept
    # Results, and their log lines' files, still in landing order.
    assert [(f.source_file, f.status) for f in summary.files] == [
        (name, "rejected" if name.endswith("no_owner.csv") else "loaded") for name in names
    ]
    loaded_at = dict(query(con, "select source_file, loaded_at from raw.load_manifest"))
    assert loaded_at[csv_files[0]] == loaded_at[csv_files[1]] != loaded_at[gzip_files[0]]
    assert query(
        con, "select id, _source_file, _source_line from raw.salesforce_opportunity order by id"
    ) == [
        (f"006{n}", name, 2)
        for n, name in enumerate(csv_files[:1] + gzip_files[:1] + csv_files[1:] + gzip_files[1:])
    ]
