"""Publishing the marts to the serving file: complete, verified, switched atomically, never
partial, and survivable by a kill at any point.

Two builds: A, the session's demo warehouse, and B, a copy with one KPI changed; so a file that
mixed them, or a build_info that does not describe its tables, shows.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.serving.publish import (
    BUILD_INFO,
    PublishError,
    fingerprint,
    parquet_root,
    previous_path,
    publish,
)
from orchestration.serving.reader import open_serving

pytestmark = pytest.mark.slow
KILLER = Path(__file__).with_name("publish_and_die.py")


@pytest.fixture(scope="module")
def builds(demo_warehouse, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("builds")
    build_b = root / "b.duckdb"
    shutil.copy2(demo_warehouse.database, build_b)
    with duckdb.connect(str(build_b)) as con:
        con.execute("update marts.kpi_revenue set bookings_count = bookings_count + 1")
    return {"A": demo_warehouse.database, "B": build_b}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _published_tables(build: Path) -> list[str]:
    with duckdb.connect(str(build), read_only=True) as con:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and (table_name like 'kpi\\_%' escape '\\' or table_name like 'dim\\_%' escape '\\' "
            "or table_name like 'bridge\\_%' escape '\\') order by 1"
        ).fetchall()
    return [name for (name,) in rows]


def assert_one_whole_build(serving: Path) -> str:
    """The file holds one build, whole: every table matches what its build_info says."""
    with open_serving(serving) as con:
        (build_ids,) = con.execute(f"select list(distinct build_id) from {BUILD_INFO}").fetchone()
        assert len(build_ids) == 1, build_ids
        for table, rows, content in con.execute(
            f"select table_name, row_count, content_hash from {BUILD_INFO}"
        ).fetchall():
            got = fingerprint(con, f'main."{table}"', table)
            assert (got.row_count, got.content_hash) == (rows, content), table
    return build_ids[0]


def test_publish_copies_every_mart_with_its_build_info(builds, tmp_path):
    serving = tmp_path / "serving" / "warehouse.duckdb"
    publication = publish(builds["A"], serving, "build-a")
    expected_tables = _published_tables(builds["A"])
    assert len(expected_tables) >= 15 and "kpi_revenue" in expected_tables and "dim_reps" in expected_tables
    assert sorted(t.name for t in publication.tables) == expected_tables
    assert assert_one_whole_build(serving) == "build-a"
    with duckdb.connect(str(builds["A"]), read_only=True) as build, open_serving(serving) as con:
        newest = build.execute(
            "select source_file from raw.load_manifest where status = 'loaded' "
            "order by file_landed_at desc, source_file desc limit 1"
        ).fetchone()[0]
        assert con.execute(f"select distinct newest_file from {BUILD_INFO}").fetchall() == [(newest,)]
        for table in expected_tables:  # same rows as the build, by a second method
            built = build.execute(f"select * from marts.{table} order by all").fetchall()
            assert con.execute(f"select * from {table} order by all").fetchall() == built, table
        tables = {
            name for (name,) in con.execute("select table_name from information_schema.tables").fetchall()
        }
        assert tables == {*expected_tables, BUILD_INFO}  # nothing else: no raw, no staging
    parquet = parquet_root(serving) / "current"
    assert sorted(p.stem for p in parquet.glob("*.parquet")) == expected_tables
    revenue = duckdb.execute(
        f"select count(*) from read_parquet('{parquet}/kpi_revenue.parquet')"
    ).fetchone()[0]
    assert revenue == next(t.row_count for t in publication.tables if t.name == "kpi_revenue")


def test_switch_keeps_old_readers_on_the_old_build_and_the_previous_file(builds, tmp_path):
    serving = tmp_path / "warehouse.duckdb"
    publish(builds["A"], serving, "build-a")
    old_reader = open_serving(serving)
    old_count = old_reader.execute("select sum(bookings_count) from kpi_revenue").fetchone()[0]
    publish(builds["B"], serving, "build-b")
    # The reader that opened the old file keeps reading it, whole, until it reconnects ...
    assert old_reader.execute(f"select distinct build_id from {BUILD_INFO}").fetchall() == [("build-a",)]
    assert old_reader.execute("select sum(bookings_count) from kpi_revenue").fetchone()[0] == old_count
    old_reader.close()
    # ... a new connection sees the new build, and the previous one is kept for rollback.
    assert assert_one_whole_build(serving) == "build-b"
    with open_serving(serving) as con:
        new_count = con.execute("select sum(bookings_count) from kpi_revenue").fetchone()[0]
        months = con.execute("select count(*) from kpi_revenue").fetchone()[0]
    assert new_count == old_count + months
    assert assert_one_whole_build(previous_path(serving)) == "build-a"
    assert sorted(p.name for p in parquet_root(serving).iterdir()) == ["build-a", "build-b", "current"]


def test_a_publish_that_fails_leaves_the_serving_file_as_it_was(builds, tmp_path, monkeypatch):
    serving = tmp_path / "warehouse.duckdb"
    publish(builds["A"], serving, "build-a")
    before = {p.name: _sha256(p) for p in tmp_path.iterdir() if p.is_file()}

    def corrupt(path, expected, build_id):
        raise PublishError("the new serving file does not match the build (planted)")

    monkeypatch.setattr("orchestration.serving.publish.verify", corrupt)
    with pytest.raises(PublishError):
        publish(builds["B"], serving, "build-b")
    assert {p.name: _sha256(p) for p in tmp_path.iterdir() if p.is_file()} == before
    assert assert_one_whole_build(serving) == "build-a"


# Where the kill lands -> which build the current file holds afterwards.
KILL_POINTS = {
    "copying": "build-a",
    "verifying": "build-a",
    "replace-1": "build-a",  # the previous version being kept
    "replace-2": "build-a",  # previous kept, the new file not yet switched
    "replace-3": "build-b",  # file switched, Parquet folder not in place
    "replace-4": "build-b",  # Parquet folder in place, its link not switched
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_during_publish_leaves_a_whole_build_and_the_next_publish_works(builds, tmp_path, point):
    serving = tmp_path / "warehouse.duckdb"
    publish(builds["A"], serving, "build-a")
    killed = subprocess.run(
        [sys.executable, str(KILLER), str(builds["B"]), str(serving), "build-b", point],
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -9, killed.stdout + killed.stderr
    assert assert_one_whole_build(serving) == KILL_POINTS[point]
    # The Parquet link switches last: still the old build's folder, whole.
    assert (parquet_root(serving) / "current").resolve().name == "build-a"
    publish(builds["B"], serving, "build-c")  # the next run publishes, and cleans up
    assert assert_one_whole_build(serving) == "build-c"
    assert not [p for p in tmp_path.rglob(".*")], "leftovers of the killed publish"
    assert (parquet_root(serving) / "current").resolve().name == "build-c"


def test_hardened_connection_refuses_local_files(builds, tmp_path):
    serving = tmp_path / "warehouse.duckdb"
    publish(builds["A"], serving, "build-a", parquet=False)
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    with open_serving(serving) as con:
        assert con.execute("select count(*) from kpi_revenue").fetchone()[0] > 0  # BI SQL works ...
        for sql in (
            f"select * from read_csv('{secret}')",
            f"select * from read_text('{secret}')",
            f"select * from '{secret}'",
            f"copy kpi_revenue to '{tmp_path / 'out.csv'}'",
            f"attach '{builds['A']}' as build",
            "set enable_external_access = true",
            "load httpfs",
        ):  # ... SQL reaching outside the file does not
            with pytest.raises((duckdb.PermissionException, duckdb.InvalidInputException)):
                con.execute(sql)
    assert not (tmp_path / "out.csv").exists()
