"""The long-lived reader (the dashboard's): it sees each new build without a restart, never a
mixed one, and never blocks a publish."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest

from orchestration.serving.publish import BUILD_INFO, publish
from orchestration.serving.reader import ServingReader

pytestmark = pytest.mark.slow


def test_reader_picks_up_a_new_build_in_the_same_process(demo_warehouse, tmp_path):
    serving = tmp_path / "warehouse.duckdb"
    publish(demo_warehouse.database, serving, "build-1", parquet=False)
    reader = ServingReader(serving)
    assert reader.query(f"select distinct build_id from {BUILD_INFO}") == [("build-1",)]
    # A query in flight on the old build while the new one is published: it finishes on the
    # old file, and the next query gets the new one.
    with reader.cursor() as cursor:
        publish(demo_warehouse.database, serving, "build-2", parquet=False)
        assert cursor.execute(f"select distinct build_id from {BUILD_INFO}").fetchall() == [("build-1",)]
    assert reader.query(f"select distinct build_id from {BUILD_INFO}") == [("build-2",)]
    assert reader.reopened == 1
    reader.close()


def test_queries_from_threads_during_publishes_see_whole_builds(demo_warehouse, tmp_path):
    serving = tmp_path / "warehouse.duckdb"
    publish(demo_warehouse.database, serving, "build-0", parquet=False)
    reader = ServingReader(serving)
    seen, errors, stop = set(), [], threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                with reader.cursor() as cursor:
                    (build,) = cursor.execute(f"select distinct build_id from {BUILD_INFO}").fetchone()
                    rows = cursor.execute("select count(*) from kpi_revenue").fetchone()[0]
                    expected = cursor.execute(
                        f"select row_count from {BUILD_INFO} where table_name = 'kpi_revenue'"
                    ).fetchone()[0]
                    assert rows == expected
                    seen.add(build)
            except Exception as exc:  # noqa: BLE001 - every failure is counted, none is allowed
                errors.append(repr(exc))

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for n in range(1, 4):
        publish(demo_warehouse.database, serving, f"build-{n}", parquet=False)
        time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join()
    reader.close()
    assert not errors
    assert "build-3" in seen and len(seen) >= 2


def test_reader_process_sees_new_builds_without_restart(demo_warehouse, tmp_path):
    serving = tmp_path / "warehouse.duckdb"
    publish(demo_warehouse.database, serving, "build-1", parquet=False)
    script = textwrap.dedent(
        f"""
        import sys, time
        from orchestration.serving.reader import ServingReader
        reader = ServingReader({str(serving)!r})
        last = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            (build,) = reader.query("select distinct build_id from {BUILD_INFO}")[0]
            if build != last:
                print(build, flush=True)
                last = build
            if build == "build-3":
                break
            time.sleep(0.05)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "build-1"
    for n in (2, 3):
        publish(demo_warehouse.database, serving, f"build-{n}", parquet=False)
        time.sleep(0.5)
    output, _ = process.communicate(timeout=90)
    assert process.returncode == 0
    assert output.split()[-1] == "build-3"
